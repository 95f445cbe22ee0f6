"""On PostgreSQL the figures are aggregated in SQL; they must equal the same
figures computed in Python over the rows, for every split and period. The
cases are a complaints team's three years (bench/complaint_histories.py):
clocks met, breached, paused and running, outcomes, and the audit trails."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from bench import complaint_histories
from redress.db.migrate import upgrade
from redress.db.tables.cases import Case, PolicyVersion
from redress.domain import policy
from redress.platform.errors import FailedPrecondition
from services.reporting import figures, metrics, returns, tables
from services.reporting.definitions import Filter
from services.reporting.store import ReportingStore

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def store(postgres_url: str):
    upgrade(postgres_url)
    complaint_histories.load(postgres_url, 3000, NOW)
    s = ReportingStore(postgres_url)
    assert s.in_sql
    yield s
    s.close()


FILTERS = [
    Filter(),
    Filter(received_from=NOW - timedelta(days=200), received_to=NOW - timedelta(days=20)),
    Filter(regimes=("uk_fca",), channels=("web", "phone")),
]


@pytest.mark.parametrize("f", FILTERS, ids=["all", "a period", "uk web and phone"])
@pytest.mark.parametrize(
    "granularity, split, zone",
    [
        ("week", "channel", "Europe/London"),
        ("month", "product", "UTC"),
        ("day", "priority", "America/New_York"),
        ("quarter", "root_cause", "Australia/Sydney"),
        ("", "team", "UTC"),
        ("month", "category", "Europe/London"),
        ("week", "assignee", "UTC"),
        ("year", "", "UTC"),
    ],
)
def test_trends_in_sql_equal_trends_over_rows(store, f, granularity, split, zone):
    in_python = figures.trends(store.rows(f), granularity, split, ZoneInfo(zone))
    in_sql = figures.sql_trends(store, f, granularity, split, zone)
    assert in_sql == in_python and in_python


@pytest.mark.parametrize("f", FILTERS, ids=["all", "a period", "uk web and phone"])
@pytest.mark.parametrize("split", ["", "product", "priority", "root_cause", "category", "assignee"])
def test_time_to_close_in_sql_equals_time_to_close_over_rows(store, f, split):
    in_python = figures.time_to_close(store.rows(f), split)
    in_sql = figures.sql_time_to_close(store, f, split)
    for python_side, sql_side in zip(in_python, in_sql, strict=True):
        assert [(d.key, d.cases, d.p50, d.p90, d.p99, d.max) for d in sql_side] == [
            (d.key, d.cases, d.p50, d.p90, d.p99, d.max) for d in python_side
        ]
        assert all(
            a.mean == pytest.approx(b.mean) for a, b in zip(sql_side, python_side, strict=True)
        )
    assert in_python[0]


@pytest.mark.parametrize("f", FILTERS, ids=["all", "a period", "uk web and phone"])
def test_root_causes_and_clock_compliance_in_sql_equal_those_over_rows(store, f):
    assert figures.sql_root_causes(store, f, 20) == figures.root_causes(store.rows(f), 20)
    now = datetime(2027, 6, 1, tzinfo=UTC)
    in_python = figures.clock_compliance(store.clock_rows(f), now)
    in_sql = figures.sql_clock_compliance(store, f, now)
    assert [(c.clock, c.met, c.breached, c.running, c.paused) for c in in_sql] == [
        (c.clock, c.met, c.breached, c.running, c.paused) for c in in_python
    ]
    for a, b in zip(in_sql, in_python, strict=True):
        assert a.max_lateness == pytest.approx(b.max_lateness)
        assert a.median_lateness == pytest.approx(b.median_lateness)
        assert a.time_taken is not None and b.time_taken is not None
        assert (a.time_taken.cases, a.time_taken.p50, a.time_taken.p90, a.time_taken.max) == (
            b.time_taken.cases,
            b.time_taken.p50,
            b.time_taken.p90,
            b.time_taken.max,
        )
        assert a.time_taken.mean == pytest.approx(b.time_taken.mean)
        assert a.paused_seconds == pytest.approx(b.paused_seconds)


def test_the_time_to_close_histogram_in_sql_equals_the_one_over_rows(store):
    closing = metrics.ClosedStages()
    with store.sessions() as session:
        closing.refresh(session)
        buckets, count, total = metrics.closures(session, closing)
        in_sql = metrics.closures_in_sql(session, closing)
        assert in_sql[:2] == (buckets, count) and in_sql[2] == pytest.approx(total)
        # Most of the 3,000 cases are closed, some twice (reopened).
        assert 2500 < count < 3300 and 0 < buckets[2] < buckets[-1] <= count

        # A version published (not committed here) under which a resolved case
        # is closed too: the older cases follow it, so closures are told apart
        # by each case's policy.
        shipped = (Path(policy.__file__).parent / "default_policy.yaml").read_text()
        document = re.sub(r"(?m)^version: .*$", 'version: "2026.11.2"', shipped).replace(
            "    resolved: true\n", "    resolved: true\n    closed: true\n", 1
        )
        session.add(
            PolicyVersion(
                policy_id="standard",
                version="2026.11.2",
                document=document,
                published_at=NOW,
                published_by="test",
            )
        )
        session.flush()
        closing.refresh(session)
        assert not closing.the_same_for_all()
        buckets, more, total = metrics.closures(session, closing)
        in_sql = metrics.closures_in_sql(session, closing)
        assert in_sql[:2] == (buckets, more) and in_sql[2] == pytest.approx(total)
        assert count < more < 2 * count
        session.rollback()


def _local(day: str, zone: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


# Periods as a return is asked for, from midnight in the regime's zone: half
# years, a quarter, the weeks around Christmas, New Year and Easter bank
# holidays (the three-business-day deadlines move over them), a period still
# running (open cases, clocks not yet due), and the three years in one.
RETURN_PERIODS = [
    ("2026-01-01", "2026-07-01"),
    ("2025-07-01", "2026-01-01"),
    ("2026-10-01", "2027-01-01"),
    ("2025-12-19", "2026-01-09"),
    ("2026-03-27", "2026-04-10"),
    ("2027-05-01", "2027-07-01"),
    ("2024-01-01", "2028-01-01"),
]
REGIME_ZONES = {
    "uk_fca": "Europe/London",
    "us_cfpb": "America/New_York",
    "au_asic": "Australia/Sydney",
}


def _over_rows(store, regime: str, start: datetime, end: datetime) -> list[dict]:
    """The return's lines made case by case from its rows, as on SQLite."""
    return [
        {
            "reference": line.reference,
            "description": line.description,
            "breakdown": line.breakdown,
            "value": line.figure(),
            "currency": line.currency,
            "case_ids": sorted(line.case_ids),
        }
        for line in returns.row_lines(store, regime, start, end, NOW)
    ]


