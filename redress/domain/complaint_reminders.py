"""Reminders staff set on a case ("call back Tuesday 10:00").

A reminder is an alert to one person at one time, set and cancelled by
staff, delivered by the complaint's timeline (complaint_unowned.py fires it)
and recorded on the audit trail: `reminder.set`, `reminder.delivered`,
`reminder.cancelled`. A reminder outlives the case's resolution and closing
(people set them to call the customer back afterwards), so the workflow
stays until the last open one is delivered or cancelled.

Pure code: `now` comes from the caller.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from redress.domain.complaint_audit import iso
from redress.domain.complaint_commands import (
    CancelReminderCommand,
    InvalidCommand,
    Refused,
    SetReminderCommand,
)
from redress.domain.complaint_core import ComplaintCore
from redress.domain.complaint_state import StaffReminder

# Open reminders a case may hold at once, and how far ahead one may be set.
MAX_OPEN_REMINDERS = 20
FURTHEST_REMINDER = timedelta(days=366)
MAX_REMINDER_TEXT = 500


class ComplaintReminders(ComplaintCore):
    def _reminder_by_key(self, key: str) -> StaffReminder | None:
        if not key:
            return None
        return next((r for r in self.state.reminders if r.idempotency_key == key), None)

    def check_set_reminder(self, command: SetReminderCommand, now: datetime) -> None:
        self.check_ready()
        if not self.features.alerts:
            raise Refused(
                "this case was started before staff alerts existed; it takes no reminders"
            )
        same = self._reminder_by_key(command.idempotency_key)
        if same is not None:
            if (same.person, same.at, same.text) != (command.person, command.at, command.text):
                raise InvalidCommand(
                    f"idempotency key already used for reminder {same.reminder_id}, which "
                    "differs; use a new key for a new reminder",
                    "idempotency_key",
                )
            return
        if not command.person.strip():
            raise InvalidCommand("name the person to remind", "person")
        if not command.text.strip():
            raise InvalidCommand("say what to be reminded of", "text")
        if len(command.text) > MAX_REMINDER_TEXT:
            raise InvalidCommand(f"at most {MAX_REMINDER_TEXT} characters", "text")
        if command.at <= now:
            raise InvalidCommand("must be in the future", "at")
        if command.at > now + FURTHEST_REMINDER:
            raise InvalidCommand("at most a year ahead", "at")
        open_now = sum(1 for r in self.state.reminders if r.state == "open")
        if open_now >= MAX_OPEN_REMINDERS:
            raise Refused(
                f"the case holds {open_now} open reminders, the most it may hold "
                f"({MAX_OPEN_REMINDERS}); cancel one first"
            )

    def set_reminder(self, command: SetReminderCommand) -> str:
        """Answers the reminder's id (the same one again for a retried key)."""
        same = self._reminder_by_key(command.idempotency_key)
        if same is not None:
            return same.reminder_id
        self.state.reminders_set += 1
        reminder_id = f"{self.state.case_id}-R{self.state.reminders_set}"
        self.state.reminders.append(
            StaffReminder(
                reminder_id=reminder_id,
                person=command.person,
                at=command.at,
                text=command.text,
                set_by=command.actor,
                idempotency_key=command.idempotency_key,
            )
        )
        self.trail.by_person(
            command.actor,
            "reminder.set",
            f"reminders.{reminder_id}",
            new=json.dumps(
                {
                    "reminder_id": reminder_id,
                    "person": command.person,
                    "at": iso(command.at),
                    "text": command.text,
                }
            ),
            cause=f"a reminder for {command.person} at {iso(command.at)}",
        )
        return reminder_id

    def check_cancel_reminder(self, command: CancelReminderCommand) -> None:
        self.check_ready()
        found = next(
            (r for r in self.state.reminders if r.reminder_id == command.reminder_id), None
        )
        if found is None:
            raise InvalidCommand(f"no reminder {command.reminder_id!r} on this case", "reminder_id")
        if found.state != "open":
            raise Refused(f"reminder {found.reminder_id} is already {found.state}")

    def cancel_reminder(self, command: CancelReminderCommand) -> None:
        found = next(r for r in self.state.reminders if r.reminder_id == command.reminder_id)
        found.state = "cancelled"
        self.trail.by_person(
            command.actor,
            "reminder.cancelled",
            f"reminders.{found.reminder_id}",
            old="open",
            new="cancelled",
            cause=command.reason or "cancelled",
        )
