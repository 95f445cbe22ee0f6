"""Who may see and act on which case: the one access decision every service asks.

By default every handler sees every case. A deployment that sets
REDRESS_AGENT_SCOPE=teams limits people who hold the `agent` role and none
of the unlimited ones to the cases of their teams (from the staff directory,
REDRESS_STAFF_FILE) and the cases assigned to them. Team leads, managers,
administrators, auditors and services are never limited; neither are callers
that are not agents at all (channel adapters, reporting readers), whose
roles already say what they may call.

Every service loads the scope the same way (`agent_scope(env)`) and answers
a case outside the caller's scope as if it did not exist (`NotFound`, "no
case <id>"), so that its existence is not told either. What each service
answers is in docs/deployment.md, "Security notes".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import grpc

from redress.platform.auth import Principal, current_principal
from redress.platform.errors import NotFound, ServiceError
from redress.platform.settings import Env
from redress.platform.staff import StaffDirectory, StaffDirectoryReader

SCOPES = ("all", "teams")
LIMITED_ROLE = "agent"
UNLIMITED_ROLES = frozenset({"team_lead", "manager", "administrator", "auditor", "service"})


@dataclass(frozen=True)
class Visible:
    """What one agent may see: their teams' cases and their own."""

    teams: frozenset[str]
    person: str

    def allows(self, team: str, assignee: str) -> bool:
        return (bool(team) and team in self.teams) or (bool(assignee) and assignee == self.person)


def case_not_found(case_id: str) -> NotFound:
    """The answer for a case that does not exist or is outside the caller's scope."""
    return NotFound(f"no case {case_id}")


def teams_by_person(teams: dict[str, dict[str, object]]) -> dict[str, frozenset[str]]:
    """From the staff directory's `teams:` (members, lead, manager)."""
    teams_of: dict[str, set[str]] = {}
    for team, entry in teams.items():
        members = (entry or {}).get("members") or []
        for person in members if isinstance(members, list | tuple) else []:
            teams_of.setdefault(str(person), set()).add(str(team))
    return {person: frozenset(t) for person, t in teams_of.items()}


@dataclass(frozen=True)
class AgentScope:
    # person -> the teams they are a member of; None: agents see every case.
    teams_of: dict[str, frozenset[str]] | None = None
    # When limited: the live directory (the cases service's), whose teams
    # replace `teams_of` (the file's) as soon as it has answered.
    live: StaffDirectoryReader | None = None

    @classmethod
    def by_teams(cls, teams: dict[str, dict[str, object]]) -> AgentScope:
        return cls(teams_by_person(teams))

    def with_directory(self, reader: StaffDirectoryReader) -> AgentScope:
        """The same scope, reading teams from the live directory."""
        if self.teams_of is None:
            return self
        return dataclasses.replace(self, live=reader)

    def _teams_of(self) -> dict[str, frozenset[str]] | None:
        if self.teams_of is None:
            return None
        if self.live is not None and self.live.directory is not None:
            return teams_by_person(self.live.teams)
        return self.teams_of

    def of(self, principal: Principal) -> Visible | None:
        """None when the principal is not limited to some cases."""
        teams_of = self._teams_of()
        if (
            teams_of is None
            or LIMITED_ROLE not in principal.roles
            or principal.roles & UNLIMITED_ROLES
        ):
            return None
        return Visible(teams_of.get(principal.id, frozenset()), principal.id)

    def limits(self) -> Visible | None:
        """What the caller of the current call may see; None: every case."""
        return self.of(current_principal.get())

    def firm_wide_refusal(self, principal: Principal) -> str:
        """Why a limited principal may not read what covers every case (reporting's
        figures, drill-downs and exports); "" for everyone else."""
        if self.of(principal) is None:
            return ""
        return (
            f"{principal.id} is limited to their teams' cases (REDRESS_AGENT_SCOPE=teams), "
            "and reports cover every case; read reports with a key that does not carry "
            "the agent role"
        )

    def firm_wide_only(self, principal: Principal, method: str) -> None:
        """An admission check (redress/platform/serving.py) for a service whose
        every method reads across all cases: PERMISSION_DENIED for limited callers."""
        refusal = self.firm_wide_refusal(principal)
        if refusal:
            raise ServiceError(grpc.StatusCode.PERMISSION_DENIED, refusal)

    def check(self, case_id: str, team: str, assignee: str) -> None:
        """NOT_FOUND, worded as for a missing case, when the caller of the
        current call may not see the case held by `team` and `assignee`."""
        visible = self.limits()
        if visible is not None and not visible.allows(team, assignee):
            raise case_not_found(case_id)


def agent_scope(env: Env) -> AgentScope:
    """REDRESS_AGENT_SCOPE=teams: agents see their teams' cases (REDRESS_STAFF_FILE).

    Every service that serves case data reads it, so that a team means the
    same people to each."""
    scope = env.choice("REDRESS_AGENT_SCOPE", "all", SCOPES)
    if scope == "all":
        return AgentScope()
    staff_file = env.string("REDRESS_STAFF_FILE", "")
    if not staff_file:
        env.problems.append(
            "REDRESS_AGENT_SCOPE=teams needs REDRESS_STAFF_FILE, the staff directory that "
            "says who is in which team"
        )
        return AgentScope()
    try:
        return AgentScope.by_teams(StaffDirectory.load(staff_file).teams)
    except (OSError, ValueError) as err:
        env.problems.append(f"REDRESS_STAFF_FILE={staff_file!r}: {err}")
        return AgentScope()
