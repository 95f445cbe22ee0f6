"""The staff directory in the case database, and its hash-chained trail.

Every change to a person, a team or an absence is appended to
`staff_changes` in the same transaction, with who made it, old and new as
JSON, and a hash over the previous entry's hash and this entry's content.
Writers take turns (each first updates one counter row, TRAIL_LOCK, whose
lock it holds until commit), and sequence numbers are the primary key, so
two writers can never both append after the same entry.

Blocking code, called from the servicer through a thread.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from redress.db.tables.cases import (
    Case,
    RoutingCursor,
    StaffAbsenceRow,
    StaffChangeRow,
    StaffPersonRow,
    StaffTeamRow,
)
from redress.domain.staff_directory import Absence, Directory, Person, Team

GENESIS = "0" * 64
STAFF_FILE_ACTOR = "staff-file"
# The counter row (in routing_cursors) that the directory's writers take in
# turn; no routing rule's key (team/rule) can be this.
TRAIL_LOCK = ":staff-directory-trail"


def _now() -> datetime:
    return datetime.now(UTC)


def _dump(value: dict[str, Any] | None) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":")) if value is not None else ""


def change_hash(
    previous: str,
    sequence: int,
    recorded_at: datetime,
    actor: str,
    action: str,
    subject: str,
    old_value: str,
    new_value: str,
) -> str:
    content = json.dumps(
        [sequence, recorded_at.isoformat(), actor, action, subject, old_value, new_value]
    )
    return hashlib.sha256((previous + "\n" + content).encode()).hexdigest()


@dataclass(frozen=True)
class StaffChange:
    sequence: int
    recorded_at: datetime
    actor: str
    action: str
    subject: str
    old_value: str
    new_value: str
    hash: str


class StaffDirectoryStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # -- reads ---------------------------------------------------------------

    def snapshot(self, now: datetime | None = None) -> Directory:
        """Everyone, every team, and the absences not over at `now`."""
        now = now or _now()
        with self.sessions() as session:
            return self._snapshot(session, now)

    @staticmethod
    def _snapshot(session: Session, now: datetime) -> Directory:
        people = {
            row.principal_id: Person.of(row.content)
            for row in session.scalars(select(StaffPersonRow))
        }
        teams = {row.name: Team.of(row.content) for row in session.scalars(select(StaffTeamRow))}
        absences = tuple(
            _absence(row)
            for row in session.scalars(
                select(StaffAbsenceRow)
                .where(or_(StaffAbsenceRow.ends_at.is_(None), StaffAbsenceRow.ends_at > now))
                .order_by(StaffAbsenceRow.starts_at, StaffAbsenceRow.absence_id)
            )
        )
        return Directory(people, teams, absences)

    def version(self) -> str:
        with self.sessions() as session:
            last = session.scalars(
                select(StaffChangeRow).order_by(StaffChangeRow.sequence.desc()).limit(1)
            ).first()
            return f"{last.sequence}:{last.hash[:12]}" if last else ""

    def changes(self, after_sequence: int, limit: int) -> tuple[list[StaffChange], bool]:
        """A page of the trail, and whether the whole chain verifies."""
        with self.sessions() as session:
            rows = list(session.scalars(select(StaffChangeRow).order_by(StaffChangeRow.sequence)))
        intact = True
        previous = GENESIS
        for row in rows:
            expected = change_hash(
                previous,
                row.sequence,
                row.recorded_at,
                row.actor,
                row.action,
                row.subject,
                row.old_value,
                row.new_value,
            )
            if expected != row.hash:
                intact = False
            previous = row.hash
        page = [_change(row) for row in rows if row.sequence > after_sequence][:limit]
        return page, intact

    def open_loads(self, people: list[str]) -> dict[str, int]:
        """How many open cases each person holds."""
        if not people:
            return {}
        with self.sessions() as session:
            found = session.execute(
                select(Case.assignee, func.count())
                .where(
                    Case.assignee.in_(people),
                    Case.resolved_at.is_(None),
                    Case.closed_at.is_(None),
                )
                .group_by(Case.assignee)
            ).all()
        return {str(who): int(n) for who, n in found}

    def open_cases_of(
        self, people: list[str], limit: int
    ) -> list[tuple[str, str, str, str, str, str]]:
        """Open cases held by these people: (case id, workflow id, assignee,
        policy id, policy version, complaint type), oldest first."""
        if not people:
            return []
        with self.sessions() as session:
            found = session.execute(
                select(
                    Case.case_id,
                    Case.workflow_id,
                    Case.assignee,
                    Case.policy_id,
                    Case.policy_version,
                    Case.complaint_type,
                )
                .where(
                    Case.assignee.in_(people),
                    Case.resolved_at.is_(None),
                    Case.closed_at.is_(None),
                )
                .order_by(Case.id)
                .limit(limit)
            ).all()
        return [tuple(str(v) for v in row) for row in found]  # type: ignore[misc]

    # -- writes --------------------------------------------------------------

    def put_person(self, person: Person, actor: str) -> bool:
        def write(session: Session) -> bool:
            row = session.get(StaffPersonRow, person.principal_id)
            new = person.content()
            if row is not None and row.content == new:
                return False
            old = row.content if row is not None else None
            if row is None:
                session.add(
                    StaffPersonRow(principal_id=person.principal_id, content=new, updated_at=_now())
                )
            else:
                row.content = new
                row.updated_at = _now()
            self._append(session, actor, "person.put", f"person:{person.principal_id}", old, new)
            return True

        return self._retrying(write)

    def put_team(self, team: Team, actor: str) -> bool:
        def write(session: Session) -> bool:
            row = session.get(StaffTeamRow, team.name)
            new = team.content()
            if row is not None and row.content == new:
                return False
            old = row.content if row is not None else None
            if row is None:
                session.add(StaffTeamRow(name=team.name, content=new, updated_at=_now()))
            else:
                row.content = new
                row.updated_at = _now()
            self._append(session, actor, "team.put", f"team:{team.name}", old, new)
            return True

        return self._retrying(write)

    def record_absence(self, absence: Absence, idempotency_key: str) -> Absence:
        """The absence as recorded; the one already recorded under the same key."""

        def write(session: Session) -> Absence:
            if idempotency_key:
                existing = session.scalars(
                    select(StaffAbsenceRow).where(
                        StaffAbsenceRow.idempotency_key == idempotency_key
                    )
                ).first()
                if existing is not None:
                    return _absence(existing)
            absence_id = absence.absence_id or "AB-" + secrets.token_hex(8)
            row = StaffAbsenceRow(
                absence_id=absence_id,
                principal_id=absence.principal_id,
                starts_at=absence.starts_at,
                ends_at=absence.ends_at,
                reason=absence.reason,
                recorded_by=absence.recorded_by,
                idempotency_key=idempotency_key or None,
            )
            session.add(row)
            recorded = _absence(row)
            self._append(
                session,
                absence.recorded_by,
                "absence.recorded",
                f"absence:{absence_id}",
                None,
                recorded.content(),
            )
            return recorded

        return self._retrying(write)

    def absence(self, absence_id: str) -> Absence | None:
        with self.sessions() as session:
            row = session.get(StaffAbsenceRow, absence_id)
            return _absence(row) if row is not None else None

    def end_absence(self, absence_id: str, ends_at: datetime, actor: str) -> tuple[Absence, bool]:
        def write(session: Session) -> tuple[Absence, bool]:
            row = session.get(StaffAbsenceRow, absence_id)
            assert row is not None
            if row.ends_at is not None and row.ends_at <= ends_at:
                return _absence(row), False
            old = _absence(row).content()
            row.ends_at = max(ends_at, row.starts_at)
            ended = _absence(row)
            self._append(
                session, actor, "absence.ended", f"absence:{absence_id}", old, ended.content()
            )
            return ended, True

        return self._retrying(write)

    def next_turn(self, key: str) -> int:
        """Takes the next round-robin turn under `key` (0, 1, 2, ...): one
        UPDATE, so that two replicas never take the same turn."""
        with self.sessions.begin() as session:
            return _advance(session, key) - 1

    def _retrying(self, write: Any) -> Any:
        for attempt in range(5):
            try:
                with self.sessions.begin() as session:
                    # Writers of the directory take turns: the counter row
                    # TRAIL_LOCK is updated first, which holds its lock until
                    # commit, so each appends after the last one's entry.
                    _advance(session, TRAIL_LOCK)
                    return write(session)
            except IntegrityError:
                # Two first writers (or two new people of the same id) at once.
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _append(
        session: Session,
        actor: str,
        action: str,
        subject: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
    ) -> None:
        last = session.scalars(
            select(StaffChangeRow).order_by(StaffChangeRow.sequence.desc()).limit(1)
        ).first()
        sequence = (last.sequence if last else 0) + 1
        previous = last.hash if last else GENESIS
        recorded_at = _now()
        old_value, new_value = _dump(old), _dump(new)
        session.add(
            StaffChangeRow(
                sequence=sequence,
                recorded_at=recorded_at,
                actor=actor,
                action=action,
                subject=subject,
                old_value=old_value,
                new_value=new_value,
                hash=change_hash(
                    previous, sequence, recorded_at, actor, action, subject, old_value, new_value
                ),
            )
        )
        session.flush()


def _advance(session: Session, key: str) -> int:
    """Adds one to the counter `key` (made at 0 if missing) and answers the
    new count; the row stays locked until the transaction ends."""
    if session.get(RoutingCursor, key) is None:
        try:
            with session.begin_nested():
                session.add(RoutingCursor(key=key, turns=0))
        except IntegrityError:
            pass
    taken = session.execute(
        update(RoutingCursor)
        .where(RoutingCursor.key == key)
        .values(turns=RoutingCursor.turns + 1)
        .returning(RoutingCursor.turns)
    ).scalar_one()
    return int(taken)


def _absence(row: StaffAbsenceRow) -> Absence:
    return Absence(
        absence_id=row.absence_id,
        principal_id=row.principal_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        reason=row.reason,
        recorded_by=row.recorded_by,
    )


def _change(row: StaffChangeRow) -> StaffChange:
    return StaffChange(
        sequence=row.sequence,
        recorded_at=row.recorded_at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        old_value=row.old_value,
        new_value=row.new_value,
        hash=row.hash,
    )


def import_staff_file(store: StaffDirectoryStore, document: dict[str, Any]) -> int:
    """Brings the directory in line with a REDRESS_STAFF_FILE document (people
    and teams it names; nothing else is removed), as changes by "staff-file".
    Returns how many entries changed; none on a restart with the same file."""
    from redress.domain.staff_directory import DIGESTS

    compliance = {str(p) for p in document.get("compliance") or ()}
    changed = 0
    known = set(store.snapshot().people)
    for name, entry in (document.get("people") or {}).items():
        entry = entry or {}
        digest = str(entry.get("digest") or "")
        person = Person(
            principal_id=str(name),
            display_name=str(entry.get("display_name") or entry.get("name") or ""),
            email=str(entry.get("email") or ""),
            digest=digest if digest in DIGESTS else "",
            skills=tuple(str(s) for s in entry.get("skills") or ()),
            languages=tuple(str(s) for s in entry.get("languages") or ()),
            working_hours=str(entry.get("working_hours") or ""),
            capacity=int(entry.get("capacity") or 0),
            active=bool(entry.get("active", True)),
            compliance=str(name) in compliance,
        )
        changed += store.put_person(person, STAFF_FILE_ACTOR)
        known.add(str(name))
    # A team's members, lead and manager, and compliance, must be people: a
    # name the file uses only there is added as a person without an address.
    named_elsewhere = [
        str(who)
        for entry in (document.get("teams") or {}).values()
        for who in [
            *((entry or {}).get("members") or []),
            (entry or {}).get("lead"),
            (entry or {}).get("manager"),
        ]
        if who
    ] + sorted(compliance)
    for who in named_elsewhere:
        if who not in known:
            changed += store.put_person(
                Person(principal_id=who, compliance=who in compliance), STAFF_FILE_ACTOR
            )
            known.add(who)
    for team_name, entry in (document.get("teams") or {}).items():
        entry = entry or {}
        # As written: a file's lead need not be a member (PutTeam asks that),
        # so that alerts reach the same people as before the import.
        team = Team(
            name=str(team_name),
            lead=str(entry.get("lead") or ""),
            manager=str(entry.get("manager") or ""),
            members=tuple(str(m) for m in entry.get("members") or []),
            skills=tuple(str(s) for s in entry.get("skills") or ()),
        )
        changed += store.put_team(team, STAFF_FILE_ACTOR)
    return changed
