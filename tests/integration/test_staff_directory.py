"""The staff directory through the API, on the session platform: the staff
file imported at startup, people, teams and absences put and listed, every
change on the directory's hash-chained trail, and assignments to names the
directory does not know refused with the field named.

The platform starts with tests/staff.yaml (tests/conftest.py); the people
and teams added here are new, so that no other test's scope or alerts change.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.platform.errors import field_violations
from redress.platform.wire import timestamp
from tests.integration.test_followup import ROWS, file_complaint


def stub(channels: dict[str, grpc.Channel]) -> cases_pb2_grpc.CasesServiceStub:
    return cases_pb2_grpc.CasesServiceStub(channels["cases"])


def refused(call, request, admin) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as err:
        call(request, metadata=admin, timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    return {v.field: v.description for v in field_violations(err.value)}


def changes(cases: cases_pb2_grpc.CasesServiceStub, admin) -> cases_pb2.ListStaffChangesResponse:  # type: ignore[no-untyped-def]
    return cases.ListStaffChanges(
        cases_pb2.ListStaffChangesRequest(limit=500), metadata=admin, timeout=30
    )


def test_the_staff_file_is_imported_into_the_directory(channels, admin) -> None:
    cases = stub(channels)
    listed = cases.ListStaff(cases_pb2.ListStaffRequest(), metadata=admin, timeout=30)
    people = {p.principal_id: p for p in listed.people}
    assert people["dana"].email == "dana@bank.test"
    assert people["ravi"].digest == "hourly"
    assert people["mark"].compliance
    teams = {t.name: t for t in listed.teams}
    assert list(teams["disputes"].members) == ["dana", "ravi"]
    assert teams["disputes"].lead == "lena" and teams["disputes"].manager == "mark"
    trail = changes(cases, admin)
    assert trail.chain_intact
    imported = [c for c in trail.changes if c.subject == "person:dana"]
    assert imported[0].actor == "staff-file" and imported[0].old_value == ""
    assert json.loads(imported[0].new_value)["email"] == "dana@bank.test"


def test_people_and_teams_are_put_idempotently_with_their_changes_on_the_trail(
    channels, admin
) -> None:
    cases = stub(channels)
    zoe = f"zoe-{uuid.uuid4().hex[:6]}"
    person = cases_pb2.StaffPerson(
        principal_id=zoe,
        display_name="Zoe Adams",
        email=f"{zoe}@bank.test",
        languages=["en", "pt"],
        skills=["mortgages"],
        capacity=5,
        active=True,
    )
    put = cases.PutPerson(cases_pb2.PutPersonRequest(person=person), metadata=admin, timeout=30)
    assert put.changed
    again = cases.PutPerson(cases_pb2.PutPersonRequest(person=person), metadata=admin, timeout=30)
    assert not again.changed
    person.capacity = 8
    cases.PutPerson(cases_pb2.PutPersonRequest(person=person), metadata=admin, timeout=30)

    team = f"mortgages-{uuid.uuid4().hex[:6]}"
    put_team = cases.PutTeam(
        cases_pb2.PutTeamRequest(
            team=cases_pb2.StaffTeam(name=team, lead=zoe, manager="mark", members=[zoe])
        ),
        metadata=admin,
        timeout=30,
    )
    assert put_team.changed

    trail = changes(cases, admin)
    assert trail.chain_intact
    mine = [c for c in trail.changes if c.subject == f"person:{zoe}"]
    assert [c.action for c in mine] == ["person.put", "person.put"]
    assert all(c.actor == "local-admin" for c in mine)
    assert json.loads(mine[1].old_value)["capacity"] == 5
    assert json.loads(mine[1].new_value)["capacity"] == 8
    assert [c.subject for c in trail.changes].count(f"team:{team}") == 1
    sequences = [c.sequence for c in trail.changes]
    assert sequences == sorted(sequences)

    listed = cases.ListStaff(cases_pb2.ListStaffRequest(), metadata=admin, timeout=30)
    assert {p.principal_id: p.capacity for p in listed.people}[zoe] == 8
    assert {t.name: list(t.members) for t in listed.teams}[team] == [zoe]


def test_bad_people_teams_and_absences_are_refused_field_by_field(channels, admin) -> None:
    cases = stub(channels)
    bad_person = refused(
        cases.PutPerson,
        cases_pb2.PutPersonRequest(
            person=cases_pb2.StaffPerson(
                principal_id="x y",
                email="not-mail",
                digest="weekly",
                languages=["english!"],
                capacity=-1,
            )
        ),
        admin,
    )
    assert set(bad_person) == {
        "person.principal_id",
        "person.email",
        "person.digest",
        "person.languages[0]",
        "person.capacity",
    }
    bad_team = refused(
        cases.PutTeam,
        cases_pb2.PutTeamRequest(
            team=cases_pb2.StaffTeam(name="t1", lead="ravi", members=["dana", "dnaa"])
        ),
        admin,
    )
    assert "dana" in bad_team["team.members[1]"]
    assert "not a member" in bad_team["team.lead"]
    now = datetime.now(UTC)
    bad_absence = refused(
        cases.RecordAbsence,
        cases_pb2.RecordAbsenceRequest(
            principal_id="dana",
            starts_at=timestamp(now + timedelta(days=2)),
            ends_at=timestamp(now + timedelta(days=1)),
        ),
        admin,
    )
    assert bad_absence == {"ends_at": "must be after starts_at"}
    unknown = refused(
        cases.RecordAbsence, cases_pb2.RecordAbsenceRequest(principal_id="rav"), admin
    )
    assert "ravi" in unknown["principal_id"]


def test_absences_are_recorded_once_per_key_listed_and_ended(channels, admin) -> None:
    cases = stub(channels)
    zed = f"zed-{uuid.uuid4().hex[:6]}"
    cases.PutPerson(
        cases_pb2.PutPersonRequest(person=cases_pb2.StaffPerson(principal_id=zed, active=True)),
        metadata=admin,
        timeout=30,
    )
    key = uuid.uuid4().hex
    request = cases_pb2.RecordAbsenceRequest(principal_id=zed, reason="leave", idempotency_key=key)
    first = cases.RecordAbsence(request, metadata=admin, timeout=30).absence
    second = cases.RecordAbsence(request, metadata=admin, timeout=30).absence
    assert first.absence_id == second.absence_id
    listed = cases.ListStaff(cases_pb2.ListStaffRequest(), metadata=admin, timeout=30)
    assert [a.absence_id for a in listed.absences if a.principal_id == zed] == [first.absence_id]
    ended = cases.EndAbsence(
        cases_pb2.EndAbsenceRequest(absence_id=first.absence_id), metadata=admin, timeout=30
    )
    assert ended.changed and ended.absence.HasField("ends_at")
    listed = cases.ListStaff(cases_pb2.ListStaffRequest(), metadata=admin, timeout=30)
    assert not [a for a in listed.absences if a.principal_id == zed]
    actions = [
        c.action
        for c in changes(cases, admin).changes
        if c.subject == f"absence:{first.absence_id}"
    ]
    assert actions == ["absence.recorded", "absence.ended"]


def test_assignments_to_unknown_people_or_teams_are_refused_naming_the_closest(
    channels, admin
) -> None:
    cases = stub(channels)
    case_id = file_complaint(channels, admin, ROWS[3])
    violations = refused(
        cases.AssignCase,
        cases_pb2.AssignCaseRequest(case_id=case_id, assignee="dnaa", team="dispute"),
        admin,
    )
    assert "dana" in violations["assignee"] and "no such person" in violations["assignee"]
    assert "disputes" in violations["team"]
    subtask = refused(
        cases.AddSubtask,
        cases_pb2.AddSubtaskRequest(case_id=case_id, title="call back", assignee="ravy"),
        admin,
    )
    assert "ravi" in subtask["assignee"]
    case = cases.GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=30)
    assert case.case.assignee == ""
    assigned = cases.AssignCase(
        cases_pb2.AssignCaseRequest(case_id=case_id, assignee="sam", team="retail"),
        metadata=admin,
        timeout=30,
    )
    assert assigned.case.assignee == "sam"
