"""The complaint's commands: the stage graph, what each command refuses (the
message and, for a bad field, the field a caller is told), and what each one
changes and records on the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from redress.domain import clocks as clk
from redress.domain.complaint import Complaint, Features
from redress.domain.complaint_commands import (
    AddSubtaskCommand,
    AssignCommand,
    CategoryCommand,
    ClockCommand,
    InvalidCommand,
    KeyReused,
    OutcomeCommand,
    PriorityCommand,
    ReasonCommand,
    Refused,
    ReplyCommand,
    ScheduleFollowupCommand,
    SubtaskCommand,
    TransitionCommand,
)
from redress.domain.complaint_state import ComplaintState, PersonalDataErased
from tests.unit.complaints import (
    CASE_ID,
    SHIPPED_POLICY,
    actions,
    audit,
    london,
    received,
    submission,
)

MONDAY = london(2027, 3, 1, 10, 0)
LATER = MONDAY + timedelta(hours=2)


@pytest.fixture
def complaint() -> Complaint:
    return received(MONDAY)


def outcome(decision: str = "upheld", root_cause: str = "fees.unexpected") -> OutcomeCommand:
    return OutcomeCommand(
        "handler-1",
        decision,
        root_cause,
        "The fee was not in the terms; refunded.",
        redress_currency="GBP",
        redress_minor=2500,
    )


def move(complaint: Complaint, *stages: str) -> None:
    for stage in stages:
        complaint.transition(TransitionCommand("handler-1", stage, "work"), LATER)


def refusal(check: object, *args: object) -> Refused:
    with pytest.raises(Refused) as raised:
        check(*args)  # type: ignore[operator]
    return raised.value


# -- readiness and intake -----------------------------------------------------


def test_every_command_waits_until_the_case_is_stored() -> None:
    waiting = Complaint(submission(MONDAY), ComplaintState(), "wf", Features())
    refused = refusal(waiting.check_assign, AssignCommand("h", "alice", ""))
    assert type(refused) is Refused
    assert refused.message == "the case is still being stored; try again in a moment"
    waiting.adopt_policy(SHIPPED_POLICY)
    assert refusal(waiting.check_reply, ReplyCommand("h", "hi")).message.startswith(
        "the case is still being stored"
    )


def test_a_reused_idempotency_key_with_other_content_is_refused(complaint: Complaint) -> None:
    complaint.check_submission("f" * 64)  # the same submission, retried
    refused = refusal(complaint.check_submission, "0" * 64)
    assert isinstance(refused, KeyReused)
    assert refused.message == (
        "this idempotency key was already used for a different complaint "
        f"({CASE_ID}); use a new key for a new complaint"
    )


def test_a_reused_key_before_the_case_is_stored_says_so() -> None:
    waiting = Complaint(submission(MONDAY), ComplaintState(), "wf", Features())
    assert "(being stored)" in refusal(waiting.check_submission, "0" * 64).message


# -- the stage graph ------------------------------------------------------------


def test_the_shipped_stage_graph(complaint: Complaint) -> None:
    policy = complaint.rules
    assert policy.allowed_from("received") == ("acknowledged", "triage", "resolved", "closed")
    assert policy.allowed_from("awaiting_customer") == ("investigating", "resolved", "closed")
    assert policy.allowed_from("closed") == ()


def test_a_transition_the_policy_does_not_allow_names_the_allowed_ones(
    complaint: Complaint,
) -> None:
    refused = refusal(complaint.check_transition_command, TransitionCommand("h", "investigating"))
    assert type(refused) is Refused
    assert refused.message == (
        "cannot move from received to investigating; allowed: "
        "acknowledged, triage, resolved, closed"
    )


def test_an_unknown_stage_is_a_bad_to_stage_field(complaint: Complaint) -> None:
    refused = refusal(complaint.check_transition_command, TransitionCommand("h", "limbo"))
    assert isinstance(refused, InvalidCommand) and refused.field == "to_stage"
    assert refused.message.startswith("unknown stage 'limbo'; stages: received, acknowledged")


def test_resolving_needs_an_outcome_first(complaint: Complaint) -> None:
    refused = refusal(complaint.check_transition_command, TransitionCommand("h", "resolved"))
    assert refused.message == "record the outcome (RecordOutcome) before resolving"
    refused = refusal(complaint.check_resolve, ReasonCommand("h"))
    assert refused.message == "record the outcome (RecordOutcome) before resolving"
    complaint.record_outcome(outcome(), LATER)
    complaint.check_resolve(ReasonCommand("h"))


def test_nothing_follows_closed(complaint: Complaint) -> None:
    complaint.close(ReasonCommand("h", "duplicate"), LATER)
    assert refusal(complaint.check_close, ReasonCommand("h")).message == (
        "cannot close from stage closed; allowed: none"
    )
    assert refusal(complaint.check_resolve, ReasonCommand("h")).message == (
        "cannot resolve from stage closed; allowed: none"
    )


def test_a_transition_records_who_moved_the_case_and_why(complaint: Complaint) -> None:
    complaint.transition(TransitionCommand("handler-1", "triage", "needs routing"), LATER)
    [moved, stopped] = audit(complaint)
    assert (moved.action, moved.actor_kind, moved.actor_id) == (
        "case.stage_changed",
        "person",
        "handler-1",
    )
    assert (moved.old_value, moved.new_value, moved.cause) == (
        "received",
        "triage",
        "needs routing",
    )
    # Triage stops the acknowledgement clock: met, by the stage's rule.
    assert (stopped.action, stopped.field, stopped.new_value) == (
        "clock.stopped",
        "clocks.acknowledgement",
        "met",
    )
    assert (stopped.actor_id, stopped.rule_version) == ("stages.triage.stops", "standard 2026.12.1")
    assert complaint.state.stage == "triage" and complaint.state.stage_entered_at == LATER


# -- assign, priority, category ---------------------------------------------------


def test_assign_needs_someone(complaint: Complaint) -> None:
    refused = refusal(complaint.check_assign, AssignCommand("h", "", ""))
    assert isinstance(refused, InvalidCommand) and refused.field == "assignee"
    assert refused.message == "give an assignee, a team or both"


def test_assign_records_team_then_assignee(complaint: Complaint) -> None:
    complaint.assign(AssignCommand("lead-1", "alice", "complaints-team-a", "workload"))
    drafts = audit(complaint)
    assert [(d.field, d.old_value, d.new_value, d.cause) for d in drafts] == [
        ("team", "", "complaints-team-a", "workload"),
        ("assignee", "", "alice", "workload"),
    ]
    # The same again changes nothing and records nothing.
    complaint.assign(AssignCommand("lead-1", "alice", "complaints-team-a"))
    assert audit(complaint) == []


def test_a_closed_case_cannot_be_assigned(complaint: Complaint) -> None:
    complaint.close(ReasonCommand("h"), LATER)
    refused = refusal(complaint.check_assign, AssignCommand("h", "alice", ""))
    assert refused.message == "the case is closed; reopen it first"


@pytest.mark.parametrize(
    ("command", "field", "message"),
    [
        (
            PriorityCommand("h", "critical", "why"),
            "priority",
            "priority must be one of low, normal, high, urgent",
        ),
        (PriorityCommand("h", "high", "  "), "reason", "say why the priority is overridden"),
    ],
)
def test_priority_refusals(
    complaint: Complaint, command: PriorityCommand, field: str, message: str
) -> None:
    refused = refusal(complaint.check_priority, command)
    assert isinstance(refused, InvalidCommand)
    assert (refused.field, refused.message) == (field, message)


def test_priority_already_set_is_refused_and_a_change_is_recorded(complaint: Complaint) -> None:
    refused = refusal(complaint.check_priority, PriorityCommand("h", "normal", "why"))
    assert type(refused) is Refused and refused.message == "the priority is already normal"
    complaint.change_priority(PriorityCommand("h", "urgent", "vulnerable customer"))
    [draft] = audit(complaint)
    assert (draft.action, draft.old_value, draft.new_value, draft.cause) == (
        "case.priority_changed",
        "normal",
        "urgent",
        "vulnerable customer",
    )
    assert complaint.state.priority == "urgent"


def test_category_refusals_and_change(complaint: Complaint) -> None:
    refused = refusal(complaint.check_category, CategoryCommand("h", "weather", "why"))
    assert isinstance(refused, InvalidCommand) and refused.field == "category"
    assert refused.message.startswith("category must be one of fraud_and_scams, credit_reporting")
    refused = refusal(complaint.check_category, CategoryCommand("h", "cards", ""))
    assert isinstance(refused, InvalidCommand) and refused.field == "reason"
    complaint.change_category(CategoryCommand("h", "cards", "a card fee"))
    refused = refusal(complaint.check_category, CategoryCommand("h", "cards", "again"))
    assert refused.message == "the category is already cards"
    assert actions(complaint) == [("case.recategorised", "category")]


# -- clocks ------------------------------------------------------------------------


def test_pause_refusals(complaint: Complaint) -> None:
    refused = refusal(complaint.check_pause, ClockCommand("h", "lunch", "awaiting_customer"))
    assert isinstance(refused, InvalidCommand) and refused.field == "clock"
    assert refused.message == (
        "no clock 'lunch' on this case; clocks: acknowledgement, first_response, resolution, "
        "fca_summary_resolution, fca_final_response"
    )
    refused = refusal(
        complaint.check_pause, ClockCommand("h", "fca_final_response", "awaiting_customer")
    )
    assert refused.message == (
        "the fca_final_response clock cannot be paused (regulatory clocks never pause)"
    )
    refused = refusal(
        complaint.check_pause, ClockCommand("h", "first_response", "awaiting_customer")
    )
    assert refused.message == "the first_response clock cannot be paused"
    refused = refusal(complaint.check_pause, ClockCommand("h", "resolution", "bored"))
    assert isinstance(refused, InvalidCommand) and refused.field == "reason"
    assert refused.message == (
        "reason must be one of awaiting_customer, awaiting_third_party, customer_requested_delay"
    )


def test_resume_needs_a_paused_clock(complaint: Complaint) -> None:
    refused = refusal(complaint.check_resume, ClockCommand("h", "resolution"))
    assert refused.message == "the resolution clock is running, not paused"
    complaint.pause_clock(ClockCommand("h", "resolution", "customer_requested_delay"), LATER)
    refused = refusal(
        complaint.check_pause, ClockCommand("h", "resolution", "customer_requested_delay")
    )
    assert refused.message == "the resolution clock is paused, not running"
    complaint.check_resume(ClockCommand("h", "resolution"))


def test_a_customer_reply_resumes_their_clock_and_goes_back_to_work(complaint: Complaint) -> None:
    move(complaint, "triage", "assigned", "investigating", "awaiting_customer")
    audit(complaint)
    resolution = complaint.clock("resolution")
    assert resolution is not None and resolution.state == clk.PAUSED
    reply_at = LATER + timedelta(days=1)
    complaint.check_reply(ReplyCommand("agent-1", "sent the statement"))
    complaint.record_customer_reply(
        ReplyCommand("agent-1", "sent the statement", "email"), reply_at
    )
    drafts = audit(complaint)
    assert [(d.action, d.cause) for d in drafts] == [
        ("customer.replied", "sent the statement"),
        ("clock.resumed", "the customer replied"),
        ("case.stage_changed", "the customer replied"),
    ]
    assert complaint.state.stage == "investigating"
    assert resolution.state == clk.RUNNING


# -- subtasks ----------------------------------------------------------------------


def test_subtask_refusals(complaint: Complaint) -> None:
    untitled = AddSubtaskCommand("h", " ", "", "bob", "", None)
    refused = refusal(complaint.check_add_subtask, untitled, LATER)
    assert isinstance(refused, InvalidCommand) and refused.field == "title"
    past = AddSubtaskCommand("h", "Call the branch", "", "bob", "", LATER)
    refused = refusal(complaint.check_add_subtask, past, LATER)
    assert isinstance(refused, InvalidCommand) and refused.field == "due_at"
    assert refused.message == "due_at must be in the future"
    refused = refusal(complaint.check_finish_subtask, SubtaskCommand("h", "CASE-1-T9"))
    assert isinstance(refused, InvalidCommand) and refused.field == "subtask_id"
    assert refused.message == "no subtask 'CASE-1-T9' on this case"


def test_a_subtask_is_added_completed_and_not_completed_twice(complaint: Complaint) -> None:
    command = AddSubtaskCommand(
        "h", "Call the branch", "Ask for the letter", "bob", "branch", LATER + timedelta(days=2)
    )
    complaint.check_add_subtask(command, LATER)
    info = complaint.add_subtask(command, LATER)
    complaint.record_subtask_added(command, info.subtask_id)
    assert info.subtask_id == "CASE-1-T1" and info.state == "open"
    complaint.finish_subtask(SubtaskCommand("h", "CASE-1-T1", "done"), "completed", LATER)
    drafts = audit(complaint)
    assert [(d.action, d.field, d.old_value, d.new_value) for d in drafts] == [
        ("subtask.added", "subtasks.CASE-1-T1", "", drafts[0].new_value),
        ("subtask.completed", "subtasks.CASE-1-T1", "open", "completed"),
    ]
    assert '"due_at": "2027-03-03T12:00:00+00:00"' in drafts[0].new_value
    refused = refusal(complaint.check_finish_subtask, SubtaskCommand("h", "CASE-1-T1"))
    assert refused.message == "subtask CASE-1-T1 is already completed"


def test_a_case_holds_at_most_fifty_subtasks_finished_ones_included(
    complaint: Complaint,
) -> None:
    for n in range(50):
        command = AddSubtaskCommand("h", f"Task {n}", "", "bob", "", None)
        complaint.check_add_subtask(command, LATER)
        info = complaint.add_subtask(command, LATER)
        complaint.finish_subtask(SubtaskCommand("h", info.subtask_id, "done"), "completed", LATER)
    one_more = AddSubtaskCommand("h", "Task 51", "", "bob", "", None)
    refused = refusal(complaint.check_add_subtask, one_more, LATER)
    assert not isinstance(refused, InvalidCommand)
    assert refused.message == (
        "the case holds 50 subtasks, the most a case may hold (50, finished ones included)"
    )


def test_open_subtasks_keep_the_case_open(complaint: Complaint) -> None:
    command = AddSubtaskCommand("h", "Call the branch", "", "bob", "", None)
    complaint.add_subtask(command, LATER)
    message = "cannot close while subtasks are open: CASE-1-T1; complete or cancel them first"
    assert refusal(complaint.check_close, ReasonCommand("h")).message == message
    assert (
        refusal(complaint.check_transition_command, TransitionCommand("h", "closed")).message
        == message
    )


# -- follow-ups people schedule ------------------------------------------------------


def test_schedule_followup_refusals(complaint: Complaint) -> None:
    tomorrow = LATER + timedelta(days=1)
    refused = refusal(
        complaint.check_schedule_followup, ScheduleFollowupCommand("h", "", tomorrow), LATER
    )
    assert isinstance(refused, InvalidCommand) and refused.field == "template_name"
    refused = refusal(
        complaint.check_schedule_followup, ScheduleFollowupCommand("h", "reminder", LATER), LATER
    )
    assert isinstance(refused, InvalidCommand) and refused.field == "send_at"
    old = received(MONDAY, features=Features())
    refused = refusal(
        old.check_schedule_followup, ScheduleFollowupCommand("h", "reminder", tomorrow), LATER
    )
    assert refused.message == (
        "this case was started before follow-ups existed; send the message now"
    )
    complaint.close(ReasonCommand("h"), LATER)
    refused = refusal(
        complaint.check_schedule_followup,
        ScheduleFollowupCommand("h", "reminder", tomorrow),
        LATER,
    )
    assert refused.message == "the case is closed; nothing can be scheduled"


def test_cancel_followup_refusals(complaint: Complaint) -> None:
    refused = refusal(complaint.check_cancel_followup, SubtaskCommand("h", "CASE-1-F7"))
    assert isinstance(refused, InvalidCommand) and refused.field == "followup_id"
    followup_id = complaint.schedule_followup(
        ScheduleFollowupCommand("h", "reminder", LATER + timedelta(days=1))
    )
    assert followup_id == "CASE-1-F2"  # the acknowledgement was message 1
    complaint.cancel_followup(SubtaskCommand("h", followup_id, "customer called"))
    refused = refusal(complaint.check_cancel_followup, SubtaskCommand("h", followup_id))
    assert refused.message == "follow-up CASE-1-F2 is already cancelled"
    assert actions(complaint) == [
        ("followup.scheduled", "followups.CASE-1-F2"),
        ("followup.cancelled", "followups.CASE-1-F2"),
    ]


# -- outcome, resolve, close, reopen ---------------------------------------------------


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (outcome(decision="maybe"), "decision"),
        (outcome(root_cause="bad.luck"), "root_cause"),
        (OutcomeCommand("h", "upheld", "fees.unexpected", "", redress_minor=-1), "redress"),
    ],
)
def test_outcome_refusals(complaint: Complaint, command: OutcomeCommand, field: str) -> None:
    refused = refusal(complaint.check_outcome, command)
    assert isinstance(refused, InvalidCommand) and refused.field == field


def test_outcome_on_a_closed_case_is_refused(complaint: Complaint) -> None:
    complaint.close(ReasonCommand("h"), LATER)
    assert refusal(complaint.check_outcome, outcome()).message == (
        "the case is closed; reopen it first"
    )


def test_the_same_outcome_again_is_refused_and_a_corrected_one_is_taken(
    complaint: Complaint,
) -> None:
    """A retried RecordOutcome (the first call unanswered) records nothing
    twice; a handler correcting the outcome still can."""
    complaint.record_outcome(outcome(), LATER)
    assert refusal(complaint.check_outcome, outcome()).message == (
        "this outcome is already recorded (upheld, root cause fees.unexpected)"
    )
    complaint.check_outcome(outcome(decision="partly_upheld"))  # not refused


def test_resolving_stops_the_clocks_and_sends_the_summary_resolution(
    complaint: Complaint,
) -> None:
    complaint.record_outcome(outcome(), LATER)
    complaint.resolve(ReasonCommand("handler-1"), LATER)
    drafts = audit(complaint)
    assert drafts[0].action == "outcome.recorded"
    assert '"redress": ["GBP", 2500]' in drafts[0].new_value
    assert (drafts[1].action, drafts[1].new_value, drafts[1].cause) == (
        "case.stage_changed",
        "resolved",
        "resolved",
    )
    stopped = [d.field for d in drafts if d.action == "clock.stopped"]
    assert stopped == [
        "clocks.acknowledgement",
        "clocks.first_response",
        "clocks.resolution",
        "clocks.fca_summary_resolution",
        "clocks.fca_final_response",
    ]
    assert complaint.state.resolved_at == LATER
    # Resolved within three business days: the FCA's summary resolution letter.
    message = complaint.state.outbox[-1].message
    assert message is not None and message.template_name == "summary_resolution"


def test_reopen_refusals_and_restart(complaint: Complaint) -> None:
    refused = refusal(complaint.check_reopen, ReasonCommand("h", "new evidence"))
    assert refused.message == "only a resolved or closed case can be reopened; it is received"
    complaint.close(ReasonCommand("h"), LATER)
    refused = refusal(complaint.check_reopen, ReasonCommand("h", " "))
    assert isinstance(refused, InvalidCommand) and refused.field == "reason"
    audit(complaint)
    reopened_at = london(2027, 3, 8, 9, 0)
    complaint.reopen(ReasonCommand("h", "new evidence"), reopened_at)
    drafts = audit(complaint)
    assert [(d.action, d.old_value, d.new_value) for d in drafts] == [
        ("case.reopened", "closed", "investigating"),
        # The resolution clock starts again with its whole 80 business hours.
        ("clock.started", "", "2027-03-19T17:00:00+00:00"),
    ]
    assert complaint.state.closed_at is None and complaint.state.stage == "investigating"


def test_a_closed_case_stays_reopenable_for_its_window(complaint: Complaint) -> None:
    complaint.close(ReasonCommand("h"), LATER)
    assert complaint.reopen_until() == LATER + timedelta(days=56)
    assert not complaint.finished(LATER + timedelta(days=55))
    assert complaint.finished(LATER + timedelta(days=56))


def test_erasure_forgets_the_customer_and_the_words(complaint: Complaint) -> None:
    complaint.record_outcome(outcome(), LATER)
    complaint.forget_personal_data(PersonalDataErased("ERASE-1", ["email", "phone"]))
    assert complaint.submission.customer.full_name == ""
    assert complaint.submission.customer.do_not_contact == ["email", "phone"]
    assert complaint.submission.narrative == ""
    assert complaint.state.outcome is not None and complaint.state.outcome.summary == ""
    assert complaint.state.outcome.redress_minor == 2500
