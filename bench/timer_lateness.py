"""How late clock deadlines fire with thousands of open complaints.

    .venv/bin/python -m bench.timer_lateness [--complaints 2000] [--budget-minutes 4]

Starts its own platform on free ports, publishes a policy whose
acknowledgement clock has a budget of a few calendar minutes, files N real
CFPB complaints through intake, and waits until every clock has breached.
Lateness is the time between a clock's deadline and the moment its breach
was recorded in the case's audit trail (timer firing, the workflow task and
the write to the case store, together). Reports p50/p99/max lateness and
the worker's resident memory with every complaint open.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import grpc

from bench.intake_throughput import narratives, percentile
from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import channels

POLICY = """
id: bench-timers
version: "{version}"
calendar: uk-england
initial_stage: received
stages:
  received: {{next: [closed]}}
  closed: {{next: [], closed: true, stops: [acknowledgement]}}
clocks:
  - name: acknowledgement
    budget: {{minutes: {minutes}}}
    warn_at: {warn_at}
"""


def policy(minutes: int, warn_at: str = "[0.5]") -> str:
    """A policy of one acknowledgement clock of `minutes` calendar minutes."""
    return POLICY.format(version=uuid.uuid4().hex[:8], minutes=minutes, warn_at=warn_at)


async def submit_answered(
    intake: intake_pb2_grpc.IntakeServiceStub,
    request: intake_pb2.SubmitComplaintRequest,
    metadata: tuple[tuple[str, str], ...],
) -> tuple[intake_pb2.SubmitComplaintResponse, int]:
    """As a channel adapter does: an answer that did not come in time is
    asked for again with the same key. The answer, and how often it was."""
    retried = 0
    while True:
        try:
            return await intake.SubmitComplaint(request, metadata=metadata, timeout=120), retried
        except grpc.aio.AioRpcError as err:
            if err.code() not in channels.UNANSWERED:
                raise
            retried += 1


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        platform = LocalPlatform(Path(scratch), Ports.free(), log_format="json")
        try:
            platform.start_temporal(ui=False)
            platform.start_service("cases")
            platform.start_service("intake")
            platform.start_worker()
            admin = (("authorization", f"Bearer {platform.credentials.admin_key}"),)
            async with (
                channels.aio_channel(platform.address("cases")) as cases_channel,
                channels.aio_channel(platform.address("intake")) as intake_channel,
            ):
                cases = cases_pb2_grpc.CasesServiceStub(cases_channel)
                intake = intake_pb2_grpc.IntakeServiceStub(intake_channel)
                await cases.PublishPolicy(
                    cases_pb2.PublishPolicyRequest(document=policy(args.budget_minutes)),
                    metadata=admin,
                )
                rows = narratives(args.complaints)
                semaphore = asyncio.Semaphore(32)
                case_ids: list[str] = []

                retried = 0

                async def submit(i: int) -> None:
                    nonlocal retried
                    request = intake_pb2.SubmitComplaintRequest(
                        idempotency_key=f"timers-{i}-{uuid.uuid4().hex[:6]}",
                        channel=common_pb2.CHANNEL_WEB,
                        customer=common_pb2.Customer(
                            full_name="Timer Bench", email=f"t{i}@example.com"
                        ),
                        narrative=rows[i]["Consumer complaint narrative"],
                        regime=common_pb2.REGIME_NONE,
                    )
                    async with semaphore:
                        response, asked_again = await submit_answered(intake, request, admin)
                        retried += asked_again
                        case_ids.append(response.case_id)

                started = time.monotonic()
                await asyncio.gather(*(submit(i) for i in range(args.complaints)))
                filed = time.monotonic() - started
                print(
                    f"filed {len(case_ids)} complaints in {filed:.0f}s "
                    f"({len(case_ids) / filed:.0f}/s, {retried} answers asked for again); "
                    f"budget {args.budget_minutes} min",
                    flush=True,
                )
                print(
                    f"worker RSS with all open: {rss_mb(platform.processes['worker'].pid):.0f} MB",
                    flush=True,
                )
                deadline = time.monotonic() + args.budget_minutes * 60 + filed + 600
                lateness: dict[str, float] = {}
                # Read the cases only once the last deadline has passed, so that
                # reading them adds no load while the timers fire.
                await asyncio.sleep(
                    max(0.0, started + filed + args.budget_minutes * 60 + 30 - time.monotonic())
                )
                while len(lateness) < len(case_ids) and time.monotonic() < deadline:
                    for case_id in [c for c in case_ids if c not in lateness]:
                        case = (
                            await cases.GetCase(
                                cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin
                            )
                        ).case
                        breach = next(
                            (e for e in case.audit_events if e.action == "clock.breached"), None
                        )
                        if breach is None:
                            continue
                        clock = next(c for c in case.clocks if c.name == "acknowledgement")
                        due = clock.due_at.ToDatetime(tzinfo=UTC)
                        recorded = breach.recorded_at.ToDatetime(tzinfo=UTC)
                        lateness[case_id] = (recorded - due).total_seconds()
                    if len(lateness) < len(case_ids):
                        await asyncio.sleep(5)
                values = list(lateness.values())
                print(
                    f"breaches recorded: {len(values)} of {len(case_ids)} "
                    f"(at {datetime.now(UTC):%H:%M:%S} UTC)"
                )
                if values:
                    print(
                        f"lateness: p50 {percentile(values, 50) * 1000:.0f} ms  "
                        f"p99 {percentile(values, 99) * 1000:.0f} ms  "
                        f"max {max(values) * 1000:.0f} ms"
                    )
                print(f"worker RSS after: {rss_mb(platform.processes['worker'].pid):.0f} MB")
        finally:
            platform.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--complaints", type=int, default=2000)
    parser.add_argument("--budget-minutes", type=int, default=4)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
