import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from redress.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubtaskState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBTASK_STATE_UNSPECIFIED: _ClassVar[SubtaskState]
    SUBTASK_STATE_OPEN: _ClassVar[SubtaskState]
    SUBTASK_STATE_COMPLETED: _ClassVar[SubtaskState]
    SUBTASK_STATE_CANCELLED: _ClassVar[SubtaskState]
    SUBTASK_STATE_OVERDUE: _ClassVar[SubtaskState]

class Decision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_UNSPECIFIED: _ClassVar[Decision]
    DECISION_UPHELD: _ClassVar[Decision]
    DECISION_PARTLY_UPHELD: _ClassVar[Decision]
    DECISION_REJECTED: _ClassVar[Decision]
    DECISION_WITHDRAWN: _ClassVar[Decision]

class LinkKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LINK_KIND_UNSPECIFIED: _ClassVar[LinkKind]
    LINK_KIND_DUPLICATE_OF: _ClassVar[LinkKind]
    LINK_KIND_RELATED_TO: _ClassVar[LinkKind]
    LINK_KIND_PARENT_OF: _ClassVar[LinkKind]
    LINK_KIND_CHILD_OF: _ClassVar[LinkKind]
    LINK_KIND_DUPLICATED_BY: _ClassVar[LinkKind]

