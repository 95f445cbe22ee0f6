"""Table reports: the measures a report chooses, for each combination of up to
three dimensions and, when it asks, of periods.

The cases counted are those the report's filter selects (received in its
period). Grouped by period, each figure falls in the period of its own
event: received by receipt, resolved, upheld and money paid by resolution,
closed and the time to close by closure, reopened by each reopening,
escalated by the first escalation, breached by the first breached clock's
deadline, satisfaction by the answer. "Open at period end" is counted at the
end of every period (or of the report's period, or now when that has not
ended) from the cases as they stand now.

The formulas are those of the other figures (`python_figures.durations` for
means and nearest-rank percentiles, `definitions.UPHELD`, `period_start` and
`WorkingTime` for business hours). The table is worked out in Python over the
matching cases (`compute`), or aggregated by PostgreSQL (`sql_table`) when
its measures and grouping allow (`in_sql`).
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal, select, text

from redress.db.tables.cases import AuditEvent, Case, CaseClock, Outcome, SatisfactionResponse
from redress.domain import money
from redress.platform.errors import FailedPrecondition
from redress.platform.settings import Env
from services.reporting.definitions import (
    UPHELD,
    Filter,
    WorkingTime,
    next_period,
    period_start,
)
from services.reporting.python_figures import durations
from services.reporting.sql_figures import SQL_DIMENSIONS, sql_key
from services.reporting.store import ReportingStore, Row, utc

# In the order of the Measure enum; the column is the name with spaces.
MEASURES = (
    "received",
    "open_at_period_end",
    "resolved",
    "closed",
    "reopened",
    "upheld",
    "upheld_rate",
    "escalated",
    "breached",
    "mean_hours_to_close",
    "median_hours_to_close",
    "p90_hours_to_close",
    "mean_business_hours_to_close",
    "median_business_hours_to_close",
    "p90_business_hours_to_close",
    "redress_paid",
    "goodwill_paid",
    "mean_satisfaction",
)
MONEY = ("redress_paid", "goodwill_paid")
# How a money column's name says that programs read it in minor units.
MINOR_UNITS = " (minor units)"
MAX_DIMENSIONS = 3
# Measures that cannot be grouped by a dimension, and why.
UNFIT: dict[tuple[str, str], str] = {
    ("open_at_period_end", "root_cause"): (
        "root causes are recorded with the outcome, so open complaints have none: "
        "group open_at_period_end by another dimension"
    ),
}


@dataclass(frozen=True)
class TableSpec:
    group_by: tuple[str, ...]
    measures: tuple[str, ...]
    # "", or the width of each period: day, week, month, quarter, year.
    granularity: str = ""
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]
    # The column of the first measure (for a chart).
    first_measure: int
    # The columns of money: column index -> currency; their values are minor
    # units, as programs read them (people read them as money: `shown_rows`).
    money_columns: dict[int, str] = field(default_factory=dict)

    def shown_columns(self) -> list[str]:
        """The columns as people read them: money columns in money, not in
        minor units."""
        return [c.removesuffix(MINOR_UNITS) for c in self.columns]

    def shown_rows(self, locale: str) -> list[list[Any]]:
        """The rows as people read them, money written as money."""
        return [
            [
                money.shown(value, self.money_columns[i], locale)
                if i in self.money_columns and value is not None
                else value
                for i, value in enumerate(row)
            ]
            for row in self.rows
        ]


@dataclass
class _Cell:
    counts: Counter[str] = field(default_factory=Counter)
    decided: int = 0
    calendar_seconds: list[float] = field(default_factory=list)
    business_seconds: list[float] = field(default_factory=list)
    money: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    scores: list[int] = field(default_factory=list)
    # Measure -> its value as PostgreSQL worked it out (hours and means).
    done: dict[str, float | None] = field(default_factory=dict)


def _events(store: ReportingStore, f: Filter, wants: set[str]) -> dict[str, Any]:
    """What the cases' own rows do not hold: reopenings, first escalations,
    first breaches and survey answers of the matching cases."""
    found: dict[str, Any] = {}
    conditions = store.conditions(f)
    with store.sessions() as session:
        if "reopened" in wants:
            reopened: dict[str, list[datetime]] = defaultdict(list)
            for case_id, at in session.execute(
                select(AuditEvent.case_id, AuditEvent.recorded_at)
                .join(Case, Case.case_id == AuditEvent.case_id)
                .where(AuditEvent.action == "case.reopened", *conditions)
            ):
                reopened[case_id].append(at if at.tzinfo else at.replace(tzinfo=UTC))
            found["reopened"] = reopened
        if "escalated" in wants:
            found["escalated"] = {
                case_id: utc(at)
                for case_id, at in session.execute(
                    select(AuditEvent.case_id, func.min(AuditEvent.recorded_at))
                    .join(Case, Case.case_id == AuditEvent.case_id)
                    .where(AuditEvent.action == "case.escalated", *conditions)
                    .group_by(AuditEvent.case_id)
                )
            }
        if "breached" in wants:
            found["breached"] = {
                case_id: utc(due)
                for case_id, due in session.execute(
                    select(CaseClock.case_id, func.min(CaseClock.due_at))
                    .join(Case, Case.case_id == CaseClock.case_id)
                    .where(
                        CaseClock.state == "breached", CaseClock.due_at.is_not(None), *conditions
                    )
                    .group_by(CaseClock.case_id)
                )
            }
        if "mean_satisfaction" in wants:
            found["mean_satisfaction"] = {
                case_id: (int(score), utc(at))
                for case_id, score, at in session.execute(
                    select(
                        SatisfactionResponse.case_id,
                        SatisfactionResponse.score,
                        SatisfactionResponse.received_at,
                    )
                    .join(Case, Case.case_id == SatisfactionResponse.case_id)
                    .where(*conditions)
                )
            }
    return found


def table(store: ReportingStore, f: Filter, spec: TableSpec, now: datetime) -> Table:
    """The table of `spec` over the cases `f` selects, as they are at `now`:
    aggregated by PostgreSQL when it can be, else worked out case by case
    (at most `case_by_case_limit()` cases)."""
    if in_sql(store, spec):
        return sql_table(store, f, spec, now)
    limit = case_by_case_limit()
    with store.sessions() as session:
        cases = session.scalar(select(func.count()).select_from(Case).where(*store.conditions(f)))
    if cases and cases > limit:
        raise FailedPrecondition(
            f"this table is worked out case by case ({_why_case_by_case(store, spec)}) and "
            f"its filter and period select {cases:,} cases, more than {limit:,} "
            f"({LIMIT_SETTING}): narrow its period or filter (products, channels, teams...)"
        )
    wants = set(spec.measures)
    rows = store.rows(f, tags="customer_tag" in spec.group_by)
    return compute(rows, spec, _events(store, f, wants), store, now, f.received_to)


# -- at scale: the same table aggregated by PostgreSQL ------------------------------

LIMIT_SETTING = "REDRESS_TABLE_CASE_BY_CASE_LIMIT"
# Measures and dimensions that are only worked out case by case.
CASE_BY_CASE_MEASURES = (
    "mean_business_hours_to_close",
    "median_business_hours_to_close",
    "p90_business_hours_to_close",
    "open_at_period_end",
)
CASE_BY_CASE_DIMENSIONS = ("customer_tag",)


def case_by_case_limit() -> int:
    """How many cases a table worked out case by case may cover (a million
    take minutes and gigabytes of memory: docs/BENCHMARKS.md)."""
    return int(Env().number(LIMIT_SETTING, 100_000, minimum=1))


def in_sql(store: ReportingStore, spec: TableSpec) -> bool:
    return (
        store.in_sql
        and not set(spec.measures) & set(CASE_BY_CASE_MEASURES)
        and not set(spec.group_by) & set(CASE_BY_CASE_DIMENSIONS)
    )


def _why_case_by_case(store: ReportingStore, spec: TableSpec) -> str:
    if not store.in_sql:
        return "the database is SQLite"
    named = [m.replace("_", " ") for m in spec.measures if m in CASE_BY_CASE_MEASURES]
    named += [
        f"grouped by {d.replace('_', ' ')}" for d in spec.group_by if d in CASE_BY_CASE_DIMENSIONS
    ]
    return ", ".join(named)


def sql_table(store: ReportingStore, f: Filter, spec: TableSpec, now: datetime) -> Table:
    """`compute` by PostgreSQL: each event's figures grouped by the period it
    falls in (date_trunc in the report's time zone, weeks from Monday, as
    `sql_figures.sql_trends`) and the dimensions; percentiles with
    percentile_disc, the nearest rank, as `python_figures.durations`."""
    wants = set(spec.measures)
    if "upheld_rate" in wants:
        wants.add("upheld")
    hours = [m for m in spec.measures if m.endswith("hours_to_close")]
    at_resolution = bool(wants & {"resolved", "upheld", "redress_paid", "goodwill_paid"})
    at_closure = "closed" in wants or bool(hours)
    dims = [SQL_DIMENSIONS[d] for d in spec.group_by]
    conditions = store.conditions(f)
    cells: dict[tuple[datetime | None, tuple[str, ...]], _Cell] = defaultdict(_Cell)

    def period(column: Any) -> Any:
        if not spec.granularity:
            return literal(None)
        local = func.timezone(
            spec.zone.key, func.date_trunc(spec.granularity, func.timezone(spec.zone.key, column))
        )
        return local

    def grouped(
        at: Any,
        *measures: Any,
        extra: tuple[Any, ...] = (),
        source: Any = None,
        where: tuple[Any, ...] = (),
    ) -> Any:
        columns = [period(at).label("p"), *dims, *extra, *measures]
        query = select(*columns)
        query = (
            query.select_from(source).join(Case, Case.case_id == source.c.case_id)
            if source is not None
            else query.select_from(Case)
        )
        query = query.outerjoin(Outcome, Outcome.case_id == Case.case_id).where(*where, *conditions)
        keys = 1 + len(dims) + len(extra)
        return query.group_by(*(text(str(i)) for i in range(1, keys + 1)))

    def cell(found: Any) -> tuple[_Cell, list[Any]]:
        at = utc(found[0]) if spec.granularity else None
        keys = tuple(
            sql_key(d, v) for d, v in zip(spec.group_by, found[1 : 1 + len(dims)], strict=True)
        )
        return cells[(at, keys)], list(found[1 + len(dims) :])

    with store.sessions() as session:
        if "received" in wants:
            for found in session.execute(grouped(Case.received_at, func.count())):
                c, (n,) = cell(found)
                c.counts["received"] += n
        if at_resolution:
            decided = and_(Outcome.decision.is_not(None), Outcome.decision != "")
            for found in session.execute(
                grouped(
                    Case.resolved_at,
                    func.count(),
                    func.count().filter(decided),
                    func.count().filter(Outcome.decision.in_(UPHELD)),
                    where=(Case.resolved_at.is_not(None),),
                )
            ):
                c, (n, n_decided, n_upheld) = cell(found)
                if "resolved" in wants:
                    c.counts["resolved"] += n
                if "upheld" in wants:
                    c.decided += n_decided
                    c.counts["upheld"] += n_upheld
            for name, currency, minor in (
                ("redress_paid", Outcome.redress_currency, Outcome.redress_minor),
                ("goodwill_paid", Outcome.goodwill_currency, Outcome.goodwill_minor),
            ):
                if name not in wants:
                    continue
                for found in session.execute(
                    grouped(
                        Case.resolved_at,
                        func.sum(minor),
                        extra=(func.coalesce(currency, ""),),
                        where=(Case.resolved_at.is_not(None), minor != 0),
                    )
                ):
                    c, (code, paid) = cell(found)
                    c.money[name][code] += int(paid)
        if at_closure:
            seconds = func.extract("epoch", Case.closed_at - Case.received_at)
            figures_of = {
                "mean_hours_to_close": func.avg(seconds),
                "median_hours_to_close": func.percentile_disc(0.5).within_group(seconds),
                "p90_hours_to_close": func.percentile_disc(0.9).within_group(seconds),
            }
            for found in session.execute(
                grouped(
                    Case.closed_at,
                    func.count(),
                    *(figures_of[m] for m in hours),
                    where=(Case.closed_at.is_not(None),),
                )
            ):
                c, (n, *values) = cell(found)
                if "closed" in wants:
                    c.counts["closed"] += n
                for name, value in zip(hours, values, strict=True):
                    c.done[name] = float(value) / 3600
        if "reopened" in wants:
            reopened = (
                select(AuditEvent.case_id, AuditEvent.recorded_at.label("at"))
                .where(AuditEvent.action == "case.reopened")
                .subquery()
            )
            for found in session.execute(grouped(reopened.c.at, func.count(), source=reopened)):
                c, (n,) = cell(found)
                c.counts["reopened"] += n
        firsts = {
            "escalated": select(AuditEvent.case_id, func.min(AuditEvent.recorded_at).label("at"))
            .where(AuditEvent.action == "case.escalated")
            .group_by(AuditEvent.case_id),
            "breached": select(CaseClock.case_id, func.min(CaseClock.due_at).label("at"))
            .where(CaseClock.state == "breached", CaseClock.due_at.is_not(None))
            .group_by(CaseClock.case_id),
        }
        for name, first in firsts.items():
            if name in wants:
                events = first.subquery()
                for found in session.execute(grouped(events.c.at, func.count(), source=events)):
                    c, (n,) = cell(found)
                    c.counts[name] += n
        if "mean_satisfaction" in wants:
            answers = select(
                SatisfactionResponse.case_id,
                SatisfactionResponse.score,
                SatisfactionResponse.received_at.label("at"),
            ).subquery()
            for found in session.execute(
                grouped(answers.c.at, func.avg(answers.c.score), source=answers)
            ):
                c, (mean,) = cell(found)
                c.done["mean_satisfaction"] = float(mean)
    return _assemble(cells, spec)


def compute(
    rows: Iterable[Row],
    spec: TableSpec,
    events: dict[str, Any],
    store: ReportingStore | None,
    now: datetime,
    period_end: datetime | None,
) -> Table:
    wants = set(spec.measures)
    if "upheld_rate" in wants:
        wants.add("upheld")
    business = any("business" in m for m in wants)
    hours = any(m.endswith("hours_to_close") for m in wants)
    # Only figures asked for make a row of their period.
    at_resolution = bool(wants & {"resolved", "upheld", "redress_paid", "goodwill_paid"})
    at_closure = "closed" in wants or hours
    granularity, zone = spec.granularity, spec.zone
    cells: dict[tuple[datetime | None, tuple[str, ...]], _Cell] = defaultdict(_Cell)
    # Per combination of keys, when each case was received and closed (for
    # open_at_period_end).
    spans: dict[tuple[str, ...], list[tuple[datetime, datetime | None]]] = defaultdict(list)
    working: dict[tuple[str, str], WorkingTime | None] = {}

    def bucket(at: datetime) -> datetime | None:
        return period_start(at, granularity, zone) if granularity else None

    for row in rows:
        combinations = list(itertools.product(*(row.dimension(d) for d in spec.group_by)))
        business_seconds = None
        if business and row.closed_at is not None and store is not None:
            key = (row.policy_id, row.policy_version)
            if key not in working:
                working[key] = store.working_time(*key)
            calendar = working[key]
            if calendar is not None:
                business_seconds = calendar.between(row.received_at, row.closed_at)
        for keys in combinations:

            def cell(at: datetime, keys: tuple[str, ...] = keys) -> _Cell:
                return cells[(bucket(at), keys)]

            if "received" in wants:
                cell(row.received_at).counts["received"] += 1
            if "open_at_period_end" in wants:
                # Open as docs/reporting.md defines it: until resolved.
                spans[keys].append((row.received_at, row.resolved_at))
            if row.resolved_at is not None and at_resolution:
                resolved = cell(row.resolved_at)
                if "resolved" in wants:
                    resolved.counts["resolved"] += 1
                if "upheld" in wants and row.decision:
                    resolved.decided += 1
                    resolved.counts["upheld"] += row.decision in UPHELD
                for name, currency, minor in (
                    ("redress_paid", row.redress_currency, row.redress_minor),
                    ("goodwill_paid", row.goodwill_currency, row.goodwill_minor),
                ):
                    if name in wants and minor:
                        resolved.money[name][currency] += minor
            if row.closed_at is not None and at_closure:
                closed = cell(row.closed_at)
                if "closed" in wants:
                    closed.counts["closed"] += 1
                if hours:
                    closed.calendar_seconds.append(
                        (row.closed_at - row.received_at).total_seconds()
                    )
                if business_seconds is not None:
                    closed.business_seconds.append(business_seconds)
            for at in events.get("reopened", {}).get(row.case_id, ()):
                cell(at).counts["reopened"] += 1
            for name in ("escalated", "breached"):
                at = events.get(name, {}).get(row.case_id)
                if at is not None:
                    cell(at).counts[name] += 1
            answer = events.get("mean_satisfaction", {}).get(row.case_id)
            if answer is not None:
                cell(answer[1]).scores.append(answer[0])

    if "open_at_period_end" in wants:
        _open_at_period_ends(cells, spans, spec, now, period_end)
    return _assemble(cells, spec)


def _assemble(
    cells: dict[tuple[datetime | None, tuple[str, ...]], _Cell], spec: TableSpec
) -> Table:
    """The table's columns and rows from its cells, ordered by period and keys."""
    granularity, zone = spec.granularity, spec.zone
    currencies = {
        name: sorted({c for cell in cells.values() for c in cell.money.get(name, {})})
        for name in MONEY
    }
    columns = (["period"] if granularity else []) + list(spec.group_by)
    first = len(columns)
    money_columns: dict[int, str] = {}
    for name in spec.measures:
        if name in MONEY:
            for code in currencies[name]:
                money_columns[len(columns)] = code
                columns.append(f"{name.replace('_', ' ')} {code}{MINOR_UNITS}")
            if not currencies[name]:
                columns.append(name.replace("_", " "))
        else:
            columns.append(name.replace("_", " "))
    out = []
    for at, keys in sorted(cells, key=lambda k: (k[0] or datetime.min.replace(tzinfo=UTC), k[1])):
        c = cells[(at, keys)]
        line: list[Any] = [at.astimezone(zone).date().isoformat()] if at else []
        line += list(keys)
        for name in spec.measures:
            line += _values(name, c, currencies.get(name, []))
        out.append(line)
    return Table(columns, out, first, money_columns)


