"""A soak: whole complaint lifecycles at a steady rate for a long time.

    .venv/bin/python -m bench.soak [--minutes 60] [--rate 1.0] [--workers 4]

Starts its own platform (Temporal dev server on a SQLite file, Meilisearch,
mail, all services and the worker, as `make run` does) on free ports in a
scratch directory. At a steady rate it files a real CFPB complaint through
intake and works it through the cases API as a handler would: assign, a note,
the outcome, resolve, close. Each minute it prints the lifecycles finished,
the errors (any gRPC status other than OK) and each process's resident
memory; at the end, memory in the first and the last tenth of the run, side
by side, so growth shows. It stops by itself after --minutes.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc

from bench.intake_throughput import narratives, percentile
from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import SERVICES, LocalPlatform, Ports
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import channels

WATCHED = ("temporal", "meilisearch", *SERVICES, "worker")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Lifecycles:
    def __init__(self, platform: LocalPlatform) -> None:
        self.metadata = (("authorization", f"Bearer {platform.credentials.admin_key}"),)
        self.intake = intake_pb2_grpc.IntakeServiceStub(
            channels.channel(platform.address("intake"))
        )
        self.cases = cases_pb2_grpc.CasesServiceStub(channels.channel(platform.address("cases")))
        self.rows = narratives(500)
        self.run = uuid.uuid4().hex[:8]
        self.lock = threading.Lock()
        self.done = 0
        self.errors: Counter[str] = Counter()
        self.latencies: list[float] = []

    def one(self, i: int) -> None:
        row = self.rows[i % len(self.rows)]
        started = time.perf_counter()
        try:
            case_id = self.intake.SubmitComplaint(
                intake_pb2.SubmitComplaintRequest(
                    idempotency_key=f"soak-{self.run}-{i}",
                    channel=common_pb2.CHANNEL_WEB,
                    customer=common_pb2.Customer(
                        full_name="Soak Customer", email=f"soak{i}@example.com"
                    ),
                    product=row["Product"],
                    issue=row["Issue"],
                    narrative=row["Consumer complaint narrative"],
                    regime=common_pb2.REGIME_US_CFPB,
                ),
                metadata=self.metadata,
                timeout=60,
            ).case_id
            call = self.cases
            call.AssignCase(
                cases_pb2.AssignCaseRequest(case_id=case_id, assignee="dana", team="complaints"),
                metadata=self.metadata,
                timeout=60,
            )
            call.AddNote(
                cases_pb2.AddNoteRequest(case_id=case_id, body="Called the customer."),
                metadata=self.metadata,
                timeout=60,
            )
            call.RecordOutcome(
                cases_pb2.RecordOutcomeRequest(
                    case_id=case_id,
                    decision=cases_pb2.DECISION_UPHELD,
                    root_cause="fees.incorrectly_applied",
                    summary="Fee refunded.",
                    redress=common_pb2.Money(currency="USD", minor_units=2500),
                ),
                metadata=self.metadata,
                timeout=60,
            )
            for method, request in (
                ("ResolveCase", cases_pb2.ResolveCaseRequest(case_id=case_id, reason="refunded")),
                ("CloseCase", cases_pb2.CloseCaseRequest(case_id=case_id, reason="accepted")),
            ):
                getattr(call, method)(request, metadata=self.metadata, timeout=60)
        except grpc.RpcError as err:
            with self.lock:
                self.errors[f"{err.code().name}: {(err.details() or '')[:80]}"] += 1
            return
        with self.lock:
            self.done += 1
            self.latencies.append(time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=1.0, help="lifecycles started per second")
    parser.add_argument("--workers", type=int, default=4, help="lifecycles in flight at most")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        platform = LocalPlatform(Path(scratch), Ports.free(), log_format="json")
        try:
            platform.start_all_but_console()
            work = Lifecycles(platform)
            pids = {name: platform.processes[name].pid for name in WATCHED}
            print(
                f"soak: {args.rate} lifecycles/s for {args.minutes:g} min "
                f"(file, assign, note, outcome, resolve, close); RSS in MB",
                flush=True,
            )
            print("minute  done  errors  p50 s  p99 s  " + "  ".join(WATCHED), flush=True)
            samples: list[dict[str, float]] = []
            began = time.monotonic()
            end = began + args.minutes * 60
            next_report = began + 60
            minute = 0
            slots = threading.BoundedSemaphore(args.workers)
            with ThreadPoolExecutor(max_workers=args.workers) as pool:
                i = 0
                while time.monotonic() < end:
                    due = began + i / args.rate
                    now = time.monotonic()
                    if due > now:
                        time.sleep(min(due - now, max(0.0, next_report - now)) or 0.01)
                    if time.monotonic() >= due:
                        # Backpressure: at most `workers` lifecycles in flight;
                        # a platform that falls behind shows as a lower rate.
                        slots.acquire()
                        pool.submit(work.one, i).add_done_callback(lambda _: slots.release())
                        i += 1
                    if time.monotonic() >= next_report:
                        minute += 1
                        next_report += 60
                        memory = {name: rss_mb(pid) for name, pid in pids.items()}
                        samples.append(memory)
                        with work.lock:
                            lat = list(work.latencies)
                            done, errors = work.done, sum(work.errors.values())
                        p50 = percentile(lat, 50) if lat else 0.0
                        p99 = percentile(lat, 99) if lat else 0.0
                        print(
                            f"{minute:6d} {done:5d} {errors:7d} {p50:6.2f} {p99:6.2f}  "
                            + "  ".join(f"{memory[n]:{len(n)}.0f}" for n in WATCHED),
                            flush=True,
                        )
            tenth = max(1, len(samples) // 10)
            print(f"\nlifecycles finished: {work.done}; errors: {sum(work.errors.values())}")
            for what, count in work.errors.most_common(10):
                print(f"  {count} x {what}")
            if samples:
                print(f"memory (MB), mean of the first {tenth} and the last {tenth} minutes:")
                for name in WATCHED:
                    first = sum(s[name] for s in samples[:tenth]) / tenth
                    last = sum(s[name] for s in samples[-tenth:]) / tenth
                    growth = (last - first) / first * 100 if first else 0.0
                    print(f"  {name:12s} {first:8.1f} → {last:8.1f}  ({growth:+.1f} %)")
        finally:
            platform.stop()


if __name__ == "__main__":
    main()
