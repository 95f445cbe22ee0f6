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

class Granularity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRANULARITY_UNSPECIFIED: _ClassVar[Granularity]
    GRANULARITY_DAY: _ClassVar[Granularity]
    GRANULARITY_WEEK: _ClassVar[Granularity]
    GRANULARITY_MONTH: _ClassVar[Granularity]
    GRANULARITY_QUARTER: _ClassVar[Granularity]
    GRANULARITY_YEAR: _ClassVar[Granularity]

class Dimension(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIMENSION_UNSPECIFIED: _ClassVar[Dimension]
    DIMENSION_PRODUCT: _ClassVar[Dimension]
    DIMENSION_SUB_PRODUCT: _ClassVar[Dimension]
    DIMENSION_ISSUE: _ClassVar[Dimension]
    DIMENSION_CHANNEL: _ClassVar[Dimension]
    DIMENSION_PRIORITY: _ClassVar[Dimension]
    DIMENSION_REGIME: _ClassVar[Dimension]
    DIMENSION_TEAM: _ClassVar[Dimension]
    DIMENSION_ROOT_CAUSE: _ClassVar[Dimension]
    DIMENSION_CUSTOMER_TAG: _ClassVar[Dimension]

class ExportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPORT_FORMAT_UNSPECIFIED: _ClassVar[ExportFormat]
    EXPORT_FORMAT_CSV: _ClassVar[ExportFormat]
    EXPORT_FORMAT_JSONL: _ClassVar[ExportFormat]
GRANULARITY_UNSPECIFIED: Granularity
GRANULARITY_DAY: Granularity
GRANULARITY_WEEK: Granularity
GRANULARITY_MONTH: Granularity
GRANULARITY_QUARTER: Granularity
GRANULARITY_YEAR: Granularity
DIMENSION_UNSPECIFIED: Dimension
DIMENSION_PRODUCT: Dimension
DIMENSION_SUB_PRODUCT: Dimension
DIMENSION_ISSUE: Dimension
DIMENSION_CHANNEL: Dimension
DIMENSION_PRIORITY: Dimension
DIMENSION_REGIME: Dimension
DIMENSION_TEAM: Dimension
DIMENSION_ROOT_CAUSE: Dimension
DIMENSION_CUSTOMER_TAG: Dimension
EXPORT_FORMAT_UNSPECIFIED: ExportFormat
EXPORT_FORMAT_CSV: ExportFormat
EXPORT_FORMAT_JSONL: ExportFormat

class CaseFilter(_message.Message):
    __slots__ = ("received", "products", "channels", "regimes", "teams")
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    REGIMES_FIELD_NUMBER: _ClassVar[int]
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    received: _common_pb2.TimeRange
    products: _containers.RepeatedScalarFieldContainer[str]
    channels: _containers.RepeatedScalarFieldContainer[_common_pb2.Channel]
    regimes: _containers.RepeatedScalarFieldContainer[_common_pb2.Regime]
    teams: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, received: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., products: _Optional[_Iterable[str]] = ..., channels: _Optional[_Iterable[_Union[_common_pb2.Channel, str]]] = ..., regimes: _Optional[_Iterable[_Union[_common_pb2.Regime, str]]] = ..., teams: _Optional[_Iterable[str]] = ...) -> None: ...

class GetTrendsRequest(_message.Message):
    __slots__ = ("filter", "granularity", "split_by", "time_zone")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    SPLIT_BY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    filter: CaseFilter
    granularity: Granularity
    split_by: Dimension
    time_zone: str
    def __init__(self, filter: _Optional[_Union[CaseFilter, _Mapping]] = ..., granularity: _Optional[_Union[Granularity, str]] = ..., split_by: _Optional[_Union[Dimension, str]] = ..., time_zone: _Optional[str] = ...) -> None: ...

class TrendPoint(_message.Message):
    __slots__ = ("period_start", "key", "received", "resolved")
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    period_start: _timestamp_pb2.Timestamp
    key: str
    received: int
    resolved: int
    def __init__(self, period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key: _Optional[str] = ..., received: _Optional[int] = ..., resolved: _Optional[int] = ...) -> None: ...

class GetTrendsResponse(_message.Message):
    __slots__ = ("points",)
    POINTS_FIELD_NUMBER: _ClassVar[int]
    points: _containers.RepeatedCompositeFieldContainer[TrendPoint]
    def __init__(self, points: _Optional[_Iterable[_Union[TrendPoint, _Mapping]]] = ...) -> None: ...

