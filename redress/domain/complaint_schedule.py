"""When things happen to a complaint, and what they do.

The complaint's timeline: each clock's warnings, breach and escalation steps,
the current stage's target, and the follow-ups (progress updates, chasers and
the auto-close after them, the satisfaction survey, and the messages people
scheduled). `upcoming` lists what is due next; `fire` carries one event out.
Its caller sleeps until the earliest instant; nothing polls.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from redress.domain import clocks as clk
from redress.domain.complaint_audit import iso
from redress.domain.complaint_commands import Refused
from redress.domain.complaint_unowned import (
    REMINDER,
    UNOWNED,
    fire_reminder,
    fire_unowned,
    reminder_events,
    unowned_events,
)
from redress.domain.policy import PRIORITIES, EscalationStep
from redress.domain.regulatory import FINAL_RESPONSE_CLOCK

if TYPE_CHECKING:
    # The part of a complaint the schedule needs (its state, policy and the
    # letters it may ask for), so that the Complaint built on it can use the
    # schedule without an import cycle.
    from redress.domain.complaint_messages import ComplaintMessages as Complaint

FOLLOWUP = "followup"
STAGE_TARGET = "stage_target"


def upcoming(complaint: Complaint) -> list[clk.ClockEvent]:
    """Everything still to happen to the complaint, earliest first."""
    events: list[clk.ClockEvent] = followup_events(complaint)
    events += unowned_events(complaint) + reminder_events(complaint)
    for clock in complaint.state.clocks:
        events += clk.upcoming(clock, complaint.calendar(clock.calendar), ladder(complaint, clock))
    target = stage_target_due(complaint)
    if target is not None:
        events.append(clk.ClockEvent(target, f"stage:{complaint.state.stage}", STAGE_TARGET))
    return sorted(events, key=lambda e: e.at)


def ladder(complaint: Complaint, clock: clk.Clock) -> tuple[EscalationStep, ...]:
    return complaint.rules.escalation_ladders.get(clock.ladder, ())


def stage_target_due(complaint: Complaint) -> datetime | None:
    """When the current stage's target passes, unless it already has."""
    state = complaint.state
    target = complaint.rules.stages[state.stage].target
    if not target or state.stage_target_exceeded or state.stage_entered_at is None:
        return None
    return clk.advance(
        target.basis,
        complaint.calendar(""),
        state.stage_entered_at,
        target.duration.total_seconds(),
    )


