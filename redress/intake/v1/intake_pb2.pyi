import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from redress.cases.v1 import cases_pb2 as _cases_pb2
from redress.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ImportClosedComplaintsRequest(_message.Message):
    __slots__ = ("complaints",)
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    complaints: _containers.RepeatedCompositeFieldContainer[SubmitComplaintRequest]
    def __init__(self, complaints: _Optional[_Iterable[_Union[SubmitComplaintRequest, _Mapping]]] = ...) -> None: ...

class ImportClosedComplaintsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ImportedComplaint]
    def __init__(self, results: _Optional[_Iterable[_Union[ImportedComplaint, _Mapping]]] = ...) -> None: ...

class ImportedComplaint(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "created", "problems")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    created: bool
    problems: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., created: _Optional[bool] = ..., problems: _Optional[_Iterable[str]] = ...) -> None: ...

class FindComplaintRequest(_message.Message):
    __slots__ = ("idempotency_key",)
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    def __init__(self, idempotency_key: _Optional[str] = ...) -> None: ...

class FindComplaintResponse(_message.Message):
    __slots__ = ("case_id", "workflow_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    workflow_id: str
    def __init__(self, case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ...) -> None: ...

class SubmitComplaintRequest(_message.Message):
    __slots__ = ("idempotency_key", "channel", "customer", "product", "sub_product", "issue", "sub_issue", "narrative", "desired_outcome", "regime", "received_at", "attachment_ids", "company", "external_ref", "historic", "historic_closure", "regime_name")
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
    HISTORIC_FIELD_NUMBER: _ClassVar[int]
    HISTORIC_CLOSURE_FIELD_NUMBER: _ClassVar[int]
    REGIME_NAME_FIELD_NUMBER: _ClassVar[int]
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
    historic: bool
    historic_closure: HistoricClosure
    regime_name: str
    def __init__(self, idempotency_key: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., customer: _Optional[_Union[_common_pb2.Customer, _Mapping]] = ..., product: _Optional[str] = ..., sub_product: _Optional[str] = ..., issue: _Optional[str] = ..., sub_issue: _Optional[str] = ..., narrative: _Optional[str] = ..., desired_outcome: _Optional[str] = ..., regime: _Optional[_Union[_common_pb2.Regime, str]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attachment_ids: _Optional[_Iterable[str]] = ..., company: _Optional[str] = ..., external_ref: _Optional[str] = ..., historic: _Optional[bool] = ..., historic_closure: _Optional[_Union[HistoricClosure, _Mapping]] = ..., regime_name: _Optional[str] = ...) -> None: ...

class HistoricClosure(_message.Message):
    __slots__ = ("source_status", "decision", "closed_at", "closed_at_source")
    SOURCE_STATUS_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_SOURCE_FIELD_NUMBER: _ClassVar[int]
    source_status: str
    decision: _cases_pb2.Decision
    closed_at: _timestamp_pb2.Timestamp
    closed_at_source: str
    def __init__(self, source_status: _Optional[str] = ..., decision: _Optional[_Union[_cases_pb2.Decision, str]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at_source: _Optional[str] = ...) -> None: ...

class SubmitComplaintResponse(_message.Message):
    __slots__ = ("case_id", "workflow_id", "created")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    workflow_id: str
    created: bool
    def __init__(self, case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., created: _Optional[bool] = ...) -> None: ...