class GetRootCausesRequest(_message.Message):
    __slots__ = ("filter", "limit")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    filter: CaseFilter
    limit: int
    def __init__(self, filter: _Optional[_Union[CaseFilter, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class RootCause(_message.Message):
    __slots__ = ("root_cause", "cases", "upheld_rate", "redress_paid")
    ROOT_CAUSE_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    UPHELD_RATE_FIELD_NUMBER: _ClassVar[int]
    REDRESS_PAID_FIELD_NUMBER: _ClassVar[int]
    root_cause: str
    cases: int
    upheld_rate: float
    redress_paid: _containers.RepeatedCompositeFieldContainer[_common_pb2.Money]
    def __init__(self, root_cause: _Optional[str] = ..., cases: _Optional[int] = ..., upheld_rate: _Optional[float] = ..., redress_paid: _Optional[_Iterable[_Union[_common_pb2.Money, _Mapping]]] = ...) -> None: ...

class GetRootCausesResponse(_message.Message):
    __slots__ = ("causes", "without_root_cause")
    CAUSES_FIELD_NUMBER: _ClassVar[int]
    WITHOUT_ROOT_CAUSE_FIELD_NUMBER: _ClassVar[int]
    causes: _containers.RepeatedCompositeFieldContainer[RootCause]
    without_root_cause: int
    def __init__(self, causes: _Optional[_Iterable[_Union[RootCause, _Mapping]]] = ..., without_root_cause: _Optional[int] = ...) -> None: ...

class GetTimeToCloseRequest(_message.Message):
    __slots__ = ("filter", "split_by")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    SPLIT_BY_FIELD_NUMBER: _ClassVar[int]
    filter: CaseFilter
    split_by: Dimension
    def __init__(self, filter: _Optional[_Union[CaseFilter, _Mapping]] = ..., split_by: _Optional[_Union[Dimension, str]] = ...) -> None: ...

class DurationStats(_message.Message):
    __slots__ = ("key", "cases", "p50", "p90", "p99", "mean", "max")
    KEY_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    P50_FIELD_NUMBER: _ClassVar[int]
    P90_FIELD_NUMBER: _ClassVar[int]
    P99_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    key: str
    cases: int
    p50: _duration_pb2.Duration
    p90: _duration_pb2.Duration
    p99: _duration_pb2.Duration
    mean: _duration_pb2.Duration
    max: _duration_pb2.Duration
    def __init__(self, key: _Optional[str] = ..., cases: _Optional[int] = ..., p50: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., p90: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., p99: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., mean: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetTimeToCloseResponse(_message.Message):
    __slots__ = ("to_resolution", "to_closure")
    TO_RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    TO_CLOSURE_FIELD_NUMBER: _ClassVar[int]
    to_resolution: _containers.RepeatedCompositeFieldContainer[DurationStats]
    to_closure: _containers.RepeatedCompositeFieldContainer[DurationStats]
    def __init__(self, to_resolution: _Optional[_Iterable[_Union[DurationStats, _Mapping]]] = ..., to_closure: _Optional[_Iterable[_Union[DurationStats, _Mapping]]] = ...) -> None: ...

class GetClockComplianceRequest(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: CaseFilter
    def __init__(self, filter: _Optional[_Union[CaseFilter, _Mapping]] = ...) -> None: ...

class ClockCompliance(_message.Message):
    __slots__ = ("clock", "met", "breached", "running", "paused", "median_lateness", "max_lateness")
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    MET_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_LATENESS_FIELD_NUMBER: _ClassVar[int]
    MAX_LATENESS_FIELD_NUMBER: _ClassVar[int]
    clock: str
    met: int
    breached: int
    running: int
    paused: int
    median_lateness: _duration_pb2.Duration
    max_lateness: _duration_pb2.Duration
    def __init__(self, clock: _Optional[str] = ..., met: _Optional[int] = ..., breached: _Optional[int] = ..., running: _Optional[int] = ..., paused: _Optional[int] = ..., median_lateness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_lateness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetClockComplianceResponse(_message.Message):
    __slots__ = ("clocks",)
    CLOCKS_FIELD_NUMBER: _ClassVar[int]
    clocks: _containers.RepeatedCompositeFieldContainer[ClockCompliance]
    def __init__(self, clocks: _Optional[_Iterable[_Union[ClockCompliance, _Mapping]]] = ...) -> None: ...

class GetRegulatoryReturnRequest(_message.Message):
    __slots__ = ("regime", "period")
    REGIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    regime: _common_pb2.Regime
    period: _common_pb2.TimeRange
    def __init__(self, regime: _Optional[_Union[_common_pb2.Regime, str]] = ..., period: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class ReturnLine(_message.Message):
    __slots__ = ("reference", "description", "breakdown", "value", "case_ids")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CASE_IDS_FIELD_NUMBER: _ClassVar[int]
    reference: str
    description: str
    breakdown: str
    value: int
    case_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, reference: _Optional[str] = ..., description: _Optional[str] = ..., breakdown: _Optional[str] = ..., value: _Optional[int] = ..., case_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetRegulatoryReturnResponse(_message.Message):
    __slots__ = ("regime", "period", "lines", "generated_at")
    REGIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    regime: _common_pb2.Regime
    period: _common_pb2.TimeRange
    lines: _containers.RepeatedCompositeFieldContainer[ReturnLine]
    generated_at: _timestamp_pb2.Timestamp
    def __init__(self, regime: _Optional[_Union[_common_pb2.Regime, str]] = ..., period: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[ReturnLine, _Mapping]]] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportCasesRequest(_message.Message):
    __slots__ = ("filter", "format")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    filter: CaseFilter
    format: ExportFormat
    def __init__(self, filter: _Optional[_Union[CaseFilter, _Mapping]] = ..., format: _Optional[_Union[ExportFormat, str]] = ...) -> None: ...

class ExportCasesResponse(_message.Message):
    __slots__ = ("chunk", "cases")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    cases: int
    def __init__(self, chunk: _Optional[bytes] = ..., cases: _Optional[int] = ...) -> None: ...
