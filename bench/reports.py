"""Reports on a million cases in PostgreSQL, timed.

    .venv/bin/python -m bench.reports [--cases 1000000] [--runs 3] [--keep] [--database NAME]

Creates its own database on $REDRESS_BENCH_POSTGRES_URL (as bench.list_cases
does), loads N cases with COPY (real CFPB narratives, products and issues;
85 % closed), then adds in the database an outcome for every resolved case
(decisions, root causes and redress spread over them) and the two FCA
clocks of every UK case (summary resolution 5 days and final response 56
days after receipt, stopped at resolution). It then times the code behind
each ReportingService call (ReportingStore and services/reporting/figures),
as the service runs it on PostgreSQL (aggregated in SQL): the dashboard
figures over the last twelve months and over everything, and a half-year FCA
return (row by row, as it names every case it counts); and, for comparison,
one figure computed over rows in Python, as on SQLite. The database is dropped at
the end unless --keep.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy

from bench.intake_throughput import percentile
from bench.list_cases import NOW, load, scratch_database
from redress.db.migrate import upgrade
from services.reporting import figures
from services.reporting.figures import Filter, ReportingStore

CAUSES = [
    "fees.unexpected",
    "fees.incorrectly_applied",
    "service.delay",
    "service.staff_conduct",
    "service.communication",
    "process.error",
    "product.unsuitable",
    "product.terms_unclear",
    "fraud.unauthorised_transaction",
    "credit_reporting.incorrect_information",
    "collections.conduct",
    "systems.outage",
]


def add_outcomes_and_clocks(url: str) -> None:
    engine = sqlalchemy.create_engine(url)
    started = time.perf_counter()
    causes = "ARRAY[" + ", ".join(f"'{c}'" for c in CAUSES) + "]"
    with engine.begin() as c:
        c.execute(
            sqlalchemy.text(
                "INSERT INTO outcomes (case_id, decision, redress_currency, redress_minor,"
                " goodwill_currency, goodwill_minor, root_cause, summary, recorded_at,"
                " recorded_by)"
                " SELECT case_id,"
                " (ARRAY['upheld','partly_upheld','rejected','withdrawn'])[1 + id % 4],"
                " 'GBP', CASE WHEN id % 4 < 2 THEN (id % 200) * 100 ELSE 0 END, '', 0,"
                f" ({causes})[1 + id % {len(CAUSES)}], 'bench', resolved_at, 'bench'"
                " FROM cases WHERE resolved_at IS NOT NULL"
            )
        )
        for name, days in (("fca_summary_resolution", 5), ("fca_final_response", 56)):
            c.execute(
                sqlalchemy.text(
                    "INSERT INTO case_clocks (case_id, name, state, regulatory, basis, calendar,"
                    " regulation, description, started_at, due_at, remaining_seconds,"
                    " paused_seconds, pause_reason, stopped_at, breached_at)"
                    f" SELECT case_id, '{name}',"
                    f" CASE WHEN resolved_at IS NULL THEN"
                    f"   CASE WHEN received_at + interval '{days} days' < :now"
                    f"   THEN 'breached' ELSE 'running' END"
                    f" WHEN resolved_at <= received_at + interval '{days} days' THEN 'met'"
                    f" ELSE 'breached' END,"
                    " true, 'business', 'uk-england', 'FCA DISP', '', received_at,"
                    f" received_at + interval '{days} days', 0, 0, '', resolved_at,"
                    f" CASE WHEN coalesce(resolved_at, :now) > received_at + interval '{days} days'"
                    f" THEN received_at + interval '{days} days' END"
                    " FROM cases WHERE regime = 'uk_fca'"
                ),
                {"now": NOW},
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        # What autovacuum does in time: the visibility map that lets the
        # reporting indexes answer without reading the table.
        c.execute(sqlalchemy.text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"outcomes and FCA clocks added in {time.perf_counter() - started:.0f} s")


def timed(runs: int, work: Callable[[], Any]) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return times, result


def run_reports(url: str, runs: int) -> None:
    store = ReportingStore(url)
    utc = ZoneInfo("UTC")
    year = Filter(received_from=NOW - timedelta(days=365), received_to=NOW)
    everything = Filter()
    h1_start, h1_end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
    reports: list[tuple[str, Callable[[], Any]]] = [
        ("dashboard (GetDashboard), last 12 months", lambda: [figures.dashboard(store, year, NOW)]),
        (
            "trends, weekly by channel, last 12 months",
            lambda: figures.sql_trends(store, year, "week", "channel", "UTC"),
        ),
        ("root causes, last 12 months", lambda: figures.sql_root_causes(store, year, 20)),
        (
            "time to close by product, last 12 months",
            lambda: figures.sql_time_to_close(store, year, "product"),
        ),
        (
            "clock compliance, last 12 months",
            lambda: figures.sql_clock_compliance(store, year, NOW),
        ),
        (
            "clock time taken in business time, last 12 months",
            lambda: list(figures.business_time_taken(store, year).values()),
        ),
        (
            "trends, monthly by product, everything",
            lambda: figures.sql_trends(store, everything, "month", "product", "UTC"),
        ),
        (
            "time to close, everything",
            lambda: figures.sql_time_to_close(store, everything, ""),
        ),
        (
            "FCA return, first half of 2026 (with case ids)",
            lambda: figures.fca_return(
                store.rows(
                    Filter(received_from=h1_start, received_to=h1_end, regimes=("uk_fca",)),
                    also_open_before=h1_start,
                    clocks=figures.RETURN_CLOCKS["uk_fca"],
                ),
                h1_start,
                h1_end,
            ),
        ),
        (
            "the same trends over rows in Python (SQLite's path)",
            lambda: figures.trends(store.rows(year), "week", "channel", utc),
        ),
    ]
    try:
        print(f"\n{'report':<48} {'p50 s':>7} {'max s':>7}  size")
        for name, work in reports:
            times, result = timed(runs, work)
            size = len(result[0]) if isinstance(result, tuple) else len(result)
            print(f"{name:<48} {percentile(times, 50):7.2f} {max(times):7.2f}  {size}")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database", help="reuse this database (already loaded)")
    args = parser.parse_args()
    with scratch_database(args.database, args.keep) as (url, fresh):
        if fresh:
            upgrade(url)
            load(url, args.cases)
            add_outcomes_and_clocks(url)
        run_reports(url, args.runs)


if __name__ == "__main__":
    main()
