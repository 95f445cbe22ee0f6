"""Connecting to Temporal the same way from every process."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from temporalio.client import (
    Client,
    Schedule,
    ScheduleAlreadyRunningError,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from redress.platform.settings import Env
from redress.platform.tls import ClientTls

log = logging.getLogger("redress.temporal")

TASK_QUEUE = "redress-complaints"


@dataclass(frozen=True)
class TemporalSettings:
    address: str
    namespace: str
    task_queue: str
    connect_timeout_seconds: float
    tls: ClientTls = field(default_factory=ClientTls)

    @classmethod
    def from_env(cls, env: Env) -> TemporalSettings:
        return cls(
            address=env.address("REDRESS_TEMPORAL_ADDRESS", "127.0.0.1:7233"),
            namespace=env.string("REDRESS_TEMPORAL_NAMESPACE", "default"),
            task_queue=env.string("REDRESS_TASK_QUEUE", TASK_QUEUE),
            connect_timeout_seconds=env.number("REDRESS_TEMPORAL_CONNECT_TIMEOUT_SECONDS", 60.0),
            tls=ClientTls.read(
                env,
                "REDRESS_TEMPORAL_TLS_CA_FILE",
                "REDRESS_TEMPORAL_TLS_CERT_FILE",
                "REDRESS_TEMPORAL_TLS_KEY_FILE",
                "REDRESS_TEMPORAL_TLS_SERVER_NAME",
            ),
        )

    def tls_config(self) -> TLSConfig | bool:
        """False (plaintext) unless a REDRESS_TEMPORAL_TLS_* variable is set."""
        if not self.tls.enabled:
            return False
        return TLSConfig(
            server_root_ca_cert=self.tls.ca_file.read_bytes() if self.tls.ca_file else None,
            domain=self.tls.server_name,
            client_cert=self.tls.cert_file.read_bytes() if self.tls.cert_file else None,
            client_private_key=self.tls.key_file.read_bytes() if self.tls.key_file else None,
        )

    async def connect_once(self, runtime: Runtime | None = None) -> Client:
        """One attempt, for processes that connect when first needed."""
        return await Client.connect(
            self.address, namespace=self.namespace, runtime=runtime, tls=self.tls_config()
        )


async def connect(settings: TemporalSettings, runtime: Runtime | None = None) -> Client:
    """Connects, retrying while the server starts; a clear error if it never answers."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.connect_timeout_seconds
    while True:
        try:
            return await settings.connect_once(runtime)
        except Exception as err:
            if loop.time() >= deadline:
                raise SystemExit(
                    f"cannot reach Temporal at {settings.address} "
                    f"(namespace {settings.namespace}) after "
                    f"{settings.connect_timeout_seconds:.0f}s: {err}. "
                    "Check REDRESS_TEMPORAL_ADDRESS and that the server runs"
                    + (
                        f"; this process connects with {settings.tls.mode} "
                        "(REDRESS_TEMPORAL_TLS_*), check that the server expects it."
                        if settings.tls.enabled
                        else "."
                    )
                ) from None
            log.info("waiting for Temporal", extra={"fields": {"address": settings.address}})
            await asyncio.sleep(1.0)


async def ensure_schedule(client: Client, schedule_id: str, schedule: Schedule) -> None:
    """Creates a Temporal Schedule, or brings an existing one up to date."""
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)
