"""`python -m services.followup`: templates, customer messages, webhooks, staff alerts.

One process serves the gRPC API and runs the Temporal worker for the
follow-up task queue (message and webhook deliveries, and the hand-overs
complaint workflows make to it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import grpc
from temporalio.worker import Worker

from redress.cases.v1 import cases_pb2_grpc
from redress.db import database_url
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.platform import serving
from redress.platform.settings import Env
from redress.platform.temporal import TemporalSettings, connect
from services.followup.context import Firm
from services.followup.delivery import (
    DeliverySettings,
    FollowupActivities,
    Messenger,
    SmtpSettings,
    StaffDirectory,
)
from services.followup.servicer import ACCESS, FollowupServicer
from services.followup.store import FollowupStore
from workflows.followup import MessageDeliveryWorkflow, WebhookDispatchWorkflow
from workflows.sandbox import workflow_runner

DESCRIPTOR = followup_pb2.DESCRIPTOR.services_by_name["FollowupService"]
log = logging.getLogger("redress.followup")


@dataclass(frozen=True)
class FollowupSettings:
    database_url: str
    cases_address: str
    service_api_key: str
    staff_file: str
    schema_wait_seconds: float

    @classmethod
    def from_env(cls, env: Env) -> FollowupSettings:
        settings = cls(
            database_url=env.string("REDRESS_DATABASE_URL", database_url()),
            cases_address=env.address("REDRESS_CASES_ADDRESS", "127.0.0.1:50052"),
            service_api_key=env.string("REDRESS_SERVICE_API_KEY", ""),
            staff_file=env.string("REDRESS_STAFF_FILE", ""),
            schema_wait_seconds=env.number("REDRESS_SCHEMA_WAIT_SECONDS", 120.0),
        )
        if not settings.service_api_key:
            env.problems.append(
                "REDRESS_SERVICE_API_KEY is not set: the follow-up service reads cases "
                "from services/cases with a key that has the service role"
            )
        return settings


def follow_queue(temporal: TemporalSettings) -> str:
    """The follow-up task queue; complaint workflows derive the same name."""
    return f"{temporal.task_queue}-followup"


async def wait_for_schema(url: str, seconds: float) -> None:
    """services/cases migrates the database; this service waits until it is current."""
    from alembic.script import ScriptDirectory

    from redress.db.migrate import alembic_config, current

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            revision = await asyncio.to_thread(current, url)
        except Exception:
            revision = None
        if revision == head:
            return
        if loop.time() > deadline:
            raise SystemExit(
                f"the database schema is at {revision or 'nothing'}, not {head}: start "
                "services/cases (it migrates on start) or run `python -m redress.db upgrade`"
            )
        log.info("waiting for the database schema", extra={"fields": {"at": revision}})
        await asyncio.sleep(1.0)


def build(env: Env) -> tuple[serving.ServiceSpec, serving.ServingSettings]:
    settings = FollowupSettings.from_env(env)
    temporal = TemporalSettings.from_env(env)
    smtp = SmtpSettings.from_env(env)
    firm = Firm.from_env(env)
    delivery = DeliverySettings.from_env(env)
    serving_settings = serving.ServingSettings.from_env("followup", 50053, 9103, env)
    parts: dict[str, object] = {}

    def register(server: grpc.aio.Server) -> None:
        servicer = parts["servicer"]
        assert isinstance(servicer, FollowupServicer)
        followup_pb2_grpc.add_FollowupServiceServicer_to_server(servicer, server)

    async def on_start() -> Callable[[], Awaitable[None]]:
        await wait_for_schema(settings.database_url, settings.schema_wait_seconds)
        store = FollowupStore(settings.database_url)
        added = await asyncio.to_thread(store.install_shipped)
        if added:
            log.info("shipped letters installed", extra={"fields": {"templates": added}})
        client = await connect(temporal)
        channel = grpc.aio.insecure_channel(settings.cases_address)
        messenger = Messenger(
            store,
            cases_pb2_grpc.CasesServiceStub(channel),
            settings.service_api_key,
            firm,
            client,
            follow_queue(temporal),
            delivery,
            StaffDirectory.load(settings.staff_file),
        )
        activities = FollowupActivities(store, messenger, smtp, firm, delivery)
        worker = Worker(
            client,
            task_queue=follow_queue(temporal),
            workflows=[MessageDeliveryWorkflow, WebhookDispatchWorkflow],
            activities=activities.all(),
            graceful_shutdown_timeout=timedelta(seconds=5),
            workflow_runner=workflow_runner(),
        )
        running = asyncio.create_task(worker.run())
        parts["servicer"] = FollowupServicer(store, messenger, client)
        parts["store"] = store

        async def close() -> None:
            await worker.shutdown()
            await asyncio.gather(running, return_exceptions=True)
            await channel.close()
            store.close()

        return close

    async def readiness() -> bool:
        store = parts.get("store")
        return isinstance(store, FollowupStore) and await asyncio.to_thread(store.ping)

    spec = serving.ServiceSpec(
        name="followup",
        service_names=[DESCRIPTOR.full_name],
        register=register,
        access=ACCESS,
        on_start=on_start,
        readiness=readiness,
    )
    return spec, serving_settings


if __name__ == "__main__":
    serving.main(build)