@pytest.mark.parametrize("start, end", RETURN_PERIODS, ids=[p[0] for p in RETURN_PERIODS])
@pytest.mark.parametrize("regime", sorted(REGIME_ZONES))
def test_returns_in_sql_equal_returns_over_rows(store, regime, start, end):
    zone = REGIME_ZONES[regime]
    begins, ends = _local(start, zone), _local(end, zone)
    in_sql = returns.compute(store, regime, begins, ends, NOW)
    assert in_sql == _over_rows(store, regime, begins, ends)
    assert in_sql and all(line["case_ids"] for line in in_sql)


def test_returns_in_sql_count_every_kind_of_figure(store):
    """The periods above reach every line of each return: complaints
    outstanding, closed within three business days, after eight weeks,
    upheld, with redress; timely and untimely; in progress."""
    descriptions = {
        regime: {
            (line["description"], line["breakdown"].split(":")[0])
            for start, end in RETURN_PERIODS
            for line in returns.compute(store, regime, _local(start, zone), _local(end, zone), NOW)
        }
        for regime, zone in REGIME_ZONES.items()
    }
    for description in (
        "Complaints outstanding at the start of the period",
        "Closed within 3 business days",
        "Closed after 3 business days and within 8 weeks",
        "Closed after more than 8 weeks",
        "Closed complaints upheld (partly upheld counts as upheld)",
        "Redress paid",
    ):
        assert (description, "All products") in descriptions["uk_fca"]
    for described in (
        ("Timely response (15 days)", ""),
        ("Untimely response", ""),
        ("Company response to consumer", "In progress"),
        ("Company response to consumer", "Closed with monetary relief"),
    ):
        assert described in descriptions["us_cfpb"]
    for description in ("Closed within 30 calendar days", "Closed after 30 calendar days"):
        assert (description, "") in descriptions["au_asic"]


