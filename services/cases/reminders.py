"""A case's staff reminders, read from its audit trail.

Derived, not a table of its own (as services/cases/vigilance.py reads device
reports): the case's workflow holds each reminder and delivers it, and
records every step of its life on the hash-chained trail in the same
transaction as the rest of the change — `reminder.set` (person, time, text),
`reminder.delivered`, `reminder.cancelled`. A second copy would have to be
kept in step with it across retries and replays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from redress.db.tables.cases import AuditEvent

ACTIONS = ("reminder.set", "reminder.delivered", "reminder.cancelled")
STATES = {"reminder.delivered": "delivered", "reminder.cancelled": "cancelled"}


@dataclass
class ReminderRow:
    reminder_id: str
    person: str
    at: datetime | None
    text: str
    state: str
    set_by: str


def reminders_of(session: Session, case_id: str) -> list[ReminderRow]:
    """The case's reminders in the order they were set."""
    found: dict[str, ReminderRow] = {}
    for event in session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.action.in_(ACTIONS))
        .order_by(AuditEvent.sequence)
    ):
        reminder_id = event.field.removeprefix("reminders.")
        if event.action == "reminder.set":
            said = _json(event.new_value)
            found[reminder_id] = ReminderRow(
                reminder_id=reminder_id,
                person=str(said.get("person", "")),
                at=_time(said.get("at")),
                text=str(said.get("text", "")),
                state="open",
                set_by=event.actor_id,
            )
        elif reminder_id in found:
            found[reminder_id].state = STATES[event.action]
    return list(found.values())


def _json(value: str) -> dict[str, object]:
    try:
        said = json.loads(value) if value else {}
    except ValueError:
        return {}
    return said if isinstance(said, dict) else {}


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
