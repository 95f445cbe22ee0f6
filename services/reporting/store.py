"""Reporting's store: a declared read model of the cases' tables, and the
writer of its own.

Reads (owned by services/cases, never written here):
    cases (with the tags given with each complaint), outcomes, case_clocks, audit_events,
    satisfaction_responses, policies (the policy version each case runs under)
Reads (owned by services/knowledge):
    kb_case_articles (the articles that resolved cases)
    kb_deflections, kb_articles' titles (self-service answers: deflections.py)
Owns and writes:
    report_definitions   saved reports, a row per version (a deletion is a version)
    regulatory_returns   a return as first computed for an ended period, kept for
                         the regulator

`ReportingStore` reads cases with a report's filter, with their outcome and
regulatory clocks, as `Row`s; the figures are computed from recorded
timestamps and the clocks' own deadlines (which already follow the regime's
business calendar with its public holidays), so a figure agrees with what
GetCase shows for each case counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from redress.db import Store
from redress.db.tables.cases import Case, CaseClock, Outcome, PolicyVersion
from redress.db.tables.reporting import KeptReturn, SavedReport
from redress.db.turns import wait_for_turn_in
from redress.domain.policy import Policy
from redress.domain.policy_versions import PolicyVersions
from redress.domain.priority import priority_name
from redress.platform.wire import timestamp
from redress.reporting.v1 import reporting_pb2
from services.reporting.definitions import Filter, WorkingTime


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
    # The policy's outcome value the decision came from ("" without one).
    outcome: str = ""
    root_cause: str = ""
    redress_currency: str = ""
    redress_minor: int = 0
    goodwill_currency: str = ""
    goodwill_minor: int = 0
    tags: tuple[str, ...] = ()
    # The policy version the case runs under.
    policy_id: str = ""
    policy_version: str = ""
    # The complaint type whose rules it runs under ("" without types).
    complaint_type: str = ""
    # Clock name -> (state, due_at, stopped_at)
    clocks: dict[str, tuple[str, datetime | None, datetime | None]] = field(default_factory=dict)

    def dimension(self, name: str) -> list[str]:
        if name == "customer_tag":
            return list(self.tags) or [""]
        return [str(getattr(self, name))]


def utc(value: datetime | None) -> datetime | None:
    """A stored time with its zone (SQLite gives times back without it)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class ReportingStore(Store):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._policies = PolicyVersions(self._published_document, shipped_for_unknown=True)

    def policy(self, policy_id: str, version: str) -> Policy:
        """The policy version a case runs under. A published version never
        changes, so each is read once; a case under the shipped policy that
        was never published as a document has the shipped one."""
        policy = self._policies.find(policy_id, version)
        assert policy is not None  # unknown versions are the shipped policy here
        return policy

    def rules(self, policy_id: str, version: str, complaint_type: str) -> Policy:
        """The rules a case runs under: its policy version's, of its complaint type
        (docs/lifecycle.md, "Complaint types"); the base rules for a type the
        version does not define."""
        policy = self.policy(policy_id, version)
        try:
            return policy.for_type(complaint_type)
        except KeyError:
            return policy

    def _published_document(self, policy_id: str, version: str) -> str | None:
        with self.sessions() as session:
            row = session.get(PolicyVersion, (policy_id, version))
        return row.document if row is not None else None

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
        rules = self.rules(row.policy_id, row.policy_version, row.complaint_type)
        return rules.disp_cause_category(row.root_cause)

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
            (Case.complaint_type, f.complaint_types),
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
            Outcome.outcome,
            Outcome.root_cause,
            Outcome.redress_currency,
            Outcome.redress_minor,
            Outcome.goodwill_currency,
            Outcome.goodwill_minor,
            Case.policy_id,
            Case.policy_version,
            Case.complaint_type,
        ]
        # The clocks asked for are joined in, one alias each, so a batch is
        # one query.
        joined = [(name, aliased(CaseClock)) for name in wanted]
        first_clock = len(columns)  # where the first joined clock's columns are
        for _, alias in joined:
            columns += [alias.state, alias.due_at, alias.stopped_at]

        def fetch(after: int) -> list[Any]:
            with self.sessions() as session:
                # A case's tags are those given with its complaint.
                query = (
                    select(*columns, Case.contact_tags.label("tags")) if tags else select(*columns)
                )
                query = query.outerjoin(Outcome, Outcome.case_id == Case.case_id)
                for name, alias in joined:
                    query = query.outerjoin(
                        alias, and_(alias.case_id == Case.case_id, alias.name == name)
                    )
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
                            clock_rows[r.case_id][name] = (str(state), utc(due), utc(stopped))  # type: ignore[arg-type]
                for r in found:
                    yield Row(
                        case_id=r.case_id,
                        received_at=utc(r.received_at),  # type: ignore[arg-type]
                        resolved_at=utc(r.resolved_at),
                        closed_at=utc(r.closed_at),
                        product=r.product,
                        sub_product=r.sub_product,
                        issue=r.issue,
                        channel=r.channel,
                        priority=priority_name(r.priority),
                        regime=r.regime,
                        team=r.team,
                        assignee=r.assignee,
                        stage=r.stage,
                        escalation_level=r.escalation_level,
                        category=r.category or "",
                        decision=r.decision or "",
                        outcome=r.outcome or "",
                        root_cause=r.root_cause or "",
                        redress_currency=r.redress_currency or "",
                        redress_minor=r.redress_minor or 0,
                        goodwill_currency=r.goodwill_currency or "",
                        goodwill_minor=r.goodwill_minor or 0,
                        tags=tuple(r.tags or ()) if tags else (),
                        policy_id=r.policy_id or "",
                        policy_version=r.policy_version or "",
                        complaint_type=r.complaint_type or "",
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


# -- saved reports ----------------------------------------------------------------


class NoSuchReport(LookupError):
    """No saved report of that name (or version), or it was deleted."""


def to_json(d: reporting_pb2.ReportDefinition) -> dict[str, Any]:
    return json_format.MessageToDict(d, preserving_proto_field_name=True)


# A deleted report's last version: this key and why, in place of a definition.
DELETED = "deleted"


def is_deleted(row: SavedReport) -> bool:
    return bool(row.definition.get(DELETED))


def from_row(row: SavedReport) -> reporting_pb2.ReportDefinition:
    d = json_format.ParseDict(row.definition, reporting_pb2.ReportDefinition())
    d.version = row.version
    d.saved_by.id = row.saved_by
    d.saved_at.CopyFrom(timestamp(row.saved_at))
    return d


def saving_turn(name: str) -> str:
    return f"redress.reporting.saved-report.{name}"


class SavedReports:
    def __init__(self, store: ReportingStore) -> None:
        self.sessions = store.sessions

    def save(self, d: reporting_pb2.ReportDefinition, actor: str) -> SavedReport:
        clean = reporting_pb2.ReportDefinition()
        clean.CopyFrom(d)
        for name in ("version", "saved_by", "saved_at"):
            clean.ClearField(name)  # type: ignore[arg-type]
        with self.sessions.begin() as session:
            # Saves of one report at the same moment (two administrators, two
            # replicas) take turns, each becoming the version after the last.
            wait_for_turn_in(session.connection(), saving_turn(d.name))
            latest = session.scalar(
                select(func.max(SavedReport.version)).where(SavedReport.name == d.name)
            )
            row = SavedReport(
                name=d.name,
                version=int(latest or 0) + 1,
                definition=to_json(clean),
                saved_by=actor,
                saved_at=datetime.now(UTC),
            )
            session.add(row)
            return row

    def delete(self, name: str, actor: str, reason: str) -> SavedReport:
        """Keeps the deletion as the report's next version."""
        with self.sessions.begin() as session:
            wait_for_turn_in(session.connection(), saving_turn(name))
            latest = session.scalar(
                select(SavedReport)
                .where(SavedReport.name == name)
                .order_by(SavedReport.version.desc())
                .limit(1)
                .with_for_update()
            )
            if latest is None or is_deleted(latest):
                raise NoSuchReport(f"no saved report {name!r}")
            row = SavedReport(
                name=name,
                version=latest.version + 1,
                definition={DELETED: True, "reason": reason},
                saved_by=actor,
                saved_at=datetime.now(UTC),
            )
            session.add(row)
            return row

    def get(self, name: str, version: int = 0) -> SavedReport:
        with self.sessions() as session:
            newest = session.scalar(
                select(SavedReport)
                .where(SavedReport.name == name)
                .order_by(SavedReport.version.desc())
                .limit(1)
            )
            row = newest
            if newest is not None and version and version != newest.version:
                row = session.get(SavedReport, (name, version))
        if newest is not None and is_deleted(newest):
            raise NoSuchReport(
                f"the saved report {name!r} was deleted by {newest.saved_by} on "
                f"{newest.saved_at:%Y-%m-%d %H:%M} UTC; save it again to use the name"
            )
        if row is None:
            raise NoSuchReport(
                f"no saved report {name!r}" + (f" version {version}" if version else "")
            )
        return row

    def latest(self, after: str, limit: int) -> list[SavedReport]:
        """The latest version of up to `limit` reports named after `after`,
        deleted ones left out."""
        found: list[SavedReport] = []
        while len(found) < limit:
            with self.sessions() as session:
                newest = (
                    select(SavedReport.name, func.max(SavedReport.version).label("v"))
                    .where(SavedReport.name > after)
                    .group_by(SavedReport.name)
                    .order_by(SavedReport.name)
                    .limit(limit)
                    .subquery()
                )
                rows = list(
                    session.scalars(
                        select(SavedReport)
                        .join(
                            newest,
                            (SavedReport.name == newest.c.name)
                            & (SavedReport.version == newest.c.v),
                        )
                        .order_by(SavedReport.name)
                    )
                )
            found.extend(r for r in rows if not is_deleted(r))
            if len(rows) < limit:
                break
            after = rows[-1].name
        return found[:limit]
