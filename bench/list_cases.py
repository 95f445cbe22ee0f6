"""ListCases on a million cases in PostgreSQL: the agents' queries, timed.

    .venv/bin/python -m bench.list_cases [--cases 1000000] [--runs 30] [--keep]

Creates its own database on the PostgreSQL server at $REDRESS_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres), migrates it,
loads N cases with COPY (narratives, products and issues cycled from the real
CFPB complaints in ../shared/data; stages, priorities, assignees, teams and
dates spread as a working complaints team's would be), runs ANALYZE, then
times each query the agents' queue makes through CaseStore.list_cases (the
code behind the ListCases RPC) and prints p50/p99 per query with the plan's
index. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy

from bench.intake_throughput import percentile
from redress.db.base import FAR_FUTURE
from redress.db.migrate import upgrade
from services.cases.store import CaseFilter, CaseStore

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ADMIN_URL = os.environ.get(
    "REDRESS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
OPEN = ["received", "acknowledged", "triage", "assigned", "investigating", "awaiting_customer"]
CLOSED_SHARE = 0.85
NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def real_rows() -> list[dict[str, str]]:
    with (SHARED / "cfpb_complaints_2012_2023_sample.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["Consumer complaint narrative"]]
    with (SHARED / "cfpb_narratives_by_product_2015.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            rows.append(
                {
                    "Product": r["Product"],
                    "Issue": "",
                    "Consumer complaint narrative": r["Consumer complaint narrative"],
                }
            )
    return rows


def load(url: str, count: int) -> None:
    rng = random.Random(7)
    rows = real_rows()
    customers = max(1, count // 3)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        started = time.perf_counter()
        with cur.copy(
            "COPY customers (id, full_name, email, email_normalized, phone, postal_address,"
            " preferred_channel, preferred_language, external_ref, tags, created_at, updated_at)"
            " FROM STDIN"
        ) as copy:
            for i in range(customers):
                email = f"customer{i}@example.com"
                copy.write_row(
                    (
                        f"CU-{i:08d}",
                        f"Customer {i}",
                        email,
                        email,
                        "",
                        "{}",
                        "",
                        "en",
                        "",
                        "[]",
                        NOW,
                        NOW,
                    )
                )
        teams = [f"team-{t}" for t in range(12)]
        agents = [f"agent-{a}" for a in range(300)]
        categories = [
            "credit_reporting",
            "fraud_and_scams",
            "cards",
            "loans",
            "mortgages",
            "debt_collection",
            "accounts_and_payments",
            "fees_and_charges",
            "",
        ]
        channels = ["web"] * 8 + ["phone", "postal", "referral", "email", "social"]
        regimes = ["us_cfpb"] * 5 + ["uk_fca"] * 3 + ["eu_psd2", "au_asic"]
        with cur.copy(
            "COPY cases (case_id, workflow_id, idempotency_key, submitted_by, customer_id,"
            " channel, priority, stage, product, sub_product, issue, sub_issue, narrative,"
            " search_text, desired_outcome, regime, company, external_ref, category,"
            " assignee, team,"
            " escalation_level, policy_id, policy_version, attachment_ids, received_at,"
            " created_at, updated_at, resolved_at, closed_at, next_deadline, deadline_order,"
            " breached)"
            " FROM STDIN"
        ) as copy:
            for i in range(count):
                row = rows[i % len(rows)]
                received = NOW - timedelta(seconds=rng.randrange(3 * 365 * 86400))
                closed = rng.random() < CLOSED_SHARE and received < NOW - timedelta(days=3)
                stage = "closed" if closed else rng.choice(OPEN)
                assigned = stage not in ("received", "acknowledged", "triage")
                deadline = None if closed else received + timedelta(days=rng.randrange(1, 60))
                copy.write_row(
                    (
                        f"C-{i + 1:07d}",
                        f"complaint:bench:{i}",
                        f"bench-{i}",
                        "bench",
                        f"CU-{rng.randrange(customers):08d}",
                        rng.choice(channels),
                        rng.choices([1, 2, 3, 4], [5, 70, 20, 5])[0],
                        stage,
                        row["Product"],
                        "",
                        row["Issue"],
                        "",
                        row["Consumer complaint narrative"],
                        row["Consumer complaint narrative"],
                        "",
                        rng.choice(regimes),
                        "",
                        "",
                        rng.choice(categories),
                        rng.choice(agents) if assigned or closed else "",
                        rng.choice(teams),
                        0,
                        "standard",
                        "2026.11.2",
                        "[]",
                        received,
                        received,
                        received,
                        received + timedelta(days=20) if closed else None,
                        received + timedelta(days=21) if closed else None,
                        deadline,
                        deadline or FAR_FUTURE,
                        bool(deadline and deadline < NOW),
                    )
                )
        conn.commit()
        print(
            f"loaded {count:,} cases and {customers:,} customers "
            f"in {time.perf_counter() - started:.0f} s"
        )
        started = time.perf_counter()
        conn.autocommit = True
        cur.execute("ANALYZE")
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('cases'))")
        size = cur.fetchone()
        print(
            f"ANALYZE in {time.perf_counter() - started:.0f} s; cases table with indexes: "
            f"{size[0] if size else '?'}"
        )


QUERIES: list[tuple[str, CaseFilter, str, bool]] = [
    ("open queue, newest first", CaseFilter(stages=OPEN), "received_at", False),
    (
        "one agent's open cases",
        CaseFilter(assignees=["agent-17"], stages=OPEN),
        "received_at",
        False,
    ),
    ("breached, soonest deadline first", CaseFilter(breached=True), "next_deadline", True),
    (
        "a team's urgent open cases",
        CaseFilter(teams=["team-3"], priorities=[4], stages=OPEN),
        "received_at",
        False,
    ),
    (
        "a category in one month",
        CaseFilter(
            categories=["mortgages"],
            received_from=datetime(2026, 3, 1, tzinfo=UTC),
            received_to=datetime(2026, 4, 1, tzinfo=UTC),
        ),
        "received_at",
        False,
    ),
    ("free text 'foreclosure'", CaseFilter(text="foreclosure"), "received_at", False),
    ("free text, two rare words", CaseFilter(text="garnishment paycheck"), "received_at", False),
    ("everything, by priority", CaseFilter(), "priority", False),
]


def run_queries(url: str, runs: int) -> None:
    store = CaseStore(url)
    try:
        print(f"\n{'query':<36} {'p50 ms':>8} {'p99 ms':>8} {'rows':>5}  page 20 ms")
        for name, filters, sort_by, ascending in QUERIES:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                rows, token = store.list_cases(filters, sort_by, ascending, 50, "")
                times.append((time.perf_counter() - started) * 1000)
            # Walk 20 pages deep and time the last one.
            for _ in range(19):
                if not token:
                    break
                _, token = store.list_cases(filters, sort_by, ascending, 50, token)
            deep = ""
            if token:
                started = time.perf_counter()
                store.list_cases(filters, sort_by, ascending, 50, token)
                deep = f"{(time.perf_counter() - started) * 1000:.1f}"
            print(
                f"{name:<36} {percentile(times, 50):8.1f} {percentile(times, 99):8.1f} "
                f"{len(rows):5d}  {deep}"
            )
    finally:
        store.close()


@contextmanager
def scratch_database(reuse: str | None, keep: bool) -> Iterator[tuple[str, bool]]:
    """(url, fresh): a new database on the benchmark's server, dropped at the
    end unless kept, or the one named by `reuse`, as it is."""
    admin = sqlalchemy.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = reuse or f"redress_bench_{uuid.uuid4().hex[:10]}"
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    if not reuse:
        with admin.connect() as c:
            c.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        with admin.connect() as c:
            version = c.execute(sqlalchemy.text("SHOW server_version")).scalar()
        print(f"PostgreSQL {version}, database {name}, {os.cpu_count()} CPUs")
        yield url, not reuse
    finally:
        if not keep and not reuse:
            with admin.connect() as c:
                c.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database", help="reuse this database (already loaded)")
    args = parser.parse_args()
    with scratch_database(args.database, args.keep) as (url, fresh):
        if fresh:
            upgrade(url)
            load(url, args.cases)
        run_queries(url, args.runs)


if __name__ == "__main__":
    main()