def fire(complaint: Complaint, event: clk.ClockEvent, now: datetime) -> None:
    """Carries out `event`, which is due."""
    state = complaint.state
    trail = complaint.trail
    if event.kind == FOLLOWUP:
        _fire_followup(complaint, event, now)
        return
    if event.kind == UNOWNED:
        fire_unowned(complaint, event)
        return
    if event.kind == REMINDER:
        fire_reminder(complaint, event)
        return
    if event.kind == STAGE_TARGET:
        state.stage_target_exceeded = True
        trail.by_rule(
            "stage.target_exceeded",
            "stage",
            new=state.stage,
            cause=f"stage {state.stage} target "
            f"{complaint.rules.stages[state.stage].target.describe()} "  # type: ignore[union-attr]
            f"passed at {event.at.isoformat()}",
            rule=f"stages.{state.stage}.target",
        )
        return
    clock = complaint.clock(event.clock)
    assert clock is not None
    clk.fire(clock, event)
    filed = state.filed_at
    if filed is not None and event.at <= filed:
        # A historic complaint: this deadline passed before it was filed.
        if event.kind == "breach":
            trail.by_rule(
                "clock.breached",
                f"clocks.{clock.name}",
                old="running",
                new="breached",
                cause=f"{clock.name} deadline {iso(clock.due_at)} had passed when the "
                f"historic complaint was filed ({iso(filed)}); no escalation",
                rule=f"clocks.{clock.name}",
            )
        return
    if (
        event.kind == "warning"
        and complaint.features.missed_warnings
        and clock.due_at is not None
        and now >= clock.due_at
    ):
        # Its moment passed while the platform was down, and so has the
        # deadline it warns of: a warning now would come after the breach.
        trail.by_rule(
            "clock.warning_missed",
            f"clocks.{clock.name}",
            new=json.dumps({"threshold": event.threshold, "due_at": iso(clock.due_at)}),
            cause=f"the {int(event.threshold * 100)}% warning was due {iso(event.at)}, "
            f"but the platform was not running then and the deadline "
            f"{iso(clock.due_at)} has passed too; no warning is given",
            rule=f"clocks.{clock.name}.warn_at",
        )
    elif event.kind == "warning":
        trail.by_rule(
            "clock.warning",
            f"clocks.{clock.name}",
            new=json.dumps({"threshold": event.threshold, "due_at": iso(clock.due_at)}),
            cause=f"{int(event.threshold * 100)}% of the {clock.name} budget used; "
            f"due {iso(clock.due_at)}",
            rule=f"clocks.{clock.name}.warn_at",
        )
        # The regime's final-response deadline is near: the customer is told
        # (once) that a holding response stands in for the final one.
        if (
            clock.name == FINAL_RESPONSE_CLOCK.get(complaint.submission.regime)
            and clock.regulatory
            and event.threshold == max(clock.warn_at)
            and state.resolved_at is None
            and not state.holding_response_sent
        ):
            state.holding_response_sent = complaint.send_followup("holding_response")
    elif event.kind == "breach":
        trail.by_rule(
            "clock.breached",
            f"clocks.{clock.name}",
            old="running",
            new="breached",
            cause=f"{clock.name} deadline {iso(clock.due_at)} passed"
            + (f" ({clock.regulation})" if clock.regulation else ""),
            rule=f"clocks.{clock.name}",
        )
    elif event.kind == "escalation" and event.step is not None:
        escalate(complaint, clock, event.step)


def escalate(complaint: Complaint, clock: clk.Clock, step: EscalationStep) -> None:
    """One step of the clock's escalation ladder: a higher escalation level,
    a raised priority, another team or assignee, people to notify. Each
    change only ever goes up or elsewhere; a step that changes nothing records
    nothing."""
    state = complaint.state
    trail = complaint.trail
    rule = f"escalation_ladders.{clock.ladder}[{step.level - 1}]"
    cause = f"{clock.name} breached; escalation step {step.level} of ladder {clock.ladder}"
    if step.level > state.escalation_level:
        trail.by_rule(
            "case.escalated",
            "escalation_level",
            old=str(state.escalation_level),
            new=str(step.level),
            cause=cause,
            rule=rule,
        )
        state.escalation_level = step.level
    if step.raise_priority and (
        PRIORITIES.index(step.raise_priority) > PRIORITIES.index(state.priority)
    ):
        trail.by_rule(
            "case.priority_changed",
            "priority",
            old=state.priority,
            new=step.raise_priority,
            cause=cause,
            rule=rule,
        )
        state.priority = step.raise_priority
    if step.assign_team and step.assign_team != state.team:
        trail.by_rule(
            "case.assigned", "team", old=state.team, new=step.assign_team, cause=cause, rule=rule
        )
        state.team = step.assign_team
    if step.assign_to and step.assign_to != state.assignee:
        trail.by_rule(
            "case.assigned",
            "assignee",
            old=state.assignee,
            new=step.assign_to,
            cause=cause,
            rule=rule,
        )
        state.assignee = step.assign_to
    if step.notify:
        trail.by_rule(
            "notification.requested",
            "notify",
            new=json.dumps(list(step.notify)),
            cause=cause,
            rule=rule,
        )


# -- follow-ups ------------------------------------------------------------------


