"""What a complaint is made of: the submission, the state it carries through
its life, and the drafts (audit entries, notes, messages, case events) its
rules produce.

Plain dataclasses: new fields get defaults so that running workflows and
saved histories keep decoding (Temporal's JSON payloads depend only on field
names, not on the module a dataclass lives in).

No `from __future__ import annotations` here, and every type is defined before
it is used: this state travels across continue-as-new, and the workflow
sandbox decodes it without this module in its module table, so field types
must be real objects rather than names to look up (see clocks.py).
"""

from dataclasses import dataclass, field
from datetime import datetime

from redress.domain.clocks import Clock
from redress.domain.vigilance_state import ReportabilityInfo


@dataclass
class CustomerInfo:
    full_name: str
    email: str = ""
    phone: str = ""
    address_lines: list[str] = field(default_factory=list)
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    preferred_channel: str = ""
    preferred_language: str = ""
    external_ref: str = ""
    tags: list[str] = field(default_factory=list)
    do_not_contact: list[str] = field(default_factory=list)
    no_surveys: bool = False
    # A public handle on a social network or chat tool ("twitter:@name"):
    # how the complaint reached the firm, never where a letter goes.
    social_handle: str = ""


@dataclass
class HistoricClosure:
    """How a historic complaint ended, as the file it was loaded from says."""

    decision: str
    # The source's own words, e.g. "Closed with monetary relief".
    source_status: str
    closed_at: datetime
    # Where the close date comes from, for the audit trail.
    closed_at_source: str = ""


@dataclass
class LanguageDetection:
    """The language intake found a narrative written in, when the submission
    stated none: a BCP 47 primary tag, how sure the detector was (0 to 1),
    and which detector said so."""

    language: str
    confidence: float
    detector: str = ""
    # The next most likely language and its confidence, for a reader who
    # doubts the result.
    runner_up: str = ""
    runner_up_confidence: float = 0.0


@dataclass
class ComplaintSubmission:
    """A validated complaint as intake accepted it."""

    idempotency_key: str
    submitted_by: str
    channel: str
    customer: CustomerInfo
    narrative: str
    regime: str
    received_at: datetime
    # sha256 over the request as submitted: a reused key with other content
    # is refused rather than silently answered with the first case.
    fingerprint: str
    product: str = ""
    sub_product: str = ""
    issue: str = ""
    sub_issue: str = ""
    desired_outcome: str = ""
    company: str = ""
    external_ref: str = ""
    attachment_ids: list[str] = field(default_factory=list)
    priority: str = "normal"
    category: str = ""
    # A record of an old complaint being loaded: see intake.proto `historic`.
    historic: bool = False
    # Set for a historic complaint its source records as closed.
    closure: HistoricClosure | None = None
    # Set when the submission stated no language and intake detected it from
    # the narrative (customer.preferred_language then holds it).
    language_detected: LanguageDetection | None = None


@dataclass
class PolicyDocument:
    policy_id: str
    version: str
    document: str


@dataclass
class SubtaskInfo:
    subtask_id: str
    title: str
    description: str
    assignee: str
    team: str
    due_at: datetime | None
    created_at: datetime
    state: str = "open"  # open | completed | cancelled | overdue
    completed_at: datetime | None = None
    reminded: bool = False


@dataclass
class OutcomeInfo:
    decision: str
    root_cause: str
    summary: str
    recorded_at: datetime
    recorded_by: str
    redress_currency: str = ""
    redress_minor: int = 0
    goodwill_currency: str = ""
    goodwill_minor: int = 0
    # The policy's outcome value, when its policy defines `outcomes`.
    outcome: str = ""


@dataclass
class AuditDraft:
    action: str
    actor_kind: str  # person | service | rule
    actor_id: str
    field: str = ""
    old_value: str = ""
    new_value: str = ""
    cause: str = ""
    rule_version: str = ""


@dataclass
class NoteDraft:
    note_id: str
    author: str
    body: str
    customer_visible: bool
    created_at: datetime


@dataclass
class ScheduledFollowup:
    followup_id: str
    template_name: str
    send_at: datetime
    scheduled_by: str
    extra: dict[str, str] = field(default_factory=dict)
    state: str = "scheduled"  # scheduled | sent | cancelled


@dataclass
class StaffReminder:
    """A reminder a member of staff set on the case ("call back Tuesday
    10:00"): an alert to `person` at `at`."""

    reminder_id: str
    person: str
    at: datetime
    text: str
    set_by: str
    idempotency_key: str = ""
    state: str = "open"  # open | delivered | cancelled


@dataclass
class MessageRequest:
    """A message the workflow asks services/followup to render and send."""

    idempotency_key: str
    case_id: str
    case_workflow_id: str
    template_name: str
    # The follow-up kind (acknowledgement, chasers…) or "scheduled".
    kind: str
    extra: dict[str, str] = field(default_factory=dict)
    requested_by: str = "complaint-workflow"


