"""The one access decision (redress/platform/scope.py): who is limited, to what."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
import yaml

from redress.platform.auth import Principal, current_principal
from redress.platform.errors import NotFound, ServiceError
from redress.platform.scope import AgentScope, agent_scope
from redress.platform.settings import Env

TEAMS = {"disputes": {"members": ["dana", "ravi"], "lead": "lena"}, "retail": {"members": []}}


def person(name: str, *roles: str) -> Principal:
    return Principal(name, frozenset(roles))


def test_only_agents_without_a_wider_role_are_limited() -> None:
    scope = AgentScope.by_teams(TEAMS)
    dana = scope.of(person("dana", "agent"))
    assert dana is not None and dana.teams == {"disputes"}
    assert dana.allows("disputes", "sam") and dana.allows("retail", "dana")
    assert not dana.allows("retail", "omar") and not dana.allows("", "")
    for unlimited in (
        person("lena", "agent", "team_lead"),
        person("mark", "manager"),
        person("worker", "service"),
        person("web-form", "intake_client"),
        person("analyst", "reporting_reader"),
    ):
        assert scope.of(unlimited) is None, unlimited
    assert AgentScope().of(person("dana", "agent")) is None


def test_a_case_outside_the_callers_scope_is_not_found_as_a_missing_one() -> None:
    scope = AgentScope.by_teams(TEAMS)
    token = current_principal.set(person("dana", "agent"))
    try:
        scope.check("C-000001", "disputes", "")
        with pytest.raises(NotFound, match=r"^no case C-000002$"):
            scope.check("C-000002", "retail", "omar")
    finally:
        current_principal.reset(token)
    scope.check("C-000002", "retail", "omar")  # nobody signed in: not an agent


def test_reports_are_refused_to_limited_agents_only() -> None:
    scope = AgentScope.by_teams(TEAMS)
    with pytest.raises(ServiceError) as refused:
        scope.firm_wide_only(person("rita", "agent", "reporting_reader"), "GetTrends")
    assert refused.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert "REDRESS_AGENT_SCOPE=teams" in refused.value.message
    scope.firm_wide_only(person("analyst", "reporting_reader"), "GetTrends")
    AgentScope().firm_wide_only(person("rita", "agent", "reporting_reader"), "GetTrends")


def test_every_service_loads_the_scope_from_the_same_settings(tmp_path: Path) -> None:
    staff = tmp_path / "staff.yaml"
    people = {name: {"email": f"{name}@bank.test"} for name in ("dana", "ravi", "lena")}
    staff.write_text(yaml.safe_dump({"people": people, "teams": TEAMS}), encoding="utf-8")
    env = Env({"REDRESS_AGENT_SCOPE": "teams", "REDRESS_STAFF_FILE": str(staff)})
    assert agent_scope(env).teams_of == {"dana": {"disputes"}, "ravi": {"disputes"}}
    assert not env.problems, env.problems
    missing = Env({"REDRESS_AGENT_SCOPE": "teams"})
    agent_scope(missing)
    assert "needs REDRESS_STAFF_FILE" in missing.problems[0]
    assert agent_scope(Env({})).teams_of is None
