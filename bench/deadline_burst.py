"""Deadline bursts: thousands of clock deadlines falling within one minute.

    .venv/bin/python -m bench.deadline_burst [--complaints 10000] [--within-seconds 60]
        [--workers 1,2] [--cache N] [--history-limit N] [--fresh-run] [--no-followup]

For each worker count, on a platform of its own (Temporal dev server,
services/cases, services/intake, services/followup and services/knowledge on
SQLite with Meilisearch, N worker processes on their defaults unless --cache
is given; intake's REDRESS_HISTORY_LIMIT from --history-limit and
REDRESS_FRESH_RUN_AFTER_RECEIPT from --fresh-run): publishes
a policy whose acknowledgement clock has a budget of some calendar minutes,
and files N real CFPB complaints through intake with `received_at` set so
that their deadlines fall evenly within the chosen window, a while after the
last one is filed.
Nothing is touched while the deadlines pass (the workers' memory is read
from /proc, and Temporal's visibility counted every few seconds until every
workflow says it breached); then each case's `clock.breached` entry is
read. Lateness is from the deadline to the moment the breach was recorded
on the case (the timer firing, the workflow task, replaying the
complaint's history if the worker no longer holds it, and the write to the
case store). Each complaint's acknowledgement and events are handed to
services/followup as in a deployment; --no-followup leaves it out (as the
figures before 2026-12-06, night, did), so that a complaint's hand-overs
stay pending and its history shorter than a deployment's.

Prints, per worker count: lateness p50/p99/max and p99 as a ratio of the
30 s goal; every worker's peak resident memory while the deadlines fell and
as a ratio of 1 GB; the complaint histories' length (events per complaint)
and the CPU time to replay one, measured on a sample with the worker's own
sandbox; each process's CPU per breach while the deadlines fell, the rate
of breaches those costs allow on this machine's cores and the rate the
lateness goal needs; and, with more than one worker count, the p99 of each
as a ratio of the first's. Everything started is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Replayer

from bench.intake_throughput import cpu_seconds, narratives, percentile
from bench.timer_lateness import policy, rss_mb, submit_answered
from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import channels, wire
from redress.platform import search_attributes as sa
from workflows.complaint import ComplaintWorkflow
from workflows.sandbox import workflow_runner
from workflows.subtask import SubtaskWorkflow

LATENESS_GOAL_S = 30.0
MEMORY_GOAL_MB = 1024.0
SAMPLE = 100


class Burst:
    def __init__(self, args: argparse.Namespace, workers: int, scratch: Path) -> None:
        self.args = args
        self.workers = workers
        self.platform = LocalPlatform(scratch, Ports.free(), log_format="json")
        self.admin = (("authorization", f"Bearer {self.platform.credentials.admin_key}"),)

    def start(self) -> None:
        p = self.platform
        p.start_temporal(ui=False)
        if self.args.followup:
            p.start_meilisearch()
        p.start_service("cases")
        if self.args.followup:
            p.start_service("knowledge")
            p.start_service("followup")
        histories = {}
        if self.args.history_limit:
            histories["REDRESS_HISTORY_LIMIT"] = str(self.args.history_limit)
        if self.args.fresh_run:
            histories["REDRESS_FRESH_RUN_AFTER_RECEIPT"] = "true"
        p.start_service("intake", histories)
        extra = {}
        if self.args.cache:
            extra["REDRESS_WORKER_MAX_CACHED_WORKFLOWS"] = str(self.args.cache)
        for replica in range(1, self.workers + 1):
            p.start_worker(extra, replica)

    def worker_pids(self) -> list[int]:
        return [
            process.pid
            for name, process in self.platform.processes.items()
            if name == "worker" or name.startswith("worker-")
        ]

    async def run(self) -> dict[str, float]:
        args = self.args
        async with (
            channels.aio_channel(self.platform.address("cases")) as cases_channel,
            channels.aio_channel(self.platform.address("intake")) as intake_channel,
        ):
            cases = cases_pb2_grpc.CasesServiceStub(cases_channel)
            intake = intake_pb2_grpc.IntakeServiceStub(intake_channel)
            # The deadlines fall in [first, first + window], `lead` after the
            # start; each complaint was received one budget before its own.
            began = datetime.now(UTC)
            first = began + timedelta(seconds=args.lead_seconds)
            minutes = math.ceil((args.lead_seconds + args.within_seconds) / 60) + 1
            await cases.PublishPolicy(
                cases_pb2.PublishPolicyRequest(
                    # The burst is the breaches: no warnings fall among them.
                    document=policy(minutes, warn_at="[]")
                ),
                metadata=self.admin,
            )
            rows = narratives(args.complaints)
            step = args.within_seconds / max(1, args.complaints - 1)
            semaphore = asyncio.Semaphore(32)
            case_ids: list[str] = []

            async def submit(i: int) -> None:
                due = first + timedelta(seconds=i * step)
                request = intake_pb2.SubmitComplaintRequest(
                    idempotency_key=f"burst-{i}-{uuid.uuid4().hex[:6]}",
                    channel=common_pb2.CHANNEL_WEB,
                    customer=common_pb2.Customer(
                        full_name="Burst Bench", email=f"b{i}@example.com"
                    ),
                    narrative=rows[i]["Consumer complaint narrative"],
                    regime=common_pb2.REGIME_NONE,
                    received_at=wire.timestamp(due - timedelta(minutes=minutes)),
                )
                async with semaphore:
                    response, _ = await submit_answered(intake, request, self.admin)
                    case_ids.append(response.case_id)

            started = time.monotonic()
            await asyncio.gather(*(submit(i) for i in range(args.complaints)))
            filed = time.monotonic() - started
            ahead = (first - datetime.now(UTC)).total_seconds()
            print(
                f"  filed {len(case_ids)} in {filed:.0f} s ({len(case_ids) / filed:.0f}/s); "
                f"first deadline {ahead:.0f} s after the last was filed"
                + ("  (FILING OVERRAN THE DEADLINES: raise --lead-seconds)" if ahead < 0 else ""),
                flush=True,
            )
            pids = self.worker_pids()
            open_rss = [rss_mb(pid) for pid in pids]
            peak = list(open_rss)

            async def sample_memory() -> None:
                nonlocal peak
                while True:
                    peak = [max(p, rss_mb(pid)) for p, pid in zip(peak, pids, strict=True)]
                    await asyncio.sleep(1)

            sampler = asyncio.create_task(sample_memory())
            # Nothing is asked of the platform while the deadlines fall but
            # the workers' memory, read from /proc; the cases are read after.
            await asyncio.sleep(max(0.0, (first - datetime.now(UTC)).total_seconds()))
            cpu_before = self.cpu_now()
            last = first + timedelta(seconds=args.within_seconds)
            await asyncio.sleep(
                max(0.0, (last - datetime.now(UTC)).total_seconds() + args.settle_seconds)
            )
            await self.wait_for_breaches(len(case_ids))
            cpu_used = {
                name: seconds - cpu_before[name] for name, seconds in self.cpu_now().items()
            }
            sampler.cancel()
            lateness = await self.lateness(cases, case_ids)
            histories = await self.histories(case_ids, cases)
        values = list(lateness.values())
        p99 = percentile(values, 99) if values else math.inf
        print(
            f"  breaches recorded: {len(values)} of {len(case_ids)}; lateness "
            f"p50 {percentile(values, 50):.2f} s  p99 {p99:.2f} s  max {max(values):.2f} s  "
            f"(p99 = {p99 / LATENESS_GOAL_S:.2f}x the {LATENESS_GOAL_S:.0f} s goal)"
        )
        for n, (before, top) in enumerate(zip(open_rss, peak, strict=True), start=1):
            print(
                f"  worker {n}: {before:.0f} MB with all open, peak {top:.0f} MB "
                f"= {top / MEMORY_GOAL_MB:.2f}x 1 GB"
            )
        self.print_cpu_bound(cpu_used, len(case_ids))
        print(
            f"  history per complaint: {histories['events']:.0f} events, "
            f"{histories['bytes'] / 1024:.1f} KB; replay {histories['replay_ms']:.1f} ms CPU "
            f"(sample of {histories['sampled']:.0f})"
        )
        return {"p99": p99, "peak_mb": max(peak)}

    def cpu_now(self) -> dict[str, float]:
        """CPU seconds each of the platform's processes has used so far."""
        return {name: cpu_seconds(p.pid) for name, p in self.platform.processes.items()}

    def print_cpu_bound(self, used: dict[str, float], breaches: int) -> None:
        """CPU per breach, by process, from the first deadline until every
        breach was recorded, and the rate of breaches those costs allow on
        this machine's cores next to the rate the lateness goal needs: with
        deadlines spread evenly over the window and breaches recorded at a
        steady rate r, the 99th percentile is recorded 0.99 N / r after the
        first deadline and its deadline fell 0.99 W after it, so the goal
        needs r of at least 0.99 N / (0.99 W + 30 s)."""
        per = {name: seconds / breaches * 1000 for name, seconds in used.items()}
        total = sum(per.values())
        cores = os.cpu_count() or 1
        allowed = cores * 1000 / total if total else math.inf
        needed = 0.99 * breaches / (0.99 * self.args.within_seconds + LATENESS_GOAL_S)
        shown = ", ".join(
            f"{name} {ms:.1f} ms"
            for name, ms in sorted(per.items(), key=lambda x: -x[1])
            if ms >= 0.05
        )
        print(f"  CPU per breach while the deadlines fell: {shown}; {total:.1f} ms in all")
        print(
            f"  on {cores} cores these costs allow at most {allowed:.0f} breaches a second; "
            f"p99 under {LATENESS_GOAL_S:.0f} s needs at least {needed:.0f} a second "
            f"(= {needed / allowed:.2f}x what they allow)"
        )

    async def wait_for_breaches(self, count: int) -> None:
        """Until every complaint's workflow says it breached: a count of
        Temporal's visibility records, so that reading the cases adds no load
        while the workers still record breaches."""
        client = await Client.connect(f"127.0.0.1:{self.platform.ports.temporal}")
        give_up = time.monotonic() + self.args.wait_seconds
        query = f"WorkflowType = 'ComplaintWorkflow' AND {sa.BREACHED.name} = true"
        while time.monotonic() < give_up:
            if (await client.count_workflows(query)).count >= count:
                return
            await asyncio.sleep(5)

    async def lateness(
        self, cases: cases_pb2_grpc.CasesServiceStub, case_ids: list[str]
    ) -> dict[str, float]:
        out: dict[str, float] = {}
        give_up = time.monotonic() + self.args.wait_seconds
        semaphore = asyncio.Semaphore(16)

        async def read(case_id: str) -> None:
            async with semaphore:
                case = (
                    await cases.GetCase(
                        cases_pb2.GetCaseRequest(case_id=case_id), metadata=self.admin, timeout=60
                    )
                ).case
            breach = next((e for e in case.audit_events if e.action == "clock.breached"), None)
            if breach is None:
                return
            clock = next(c for c in case.clocks if c.name == "acknowledgement")
            due = clock.due_at.ToDatetime(tzinfo=UTC)
            out[case_id] = (breach.recorded_at.ToDatetime(tzinfo=UTC) - due).total_seconds()

        while len(out) < len(case_ids) and time.monotonic() < give_up:
            await asyncio.gather(*(read(c) for c in case_ids if c not in out))
            if len(out) < len(case_ids):
                await asyncio.sleep(5)
        return out

    async def histories(
        self, case_ids: list[str], cases: cases_pb2_grpc.CasesServiceStub
    ) -> dict[str, float]:
        """Events and bytes per complaint history, and the CPU time the
        worker's sandbox takes to replay one, on a sample of the complaints."""
        client = await Client.connect(f"127.0.0.1:{self.platform.ports.temporal}")
        replayer = Replayer(
            workflows=[ComplaintWorkflow, SubtaskWorkflow], workflow_runner=workflow_runner()
        )
        events = size = cpu = 0.0
        sample = case_ids[:: max(1, len(case_ids) // SAMPLE)][:SAMPLE]
        for case_id in sample:
            case = (
                await cases.GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=self.admin)
            ).case
            history = await client.get_workflow_handle(case.workflow_id).fetch_history()
            events += len(history.events)
            size += sum(e.ByteSize() for e in history.events)
            began = time.process_time()
            await replayer.replay_workflow(history)
            cpu += time.process_time() - began
        n = max(1, len(sample))
        return {
            "events": events / n,
            "bytes": size / n,
            "replay_ms": cpu / n * 1000,
            "sampled": float(len(sample)),
        }


async def main_async(args: argparse.Namespace) -> None:
    counts = [int(n) for n in args.workers.split(",")]
    results: dict[int, dict[str, float]] = {}
    for workers in counts:
        print(
            f"{args.complaints} deadlines within {args.within_seconds} s, "
            f"{workers} worker process(es), cache "
            f"{args.cache or 'the worker default'}, history limit "
            f"{args.history_limit or 'when Temporal suggests'}, "
            f"{'a fresh run after the receipt, ' if args.fresh_run else ''}"
            f"follow-ups {'handed over' if args.followup else 'left pending'}:",
            flush=True,
        )
        with tempfile.TemporaryDirectory(prefix="redress-bench-burst-") as scratch:
            burst = Burst(args, workers, Path(scratch))
            try:
                burst.start()
                results[workers] = await burst.run()
            finally:
                burst.platform.stop()
    base = results[counts[0]]["p99"]
    for workers in counts[1:]:
        p99 = results[workers]["p99"]
        print(f"p99 with {workers} workers = {p99 / base:.2f}x the p99 with {counts[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--complaints", type=int, default=10_000)
    parser.add_argument("--within-seconds", type=float, default=60.0)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    parser.add_argument("--cache", type=int, default=0, help="complaints each worker caches")
    parser.add_argument(
        "--history-limit",
        type=int,
        default=0,
        help="intake's REDRESS_HISTORY_LIMIT: events after which a complaint continues as new",
    )
    parser.add_argument(
        "--fresh-run",
        action="store_true",
        help="intake's REDRESS_FRESH_RUN_AFTER_RECEIPT: complaints wait in a run of their own",
    )
    parser.add_argument(
        "--no-followup",
        dest="followup",
        action="store_false",
        help="leave services/followup and services/knowledge out",
    )
    parser.add_argument(
        "--lead-seconds",
        type=float,
        default=0.0,
        help="from the start to the first deadline (default: time to file at 6/s with "
        "follow-ups, 20/s without, plus 60 s)",
    )
    parser.add_argument(
        "--settle-seconds", type=float, default=30.0, help="after the last deadline"
    )
    parser.add_argument(
        "--wait-seconds", type=float, default=900.0, help="for breaches still unrecorded"
    )
    args = parser.parse_args()
    if not args.lead_seconds:
        # Filing with follow-ups renders each acknowledgement letter too.
        args.lead_seconds = args.complaints / (6 if args.followup else 20) + 60
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
