"""The staff directory: who staff are, which teams they form, how to reach them.

services/followup addresses alerts and digests through it; services/cases
reads its teams to limit what an agent sees. Both load the same file
(REDRESS_STAFF_FILE), so a team means the same people to each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redress.platform.requests import EMAIL

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
