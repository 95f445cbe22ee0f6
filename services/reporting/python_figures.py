"""The figures worked out in Python over the rows of cases (`store.Row`).

On SQLite, the embedded default, every figure is computed here; on
PostgreSQL most are aggregated by the database (`sql_figures`), and these
are what the SQL is checked against (tests/integration/test_reporting_sql.py). Which one
computes a figure is decided in `figures`.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from redress.db.tables.cases import Case, CaseClock
from redress.domain.clocks import NOT_APPLICABLE
from redress.domain.policy import Policy
from services.reporting.definitions import (
    ASIC_LINES,
    ASIC_REFERENCE,
    CFPB_LINES,
    CFPB_REFERENCE,
    FCA_LINES,
    FCA_REFERENCE,
    UPHELD,
    Cause,
    Compliance,
    Durations,
    Filter,
    Line,
    TrendPoint,
    WorkingTime,
    cfpb_response_of,
    fca_product_group,
    period_start,
    redress_lines,
)
from services.reporting.store import ReportingStore, Row, utc


def trends(
    rows: Iterable[Row], granularity: str, split_by: str, zone: ZoneInfo
) -> list[TrendPoint]:
    received: Counter[tuple[datetime | None, str]] = Counter()
    resolved: Counter[tuple[datetime | None, str]] = Counter()
    for row in rows:
        keys = row.dimension(split_by) if split_by else [""]
        for key in keys:
            at = period_start(row.received_at, granularity, zone) if granularity else None
            received[(at, key)] += 1
            if row.resolved_at is not None:
                done = period_start(row.resolved_at, granularity, zone) if granularity else None
                resolved[(done, key)] += 1
    points = set(received) | set(resolved)
    return [
        TrendPoint(at, key, received[(at, key)], resolved[(at, key)])
        for at, key in sorted(
            points, key=lambda p: (p[0] or datetime.min.replace(tzinfo=UTC), p[1])
        )
    ]


def root_causes(rows: Iterable[Row], limit: int) -> tuple[list[Cause], int]:
    counts: Counter[str] = Counter()
    upheld: Counter[str] = Counter()
    redress: dict[str, Counter[str]] = defaultdict(Counter)
    without = 0
    for row in rows:
        if not row.decision:
            continue
        if not row.root_cause:
            without += 1
            continue
        counts[row.root_cause] += 1
        upheld[row.root_cause] += row.decision in UPHELD
        if row.redress_minor:
            redress[row.root_cause][row.redress_currency] += row.redress_minor
    causes = [
        Cause(cause, n, upheld[cause] / n, dict(redress[cause]))
        for cause, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    ]
    return causes, without


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def durations(groups: dict[str, list[float]]) -> list[Durations]:
    out = []
    for key in sorted(groups):
        values = sorted(groups[key])
        if not values:
            continue
        out.append(
            Durations(
                key,
                len(values),
                percentile(values, 50),
                percentile(values, 90),
                percentile(values, 99),
                statistics.fmean(values),
                values[-1],
            )
        )
    return out


def time_to_close(rows: Iterable[Row], split_by: str) -> tuple[list[Durations], list[Durations]]:
    to_resolution: dict[str, list[float]] = defaultdict(list)
    to_closure: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        for key in row.dimension(split_by) if split_by else [""]:
            if row.resolved_at is not None:
                to_resolution[key].append((row.resolved_at - row.received_at).total_seconds())
            if row.closed_at is not None:
                to_closure[key].append((row.closed_at - row.received_at).total_seconds())
    return durations(to_resolution), durations(to_closure)


def clock_compliance(clocks: Iterable[tuple[Row, CaseClock]], now: datetime) -> list[Compliance]:
    states: dict[str, Counter[str]] = defaultdict(Counter)
    late: dict[str, list[float]] = defaultdict(list)
    taken: dict[str, list[float]] = defaultdict(list)
    paused: dict[str, float] = defaultdict(float)
    for _, clock in clocks:
        states[clock.name][clock.state] += 1
        paused[clock.name] += float(clock.paused_seconds or 0.0)
        started, stopped = utc(clock.started_at), utc(clock.stopped_at)
        # A clock stopped as not applicable (its complaint type changed) took no time to meet.
        if started is not None and stopped is not None and clock.state != NOT_APPLICABLE:
            taken[clock.name].append((stopped - started).total_seconds())
        due = utc(clock.due_at)
        if clock.state == "breached" and due is not None:
            until = utc(clock.stopped_at) or now
            late[clock.name].append(max(0.0, (until - due).total_seconds()))
    out = []
    for name in sorted(states):
        lateness = sorted(late[name])
        out.append(
            Compliance(
                name,
                states[name]["met"],
                states[name]["breached"],
                states[name]["running"],
                states[name]["paused"],
                statistics.median(lateness) if lateness else 0.0,
                lateness[-1] if lateness else 0.0,
                next(iter(durations({name: taken[name]})), None),
                paused[name],
            )
        )
    return out


def shipped_cause_category(row: Row) -> str:
    return Policy.load_default().disp_cause_category(row.root_cause)


def fca_return(
    rows: Iterable[Row],
    start: datetime,
    end: datetime,
    cause_category: Callable[[Row], str] = shipped_cause_category,
) -> list[Line]:
    """The FCA complaints return (DISP 1 Annex 1R) for [start, end).

    A complaint is "closed" when it was resolved (final or summary resolution
    sent); closed within three business days means by its summary-resolution
    deadline, within eight weeks by its final-response deadline, both as its
    clocks computed them with the bank holidays of its calendar. Partly upheld
    counts as upheld. Closed complaints are counted by the return's cause
    categories, `cause_category` giving each case's (ReportingStore's: as
    the policy the case runs under maps its root cause)."""
    lines: dict[tuple[str, str], Line] = {}

    def add(kind: str, breakdown: str, case_id: str, overall: str = "All products") -> None:
        for where in (breakdown, overall):
            key = (kind, where)
            if key not in lines:
                lines[key] = Line(FCA_REFERENCE, FCA_LINES[kind], where)
            lines[key].case_ids.append(case_id)

    redress: dict[tuple[str, str], int] = defaultdict(int)
    redress_cases: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        group = fca_product_group(row.product)
        received, resolved = row.received_at, row.resolved_at
        if received < start and (resolved is None or resolved >= start):
            add("1_outstanding", group, row.case_id)
        if start <= received < end:
            add("2_opened", group, row.case_id)
        if resolved is None or not (start <= resolved < end):
            continue
        add("3_closed", group, row.case_id)
        summary = row.clocks.get("fca_summary_resolution", ("", None, None))[1]
        final = row.clocks.get("fca_final_response", ("", None, None))[1]
        if summary is not None and resolved <= summary:
            add("4_within_3_days", group, row.case_id)
        elif final is None or resolved <= final:
            add("5_within_8_weeks", group, row.case_id)
        else:
            add("6_after_8_weeks", group, row.case_id)
        if row.decision in UPHELD:
            add("7_upheld", group, row.case_id)
        # DISP 1 Annex 1R counts closed complaints by cause category for all
        # products as well as per group, every one of them: one without a
        # cause the policy maps is "Other".
        category = cause_category(row)
        add("9_cause", f"{group}: {category}", row.case_id, f"All products: {category}")
        if row.redress_minor:
            for where in (group, "All products"):
                redress[(where, row.redress_currency)] += row.redress_minor
                redress_cases[(where, row.redress_currency)].append(row.case_id)
    return [lines[k] for k in sorted(lines)] + redress_lines(redress, redress_cases)


def cfpb_response(row: Row) -> str:
    """The CFPB "company response to consumer" category for a case."""
    return cfpb_response_of(row.resolved_at is not None, row.decision, bool(row.redress_minor))


def cfpb_return(
    rows: Iterable[Row], start: datetime, end: datetime, cut_off: datetime
) -> list[Line]:
    """CFPB-style figures for complaints received in [start, end): timely
    responses (within 15 calendar days, the cfpb_response clock) and the
    company response categories. An open complaint is untimely once its
    deadline has passed by `cut_off` (the period's end, or the moment the
    return is computed while the period runs): one still within its 15 days
    is in progress, not late."""
    lines: dict[str, Line] = {}

    def add(key: str, description: str, case_id: str, breakdown: str = "") -> None:
        lines.setdefault(key, Line(CFPB_REFERENCE, description, breakdown)).case_ids.append(case_id)

    for row in rows:
        if not start <= row.received_at < end:
            continue
        add("1_received", CFPB_LINES["1_received"], row.case_id)
        due = row.clocks.get("cfpb_response", ("", None, None))[1]
        if row.resolved_at is not None:
            timing = "2_timely" if due is None or row.resolved_at <= due else "3_untimely"
            add(timing, CFPB_LINES[timing], row.case_id)
        elif due is not None and due < cut_off:
            add("3_untimely", CFPB_LINES["3_untimely"], row.case_id)
        category = cfpb_response(row)
        add(f"4_{category}", CFPB_LINES["4_response"], row.case_id, category)
    return [lines[k] for k in sorted(lines)]


def asic_return(rows: Iterable[Row], start: datetime, end: datetime) -> list[Line]:
    """ASIC IDR figures for [start, end): received, closed, closed within the
    30-day IDR timeframe; the per-complaint data is ExportCases in the ASIC
    IDR CSV format."""
    lines: dict[str, Line] = {}

    def add(key: str, case_id: str) -> None:
        lines.setdefault(key, Line(ASIC_REFERENCE, ASIC_LINES[key], "")).case_ids.append(case_id)

    for row in rows:
        if start <= row.received_at < end:
            add("1_received", row.case_id)
        if row.resolved_at is None or not start <= row.resolved_at < end:
            continue
        add("2_closed", row.case_id)
        due = row.clocks.get("asic_idr_response", ("", None, None))[1]
        if due is None or row.resolved_at <= due:
            add("3_within_30_days", row.case_id)
        else:
            add("4_after_30_days", row.case_id)
    return [lines[k] for k in sorted(lines)]


def business_time_taken(store: ReportingStore, f: Filter) -> dict[str, Durations]:
    """Per clock, the working time from start to stop of the clocks that
    stopped in time, in each clock's calendar (the case policy's own calendar
    of that name, else the preset), less the time it was paused."""
    clocks: dict[tuple[str, str, str], WorkingTime | None] = {}

    def working_time(policy_id: str, version: str, name: str) -> WorkingTime | None:
        key = (policy_id, version, name)
        if key not in clocks:
            clocks[key] = store.working_time(policy_id, version, name)
        return clocks[key]

    seconds: dict[str, list[float]] = defaultdict(list)
    with store.sessions() as session:
        rows = session.execute(
            select(
                CaseClock.name,
                CaseClock.calendar,
                CaseClock.started_at,
                CaseClock.stopped_at,
                CaseClock.paused_seconds,
                Case.policy_id,
                Case.policy_version,
            )
            .join(Case, Case.case_id == CaseClock.case_id)
            .where(
                CaseClock.stopped_at.is_not(None),
                CaseClock.started_at.is_not(None),
                CaseClock.state != NOT_APPLICABLE,
                *store.conditions(f),
            )
            .execution_options(yield_per=10_000)
        )
        for name, calendar_name, started, stopped, paused, policy_id, version in rows:
            worked = working_time(policy_id, version, calendar_name)
            if worked is None:
                continue
            spent = worked.between(utc(started), utc(stopped))  # type: ignore[arg-type]
            seconds[name].append(max(0.0, spent - float(paused or 0.0)))
    return {d.key: d for d in durations(seconds)}
