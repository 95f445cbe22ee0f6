"""`python -m services.reporting`: trends, root causes, time to close, clock
compliance, regulatory returns, exports and saved reports, read from the case
database; business metrics on /metrics; saved reports over HTTP
(REDRESS_REPORTS_HTTP_LISTEN) and by email on their schedules, through a
Temporal worker on `<task queue>-reporting`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import grpc
from prometheus_client import REGISTRY
from temporalio.worker import Worker

from redress.db import database_url
from redress.db.migrate import wait_for_schema
from redress.platform import serving
from redress.platform.auth import ApiKeys
from redress.platform.mail import SmtpSettings
from redress.platform.scope import agent_scope
from redress.platform.settings import Env
from redress.platform.temporal import TemporalSettings, connect
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.reporting import web
from services.reporting.activities import ReportActivities
from services.reporting.metrics import BusinessMetrics
from services.reporting.schedules import keep_schedule
from services.reporting.servicer import ACCESS, ReportingServicer
from services.reporting.store import ReportingStore
from workflows.reporting import ReportDeliveryWorkflow
from workflows.sandbox import workflow_runner

DESCRIPTOR = reporting_pb2.DESCRIPTOR.services_by_name["ReportingService"]


def build(env: Env) -> tuple[serving.ServiceSpec, serving.ServingSettings]:
    settings = serving.ServingSettings.from_env("reporting", 50055, 9105, env)
    temporal = TemporalSettings.from_env(env)
    smtp = SmtpSettings.from_env(env)
    url = env.string("REDRESS_DATABASE_URL", database_url())
    schema_wait = env.number("REDRESS_SCHEMA_WAIT_SECONDS", 120.0)
    metrics_ttl = env.number("REDRESS_BUSINESS_METRICS_TTL", 30.0)
    http_listen = env.address("REDRESS_REPORTS_HTTP_LISTEN", "127.0.0.1:8095")
    sender = env.string("REDRESS_FIRM_NAME", "Redress")
    # Reports are firm-wide: a person limited to their teams' cases is refused.
    scope = agent_scope(env)
    queue = f"{temporal.task_queue}-reporting"
    parts: dict[str, object] = {}

    def register(server: grpc.aio.Server) -> None:
        servicer = parts["servicer"]
        assert isinstance(servicer, ReportingServicer)
        reporting_pb2_grpc.add_ReportingServiceServicer_to_server(servicer, server)

    async def on_start() -> Callable[[], Awaitable[None]]:
        await wait_for_schema(url, schema_wait)
        store = ReportingStore(url)
        client = await connect(temporal)

        async def on_saved(definition: reporting_pb2.ReportDefinition) -> None:
            await keep_schedule(client, queue, definition)

        parts["servicer"] = ReportingServicer(store, on_saved)
        parts["store"] = store
        business = BusinessMetrics(store, metrics_ttl)
        REGISTRY.register(business)
        worker = Worker(
            client,
            task_queue=queue,
            workflows=[ReportDeliveryWorkflow],
            activities=[ReportActivities(store, smtp, sender).deliver_report],
            graceful_shutdown_timeout=timedelta(seconds=5),
            workflow_runner=workflow_runner(),
        )
        running = asyncio.create_task(worker.run())
        access = ACCESS["redress.reporting.v1.ReportingService"]
        # Saved reports are served with the gRPC server's certificate and client policy.
        stop_http = web.serve(
            http_listen,
            store,
            ApiKeys.load(settings.api_keys_file),
            access["RunReport"],
            access["GetRegulatoryReturn"],
            settings.tls.ssl_context() if settings.tls else None,
            refusal=scope.firm_wide_refusal,
        )

        async def close() -> None:
            stop_http()
            await worker.shutdown()
            await asyncio.gather(running, return_exceptions=True)
            REGISTRY.unregister(business)
            store.close()

        return close

    async def readiness() -> bool:
        store = parts.get("store")
        return isinstance(store, ReportingStore) and await asyncio.to_thread(store.ping)

    spec = serving.ServiceSpec(
        name="reporting",
        service_names=[DESCRIPTOR.full_name],
        register=register,
        access=ACCESS,
        on_start=on_start,
        readiness=readiness,
        admit=scope.firm_wide_only,
    )
    return spec, settings


if __name__ == "__main__":
    serving.main(build)
