"""Opening gRPC channels to Redress's services, with TLS when the process is told to.

Every client of a Redress service (the worker's activities, services calling
services/cases, the console, the CLI, importers, health checks) opens its
channel here, so that REDRESS_TLS_CA_FILE, REDRESS_TLS_CLIENT_CERT_FILE /
REDRESS_TLS_CLIENT_KEY_FILE and REDRESS_TLS_SERVER_NAME apply to all of them.
With none set, channels are plaintext, as on the loopback of `make run`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

from redress.platform.settings import Env
from redress.platform.tls import ClientTls

Options = Sequence[tuple[str, Any]]

# The largest gRPC message any Redress process sends or receives, the same on
# both ends of every channel (servers: redress/platform/serving.py), instead
# of gRPC's defaults (4 MB received, unlimited sent). What keeps answers
# under it: what grows on a case is capped (services/cases/store.py), reads
# of a case and pages of lists are bounded in bytes (services/cases/reads.py),
# exports stream in chunks.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
# What a call ends in when the service did not answer it (unreachable, or
# not in time): the same call may be made again.
UNANSWERED = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
# The largest file one message carries to or from the cases service with room
# to spare for its description (services/cases/attachments.py).
LARGEST_FILE_BYTES = 7 * 1024 * 1024
MESSAGE_SIZE_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
)


def client_tls() -> ClientTls:
    """This process's client TLS settings; SettingsError names every bad one."""
    env = Env()
    tls = ClientTls.from_env(env)
    env.check()
    return tls


def _options(tls: ClientTls, options: Options) -> list[tuple[str, Any]]:
    given = {name for name, _ in options}
    chosen = [o for o in MESSAGE_SIZE_OPTIONS if o[0] not in given] + list(options)
    if tls.enabled and tls.server_name:
        # The name checked against the server's certificate, and the :authority
        # sent, when the address is not the name the certificate holds.
        chosen += [
            ("grpc.ssl_target_name_override", tls.server_name),
            ("grpc.default_authority", tls.server_name),
        ]
    return chosen


def channel(address: str, options: Options = (), tls: ClientTls | None = None) -> grpc.Channel:
    """A blocking-API channel; `tls` defaults to the process's environment."""
    tls = client_tls() if tls is None else tls
    if not tls.enabled:
        return grpc.insecure_channel(address, options=_options(tls, options))
    return grpc.secure_channel(address, tls.grpc_credentials(), options=_options(tls, options))


def aio_channel(
    address: str, options: Options = (), tls: ClientTls | None = None
) -> grpc.aio.Channel:
    """An asyncio channel; `tls` defaults to the process's environment."""
    tls = client_tls() if tls is None else tls
    if not tls.enabled:
        return grpc.aio.insecure_channel(address, options=_options(tls, options))
    return grpc.aio.secure_channel(address, tls.grpc_credentials(), options=_options(tls, options))
