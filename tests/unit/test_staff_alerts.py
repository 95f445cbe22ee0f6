"""Who hears about which case event, and the staff directory that says who people are."""

from __future__ import annotations

import json

import pytest

from redress.platform.staff import StaffDirectory
from services.followup.alerts import alerts_for

DIRECTORY = StaffDirectory.parse(
    {
        "people": {
            "alice": {"email": "alice@bank.test"},
            "bob": {"email": "bob@bank.test", "digest": "daily"},
            "lena": {"email": "lena@bank.test"},
            "mark": {"email": "mark@bank.test"},
            "cora": {"email": "cora@bank.test"},
        },
        "teams": {"disputes": {"members": ["alice", "bob"], "lead": "lena", "manager": "mark"}},
        "compliance": ["cora"],
    }
)
ROLES = DIRECTORY.roles()


def change(**fields: str) -> dict[str, str]:
    return {"case_id": "C-000042", "actor": "person:agent-7", **fields}


def who(event: str, **fields: str) -> list[str]:
    return [a.recipient for a in alerts_for(event, change(**fields), ROLES)]


def test_assignment_alerts_the_new_assignee_and_a_new_teams_lead():
    (alert,) = alerts_for("case.assigned", change(field="assignee", new="alice"), ROLES)
    assert (alert.recipient, alert.summary) == ("alice", "Case C-000042 was assigned to you")
    assert who("case.assigned", field="team", new="disputes") == ["lena"]
    assert who("case.assigned", field="assignee", new="") == []  # unassigned: nobody


def test_nobody_is_alerted_about_their_own_action():
    assert who("case.assigned", field="assignee", new="alice", actor="person:alice") == []


def test_high_priority_reaches_the_assignee_or_else_the_team_and_its_lead():
    assert who(
        "case.priority_changed", field="priority", new="urgent", assignee="alice", team="disputes"
    ) == ["alice", "lena"]
    assert who("case.priority_changed", field="priority", new="high", team="disputes") == [
        "team:disputes",
        "lena",
    ]
    assert who("case.priority_changed", field="priority", new="low", assignee="alice") == []


def test_warnings_go_to_the_handler_breaches_to_the_lead_as_well():
    assert who("clock.warning", field="clocks.resolution", assignee="alice", team="disputes") == [
        "alice"
    ]
    assert who("clock.warning", field="clocks.resolution", team="disputes") == ["lena"]
    breached = alerts_for(
        "clock.breached",
        change(field="clocks.fca_final_response", assignee="alice", team="disputes"),
        ROLES,
    )
    assert [a.recipient for a in breached] == ["alice", "lena"]
    assert breached[0].summary == "Case C-000042: the fca_final_response deadline was missed"


def test_an_escalation_notifies_the_roles_its_ladder_step_names():
    notified = who(
        "case.notification_requested",
        field="notify",
        new=json.dumps(["assignee", "team_lead", "manager", "compliance"]),
        assignee="alice",
        team="disputes",
        escalation_level="2",
    )
    assert notified == ["alice", "lena", "mark", "cora"]


def test_subtasks_alert_their_own_assignee_and_when_overdue_the_lead():
    task = json.dumps({"title": "Call the branch", "assignee": "bob", "team": "", "due_at": "x"})
    assert who("subtask.added", field="subtasks.C-000042-T1", subtask=task) == ["bob"]
    assert who("subtask.reminder", field="subtasks.C-000042-T1", subtask=task) == ["bob"]
    assert who("subtask.overdue", field="subtasks.C-000042-T1", subtask=task, team="disputes") == [
        "bob",
        "lena",
    ]


