"""The letters a complaint sends by itself and when: the acknowledgement and
what its delivery does, progress updates, chasers and the auto-close after
them, the satisfaction survey, and follow-ups people schedule; and the case
events each recorded change becomes."""

from __future__ import annotations

from datetime import timedelta

from redress.domain import complaint_schedule as schedule
from redress.domain.complaint import Complaint
from redress.domain.complaint_commands import (
    AddSubtaskCommand,
    ScheduleFollowupCommand,
    TransitionCommand,
)
from redress.domain.complaint_state import MessageEvent, MessageQueued, MessageRequest
from tests.unit.complaints import audit, london, received

MONDAY = london(2027, 3, 1, 10, 0)
TUESDAY = london(2027, 3, 2, 10, 0)


def letters(complaint: Complaint) -> list[tuple[str, dict[str, str]]]:
    """(template, extra) of each message waiting in the outbox."""
    return [(i.message.template_name, i.message.extra) for i in complaint.state.outbox if i.message]


def followups_due(complaint: Complaint) -> list[tuple[str, str]]:
    return [(e.at.isoformat(), e.clock) for e in schedule.followup_events(complaint)]


def waiting_on_the_customer(since: str = "") -> Complaint:
    complaint = received(MONDAY)
    for stage in ("triage", "assigned", "investigating", "awaiting_customer"):
        complaint.transition(TransitionCommand("h", stage), TUESDAY)
    audit(complaint)
    complaint.state.outbox.clear()
    return complaint


def test_the_acknowledgement_is_requested_on_receipt() -> None:
    complaint = received(MONDAY)
    assert letters(complaint) == [("acknowledgement", {})]
    [created, acknowledgement] = complaint.state.outbox
    assert [e.event_type for e in created.events] == ["case.created"]
    assert acknowledgement.message is not None
    assert acknowledgement.message.idempotency_key == "complaint-key-1/message/1"


def test_a_delivered_acknowledgement_moves_the_case_on_once() -> None:
    complaint = received(MONDAY)
    request = complaint.state.outbox[1].message
    assert request is not None
    complaint.message_queued(request, MessageQueued("M-1", "queued", "acknowledgement", 3))
    sent = MessageEvent(
        "M-1", "sent", template_name="acknowledgement", template_version=3, channel="email"
    )
    assert complaint.message_event(sent, MONDAY + timedelta(minutes=5)) == "delivery"
    assert complaint.message_event(sent, MONDAY + timedelta(minutes=6)) == "repeated"
    drafts = audit(complaint)
    assert [(d.action, d.new_value) for d in drafts[:3]] == [
        ("message.queued", drafts[0].new_value),
        ("message.sent", "sent"),
        ("case.stage_changed", "acknowledged"),
    ]
    assert drafts[0].cause == "acknowledgement follow-up"
    assert drafts[2].cause == "the acknowledgement message was sent"
    assert drafts[2].actor_id == "followups.acknowledgement.then_stage"
    assert complaint.state.stage == "acknowledged"


def test_a_phone_call_handed_off_does_not_count_as_an_acknowledgement() -> None:
    complaint = received(MONDAY)
    complaint.state.followup_messages["M-1"] = "acknowledgement"
    handed_off = MessageEvent("M-1", "handed_off", template_name="acknowledgement", channel="phone")
    complaint.message_event(handed_off, MONDAY)
    assert complaint.state.stage == "received"


def test_a_message_the_follow_up_service_refuses_is_recorded_as_failed() -> None:
    complaint = received(MONDAY)
    request = complaint.state.outbox[1].message
    assert isinstance(request, MessageRequest)
    complaint.state.outbox.pop(0)
    complaint.message_not_queued(request, "no template acknowledgement in cy")
    [failed] = audit(complaint)
    assert (failed.action, failed.field, failed.actor_id) == (
        "message.failed",
        "messages",
        "followups.acknowledgement",
    )
    assert failed.cause == (
        "could not prepare the acknowledgement message: no template acknowledgement in cy"
    )


def test_a_bounce_reported_by_the_mail_gateway() -> None:
    complaint = received(MONDAY)
    bounce = MessageEvent(
        "M-1",
        "failed",
        template_name="acknowledgement",
        template_version=3,
        channel="email",
        detail="550 no such user",
        reported=True,
    )
    assert complaint.message_event(bounce, MONDAY) == "recorded"
    [bounced] = audit(complaint)
    assert (bounced.action, bounced.actor_kind, bounced.actor_id) == (
        "message.bounced",
        "service",
        "mail-gateway",
    )
    assert bounced.cause == "acknowledgement v3 over email: 550 no such user"


