"""What people and services ask of a complaint, and how the complaint refuses.

One dataclass per command, so fields can be added without breaking callers.
A refusal is a typed exception: `Refused` when the complaint's state does not
allow the command now, `InvalidCommand` when a field is wrong (it names the
field). The edges translate them (the workflow to Temporal application errors,
the cases service to gRPC statuses); the domain knows neither.

No `from __future__ import annotations`: see complaint_state.py.
"""

from dataclasses import dataclass, field
from datetime import datetime


class Refused(Exception):
    """The command cannot be carried out in the complaint's current state."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidCommand(Refused):
    """A field of the command is wrong; `field` names it for the caller."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class KeyReused(Refused):
    """A submission reused an idempotency key with different content."""


@dataclass
class ScheduleFollowupCommand:
    """A person's follow-up: a template sent to the customer at a time."""

    actor: str
    template_name: str
    send_at: datetime
    extra: dict[str, str] = field(default_factory=dict)
    reason: str = ""


@dataclass
class AssignCommand:
    actor: str
    assignee: str
    team: str
    reason: str = ""


@dataclass
class PriorityCommand:
    actor: str
    priority: str
    reason: str


@dataclass
class CategoryCommand:
    actor: str
    category: str
    reason: str


@dataclass
class TransitionCommand:
    actor: str
    to_stage: str
    reason: str = ""


@dataclass
class ClockCommand:
    actor: str
    clock: str
    reason: str = ""


@dataclass
class ReplyCommand:
    actor: str
    summary: str
    channel: str = ""


@dataclass
class AddSubtaskCommand:
    actor: str
    title: str
    description: str
    assignee: str
    team: str
    due_at: datetime | None


@dataclass
class SubtaskCommand:
    actor: str
    subtask_id: str
    reason: str = ""


@dataclass
class OutcomeCommand:
    actor: str
    decision: str
    root_cause: str
    summary: str
    redress_currency: str = ""
    redress_minor: int = 0
    goodwill_currency: str = ""
    goodwill_minor: int = 0
    # One of the case's policy's `outcomes` by name; the decision follows from it.
    outcome: str = ""


@dataclass
class ReasonCommand:
    actor: str
    reason: str = ""


@dataclass
class SetReminderCommand:
    """A reminder a member of staff sets on the case: an alert to `person`
    at `at` saying `text`."""

    actor: str
    person: str
    at: datetime
    text: str
    idempotency_key: str = ""


@dataclass
class CancelReminderCommand:
    actor: str
    reminder_id: str
    reason: str = ""
