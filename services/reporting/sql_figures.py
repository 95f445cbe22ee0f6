"""The figures aggregated by PostgreSQL: the same answers as
`python_figures` gives over rows (tests/integration/test_reporting_sql.py checks every
split, period and return), without reading each case into Python.

Which one computes a figure is decided in `figures`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, text

from redress.db.tables.cases import Case, CaseClock, Outcome
from redress.domain.clocks import NOT_APPLICABLE
from redress.domain.priority import priority_name
from services.reporting.definitions import (
    ASIC_LINES,
    ASIC_REFERENCE,
    CFPB_LINES,
    CFPB_REFERENCE,
    FCA_LINES,
    FCA_REFERENCE,
    RETURN_CLOCKS,
    UPHELD,
    Cause,
    Compliance,
    Durations,
    Filter,
    Line,
    TrendPoint,
    cfpb_response_of,
    fca_product_group,
    redress_lines,
)
from services.reporting.store import ReportingStore, utc

SQL_DIMENSIONS = {
    "product": Case.product,
    "sub_product": Case.sub_product,
    "issue": Case.issue,
    "channel": Case.channel,
    "priority": Case.priority,
    "regime": Case.regime,
    "team": Case.team,
    "root_cause": Outcome.root_cause,
    "category": Case.category,
    "assignee": Case.assignee,
    "complaint_type": Case.complaint_type,
}


def sql_key(split_by: str, value: Any) -> str:
    """A grouped column's value as the Python figures name it."""
    if split_by == "priority":
        return priority_name(value)
    return "" if value is None else str(value)


def sql_trends(
    store: ReportingStore, f: Filter, granularity: str, split_by: str, zone: str
) -> list[TrendPoint]:
    """`trends` computed by PostgreSQL: date_trunc in the time zone asked for
    (weeks from Monday, as in Python), grouped with the split dimension."""
    key = SQL_DIMENSIONS[split_by] if split_by else literal("")
    counts: dict[tuple[datetime | None, str], list[int]] = defaultdict(lambda: [0, 0])
    with store.sessions() as session:
        for i, column in enumerate((Case.received_at, Case.resolved_at)):
            period: Any = literal(None)
            if granularity:
                local = func.timezone(zone, column)
                period = func.timezone(zone, func.date_trunc(granularity, local))
            query = (
                select(period.label("p"), key.label("k"), func.count())
                .select_from(Case)
                .outerjoin(Outcome, Outcome.case_id == Case.case_id)
                .where(column.is_not(None), *store.conditions(f))
                .group_by(text("1"), text("2"))
            )
            for at, value, n in session.execute(query):
                counts[(utc(at), sql_key(split_by, value))][i] += int(n)
    return [
        TrendPoint(at, k, r, d)
        for (at, k), (r, d) in sorted(
            counts.items(), key=lambda kv: (kv[0][0] or datetime.min.replace(tzinfo=UTC), kv[0][1])
        )
    ]


def sql_time_to_close(
    store: ReportingStore, f: Filter, split_by: str
) -> tuple[list[Durations], list[Durations]]:
    """`time_to_close` computed by PostgreSQL; percentile_disc is the nearest
    rank, as in Python."""
    key = SQL_DIMENSIONS[split_by] if split_by else literal("")
    out = []
    with store.sessions() as session:
        for column in (Case.resolved_at, Case.closed_at):
            seconds = func.extract("epoch", column - Case.received_at)
            query = (
                select(
                    key.label("k"),
                    func.count(),
                    func.percentile_disc(0.5).within_group(seconds),
                    func.percentile_disc(0.9).within_group(seconds),
                    func.percentile_disc(0.99).within_group(seconds),
                    func.avg(seconds),
                    func.max(seconds),
                )
                .select_from(Case)
                .outerjoin(Outcome, Outcome.case_id == Case.case_id)
                .where(column.is_not(None), *store.conditions(f))
                .group_by(text("1"))
            )
            found = [
                Durations(
                    sql_key(split_by, k),
                    int(n),
                    float(p50),
                    float(p90),
                    float(p99),
                    float(mean),
                    float(top),
                )
                for k, n, p50, p90, p99, mean, top in session.execute(query)
            ]
            out.append(sorted(found, key=lambda d: d.key))
    return out[0], out[1]


