"""Reporting figures computed from the case store of record.

`ReportingStore` reads cases (with their outcome and regulatory clocks) from
the same database services/cases writes, with the filters of a report, and
the functions here turn those rows into figures. Everything is computed from
recorded timestamps and the clocks' own deadlines (which already follow the
regime's business calendar with its public holidays), so a figure agrees
with what GetCase shows for each case counted.
"""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from redress.db import Store
from redress.db.tables.cases import (
    AuditEvent,
    Case,
    CaseClock,
    Customer,
    Outcome,
    PolicyVersion,
    SatisfactionResponse,
)
from redress.db.tables.knowledge import CaseArticle
from redress.db.tables.reporting import KeptReturn
from redress.domain.calendars import BusinessCalendar
from redress.domain.policy import Policy

PRIORITY_NAMES = {1: "low", 2: "normal", 3: "high", 4: "urgent"}
UPHELD = ("upheld", "partly_upheld")


@dataclass(frozen=True)
class Filter:
    received_from: datetime | None = None
    received_to: datetime | None = None
    products: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    regimes: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()

    def within(self, start: datetime | None, end: datetime | None) -> Filter:
        """The same filter over another period of receipt."""
        return dataclasses.replace(self, received_from=start, received_to=end)


@dataclass
class Row:
    case_id: str
    received_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    product: str
    sub_product: str
    issue: str
    channel: str
    priority: str
    regime: str
    team: str
    assignee: str
    stage: str
    escalation_level: int
    category: str = ""
    decision: str = ""
    root_cause: str = ""
    redress_currency: str = ""
    redress_minor: int = 0
    goodwill_currency: str = ""
    goodwill_minor: int = 0
    tags: tuple[str, ...] = ()
    # The policy version the case runs under.
    policy_id: str = ""
    policy_version: str = ""
    # Clock name -> (state, due_at, stopped_at)
    clocks: dict[str, tuple[str, datetime | None, datetime | None]] = field(default_factory=dict)

    def dimension(self, name: str) -> list[str]:
        if name == "customer_tag":
            return list(self.tags) or [""]
        return [str(getattr(self, name))]


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class ReportingStore(Store):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._policies: dict[tuple[str, str], Policy] = {}

    def policy(self, policy_id: str, version: str) -> Policy:
        """The policy version a case runs under. A published version never
        changes, so each is read once; a case under the shipped policy that
        was never published as a document has the shipped one."""
        key = (policy_id, version)
        if key not in self._policies:
            with self.sessions() as session:
                row = session.get(PolicyVersion, key)
            self._policies[key] = Policy.load(row.document) if row else Policy.load_default()
        return self._policies[key]

    def working_time(self, policy_id: str, version: str, calendar: str = "") -> WorkingTime | None:
        """Working time in a calendar of a case's policy (its own calendar of
        that name, else the preset; "" is the policy's default), or None when
        there is no such calendar."""
        try:
            found = self.policy(policy_id, version).calendar_named(calendar)
        except (KeyError, ValueError):
            return None
        return WorkingTime(found) if found else None

    def disp_cause_category(self, row: Row) -> str:
        """The FCA return's cause category for a case's root cause, as the
        policy the case runs under maps it."""
        return self.policy(row.policy_id, row.policy_version).disp_cause_category(row.root_cause)

    @staticmethod
    def conditions(f: Filter, also_open_before: datetime | None = None) -> list[Any]:
        conditions: list[Any] = []
        if f.received_from is not None:
            received = Case.received_at >= f.received_from
            if also_open_before is not None:
                received = or_(
                    received,
                    and_(
                        Case.received_at < f.received_from,
                        or_(Case.resolved_at.is_(None), Case.resolved_at >= also_open_before),
                    ),
                )
            conditions.append(received)
        if f.received_to is not None:
            conditions.append(Case.received_at < f.received_to)
        for column, values in (
            (Case.product, f.products),
            (Case.channel, f.channels),
            (Case.regime, f.regimes),
            (Case.team, f.teams),
            (Case.category, f.categories),
            (Case.assignee, f.assignees),
            (Case.priority, f.priorities),
        ):
            if values:
                conditions.append(column.in_(values))
        return conditions

    @property
    def in_sql(self) -> bool:
        """Whether figures are aggregated in the database (PostgreSQL) rather
        than over rows in Python (SQLite, the embedded default)."""
        return self.engine.dialect.name == "postgresql"

    def rows(
        self,
        f: Filter,
        *,
        also_open_before: datetime | None = None,
        clocks: Iterable[str] = (),
        tags: bool = False,
        batch: int = 20000,
    ) -> Iterator[Row]:
        """Cases matching the filter, in id order, read in batches. With
        `also_open_before`, cases received earlier that were still unresolved
        at that moment are included too (a return's opening balance)."""
        conditions = self.conditions(f, also_open_before)
        wanted = list(clocks)
        columns = [
            Case.id,
            Case.case_id,
            Case.received_at,
            Case.resolved_at,
            Case.closed_at,
            Case.product,
            Case.sub_product,
            Case.issue,
            Case.channel,
            Case.priority,
            Case.regime,
            Case.team,
            Case.assignee,
            Case.stage,
            Case.escalation_level,
            Case.category,
            Outcome.decision,
            Outcome.root_cause,
            Outcome.redress_currency,
            Outcome.redress_minor,
            Outcome.goodwill_currency,
            Outcome.goodwill_minor,
            Case.policy_id,
            Case.policy_version,
        ]
        # The clocks asked for are joined in, one alias each, so a batch is
        # one query.
        joined = [(name, aliased(CaseClock)) for name in wanted]
        first_clock = len(columns)  # where the first joined clock's columns are
        for _, alias in joined:
            columns += [alias.state, alias.due_at, alias.stopped_at]

        def fetch(after: int) -> list[Any]:
            with self.sessions() as session:
                query = select(*columns, Customer.tags) if tags else select(*columns)
                query = query.outerjoin(Outcome, Outcome.case_id == Case.case_id)
                for name, alias in joined:
                    query = query.outerjoin(
                        alias, and_(alias.case_id == Case.case_id, alias.name == name)
                    )
                if tags:
                    query = query.join(Customer, Customer.id == Case.customer_id)
                return list(
                    session.execute(
                        query.where(Case.id > after, *conditions).order_by(Case.id).limit(batch)
                    ).all()
                )

        # On PostgreSQL the next batch is read while this one is made into
        # rows, the database and Python each on a core (a half-year return at
        # a million cases: 5.3-6.3 s before, bench/reports.py).
        ahead = ThreadPoolExecutor(1) if self.in_sql else None
        try:
            found = fetch(0)
            while found:
                more = len(found) == batch
                upcoming = ahead.submit(fetch, found[-1].id) if ahead and more else None
                clock_rows: dict[str, dict[str, tuple[str, datetime | None, datetime | None]]]
                clock_rows = defaultdict(dict)
                for r in found:
                    for i, (name, _) in enumerate(joined):
                        state, due, stopped = r[first_clock + 3 * i : first_clock + 3 * i + 3]
                        if state is not None:
                            clock_rows[r.case_id][name] = (str(state), _utc(due), _utc(stopped))  # type: ignore[arg-type]
                for r in found:
                    yield Row(
                        case_id=r.case_id,
                        received_at=_utc(r.received_at),  # type: ignore[arg-type]
                        resolved_at=_utc(r.resolved_at),
                        closed_at=_utc(r.closed_at),
                        product=r.product,
                        sub_product=r.sub_product,
                        issue=r.issue,
                        channel=r.channel,
                        priority=PRIORITY_NAMES.get(r.priority, str(r.priority)),
                        regime=r.regime,
                        team=r.team,
                        assignee=r.assignee,
                        stage=r.stage,
                        escalation_level=r.escalation_level,
                        category=r.category or "",
                        decision=r.decision or "",
                        root_cause=r.root_cause or "",
                        redress_currency=r.redress_currency or "",
                        redress_minor=r.redress_minor or 0,
                        goodwill_currency=r.goodwill_currency or "",
                        goodwill_minor=r.goodwill_minor or 0,
                        tags=tuple(r.tags or ()) if tags else (),
                        policy_id=r.policy_id or "",
                        policy_version=r.policy_version or "",
                        clocks=clock_rows.get(r.case_id, {}),
                    )
                if not more:
                    return
                found = upcoming.result() if upcoming else fetch(found[-1].id)
        finally:
            if ahead is not None:
                ahead.shutdown(cancel_futures=True)

    def kept_return(self, regime: str, start: datetime, end: datetime) -> KeptReturn | None:
        with self.sessions() as session:
            return session.get(KeptReturn, (regime, start, end))

    def keep_return(
        self,
        regime: str,
        start: datetime,
        end: datetime,
        lines: list[dict[str, Any]],
        at: datetime,
        actor: str,
    ) -> KeptReturn:
        """Keeps the first figures computed for an ended period; if another
        call kept some first, those stay and are returned."""
        row = KeptReturn(
            regime=regime,
            period_start=start,
            period_end=end,
            lines=lines,
            generated_at=at,
            generated_by=actor,
        )
        try:
            with self.sessions.begin() as session:
                session.add(row)
            return row
        except IntegrityError:
            found = self.kept_return(regime, start, end)
            assert found is not None
            return found

    def clock_rows(self, f: Filter) -> Iterator[tuple[Row, CaseClock]]:
        """Every clock of every case matching the filter."""
        cases = {r.case_id: r for r in self.rows(f)}
        ids = sorted(cases)
        with self.sessions() as session:
            for start in range(0, len(ids), 1000):
                for clock in session.scalars(
                    select(CaseClock).where(CaseClock.case_id.in_(ids[start : start + 1000]))
                ):
                    yield cases[clock.case_id], clock


