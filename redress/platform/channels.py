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


def client_tls() -> ClientTls:
    """This process's client TLS settings; SettingsError names every bad one."""
    env = Env()
    tls = ClientTls.from_env(env)
    env.check()
    return tls


def _options(tls: ClientTls, options: Options) -> list[tuple[str, Any]]:
    chosen = list(options)
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
        return grpc.insecure_channel(address, options=list(options))
    return grpc.secure_channel(address, tls.grpc_credentials(), options=_options(tls, options))


def aio_channel(
    address: str, options: Options = (), tls: ClientTls | None = None
) -> grpc.aio.Channel:
    """An asyncio channel; `tls` defaults to the process's environment."""
    tls = client_tls() if tls is None else tls
    if not tls.enabled:
        return grpc.aio.insecure_channel(address, options=list(options))
    return grpc.aio.secure_channel(address, tls.grpc_credentials(), options=_options(tls, options))
