"""Intake throughput and latency, next to raw Temporal start_workflow on the same server.

    .venv/bin/python -m bench.intake_throughput [--complaints 400] [--concurrency 1,8,32]

Starts its own platform (Temporal dev server on a SQLite file with the
recommended pragmas, services/cases on SQLite, intake and the worker as
separate processes) on free ports in a scratch directory, submits real CFPB
complaints through IntakeService at each concurrency, and reports
complaints/s with p50/p99 latency of SubmitComplaint (which returns once the
case is stored). In the same run it measures the fair ceiling, the same
round trip without Redress's work (update-with-start of a sandboxed workflow
whose update answers at once), prints intake's ratios to it, and raw
`start_workflow` of a workflow that does nothing, which waits for no worker.
CPU is read from /proc for each process: per complaint and per ceiling
call, and next to it the CPU a complaint may use at all if intake is to
reach 0.8x the ceiling's rate on this machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from temporalio import workflow
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from bench.ceiling_workflow import Ceiling
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import channels

# The goals next to the fair ceiling: throughput at 8 callers at least this
# share of its rate; p50 (one caller) and p99 at most this multiple of its.
THROUGHPUT_GOAL = 0.8
LATENCY_GOAL = 1.3

DATA = Path(
    os.environ.get("REDRESS_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)


@workflow.defn
class Noop:
    @workflow.run
    async def run(self) -> None:
        return None


def narratives(limit: int) -> list[dict[str, str]]:
    rows = []
    with (DATA / "cfpb_complaints_2012_2023_sample.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["Consumer complaint narrative"]:
                rows.append(row)
    return [rows[i % len(rows)] for i in range(limit)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def drive(count: int, concurrency: int, call) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            started = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - began, latencies


@dataclass
class Measured:
    what: str
    concurrency: int
    rate: float
    latencies: list[float]

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)

    def line(self) -> str:
        return (
            f"{self.what:<11} c={self.concurrency:<3} {self.rate:7.1f}/s          "
            f"p50 {self.p(50) * 1000:6.1f} ms  p99 {self.p(99) * 1000:6.1f} ms"
        )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_call(platform: LocalPlatform, before: dict[str, float], count: int) -> dict[str, float]:
    """Milliseconds of CPU per call since `before`, by process; "bench" is
    this process (the callers, and the ceiling's worker when it runs)."""
    now = cpu_now(platform)
    return {name: (now[name] - before[name]) / count * 1000 for name in before}


def shown(used: dict[str, float]) -> str:
    return ", ".join(f"{n} {ms:.1f} ms" for n, ms in used.items())


def cpu_now(platform: LocalPlatform) -> dict[str, float]:
    used = {
        name: cpu_seconds(platform.processes[name].pid)
        for name in ("worker", "intake", "cases", "temporal")
    }
    used["bench"] = time.process_time()
    return used


async def bench_intake(platform: LocalPlatform, count: int, concurrency: int) -> Measured:
    rows = narratives(count)
    metadata = (("authorization", f"Bearer {platform.credentials.intake_key}"),)
    async with channels.aio_channel(platform.address("intake")) as channel:
        stub = intake_pb2_grpc.IntakeServiceStub(channel)
        run = uuid.uuid4().hex[:8]

        async def submit(i: int) -> None:
            row = rows[i]
            await stub.SubmitComplaint(
                intake_pb2.SubmitComplaintRequest(
                    idempotency_key=f"bench-{run}-{i}",
                    channel=common_pb2.CHANNEL_WEB,
                    customer=common_pb2.Customer(
                        full_name="Bench Customer", email=f"bench{i}@example.com"
                    ),
                    product=row["Product"],
                    issue=row["Issue"],
                    narrative=row["Consumer complaint narrative"],
                    regime=common_pb2.REGIME_US_CFPB,
                ),
                metadata=metadata,
                timeout=60,
            )

        elapsed, latencies = await drive(count, concurrency, submit)
    return Measured("intake", concurrency, count / elapsed, latencies)


async def bench_raw(client: Client, count: int, concurrency: int) -> str:
    queue = f"bench-raw-{uuid.uuid4().hex[:8]}"
    # The do-nothing workflow needs no sandbox; this measures the server.
    async with Worker(
        client, task_queue=queue, workflows=[Noop], workflow_runner=UnsandboxedWorkflowRunner()
    ):

        async def start(i: int) -> None:
            await client.start_workflow(Noop.run, id=f"{queue}-{i}", task_queue=queue)

        elapsed, latencies = await drive(count, concurrency, start)
    return (
        f"raw start   c={concurrency:<3} {count / elapsed:7.1f} workflows/s   "
        f"p50 {percentile(latencies, 50) * 1000:6.1f} ms  "
        f"p99 {percentile(latencies, 99) * 1000:6.1f} ms"
    )


async def bench_ceiling(client: Client, count: int, concurrency: int) -> Measured:
    queue = f"bench-ceiling-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[Ceiling]):

        async def start(i: int) -> None:
            operation = WithStartWorkflowOperation(
                Ceiling.run,
                id=f"{queue}-{i}",
                task_queue=queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
            await client.execute_update_with_start_workflow(
                Ceiling.register, start_workflow_operation=operation
            )

        elapsed, latencies = await drive(count, concurrency, start)
    return Measured("ceiling", concurrency, count / elapsed, latencies)


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        platform = LocalPlatform(Path(scratch), Ports.free(), log_format="json")
        try:
            platform.start_temporal(ui=False)
            platform.start_service("cases")
            platform.start_service("intake")
            platform.start_worker()
            client = await Client.connect(f"127.0.0.1:{platform.ports.temporal}")
            print(
                f"{args.complaints} complaints per level; real CFPB narratives; "
                "Temporal dev server on SQLite (WAL)"
            )
            for concurrency in args.concurrency:
                before = cpu_now(platform)
                intake = await bench_intake(platform, args.complaints, concurrency)
                print(intake.line(), flush=True)
                used = cpu_per_call(platform, before, args.complaints)
                # The callers' own CPU is not the platform's.
                del used["bench"]
                print(f"  CPU per complaint: {shown(used)}", flush=True)
                before = cpu_now(platform)
                ceiling = await bench_ceiling(client, args.complaints, concurrency)
                print(ceiling.line(), flush=True)
                ceiling_used = cpu_per_call(platform, before, args.complaints)
                print(
                    f"  CPU per ceiling call: temporal {ceiling_used['temporal']:.1f} ms, "
                    f"its worker and the callers {ceiling_used['bench']:.1f} ms",
                    flush=True,
                )
                # What the throughput goal leaves a complaint: all cores'
                # time divided among the goal's share of the ceiling's calls.
                cores = os.cpu_count() or 1
                budget = cores * 1000 / (THROUGHPUT_GOAL * ceiling.rate)
                temporal = used["temporal"] / ceiling_used["temporal"]
                print(
                    f"  CPU a complaint may use for {THROUGHPUT_GOAL}x the ceiling's rate "
                    f"on {cores} cores: "
                    f"{budget:.1f} ms; it used {sum(used.values()):.1f} ms, of which Temporal "
                    f"{used['temporal']:.1f} ms ({temporal:.1f}x a ceiling call's)",
                    flush=True,
                )
                print(await bench_raw(client, args.complaints, concurrency), flush=True)
                print(
                    f"  intake / ceiling: throughput {intake.rate / ceiling.rate:.2f}x "
                    f"(goal at least {THROUGHPUT_GOAL}x at 8 callers), "
                    f"p50 {intake.p(50) / ceiling.p(50):.2f}x, "
                    f"p99 {intake.p(99) / ceiling.p(99):.2f}x (goal at most {LATENCY_GOAL}x)",
                    flush=True,
                )
        finally:
            platform.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--complaints", type=int, default=300)
    parser.add_argument(
        "--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 32]
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