# -- periods ------------------------------------------------------------------


def period_start(when: datetime, granularity: str, zone: ZoneInfo) -> datetime:
    local = when.astimezone(zone)
    day = local.date()
    if granularity == "day":
        start = day
    elif granularity == "week":
        start = day - timedelta(days=day.weekday())
    elif granularity == "month":
        start = day.replace(day=1)
    elif granularity == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    elif granularity == "year":
        start = date(day.year, 1, 1)
    else:
        raise ValueError(granularity)
    return datetime(start.year, start.month, start.day, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class TrendPoint:
    period_start: datetime | None
    key: str
    received: int
    resolved: int


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


# -- root causes -----------------------------------------------------------------


@dataclass(frozen=True)
class Cause:
    root_cause: str
    cases: int
    upheld_rate: float
    redress: dict[str, int]


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


# -- durations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Durations:
    key: str
    cases: int
    p50: float
    p90: float
    p99: float
    mean: float
    max: float


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


# -- clocks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    clock: str
    met: int
    breached: int
    running: int
    paused: int
    median_lateness: float
    max_lateness: float
    time_taken: Durations | None = None
    paused_seconds: float = 0.0


def clock_compliance(clocks: Iterable[tuple[Row, CaseClock]], now: datetime) -> list[Compliance]:
    states: dict[str, Counter[str]] = defaultdict(Counter)
    late: dict[str, list[float]] = defaultdict(list)
    taken: dict[str, list[float]] = defaultdict(list)
    paused: dict[str, float] = defaultdict(float)
    for _, clock in clocks:
        states[clock.name][clock.state] += 1
        paused[clock.name] += float(clock.paused_seconds or 0.0)
        started, stopped = _utc(clock.started_at), _utc(clock.stopped_at)
        if started is not None and stopped is not None:
            taken[clock.name].append((stopped - started).total_seconds())
        due = _utc(clock.due_at)
        if clock.state == "breached" and due is not None:
            until = _utc(clock.stopped_at) or now
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


# -- regulatory returns ---------------------------------------------------------------


@dataclass
class Line:
    reference: str
    description: str
    breakdown: str
    case_ids: list[str] = field(default_factory=list)
    value: int | None = None  # set for sums; else the number of cases

    def figure(self) -> int:
        return self.value if self.value is not None else len(self.case_ids)


FCA_GROUPS = (
    ("Home finance", ("mortgage", "home loan", "equity release", "home equity")),
    ("Decumulation and pensions", ("pension", "annuit", "retirement", "drawdown")),
    ("Insurance and pure protection", ("insurance", "protection", "warranty")),
    ("Investments", ("investment", "securities", "stock", "fund", "isa ")),
)
BANKING = "Banking and credit cards"


def fca_product_group(product: str) -> str:
    """The FCA complaints return's product group for a product name."""
    text = f"{product.lower()} "
    for group, words in FCA_GROUPS:
        if any(w in text for w in words):
            return group
    return BANKING


def shipped_cause_category(row: Row) -> str:
    return Policy.load_default().disp_cause_category(row.root_cause)


def _redress_lines(
    ref: str, redress: dict[tuple[str, str], int], cases: dict[tuple[str, str], list[str]]
) -> list[Line]:
    """The FCA return's redress paid, a line per product group (and all
    products) and currency."""
    return [
        Line(ref, f"Redress paid, {currency} minor units", where, cases[(where, currency)], minor)
        for (where, currency), minor in sorted(redress.items())
    ]


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
    ref = "DISP 1 Annex 1R"
    lines: dict[tuple[str, str], Line] = {}

    def add(
        kind: str, description: str, breakdown: str, case_id: str, overall: str = "All products"
    ) -> None:
        for where in (breakdown, overall):
            key = (kind, where)
            if key not in lines:
                lines[key] = Line(ref, description, where)
            lines[key].case_ids.append(case_id)

    redress: dict[tuple[str, str], int] = defaultdict(int)
    redress_cases: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        group = fca_product_group(row.product)
        received, resolved = row.received_at, row.resolved_at
        if received < start and (resolved is None or resolved >= start):
            add(
                "1_outstanding",
                "Complaints outstanding at the start of the period",
                group,
                row.case_id,
            )
        if start <= received < end:
            add("2_opened", "Complaints opened in the period", group, row.case_id)
        if resolved is None or not (start <= resolved < end):
            continue
        add("3_closed", "Complaints closed in the period", group, row.case_id)
        summary = row.clocks.get("fca_summary_resolution", ("", None, None))[1]
        final = row.clocks.get("fca_final_response", ("", None, None))[1]
        if summary is not None and resolved <= summary:
            add("4_within_3_days", "Closed within 3 business days", group, row.case_id)
        elif final is None or resolved <= final:
            add(
                "5_within_8_weeks",
                "Closed after 3 business days and within 8 weeks",
                group,
                row.case_id,
            )
        else:
            add("6_after_8_weeks", "Closed after more than 8 weeks", group, row.case_id)
        if row.decision in UPHELD:
            add(
                "7_upheld",
                "Closed complaints upheld (partly upheld counts as upheld)",
                group,
                row.case_id,
            )
        # DISP 1 Annex 1R counts closed complaints by cause category for all
        # products as well as per group, every one of them: one without a
        # cause the policy maps is "Other".
        category = cause_category(row)
        add(
            "9_cause",
            "Closed complaints by cause category",
            f"{group}: {category}",
            row.case_id,
            f"All products: {category}",
        )
        if row.redress_minor:
            for where in (group, "All products"):
                redress[(where, row.redress_currency)] += row.redress_minor
                redress_cases[(where, row.redress_currency)].append(row.case_id)
    out = [lines[k] for k in sorted(lines)] + _redress_lines(ref, redress, redress_cases)
    return out


def cfpb_response(row: Row) -> str:
    """The CFPB "company response to consumer" category for a case."""
    return cfpb_response_of(row.resolved_at is not None, row.decision, bool(row.redress_minor))


def cfpb_response_of(resolved: bool, decision: str, redress: bool) -> str:
    """The CFPB response category of a case resolved or not, with its
    outcome's decision and whether it paid redress."""
    if not resolved:
        return "In progress"
    if decision in UPHELD:
        return "Closed with monetary relief" if redress else "Closed with non-monetary relief"
    if decision == "withdrawn":
        return "Closed"
    return "Closed with explanation"


def cfpb_return(rows: Iterable[Row], start: datetime, end: datetime) -> list[Line]:
    """CFPB-style figures for complaints received in [start, end): timely
    responses (within 15 calendar days, the cfpb_response clock) and the
    company response categories."""
    ref = "CFPB"
    lines: dict[str, Line] = {}

    def add(key: str, description: str, case_id: str, breakdown: str = "") -> None:
        lines.setdefault(key, Line(ref, description, breakdown)).case_ids.append(case_id)

    for row in rows:
        if not start <= row.received_at < end:
            continue
        add("1_received", "Complaints received", row.case_id)
        due = row.clocks.get("cfpb_response", ("", None, None))[1]
        if row.resolved_at is not None:
            timely = due is None or row.resolved_at <= due
            add(
                "2_timely" if timely else "3_untimely",
                "Timely response (15 days)" if timely else "Untimely response",
                row.case_id,
            )
        elif due is not None and due < end:
            add("3_untimely", "Untimely response", row.case_id)
        category = cfpb_response(row)
        add(f"4_{category}", "Company response to consumer", row.case_id, category)
    return [lines[k] for k in sorted(lines)]


def asic_return(rows: Iterable[Row], start: datetime, end: datetime) -> list[Line]:
    """ASIC IDR figures for [start, end): received, closed, closed within the
    30-day IDR timeframe; the per-complaint data is ExportCases in the ASIC
    IDR CSV format."""
    ref = "ASIC RG 271"
    lines: dict[str, Line] = {}

    def add(key: str, description: str, case_id: str) -> None:
        lines.setdefault(key, Line(ref, description, "")).case_ids.append(case_id)

    for row in rows:
        if start <= row.received_at < end:
            add("1_received", "Complaints received", row.case_id)
        if row.resolved_at is None or not start <= row.resolved_at < end:
            continue
        add("2_closed", "Complaints closed", row.case_id)
        due = row.clocks.get("asic_idr_response", ("", None, None))[1]
        if due is None or row.resolved_at <= due:
            add("3_within_30_days", "Closed within 30 calendar days", row.case_id)
        else:
            add("4_after_30_days", "Closed after 30 calendar days", row.case_id)
    return [lines[k] for k in sorted(lines)]


def changed_lines(kept: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[str]:
    """The figures of a return that differ between its kept record and now."""

    def values(lines: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
        return {(line["description"], line["breakdown"]): int(line["value"]) for line in lines}

    before, after = values(kept), values(now)
    return [
        f"{description} / {breakdown or '-'}: {before.get(key, 0)} → {after.get(key, 0)}"
        for key in sorted(set(before) | set(after))
        for description, breakdown in [key]
        if before.get(key, 0) != after.get(key, 0)
    ]


RETURN_CLOCKS = {
    "uk_fca": ("fca_summary_resolution", "fca_final_response"),
    "us_cfpb": ("cfpb_response",),
    "au_asic": ("asic_idr_response",),
}


# -- exports -------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "case_id",
    "received_at",
    "resolved_at",
    "closed_at",
    "stage",
    "priority",
    "channel",
    "regime",
    "product",
    "sub_product",
    "issue",
    "team",
    "assignee",
    "escalation_level",
    "decision",
    "root_cause",
    "redress_currency",
    "redress_minor",
)
# The time zone of the ASIC IDR data's dates, that of the au-nsw calendar
# the asic_idr_response clock counts in.
ASIC_ZONE = ZoneInfo("Australia/Sydney")
ASIC_COLUMNS = (
    "complaint_id",
    "date_received",
    "date_closed",
    "days_to_close",
    "product",
    "issue",
    "channel",
    "outcome",
    "compensation_aud_cents",
    "within_idr_timeframe",
    "complainant_tags",
)


def export_record(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in EXPORT_COLUMNS:
        value = getattr(row, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def asic_record(row: Row) -> dict[str, Any]:
    """One complaint's row of the ASIC IDR data: dates are Australian
    (Sydney) calendar dates, days to close the calendar days between them."""
    due = row.clocks.get("asic_idr_response", ("", None, None))[1]
    closed = row.resolved_at
    received_on = row.received_at.astimezone(ASIC_ZONE).date()
    closed_on = closed.astimezone(ASIC_ZONE).date() if closed else None
    return {
        "complaint_id": row.case_id,
        "date_received": received_on.isoformat(),
        "date_closed": closed_on.isoformat() if closed_on else "",
        "days_to_close": (closed_on - received_on).days if closed_on else "",
        "product": row.product,
        "issue": row.issue,
        "channel": row.channel,
        "outcome": row.decision or ("open" if closed is None else "resolved"),
        "compensation_aud_cents": row.redress_minor if row.redress_currency == "AUD" else 0,
        "within_idr_timeframe": ""
        if closed is None
        else ("yes" if due is None or closed <= due else "no"),
        "complainant_tags": "; ".join(row.tags),
    }


def jsonl(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


# -- PostgreSQL: the same figures aggregated in the database ------------------------

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
}


def _key(split_by: str, value: Any) -> str:
    if split_by == "priority":
        return PRIORITY_NAMES.get(value, str(value))
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
                counts[(_utc(at), _key(split_by, value))][i] += int(n)
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
                    _key(split_by, k),
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
# as the returns over rows above: the product groups, cause categories and
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
    cause_category: Callable[[str, str, str], str],
) -> list[Line]:
    """`fca_return` over the cases of `f` (with those received before
    `start` and still open at it), aggregated by PostgreSQL; `cause_category`
    maps (policy id, version, root cause) to the return's cause category."""

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
            when_closed(c.root_cause),
            when_closed(c.redress_currency),
            _flag(and_(closed, func.coalesce(c.redress_minor, 0) != 0)),
        ]

    ref = "DISP 1 Annex 1R"
    descriptions = {
        "1_outstanding": "Complaints outstanding at the start of the period",
        "2_opened": "Complaints opened in the period",
        "3_closed": "Complaints closed in the period",
        "4_within_3_days": "Closed within 3 business days",
        "5_within_8_weeks": "Closed after 3 business days and within 8 weeks",
        "6_after_8_weeks": "Closed after more than 8 weeks",
        "7_upheld": "Closed complaints upheld (partly upheld counts as upheld)",
        "9_cause": "Closed complaints by cause category",
    }
    lines: dict[tuple[str, str], Line] = {}

    def add(kind: str, breakdown: str, case_ids: list[str], overall: str = "All products") -> None:
        for where in (breakdown, overall):
            key = (kind, where)
            if key not in lines:
                lines[key] = Line(ref, descriptions[kind], where)
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
        category = cause_category(policy_id or "", version or "", cause or "")
        add("9_cause", f"{group}: {category}", g.case_ids, f"All products: {category}")
        if paid:
            for where in (group, "All products"):
                redress[(where, currency or "")] += g.redress_minor
                redress_cases[(where, currency or "")].extend(g.case_ids)
    out = [lines[k] for k in sorted(lines)] + _redress_lines(ref, redress, redress_cases)
    for line in out:
        line.case_ids.sort()
    return out


def sql_cfpb_return(store: ReportingStore, start: datetime, end: datetime, f: Filter) -> list[Line]:
    """`cfpb_return` over the complaints of `f` received in the period,
    aggregated by PostgreSQL."""

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
                (and_(deadline.is_not(None), deadline < end), "3_untimely"),
                else_="",
            ),
            func.coalesce(c.decision, ""),
            _flag(func.coalesce(c.redress_minor, 0) != 0),
        ]

    ref = "CFPB"
    descriptions = {"2_timely": "Timely response (15 days)", "3_untimely": "Untimely response"}
    lines: dict[str, Line] = {}

    def add(key: str, description: str, case_ids: list[str], breakdown: str = "") -> None:
        lines.setdefault(key, Line(ref, description, breakdown)).case_ids.extend(case_ids)

    for g in _return_groups(store, f, None, facts, RETURN_CLOCKS["us_cfpb"]):
        within, is_resolved, timeliness, decision, paid = g.facts
        if not within:
            continue
        add("1_received", "Complaints received", g.case_ids)
        if timeliness:
            add(timeliness, descriptions[timeliness], g.case_ids)
        category = cfpb_response_of(is_resolved, decision, paid)
        add(f"4_{category}", "Company response to consumer", g.case_ids, category)
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

    ref = "ASIC RG 271"
    descriptions = {
        "1_received": "Complaints received",
        "2_closed": "Complaints closed",
        "3_within_30_days": "Closed within 30 calendar days",
        "4_after_30_days": "Closed after 30 calendar days",
    }
    lines: dict[str, Line] = {}

    def add(key: str, case_ids: list[str]) -> None:
        lines.setdefault(key, Line(ref, descriptions[key], "")).case_ids.extend(case_ids)

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