def followup_events(complaint: Complaint) -> list[clk.ClockEvent]:
    """The follow-ups due next: a progress update every so often while the
    case is open, chasers while it waits on the customer, the survey after it
    closes, and what people scheduled."""
    if not complaint.features.followups:
        return []
    state = complaint.state
    historic = complaint.submission.historic
    policy = complaint.rules
    rules = policy.followups
    calendar = complaint.calendar("")
    events: list[clk.ClockEvent] = []
    stage = policy.stages[state.stage]
    # A historic complaint gets no letters from the policy, only the ones
    # a person schedules.
    open_case = state.closed_at is None and state.resolved_at is None and not historic
    progress = rules.get("progress_update")
    chasers = rules.get("chasers")
    in_chase = chasers is not None and state.stage == chasers.stage
    if progress and progress.every and open_case and not in_chase:
        since = state.last_progress_update_at or complaint.submission.received_at
        at = clk.advance(
            progress.every.basis, calendar, since, progress.every.duration.total_seconds()
        )
        events.append(clk.ClockEvent(at, "followup:progress_update", FOLLOWUP))
    if chasers and chasers.every and in_chase and state.stage_entered_at and open_case:
        at = clk.advance(
            chasers.every.basis,
            calendar,
            state.stage_entered_at,
            chasers.every.duration.total_seconds() * (state.chasers_sent + 1),
        )
        events.append(clk.ClockEvent(at, "followup:chasers", FOLLOWUP))
    survey = rules.get("satisfaction_survey")
    if (
        survey
        and survey.after
        and not historic
        and stage.closed
        and state.closed_at
        and not state.survey_sent
    ):
        at = clk.advance(
            survey.after.basis, calendar, state.closed_at, survey.after.duration.total_seconds()
        )
        events.append(clk.ClockEvent(at, "followup:satisfaction_survey", FOLLOWUP))
    for item in state.scheduled:
        if item.state == "scheduled":
            events.append(clk.ClockEvent(item.send_at, f"scheduled:{item.followup_id}", FOLLOWUP))
    return events


def _fire_followup(complaint: Complaint, event: clk.ClockEvent, now: datetime) -> None:
    state = complaint.state
    kind = event.clock.split(":", 1)[1]
    if event.clock.startswith("scheduled:"):
        item = next(s for s in state.scheduled if s.followup_id == kind)
        item.state = "sent"
        complaint.request_message("scheduled", item.template_name, item.extra, item.scheduled_by)
        return
    if kind == "progress_update":
        state.last_progress_update_at = now
        complaint.send_followup("progress_update")
    elif kind == "chasers":
        rule = complaint.rules.followups["chasers"]
        if state.chasers_sent < rule.limit:
            state.chasers_sent += 1
            extra = {}
            # The last chaser tells the customer when the case will close.
            if state.chasers_sent == rule.limit and rule.every:
                close_at = clk.advance(
                    rule.every.basis,
                    complaint.calendar(""),
                    state.stage_entered_at or now,
                    rule.every.duration.total_seconds() * (rule.limit + 1),
                )
                extra["close_after"] = close_at.date().isoformat()
            complaint.send_followup("chasers", extra)
        else:
            _auto_close(complaint, rule.limit, now)
    elif kind == "satisfaction_survey":
        state.survey_sent = True
        complaint.send_followup("satisfaction_survey")


def _auto_close(complaint: Complaint, reminders: int, now: datetime) -> None:
    """No reply after the last chaser: the case closes, if it can."""
    policy = complaint.rules
    state = complaint.state
    closed = next((n for n in policy.allowed_from(state.stage) if policy.stages[n].closed), "")
    state.chasers_sent += 1  # no further chaser event
    open_tasks = [s for s in state.subtasks if s.state in ("open", "overdue")]
    # What else the case must have before it closes (a device case: its
    # vigilance duties, redress/domain/complaint_vigilance.py).
    duties = ""
    if closed and not open_tasks:
        try:
            complaint.check_closable()
        except Refused as refused:
            duties = refused.message
    if not closed or open_tasks or duties:
        complaint.trail.by_rule(
            "case.auto_close_skipped",
            "stage",
            new=state.stage,
            cause=f"no reply after {reminders} reminders, but "
            + (
                "subtasks are open"
                if open_tasks
                else f"{state.stage} cannot close"
                if not closed
                else duties
            ),
            rule="followups.chasers",
        )
        return
    reason = f"no reply from the customer after {reminders} reminders"
    complaint.enter_stage(closed, "followups.chasers", reason, now, rule="followups.chasers")
