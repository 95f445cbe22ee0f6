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

class ReportKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_KIND_UNSPECIFIED: _ClassVar[ReportKind]
    REPORT_KIND_TRENDS: _ClassVar[ReportKind]
    REPORT_KIND_ROOT_CAUSES: _ClassVar[ReportKind]
    REPORT_KIND_TIME_TO_CLOSE: _ClassVar[ReportKind]
    REPORT_KIND_CLOCK_COMPLIANCE: _ClassVar[ReportKind]
    REPORT_KIND_REGULATORY_RETURN: _ClassVar[ReportKind]
    REPORT_KIND_TABLE: _ClassVar[ReportKind]

class Measure(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEASURE_UNSPECIFIED: _ClassVar[Measure]
    MEASURE_RECEIVED: _ClassVar[Measure]
    MEASURE_OPEN_AT_PERIOD_END: _ClassVar[Measure]
    MEASURE_RESOLVED: _ClassVar[Measure]
    MEASURE_CLOSED: _ClassVar[Measure]
    MEASURE_REOPENED: _ClassVar[Measure]
    MEASURE_UPHELD: _ClassVar[Measure]
    MEASURE_UPHELD_RATE: _ClassVar[Measure]
    MEASURE_ESCALATED: _ClassVar[Measure]
    MEASURE_BREACHED: _ClassVar[Measure]
    MEASURE_MEAN_HOURS_TO_CLOSE: _ClassVar[Measure]
    MEASURE_MEDIAN_HOURS_TO_CLOSE: _ClassVar[Measure]
    MEASURE_P90_HOURS_TO_CLOSE: _ClassVar[Measure]
    MEASURE_MEAN_BUSINESS_HOURS_TO_CLOSE: _ClassVar[Measure]
    MEASURE_MEDIAN_BUSINESS_HOURS_TO_CLOSE: _ClassVar[Measure]
    MEASURE_P90_BUSINESS_HOURS_TO_CLOSE: _ClassVar[Measure]
    MEASURE_REDRESS_PAID: _ClassVar[Measure]
    MEASURE_GOODWILL_PAID: _ClassVar[Measure]
    MEASURE_MEAN_SATISFACTION: _ClassVar[Measure]

class RelativePeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RELATIVE_PERIOD_UNSPECIFIED: _ClassVar[RelativePeriod]
    RELATIVE_PERIOD_LAST_7_DAYS: _ClassVar[RelativePeriod]
    RELATIVE_PERIOD_LAST_30_DAYS: _ClassVar[RelativePeriod]
    RELATIVE_PERIOD_LAST_MONTH: _ClassVar[RelativePeriod]
    RELATIVE_PERIOD_LAST_QUARTER: _ClassVar[RelativePeriod]
    RELATIVE_PERIOD_LAST_HALF_YEAR: _ClassVar[RelativePeriod]
    RELATIVE_PERIOD_LAST_12_MONTHS: _ClassVar[RelativePeriod]

class RenderFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RENDER_FORMAT_UNSPECIFIED: _ClassVar[RenderFormat]
    RENDER_FORMAT_JSON: _ClassVar[RenderFormat]
    RENDER_FORMAT_CSV: _ClassVar[RenderFormat]
    RENDER_FORMAT_XLSX: _ClassVar[RenderFormat]
    RENDER_FORMAT_HTML: _ClassVar[RenderFormat]

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
    DIMENSION_CATEGORY: _ClassVar[Dimension]
    DIMENSION_ASSIGNEE: _ClassVar[Dimension]
    DIMENSION_COMPLAINT_TYPE: _ClassVar[Dimension]

class ExportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPORT_FORMAT_UNSPECIFIED: _ClassVar[ExportFormat]
    EXPORT_FORMAT_CSV: _ClassVar[ExportFormat]
    EXPORT_FORMAT_JSONL: _ClassVar[ExportFormat]
    EXPORT_FORMAT_ASIC_IDR_CSV: _ClassVar[ExportFormat]
REPORT_KIND_UNSPECIFIED: ReportKind
REPORT_KIND_TRENDS: ReportKind
REPORT_KIND_ROOT_CAUSES: ReportKind
REPORT_KIND_TIME_TO_CLOSE: ReportKind
REPORT_KIND_CLOCK_COMPLIANCE: ReportKind
REPORT_KIND_REGULATORY_RETURN: ReportKind
REPORT_KIND_TABLE: ReportKind
MEASURE_UNSPECIFIED: Measure
MEASURE_RECEIVED: Measure
MEASURE_OPEN_AT_PERIOD_END: Measure
MEASURE_RESOLVED: Measure
MEASURE_CLOSED: Measure
MEASURE_REOPENED: Measure
MEASURE_UPHELD: Measure
MEASURE_UPHELD_RATE: Measure
MEASURE_ESCALATED: Measure
MEASURE_BREACHED: Measure
MEASURE_MEAN_HOURS_TO_CLOSE: Measure
MEASURE_MEDIAN_HOURS_TO_CLOSE: Measure
MEASURE_P90_HOURS_TO_CLOSE: Measure
MEASURE_MEAN_BUSINESS_HOURS_TO_CLOSE: Measure
MEASURE_MEDIAN_BUSINESS_HOURS_TO_CLOSE: Measure
MEASURE_P90_BUSINESS_HOURS_TO_CLOSE: Measure
MEASURE_REDRESS_PAID: Measure
MEASURE_GOODWILL_PAID: Measure
MEASURE_MEAN_SATISFACTION: Measure
RELATIVE_PERIOD_UNSPECIFIED: RelativePeriod
RELATIVE_PERIOD_LAST_7_DAYS: RelativePeriod
RELATIVE_PERIOD_LAST_30_DAYS: RelativePeriod
RELATIVE_PERIOD_LAST_MONTH: RelativePeriod
RELATIVE_PERIOD_LAST_QUARTER: RelativePeriod
RELATIVE_PERIOD_LAST_HALF_YEAR: RelativePeriod
RELATIVE_PERIOD_LAST_12_MONTHS: RelativePeriod
RENDER_FORMAT_UNSPECIFIED: RenderFormat
RENDER_FORMAT_JSON: RenderFormat
RENDER_FORMAT_CSV: RenderFormat
RENDER_FORMAT_XLSX: RenderFormat
RENDER_FORMAT_HTML: RenderFormat
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
DIMENSION_CATEGORY: Dimension
DIMENSION_ASSIGNEE: Dimension
DIMENSION_COMPLAINT_TYPE: Dimension
EXPORT_FORMAT_UNSPECIFIED: ExportFormat
EXPORT_FORMAT_CSV: ExportFormat
EXPORT_FORMAT_JSONL: ExportFormat
EXPORT_FORMAT_ASIC_IDR_CSV: ExportFormat

class GetDeflectionsRequest(_message.Message):
    __slots__ = ("period", "source")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    period: _common_pb2.TimeRange
    source: str
    def __init__(self, period: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class DeflectionFigures(_message.Message):
    __slots__ = ("key", "title", "shown", "answered", "went_on_to_file", "deflection_rate")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SHOWN_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    WENT_ON_TO_FILE_FIELD_NUMBER: _ClassVar[int]
    DEFLECTION_RATE_FIELD_NUMBER: _ClassVar[int]
    key: str
    title: str
    shown: int
    answered: int
    went_on_to_file: int
    deflection_rate: float
    def __init__(self, key: _Optional[str] = ..., title: _Optional[str] = ..., shown: _Optional[int] = ..., answered: _Optional[int] = ..., went_on_to_file: _Optional[int] = ..., deflection_rate: _Optional[float] = ...) -> None: ...

class GetDeflectionsResponse(_message.Message):
    __slots__ = ("total", "by_article", "by_language")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BY_ARTICLE_FIELD_NUMBER: _ClassVar[int]
    BY_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    total: DeflectionFigures
    by_article: _containers.RepeatedCompositeFieldContainer[DeflectionFigures]
    by_language: _containers.RepeatedCompositeFieldContainer[DeflectionFigures]
    def __init__(self, total: _Optional[_Union[DeflectionFigures, _Mapping]] = ..., by_article: _Optional[_Iterable[_Union[DeflectionFigures, _Mapping]]] = ..., by_language: _Optional[_Iterable[_Union[DeflectionFigures, _Mapping]]] = ...) -> None: ...

class ReportDefinition(_message.Message):
    __slots__ = ("name", "version", "title", "kind", "filter", "period", "granularity", "split_by", "time_zone", "regime", "schedule", "email_to", "attach", "saved_by", "saved_at", "group_by", "measures")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    SPLIT_BY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    REGIME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_TO_FIELD_NUMBER: _ClassVar[int]
    ATTACH_FIELD_NUMBER: _ClassVar[int]
    SAVED_BY_FIELD_NUMBER: _ClassVar[int]
    SAVED_AT_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    title: str
    kind: ReportKind
    filter: CaseFilter
    period: RelativePeriod
    granularity: Granularity
    split_by: Dimension
    time_zone: str
    regime: _common_pb2.Regime
    schedule: str
    email_to: _containers.RepeatedScalarFieldContainer[str]
    attach: RenderFormat
    saved_by: _common_pb2.Actor
    saved_at: _timestamp_pb2.Timestamp
    group_by: _containers.RepeatedScalarFieldContainer[Dimension]
    measures: _containers.RepeatedScalarFieldContainer[Measure]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., title: _Optional[str] = ..., kind: _Optional[_Union[ReportKind, str]] = ..., filter: _Optional[_Union[CaseFilter, _Mapping]] = ..., period: _Optional[_Union[RelativePeriod, str]] = ..., granularity: _Optional[_Union[Granularity, str]] = ..., split_by: _Optional[_Union[Dimension, str]] = ..., time_zone: _Optional[str] = ..., regime: _Optional[_Union[_common_pb2.Regime, str]] = ..., schedule: _Optional[str] = ..., email_to: _Optional[_Iterable[str]] = ..., attach: _Optional[_Union[RenderFormat, str]] = ..., saved_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., saved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., group_by: _Optional[_Iterable[_Union[Dimension, str]]] = ..., measures: _Optional[_Iterable[_Union[Measure, str]]] = ...) -> None: ...

class SaveReportRequest(_message.Message):
    __slots__ = ("definition",)
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    definition: ReportDefinition
    def __init__(self, definition: _Optional[_Union[ReportDefinition, _Mapping]] = ...) -> None: ...

class SaveReportResponse(_message.Message):
    __slots__ = ("definition",)
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    definition: ReportDefinition
    def __init__(self, definition: _Optional[_Union[ReportDefinition, _Mapping]] = ...) -> None: ...

class GetReportRequest(_message.Message):
    __slots__ = ("name", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetReportResponse(_message.Message):
    __slots__ = ("definition",)
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    definition: ReportDefinition
    def __init__(self, definition: _Optional[_Union[ReportDefinition, _Mapping]] = ...) -> None: ...

class DeleteReportRequest(_message.Message):
    __slots__ = ("name", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeleteReportResponse(_message.Message):
    __slots__ = ("name", "deleted_as_version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DELETED_AS_VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    deleted_as_version: int
    def __init__(self, name: _Optional[str] = ..., deleted_as_version: _Optional[int] = ...) -> None: ...

class ListReportsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListReportsResponse(_message.Message):
    __slots__ = ("definitions", "page")
    DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    definitions: _containers.RepeatedCompositeFieldContainer[ReportDefinition]
    page: _common_pb2.PageInfo
    def __init__(self, definitions: _Optional[_Iterable[_Union[ReportDefinition, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class RunReportRequest(_message.Message):
    __slots__ = ("name", "version", "format")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    format: RenderFormat
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., format: _Optional[_Union[RenderFormat, str]] = ...) -> None: ...

class RunReportResponse(_message.Message):
    __slots__ = ("content", "content_type", "file_name", "period")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    content_type: str
    file_name: str
    period: _common_pb2.TimeRange
    def __init__(self, content: _Optional[bytes] = ..., content_type: _Optional[str] = ..., file_name: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class CaseFilter(_message.Message):
    __slots__ = ("received", "products", "channels", "regimes", "teams", "categories", "assignees", "priorities", "complaint_types", "regime_names")
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    REGIMES_FIELD_NUMBER: _ClassVar[int]
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEES_FIELD_NUMBER: _ClassVar[int]
    PRIORITIES_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_TYPES_FIELD_NUMBER: _ClassVar[int]
    REGIME_NAMES_FIELD_NUMBER: _ClassVar[int]
    received: _common_pb2.TimeRange
    products: _containers.RepeatedScalarFieldContainer[str]
    channels: _containers.RepeatedScalarFieldContainer[_common_pb2.Channel]
    regimes: _containers.RepeatedScalarFieldContainer[_common_pb2.Regime]
    teams: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    assignees: _containers.RepeatedScalarFieldContainer[str]
    priorities: _containers.RepeatedScalarFieldContainer[_common_pb2.Priority]
    complaint_types: _containers.RepeatedScalarFieldContainer[str]
    regime_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, received: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., products: _Optional[_Iterable[str]] = ..., channels: _Optional[_Iterable[_Union[_common_pb2.Channel, str]]] = ..., regimes: _Optional[_Iterable[_Union[_common_pb2.Regime, str]]] = ..., teams: _Optional[_Iterable[str]] = ..., categories: _Optional[_Iterable[str]] = ..., assignees: _Optional[_Iterable[str]] = ..., priorities: _Optional[_Iterable[_Union[_common_pb2.Priority, str]]] = ..., complaint_types: _Optional[_Iterable[str]] = ..., regime_names: _Optional[_Iterable[str]] = ...) -> None: ...

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
    __slots__ = ("filter", "business_time")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_TIME_FIELD_NUMBER: _ClassVar[int]
    filter: CaseFilter
    business_time: bool
    def __init__(self, filter: _Optional[_Union[CaseFilter, _Mapping]] = ..., business_time: _Optional[bool] = ...) -> None: ...

class ClockCompliance(_message.Message):
    __slots__ = ("clock", "met", "breached", "running", "paused", "median_lateness", "max_lateness", "time_taken", "paused_time", "business_time_taken")
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    MET_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_LATENESS_FIELD_NUMBER: _ClassVar[int]
    MAX_LATENESS_FIELD_NUMBER: _ClassVar[int]
    TIME_TAKEN_FIELD_NUMBER: _ClassVar[int]
    PAUSED_TIME_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_TIME_TAKEN_FIELD_NUMBER: _ClassVar[int]
    clock: str
    met: int
    breached: int
    running: int
    paused: int
    median_lateness: _duration_pb2.Duration
    max_lateness: _duration_pb2.Duration
    time_taken: DurationStats
    paused_time: _duration_pb2.Duration
    business_time_taken: DurationStats
    def __init__(self, clock: _Optional[str] = ..., met: _Optional[int] = ..., breached: _Optional[int] = ..., running: _Optional[int] = ..., paused: _Optional[int] = ..., median_lateness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_lateness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., time_taken: _Optional[_Union[DurationStats, _Mapping]] = ..., paused_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., business_time_taken: _Optional[_Union[DurationStats, _Mapping]] = ...) -> None: ...

class GetClockComplianceResponse(_message.Message):
    __slots__ = ("clocks",)
    CLOCKS_FIELD_NUMBER: _ClassVar[int]
    clocks: _containers.RepeatedCompositeFieldContainer[ClockCompliance]
    def __init__(self, clocks: _Optional[_Iterable[_Union[ClockCompliance, _Mapping]]] = ...) -> None: ...

class GetRegulatoryReturnRequest(_message.Message):
    __slots__ = ("regime", "period", "recompute")
    REGIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    RECOMPUTE_FIELD_NUMBER: _ClassVar[int]
    regime: _common_pb2.Regime
    period: _common_pb2.TimeRange
    recompute: bool
    def __init__(self, regime: _Optional[_Union[_common_pb2.Regime, str]] = ..., period: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., recompute: _Optional[bool] = ...) -> None: ...

class ReturnLine(_message.Message):
    __slots__ = ("reference", "description", "breakdown", "value", "case_ids", "currency", "shown")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CASE_IDS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SHOWN_FIELD_NUMBER: _ClassVar[int]
    reference: str
    description: str
    breakdown: str
    value: int
    case_ids: _containers.RepeatedScalarFieldContainer[str]
    currency: str
    shown: str
    def __init__(self, reference: _Optional[str] = ..., description: _Optional[str] = ..., breakdown: _Optional[str] = ..., value: _Optional[int] = ..., case_ids: _Optional[_Iterable[str]] = ..., currency: _Optional[str] = ..., shown: _Optional[str] = ...) -> None: ...

class GetRegulatoryReturnResponse(_message.Message):
    __slots__ = ("regime", "period", "lines", "generated_at", "kept", "changed", "provisional", "as_of")
    REGIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    KEPT_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    regime: _common_pb2.Regime
    period: _common_pb2.TimeRange
    lines: _containers.RepeatedCompositeFieldContainer[ReturnLine]
    generated_at: _timestamp_pb2.Timestamp
    kept: bool
    changed: _containers.RepeatedScalarFieldContainer[str]
    provisional: bool
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, regime: _Optional[_Union[_common_pb2.Regime, str]] = ..., period: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[ReturnLine, _Mapping]]] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kept: _Optional[bool] = ..., changed: _Optional[_Iterable[str]] = ..., provisional: _Optional[bool] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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

class GetDashboardRequest(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: CaseFilter
    def __init__(self, filter: _Optional[_Union[CaseFilter, _Mapping]] = ...) -> None: ...

class Count(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: int
    def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...

class CategoryChange(_message.Message):
    __slots__ = ("category", "this_period", "previous_period", "change", "direction")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    THIS_PERIOD_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PERIOD_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    category: str
    this_period: int
    previous_period: int
    change: float
    direction: str
    def __init__(self, category: _Optional[str] = ..., this_period: _Optional[int] = ..., previous_period: _Optional[int] = ..., change: _Optional[float] = ..., direction: _Optional[str] = ...) -> None: ...

class Workload(_message.Message):
    __slots__ = ("key", "open", "resolved")
    KEY_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    key: str
    open: int
    resolved: int
    def __init__(self, key: _Optional[str] = ..., open: _Optional[int] = ..., resolved: _Optional[int] = ...) -> None: ...

class GetDashboardResponse(_message.Message):
    __slots__ = ("received", "resolved", "closed", "reopened", "open_now", "backlog_ageing", "by_channel", "by_product", "by_category", "outcome_mix", "redress_paid", "goodwill_paid", "escalations", "by_assignee", "by_team", "categories", "resolving_articles", "satisfaction_responses", "satisfaction_mean", "satisfaction_scores", "deflections", "satisfaction_by_source")
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    REOPENED_FIELD_NUMBER: _ClassVar[int]
    OPEN_NOW_FIELD_NUMBER: _ClassVar[int]
    BACKLOG_AGEING_FIELD_NUMBER: _ClassVar[int]
    BY_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    BY_PRODUCT_FIELD_NUMBER: _ClassVar[int]
    BY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_MIX_FIELD_NUMBER: _ClassVar[int]
    REDRESS_PAID_FIELD_NUMBER: _ClassVar[int]
    GOODWILL_PAID_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    BY_ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    BY_TEAM_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    RESOLVING_ARTICLES_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_RESPONSES_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_MEAN_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_SCORES_FIELD_NUMBER: _ClassVar[int]
    DEFLECTIONS_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_BY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    received: int
    resolved: int
    closed: int
    reopened: int
    open_now: int
    backlog_ageing: _containers.RepeatedCompositeFieldContainer[Count]
    by_channel: _containers.RepeatedCompositeFieldContainer[Count]
    by_product: _containers.RepeatedCompositeFieldContainer[Count]
    by_category: _containers.RepeatedCompositeFieldContainer[Count]
    outcome_mix: _containers.RepeatedCompositeFieldContainer[Count]
    redress_paid: _containers.RepeatedCompositeFieldContainer[_common_pb2.Money]
    goodwill_paid: _containers.RepeatedCompositeFieldContainer[_common_pb2.Money]
    escalations: _containers.RepeatedCompositeFieldContainer[Count]
    by_assignee: _containers.RepeatedCompositeFieldContainer[Workload]
    by_team: _containers.RepeatedCompositeFieldContainer[Workload]
    categories: _containers.RepeatedCompositeFieldContainer[CategoryChange]
    resolving_articles: _containers.RepeatedCompositeFieldContainer[Count]
    satisfaction_responses: int
    satisfaction_mean: float
    satisfaction_scores: _containers.RepeatedCompositeFieldContainer[Count]
    deflections: DeflectionFigures
    satisfaction_by_source: _containers.RepeatedCompositeFieldContainer[SatisfactionBySource]
    def __init__(self, received: _Optional[int] = ..., resolved: _Optional[int] = ..., closed: _Optional[int] = ..., reopened: _Optional[int] = ..., open_now: _Optional[int] = ..., backlog_ageing: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., by_channel: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., by_product: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., by_category: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., outcome_mix: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., redress_paid: _Optional[_Iterable[_Union[_common_pb2.Money, _Mapping]]] = ..., goodwill_paid: _Optional[_Iterable[_Union[_common_pb2.Money, _Mapping]]] = ..., escalations: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., by_assignee: _Optional[_Iterable[_Union[Workload, _Mapping]]] = ..., by_team: _Optional[_Iterable[_Union[Workload, _Mapping]]] = ..., categories: _Optional[_Iterable[_Union[CategoryChange, _Mapping]]] = ..., resolving_articles: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., satisfaction_responses: _Optional[int] = ..., satisfaction_mean: _Optional[float] = ..., satisfaction_scores: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., deflections: _Optional[_Union[DeflectionFigures, _Mapping]] = ..., satisfaction_by_source: _Optional[_Iterable[_Union[SatisfactionBySource, _Mapping]]] = ...) -> None: ...

class SatisfactionBySource(_message.Message):
    __slots__ = ("source", "responses", "mean")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    source: str
    responses: int
    mean: float
    def __init__(self, source: _Optional[str] = ..., responses: _Optional[int] = ..., mean: _Optional[float] = ...) -> None: ...

class WhatIfPolicyRequest(_message.Message):
    __slots__ = ("draft_document", "received", "limit")
    DRAFT_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    draft_document: str
    received: _common_pb2.TimeRange
    limit: int
    def __init__(self, draft_document: _Optional[str] = ..., received: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class WhatIfClockTotals(_message.Message):
    __slots__ = ("clock", "regulatory", "baseline_met", "baseline_breached", "baseline_running", "draft_met", "draft_breached", "draft_running", "more_breaches", "fewer_breaches", "deadlines_moved")
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    REGULATORY_FIELD_NUMBER: _ClassVar[int]
    BASELINE_MET_FIELD_NUMBER: _ClassVar[int]
    BASELINE_BREACHED_FIELD_NUMBER: _ClassVar[int]
    BASELINE_RUNNING_FIELD_NUMBER: _ClassVar[int]
    DRAFT_MET_FIELD_NUMBER: _ClassVar[int]
    DRAFT_BREACHED_FIELD_NUMBER: _ClassVar[int]
    DRAFT_RUNNING_FIELD_NUMBER: _ClassVar[int]
    MORE_BREACHES_FIELD_NUMBER: _ClassVar[int]
    FEWER_BREACHES_FIELD_NUMBER: _ClassVar[int]
    DEADLINES_MOVED_FIELD_NUMBER: _ClassVar[int]
    clock: str
    regulatory: bool
    baseline_met: int
    baseline_breached: int
    baseline_running: int
    draft_met: int
    draft_breached: int
    draft_running: int
    more_breaches: int
    fewer_breaches: int
    deadlines_moved: int
    def __init__(self, clock: _Optional[str] = ..., regulatory: _Optional[bool] = ..., baseline_met: _Optional[int] = ..., baseline_breached: _Optional[int] = ..., baseline_running: _Optional[int] = ..., draft_met: _Optional[int] = ..., draft_breached: _Optional[int] = ..., draft_running: _Optional[int] = ..., more_breaches: _Optional[int] = ..., fewer_breaches: _Optional[int] = ..., deadlines_moved: _Optional[int] = ...) -> None: ...

class WhatIfLetterTotals(_message.Message):
    __slots__ = ("kind", "baseline", "draft")
    KIND_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    baseline: int
    draft: int
    def __init__(self, kind: _Optional[str] = ..., baseline: _Optional[int] = ..., draft: _Optional[int] = ...) -> None: ...

class WhatIfClockChange(_message.Message):
    __slots__ = ("clock", "baseline_state", "baseline_due_at", "baseline_breached_at", "draft_state", "draft_due_at", "draft_breached_at", "newly_breached", "no_longer_breached")
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    BASELINE_STATE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_DUE_AT_FIELD_NUMBER: _ClassVar[int]
    BASELINE_BREACHED_AT_FIELD_NUMBER: _ClassVar[int]
    DRAFT_STATE_FIELD_NUMBER: _ClassVar[int]
    DRAFT_DUE_AT_FIELD_NUMBER: _ClassVar[int]
    DRAFT_BREACHED_AT_FIELD_NUMBER: _ClassVar[int]
    NEWLY_BREACHED_FIELD_NUMBER: _ClassVar[int]
    NO_LONGER_BREACHED_FIELD_NUMBER: _ClassVar[int]
    clock: str
    baseline_state: _common_pb2.ClockState
    baseline_due_at: _timestamp_pb2.Timestamp
    baseline_breached_at: _timestamp_pb2.Timestamp
    draft_state: _common_pb2.ClockState
    draft_due_at: _timestamp_pb2.Timestamp
    draft_breached_at: _timestamp_pb2.Timestamp
    newly_breached: bool
    no_longer_breached: bool
    def __init__(self, clock: _Optional[str] = ..., baseline_state: _Optional[_Union[_common_pb2.ClockState, str]] = ..., baseline_due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., baseline_breached_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., draft_state: _Optional[_Union[_common_pb2.ClockState, str]] = ..., draft_due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., draft_breached_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., newly_breached: _Optional[bool] = ..., no_longer_breached: _Optional[bool] = ...) -> None: ...

class WhatIfCase(_message.Message):
    __slots__ = ("case_id", "received_at", "baseline_policy", "baseline_type", "draft_type", "clocks", "warnings_only_baseline", "warnings_only_draft", "escalations_only_baseline", "escalations_only_draft", "letters_only_baseline", "letters_only_draft")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    BASELINE_POLICY_FIELD_NUMBER: _ClassVar[int]
    BASELINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DRAFT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CLOCKS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_ONLY_BASELINE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_ONLY_DRAFT_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_ONLY_BASELINE_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_ONLY_DRAFT_FIELD_NUMBER: _ClassVar[int]
    LETTERS_ONLY_BASELINE_FIELD_NUMBER: _ClassVar[int]
    LETTERS_ONLY_DRAFT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    received_at: _timestamp_pb2.Timestamp
    baseline_policy: str
    baseline_type: str
    draft_type: str
    clocks: _containers.RepeatedCompositeFieldContainer[WhatIfClockChange]
    warnings_only_baseline: _containers.RepeatedScalarFieldContainer[str]
    warnings_only_draft: _containers.RepeatedScalarFieldContainer[str]
    escalations_only_baseline: _containers.RepeatedScalarFieldContainer[str]
    escalations_only_draft: _containers.RepeatedScalarFieldContainer[str]
    letters_only_baseline: _containers.RepeatedScalarFieldContainer[str]
    letters_only_draft: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, case_id: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., baseline_policy: _Optional[str] = ..., baseline_type: _Optional[str] = ..., draft_type: _Optional[str] = ..., clocks: _Optional[_Iterable[_Union[WhatIfClockChange, _Mapping]]] = ..., warnings_only_baseline: _Optional[_Iterable[str]] = ..., warnings_only_draft: _Optional[_Iterable[str]] = ..., escalations_only_baseline: _Optional[_Iterable[str]] = ..., escalations_only_draft: _Optional[_Iterable[str]] = ..., letters_only_baseline: _Optional[_Iterable[str]] = ..., letters_only_draft: _Optional[_Iterable[str]] = ...) -> None: ...

class WhatIfPolicyResponse(_message.Message):
    __slots__ = ("draft_policy_id", "draft_version", "as_of", "cases_replayed", "cases_differing", "clocks", "baseline_warnings", "draft_warnings", "baseline_escalations", "draft_escalations", "letters", "cases", "truncated", "cases_cut_short")
    DRAFT_POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    DRAFT_VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    CASES_REPLAYED_FIELD_NUMBER: _ClassVar[int]
    CASES_DIFFERING_FIELD_NUMBER: _ClassVar[int]
    CLOCKS_FIELD_NUMBER: _ClassVar[int]
    BASELINE_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    DRAFT_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    BASELINE_ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    DRAFT_ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    LETTERS_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    CASES_CUT_SHORT_FIELD_NUMBER: _ClassVar[int]
    draft_policy_id: str
    draft_version: str
    as_of: _timestamp_pb2.Timestamp
    cases_replayed: int
    cases_differing: int
    clocks: _containers.RepeatedCompositeFieldContainer[WhatIfClockTotals]
    baseline_warnings: int
    draft_warnings: int
    baseline_escalations: int
    draft_escalations: int
    letters: _containers.RepeatedCompositeFieldContainer[WhatIfLetterTotals]
    cases: _containers.RepeatedCompositeFieldContainer[WhatIfCase]
    truncated: bool
    cases_cut_short: int
    def __init__(self, draft_policy_id: _Optional[str] = ..., draft_version: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cases_replayed: _Optional[int] = ..., cases_differing: _Optional[int] = ..., clocks: _Optional[_Iterable[_Union[WhatIfClockTotals, _Mapping]]] = ..., baseline_warnings: _Optional[int] = ..., draft_warnings: _Optional[int] = ..., baseline_escalations: _Optional[int] = ..., draft_escalations: _Optional[int] = ..., letters: _Optional[_Iterable[_Union[WhatIfLetterTotals, _Mapping]]] = ..., cases: _Optional[_Iterable[_Union[WhatIfCase, _Mapping]]] = ..., truncated: _Optional[bool] = ..., cases_cut_short: _Optional[int] = ...) -> None: ...
