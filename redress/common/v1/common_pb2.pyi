import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_PHONE: _ClassVar[Channel]
    CHANNEL_WEB: _ClassVar[Channel]
    CHANNEL_EMAIL: _ClassVar[Channel]
    CHANNEL_SOCIAL: _ClassVar[Channel]
    CHANNEL_CHAT: _ClassVar[Channel]
    CHANNEL_POSTAL: _ClassVar[Channel]
    CHANNEL_REFERRAL: _ClassVar[Channel]
    CHANNEL_FAX: _ClassVar[Channel]
    CHANNEL_IN_PERSON: _ClassVar[Channel]

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_LOW: _ClassVar[Priority]
    PRIORITY_NORMAL: _ClassVar[Priority]
    PRIORITY_HIGH: _ClassVar[Priority]
    PRIORITY_URGENT: _ClassVar[Priority]

class Regime(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REGIME_UNSPECIFIED: _ClassVar[Regime]
    REGIME_NONE: _ClassVar[Regime]
    REGIME_UK_FCA: _ClassVar[Regime]
    REGIME_EU_PSD2: _ClassVar[Regime]
    REGIME_US_CFPB: _ClassVar[Regime]
    REGIME_AU_ASIC: _ClassVar[Regime]

class ClockState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLOCK_STATE_UNSPECIFIED: _ClassVar[ClockState]
    CLOCK_STATE_RUNNING: _ClassVar[ClockState]
    CLOCK_STATE_PAUSED: _ClassVar[ClockState]
    CLOCK_STATE_MET: _ClassVar[ClockState]
    CLOCK_STATE_BREACHED: _ClassVar[ClockState]
    CLOCK_STATE_NOT_APPLICABLE: _ClassVar[ClockState]

class ActorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTOR_KIND_UNSPECIFIED: _ClassVar[ActorKind]
    ACTOR_KIND_PERSON: _ClassVar[ActorKind]
    ACTOR_KIND_SERVICE: _ClassVar[ActorKind]
    ACTOR_KIND_RULE: _ClassVar[ActorKind]
CHANNEL_UNSPECIFIED: Channel
CHANNEL_PHONE: Channel
CHANNEL_WEB: Channel
CHANNEL_EMAIL: Channel
CHANNEL_SOCIAL: Channel
CHANNEL_CHAT: Channel
CHANNEL_POSTAL: Channel
CHANNEL_REFERRAL: Channel
CHANNEL_FAX: Channel
CHANNEL_IN_PERSON: Channel
PRIORITY_UNSPECIFIED: Priority
PRIORITY_LOW: Priority
PRIORITY_NORMAL: Priority
PRIORITY_HIGH: Priority
PRIORITY_URGENT: Priority
REGIME_UNSPECIFIED: Regime
REGIME_NONE: Regime
REGIME_UK_FCA: Regime
REGIME_EU_PSD2: Regime
REGIME_US_CFPB: Regime
REGIME_AU_ASIC: Regime
CLOCK_STATE_UNSPECIFIED: ClockState
CLOCK_STATE_RUNNING: ClockState
CLOCK_STATE_PAUSED: ClockState
CLOCK_STATE_MET: ClockState
CLOCK_STATE_BREACHED: ClockState
CLOCK_STATE_NOT_APPLICABLE: ClockState
ACTOR_KIND_UNSPECIFIED: ActorKind
ACTOR_KIND_PERSON: ActorKind
ACTOR_KIND_SERVICE: ActorKind
ACTOR_KIND_RULE: ActorKind

class Customer(_message.Message):
    __slots__ = ("full_name", "email", "phone", "postal_address", "preferred_channel", "preferred_language", "external_ref", "tags", "do_not_contact", "no_surveys", "social_handle")
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    POSTAL_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    DO_NOT_CONTACT_FIELD_NUMBER: _ClassVar[int]
    NO_SURVEYS_FIELD_NUMBER: _ClassVar[int]
    SOCIAL_HANDLE_FIELD_NUMBER: _ClassVar[int]
    full_name: str
    email: str
    phone: str
    postal_address: PostalAddress
    preferred_channel: Channel
    preferred_language: str
    external_ref: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    do_not_contact: _containers.RepeatedScalarFieldContainer[Channel]
    no_surveys: bool
    social_handle: str
    def __init__(self, full_name: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., postal_address: _Optional[_Union[PostalAddress, _Mapping]] = ..., preferred_channel: _Optional[_Union[Channel, str]] = ..., preferred_language: _Optional[str] = ..., external_ref: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., do_not_contact: _Optional[_Iterable[_Union[Channel, str]]] = ..., no_surveys: _Optional[bool] = ..., social_handle: _Optional[str] = ...) -> None: ...

class PostalAddress(_message.Message):
    __slots__ = ("lines", "locality", "region", "postal_code", "country")
    LINES_FIELD_NUMBER: _ClassVar[int]
    LOCALITY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedScalarFieldContainer[str]
    locality: str
    region: str
    postal_code: str
    country: str
    def __init__(self, lines: _Optional[_Iterable[str]] = ..., locality: _Optional[str] = ..., region: _Optional[str] = ..., postal_code: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class Money(_message.Message):
    __slots__ = ("currency", "minor_units")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    MINOR_UNITS_FIELD_NUMBER: _ClassVar[int]
    currency: str
    minor_units: int
    def __init__(self, currency: _Optional[str] = ..., minor_units: _Optional[int] = ...) -> None: ...

class Actor(_message.Message):
    __slots__ = ("kind", "id", "rule_version")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    RULE_VERSION_FIELD_NUMBER: _ClassVar[int]
    kind: ActorKind
    id: str
    rule_version: str
    def __init__(self, kind: _Optional[_Union[ActorKind, str]] = ..., id: _Optional[str] = ..., rule_version: _Optional[str] = ...) -> None: ...

class PageRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class PageInfo(_message.Message):
    __slots__ = ("next_page_token",)
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    def __init__(self, next_page_token: _Optional[str] = ...) -> None: ...

class TimeRange(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
