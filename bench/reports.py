"""Reports on a million cases in PostgreSQL, timed through the reporting
service's gRPC API.

    .venv/bin/python -m bench.reports [--cases 1000000] [--runs 5]
        [--database redress_bench_reports] [--reseed] [--drop] [--only NAME...]

Seeds the database (on $REDRESS_BENCH_POSTGRES_URL's server, by default
postgresql://postgres@127.0.0.1:5432) with N cases and everything the
platform records for them (bench/complaint_histories.py: clocks, outcomes,
survey answers and about 26 audit entries a case, as the complaint workflow
writes them), unless it already holds them from an earlier run: the
database is kept, and its comment says what it holds. Then starts a
Temporal dev server and the real reporting service (python -m
services.reporting) against it, and times each call through gRPC from this
process, as a client sees it: GetDashboard, GetTrends, GetRootCauses,
GetTimeToClose, GetClockCompliance, GetRegulatoryReturn for the last ended
half year (FCA, CFPB, ASIC: the first computation, which keeps the return,
the kept return read again, and recompute), ExportCases streamed to the end,
RunReport of saved reports (trends, the FCA return and two free tables,
with the service's peak resident memory during each table), and a Prometheus scrape of /metrics that
refreshes the business metrics. Prints the first (cold) run, p50 and p99 of
--runs runs of each (with a handful of runs p99 is the slowest), and the size
of the answer.

--seed-only stops once the database is seeded (a million cases take about
19 minutes); --drop removes the database at the end; --reseed seeds it again.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import sqlalchemy
from google.protobuf.timestamp_pb2 import Timestamp

from bench import complaint_histories
from bench.intake_throughput import percentile
from bench.list_cases import ADMIN_URL
from redress.common.v1 import common_pb2
from redress.db.migrate import upgrade
from redress.devstack.platform import LocalPlatform, Ports
from redress.reporting.v1 import reporting_pb2 as rp
from redress.reporting.v1 import reporting_pb2_grpc

DEFAULT_DATABASE = "redress_bench_reports"


# The benchmark's database is scratch data: its audit trails are sealed (at
# the upgrade that introduced seals) under this key, unless one is given.
BENCH_AUDIT_KEY = "redress-bench-reports-audit-key-not-for-production"


def held(count: int) -> str:
    """The start of the database's comment once `count` cases are seeded."""
    return f"redress bench.reports: {count} cases,"