def sql_root_causes(store: ReportingStore, f: Filter, limit: int) -> tuple[list[Cause], int]:
    with store.sessions() as session:
        base = (
            select(
                Outcome.root_cause,
                func.count(),
                func.sum(case((Outcome.decision.in_(UPHELD), 1), else_=0)),
            )
            .select_from(Case)
            .join(Outcome, Outcome.case_id == Case.case_id)
            .where(*store.conditions(f))
            .group_by(Outcome.root_cause)
        )
        counts = {cause: (int(n), int(up or 0)) for cause, n, up in session.execute(base)}
        paid: dict[str, dict[str, int]] = defaultdict(dict)
        for cause, currency, minor in session.execute(
            select(Outcome.root_cause, Outcome.redress_currency, func.sum(Outcome.redress_minor))
            .select_from(Case)
            .join(Outcome, Outcome.case_id == Case.case_id)
            .where(Outcome.redress_minor > 0, *store.conditions(f))
            .group_by(Outcome.root_cause, Outcome.redress_currency)
        ):
            paid[cause][currency] = int(minor)
    without = counts.pop("", (0, 0))[0]
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    return [Cause(c, n, up / n, paid.get(c, {})) for c, (n, up) in ranked], without


def sql_clock_compliance(store: ReportingStore, f: Filter, now: datetime) -> list[Compliance]:
    with store.sessions() as session:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        paused: dict[str, float] = defaultdict(float)
        for name, state, n, seconds_paused in session.execute(
            select(
                CaseClock.name, CaseClock.state, func.count(), func.sum(CaseClock.paused_seconds)
            )
            .join(Case, Case.case_id == CaseClock.case_id)
            .where(*store.conditions(f))
            .group_by(CaseClock.name, CaseClock.state)
        ):
            counts[name][state] += int(n)
            paused[name] += float(seconds_paused or 0.0)
        lateness = func.extract(
            "epoch", func.coalesce(CaseClock.stopped_at, now) - CaseClock.due_at
        )
        late = {
            name: (float(median or 0), float(top or 0))
            for name, median, top in session.execute(
                select(
                    CaseClock.name,
                    func.percentile_cont(0.5).within_group(lateness),
                    func.max(lateness),
                )
                .join(Case, Case.case_id == CaseClock.case_id)
                .where(CaseClock.state == "breached", *store.conditions(f))
                .group_by(CaseClock.name)
            )
        }
        seconds = func.extract("epoch", CaseClock.stopped_at - CaseClock.started_at)
        taken = {
            name: Durations(name, int(n), *(float(x) for x in (p50, p90, p99, avg, top)))
            for name, n, p50, p90, p99, avg, top in session.execute(
                select(
                    CaseClock.name,
                    func.count(),
                    func.percentile_disc(0.5).within_group(seconds),
                    func.percentile_disc(0.9).within_group(seconds),
                    func.percentile_disc(0.99).within_group(seconds),
                    func.avg(seconds),
                    func.max(seconds),
                )
                .join(Case, Case.case_id == CaseClock.case_id)
                .where(
                    CaseClock.stopped_at.is_not(None),
                    CaseClock.started_at.is_not(None),
                    CaseClock.state != NOT_APPLICABLE,
                    *store.conditions(f),
                )
                .group_by(CaseClock.name)
            )
        }
    return [
        Compliance(
            name,
            counts[name]["met"],
            counts[name]["breached"],
            counts[name]["running"],
            counts[name]["paused"],
            max(0.0, late.get(name, (0.0, 0.0))[0]),
            max(0.0, late.get(name, (0.0, 0.0))[1]),
            taken.get(name),
            paused[name],
        )
        for name in sorted(counts)
    ]


# -- PostgreSQL: the regulatory returns aggregated in the database -----------------
#
# Each return groups the cases of its period by what decides the lines a case
# is counted on (comparisons of its times with the period and its clocks'
# deadlines, made by PostgreSQL; product, decision, root cause and policy as
# stored), with the case ids of each group (array_agg), so the figures still
# name their cases. Python then puts each group on its lines by the same rules
# as the returns over rows (`python_figures`): the product groups, cause categories and
# response categories come from the same functions.


@dataclass
class ReturnGroup:
    facts: tuple[Any, ...]
    case_ids: list[str]
    redress_minor: int