@dataclass
class CaseEventDraft:
    """A case event for webhooks; event_id is unique and sequence orders a case's events."""

    event_id: str
    event_type: str
    case_id: str
    sequence: int
    occurred_at: datetime
    payload: dict[str, str] = field(default_factory=dict)


@dataclass
class OutboxItem:
    message: MessageRequest | None = None
    events: list[CaseEventDraft] = field(default_factory=list)


@dataclass
class ComplaintState:
    """Everything the workflow keeps; carried across continue-as-new."""

    case_id: str = ""
    stage: str = "received"
    priority: str = "normal"
    submissions_answered: int = 0
    assignee: str = ""
    team: str = ""
    category: str = ""
    escalation_level: int = 0
    policy: PolicyDocument | None = None
    clocks: list[Clock] = field(default_factory=list)
    subtasks: list[SubtaskInfo] = field(default_factory=list)
    outcome: OutcomeInfo | None = None
    stage_entered_at: datetime | None = None
    stage_target_exceeded: bool = False
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    changes_recorded: int = 0
    subtasks_created: int = 0
    # Follow-ups: messages and events waiting to be handed to services/followup,
    # oldest first; the workflow hands them over in order.
    outbox: list[OutboxItem] = field(default_factory=list)
    messages_requested: int = 0
    last_progress_update_at: datetime | None = None
    chasers_sent: int = 0
    holding_response_sent: bool = False
    survey_sent: bool = False
    # message_id -> the follow-up kind it was sent as.
    followup_messages: dict[str, str] = field(default_factory=dict)
    # Message id: the message.* audit actions recorded for it, so that each
    # is recorded once however often services/followup says it.
    message_log: dict[str, list[str]] = field(default_factory=dict)
    scheduled: list[ScheduledFollowup] = field(default_factory=list)
    # Knowledge articles are still to be suggested for the new case.
    suggestions_pending: bool = False
    # For a historic complaint: when it was filed. Clock events due before
    # then are recorded without their actions.
    filed_at: datetime | None = None
    # The complaint type whose rules the case runs under (a name from the
    # policy's `types`, or "default" for its base rules); "" when the policy
    # has no types or the complaint started before types existed.
    complaint_type: str = ""
    # Under an awareness regime (device vigilance): the reportability
    # decision and the reports made (redress/domain/complaint_vigilance.py).
    reportability: ReportabilityInfo | None = None
    # Unowned alerts (redress/domain/complaint_unowned.py): since when the
    # case has had no assignee at a priority the policy watches, the
    # priority it was watched at, and how many of the ladder's steps were
    # taken since.
    unowned_since: datetime | None = None
    unowned_priority: str = ""
    unowned_alerts_sent: int = 0
    # Reminders staff set on the case, in the order they were set.
    reminders: list[StaffReminder] = field(default_factory=list)
    reminders_set: int = 0


@dataclass
class MessageQueued:
    message_id: str
    state: str
    template_name: str = ""
    template_version: int = 0
    language: str = ""
    channel: str = ""


@dataclass
class PersonalDataErased:
    """From services/cases: the customer's personal data was erased. The
    workflow forgets what it holds of it and continues as new, so that the
    runs whose histories hold the complaint as submitted can be deleted."""

    request_reference: str
    # Every channel: an erased customer is never contacted again.
    do_not_contact: list[str] = field(default_factory=list)


@dataclass
class MessageEvent:
    """From services/followup: a message a person sent was queued, a message's
    delivery ended, or the mail gateway reported what became of an email."""

    message_id: str
    # queued | sent | handed_off | failed; with `reported`, delivered | failed
    # (a bounce). Workflows started before emails were "sent" also got
    # "delivered" for an email the relay accepted.
    state: str
    kind: str = ""
    template_name: str = ""
    template_version: int = 0
    channel: str = ""
    detail: str = ""
    language: str = ""
    # Who asked for the message (queued) or reported on it (reported).
    actor: str = ""
    # A delivery report from the mail gateway (RecordDeliveryReport).
    reported: bool = False


@dataclass
class SubtaskEvent:
    subtask_id: str
    kind: str  # "reminder" | "overdue"


@dataclass
class SuggestedArticle:
    article_id: str
    title: str
    score: float


@dataclass
class ClockStatus:
    name: str
    state: str
    regulatory: bool
    basis: str
    due_at: datetime | None
    time_left_seconds: float
    paused_seconds: float
    pause_reason: str
    regulation: str


@dataclass
class ComplaintStatus:
    """What the `status` query answers: the live state of the complaint."""

    case_id: str
    stage: str
    priority: str
    channel: str
    regime: str
    # The submission's fingerprint, so intake can tell a retried submission
    # from a reused key after the workflow has finished.
    fingerprint: str = ""
    assignee: str = ""
    team: str = ""
    escalation_level: int = 0
    next_deadline: datetime | None = None
    breached: bool = False
    policy_id: str = ""
    policy_version: str = ""
    complaint_type: str = ""
    allowed_stages: list[str] = field(default_factory=list)
    clocks: list[ClockStatus] = field(default_factory=list)
    subtasks: list[SubtaskInfo] = field(default_factory=list)