def _open_at_period_ends(
    cells: dict[tuple[datetime | None, tuple[str, ...]], _Cell],
    spans: dict[tuple[str, ...], list[tuple[datetime, datetime | None]]],
    spec: TableSpec,
    now: datetime,
    period_end: datetime | None,
) -> None:
    """Open cases at the end of each period: received before it ends, not
    closed by then. Periods run from the first one a case falls in to the
    last that any figure or the report's period reaches (the current one at
    most)."""
    if not spec.granularity:
        end = min(period_end or now, now)
        for keys, found in spans.items():
            n = sum(
                1
                for received, closed in found
                if received < end and (closed is None or closed >= end)
            )
            if n:
                cells[(None, keys)].counts["open_at_period_end"] += n
        return
    granularity, zone = spec.granularity, spec.zone
    times = [received for found in spans.values() for received, _ in found]
    if not times:
        return
    first = period_start(min(times), granularity, zone)
    ends = [at for at, _ in cells if at is not None]
    # The period the report's own period ends in (its end is excluded).
    until = min(period_end - timedelta(microseconds=1), now) if period_end else now
    ends += [
        period_start(until, granularity, zone),
        period_start(max(times), granularity, zone),
    ]
    last = min(max(ends), period_start(now, granularity, zone))
    starts = [first]
    while starts[-1] < last:
        starts.append(next_period(starts[-1], granularity, zone))
    index = {at: i for i, at in enumerate(starts)}
    for keys, found in spans.items():
        # +1 from the period a case is received in, -1 from the one it is
        # closed in: open at the end of every period between.
        change = [0] * (len(starts) + 1)
        for received, closed in found:
            change[index[period_start(received, granularity, zone)]] += 1
            if closed is not None:
                closed_in = period_start(closed, granularity, zone)
                change[index.get(closed_in, len(starts))] -= 1
        running = 0
        for i, at in enumerate(starts):
            running += change[i]
            if running:
                cells[(at, keys)].counts["open_at_period_end"] += running


def _values(name: str, c: _Cell, currencies: list[str]) -> list[Any]:
    if name in c.done:
        value = c.done[name]
        return [None if value is None else round(value, 2)]
    if name in MONEY:
        paid = c.money.get(name, Counter())
        return [paid[cur] for cur in currencies] or [0]
    if name == "upheld_rate":
        return [round(c.counts["upheld"] / c.decided, 4) if c.decided else None]
    if name == "mean_satisfaction":
        return [round(statistics.fmean(c.scores), 2) if c.scores else None]
    if name.endswith("hours_to_close"):
        seconds = c.business_seconds if "business" in name else c.calendar_seconds
        found = durations({"": seconds})
        if not found:
            return [None]
        stats = found[0]
        value = (
            stats.mean
            if name.startswith("mean")
            else stats.p50
            if name.startswith("median")
            else stats.p90
        )
        return [round(value / 3600, 2)]
    return [c.counts[name]]
