"""Which cases an agent may see.

By default every handler sees every case. A deployment that sets
REDRESS_AGENT_SCOPE=teams limits people whose only handling role is `agent`
to the cases of their teams (from the staff directory, REDRESS_STAFF_FILE)
and the cases assigned to them. Team leads, managers, administrators,
auditors and services are never limited. A case outside an agent's scope is
answered as if it did not exist (NOT_FOUND), so its existence is not told
either.
"""

from __future__ import annotations

from dataclasses import dataclass

from redress.platform.auth import Principal

SCOPES = ("all", "teams")
UNLIMITED_ROLES = frozenset({"team_lead", "manager", "administrator", "auditor", "service"})


@dataclass(frozen=True)
class Visible:
    """What one agent may see: their teams' cases and their own."""

    teams: frozenset[str]
    person: str

    def allows(self, team: str, assignee: str) -> bool:
        return (bool(team) and team in self.teams) or (bool(assignee) and assignee == self.person)


@dataclass(frozen=True)
class AgentScope:
    # person -> the teams they are a member of; None: agents see every case.
    teams_of: dict[str, frozenset[str]] | None = None

    @classmethod
    def by_teams(cls, teams: dict[str, dict[str, object]]) -> AgentScope:
        """From the staff directory's `teams:` (members, lead, manager)."""
        teams_of: dict[str, set[str]] = {}
        for team, entry in teams.items():
            members = (entry or {}).get("members") or []
            for person in members if isinstance(members, list) else []:
                teams_of.setdefault(str(person), set()).add(str(team))
        return cls({person: frozenset(t) for person, t in teams_of.items()})

    def of(self, principal: Principal) -> Visible | None:
        """None when the principal sees every case."""
        if self.teams_of is None or principal.roles & UNLIMITED_ROLES:
            return None
        return Visible(self.teams_of.get(principal.id, frozenset()), principal.id)
