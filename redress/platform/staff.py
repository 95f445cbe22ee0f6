"""The staff directory: who staff are, which teams they form, how to reach them.

services/cases keeps it in the case database (PutPerson, PutTeam,
RecordAbsence; docs/staff.md) and imports REDRESS_STAFF_FILE into it at
startup. Every other process reads it through one `StaffDirectoryReader`:
services/followup addresses alerts and digests through it, services/cases
and services/reporting read its teams to limit what an agent sees, so that a
team means the same people to each. The reader fetches the directory from
the cases service (ListStaff) and refreshes it every 30 seconds; the file is
its fallback only while the cases service cannot be reached.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from redress.cases.v1 import cases_pb2
from redress.domain.staff_directory import Absence, Directory, Person, Team
from redress.platform.requests import EMAIL
from redress.platform.wire import from_timestamp, time_or_none, timestamp

log = logging.getLogger(__name__)
REFRESH_SECONDS = 30.0

# How often a person who chose a digest receives it.
DIGESTS = ("hourly", "daily")


class Roles:
    """Resolves escalation roles for a case through the staff directory."""

    def __init__(self, teams: dict[str, dict[str, Any]], compliance: list[str]) -> None:
        self.teams = teams
        self.compliance = compliance

    def lead(self, team: str) -> str:
        return str((self.teams.get(team) or {}).get("lead") or "")

    def manager(self, team: str) -> str:
        return str((self.teams.get(team) or {}).get("manager") or "")


@dataclass(frozen=True)
class StaffDirectory:
    """Who staff are and how to reach them: people by principal, teams by name.

    Read from the YAML file REDRESS_STAFF_FILE:
        people:
          alice: {email: alice@bank.example}
          bob: {email: bob@bank.example, digest: hourly}   # or daily
        teams: {complaints: {members: [alice, bob], lead: bob, manager: carol}}
        compliance: [carol]
    A person with a digest receives the alerts the platform raises on its own
    (assignments, warnings, breaches, escalations, subtasks) as one message
    per hour or per day instead of one message each.
    """

    people: dict[str, str]
    teams: dict[str, dict[str, Any]]
    digests: dict[str, str] = field(default_factory=dict)
    compliance: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: str) -> StaffDirectory:
        if not path:
            return cls({}, {})
        import yaml

        with open(path, encoding="utf-8") as f:
            try:
                document = yaml.safe_load(f) or {}
            except yaml.YAMLError as err:
                raise ValueError(f"not valid YAML: {err}") from None
        if not isinstance(document, dict):
            raise ValueError("a mapping with people, teams and compliance")
        return cls.parse(document, path)

    @classmethod
    def parse(cls, document: dict[str, Any], where: str = "staff directory") -> StaffDirectory:
        people: dict[str, str] = {}
        digests: dict[str, str] = {}
        problems: list[str] = []
        for name, entry in (document.get("people") or {}).items():
            entry = entry or {}
            people[str(name)] = str(entry.get("email", ""))
            digest = str(entry.get("digest") or "")
            if digest and digest not in DIGESTS:
                problems.append(
                    f"people.{name}.digest: one of {', '.join(DIGESTS)}, not {digest!r}"
                )
            elif digest:
                digests[str(name)] = digest
        teams = dict(document.get("teams") or {})
        for team, entry in teams.items():
            for role in ("lead", "manager"):
                who = (entry or {}).get(role)
                if who and str(who) not in people:
                    problems.append(f"teams.{team}.{role}: {who!r} is not under people")
        compliance = tuple(str(p) for p in document.get("compliance") or ())
        if problems:
            raise ValueError(f"{where}: " + "; ".join(problems))
        return cls(people, teams, digests, compliance)

    @classmethod
    def of(cls, directory: Directory) -> StaffDirectory:
        """The addressing view of a directory snapshot (inactive people get nothing)."""
        people = {p.principal_id: p.email for p in directory.people.values() if p.active}
        return cls(
            people,
            {
                t.name: {"members": list(t.members), "lead": t.lead, "manager": t.manager}
                for t in directory.teams.values()
            },
            {p.principal_id: p.digest for p in directory.people.values() if p.digest},
            tuple(sorted(p.principal_id for p in directory.people.values() if p.compliance)),
        )

    def roles(self) -> Roles:
        return Roles(self.teams, list(self.compliance))

    def digest_of(self, recipient: str) -> str:
        return self.digests.get(recipient.strip(), "")

    def resolve(self, recipient: str) -> list[str]:
        recipient = recipient.strip()
        if recipient.startswith("team:"):
            team = self.teams.get(recipient[5:]) or {}
            return [self.people[m] for m in team.get("members", []) if self.people.get(m)]
        if recipient in self.people:
            return [self.people[recipient]] if self.people[recipient] else []
        return [recipient] if EMAIL.match(recipient) else []


def person_message(person: Person) -> cases_pb2.StaffPerson:
    return cases_pb2.StaffPerson(**person.content())


def person_of(message: cases_pb2.StaffPerson) -> Person:
    return Person(
        principal_id=message.principal_id.strip(),
        display_name=message.display_name.strip(),
        email=message.email.strip(),
        digest=message.digest,
        skills=tuple(message.skills),
        languages=tuple(message.languages),
        working_hours=message.working_hours.strip(),
        capacity=message.capacity,
        active=message.active,
        compliance=message.compliance,
    )


def team_message(team: Team) -> cases_pb2.StaffTeam:
    return cases_pb2.StaffTeam(**team.content())


def team_of(message: cases_pb2.StaffTeam) -> Team:
    return Team(
        name=message.name.strip(),
        lead=message.lead.strip(),
        manager=message.manager.strip(),
        members=tuple(m.strip() for m in message.members),
        skills=tuple(message.skills),
    )


def absence_message(absence: Absence) -> cases_pb2.StaffAbsence:
    message = cases_pb2.StaffAbsence(
        absence_id=absence.absence_id,
        principal_id=absence.principal_id,
        starts_at=timestamp(absence.starts_at),
        reason=absence.reason,
        recorded_by=absence.recorded_by,
    )
    if absence.ends_at is not None:
        message.ends_at.CopyFrom(timestamp(absence.ends_at))
    return message


def absence_of(message: cases_pb2.StaffAbsence) -> Absence:
    return Absence(
        absence_id=message.absence_id,
        principal_id=message.principal_id,
        starts_at=from_timestamp(message.starts_at),
        ends_at=time_or_none(message.ends_at),
        reason=message.reason,
        recorded_by=message.recorded_by,
    )


def directory_of(response: cases_pb2.ListStaffResponse) -> Directory:
    return Directory(
        {p.principal_id: person_of(p) for p in response.people},
        {t.name: team_of(t) for t in response.teams},
        tuple(absence_of(a) for a in response.absences),
    )


class StaffDirectoryReader:
    """The directory as the cases service holds it, fetched every
    REFRESH_SECONDS and kept between fetches; `fallback` (the file) while
    the cases service has not answered yet or cannot be reached.

    Reads are plain attribute reads on the last snapshot, so callers use it
    as they used a StaffDirectory."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[Directory]] | None,
        fallback: StaffDirectory | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.fetch = fetch
        self.fallback = fallback or StaffDirectory({}, {})
        self.refresh_seconds = refresh_seconds
        self.current = self.fallback
        self.directory: Directory | None = None
        self.fetched_at = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def people(self) -> dict[str, str]:
        return self.current.people

    @property
    def teams(self) -> dict[str, dict[str, Any]]:
        return self.current.teams

    @property
    def digests(self) -> dict[str, str]:
        return self.current.digests

    @property
    def compliance(self) -> tuple[str, ...]:
        return self.current.compliance

    def roles(self) -> Roles:
        return self.current.roles()

    def digest_of(self, recipient: str) -> str:
        return self.current.digest_of(recipient)

    def resolve(self, recipient: str) -> list[str]:
        return self.current.resolve(recipient)

    async def refresh(self) -> bool:
        """Fetches the directory now; False (keeping what it had) when it cannot."""
        if self.fetch is None:
            return False
        try:
            directory = await self.fetch()
        except Exception as err:  # the cases service away: keep the last answer
            log.warning(
                "the staff directory could not be fetched; using the last one",
                extra={"fields": {"error": str(err)[:200]}},
            )
            return False
        self.directory = directory
        # An empty directory in the database (nothing imported, nothing put)
        # leaves the file's answer standing.
        self.current = StaffDirectory.of(directory) if directory.people else self.fallback
        self.fetched_at = time.monotonic()
        return True

    def start(self) -> None:
        if self.fetch is not None and self._task is None:
            self._task = asyncio.create_task(self._keep_fresh())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _keep_fresh(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.refresh_seconds)


def fetch_from_cases(
    stub: Any, api_key: str, timeout: float = 10
) -> Callable[[], Awaitable[Directory]]:
    """Fetches the directory with ListStaff from a CasesService stub."""
    metadata = (("authorization", f"Bearer {api_key}"),)

    async def fetch() -> Directory:
        response = await stub.ListStaff(
            cases_pb2.ListStaffRequest(), metadata=metadata, timeout=timeout
        )
        return directory_of(response)

    return fetch