def test_a_subtask_without_an_assignee_alerts_its_team_else_the_cases_team():
    task = {"title": "Pull the call recording", "assignee": "", "team": "disputes", "due_at": "x"}
    (alert,) = alerts_for(
        "subtask.added", change(field="subtasks.C-000042-T2", subtask=json.dumps(task)), ROLES
    )
    assert alert.recipient == "team:disputes"
    assert alert.summary == (
        "Case C-000042: subtask 'Pull the call recording' is for team disputes, due x"
    )
    assert DIRECTORY.resolve(alert.recipient) == ["alice@bank.test", "bob@bank.test"]
    # No team of its own: the case's team hears about it.
    untouched = json.dumps({**task, "team": ""})
    assert who(
        "subtask.added", field="subtasks.C-000042-T2", subtask=untouched, team="disputes"
    ) == ["team:disputes"]
    assert who("subtask.added", field="subtasks.C-000042-T2", subtask=untouched) == []


def test_events_that_concern_no_one_raise_nothing():
    assert who("case.category_changed", field="category", new="fees", assignee="alice") == []
    assert who("message.sent", field="messages.M-1", assignee="alice") == []


def test_the_staff_directory_resolves_people_teams_and_addresses():
    assert DIRECTORY.resolve("alice") == ["alice@bank.test"]
    assert DIRECTORY.resolve("team:disputes") == ["alice@bank.test", "bob@bank.test"]
    assert DIRECTORY.resolve("ops@bank.test") == ["ops@bank.test"]
    assert DIRECTORY.resolve("nobody") == []
    assert DIRECTORY.digest_of("bob") == "daily" and DIRECTORY.digest_of("alice") == ""


def test_a_staff_directory_with_mistakes_is_refused_naming_each():
    with pytest.raises(ValueError) as err:
        StaffDirectory.parse(
            {
                "people": {"alice": {"email": "a@bank.test", "digest": "weekly"}},
                "teams": {"disputes": {"lead": "zoe"}},
            }
        )
    assert "people.alice.digest: one of hourly, daily, not 'weekly'" in str(err.value)
    assert "teams.disputes.lead: 'zoe' is not under people" in str(err.value)


def test_a_letter_given_up_alerts_the_handler_and_the_lead_or_else_compliance():
    handed_over = change(
        field="messages",
        new=json.dumps({"template": "final_response", "kind": "final_response"}),
        cause="could not prepare the final_response message: the case could not be read",
        actor="rule:followups.final_response",
        assignee="alice",
        team="disputes",
    )
    alerts = alerts_for("message.failed", handed_over, ROLES)
    assert [(a.recipient, a.summary) for a in alerts] == [
        ("alice", "Case C-000042: the final_response letter could not be sent"),
        ("lena", "Case C-000042: the final_response letter could not be sent"),
    ]
    assert alerts[0].detail.endswith("the case could not be read")
    # Given up by the delivery: the template comes first in the cause.
    assert [
        a.summary
        for a in alerts_for(
            "message.failed",
            change(
                field="messages.M-1",
                old="queued",
                new="failed",
                cause="acknowledgement v2 over email: given up after 12 attempts",
                team="disputes",
            ),
            ROLES,
        )
    ] == ["Case C-000042: the acknowledgement letter could not be sent"] * 1
    assert who("message.failed", field="messages", new="{}", cause="x") == ["cora"]


def test_an_unowned_step_alerts_the_role_it_names_and_compliance_for_a_case_without_a_team():
    def step(role: str) -> str:
        return json.dumps({"step": 1, "notify": role, "priority": "urgent"})

    assert who("case.unowned", team="disputes", new=step("lead")) == ["lena"]
    assert who("case.unowned", team="disputes", new=step("manager")) == ["mark"]
    assert who("case.unowned", team="disputes", new=step("compliance")) == ["cora"]
    assert who("case.unowned", team="disputes", new=step("team")) == ["team:disputes"]
    assert who("case.unowned", team="", new=step("lead")) == ["cora"]
    (alert,) = alerts_for("case.unowned", change(team="disputes", new=step("lead")), ROLES)
    assert alert.summary == "Case C-000042 is urgent priority and nobody owns it"


def test_a_reminder_alerts_the_person_it_is_for():
    reminder = json.dumps({"reminder_id": "C-000042-R1", "person": "alice", "text": "Call back"})
    (alert,) = alerts_for("case.reminder", change(new=reminder), ROLES)
    assert (alert.recipient, alert.summary) == ("alice", "Case C-000042: reminder: Call back")