def test_returns_in_sql_equal_returns_over_rows_at_the_boundaries(store):
    """Complaints resolved at the very moment their deadline falls, received
    or resolved at the very start of a period, and an open complaint due as
    its period ends, are counted on the same lines in SQL as over rows."""
    changed: list[tuple[str, str, str]] = []
    with store.sessions.begin() as session:
        saved_cases = session.execute(
            text("SELECT case_id, received_at, resolved_at FROM cases")
        ).all()
        saved_clocks = session.execute(text("SELECT case_id, name, due_at FROM case_clocks")).all()
        for regime, clocks in figures.RETURN_CLOCKS.items():
            for clock in clocks:
                for (case_id,) in session.execute(
                    text(
                        "SELECT c.case_id FROM cases c JOIN case_clocks k"
                        " ON k.case_id = c.case_id AND k.name = :clock"
                        " WHERE c.regime = :regime AND c.resolved_at IS NOT NULL"
                        " AND k.due_at BETWEEN '2025-08-01' AND '2026-06-01'"
                        " ORDER BY c.id LIMIT 4"
                    ),
                    {"clock": clock, "regime": regime},
                ):
                    session.execute(
                        text(
                            "UPDATE cases SET resolved_at = (SELECT due_at FROM case_clocks"
                            " WHERE case_id = :id AND name = :clock) WHERE case_id = :id"
                        ),
                        {"id": case_id, "clock": clock},
                    )
                    changed.append((regime, clock, case_id))
            boundary = _local("2026-01-01", REGIME_ZONES[regime])
            for column, which in (
                ("resolved_at", "resolved_at IS NOT NULL"),
                ("received_at", "true"),
            ):
                session.execute(
                    text(
                        f"UPDATE cases SET {column} = :at WHERE case_id IN (SELECT case_id"
                        f" FROM cases WHERE regime = :regime AND {which}"
                        " AND received_at BETWEEN '2025-09-01' AND '2025-12-01' ORDER BY id"
                        f" LIMIT 3 OFFSET {10 if column == 'received_at' else 0})"
                    ),
                    {"at": boundary, "regime": regime},
                )
        session.execute(
            text(
                "UPDATE case_clocks SET due_at = :at WHERE name = 'cfpb_response' AND case_id IN"
                " (SELECT case_id FROM cases WHERE regime = 'us_cfpb' AND resolved_at IS NULL"
                " ORDER BY id LIMIT 3)"
            ),
            {"at": _local("2027-06-01", "America/New_York")},
        )
    try:
        # Every deadline moved to is one a case is now resolved at.
        assert {(r, c) for r, c, _ in changed} == {
            (r, c) for r, cs in figures.RETURN_CLOCKS.items() for c in cs
        }
        for regime, zone in REGIME_ZONES.items():
            for start, end in (
                ("2025-07-01", "2026-01-01"),
                ("2026-01-01", "2026-07-01"),
                ("2027-05-01", "2027-06-01"),
                ("2024-01-01", "2028-01-01"),
            ):
                begins, ends = _local(start, zone), _local(end, zone)
                assert returns.compute(store, regime, begins, ends, NOW) == _over_rows(
                    store, regime, begins, ends
                )
    finally:
        with store.sessions.begin() as session:
            for case_id, received, resolved in saved_cases:
                session.execute(
                    text(
                        "UPDATE cases SET received_at = :received, resolved_at = :resolved"
                        " WHERE case_id = :id"
                    ),
                    {"received": received, "resolved": resolved, "id": case_id},
                )
            for case_id, name, due in saved_clocks:
                session.execute(
                    text(
                        "UPDATE case_clocks SET due_at = :due WHERE case_id = :id AND name = :name"
                    ),
                    {"due": due, "id": case_id, "name": name},
                )


# -- table reports: aggregated by PostgreSQL, equal to the table worked out case by case --

SQL_MEASURES = tuple(m for m in tables.MEASURES if m not in tables.CASE_BY_CASE_MEASURES)


@pytest.mark.parametrize("f", FILTERS, ids=["all", "a period", "uk web and phone"])
@pytest.mark.parametrize(
    "group_by, granularity, zone",
    [
        (("product", "channel"), "month", "Europe/London"),
        (("team",), "", "UTC"),
        (("root_cause", "priority"), "quarter", "Australia/Sydney"),
        (("category", "assignee", "regime"), "week", "America/New_York"),
        ((), "day", "UTC"),
        ((), "", "UTC"),
    ],
)
def test_a_table_in_sql_equals_the_table_case_by_case(store, f, group_by, granularity, zone):
    spec = tables.TableSpec(group_by, SQL_MEASURES, granularity, ZoneInfo(zone))
    assert tables.in_sql(store, spec)
    events = tables._events(store, f, set(SQL_MEASURES))
    case_by_case = tables.compute(store.rows(f), spec, events, store, NOW, f.received_to)
    in_sql = tables.sql_table(store, f, spec, NOW)
    assert in_sql.columns == case_by_case.columns
    assert in_sql.rows == case_by_case.rows
    # Every kind of figure is there to compare: money in two currencies at least,
    # hours, rates and satisfaction.
    assert len(case_by_case.rows) > 0
    for column in range(case_by_case.first_measure, len(case_by_case.columns)):
        assert any(row[column] for row in case_by_case.rows), case_by_case.columns[column]


def test_a_table_worked_out_case_by_case_over_too_many_cases_names_what_to_narrow(
    store, monkeypatch
):
    spec = tables.TableSpec(("team",), ("received", "median_business_hours_to_close"))
    assert not tables.in_sql(store, spec)
    monkeypatch.setenv(tables.LIMIT_SETTING, "1000")
    with store.sessions() as session:
        held = session.scalar(select(func.count()).select_from(Case))
    assert held > 1000
    with pytest.raises(FailedPrecondition) as refused:
        tables.table(store, Filter(), spec, NOW)
    assert refused.value.message == (
        "this table is worked out case by case (median business hours to close) and its "
        f"filter and period select {held:,} cases, more than 1,000 "
        "(REDRESS_TABLE_CASE_BY_CASE_LIMIT): narrow its period or filter (products, "
        "channels, teams...)"
    )
    # Narrowed to a team, it is worked out.
    team = Filter(teams=("team-0",))
    rows = tables.table(store, team, spec, NOW).rows
    assert rows and sum(r[1] for r in rows) <= 1000