def _return_groups(
    store: ReportingStore,
    f: Filter,
    also_open_before: datetime | None,
    facts: Callable[[Any], list[Any]],
    clocks: Iterable[str],
) -> list[ReturnGroup]:
    """The cases matching the filter grouped by `facts` (SQL expressions over
    the columns of each case: its times, product and policy, its outcome's,
    and each clock's deadline by the clock's name), with their ids and the
    sum of their redress."""
    # The outcome and each clock's deadline are looked up by key for the
    # cases of the period only (lateral, OFFSET 0 so they are not flattened
    # into joins): joined, PostgreSQL hashed every case's outcome and every
    # clock of that name, a million each, for the 66,000 cases of a half-year
    # FCA return (2.7 s of database time instead of 2.1 s).
    outcome = (
        select(
            Outcome.decision, Outcome.root_cause, Outcome.redress_currency, Outcome.redress_minor
        )
        .where(Outcome.case_id == Case.case_id)
        .offset(0)
        .lateral()
    )
    deadlines = [
        select(CaseClock.due_at.label(name))
        .where(CaseClock.case_id == Case.case_id, CaseClock.name == name)
        .offset(0)
        .lateral()
        for name in clocks
    ]
    query_from: Any = Case.__table__.outerjoin(outcome, literal(True))
    for deadline in deadlines:
        query_from = query_from.outerjoin(deadline, literal(True))
    cases = (
        select(
            Case.case_id,
            Case.received_at,
            Case.resolved_at,
            Case.product,
            Case.policy_id,
            Case.policy_version,
            Case.complaint_type,
            outcome.c.decision,
            outcome.c.root_cause,
            outcome.c.redress_currency,
            outcome.c.redress_minor,
            *(deadline.c[0] for deadline in deadlines),
        )
        .select_from(query_from)
        .where(*store.conditions(f, also_open_before))
        .subquery()
    )
    keys = facts(cases.c)
    query = select(
        *keys,
        func.array_agg(cases.c.case_id),
        func.coalesce(func.sum(cases.c.redress_minor), 0),
    ).group_by(*(text(str(i + 1)) for i in range(len(keys))))
    with store.sessions() as session:
        # The query's estimated cost sets off PostgreSQL's JIT compilation of
        # its many CASE expressions, which takes longer than the query (5.6 s
        # for a half-year FCA return at a million cases).
        session.execute(text("SET LOCAL jit = off"))
        return [
            ReturnGroup(tuple(r[: len(keys)]), list(r[len(keys)]), int(r[len(keys) + 1]))
            for r in session.execute(query)
        ]


def _flag(condition: Any) -> Any:
    return case((condition, True), else_=False)


def sql_fca_return(
    store: ReportingStore,
    start: datetime,
    end: datetime,
    f: Filter,
    cause_category: Callable[[str, str, str, str], str],
) -> list[Line]:
    """`fca_return` over the cases of `f` (with those received before
    `start` and still open at it), aggregated by PostgreSQL; `cause_category`
    maps (policy id, version, complaint type, root cause) to the return's
    cause category."""

    def facts(c: Any) -> list[Any]:
        received, resolved = c.received_at, c.resolved_at
        closed = and_(resolved.is_not(None), resolved >= start, resolved < end)
        summary, final = c.fca_summary_resolution, c.fca_final_response
        # What only a closed complaint is counted by is left out of the
        # others' groups.
        when_closed = lambda column: case((closed, column), else_=None)  # noqa: E731
        return [
            c.product,
            _flag(and_(received < start, or_(resolved.is_(None), resolved >= start))),
            _flag(and_(received >= start, received < end)),
            case(
                (~closed, ""),
                (and_(summary.is_not(None), resolved <= summary), "4_within_3_days"),
                (or_(final.is_(None), resolved <= final), "5_within_8_weeks"),
                else_="6_after_8_weeks",
            ),
            when_closed(c.decision),
            when_closed(c.policy_id),
            when_closed(c.policy_version),
            when_closed(c.complaint_type),
            when_closed(c.root_cause),
            when_closed(c.redress_currency),
            _flag(and_(closed, func.coalesce(c.redress_minor, 0) != 0)),
        ]

    lines: dict[tuple[str, str], Line] = {}

    def add(kind: str, breakdown: str, case_ids: list[str], overall: str = "All products") -> None:
        for where in (breakdown, overall):
            key = (kind, where)
            if key not in lines:
                lines[key] = Line(FCA_REFERENCE, FCA_LINES[kind], where)
            lines[key].case_ids.extend(case_ids)

    redress: dict[tuple[str, str], int] = defaultdict(int)
    redress_cases: dict[tuple[str, str], list[str]] = defaultdict(list)
    groups = _return_groups(store, f, start, facts, RETURN_CLOCKS["uk_fca"])
    for g in groups:
        (
            product,
            outstanding,
            opened,
            timing,
            decision,
            policy_id,
            version,
            kind,
            cause,
            currency,
            paid,
        ) = g.facts
        group = fca_product_group(product)
        if outstanding:
            add("1_outstanding", group, g.case_ids)
        if opened:
            add("2_opened", group, g.case_ids)
        if not timing:
            continue
        add("3_closed", group, g.case_ids)
        add(timing, group, g.case_ids)
        if (decision or "") in UPHELD:
            add("7_upheld", group, g.case_ids)
        category = cause_category(policy_id or "", version or "", kind or "", cause or "")
        add("9_cause", f"{group}: {category}", g.case_ids, f"All products: {category}")
        if paid:
            for where in (group, "All products"):
                redress[(where, currency or "")] += g.redress_minor
                redress_cases[(where, currency or "")].extend(g.case_ids)
    out = [lines[k] for k in sorted(lines)] + redress_lines(redress, redress_cases)
    for line in out:
        line.case_ids.sort()
    return out


