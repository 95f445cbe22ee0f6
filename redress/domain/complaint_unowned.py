"""Cases nobody owns, and reminders staff set: two kinds of event on the
complaint's timeline beside its clocks (docs/lifecycle.md, "Unowned cases"
and "Reminders").

Unowned: while an open case has no assignee and its priority is one the
policy's `unowned` section watches, each step of its ladder falls due in
turn, counted from when the case became unowned (or its priority was
raised); each step is one `unowned.alerted` entry, which services/followup
turns into an alert to the role it names. Assigning, resolving or closing
the case ends the ladder; unassigning it, or raising its priority, starts
it again from its first step.

Reminders: each open reminder falls due at its time and becomes one
`reminder.delivered` entry, an alert to its person. A reminder outlives the
case's resolution and closing (people set them to call back afterwards):
only cancelling it stops it.

Both are events of `complaint_schedule.upcoming`, so the workflow sleeps
until the earliest of everything due with one timer, and nothing it does on
an assignment or a cancellation cancels a timer of its own.

Pure code: `now` comes from the caller.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from redress.domain import clocks as clk
from redress.domain.complaint_audit import iso
from redress.domain.priority import PRIORITIES

if TYPE_CHECKING:
    from redress.domain.complaint_core import ComplaintCore as Complaint

UNOWNED = "unowned"
REMINDER = "reminder"


def watch_unowned(complaint: Complaint, now: datetime) -> None:
    """Starts, restarts or ends the unowned ladder after a change."""
    state = complaint.state
    rule = complaint.rules.unowned if complaint.features.unowned else None
    watched = (
        rule is not None
        and bool(rule.steps)
        and not state.assignee
        and state.priority in rule.priorities
        and state.resolved_at is None
        and state.closed_at is None
        and not complaint.submission.historic
    )
    if not watched:
        state.unowned_since = None
        state.unowned_priority = ""
        state.unowned_alerts_sent = 0
        return
    raised = state.unowned_since is not None and _rank(state.priority) > _rank(
        state.unowned_priority
    )
    if state.unowned_since is None or raised:
        state.unowned_since = now
        state.unowned_priority = state.priority
        state.unowned_alerts_sent = 0


def _rank(priority: str) -> int:
    return PRIORITIES.index(priority) if priority in PRIORITIES else -1


def unowned_events(complaint: Complaint) -> list[clk.ClockEvent]:
    """The unowned ladder's next step, if the case is being watched."""
    state = complaint.state
    rule = complaint.rules.unowned if complaint.features.unowned else None
    if rule is None or state.unowned_since is None:
        return []
    if state.unowned_alerts_sent >= len(rule.steps):
        return []
    step = rule.steps[state.unowned_alerts_sent]
    at = clk.advance(
        step.after.basis,
        complaint.calendar(""),
        state.unowned_since,
        step.after.duration.total_seconds(),
    )
    return [clk.ClockEvent(at, f"unowned:{state.unowned_alerts_sent}", UNOWNED)]


def fire_unowned(complaint: Complaint, event: clk.ClockEvent) -> None:
    state = complaint.state
    rule = complaint.rules.unowned
    assert rule is not None and state.unowned_since is not None
    index = state.unowned_alerts_sent
    step = rule.steps[index]
    state.unowned_alerts_sent += 1
    document = state.policy
    version = f"{document.policy_id} {document.version}" if document else ""
    complaint.trail.by_rule(
        "unowned.alerted",
        "assignee",
        new=json.dumps(
            {
                "step": index + 1,
                "notify": step.notify,
                "priority": state.priority,
                "unowned_since": iso(state.unowned_since),
                "policy_version": version,
            }
        ),
        cause=f"no one owns this {state.priority} priority case since "
        f"{iso(state.unowned_since)}; step {index + 1} of {len(rule.steps)} "
        f"({step.after.describe()} unowned): alert the {step.notify}",
        rule=f"unowned.steps[{index}]",
    )


def reminder_events(complaint: Complaint) -> list[clk.ClockEvent]:
    return [
        clk.ClockEvent(r.at, f"reminder:{r.reminder_id}", REMINDER)
        for r in complaint.state.reminders
        if r.state == "open"
    ]


def fire_reminder(complaint: Complaint, event: clk.ClockEvent) -> None:
    reminder_id = event.clock.split(":", 1)[1]
    reminder = next(r for r in complaint.state.reminders if r.reminder_id == reminder_id)
    reminder.state = "delivered"
    complaint.trail.by_rule(
        "reminder.delivered",
        f"reminders.{reminder_id}",
        old="open",
        new=json.dumps(
            {
                "reminder_id": reminder_id,
                "person": reminder.person,
                "at": iso(reminder.at),
                "text": reminder.text,
            }
        ),
        cause=f"reminder set by {reminder.set_by} for {iso(reminder.at)}: {reminder.text}",
    )
