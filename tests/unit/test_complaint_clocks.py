"""A complaint's clocks as a handler sees them: the deadlines set at receipt,
the warnings, breaches and escalation steps at their instants, what each
escalation step changes, stage targets, clocks paused by stages, and historic
complaints whose deadlines passed before they were filed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redress.domain import clocks as clk
from redress.domain import complaint_schedule as schedule
from redress.domain.complaint import Complaint
from redress.domain.complaint_commands import AssignCommand, TransitionCommand
from redress.domain.complaint_state import ComplaintState, HistoricClosure, PolicyDocument
from tests.unit.complaints import (
    EVERYTHING,
    LONDON,
    SHIPPED_POLICY,
    audit,
    london,
    received,
    submission,
)

MONDAY = london(2027, 3, 1, 10, 0)  # GMT: London time is UTC


def due(complaint: Complaint) -> dict[str, datetime | None]:
    return {c.name: c.due_at for c in complaint.state.clocks}


def timeline(complaint: Complaint, until: datetime) -> list[tuple[datetime, str, str]]:
    return [(e.at, e.clock, e.kind) for e in schedule.upcoming(complaint) if e.at <= until]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_deadlines_set_at_receipt() -> None:
    complaint = received(MONDAY)
    assert due(complaint) == {
        # 8 business hours: 7 on Monday, 1 on Tuesday.
        "acknowledgement": utc(2027, 3, 2, 10),
        # 24 business hours: Monday 7, Tuesday 8, Wednesday 8, Thursday 1.
        "first_response": utc(2027, 3, 4, 10),
        # 80 business hours: ten working days, over a weekend.
        "resolution": utc(2027, 3, 15, 10),
        # DISP: close of business on the third business day.
        "fca_summary_resolution": utc(2027, 3, 4, 17),
        # Eight weeks, to the end of the day in London (BST by then).
        "fca_final_response": datetime(2027, 4, 27, 0, 0, tzinfo=LONDON),
    }


def test_complaints_under_one_policy_version_share_its_text() -> None:
    """A worker holds thousands of complaints: each decodes its policy
    document afresh from its history, and keeps the one copy instead."""
    kept = []
    for _ in range(2):
        # Equal text, as two local-activity results decode it: two strings.
        document = PolicyDocument("standard", "2026.12.1", "".join(SHIPPED_POLICY.document))
        complaint = Complaint(submission(MONDAY), ComplaintState(), "wf", EVERYTHING)
        complaint.adopt_policy(document)
        kept.append(complaint.state.policy)
    first, second = kept
    assert first is not None and second is not None
    assert first.document == SHIPPED_POLICY.document
    assert first.document is second.document
    # After continue-as-new the carried document is shared the same way.
    carried = ComplaintState(
        policy=PolicyDocument("standard", "2026.12.1", "".join(first.document))
    )
    Complaint(submission(MONDAY), carried, "wf", EVERYTHING).load_carried_policy()
    assert carried.policy is not None and carried.policy.document is first.document


def test_the_receipt_is_recorded_with_the_policy_and_regime() -> None:
    complaint = Complaint(submission(MONDAY), ComplaintState(), "wf", EVERYTHING)
    complaint.adopt_policy(SHIPPED_POLICY)
    complaint.state.case_id = "CASE-1"
    complaint.receive(complaint.submission, None, MONDAY, regime_calendars=True)
    [started] = audit(complaint)
    assert (started.action, started.actor_kind, started.actor_id) == (
        "clocks.started",
        "service",
        "complaint-workflow",
    )
    assert started.cause == (
        "policy standard 2026.12.1 and regime uk_fca at receipt 2027-03-01T10:00:00+00:00"
    )
    assert '"acknowledgement": "2027-03-02T10:00:00+00:00"' in started.new_value


def test_warnings_and_breaches_come_in_order_at_their_instants() -> None:
    complaint = received(MONDAY)
    assert timeline(complaint, utc(2027, 3, 4, 10)) == [
        # 75% of the acknowledgement budget (6 of 8 business hours).
        (utc(2027, 3, 1, 16), "acknowledgement", "warning"),
        (utc(2027, 3, 2, 10), "acknowledgement", "breach"),
        (utc(2027, 3, 2, 10), "stage:received", "stage_target"),
        (utc(2027, 3, 3, 12), "first_response", "warning"),
        (utc(2027, 3, 3, 15, 36), "first_response", "warning"),
        # Regulatory clocks count calendar time: 75% of 79 hours.
        (utc(2027, 3, 3, 21, 15), "fca_summary_resolution", "warning"),
        (utc(2027, 3, 4, 9, 6), "fca_summary_resolution", "warning"),
        (utc(2027, 3, 4, 10), "first_response", "breach"),
    ]


def test_a_breach_escalates_step_by_step() -> None:
    complaint = received(MONDAY)
    complaint.assign(AssignCommand("lead", "alice", "complaints-team-a"))
    audit(complaint)
    # The warning on time, then the breach.
    assert complaint.fire_due_events(utc(2027, 3, 1, 16))
    assert complaint.fire_due_events(utc(2027, 3, 2, 10))
    drafts = audit(complaint)
    assert [(d.action, d.field, d.old_value, d.new_value) for d in drafts] == [
        ("clock.warning", "clocks.acknowledgement", "", drafts[0].new_value),
        ("clock.breached", "clocks.acknowledgement", "running", "breached"),
        # The internal ladder's first step is due at the breach itself.
        ("case.escalated", "escalation_level", "0", "1"),
        ("case.priority_changed", "priority", "normal", "high"),
        ("notification.requested", "notify", "", '["assignee", "team_lead"]'),
        # Clock events come before the stage target due at the same instant.
        ("stage.target_exceeded", "stage", "", "received"),
    ]
    assert drafts[0].cause == (
        "75% of the acknowledgement budget used; due 2027-03-02T10:00:00+00:00"
    )
    assert drafts[1].cause == "acknowledgement deadline 2027-03-02T10:00:00+00:00 passed"
    assert (
        drafts[5].cause
        == "stage received target 8 business hours passed at 2027-03-02T10:00:00+00:00"
    )
    escalated = drafts[2]
    assert escalated.cause == "acknowledgement breached; escalation step 1 of ladder internal"
    assert (escalated.actor_kind, escalated.actor_id, escalated.rule_version) == (
        "rule",
        "escalation_ladders.internal[0]",
        "standard 2026.12.1",
    )
    assert complaint.state.escalation_level == 1 and complaint.state.priority == "high"
    # Step 2, eight business hours after the breach: the manager hears of it.
    acknowledgement = complaint.clock("acknowledgement")
    assert acknowledgement is not None
    [step_two] = [e for e in schedule.upcoming(complaint) if e.kind == "escalation"]
    assert (step_two.at, step_two.clock) == (utc(2027, 3, 3, 10), "acknowledgement")


def test_a_regulatory_breach_raises_to_urgent_and_moves_the_team_a_day_later() -> None:
    complaint = received(MONDAY)
    complaint.assign(AssignCommand("lead", "alice", "complaints-team-a"))
    complaint.fire_due_events(utc(2027, 3, 4, 17))
    audit(complaint)
    complaint.fire_due_events(utc(2027, 3, 5, 17))
    drafts = [d for d in audit(complaint) if d.actor_id.startswith("escalation_ladders.regulatory")]
    assert [(d.action, d.field, d.old_value, d.new_value) for d in drafts] == [
        ("case.assigned", "team", "complaints-team-a", "complaints-escalations"),
        ("notification.requested", "notify", "", '["manager", "compliance"]'),
    ]
    assert drafts[0].cause == (
        "fca_summary_resolution breached; escalation step 2 of ladder regulatory"
    )
    assert complaint.state.team == "complaints-escalations"
    assert complaint.state.priority == "urgent"  # step 1, at the breach
    assert complaint.state.escalation_level == 2


def test_an_escalation_never_lowers_the_priority() -> None:
    complaint = received(MONDAY, priority="urgent")
    complaint.state.priority = "urgent"
    complaint.fire_due_events(utc(2027, 3, 2, 10))
    assert "case.priority_changed" not in [d.action for d in audit(complaint)]
    assert complaint.state.priority == "urgent"


def test_a_stage_that_stops_a_breached_clock_ends_its_ladder() -> None:
    complaint = received(MONDAY)
    complaint.fire_due_events(utc(2027, 3, 2, 10))
    audit(complaint)
    complaint.transition(TransitionCommand("h", "acknowledged"), utc(2027, 3, 2, 11))
    [_, stopped] = audit(complaint)
    assert (stopped.field, stopped.new_value, stopped.cause) == (
        "clocks.acknowledgement",
        "breached",
        "entered stage acknowledged (after its deadline)",
    )
    assert [e for e in schedule.upcoming(complaint) if e.clock == "acknowledgement"] == []


def test_waiting_on_the_customer_pauses_resolution_in_business_time() -> None:
    complaint = received(MONDAY)
    for stage in ("triage", "assigned", "investigating"):
        complaint.transition(TransitionCommand("h", stage), MONDAY)
    # Friday 12:00: the clock has used 34 of its 80 business hours (Monday 7,
    # Tuesday to Thursday 8 each, Friday 3).
    friday_noon = london(2027, 3, 5, 12, 0)
    complaint.transition(TransitionCommand("h", "awaiting_customer"), friday_noon)
    resolution = complaint.clock("resolution")
    assert resolution is not None and resolution.state == clk.PAUSED
    assert resolution.remaining_seconds == 46 * 3600
    paused = [d for d in audit(complaint) if d.action == "clock.paused"]
    assert [(d.field, d.new_value, d.actor_id) for d in paused] == [
        ("clocks.resolution", "awaiting_customer", "stages.awaiting_customer.pauses")
    ]
    # Back at work the next Wednesday 14:00: 46 business hours from then, over
    # the weekend, is Thursday 18 March 12:00.
    wednesday = london(2027, 3, 10, 14, 0)
    complaint.transition(TransitionCommand("h", "investigating"), wednesday)
    resumed = [d for d in audit(complaint) if d.action == "clock.resumed"]
    assert [(d.field, d.new_value, d.cause) for d in resumed] == [
        ("clocks.resolution", "2027-03-18T12:00:00+00:00", "left stage awaiting_customer")
    ]
    assert resolution.paused_seconds == (wednesday - friday_noon).total_seconds()


def test_nothing_is_due_from_a_paused_clock_and_regulatory_clocks_keep_running() -> None:
    complaint = received(MONDAY)
    for stage in ("triage", "assigned", "investigating", "awaiting_customer"):
        complaint.transition(TransitionCommand("h", stage), MONDAY)
    clocks_due = {e.clock for e in schedule.upcoming(complaint)}
    assert "resolution" not in clocks_due
    assert {"fca_summary_resolution", "fca_final_response"} <= clocks_due


def test_stage_targets_restart_with_each_stage() -> None:
    complaint = received(MONDAY)
    assert schedule.stage_target_due(complaint) == utc(2027, 3, 2, 10)
    complaint.transition(TransitionCommand("h", "triage"), london(2027, 3, 2, 9, 0))
    # Triage's target: 8 business hours from Tuesday 09:00.
    assert schedule.stage_target_due(complaint) == utc(2027, 3, 2, 17)
    complaint.transition(TransitionCommand("h", "assigned"), london(2027, 3, 2, 16, 0))
    # Assigned: 16 business hours, Tuesday 16:00 to Thursday 16:00.
    assert schedule.stage_target_due(complaint) == utc(2027, 3, 4, 16)
    complaint.transition(TransitionCommand("h", "investigating"), london(2027, 3, 3, 9, 0))
    assert schedule.stage_target_due(complaint) is None  # investigating has no target


def test_a_historic_complaint_records_past_breaches_without_escalating() -> None:
    filed = london(2027, 6, 1, 9, 0)
    complaint = received(MONDAY, filed=filed, historic=True)
    assert complaint.state.filed_at == filed
    complaint.fire_due_events(filed)
    drafts = audit(complaint)
    breaches = [d for d in drafts if d.action == "clock.breached"]
    assert [d.field for d in breaches] == [
        "clocks.acknowledgement",
        "clocks.first_response",
        "clocks.fca_summary_resolution",
        "clocks.resolution",
        "clocks.fca_final_response",
    ]
    assert breaches[0].cause == (
        "acknowledgement deadline 2027-03-02T10:00:00+00:00 had passed when the historic "
        "complaint was filed (2027-06-01T09:00:00+01:00); no escalation"
    )
    assert not [d for d in drafts if d.action in ("case.escalated", "clock.warning")]
    assert complaint.state.escalation_level == 0 and complaint.state.priority == "normal"
    # No letters for a record of the past (only the case.created event).
    assert [i.message for i in complaint.state.outbox if i.message] == []


def test_the_holding_response_goes_once_at_the_last_final_response_warning() -> None:
    complaint = received(MONDAY)
    final = complaint.clock("fca_final_response")
    assert final is not None
    # 90% of eight weeks (and a day) after receipt.
    complaint.fire_due_events(utc(2027, 4, 21, 12))
    templates = [i.message.template_name for i in complaint.state.outbox if i.message]
    assert templates.count("holding_response") == 1
    assert complaint.state.holding_response_sent
    complaint.fire_due_events(utc(2027, 4, 26, 12))
    templates = [i.message.template_name for i in complaint.state.outbox if i.message]
    assert templates.count("holding_response") == 1


def test_time_to_next_event_is_never_under_a_second() -> None:
    complaint = received(MONDAY)
    assert complaint.time_to_next_event(MONDAY) == timedelta(hours=6)
    assert complaint.time_to_next_event(utc(2027, 3, 1, 16)) == timedelta(seconds=1)
    assert complaint.next_deadline() == utc(2027, 3, 2, 10)
    assert not complaint.breached()


def test_warnings_missed_while_the_platform_was_down_never_follow_their_breach() -> None:
    complaint = received(MONDAY)
    # The platform was down from receipt until Friday: the acknowledgement and
    # first-response deadlines, and every warning before them, passed meanwhile.
    back = utc(2027, 3, 5, 9)
    complaint.fire_due_events(back)
    drafts = audit(complaint)
    for name in ("acknowledgement", "first_response", "fca_summary_resolution"):
        written = [d.action for d in drafts if d.field == f"clocks.{name}"]
        assert "clock.breached" in written, (name, written)
        assert "clock.warning" not in written, (name, written)
        clock = complaint.clock(name)
        assert clock is not None
        assert written.count("clock.warning_missed") == len(clock.warn_at)
    missed = next(d for d in drafts if d.action == "clock.warning_missed")
    assert missed.cause == (
        "the 75% warning was due 2027-03-01T16:00:00+00:00, but the platform was not "
        "running then and the deadline 2027-03-02T10:00:00+00:00 has passed too; "
        "no warning is given"
    )
    # A warning still ahead of its deadline is given, late as it is.
    resolution = [d.action for d in drafts if d.field == "clocks.resolution"]
    assert "clock.warning_missed" not in resolution


def test_warnings_given_on_time_are_unchanged_by_a_late_start() -> None:
    complaint = received(MONDAY)
    complaint.fire_due_events(utc(2027, 3, 1, 16))
    assert [(d.action, d.field) for d in audit(complaint)] == [
        ("clock.warning", "clocks.acknowledgement")
    ]


CLOSED_IN_2013 = HistoricClosure(
    decision="upheld",
    source_status="Closed with monetary relief",
    closed_at=utc(2013, 9, 10, 12),
    closed_at_source="the file's Date sent to company",
)


def test_a_historic_complaint_the_source_records_as_closed_is_filed_closed() -> None:
    filed = utc(2026, 1, 5, 9)
    complaint = received(
        utc(2013, 9, 3, 12), "us_cfpb", filed=filed, historic=True, closure=CLOSED_IN_2013
    )
    state = complaint.state
    assert state.stage == "closed"
    assert state.closed_at == state.resolved_at == CLOSED_IN_2013.closed_at
    assert state.outcome is not None and state.outcome.decision == "upheld"
    assert state.outcome.summary == "Closed with monetary relief"
    clocks = {c.name: c.state for c in state.clocks}
    # 15 days for the company's response had not passed on the 10th; the
    # internal acknowledgement and first-response budgets had.
    assert clocks["cfpb_response"] == clk.MET
    assert clocks["cfpb_final_response"] == clk.MET
    assert clocks["acknowledgement"] == clk.BREACHED
    assert all(c.stopped_at == CLOSED_IN_2013.closed_at for c in state.clocks if c.started_at)
    assert complaint.breached()  # the acknowledgement was late
    # Nothing falls due: no breaches at filing time, no escalation, no letters.
    assert not complaint.fire_due_events(filed)
    assert state.escalation_level == 0
    assert [i.message for i in state.outbox if i.message] == []
    # Its reopening window ended long ago: the workflow can finish.
    assert complaint.finished(filed)


def test_the_audit_trail_says_the_source_file_closed_it() -> None:
    filed = utc(2026, 1, 5, 9)
    complaint = Complaint(
        submission(utc(2013, 9, 3, 12), "us_cfpb", historic=True, closure=CLOSED_IN_2013),
        ComplaintState(),
        "complaint-key-1",
        EVERYTHING,
    )
    complaint.adopt_policy(SHIPPED_POLICY)
    complaint.state.case_id = "CASE-1"
    complaint.receive(complaint.submission, None, filed, regime_calendars=True)
    drafts = audit(complaint)
    move = next(d for d in drafts if d.action == "case.stage_changed")
    assert (move.old_value, move.new_value) == ("received", "closed")
    assert move.cause == (
        "closed as the source file records it ('Closed with monetary relief', closed "
        "2013-09-10T12:00:00+00:00; the date is the file's Date sent to company)"
    )
    assert any(d.action == "outcome.recorded" for d in drafts)
    stopped = [d.field for d in drafts if d.action == "clock.stopped"]
    assert "clocks.cfpb_response" in stopped
