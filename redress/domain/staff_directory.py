"""The staff directory's rules: who a person and a team may be, and what a
name given for an assignment must match.

Pure: services/cases keeps the directory in its database and checks every
change here; routing (redress/domain/routing.py) reads a `Directory`
snapshot.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# How often a person who chose a digest receives it.
DIGESTS = ("hourly", "daily")
PRINCIPAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
TEAM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
TAG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,49}$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
# "Mon-Fri 09:00-17:00" (days optional), or a calendar's name.
HOURS = re.compile(
    r"^((Mon|Tue|Wed|Thu|Fri|Sat|Sun)(-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? )?"
    r"([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$"
)
CALENDAR_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_CAPACITY = 10_000


@dataclass(frozen=True)
class Person:
    principal_id: str
    display_name: str = ""
    email: str = ""
    digest: str = ""
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    # A business calendar's name, or "Mon-Fri 09:00-17:00".
    working_hours: str = ""
    # The most open cases routing gives them; 0: no limit.
    capacity: int = 0
    active: bool = True
    compliance: bool = False

    def content(self) -> dict[str, Any]:
        return {
            "principal_id": self.principal_id,
            "display_name": self.display_name,
            "email": self.email,
            "digest": self.digest,
            "skills": list(self.skills),
            "languages": list(self.languages),
            "working_hours": self.working_hours,
            "capacity": self.capacity,
            "active": self.active,
            "compliance": self.compliance,
        }

    @classmethod
    def of(cls, content: dict[str, Any]) -> Person:
        return cls(
            principal_id=str(content.get("principal_id", "")),
            display_name=str(content.get("display_name", "")),
            email=str(content.get("email", "")),
            digest=str(content.get("digest", "")),
            skills=tuple(str(s) for s in content.get("skills") or ()),
            languages=tuple(str(s) for s in content.get("languages") or ()),
            working_hours=str(content.get("working_hours", "")),
            capacity=int(content.get("capacity") or 0),
            active=bool(content.get("active", True)),
            compliance=bool(content.get("compliance", False)),
        )

    def speaks(self, language: str) -> bool:
        """Whether they answer in `language` ("pt" matches "pt-BR" and back)."""
        wanted = language.lower().split("-")[0]
        return any(spoken.lower().split("-")[0] == wanted for spoken in self.languages)


@dataclass(frozen=True)
class Team:
    name: str
    lead: str = ""
    manager: str = ""
    members: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()

    def content(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lead": self.lead,
            "manager": self.manager,
            "members": list(self.members),
            "skills": list(self.skills),
        }

    @classmethod
    def of(cls, content: dict[str, Any]) -> Team:
        return cls(
            name=str(content.get("name", "")),
            lead=str(content.get("lead", "")),
            manager=str(content.get("manager", "")),
            members=tuple(str(m) for m in content.get("members") or ()),
            skills=tuple(str(s) for s in content.get("skills") or ()),
        )


@dataclass(frozen=True)
class Absence:
    absence_id: str
    principal_id: str
    starts_at: datetime
    # None: until ended.
    ends_at: datetime | None = None
    reason: str = ""
    recorded_by: str = ""

    def covers(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)

    def content(self) -> dict[str, Any]:
        return {
            "absence_id": self.absence_id,
            "principal_id": self.principal_id,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat() if self.ends_at else "",
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Directory:
    """A snapshot: everyone, every team, and the absences not over."""

    people: dict[str, Person] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    absences: tuple[Absence, ...] = ()

    def absence_of(self, principal_id: str, now: datetime) -> Absence | None:
        for absence in self.absences:
            if absence.principal_id == principal_id and absence.covers(now):
                return absence
        return None

    def checks_names(self) -> bool:
        """Assignments are checked against the directory once it holds anyone."""
        return bool(self.people)

    def unknown_person(self, name: str) -> str:
        """Why `name` cannot be given work; "" when it can."""
        if not name or not self.checks_names():
            return ""
        person = self.people.get(name)
        if person is None:
            return "no such person in the staff directory" + closest(name, self.people)
        if not person.active:
            return f"{name} is inactive in the staff directory"
        return ""

    def unknown_team(self, name: str) -> str:
        if not name or not self.checks_names() or name in self.teams:
            return ""
        return "no such team in the staff directory" + closest(name, self.teams)


def closest(name: str, known: Any) -> str:
    """ "; did you mean a, b?" with the closest known names, or a list of a few."""
    names = sorted(str(k) for k in known)
    near = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    if near:
        return "; did you mean " + ", ".join(near) + "?"
    if names:
        return "; known: " + ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    return ""


Problems = list[tuple[str, str]]


def person_problems(person: Person, prefix: str = "person") -> Problems:
    """Field-by-field problems of a person as given."""
    found: Problems = []

    def add(name: str, message: str) -> None:
        found.append((f"{prefix}.{name}", message))

    if not person.principal_id:
        add("principal_id", "required: the principal id they sign in with")
    elif not PRINCIPAL.match(person.principal_id):
        add("principal_id", 'letters, digits, ".", "_", "-", "@"; at most 100 characters')
    if len(person.display_name) > 200 or any(c in person.display_name for c in "\r\n\t"):
        add("display_name", "one line of at most 200 characters")
    if person.email and not EMAIL.match(person.email):
        add("email", f"not an e-mail address: {person.email!r}")
    if person.digest and person.digest not in DIGESTS:
        add("digest", f"one of {', '.join(DIGESTS)}, or empty; not {person.digest!r}")
    for i, skill in enumerate(person.skills):
        if not TAG.match(skill):
            add(f"skills[{i}]", f"lower-case letters, digits, '_', '-', '.'; not {skill!r}")
    if len(set(person.skills)) != len(person.skills):
        add("skills", "each skill once")
    for i, language in enumerate(person.languages):
        if not LANGUAGE.match(language):
            add(f"languages[{i}]", f'a language tag such as "en" or "pt-BR", not {language!r}')
    if person.working_hours and not (
        HOURS.match(person.working_hours) or CALENDAR_NAME.match(person.working_hours)
    ):
        add("working_hours", 'a calendar\'s name or hours such as "Mon-Fri 09:00-17:00"')
    if not 0 <= person.capacity <= MAX_CAPACITY:
        add("capacity", f"0 (no limit) to {MAX_CAPACITY} open cases")
    return found


def team_problems(team: Team, directory: Directory, prefix: str = "team") -> Problems:
    """Field-by-field problems of a team against the people in `directory`."""
    found: Problems = []

    def add(name: str, message: str) -> None:
        found.append((f"{prefix}.{name}", message))

    if not team.name:
        add("name", "required")
    elif not TEAM_NAME.match(team.name):
        add("name", 'letters, digits, ".", "_", "-"; at most 100 characters')
    for i, member in enumerate(team.members):
        if member not in directory.people:
            add(f"members[{i}]", f"{member!r}: no such person" + closest(member, directory.people))
    if len(set(team.members)) != len(team.members):
        add("members", "each person once")
    if team.lead and team.lead not in team.members:
        add("lead", f"{team.lead!r} is not a member of the team; add them to members")
    if team.manager and team.manager not in directory.people:
        add(
            "manager",
            f"{team.manager!r}: no such person" + closest(team.manager, directory.people),
        )
    for i, skill in enumerate(team.skills):
        if not TAG.match(skill):
            add(f"skills[{i}]", f"lower-case letters, digits, '_', '-', '.'; not {skill!r}")
    return found


def absence_problems(absence: Absence, directory: Directory) -> Problems:
    found: Problems = []
    if not absence.principal_id:
        found.append(("principal_id", "required"))
    elif absence.principal_id not in directory.people:
        found.append(
            (
                "principal_id",
                "no such person in the staff directory"
                + closest(absence.principal_id, directory.people),
            )
        )
    if absence.ends_at is not None and absence.ends_at <= absence.starts_at:
        found.append(("ends_at", "must be after starts_at"))
    if len(absence.reason) > 200:
        found.append(("reason", "at most 200 characters"))
    return found