def test_progress_updates_every_fourteen_days_while_open() -> None:
    complaint = received(MONDAY)
    assert followups_due(complaint) == [("2027-03-15T10:00:00+00:00", "followup:progress_update")]
    complaint.fire_due_events(london(2027, 3, 15, 10, 0))
    assert ("progress_update", {}) in letters(complaint)
    assert followups_due(complaint)[0] == (
        "2027-03-29T10:00:00+01:00",
        "followup:progress_update",
    )


def test_chasers_then_the_case_closes_itself() -> None:
    complaint = waiting_on_the_customer()
    # While the case waits on the customer they are chased, not updated.
    assert followups_due(complaint) == [("2027-03-09T10:00:00+00:00", "followup:chasers")]
    complaint.fire_due_events(london(2027, 3, 9, 10, 0))
    assert letters(complaint) == [("reminder", {})]
    complaint.fire_due_events(london(2027, 3, 16, 10, 0))
    # The last reminder says when the case will close.
    assert letters(complaint)[-1] == ("reminder", {"close_after": "2027-03-23"})
    audit(complaint)
    complaint.fire_due_events(london(2027, 3, 23, 10, 0))
    closed = audit(complaint)[0]
    assert (closed.action, closed.old_value, closed.new_value) == (
        "case.stage_changed",
        "awaiting_customer",
        "closed",
    )
    assert closed.cause == "no reply from the customer after 2 reminders"
    assert closed.actor_id == "followups.chasers"
    assert complaint.state.closed_at == london(2027, 3, 23, 10, 0)
    # A week after closing: the satisfaction survey.
    assert followups_due(complaint) == [
        ("2027-03-30T10:00:00+01:00", "followup:satisfaction_survey")
    ]
    complaint.fire_due_events(london(2027, 3, 30, 10, 0))
    assert letters(complaint)[-1] == ("satisfaction_survey", {})
    assert followups_due(complaint) == []


def test_open_subtasks_stop_the_auto_close() -> None:
    complaint = waiting_on_the_customer()
    complaint.add_subtask(AddSubtaskCommand("h", "Get the statement", "", "bob", "", None), TUESDAY)
    complaint.fire_due_events(london(2027, 3, 23, 10, 0))
    skipped = [d for d in audit(complaint) if d.action == "case.auto_close_skipped"]
    assert [d.cause for d in skipped] == ["no reply after 2 reminders, but subtasks are open"]
    assert complaint.state.stage == "awaiting_customer"
    # No further reminder; the close is tried again a week later.
    assert followups_due(complaint) == [("2027-03-30T10:00:00+01:00", "followup:chasers")]
    assert [m for m, _ in letters(complaint)] == ["reminder", "reminder"]


def test_a_scheduled_follow_up_is_sent_at_its_time_and_cancelled_by_resolving() -> None:
    complaint = received(MONDAY)
    first = complaint.schedule_followup(
        ScheduleFollowupCommand("handler-1", "call_back", london(2027, 3, 3, 9, 0), {"slot": "am"})
    )
    second = complaint.schedule_followup(
        ScheduleFollowupCommand("handler-1", "call_back", london(2027, 3, 10, 9, 0))
    )
    complaint.fire_due_events(london(2027, 3, 3, 9, 0))
    [message] = [
        i.message for i in complaint.state.outbox if i.message and i.message.kind == "scheduled"
    ]
    assert (message.template_name, message.extra, message.requested_by) == (
        "call_back",
        {"slot": "am"},
        "handler-1",
    )
    audit(complaint)
    complaint.transition(TransitionCommand("h", "closed", "withdrawn"), london(2027, 3, 4, 9, 0))
    cancelled = [d for d in audit(complaint) if d.action == "followup.cancelled"]
    assert [(d.field, d.cause) for d in cancelled] == [
        (f"followups.{second}", "the case is closed")
    ]
    assert first != second


def test_historic_complaints_get_no_letters_from_the_policy() -> None:
    complaint = received(MONDAY, filed=london(2027, 6, 1, 9, 0), historic=True)
    assert letters(complaint) == []
    assert followups_due(complaint) == []


def test_each_recorded_change_becomes_case_events() -> None:
    complaint = received(MONDAY)
    complaint.state.outbox.clear()
    complaint.transition(TransitionCommand("handler-1", "triage", "routing"), TUESDAY)
    change = complaint.take_change(TUESDAY)
    assert change is not None and change.events_queued
    assert change.number == 2  # the receipt was change 1
    [item] = complaint.state.outbox
    [event] = item.events
    assert (event.event_id, event.event_type, event.sequence) == (
        "CASE-1:2:0",
        "case.stage_changed",
        2000,
    )
    assert event.payload["actor"] == "person:handler-1"
    assert event.payload["new"] == "triage"
    # The change carries the state, without the policy document or the outbox.
    assert change.state.policy is None and change.state.outbox == []
    assert complaint.take_change(TUESDAY) is None
