"""Unowned alerts and staff reminders on the complaint's timeline, in the
domain alone (redress/domain/complaint_unowned.py, complaint_reminders.py)."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from redress.domain import complaint_schedule as schedule
from redress.domain.complaint_commands import (
    AssignCommand,
    CancelReminderCommand,
    InvalidCommand,
    PriorityCommand,
    Refused,
    SetReminderCommand,
)
from tests.unit.complaints import EVERYTHING, audit, london, received

UNOWNED = dataclasses.replace(EVERYTHING, unowned=True)
AT = london(2027, 3, 3, 11, 10)


def unowned_due(complaint) -> list:  # type: ignore[no-untyped-def]
    return [e.at for e in schedule.upcoming(complaint) if e.kind == "unowned"]


def alerted(complaint) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    return [
        (said["step"], said["notify"], said["priority"])
        for d in audit(complaint)
        if d.action == "unowned.alerted"
        for said in [json.loads(d.new_value)]
    ]


def test_an_urgent_case_nobody_owns_climbs_the_ladder_until_assigned():
    c = received(AT, features=UNOWNED)
    assert unowned_due(c) == []  # normal priority: not watched
    t = AT + timedelta(minutes=5)
    c.change_priority(PriorityCommand("ana", "urgent", "vulnerable"))
    c.take_change(t)
    assert unowned_due(c) == [t]
    c.fire_due_events(t)
    assert alerted(c) == [(1, "lead", "urgent")]
    assert unowned_due(c) == [t + timedelta(minutes=30)]
    c.fire_due_events(t + timedelta(minutes=31))
    assert alerted(c)[-1:] == [(2, "manager", "urgent")]
    c.assign(AssignCommand("lena", "dana", "", "mine"))
    c.take_change(t + timedelta(minutes=40))
    assert unowned_due(c) == []


def test_raising_the_priority_of_an_unowned_case_starts_the_ladder_again():
    c = received(AT, features=UNOWNED)
    c.change_priority(PriorityCommand("ana", "high", "bereavement"))
    c.take_change(AT)
    c.fire_due_events(AT + timedelta(minutes=31))
    assert [s for s, _, _ in alerted(c)] == [1, 2]
    later = AT + timedelta(minutes=40)
    c.change_priority(PriorityCommand("ana", "urgent", "regulator"))
    c.take_change(later)
    assert unowned_due(c) == [later]
    # Lowering it below the policy's list ends the ladder.
    c.change_priority(PriorityCommand("ana", "normal", "not urgent after all"))
    c.take_change(later)
    assert unowned_due(c) == []


def test_no_ladder_for_a_case_started_before_unowned_alerts_or_once_resolved():
    old = received(AT)
    old.change_priority(PriorityCommand("ana", "urgent", "vulnerable"))
    old.take_change(AT)
    assert unowned_due(old) == []
    c = received(AT, features=UNOWNED)
    c.change_priority(PriorityCommand("ana", "urgent", "vulnerable"))
    c.take_change(AT)
    c.state.resolved_at = AT
    c.take_change(AT)
    assert unowned_due(c) == []


def test_reminders_are_checked_delivered_and_keep_a_closed_case_alive():
    c = received(AT, features=UNOWNED)
    now = AT + timedelta(hours=1)

    def reminder(at, text="Call back", key=""):  # type: ignore[no-untyped-def]
        return SetReminderCommand("dana", "dana", at, text, key)

    for at, field in [(now - timedelta(seconds=1), "at"), (now + timedelta(days=400), "at")]:
        with pytest.raises(InvalidCommand) as err:
            c.check_set_reminder(reminder(at), now)
        assert err.value.field == field
    with pytest.raises(InvalidCommand):
        c.check_set_reminder(reminder(now + timedelta(hours=1), " "), now)
    first = c.set_reminder(reminder(now + timedelta(days=2), key="k"))
    assert c.set_reminder(reminder(now + timedelta(days=2), key="k")) == first == "CASE-1-R1"
    with pytest.raises(InvalidCommand):
        c.check_set_reminder(reminder(now + timedelta(days=3), key="k"), now)
    for i in range(19):
        c.set_reminder(reminder(now + timedelta(days=3), f"check {i}"))
    with pytest.raises(Refused):
        c.check_set_reminder(reminder(now + timedelta(days=3)), now)
    c.cancel_reminder(CancelReminderCommand("dana", "CASE-1-R20"))
    with pytest.raises(Refused):
        c.check_cancel_reminder(CancelReminderCommand("dana", "CASE-1-R20"))
    c.check_set_reminder(reminder(now + timedelta(days=3)), now)

    # Closed long ago, its reopening window over: still alive for its reminders.
    c.state.closed_at = now
    far = now + timedelta(days=100)
    assert not c.finished(far)
    c.fire_due_events(far)
    delivered = [d for d in audit(c) if d.action == "reminder.delivered"]
    assert len(delivered) == 19
    assert json.loads(delivered[0].new_value)["person"] == "dana"
    assert c.finished(far)