# -- the dashboard (portable SQL: grouped counts, on SQLite and PostgreSQL) -----------

AGEING = (
    ("0-3 days", 0, 3),
    ("4-7 days", 4, 7),
    ("8-14 days", 8, 14),
    ("15-30 days", 15, 30),
    ("31-56 days", 31, 56),
    ("over 56 days", 57, None),
)


@dataclass
class Dashboard:
    received: int = 0
    resolved: int = 0
    closed: int = 0
    reopened: int = 0
    open_now: int = 0
    backlog_ageing: list[tuple[str, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_product: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    outcome_mix: list[tuple[str, int]] = field(default_factory=list)
    redress_paid: dict[str, int] = field(default_factory=dict)
    goodwill_paid: dict[str, int] = field(default_factory=dict)
    escalations: list[tuple[str, int]] = field(default_factory=list)
    by_assignee: list[tuple[str, int, int]] = field(default_factory=list)
    by_team: list[tuple[str, int, int]] = field(default_factory=list)
    categories: list[tuple[str, int, int, float, str]] = field(default_factory=list)
    resolving_articles: list[tuple[str, int]] = field(default_factory=list)
    satisfaction_scores: list[tuple[str, int]] = field(default_factory=list)


def direction(now: int, before: int) -> tuple[float, str]:
    if before == 0:
        return 0.0, "new" if now else "steady"
    change = (now - before) / before
    return change, "rising" if change > 0.1 else "falling" if change < -0.1 else "steady"


def dashboard(store: ReportingStore, f: Filter, now: datetime) -> Dashboard:
    """The managers' figures for a period [f.received_from, f.received_to)."""
    start, end = f.received_from, f.received_to
    assert start is not None and end is not None
    received = store.conditions(f)
    # The same filter without the period: for what happened in the period to
    # cases of any age, and for the backlog now.
    scope = store.conditions(f.within(None, None))
    previous = store.conditions(f.within(start - (end - start), start))
    d = Dashboard()

    def grouped(session: Any, column: Any, *where: Any) -> list[tuple[str, int]]:
        rows = session.execute(
            select(column, func.count()).select_from(Case).where(*where).group_by(column)
        ).all()
        return sorted(((str(k or ""), int(n)) for k, n in rows), key=lambda kv: (-kv[1], kv[0]))

    def flag(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    is_open = Case.closed_at.is_(None)
    in_period = and_(Case.received_at >= start, Case.received_at < end)
    resolved_in = and_(Case.resolved_at >= start, Case.resolved_at < end)
    ages = []
    for _, low, high in AGEING:
        age = and_(is_open, Case.received_at <= now - timedelta(days=low))
        if high is not None:
            age = and_(age, Case.received_at > now - timedelta(days=high + 1))
        ages.append(age)
    with store.sessions() as session:
        # One pass over the cases in scope for every single figure.
        totals = session.execute(
            select(
                flag(in_period),
                flag(resolved_in),
                flag(and_(Case.closed_at >= start, Case.closed_at < end)),
                flag(is_open),
                *(flag(age) for age in ages),
            ).where(*scope)
        ).one()
        d.received, d.resolved, d.closed, d.open_now = (int(x or 0) for x in totals[:4])
        d.backlog_ageing = [
            (label, int(n or 0)) for (label, _, _), n in zip(AGEING, totals[4:], strict=True)
        ]
        d.reopened = int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .join(Case, Case.case_id == AuditEvent.case_id)
                .where(
                    AuditEvent.action == "case.reopened",
                    AuditEvent.recorded_at >= start,
                    AuditEvent.recorded_at < end,
                    *scope,
                )
            )
            or 0
        )
        d.by_channel = grouped(session, Case.channel, *received)
        d.by_product = grouped(session, Case.product, *received)
        d.by_category = grouped(session, Case.category, *received)
        # The outcomes of cases resolved in the period, in one pass.
        mix: Counter[str] = Counter()
        for decision, redress_cur, goodwill_cur, n, redress, goodwill in session.execute(
            select(
                Outcome.decision,
                Outcome.redress_currency,
                Outcome.goodwill_currency,
                func.count(),
                func.sum(Outcome.redress_minor),
                func.sum(Outcome.goodwill_minor),
            )
            .select_from(Case)
            .join(Outcome, Outcome.case_id == Case.case_id)
            .where(resolved_in, *scope)
            .group_by(Outcome.decision, Outcome.redress_currency, Outcome.goodwill_currency)
        ):
            mix[str(decision)] += int(n)
            for target, cur, total in (
                (d.redress_paid, redress_cur, redress),
                (d.goodwill_paid, goodwill_cur, goodwill),
            ):
                if total:
                    target[str(cur)] = target.get(str(cur), 0) + int(total)
        d.outcome_mix = sorted(mix.items(), key=lambda kv: (-kv[1], kv[0]))
        levels = dict(grouped(session, Case.escalation_level, Case.escalation_level > 0, *received))
        top = max((int(k) for k in levels), default=0)
        d.escalations = [
            (str(level), sum(n for k, n in levels.items() if int(k) >= level))
            for level in range(1, top + 1)
        ]
        # Workload per agent and per team from one pass.
        agents: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        teams: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for assignee, team, n_open, n_done in session.execute(
            select(Case.assignee, Case.team, flag(is_open), flag(resolved_in))
            .where(or_(is_open, resolved_in), *scope)
            .group_by(Case.assignee, Case.team)
        ):
            for counts, key in ((agents, assignee), (teams, team)):
                if key:
                    counts[str(key)][0] += int(n_open or 0)
                    counts[str(key)][1] += int(n_done or 0)
        d.by_assignee = [(k, o, r) for k, (o, r) in sorted(agents.items())]
        d.by_team = [(k, o, r) for k, (o, r) in sorted(teams.items())]
        before = dict(grouped(session, Case.category, *previous))
        for category, n in d.by_category:
            change, way = direction(n, before.get(category, 0))
            d.categories.append((category, n, before.get(category, 0), change, way))
        for category, n in sorted(before.items()):
            if category not in dict(d.by_category):
                d.categories.append((category, 0, n, -1.0, "falling"))
        d.resolving_articles = [
            (str(a), int(n))
            for a, n in session.execute(
                select(CaseArticle.article_id, func.count())
                .join(Case, Case.case_id == CaseArticle.case_id)
                .where(CaseArticle.kind == "resolved", *received)
                .group_by(CaseArticle.article_id)
                .order_by(func.count().desc(), CaseArticle.article_id)
                .limit(50)
            )
        ]
        answered = session.execute(
            select(SatisfactionResponse.score, func.count())
            .join(Case, Case.case_id == SatisfactionResponse.case_id)
            .where(
                SatisfactionResponse.received_at >= start,
                SatisfactionResponse.received_at < end,
                *scope,
            )
            .group_by(SatisfactionResponse.score)
        ).all()
        d.satisfaction_scores = [(str(score), int(n)) for score, n in sorted(answered)]
    return d


# -- business time ---------------------------------------------------------------------


class WorkingTime:
    """Working time between two instants in a calendar, with each day's
    working intervals worked out once."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.days: dict[date, list[tuple[datetime, datetime]]] = {}

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        found = self.days.get(day)
        if found is None:
            found = self.days[day] = self.calendar.working_intervals(day)
        return found

    def between(self, start: datetime, end: datetime) -> float:
        if end <= start:
            return 0.0
        total = 0.0
        day, last = self.calendar.local_date(start), self.calendar.local_date(end)
        while day <= last:
            for begin, finish in self._intervals(day):
                overlap = (min(finish, end) - max(begin, start)).total_seconds()
                if overlap > 0:
                    total += overlap
            day += timedelta(days=1)
        return total


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
                *store.conditions(f),
            )
            .execution_options(yield_per=10_000)
        )
        for name, calendar_name, started, stopped, paused, policy_id, version in rows:
            worked = working_time(policy_id, version, calendar_name)
            if worked is None:
                continue
            spent = worked.between(_utc(started), _utc(stopped))  # type: ignore[arg-type]
            seconds[name].append(max(0.0, spent - float(paused or 0.0)))
    return {d.key: d for d in durations(seconds)}
