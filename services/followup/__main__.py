"""`python -m services.followup`: templates, customer messages, webhooks, staff alerts.

One process serves the gRPC API and runs the Temporal worker for the
follow-up task queue (message and webhook deliveries, and the hand-overs
complaint workflows make to it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import grpc
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.worker import Worker

from redress.cases.v1 import cases_pb2_grpc
from redress.db.migrate import wait_for_schema
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.platform import channels, serving
from redress.platform.mail import SmtpSettings
from redress.platform.scope import agent_scope
from redress.platform.settings import Env
from redress.platform.staff import StaffDirectory, StaffDirectoryReader, fetch_from_cases
from redress.platform.status_links import CustomerCaseAccess
from redress.platform.temporal import TemporalSettings, connect, ensure_schedule
from redress.platform.tls import ClientTls
from services.followup.activities import FollowupActivities
from services.followup.context import Firm
from services.followup.messenger import Messenger
from services.followup.rendering import LetterRenderer
from services.followup.servicer import ACCESS, CUSTOMER_CASE_METHODS, FollowupServicer
from services.followup.settings import DeliverySettings, FollowupSettings
from services.followup.store import FollowupStore
from workflows.followup import (
    MessageDeliveryWorkflow,
    StaffDigestWorkflow,
    WebhookDispatchWorkflow,
)
from workflows.sandbox import workflow_runner

DESCRIPTOR = followup_pb2.DESCRIPTOR.services_by_name["FollowupService"]
log = logging.getLogger("redress.followup")


async def keep_digest_schedules(
    client: Client, task_queue: str, daily_at: tuple[int, int], timezone: str
) -> None:
    """The Temporal Schedules that send staff digests, created or brought up to date."""
    hour, minute = daily_at
    wanted = {
        "hourly": ScheduleSpec(cron_expressions=["0 * * * *"]),
        "daily": ScheduleSpec(cron_expressions=[f"{minute} {hour} * * *"], time_zone_name=timezone),
    }
    for kind, spec in wanted.items():
        schedule = Schedule(
            action=ScheduleActionStartWorkflow(
                StaffDigestWorkflow.run, kind, id=f"staff-digest-{kind}", task_queue=task_queue
            ),
            spec=spec,
            policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        )
        await ensure_schedule(client, f"staff-digest-{kind}", schedule)


async def wake_waiting_deliveries(messenger: Messenger) -> None:
    """On start, wakes the dispatch of every event still waiting for an enabled
    webhook, so that one left behind (e.g. by a restart while a webhook was
    being re-enabled) is not stuck until its case's next event."""
    try:
        woken = await messenger.webhooks.wake_waiting()
    except Exception:
        log.exception("waking waiting webhook deliveries failed; they go with the next event")
        return
    if woken:
        log.info("webhook deliveries woken", extra={"fields": {"cases": woken}})


def follow_queue(temporal: TemporalSettings) -> str:
    """The follow-up task queue; complaint workflows derive the same name."""
    return f"{temporal.task_queue}-followup"


def build(env: Env) -> tuple[serving.ServiceSpec, serving.ServingSettings]:
    settings = FollowupSettings.from_env(env)
    temporal = TemporalSettings.from_env(env)
    smtp = SmtpSettings.from_env(env)
    firm = Firm.from_env(env)
    delivery = DeliverySettings.from_env(env)
    scope = agent_scope(env)
    try:
        staff = StaffDirectory.load(settings.staff_file)
    except (OSError, ValueError) as err:
        env.problems.append(f"REDRESS_STAFF_FILE={settings.staff_file!r}: {err}")
        staff = StaffDirectory({}, {})
    serving_settings = serving.ServingSettings.from_env("followup", 50053, 9103, env)
    cases_tls = ClientTls.from_env(env)
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
        channel = channels.aio_channel(settings.cases_address, tls=cases_tls)
        cases = cases_pb2_grpc.CasesServiceStub(channel)
        # The directory the cases service holds; the file only until it answers.
        directory = StaffDirectoryReader(
            fetch_from_cases(cases, settings.service_api_key), fallback=staff
        )
        await directory.refresh()
        directory.start()
        messenger = Messenger(
            store,
            cases,
            settings.service_api_key,
            firm,
            client,
            follow_queue(temporal),
            delivery,
            directory,
            LetterRenderer(settings.render_processes, settings.render_seconds),
        )
        activities = FollowupActivities(store, messenger, smtp, firm, delivery)
        worker = Worker(
            client,
            task_queue=follow_queue(temporal),
            workflows=[MessageDeliveryWorkflow, WebhookDispatchWorkflow, StaffDigestWorkflow],
            activities=activities.all(),
            graceful_shutdown_timeout=timedelta(seconds=5),
            workflow_runner=workflow_runner(),
        )
        running = asyncio.create_task(worker.run())
        await keep_digest_schedules(
            client, follow_queue(temporal), settings.digest_daily_at, settings.digest_timezone
        )
        parts["servicer"] = FollowupServicer(
            store, messenger, client, scope.with_directory(directory)
        )
        parts["store"] = store
        sweep = asyncio.create_task(wake_waiting_deliveries(messenger))

        async def close() -> None:
            sweep.cancel()
            await directory.stop()
            await worker.shutdown()
            await asyncio.gather(running, return_exceptions=True)
            await channel.close()
            await messenger.renderer.close()
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
        admit_request=CustomerCaseAccess(firm.status_links, CUSTOMER_CASE_METHODS),
    )
    return spec, serving_settings


if __name__ == "__main__":
    serving.main(build)