def database(name: str, count: int, reseed: bool) -> str:
    """The benchmark's database with `count` cases, seeded unless it holds them."""
    admin = sqlalchemy.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    if not (os.environ.get("REDRESS_AUDIT_KEY") or os.environ.get("REDRESS_AUDIT_KEY_FILE")):
        os.environ["REDRESS_AUDIT_KEY"] = BENCH_AUDIT_KEY
    try:
        with admin.connect() as c:
            version = c.execute(sqlalchemy.text("SHOW server_version")).scalar()
            note = c.execute(
                sqlalchemy.text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                    " WHERE datname = :name"
                ),
                {"name": name},
            ).first()
        print(f"PostgreSQL {version}, database {name}, {os.cpu_count()} CPUs", flush=True)
        if note and note[0] and note[0].startswith(held(count)) and not reseed:
            print(f"reusing it: {note[0]}", flush=True)
            began = time.perf_counter()
            upgrade(url)  # migrations added since it was seeded
            print(f"migrations current in {time.perf_counter() - began:.0f} s", flush=True)
            return url
        with admin.connect() as c:
            c.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        upgrade(url)
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        complaint_histories.load(url, count, now)
        with admin.connect() as c:
            comment = f"{held(count)} seeded up to {now.isoformat()}"
            c.execute(sqlalchemy.text(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'"))
        return url
    finally:
        admin.dispose()


def drop(name: str) -> None:
    admin = sqlalchemy.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def ts(when: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(when)
    return t


def period(start: datetime, end: datetime) -> common_pb2.TimeRange:
    return common_pb2.TimeRange(start=ts(start), end=ts(end))


def last_half_year(now: datetime) -> tuple[datetime, datetime]:
    """The last half year that has ended: January to June, or July to December."""
    if now.month >= 7:
        return datetime(now.year, 1, 1, tzinfo=UTC), datetime(now.year, 7, 1, tzinfo=UTC)
    return datetime(now.year - 1, 7, 1, tzinfo=UTC), datetime(now.year, 1, 1, tzinfo=UTC)


def timed(runs: int, call: Callable[[], Any]) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--reseed", action="store_true", help="seed again even if it holds them")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--only", nargs="*", default=[], help="only calls whose name has this")
    parser.add_argument("--seed-only", action="store_true", help="seed the database, time nothing")
    args = parser.parse_args()
    url = database(args.database, args.cases, args.reseed)
    if args.seed_only:
        return
    try:
        with tempfile.TemporaryDirectory(prefix="redress-bench-reports-") as scratch:
            platform = LocalPlatform(Path(scratch), Ports.free(), database_url=url)
            try:
                platform.start_temporal(persist=False, ui=False)
                # Every scrape refreshes the business metrics, so that each is timed.
                platform.start_service("reporting", {"REDRESS_BUSINESS_METRICS_TTL": "0"})
                run_calls(platform, url, args.runs, args.only)
            finally:
                platform.stop()
    finally:
        if args.drop:
            drop(args.database)


def run_calls(platform: LocalPlatform, url: str, runs: int, only: list[str]) -> None:
    channel = grpc.insecure_channel(
        platform.address("reporting"),
        options=[("grpc.max_receive_message_length", 256 * 1024 * 1024)],
    )
    stub = reporting_pb2_grpc.ReportingServiceStub(channel)
    key = (("authorization", f"Bearer {platform.credentials.admin_key}"),)
    now = datetime.now(UTC)
    year = rp.CaseFilter(received=period(now - timedelta(days=365), now))
    month = rp.CaseFilter(received=period(now - timedelta(days=30), now))
    everything = rp.CaseFilter()
    h_start, h_end = last_half_year(now)
    half = period(h_start, h_end)
    print(f"half year of the returns: {h_start:%Y-%m-%d} to {h_end:%Y-%m-%d}", flush=True)
    # A return is kept the first time it is computed: start from none kept.
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as c:
        c.execute(sqlalchemy.text("DELETE FROM regulatory_returns"))
    engine.dispose()
    for name, kind, extra in (
        (
            "bench-weekly-by-product",
            rp.REPORT_KIND_TRENDS,
            {"granularity": rp.GRANULARITY_WEEK, "split_by": rp.DIMENSION_PRODUCT},
        ),
        (
            "bench-fca-half-year",
            rp.REPORT_KIND_REGULATORY_RETURN,
            {"regime": common_pb2.REGIME_UK_FCA},
        ),
        (
            "bench-table-product-channel-monthly",
            rp.REPORT_KIND_TABLE,
            {
                "granularity": rp.GRANULARITY_MONTH,
                "group_by": [rp.DIMENSION_PRODUCT, rp.DIMENSION_CHANNEL],
                "measures": [
                    rp.MEASURE_RECEIVED,
                    rp.MEASURE_CLOSED,
                    rp.MEASURE_MEDIAN_HOURS_TO_CLOSE,
                ],
            },
        ),
        (
            "bench-table-team-half-year",
            rp.REPORT_KIND_TABLE,
            {
                "group_by": [rp.DIMENSION_TEAM],
                "measures": [rp.MEASURE_UPHELD_RATE, rp.MEASURE_REDRESS_PAID],
            },
        ),
    ):
        stub.SaveReport(
            rp.SaveReportRequest(
                definition=rp.ReportDefinition(
                    name=name,
                    title=name,
                    kind=kind,
                    period=(
                        rp.RELATIVE_PERIOD_LAST_HALF_YEAR
                        if name.endswith("half-year")
                        else rp.RELATIVE_PERIOD_LAST_12_MONTHS
                    ),
                    **extra,
                )
            ),
            metadata=key,
        )

    def regulatory(regime: common_pb2.Regime, recompute: bool = False) -> Callable[[], Any]:
        return lambda: stub.GetRegulatoryReturn(
            rp.GetRegulatoryReturnRequest(regime=regime, period=half, recompute=recompute),
            metadata=key,
            timeout=600,
        )

    def export(f: rp.CaseFilter) -> Callable[[], Any]:
        def call() -> tuple[int, int]:
            size = cases = 0
            for part in stub.ExportCases(
                rp.ExportCasesRequest(filter=f, format=rp.EXPORT_FORMAT_CSV),
                metadata=key,
                timeout=900,
            ):
                size += len(part.chunk)
                cases = part.cases
            return cases, size

        return call

    def saved_table(name: str) -> Callable[[], tuple[int, str]]:
        """RunReport of a saved table report as JSON: its rows, and the
        reporting service's peak resident memory during the call."""
        status = Path(f"/proc/{platform.processes['reporting'].pid}/status")

        def call() -> tuple[int, str]:
            # Writing 5 to clear_refs starts the peak (VmHWM) again from now.
            with contextlib.suppress(OSError):
                (status.parent / "clear_refs").write_text("5")
            answer = stub.RunReport(
                rp.RunReportRequest(name=name, format=rp.RENDER_FORMAT_JSON),
                metadata=key,
                timeout=900,
            )
            peak = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in status.read_text().splitlines()
                    if line.startswith("VmHWM:")
                ),
                "unknown",
            )
            return len(json.loads(answer.content).get("rows", [])), peak

        return call

    def scrape() -> str:
        address = f"http://127.0.0.1:{platform.ports.metrics['reporting']}/metrics"
        with urllib.request.urlopen(address, timeout=600) as response:
            return str(response.read().decode())

    calls: list[tuple[str, int, Callable[[], Any], Callable[[Any], str]]] = [
        (
            "GetDashboard, last 30 days",
            runs,
            lambda: stub.GetDashboard(rp.GetDashboardRequest(filter=month), metadata=key),
            lambda r: f"{r.received:,} received, {r.open_now:,} open",
        ),
        (
            "GetDashboard, last 12 months",
            runs,
            lambda: stub.GetDashboard(rp.GetDashboardRequest(filter=year), metadata=key),
            lambda r: f"{r.received:,} received, {r.reopened:,} reopened",
        ),
        (
            "GetTrends, weekly by channel, 12 months",
            runs,
            lambda: stub.GetTrends(
                rp.GetTrendsRequest(
                    filter=year,
                    granularity=rp.GRANULARITY_WEEK,
                    split_by=rp.DIMENSION_CHANNEL,
                    time_zone="Europe/London",
                ),
                metadata=key,
            ),
            lambda r: f"{len(r.points)} points",
        ),
        (
            "GetTrends, monthly by product, all 3 years",
            runs,
            lambda: stub.GetTrends(
                rp.GetTrendsRequest(
                    filter=everything,
                    granularity=rp.GRANULARITY_MONTH,
                    split_by=rp.DIMENSION_PRODUCT,
                ),
                metadata=key,
            ),
            lambda r: f"{len(r.points)} points",
        ),
        (
            "GetRootCauses, 12 months",
            runs,
            lambda: stub.GetRootCauses(rp.GetRootCausesRequest(filter=year), metadata=key),
            lambda r: f"{len(r.causes)} causes",
        ),
        (
            "GetTimeToClose by product, 12 months",
            runs,
            lambda: stub.GetTimeToClose(
                rp.GetTimeToCloseRequest(filter=year, split_by=rp.DIMENSION_PRODUCT),
                metadata=key,
            ),
            lambda r: f"{len(r.to_resolution)} products",
        ),
        (
            "GetClockCompliance, 12 months",
            runs,
            lambda: stub.GetClockCompliance(
                rp.GetClockComplianceRequest(filter=year), metadata=key
            ),
            lambda r: f"{len(r.clocks)} clocks",
        ),
        (
            "GetClockCompliance, business time, 30 days",
            runs,
            lambda: stub.GetClockCompliance(
                rp.GetClockComplianceRequest(filter=month, business_time=True),
                metadata=key,
                timeout=600,
            ),
            lambda r: f"{len(r.clocks)} clocks",
        ),
    ]
    for label, regime in (
        ("FCA", common_pb2.REGIME_UK_FCA),
        ("CFPB", common_pb2.REGIME_US_CFPB),
        ("ASIC", common_pb2.REGIME_AU_ASIC),
    ):
        calls += [
            (
                f"GetRegulatoryReturn {label}, half year, first",
                1,
                regulatory(regime),
                lambda r: f"{len(r.lines)} lines, {sum(len(x.case_ids) for x in r.lines):,} ids",
            ),
            (
                f"GetRegulatoryReturn {label}, kept",
                runs,
                regulatory(regime),
                lambda r: f"kept {r.kept}, {r.ByteSize() / 1e6:.1f} MB",
            ),
            (
                f"GetRegulatoryReturn {label}, recompute",
                runs,
                regulatory(regime, recompute=True),
                lambda r: f"{len(r.changed)} changed",
            ),
        ]
    calls += [
        (
            "ExportCases CSV, last 30 days",
            runs,
            export(month),
            lambda r: f"{r[0]:,} cases, {r[1] / 1e6:.0f} MB",
        ),
        (
            "ExportCases CSV, 12 months",
            min(runs, 2),
            export(year),
            lambda r: f"{r[0]:,} cases, {r[1] / 1e6:.0f} MB",
        ),
        (
            "RunReport weekly by product, 12 months, CSV",
            runs,
            lambda: stub.RunReport(
                rp.RunReportRequest(name="bench-weekly-by-product", format=rp.RENDER_FORMAT_CSV),
                metadata=key,
            ),
            lambda r: f"{len(r.content) / 1e3:.0f} kB",
        ),
        (
            "RunReport FCA return, half year, HTML",
            runs,
            lambda: stub.RunReport(
                rp.RunReportRequest(name="bench-fca-half-year", format=rp.RENDER_FORMAT_HTML),
                metadata=key,
                timeout=600,
            ),
            lambda r: f"{len(r.content) / 1e6:.1f} MB",
        ),
        (
            "RunReport table, product x channel monthly, 12 months",
            runs,
            saved_table("bench-table-product-channel-monthly"),
            lambda r: f"{r[0]} rows, peak RSS {r[1]}",
        ),
        (
            "RunReport table, upheld rate and redress by team, half year",
            runs,
            saved_table("bench-table-team-half-year"),
            lambda r: f"{r[0]} rows, peak RSS {r[1]}",
        ),
        (
            "/metrics scrape, business metrics refreshed",
            runs,
            scrape,
            lambda r: f"{len(r.splitlines())} lines",
        ),
    ]
    print(f"\n{'call':<46} {'first s':>8} {'p50 s':>7} {'p99 s':>7}  answer", flush=True)
    for name, n, call, size in calls:
        if only and not any(o.lower() in name.lower() for o in only):
            continue
        try:
            times, result = timed(n, call)
        except grpc.RpcError as err:
            print(f"{name:<46} failed: {err.code().name}: {err.details()}", flush=True)
            continue
        print(
            f"{name:<46} {times[0]:8.2f} {percentile(times, 50):7.2f} "
            f"{percentile(times, 99):7.2f}  {size(result)}",
            flush=True,
        )
    channel.close()


if __name__ == "__main__":
    main()
