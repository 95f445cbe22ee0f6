"""Connecting to Temporal the same way from every process."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from temporalio.client import Client
from temporalio.runtime import Runtime

from redress.platform.settings import Env

log = logging.getLogger("redress.temporal")

TASK_QUEUE = "redress-complaints"


@dataclass(frozen=True)
class TemporalSettings:
    address: str
    namespace: str
    task_queue: str
    connect_timeout_seconds: float

    @classmethod
    def from_env(cls, env: Env) -> TemporalSettings:
        return cls(
            address=env.address("REDRESS_TEMPORAL_ADDRESS", "127.0.0.1:7233"),
            namespace=env.string("REDRESS_TEMPORAL_NAMESPACE", "default"),
            task_queue=env.string("REDRESS_TASK_QUEUE", TASK_QUEUE),
            connect_timeout_seconds=env.number("REDRESS_TEMPORAL_CONNECT_TIMEOUT_SECONDS", 60.0),
        )


async def connect(settings: TemporalSettings, runtime: Runtime | None = None) -> Client:
    """Connects, retrying while the server starts; a clear error if it never answers."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.connect_timeout_seconds
    while True:
        try:
            return await Client.connect(
                settings.address, namespace=settings.namespace, runtime=runtime
            )
        except Exception as err:
            if loop.time() >= deadline:
                raise SystemExit(
                    f"cannot reach Temporal at {settings.address} "
                    f"(namespace {settings.namespace}) after "
                    f"{settings.connect_timeout_seconds:.0f}s: {err}. "
                    "Check REDRESS_TEMPORAL_ADDRESS and that the server runs."
                ) from None
            log.info("waiting for Temporal", extra={"fields": {"address": settings.address}})
            await asyncio.sleep(1.0)