def sql_cfpb_return(
    store: ReportingStore, start: datetime, end: datetime, cut_off: datetime, f: Filter
) -> list[Line]:
    """`cfpb_return` over the complaints of `f` received in the period,
    aggregated by PostgreSQL; untimely as of `cut_off`."""

    def facts(c: Any) -> list[Any]:
        resolved, deadline = c.resolved_at, c.cfpb_response
        return [
            _flag(and_(c.received_at >= start, c.received_at < end)),
            _flag(resolved.is_not(None)),
            case(
                (
                    resolved.is_not(None),
                    case(
                        (or_(deadline.is_(None), resolved <= deadline), "2_timely"),
                        else_="3_untimely",
                    ),
                ),
                (and_(deadline.is_not(None), deadline < cut_off), "3_untimely"),
                else_="",
            ),
            func.coalesce(c.decision, ""),
            _flag(func.coalesce(c.redress_minor, 0) != 0),
        ]

    lines: dict[str, Line] = {}

    def add(key: str, description: str, case_ids: list[str], breakdown: str = "") -> None:
        lines.setdefault(key, Line(CFPB_REFERENCE, description, breakdown)).case_ids.extend(
            case_ids
        )

    for g in _return_groups(store, f, None, facts, RETURN_CLOCKS["us_cfpb"]):
        within, is_resolved, timeliness, decision, paid = g.facts
        if not within:
            continue
        add("1_received", CFPB_LINES["1_received"], g.case_ids)
        if timeliness:
            add(timeliness, CFPB_LINES[timeliness], g.case_ids)
        category = cfpb_response_of(is_resolved, decision, paid)
        add(f"4_{category}", CFPB_LINES["4_response"], g.case_ids, category)
    out = [lines[k] for k in sorted(lines)]
    for line in out:
        line.case_ids.sort()
    return out


def sql_asic_return(store: ReportingStore, start: datetime, end: datetime, f: Filter) -> list[Line]:
    """`asic_return` over the cases of `f` (with those received before
    `start` and still open at it), aggregated by PostgreSQL."""

    def facts(c: Any) -> list[Any]:
        received, resolved, deadline = c.received_at, c.resolved_at, c.asic_idr_response
        return [
            _flag(and_(received >= start, received < end)),
            case(
                (or_(resolved.is_(None), resolved < start, resolved >= end), ""),
                (or_(deadline.is_(None), resolved <= deadline), "3_within_30_days"),
                else_="4_after_30_days",
            ),
        ]

    lines: dict[str, Line] = {}

    def add(key: str, case_ids: list[str]) -> None:
        lines.setdefault(key, Line(ASIC_REFERENCE, ASIC_LINES[key], "")).case_ids.extend(case_ids)

    for g in _return_groups(store, f, start, facts, RETURN_CLOCKS["au_asic"]):
        within, timing = g.facts
        if within:
            add("1_received", g.case_ids)
        if timing:
            add("2_closed", g.case_ids)
            add(timing, g.case_ids)
    out = [lines[k] for k in sorted(lines)]
    for line in out:
        line.case_ids.sort()
    return out
