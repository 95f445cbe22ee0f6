"""REDRESS_AGENT_SCOPE=teams: an agent sees and works only their teams' cases
and their own; team leads and everyone above see all.

A second cases service, set up that way, serves the session platform's case
database beside the first one; the staff directory is the one the follow-up
service uses (tests/conftest.py: dana and ravi in `disputes`, led by lena).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import grpc
import pytest

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.devstack.platform import LocalPlatform, start_on_own_ports
from tests.conftest import bearer, followup_env
from tests.e2e.test_submit_end_to_end import ROWS, complaint, submit

KEYS = {
    "dana": ("agent", "dana-scope-key-0123456789"),
    "lena": ("team_lead", "lena-scope-key-0123456789"),
}


@pytest.fixture(scope="module")
def scoped(platform: LocalPlatform) -> Iterator[cases_pb2_grpc.CasesServiceStub]:
    keys = platform.data_dir / "scope-api-keys.txt"
    keys.write_text(
        (platform.data_dir / "api-keys.txt").read_text()
        + "".join(f"{key} {name} {role}\n" for name, (role, key) in KEYS.items())
    )
    env = {
        **platform.env(),
        "REDRESS_API_KEYS_FILE": str(keys),
        "REDRESS_MIGRATE_ON_START": "false",
        "REDRESS_AGENT_SCOPE": "teams",
        "REDRESS_STAFF_FILE": followup_env(platform)["REDRESS_STAFF_FILE"],
    }
    process, addresses = start_on_own_ports(platform.supervisor, "cases-scoped", "cases", env)
    try:
        with grpc.insecure_channel(addresses["REDRESS_CASES_LISTEN"]) as channel:
            yield cases_pb2_grpc.CasesServiceStub(channel)
    finally:
        platform.supervisor.stop(process)


def test_an_agent_sees_and_works_only_their_teams_cases_and_their_own(
    platform: LocalPlatform, channels, admin, scoped: cases_pb2_grpc.CasesServiceStub
) -> None:
    marker = uuid.uuid4().hex[:10]
    filed = []
    for row in ROWS[:3]:
        request = complaint(row)
        request.narrative += f" Reference {marker}."
        filed.append(submit(channels, admin, request).case_id)
    team_case, own_case, other_case = filed
    cases = cases_pb2_grpc.CasesServiceStub(channels["cases"])
    for case_id, assignee, team in (
        (team_case, "sam", "disputes"),
        (own_case, "dana", "retail"),
        (other_case, "omar", "retail"),
    ):
        cases.AssignCase(
            cases_pb2.AssignCaseRequest(case_id=case_id, assignee=assignee, team=team),
            metadata=admin,
            timeout=30,
        )

    dana = bearer(KEYS["dana"][1])
    listed = scoped.ListCases(cases_pb2.ListCasesRequest(text=marker), metadata=dana, timeout=30)
    assert sorted(c.case_id for c in listed.cases) == sorted([team_case, own_case])
    assert (
        scoped.GetCase(
            cases_pb2.GetCaseRequest(case_id=team_case), metadata=dana, timeout=30
        ).case.team
        == "disputes"
    )
    # Outside her scope a case is answered as if it did not exist, for reading
    # and for working it alike.
    for method, request in (
        ("GetCase", cases_pb2.GetCaseRequest(case_id=other_case)),
        ("ListAuditEvents", cases_pb2.ListAuditEventsRequest(case_id=other_case)),
        ("AddNote", cases_pb2.AddNoteRequest(case_id=other_case, body="not my case")),
        (
            "LinkCases",
            cases_pb2.LinkCasesRequest(
                case_id=own_case,
                kind=cases_pb2.LINK_KIND_RELATED_TO,
                other_case_id=other_case,
            ),
        ),
    ):
        with pytest.raises(grpc.RpcError) as err:
            getattr(scoped, method)(request, metadata=dana, timeout=30)
            pytest.fail(f"{method} answered")
        assert err.value.code() == grpc.StatusCode.NOT_FOUND, method
        assert err.value.details() == f"no case {other_case}", method
    # Asked by its workflow's id (as the Temporal UI shows it), a case in her
    # scope is found, and one outside is answered without naming it.
    workflow_of = {
        case_id: cases.GetCase(
            cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=30
        ).case.workflow_id
        for case_id in (team_case, other_case)
    }
    by_workflow = scoped.GetCase(
        cases_pb2.GetCaseRequest(workflow_id=workflow_of[team_case]), metadata=dana, timeout=30
    )
    assert by_workflow.case.case_id == team_case
    with pytest.raises(grpc.RpcError) as err:
        scoped.GetCase(
            cases_pb2.GetCaseRequest(workflow_id=workflow_of[other_case]), metadata=dana, timeout=30
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert err.value.details() == f"no case for workflow {workflow_of[other_case]!r}"
    assert other_case not in err.value.details()
    added = scoped.AddNote(
        cases_pb2.AddNoteRequest(case_id=own_case, body="called the customer back"),
        metadata=dana,
        timeout=30,
    )
    assert added.note.author == "dana"

    # Her team lead, and the administrator, see every case.
    for who in (bearer(KEYS["lena"][1]), admin):
        everyone = scoped.ListCases(
            cases_pb2.ListCasesRequest(text=marker), metadata=who, timeout=30
        )
        assert sorted(c.case_id for c in everyone.cases) == sorted(filed)


def test_team_scope_without_a_staff_directory_is_refused_at_start(platform: LocalPlatform) -> None:
    env = {
        **platform.env(),
        "REDRESS_AGENT_SCOPE": "teams",
        "REDRESS_STAFF_FILE": "",
        "REDRESS_MIGRATE_ON_START": "false",
    }
    started = subprocess.run(
        [sys.executable, "-m", "services.cases"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "REDRESS_AGENT_SCOPE=teams needs REDRESS_STAFF_FILE" in started.stderr


def test_a_callers_cases_are_found_by_contact_within_the_agents_scope(
    platform: LocalPlatform, channels, admin, scoped: cases_pb2_grpc.CasesServiceStub
) -> None:
    # What the console's hotline form asks before filing (ListCasesRequest.contact).
    tag = uuid.uuid4().hex[:10]
    email, crm = f"caller-{tag}@example.com", f"CRM-{tag}"
    phone = f"+44 20 {uuid.uuid4().int % 10**8:08d}"
    filed = []
    for row in ROWS[:2]:
        request = complaint(row)
        request.customer.email, request.customer.phone = email, phone
        request.customer.external_ref = crm
        filed.append(submit(channels, admin, request).case_id)
    team_case, other_case = filed
    cases = cases_pb2_grpc.CasesServiceStub(channels["cases"])
    for case_id, team in ((team_case, "disputes"), (other_case, "retail")):
        cases.AssignCase(
            cases_pb2.AssignCaseRequest(case_id=case_id, assignee="omar", team=team),
            metadata=admin,
            timeout=30,
        )

    def found(stub: cases_pb2_grpc.CasesServiceStub, key: str, contact: str) -> set[str]:
        listed = stub.ListCases(
            cases_pb2.ListCasesRequest(contact=contact), metadata=bearer(key), timeout=30
        )
        return {c.case_id for c in listed.cases}

    for contact in (email.upper(), phone, crm):
        assert found(scoped, KEYS["lena"][1], contact) == {team_case, other_case}, contact
        assert found(scoped, KEYS["dana"][1], contact) == {team_case}, contact
    assert not found(scoped, KEYS["lena"][1], f"nobody-{tag}@example.com")
    with pytest.raises(grpc.RpcError) as err:
        scoped.ListCases(cases_pb2.ListCasesRequest(contact="x" * 321), metadata=admin, timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
