"""`python -m services.intake`: take complaints in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import grpc
from temporalio.client import Client

from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import serving
from redress.platform.enums import Regime, choices
from redress.platform.settings import Env
from redress.platform.temporal import TemporalSettings, connect
from redress.platform.tls import ClientTls
from services.intake.cases_link import CasesLink
from services.intake.servicer import ACCESS, IntakeServicer
from workflows.complaint_types import SHORTEST_HISTORY_LIMIT


def build(env: Env) -> tuple[serving.ServiceSpec, serving.ServingSettings]:
    temporal = TemporalSettings.from_env(env)
    default_regime = env.choice("REDRESS_DEFAULT_REGIME", "none", tuple(choices(Regime)))
    # How long complaints' histories grow (ComplaintInput): docs/configuration.md.
    history_limit = env.integer("REDRESS_HISTORY_LIMIT", 0)
    fresh_run_after_receipt = env.flag("REDRESS_FRESH_RUN_AFTER_RECEIPT", False)
    if 0 < history_limit < SHORTEST_HISTORY_LIMIT:
        env.problems.append(
            f"REDRESS_HISTORY_LIMIT={history_limit}: expected 0 (continue as new when "
            f"Temporal suggests it) or at least {SHORTEST_HISTORY_LIMIT} events"
        )
    serving_settings = serving.ServingSettings.from_env("intake", 50051, 9101, env)
    # The policy in force and closed historic cases: services/cases.
    cases = CasesLink(
        env.address("REDRESS_CASES_ADDRESS", "127.0.0.1:50052"),
        env.string("REDRESS_SERVICE_API_KEY", ""),
        ClientTls.from_env(env),
    )
    client: Client | None = None

    async def on_start() -> Callable[[], Awaitable[None]] | None:
        nonlocal client
        client = await connect(temporal)
        return cases.close

    def register(server: grpc.aio.Server) -> None:
        assert client is not None
        intake_pb2_grpc.add_IntakeServiceServicer_to_server(
            IntakeServicer(
                client,
                temporal.task_queue,
                default_regime,
                cases=cases,
                history_limit=history_limit,
                fresh_run_after_receipt=fresh_run_after_receipt,
            ),
            server,
        )

    async def readiness() -> bool:
        if client is None:
            return False
        try:
            return await client.service_client.check_health()
        except Exception:
            return False

    spec = serving.ServiceSpec(
        name="intake",
        service_names=[intake_pb2.DESCRIPTOR.services_by_name["IntakeService"].full_name],
        register=register,
        access=ACCESS,
        on_start=on_start,
        readiness=readiness,
    )
    return spec, serving_settings


if __name__ == "__main__":
    serving.main(build)
