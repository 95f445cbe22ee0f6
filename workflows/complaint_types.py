"""The data a ComplaintWorkflow takes, keeps and answers with.

The complaint's own data (its submission, state, commands and what it
answers) lives in the domain (`redress.domain.complaint_state`,
`redress.domain.complaint_commands`) and is re-exported here for the
services and activities that talk to the workflow. What is defined here is
the workflow's own plumbing: its input, and what it exchanges with its
activities and child workflows.

Plain dataclasses: new fields get defaults so that running workflows and
saved histories keep decoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from redress.domain.complaint_commands import (
    AddSubtaskCommand,
    AssignCommand,
    CancelReminderCommand,
    CategoryCommand,
    ClockCommand,
    OutcomeCommand,
    PriorityCommand,
    ReasonCommand,
    ReplyCommand,
    ScheduleFollowupCommand,
    SetReminderCommand,
    SubtaskCommand,
    TransitionCommand,
)
from redress.domain.complaint_state import (
    AuditDraft,
    CaseEventDraft,
    ClockStatus,
    ComplaintState,
    ComplaintStatus,
    ComplaintSubmission,
    CustomerInfo,
    HistoricClosure,
    MessageEvent,
    MessageQueued,
    MessageRequest,
    NoteDraft,
    OutboxItem,
    OutcomeInfo,
    PersonalDataErased,
    PolicyDocument,
    ScheduledFollowup,
    SubtaskEvent,
    SubtaskInfo,
    SuggestedArticle,
)

__all__ = [
    "AddSubtaskCommand",
    "AssignCommand",
    "AuditDraft",
    "CancelReminderCommand",
    "CaseEventDraft",
    "CategoryCommand",
    "ClockCommand",
    "ClockStatus",
    "CommandResult",
    "ComplaintInput",
    "ComplaintState",
    "ComplaintStatus",
    "ComplaintSubmission",
    "CustomerInfo",
    "HistoricClosure",
    "MessageEvent",
    "MessageQueued",
    "MessageRequest",
    "NoteDraft",
    "OutboxItem",
    "OutcomeCommand",
    "OutcomeInfo",
    "PersonalDataErased",
    "PolicyDocument",
    "PriorityCommand",
    "ReasonCommand",
    "RecordChangeInput",
    "RegisterSubmissionInput",
    "RegisterSubmissionResult",
    "ReplyCommand",
    "ScheduleFollowupCommand",
    "ScheduledFollowup",
    "SetReminderCommand",
    "StoreCaseInput",
    "StoredCase",
    "SubtaskCommand",
    "SubtaskEvent",
    "SubtaskInfo",
    "SubtaskInput",
    "SuggestInput",
    "SuggestedArticle",
    "TransitionCommand",
]


@dataclass
class ComplaintInput:
    submission: ComplaintSubmission
    # Set when the workflow continues as new: everything it had.
    state: ComplaintState | None = None
    # Continue as new once the history has this many events, besides whenever
    # the server suggests it (0: only then). Intake sets it from
    # REDRESS_HISTORY_LIMIT for deployments that keep histories short, so that
    # a complaint the worker no longer holds is replayed from a short history
    # when its next event comes (docs/BENCHMARKS.md, "Deadline bursts").
    history_limit: int = 0
    # Continue as new once the receipt is recorded and handed over, so that
    # the complaint waits for its clocks in a run of a few events. Intake sets
    # it from REDRESS_FRESH_RUN_AFTER_RECEIPT.
    fresh_run_after_receipt: bool = False


# The smallest history_limit a deployment may set: a run that has just
# continued as new has about ten events before its first wait (the carried
# state, its first task, its follow-ups' hand-over), so a limit near that would
# continue as new again and again.
SHORTEST_HISTORY_LIMIT = 30


@dataclass
class StoreCaseInput:
    workflow_id: str
    submission: ComplaintSubmission
    stage: str
    policy_id: str = ""
    policy_version: str = ""
    # The complaint type whose rules the case runs under ("" without types).
    complaint_type: str = ""


@dataclass
class StoredCase:
    case_id: str
    created: bool
    # When the case was stored: the time of its receipt's change, the same
    # when the first workflow task is done again. None in histories of
    # complaints stored before it was returned.
    created_at: datetime | None = None


@dataclass
class RouteCaseInput:
    case_id: str
    # receipt, reclassification or absence.
    occasion: str


@dataclass
class RoutedCase:
    """services/cases' routing decision (RouteCase), as the workflow applies it."""

    matched: bool
    team: str = ""
    assignee: str = ""
    rule_index: int = -1
    rule_name: str = ""
    strategy: str = ""
    policy_version: str = ""
    skipped: list[str] = field(default_factory=list)


@dataclass
class AbsentAssignment:
    case_id: str
    workflow_id: str
    assignee: str
    absent_since: str


@dataclass
class RerouteCommand:
    """Sent by the absence sweep (workflows/rerouting.py): route the case again."""

    reason: str = ""


@dataclass
class RegisterSubmissionInput:
    fingerprint: str


@dataclass
class RegisterSubmissionResult:
    case_id: str
    # True only for the submission that started the workflow.
    created: bool


@dataclass
class RecordChangeInput:
    case_id: str
    change_id: str
    state: ComplaintState
    audit: list[AuditDraft]
    notes: list[NoteDraft] = field(default_factory=list)


@dataclass
class CommandResult:
    case_id: str
    stage: str
    # Set by AddSubtask: the new subtask's id.
    subtask_id: str = ""


@dataclass
class SubtaskInput:
    parent_workflow_id: str
    subtask_id: str
    due_at: datetime | None
    # How long before the due time the assignee is reminded.
    remind_before_seconds: float = 86400.0


@dataclass
class SuggestInput:
    case_id: str
    limit: int = 3