class CaseSortField(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_SORT_FIELD_UNSPECIFIED: _ClassVar[CaseSortField]
    CASE_SORT_FIELD_RECEIVED_AT: _ClassVar[CaseSortField]
    CASE_SORT_FIELD_NEXT_DEADLINE: _ClassVar[CaseSortField]
    CASE_SORT_FIELD_PRIORITY: _ClassVar[CaseSortField]
    CASE_SORT_FIELD_UPDATED_AT: _ClassVar[CaseSortField]
SUBTASK_STATE_UNSPECIFIED: SubtaskState
SUBTASK_STATE_OPEN: SubtaskState
SUBTASK_STATE_COMPLETED: SubtaskState
SUBTASK_STATE_CANCELLED: SubtaskState
SUBTASK_STATE_OVERDUE: SubtaskState
DECISION_UNSPECIFIED: Decision
DECISION_UPHELD: Decision
DECISION_PARTLY_UPHELD: Decision
DECISION_REJECTED: Decision
DECISION_WITHDRAWN: Decision
LINK_KIND_UNSPECIFIED: LinkKind
LINK_KIND_DUPLICATE_OF: LinkKind
LINK_KIND_RELATED_TO: LinkKind
LINK_KIND_PARENT_OF: LinkKind
LINK_KIND_CHILD_OF: LinkKind
LINK_KIND_DUPLICATED_BY: LinkKind
CASE_SORT_FIELD_UNSPECIFIED: CaseSortField
CASE_SORT_FIELD_RECEIVED_AT: CaseSortField
CASE_SORT_FIELD_NEXT_DEADLINE: CaseSortField
CASE_SORT_FIELD_PRIORITY: CaseSortField
CASE_SORT_FIELD_UPDATED_AT: CaseSortField

class Case(_message.Message):
    __slots__ = ("case_id", "workflow_id", "stage", "priority", "channel", "customer_id", "customer", "product", "sub_product", "issue", "sub_issue", "narrative", "desired_outcome", "regime", "company", "external_ref", "category", "assignee", "team", "escalation_level", "policy_id", "policy_version", "received_at", "created_at", "updated_at", "resolved_at", "closed_at", "attachment_ids", "clocks", "next_deadline", "breached", "outcome", "notes", "subtasks", "links", "audit_events", "idempotency_key", "customer_erased_at", "customer_record", "note_count", "audit_event_count", "subtask_count", "link_count", "complaint_type", "regime_name", "reminders", "satisfaction")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    SUB_PRODUCT_FIELD_NUMBER: _ClassVar[int]
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    SUB_ISSUE_FIELD_NUMBER: _ClassVar[int]
    NARRATIVE_FIELD_NUMBER: _ClassVar[int]
    DESIRED_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REGIME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    CLOCKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    SUBTASKS_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_EVENTS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ERASED_AT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_RECORD_FIELD_NUMBER: _ClassVar[int]
    NOTE_COUNT_FIELD_NUMBER: _ClassVar[int]
    AUDIT_EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUBTASK_COUNT_FIELD_NUMBER: _ClassVar[int]
    LINK_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_TYPE_FIELD_NUMBER: _ClassVar[int]
    REGIME_NAME_FIELD_NUMBER: _ClassVar[int]
    REMINDERS_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    workflow_id: str
    stage: str
    priority: _common_pb2.Priority
    channel: _common_pb2.Channel
    customer_id: str
    customer: _common_pb2.Customer
    product: str
    sub_product: str
    issue: str
    sub_issue: str
    narrative: str
    desired_outcome: str
    regime: _common_pb2.Regime
    company: str
    external_ref: str
    category: str
    assignee: str
    team: str
    escalation_level: int
    policy_id: str
    policy_version: str
    received_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    resolved_at: _timestamp_pb2.Timestamp
    closed_at: _timestamp_pb2.Timestamp
    attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    clocks: _containers.RepeatedCompositeFieldContainer[Clock]
    next_deadline: _timestamp_pb2.Timestamp
    breached: bool
    outcome: Outcome
    notes: _containers.RepeatedCompositeFieldContainer[Note]
    subtasks: _containers.RepeatedCompositeFieldContainer[Subtask]
    links: _containers.RepeatedCompositeFieldContainer[CaseLink]
    audit_events: _containers.RepeatedCompositeFieldContainer[AuditEvent]
    idempotency_key: str
    customer_erased_at: _timestamp_pb2.Timestamp
    customer_record: _common_pb2.Customer
    note_count: int
    audit_event_count: int
    subtask_count: int
    link_count: int
    complaint_type: str
    regime_name: str
    reminders: _containers.RepeatedCompositeFieldContainer[Reminder]
    satisfaction: Satisfaction
    def __init__(self, case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., stage: _Optional[str] = ..., priority: _Optional[_Union[_common_pb2.Priority, str]] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., customer_id: _Optional[str] = ..., customer: _Optional[_Union[_common_pb2.Customer, _Mapping]] = ..., product: _Optional[str] = ..., sub_product: _Optional[str] = ..., issue: _Optional[str] = ..., sub_issue: _Optional[str] = ..., narrative: _Optional[str] = ..., desired_outcome: _Optional[str] = ..., regime: _Optional[_Union[_common_pb2.Regime, str]] = ..., company: _Optional[str] = ..., external_ref: _Optional[str] = ..., category: _Optional[str] = ..., assignee: _Optional[str] = ..., team: _Optional[str] = ..., escalation_level: _Optional[int] = ..., policy_id: _Optional[str] = ..., policy_version: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attachment_ids: _Optional[_Iterable[str]] = ..., clocks: _Optional[_Iterable[_Union[Clock, _Mapping]]] = ..., next_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., breached: _Optional[bool] = ..., outcome: _Optional[_Union[Outcome, _Mapping]] = ..., notes: _Optional[_Iterable[_Union[Note, _Mapping]]] = ..., subtasks: _Optional[_Iterable[_Union[Subtask, _Mapping]]] = ..., links: _Optional[_Iterable[_Union[CaseLink, _Mapping]]] = ..., audit_events: _Optional[_Iterable[_Union[AuditEvent, _Mapping]]] = ..., idempotency_key: _Optional[str] = ..., customer_erased_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_record: _Optional[_Union[_common_pb2.Customer, _Mapping]] = ..., note_count: _Optional[int] = ..., audit_event_count: _Optional[int] = ..., subtask_count: _Optional[int] = ..., link_count: _Optional[int] = ..., complaint_type: _Optional[str] = ..., regime_name: _Optional[str] = ..., reminders: _Optional[_Iterable[_Union[Reminder, _Mapping]]] = ..., satisfaction: _Optional[_Union[Satisfaction, _Mapping]] = ...) -> None: ...

class Reminder(_message.Message):
    __slots__ = ("reminder_id", "person", "at", "text", "state", "set_by")
    REMINDER_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SET_BY_FIELD_NUMBER: _ClassVar[int]
    reminder_id: str
    person: str
    at: _timestamp_pb2.Timestamp
    text: str
    state: str
    set_by: str
    def __init__(self, reminder_id: _Optional[str] = ..., person: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., text: _Optional[str] = ..., state: _Optional[str] = ..., set_by: _Optional[str] = ...) -> None: ...

class Satisfaction(_message.Message):
    __slots__ = ("score", "comment", "source", "received_at")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    score: int
    comment: str
    source: str
    received_at: _timestamp_pb2.Timestamp
    def __init__(self, score: _Optional[int] = ..., comment: _Optional[str] = ..., source: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetReminderRequest(_message.Message):
    __slots__ = ("case_id", "at", "text", "person", "idempotency_key")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    at: _timestamp_pb2.Timestamp
    text: str
    person: str
    idempotency_key: str
    def __init__(self, case_id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., text: _Optional[str] = ..., person: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SetReminderResponse(_message.Message):
    __slots__ = ("reminder", "case")
    REMINDER_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    reminder: Reminder
    case: Case
    def __init__(self, reminder: _Optional[_Union[Reminder, _Mapping]] = ..., case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class CancelReminderRequest(_message.Message):
    __slots__ = ("case_id", "reminder_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REMINDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reminder_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., reminder_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelReminderResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class Clock(_message.Message):
    __slots__ = ("name", "state", "regulatory", "started_at", "due_at", "business_time_left", "paused_for", "pause_reason", "stopped_at", "calendar", "basis", "breached_at", "regulation", "description", "remaining", "warned_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REGULATORY_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_TIME_LEFT_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FOR_FIELD_NUMBER: _ClassVar[int]
    PAUSE_REASON_FIELD_NUMBER: _ClassVar[int]
    STOPPED_AT_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    BREACHED_AT_FIELD_NUMBER: _ClassVar[int]
    REGULATION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    WARNED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: _common_pb2.ClockState
    regulatory: bool
    started_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    business_time_left: _duration_pb2.Duration
    paused_for: _duration_pb2.Duration
    pause_reason: str
    stopped_at: _timestamp_pb2.Timestamp
    calendar: str
    basis: str
    breached_at: _timestamp_pb2.Timestamp
    regulation: str
    description: str
    remaining: _duration_pb2.Duration
    warned_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.ClockState, str]] = ..., regulatory: _Optional[bool] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., business_time_left: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., paused_for: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., pause_reason: _Optional[str] = ..., stopped_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., calendar: _Optional[str] = ..., basis: _Optional[str] = ..., breached_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., regulation: _Optional[str] = ..., description: _Optional[str] = ..., remaining: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., warned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Note(_message.Message):
    __slots__ = ("note_id", "author", "customer_visible", "body", "created_at")
    NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_VISIBLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    note_id: str
    author: str
    customer_visible: bool
    body: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, note_id: _Optional[str] = ..., author: _Optional[str] = ..., customer_visible: _Optional[bool] = ..., body: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Subtask(_message.Message):
    __slots__ = ("subtask_id", "title", "description", "assignee", "team", "due_at", "state", "created_at", "completed_at")
    SUBTASK_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    subtask_id: str
    title: str
    description: str
    assignee: str
    team: str
    due_at: _timestamp_pb2.Timestamp
    state: SubtaskState
    created_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, subtask_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., assignee: _Optional[str] = ..., team: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[SubtaskState, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Outcome(_message.Message):
    __slots__ = ("decision", "redress", "goodwill", "root_cause", "summary", "recorded_at", "recorded_by", "outcome")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REDRESS_FIELD_NUMBER: _ClassVar[int]
    GOODWILL_FIELD_NUMBER: _ClassVar[int]
    ROOT_CAUSE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    redress: _common_pb2.Money
    goodwill: _common_pb2.Money
    root_cause: str
    summary: str
    recorded_at: _timestamp_pb2.Timestamp
    recorded_by: str
    outcome: str
    def __init__(self, decision: _Optional[_Union[Decision, str]] = ..., redress: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., goodwill: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., root_cause: _Optional[str] = ..., summary: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_by: _Optional[str] = ..., outcome: _Optional[str] = ...) -> None: ...

class CaseLink(_message.Message):
    __slots__ = ("kind", "other_case_id", "linked_at", "linked_by")
    KIND_FIELD_NUMBER: _ClassVar[int]
    OTHER_CASE_ID_FIELD_NUMBER: _ClassVar[int]
    LINKED_AT_FIELD_NUMBER: _ClassVar[int]
    LINKED_BY_FIELD_NUMBER: _ClassVar[int]
    kind: LinkKind
    other_case_id: str
    linked_at: _timestamp_pb2.Timestamp
    linked_by: str
    def __init__(self, kind: _Optional[_Union[LinkKind, str]] = ..., other_case_id: _Optional[str] = ..., linked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., linked_by: _Optional[str] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("sequence", "recorded_at", "actor", "action", "field", "old_value", "new_value", "cause", "hash", "previous_hash", "hash_scheme", "erased_values")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_SCHEME_FIELD_NUMBER: _ClassVar[int]
    ERASED_VALUES_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    recorded_at: _timestamp_pb2.Timestamp
    actor: _common_pb2.Actor
    action: str
    field: str
    old_value: str
    new_value: str
    cause: str
    hash: str
    previous_hash: str
    hash_scheme: int
    erased_values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sequence: _Optional[int] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., action: _Optional[str] = ..., field: _Optional[str] = ..., old_value: _Optional[str] = ..., new_value: _Optional[str] = ..., cause: _Optional[str] = ..., hash: _Optional[str] = ..., previous_hash: _Optional[str] = ..., hash_scheme: _Optional[int] = ..., erased_values: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateCaseRequest(_message.Message):
    __slots__ = ("workflow_id", "idempotency_key", "channel", "customer", "product", "sub_product", "issue", "sub_issue", "narrative", "desired_outcome", "regime", "received_at", "attachment_ids", "company", "external_ref", "priority", "category", "policy_id", "policy_version", "stage", "submitted_by", "complaint_type", "regime_name")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    SUB_PRODUCT_FIELD_NUMBER: _ClassVar[int]
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    SUB_ISSUE_FIELD_NUMBER: _ClassVar[int]
    NARRATIVE_FIELD_NUMBER: _ClassVar[int]
    DESIRED_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REGIME_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BY_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_TYPE_FIELD_NUMBER: _ClassVar[int]
    REGIME_NAME_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    idempotency_key: str
    channel: _common_pb2.Channel
    customer: _common_pb2.Customer
    product: str
    sub_product: str
    issue: str
    sub_issue: str
    narrative: str
    desired_outcome: str
    regime: _common_pb2.Regime
    received_at: _timestamp_pb2.Timestamp
    attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    company: str
    external_ref: str
    priority: _common_pb2.Priority
    category: str
    policy_id: str
    policy_version: str
    stage: str
    submitted_by: str
    complaint_type: str
    regime_name: str
    def __init__(self, workflow_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., customer: _Optional[_Union[_common_pb2.Customer, _Mapping]] = ..., product: _Optional[str] = ..., sub_product: _Optional[str] = ..., issue: _Optional[str] = ..., sub_issue: _Optional[str] = ..., narrative: _Optional[str] = ..., desired_outcome: _Optional[str] = ..., regime: _Optional[_Union[_common_pb2.Regime, str]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attachment_ids: _Optional[_Iterable[str]] = ..., company: _Optional[str] = ..., external_ref: _Optional[str] = ..., priority: _Optional[_Union[_common_pb2.Priority, str]] = ..., category: _Optional[str] = ..., policy_id: _Optional[str] = ..., policy_version: _Optional[str] = ..., stage: _Optional[str] = ..., submitted_by: _Optional[str] = ..., complaint_type: _Optional[str] = ..., regime_name: _Optional[str] = ...) -> None: ...

class CreateCaseResponse(_message.Message):
    __slots__ = ("case", "created")
    CASE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    case: Case
    created: bool
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_id", "workflow_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    workflow_id: str
    def __init__(self, case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class ListNotesRequest(_message.Message):
    __slots__ = ("case_id", "page")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    page: _common_pb2.PageRequest
    def __init__(self, case_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListNotesResponse(_message.Message):
    __slots__ = ("notes", "page")
    NOTES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    notes: _containers.RepeatedCompositeFieldContainer[Note]
    page: _common_pb2.PageInfo
    def __init__(self, notes: _Optional[_Iterable[_Union[Note, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ListCasesRequest(_message.Message):
    __slots__ = ("page", "stages", "priorities", "assignees", "teams", "categories", "channels", "products", "regimes", "breached", "received", "closed", "text", "sort_by", "ascending", "customer_id", "contact", "complaint_types")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STAGES_FIELD_NUMBER: _ClassVar[int]
    PRIORITIES_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEES_FIELD_NUMBER: _ClassVar[int]
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    REGIMES_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    ASCENDING_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_TYPES_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    stages: _containers.RepeatedScalarFieldContainer[str]
    priorities: _containers.RepeatedScalarFieldContainer[_common_pb2.Priority]
    assignees: _containers.RepeatedScalarFieldContainer[str]
    teams: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    channels: _containers.RepeatedScalarFieldContainer[_common_pb2.Channel]
    products: _containers.RepeatedScalarFieldContainer[str]
    regimes: _containers.RepeatedScalarFieldContainer[_common_pb2.Regime]
    breached: bool
    received: _common_pb2.TimeRange
    closed: _common_pb2.TimeRange
    text: str
    sort_by: CaseSortField
    ascending: bool
    customer_id: str
    contact: str
    complaint_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., stages: _Optional[_Iterable[str]] = ..., priorities: _Optional[_Iterable[_Union[_common_pb2.Priority, str]]] = ..., assignees: _Optional[_Iterable[str]] = ..., teams: _Optional[_Iterable[str]] = ..., categories: _Optional[_Iterable[str]] = ..., channels: _Optional[_Iterable[_Union[_common_pb2.Channel, str]]] = ..., products: _Optional[_Iterable[str]] = ..., regimes: _Optional[_Iterable[_Union[_common_pb2.Regime, str]]] = ..., breached: _Optional[bool] = ..., received: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., closed: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., text: _Optional[str] = ..., sort_by: _Optional[_Union[CaseSortField, str]] = ..., ascending: _Optional[bool] = ..., customer_id: _Optional[str] = ..., contact: _Optional[str] = ..., complaint_types: _Optional[_Iterable[str]] = ...) -> None: ...

class ListCasesResponse(_message.Message):
    __slots__ = ("cases", "page")
    CASES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[Case]
    page: _common_pb2.PageInfo
    def __init__(self, cases: _Optional[_Iterable[_Union[Case, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class AssignCaseRequest(_message.Message):
    __slots__ = ("case_id", "assignee", "team", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    assignee: str
    team: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., assignee: _Optional[str] = ..., team: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AssignCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class ChangePriorityRequest(_message.Message):
    __slots__ = ("case_id", "priority", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    priority: _common_pb2.Priority
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., priority: _Optional[_Union[_common_pb2.Priority, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ChangePriorityResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class ChangeCategoryRequest(_message.Message):
    __slots__ = ("case_id", "category", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    category: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., category: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ChangeCategoryResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class TransitionStageRequest(_message.Message):
    __slots__ = ("case_id", "to_stage", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TO_STAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    to_stage: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., to_stage: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class TransitionStageResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class AddNoteRequest(_message.Message):
    __slots__ = ("case_id", "body", "customer_visible")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_VISIBLE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    body: str
    customer_visible: bool
    def __init__(self, case_id: _Optional[str] = ..., body: _Optional[str] = ..., customer_visible: _Optional[bool] = ...) -> None: ...

class AddNoteResponse(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: Note
    def __init__(self, note: _Optional[_Union[Note, _Mapping]] = ...) -> None: ...

class RecordSatisfactionRequest(_message.Message):
    __slots__ = ("case_id", "score", "comment", "source")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    score: int
    comment: str
    source: str
    def __init__(self, case_id: _Optional[str] = ..., score: _Optional[int] = ..., comment: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class RecordSatisfactionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PauseClockRequest(_message.Message):
    __slots__ = ("case_id", "clock", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    clock: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., clock: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PauseClockResponse(_message.Message):
    __slots__ = ("clock",)
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    clock: Clock
    def __init__(self, clock: _Optional[_Union[Clock, _Mapping]] = ...) -> None: ...

class ResumeClockRequest(_message.Message):
    __slots__ = ("case_id", "clock")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    clock: str
    def __init__(self, case_id: _Optional[str] = ..., clock: _Optional[str] = ...) -> None: ...

class ResumeClockResponse(_message.Message):
    __slots__ = ("clock",)
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    clock: Clock
    def __init__(self, clock: _Optional[_Union[Clock, _Mapping]] = ...) -> None: ...

class RecordCustomerReplyRequest(_message.Message):
    __slots__ = ("case_id", "channel", "summary", "received_at", "idempotency_key")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    channel: _common_pb2.Channel
    summary: str
    received_at: _timestamp_pb2.Timestamp
    idempotency_key: str
    def __init__(self, case_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., summary: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RecordCustomerReplyResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class UpdateCustomerPreferencesRequest(_message.Message):
    __slots__ = ("case_id", "preferred_channel", "preferred_language", "do_not_contact", "no_surveys", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    DO_NOT_CONTACT_FIELD_NUMBER: _ClassVar[int]
    NO_SURVEYS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    preferred_channel: _common_pb2.Channel
    preferred_language: str
    do_not_contact: _containers.RepeatedScalarFieldContainer[_common_pb2.Channel]
    no_surveys: bool
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., preferred_channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., preferred_language: _Optional[str] = ..., do_not_contact: _Optional[_Iterable[_Union[_common_pb2.Channel, str]]] = ..., no_surveys: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class UpdateCustomerPreferencesResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class MergeCaseContactRequest(_message.Message):
    __slots__ = ("case_id", "fields", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    fields: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., fields: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class MergeCaseContactResponse(_message.Message):
    __slots__ = ("case", "changed")
    CASE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    case: Case
    changed: bool
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., changed: _Optional[bool] = ...) -> None: ...

class AddSubtaskRequest(_message.Message):
    __slots__ = ("case_id", "title", "description", "assignee", "team", "due_at")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    title: str
    description: str
    assignee: str
    team: str
    due_at: _timestamp_pb2.Timestamp
    def __init__(self, case_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., assignee: _Optional[str] = ..., team: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddSubtaskResponse(_message.Message):
    __slots__ = ("subtask",)
    SUBTASK_FIELD_NUMBER: _ClassVar[int]
    subtask: Subtask
    def __init__(self, subtask: _Optional[_Union[Subtask, _Mapping]] = ...) -> None: ...

class CompleteSubtaskRequest(_message.Message):
    __slots__ = ("case_id", "subtask_id", "note")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBTASK_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    subtask_id: str
    note: str
    def __init__(self, case_id: _Optional[str] = ..., subtask_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class CompleteSubtaskResponse(_message.Message):
    __slots__ = ("subtask",)
    SUBTASK_FIELD_NUMBER: _ClassVar[int]
    subtask: Subtask
    def __init__(self, subtask: _Optional[_Union[Subtask, _Mapping]] = ...) -> None: ...

class CancelSubtaskRequest(_message.Message):
    __slots__ = ("case_id", "subtask_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBTASK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    subtask_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., subtask_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelSubtaskResponse(_message.Message):
    __slots__ = ("subtask",)
    SUBTASK_FIELD_NUMBER: _ClassVar[int]
    subtask: Subtask
    def __init__(self, subtask: _Optional[_Union[Subtask, _Mapping]] = ...) -> None: ...

class RecordOutcomeRequest(_message.Message):
    __slots__ = ("case_id", "decision", "redress", "goodwill", "root_cause", "summary", "outcome")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REDRESS_FIELD_NUMBER: _ClassVar[int]
    GOODWILL_FIELD_NUMBER: _ClassVar[int]
    ROOT_CAUSE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    decision: Decision
    redress: _common_pb2.Money
    goodwill: _common_pb2.Money
    root_cause: str
    summary: str
    outcome: str
    def __init__(self, case_id: _Optional[str] = ..., decision: _Optional[_Union[Decision, str]] = ..., redress: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., goodwill: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., root_cause: _Optional[str] = ..., summary: _Optional[str] = ..., outcome: _Optional[str] = ...) -> None: ...

class RecordOutcomeResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class ResolveCaseRequest(_message.Message):
    __slots__ = ("case_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ResolveCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class CloseCaseRequest(_message.Message):
    __slots__ = ("case_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CloseCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class ReopenCaseRequest(_message.Message):
    __slots__ = ("case_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ReopenCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class LinkCasesRequest(_message.Message):
    __slots__ = ("case_id", "kind", "other_case_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OTHER_CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    kind: LinkKind
    other_case_id: str
    def __init__(self, case_id: _Optional[str] = ..., kind: _Optional[_Union[LinkKind, str]] = ..., other_case_id: _Optional[str] = ...) -> None: ...

class LinkCasesResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class UnlinkCasesRequest(_message.Message):
    __slots__ = ("case_id", "other_case_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    other_case_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., other_case_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UnlinkCasesResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class ListAuditEventsRequest(_message.Message):
    __slots__ = ("case_id", "page")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    page: _common_pb2.PageRequest
    def __init__(self, case_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListAuditEventsResponse(_message.Message):
    __slots__ = ("events", "page")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[AuditEvent]
    page: _common_pb2.PageInfo
    def __init__(self, events: _Optional[_Iterable[_Union[AuditEvent, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class AuditRecord(_message.Message):
    __slots__ = ("action", "field", "old_value", "new_value", "cause", "actor")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    action: str
    field: str
    old_value: str
    new_value: str
    cause: str
    actor: _common_pb2.Actor
    def __init__(self, action: _Optional[str] = ..., field: _Optional[str] = ..., old_value: _Optional[str] = ..., new_value: _Optional[str] = ..., cause: _Optional[str] = ..., actor: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ...) -> None: ...

class RecordCaseChangeRequest(_message.Message):
    __slots__ = ("case_id", "change_id", "stage", "priority", "assignee", "team", "category", "escalation_level", "next_deadline", "breached", "resolved_at", "closed_at", "clocks", "subtasks", "outcome", "audit", "notes", "complaint_type")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    NEXT_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOCKS_FIELD_NUMBER: _ClassVar[int]
    SUBTASKS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    AUDIT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_TYPE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    change_id: str
    stage: str
    priority: _common_pb2.Priority
    assignee: str
    team: str
    category: str
    escalation_level: int
    next_deadline: _timestamp_pb2.Timestamp
    breached: bool
    resolved_at: _timestamp_pb2.Timestamp
    closed_at: _timestamp_pb2.Timestamp
    clocks: _containers.RepeatedCompositeFieldContainer[Clock]
    subtasks: _containers.RepeatedCompositeFieldContainer[Subtask]
    outcome: Outcome
    audit: _containers.RepeatedCompositeFieldContainer[AuditRecord]
    notes: _containers.RepeatedCompositeFieldContainer[Note]
    complaint_type: str
    def __init__(self, case_id: _Optional[str] = ..., change_id: _Optional[str] = ..., stage: _Optional[str] = ..., priority: _Optional[_Union[_common_pb2.Priority, str]] = ..., assignee: _Optional[str] = ..., team: _Optional[str] = ..., category: _Optional[str] = ..., escalation_level: _Optional[int] = ..., next_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., breached: _Optional[bool] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., clocks: _Optional[_Iterable[_Union[Clock, _Mapping]]] = ..., subtasks: _Optional[_Iterable[_Union[Subtask, _Mapping]]] = ..., outcome: _Optional[_Union[Outcome, _Mapping]] = ..., audit: _Optional[_Iterable[_Union[AuditRecord, _Mapping]]] = ..., notes: _Optional[_Iterable[_Union[Note, _Mapping]]] = ..., complaint_type: _Optional[str] = ...) -> None: ...

class RecordCaseChangeResponse(_message.Message):
    __slots__ = ("applied",)
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    applied: bool
    def __init__(self, applied: _Optional[bool] = ...) -> None: ...

class Policy(_message.Message):
    __slots__ = ("policy_id", "version", "document", "published_at", "published_by")
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    policy_id: str
    version: str
    document: str
    published_at: _timestamp_pb2.Timestamp
    published_by: str
    def __init__(self, policy_id: _Optional[str] = ..., version: _Optional[str] = ..., document: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_by: _Optional[str] = ...) -> None: ...

class PublishPolicyRequest(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: str
    def __init__(self, document: _Optional[str] = ...) -> None: ...

class PublishPolicyResponse(_message.Message):
    __slots__ = ("policy", "published")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    published: bool
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ..., published: _Optional[bool] = ...) -> None: ...

class StoreClosedCasesRequest(_message.Message):
    __slots__ = ("cases",)
    CASES_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[ClosedCase]
    def __init__(self, cases: _Optional[_Iterable[_Union[ClosedCase, _Mapping]]] = ...) -> None: ...

class ClosedCase(_message.Message):
    __slots__ = ("case", "change")
    CASE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    case: CreateCaseRequest
    change: RecordCaseChangeRequest
    def __init__(self, case: _Optional[_Union[CreateCaseRequest, _Mapping]] = ..., change: _Optional[_Union[RecordCaseChangeRequest, _Mapping]] = ...) -> None: ...

class StoreClosedCasesResponse(_message.Message):
    __slots__ = ("stored",)
    STORED_FIELD_NUMBER: _ClassVar[int]
    stored: _containers.RepeatedCompositeFieldContainer[StoredClosedCase]
    def __init__(self, stored: _Optional[_Iterable[_Union[StoredClosedCase, _Mapping]]] = ...) -> None: ...

class StoredClosedCase(_message.Message):
    __slots__ = ("workflow_id", "case_id", "created", "reused_key")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    REUSED_KEY_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    case_id: str
    created: bool
    reused_key: bool
    def __init__(self, workflow_id: _Optional[str] = ..., case_id: _Optional[str] = ..., created: _Optional[bool] = ..., reused_key: _Optional[bool] = ...) -> None: ...

class GetPolicyRequest(_message.Message):
    __slots__ = ("policy_id", "version", "workflow_id")
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    policy_id: str
    version: str
    workflow_id: str
    def __init__(self, policy_id: _Optional[str] = ..., version: _Optional[str] = ..., workflow_id: _Optional[str] = ...) -> None: ...

class GetPolicyResponse(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class VerifyAuditTrailRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class VerifyAuditTrailResponse(_message.Message):
    __slots__ = ("intact", "events_checked", "first_broken_sequence", "detail", "consistent", "disagreements")
    INTACT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    FIRST_BROKEN_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    CONSISTENT_FIELD_NUMBER: _ClassVar[int]
    DISAGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    intact: bool
    events_checked: int
    first_broken_sequence: int
    detail: str
    consistent: bool
    disagreements: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, intact: _Optional[bool] = ..., events_checked: _Optional[int] = ..., first_broken_sequence: _Optional[int] = ..., detail: _Optional[str] = ..., consistent: _Optional[bool] = ..., disagreements: _Optional[_Iterable[str]] = ...) -> None: ...

class EraseCustomerRequest(_message.Message):
    __slots__ = ("customer_id", "request_reference", "reason", "force")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    request_reference: str
    reason: str
    force: bool
    def __init__(self, customer_id: _Optional[str] = ..., request_reference: _Optional[str] = ..., reason: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class EraseCustomerResponse(_message.Message):
    __slots__ = ("customer_id", "erased_at", "changed", "case_ids", "erased", "open_case_ids", "workflow_runs_deleted")
    class ErasedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ERASED_AT_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    CASE_IDS_FIELD_NUMBER: _ClassVar[int]
    ERASED_FIELD_NUMBER: _ClassVar[int]
    OPEN_CASE_IDS_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUNS_DELETED_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    erased_at: _timestamp_pb2.Timestamp
    changed: bool
    case_ids: _containers.RepeatedScalarFieldContainer[str]
    erased: _containers.ScalarMap[str, int]
    open_case_ids: _containers.RepeatedScalarFieldContainer[str]
    workflow_runs_deleted: int
    def __init__(self, customer_id: _Optional[str] = ..., erased_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., changed: _Optional[bool] = ..., case_ids: _Optional[_Iterable[str]] = ..., erased: _Optional[_Mapping[str, int]] = ..., open_case_ids: _Optional[_Iterable[str]] = ..., workflow_runs_deleted: _Optional[int] = ...) -> None: ...

class ExportCustomerDataRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class ExportCustomerDataResponse(_message.Message):
    __slots__ = ("chunk",)
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    def __init__(self, chunk: _Optional[bytes] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("attachment_id", "case_id", "filename", "media_type", "size_bytes", "sha256", "source", "added_by", "added_at")
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ADDED_BY_FIELD_NUMBER: _ClassVar[int]
    ADDED_AT_FIELD_NUMBER: _ClassVar[int]
    attachment_id: str
    case_id: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    source: str
    added_by: str
    added_at: _timestamp_pb2.Timestamp
    def __init__(self, attachment_id: _Optional[str] = ..., case_id: _Optional[str] = ..., filename: _Optional[str] = ..., media_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., source: _Optional[str] = ..., added_by: _Optional[str] = ..., added_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UploadAttachmentRequest(_message.Message):
    __slots__ = ("case_id", "filename", "content", "source", "idempotency_key")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    filename: str
    content: bytes
    source: str
    idempotency_key: str
    def __init__(self, case_id: _Optional[str] = ..., filename: _Optional[str] = ..., content: _Optional[bytes] = ..., source: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UploadAttachmentResponse(_message.Message):
    __slots__ = ("attachment", "created")
    ATTACHMENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    attachment: Attachment
    created: bool
    def __init__(self, attachment: _Optional[_Union[Attachment, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class ListAttachmentsRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class ListAttachmentsResponse(_message.Message):
    __slots__ = ("attachments",)
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    def __init__(self, attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ...) -> None: ...

class DownloadAttachmentRequest(_message.Message):
    __slots__ = ("case_id", "attachment_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    attachment_id: str
    def __init__(self, case_id: _Optional[str] = ..., attachment_id: _Optional[str] = ...) -> None: ...

class DownloadAttachmentResponse(_message.Message):
    __slots__ = ("attachment", "content")
    ATTACHMENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    attachment: Attachment
    content: bytes
    def __init__(self, attachment: _Optional[_Union[Attachment, _Mapping]] = ..., content: _Optional[bytes] = ...) -> None: ...

class RecordReportabilityRequest(_message.Message):
    __slots__ = ("case_id", "reportable", "event_kind", "aware_at", "reasons", "investigation", "device_model", "lot_or_serial", "udi", "event_date", "patient_outcome", "description", "idempotency_key")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTABLE_FIELD_NUMBER: _ClassVar[int]
    EVENT_KIND_FIELD_NUMBER: _ClassVar[int]
    AWARE_AT_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    INVESTIGATION_FIELD_NUMBER: _ClassVar[int]
    DEVICE_MODEL_FIELD_NUMBER: _ClassVar[int]
    LOT_OR_SERIAL_FIELD_NUMBER: _ClassVar[int]
    UDI_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATE_FIELD_NUMBER: _ClassVar[int]
    PATIENT_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reportable: bool
    event_kind: str
    aware_at: _timestamp_pb2.Timestamp
    reasons: str
    investigation: str
    device_model: str
    lot_or_serial: str
    udi: str
    event_date: str
    patient_outcome: str
    description: str
    idempotency_key: str
    def __init__(self, case_id: _Optional[str] = ..., reportable: _Optional[bool] = ..., event_kind: _Optional[str] = ..., aware_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reasons: _Optional[str] = ..., investigation: _Optional[str] = ..., device_model: _Optional[str] = ..., lot_or_serial: _Optional[str] = ..., udi: _Optional[str] = ..., event_date: _Optional[str] = ..., patient_outcome: _Optional[str] = ..., description: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RecordReportabilityResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class RecordRegulatoryReportRequest(_message.Message):
    __slots__ = ("case_id", "clock", "submitted_at", "reference", "idempotency_key")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    clock: str
    submitted_at: _timestamp_pb2.Timestamp
    reference: str
    idempotency_key: str
    def __init__(self, case_id: _Optional[str] = ..., clock: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reference: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RecordRegulatoryReportResponse(_message.Message):
    __slots__ = ("clock",)
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    clock: Clock
    def __init__(self, clock: _Optional[_Union[Clock, _Mapping]] = ...) -> None: ...

class ListRegulatoryReportsRequest(_message.Message):
    __slots__ = ("regime", "due_from", "due_before", "limit")
    REGIME_FIELD_NUMBER: _ClassVar[int]
    DUE_FROM_FIELD_NUMBER: _ClassVar[int]
    DUE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    regime: str
    due_from: _timestamp_pb2.Timestamp
    due_before: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, regime: _Optional[str] = ..., due_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class RegulatoryReport(_message.Message):
    __slots__ = ("case_id", "regime", "clock", "regulation", "event_kind", "aware_at", "due_at", "status", "reported_at", "reference", "device_name", "device_model", "lot_or_serial", "udi", "event_date", "patient_outcome", "description")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REGIME_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    REGULATION_FIELD_NUMBER: _ClassVar[int]
    EVENT_KIND_FIELD_NUMBER: _ClassVar[int]
    AWARE_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    DEVICE_MODEL_FIELD_NUMBER: _ClassVar[int]
    LOT_OR_SERIAL_FIELD_NUMBER: _ClassVar[int]
    UDI_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATE_FIELD_NUMBER: _ClassVar[int]
    PATIENT_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    regime: str
    clock: str
    regulation: str
    event_kind: str
    aware_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    status: str
    reported_at: _timestamp_pb2.Timestamp
    reference: str
    device_name: str
    device_model: str
    lot_or_serial: str
    udi: str
    event_date: str
    patient_outcome: str
    description: str
    def __init__(self, case_id: _Optional[str] = ..., regime: _Optional[str] = ..., clock: _Optional[str] = ..., regulation: _Optional[str] = ..., event_kind: _Optional[str] = ..., aware_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ..., reported_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reference: _Optional[str] = ..., device_name: _Optional[str] = ..., device_model: _Optional[str] = ..., lot_or_serial: _Optional[str] = ..., udi: _Optional[str] = ..., event_date: _Optional[str] = ..., patient_outcome: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ListRegulatoryReportsResponse(_message.Message):
    __slots__ = ("reports", "truncated")
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    reports: _containers.RepeatedCompositeFieldContainer[RegulatoryReport]
    truncated: bool
    def __init__(self, reports: _Optional[_Iterable[_Union[RegulatoryReport, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class StaffPerson(_message.Message):
    __slots__ = ("principal_id", "display_name", "email", "digest", "skills", "languages", "working_hours", "capacity", "active", "compliance")
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    COMPLIANCE_FIELD_NUMBER: _ClassVar[int]
    principal_id: str
    display_name: str
    email: str
    digest: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    languages: _containers.RepeatedScalarFieldContainer[str]
    working_hours: str
    capacity: int
    active: bool
    compliance: bool
    def __init__(self, principal_id: _Optional[str] = ..., display_name: _Optional[str] = ..., email: _Optional[str] = ..., digest: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., languages: _Optional[_Iterable[str]] = ..., working_hours: _Optional[str] = ..., capacity: _Optional[int] = ..., active: _Optional[bool] = ..., compliance: _Optional[bool] = ...) -> None: ...

class StaffTeam(_message.Message):
    __slots__ = ("name", "lead", "manager", "members", "skills")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    MANAGER_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    name: str
    lead: str
    manager: str
    members: _containers.RepeatedScalarFieldContainer[str]
    skills: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., lead: _Optional[str] = ..., manager: _Optional[str] = ..., members: _Optional[_Iterable[str]] = ..., skills: _Optional[_Iterable[str]] = ...) -> None: ...

class StaffAbsence(_message.Message):
    __slots__ = ("absence_id", "principal_id", "starts_at", "ends_at", "reason", "recorded_by")
    ABSENCE_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    absence_id: str
    principal_id: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    reason: str
    recorded_by: str
    def __init__(self, absence_id: _Optional[str] = ..., principal_id: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., recorded_by: _Optional[str] = ...) -> None: ...

class StaffChange(_message.Message):
    __slots__ = ("sequence", "recorded_at", "actor", "action", "subject", "old_value", "new_value", "hash")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    recorded_at: _timestamp_pb2.Timestamp
    actor: str
    action: str
    subject: str
    old_value: str
    new_value: str
    hash: str
    def __init__(self, sequence: _Optional[int] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., subject: _Optional[str] = ..., old_value: _Optional[str] = ..., new_value: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class PutPersonRequest(_message.Message):
    __slots__ = ("person",)
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person: StaffPerson
    def __init__(self, person: _Optional[_Union[StaffPerson, _Mapping]] = ...) -> None: ...

class PutPersonResponse(_message.Message):
    __slots__ = ("person", "changed")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    person: StaffPerson
    changed: bool
    def __init__(self, person: _Optional[_Union[StaffPerson, _Mapping]] = ..., changed: _Optional[bool] = ...) -> None: ...

class PutTeamRequest(_message.Message):
    __slots__ = ("team",)
    TEAM_FIELD_NUMBER: _ClassVar[int]
    team: StaffTeam
    def __init__(self, team: _Optional[_Union[StaffTeam, _Mapping]] = ...) -> None: ...

class PutTeamResponse(_message.Message):
    __slots__ = ("team", "changed")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    team: StaffTeam
    changed: bool
    def __init__(self, team: _Optional[_Union[StaffTeam, _Mapping]] = ..., changed: _Optional[bool] = ...) -> None: ...

class RecordAbsenceRequest(_message.Message):
    __slots__ = ("principal_id", "starts_at", "ends_at", "reason", "idempotency_key")
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    principal_id: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    reason: str
    idempotency_key: str
    def __init__(self, principal_id: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RecordAbsenceResponse(_message.Message):
    __slots__ = ("absence",)
    ABSENCE_FIELD_NUMBER: _ClassVar[int]
    absence: StaffAbsence
    def __init__(self, absence: _Optional[_Union[StaffAbsence, _Mapping]] = ...) -> None: ...

class EndAbsenceRequest(_message.Message):
    __slots__ = ("absence_id", "ends_at")
    ABSENCE_ID_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    absence_id: str
    ends_at: _timestamp_pb2.Timestamp
    def __init__(self, absence_id: _Optional[str] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EndAbsenceResponse(_message.Message):
    __slots__ = ("absence", "changed")
    ABSENCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    absence: StaffAbsence
    changed: bool
    def __init__(self, absence: _Optional[_Union[StaffAbsence, _Mapping]] = ..., changed: _Optional[bool] = ...) -> None: ...

class ListStaffRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListStaffResponse(_message.Message):
    __slots__ = ("people", "teams", "absences", "version")
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    ABSENCES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    people: _containers.RepeatedCompositeFieldContainer[StaffPerson]
    teams: _containers.RepeatedCompositeFieldContainer[StaffTeam]
    absences: _containers.RepeatedCompositeFieldContainer[StaffAbsence]
    version: str
    def __init__(self, people: _Optional[_Iterable[_Union[StaffPerson, _Mapping]]] = ..., teams: _Optional[_Iterable[_Union[StaffTeam, _Mapping]]] = ..., absences: _Optional[_Iterable[_Union[StaffAbsence, _Mapping]]] = ..., version: _Optional[str] = ...) -> None: ...

class ListStaffChangesRequest(_message.Message):
    __slots__ = ("after_sequence", "limit")
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    limit: int
    def __init__(self, after_sequence: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListStaffChangesResponse(_message.Message):
    __slots__ = ("changes", "chain_intact")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    CHAIN_INTACT_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[StaffChange]
    chain_intact: bool
    def __init__(self, changes: _Optional[_Iterable[_Union[StaffChange, _Mapping]]] = ..., chain_intact: _Optional[bool] = ...) -> None: ...

class RouteCaseRequest(_message.Message):
    __slots__ = ("case_id", "occasion")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    OCCASION_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    occasion: str
    def __init__(self, case_id: _Optional[str] = ..., occasion: _Optional[str] = ...) -> None: ...

class RouteCaseResponse(_message.Message):
    __slots__ = ("matched", "team", "assignee", "rule_index", "rule_name", "strategy", "policy_version", "skipped")
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    RULE_INDEX_FIELD_NUMBER: _ClassVar[int]
    RULE_NAME_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    matched: bool
    team: str
    assignee: str
    rule_index: int
    rule_name: str
    strategy: str
    policy_version: str
    skipped: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, matched: _Optional[bool] = ..., team: _Optional[str] = ..., assignee: _Optional[str] = ..., rule_index: _Optional[int] = ..., rule_name: _Optional[str] = ..., strategy: _Optional[str] = ..., policy_version: _Optional[str] = ..., skipped: _Optional[_Iterable[str]] = ...) -> None: ...

class ListAbsentAssignmentsRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class AbsentAssignment(_message.Message):
    __slots__ = ("case_id", "workflow_id", "assignee", "absent_since")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    ABSENT_SINCE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    workflow_id: str
    assignee: str
    absent_since: _timestamp_pb2.Timestamp
    def __init__(self, case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., assignee: _Optional[str] = ..., absent_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAbsentAssignmentsResponse(_message.Message):
    __slots__ = ("assignments", "truncated")
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    assignments: _containers.RepeatedCompositeFieldContainer[AbsentAssignment]
    truncated: bool
    def __init__(self, assignments: _Optional[_Iterable[_Union[AbsentAssignment, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...
