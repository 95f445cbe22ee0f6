import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from redress.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MessagePurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_PURPOSE_UNSPECIFIED: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_ACKNOWLEDGEMENT: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_REQUEST_FOR_INFORMATION: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_PROGRESS_UPDATE: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_DELAY_NOTICE: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_FINAL_RESPONSE: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_OTHER: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_REMINDER: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_SATISFACTION_SURVEY: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_SUMMARY_RESOLUTION: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_STAFF_ALERT: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_STAFF_DIGEST: _ClassVar[MessagePurpose]
    MESSAGE_PURPOSE_CUSTOMER_REPLY: _ClassVar[MessagePurpose]

class DeliveryState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATE_UNSPECIFIED: _ClassVar[DeliveryState]
    DELIVERY_STATE_QUEUED: _ClassVar[DeliveryState]
    DELIVERY_STATE_RETRYING: _ClassVar[DeliveryState]
    DELIVERY_STATE_DELIVERED: _ClassVar[DeliveryState]
    DELIVERY_STATE_FAILED: _ClassVar[DeliveryState]
    DELIVERY_STATE_HANDED_OFF: _ClassVar[DeliveryState]
    DELIVERY_STATE_HELD: _ClassVar[DeliveryState]
    DELIVERY_STATE_DIGESTED: _ClassVar[DeliveryState]
    DELIVERY_STATE_RECEIVED: _ClassVar[DeliveryState]
    DELIVERY_STATE_SENT: _ClassVar[DeliveryState]
    DELIVERY_STATE_CANCELLED: _ClassVar[DeliveryState]

class DeliveryReportOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_REPORT_OUTCOME_UNSPECIFIED: _ClassVar[DeliveryReportOutcome]
    DELIVERY_REPORT_OUTCOME_DELIVERED: _ClassVar[DeliveryReportOutcome]
    DELIVERY_REPORT_OUTCOME_BOUNCED: _ClassVar[DeliveryReportOutcome]
MESSAGE_PURPOSE_UNSPECIFIED: MessagePurpose
MESSAGE_PURPOSE_ACKNOWLEDGEMENT: MessagePurpose
MESSAGE_PURPOSE_REQUEST_FOR_INFORMATION: MessagePurpose
MESSAGE_PURPOSE_PROGRESS_UPDATE: MessagePurpose
MESSAGE_PURPOSE_DELAY_NOTICE: MessagePurpose
MESSAGE_PURPOSE_FINAL_RESPONSE: MessagePurpose
MESSAGE_PURPOSE_OTHER: MessagePurpose
MESSAGE_PURPOSE_REMINDER: MessagePurpose
MESSAGE_PURPOSE_SATISFACTION_SURVEY: MessagePurpose
MESSAGE_PURPOSE_SUMMARY_RESOLUTION: MessagePurpose
MESSAGE_PURPOSE_STAFF_ALERT: MessagePurpose
MESSAGE_PURPOSE_STAFF_DIGEST: MessagePurpose
MESSAGE_PURPOSE_CUSTOMER_REPLY: MessagePurpose
DELIVERY_STATE_UNSPECIFIED: DeliveryState
DELIVERY_STATE_QUEUED: DeliveryState
DELIVERY_STATE_RETRYING: DeliveryState
DELIVERY_STATE_DELIVERED: DeliveryState
DELIVERY_STATE_FAILED: DeliveryState
DELIVERY_STATE_HANDED_OFF: DeliveryState
DELIVERY_STATE_HELD: DeliveryState
DELIVERY_STATE_DIGESTED: DeliveryState
DELIVERY_STATE_RECEIVED: DeliveryState
DELIVERY_STATE_SENT: DeliveryState
DELIVERY_STATE_CANCELLED: DeliveryState
DELIVERY_REPORT_OUTCOME_UNSPECIFIED: DeliveryReportOutcome
DELIVERY_REPORT_OUTCOME_DELIVERED: DeliveryReportOutcome
DELIVERY_REPORT_OUTCOME_BOUNCED: DeliveryReportOutcome

class Template(_message.Message):
    __slots__ = ("name", "version", "language", "purpose", "subject", "body_text", "body_html", "created_by", "created_at", "asks")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_TEXT_FIELD_NUMBER: _ClassVar[int]
    BODY_HTML_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ASKS_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    language: str
    purpose: MessagePurpose
    subject: str
    body_text: str
    body_html: str
    created_by: _common_pb2.Actor
    created_at: _timestamp_pb2.Timestamp
    asks: _containers.RepeatedCompositeFieldContainer[AskedValue]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., language: _Optional[str] = ..., purpose: _Optional[_Union[MessagePurpose, str]] = ..., subject: _Optional[str] = ..., body_text: _Optional[str] = ..., body_html: _Optional[str] = ..., created_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., asks: _Optional[_Iterable[_Union[AskedValue, _Mapping]]] = ...) -> None: ...

class AskedValue(_message.Message):
    __slots__ = ("name", "labels", "required", "kind")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    name: str
    labels: _containers.ScalarMap[str, str]
    required: bool
    kind: str
    def __init__(self, name: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., required: _Optional[bool] = ..., kind: _Optional[str] = ...) -> None: ...

class PutTemplateRequest(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class PutTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class GetTemplateRequest(_message.Message):
    __slots__ = ("name", "language", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    language: str
    version: int
    def __init__(self, name: _Optional[str] = ..., language: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class ListTemplatesRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListTemplatesResponse(_message.Message):
    __slots__ = ("templates", "page")
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.RepeatedCompositeFieldContainer[Template]
    page: _common_pb2.PageInfo
    def __init__(self, templates: _Optional[_Iterable[_Union[Template, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class RenderTemplateRequest(_message.Message):
    __slots__ = ("template_name", "language", "case_id", "extra")
    class ExtraEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TEMPLATE_NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    template_name: str
    language: str
    case_id: str
    extra: _containers.ScalarMap[str, str]
    def __init__(self, template_name: _Optional[str] = ..., language: _Optional[str] = ..., case_id: _Optional[str] = ..., extra: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RenderTemplateResponse(_message.Message):
    __slots__ = ("subject", "body_text", "body_html", "template_version")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_TEXT_FIELD_NUMBER: _ClassVar[int]
    BODY_HTML_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    subject: str
    body_text: str
    body_html: str
    template_version: int
    def __init__(self, subject: _Optional[str] = ..., body_text: _Optional[str] = ..., body_html: _Optional[str] = ..., template_version: _Optional[int] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ("message_id", "case_id", "purpose", "channel", "recipient", "subject", "body_text", "template_name", "template_version", "state", "attempts", "created_at", "created_by", "language", "body_html", "audience", "sent_at", "sender")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_TEXT_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_NAME_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    BODY_HTML_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    case_id: str
    purpose: MessagePurpose
    channel: _common_pb2.Channel
    recipient: str
    subject: str
    body_text: str
    template_name: str
    template_version: int
    state: DeliveryState
    attempts: _containers.RepeatedCompositeFieldContainer[Attempt]
    created_at: _timestamp_pb2.Timestamp
    created_by: _common_pb2.Actor
    language: str
    body_html: str
    audience: str
    sent_at: _timestamp_pb2.Timestamp
    sender: str
    def __init__(self, message_id: _Optional[str] = ..., case_id: _Optional[str] = ..., purpose: _Optional[_Union[MessagePurpose, str]] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., recipient: _Optional[str] = ..., subject: _Optional[str] = ..., body_text: _Optional[str] = ..., template_name: _Optional[str] = ..., template_version: _Optional[int] = ..., state: _Optional[_Union[DeliveryState, str]] = ..., attempts: _Optional[_Iterable[_Union[Attempt, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., language: _Optional[str] = ..., body_html: _Optional[str] = ..., audience: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sender: _Optional[str] = ...) -> None: ...

class Attempt(_message.Message):
    __slots__ = ("at", "succeeded", "detail")
    AT_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    succeeded: bool
    detail: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., succeeded: _Optional[bool] = ..., detail: _Optional[str] = ...) -> None: ...

class SendMessageRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "template_name", "channel", "extra")
    class ExtraEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_NAME_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    template_name: str
    channel: _common_pb2.Channel
    extra: _containers.ScalarMap[str, str]
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., template_name: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., extra: _Optional[_Mapping[str, str]] = ...) -> None: ...

class SendMessageResponse(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: Message
    def __init__(self, message: _Optional[_Union[Message, _Mapping]] = ...) -> None: ...

class GetMessageRequest(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class GetMessageResponse(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: Message
    def __init__(self, message: _Optional[_Union[Message, _Mapping]] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ("case_id", "state", "page")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    state: DeliveryState
    page: _common_pb2.PageRequest
    def __init__(self, case_id: _Optional[str] = ..., state: _Optional[_Union[DeliveryState, str]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ("messages", "page")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[Message]
    page: _common_pb2.PageInfo
    def __init__(self, messages: _Optional[_Iterable[_Union[Message, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class SendStaffAlertRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "recipient", "summary", "detail", "priority")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    recipient: str
    summary: str
    detail: str
    priority: _common_pb2.Priority
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., recipient: _Optional[str] = ..., summary: _Optional[str] = ..., detail: _Optional[str] = ..., priority: _Optional[_Union[_common_pb2.Priority, str]] = ...) -> None: ...

class SendStaffAlertResponse(_message.Message):
    __slots__ = ("alert_id", "state")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    alert_id: str
    state: DeliveryState
    def __init__(self, alert_id: _Optional[str] = ..., state: _Optional[_Union[DeliveryState, str]] = ...) -> None: ...

class Webhook(_message.Message):
    __slots__ = ("webhook_id", "name", "url", "event_types", "enabled", "created_at", "deleted_at", "case_fields")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELETED_AT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    name: str
    url: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    enabled: bool
    created_at: _timestamp_pb2.Timestamp
    deleted_at: _timestamp_pb2.Timestamp
    case_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, webhook_id: _Optional[str] = ..., name: _Optional[str] = ..., url: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., enabled: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deleted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., case_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateWebhookRequest(_message.Message):
    __slots__ = ("webhook", "secret")
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    webhook: Webhook
    secret: str
    def __init__(self, webhook: _Optional[_Union[Webhook, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class CreateWebhookResponse(_message.Message):
    __slots__ = ("webhook",)
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    webhook: Webhook
    def __init__(self, webhook: _Optional[_Union[Webhook, _Mapping]] = ...) -> None: ...

class ListWebhooksRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListWebhooksResponse(_message.Message):
    __slots__ = ("webhooks", "page")
    WEBHOOKS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    webhooks: _containers.RepeatedCompositeFieldContainer[Webhook]
    page: _common_pb2.PageInfo
    def __init__(self, webhooks: _Optional[_Iterable[_Union[Webhook, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class DisableWebhookRequest(_message.Message):
    __slots__ = ("webhook_id",)
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    def __init__(self, webhook_id: _Optional[str] = ...) -> None: ...

class DisableWebhookResponse(_message.Message):
    __slots__ = ("webhook",)
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    webhook: Webhook
    def __init__(self, webhook: _Optional[_Union[Webhook, _Mapping]] = ...) -> None: ...

class DeleteWebhookRequest(_message.Message):
    __slots__ = ("webhook_id", "reason")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    reason: str
    def __init__(self, webhook_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeleteWebhookResponse(_message.Message):
    __slots__ = ("webhook", "deliveries_cancelled")
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    webhook: Webhook
    deliveries_cancelled: int
    def __init__(self, webhook: _Optional[_Union[Webhook, _Mapping]] = ..., deliveries_cancelled: _Optional[int] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("delivery_id", "webhook_id", "event_id", "event_type", "case_id", "state", "attempts")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    webhook_id: str
    event_id: str
    event_type: str
    case_id: str
    state: DeliveryState
    attempts: _containers.RepeatedCompositeFieldContainer[Attempt]
    def __init__(self, delivery_id: _Optional[str] = ..., webhook_id: _Optional[str] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., case_id: _Optional[str] = ..., state: _Optional[_Union[DeliveryState, str]] = ..., attempts: _Optional[_Iterable[_Union[Attempt, _Mapping]]] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("webhook_id", "state", "page")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    state: DeliveryState
    page: _common_pb2.PageRequest
    def __init__(self, webhook_id: _Optional[str] = ..., state: _Optional[_Union[DeliveryState, str]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "page")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    page: _common_pb2.PageInfo
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ScheduleFollowupRequest(_message.Message):
    __slots__ = ("case_id", "template_name", "send_at", "extra", "reason")
    class ExtraEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_NAME_FIELD_NUMBER: _ClassVar[int]
    SEND_AT_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    template_name: str
    send_at: _timestamp_pb2.Timestamp
    extra: _containers.ScalarMap[str, str]
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., template_name: _Optional[str] = ..., send_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., extra: _Optional[_Mapping[str, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ScheduleFollowupResponse(_message.Message):
    __slots__ = ("followup_id",)
    FOLLOWUP_ID_FIELD_NUMBER: _ClassVar[int]
    followup_id: str
    def __init__(self, followup_id: _Optional[str] = ...) -> None: ...

class CancelFollowupRequest(_message.Message):
    __slots__ = ("case_id", "followup_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOWUP_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    followup_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., followup_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelFollowupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RedeliverEventRequest(_message.Message):
    __slots__ = ("delivery_id",)
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    def __init__(self, delivery_id: _Optional[str] = ...) -> None: ...

class RedeliverEventResponse(_message.Message):
    __slots__ = ("delivery",)
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery: Delivery
    def __init__(self, delivery: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...

class ReceiveCustomerMessageRequest(_message.Message):
    __slots__ = ("message_id_header", "sender", "subject", "body_text", "in_reply_to", "references", "received_at")
    MESSAGE_ID_HEADER_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_TEXT_FIELD_NUMBER: _ClassVar[int]
    IN_REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    message_id_header: str
    sender: str
    subject: str
    body_text: str
    in_reply_to: str
    references: _containers.RepeatedScalarFieldContainer[str]
    received_at: _timestamp_pb2.Timestamp
    def __init__(self, message_id_header: _Optional[str] = ..., sender: _Optional[str] = ..., subject: _Optional[str] = ..., body_text: _Optional[str] = ..., in_reply_to: _Optional[str] = ..., references: _Optional[_Iterable[str]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReceiveCustomerMessageResponse(_message.Message):
    __slots__ = ("message", "case_id", "matched_by", "replied_to")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    MATCHED_BY_FIELD_NUMBER: _ClassVar[int]
    REPLIED_TO_FIELD_NUMBER: _ClassVar[int]
    message: Message
    case_id: str
    matched_by: str
    replied_to: MessagePurpose
    def __init__(self, message: _Optional[_Union[Message, _Mapping]] = ..., case_id: _Optional[str] = ..., matched_by: _Optional[str] = ..., replied_to: _Optional[_Union[MessagePurpose, str]] = ...) -> None: ...

class RecordDeliveryReportRequest(_message.Message):
    __slots__ = ("message_id", "message_id_header", "outcome", "diagnostic", "remote_mta")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_HEADER_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSTIC_FIELD_NUMBER: _ClassVar[int]
    REMOTE_MTA_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    message_id_header: str
    outcome: DeliveryReportOutcome
    diagnostic: str
    remote_mta: str
    def __init__(self, message_id: _Optional[str] = ..., message_id_header: _Optional[str] = ..., outcome: _Optional[_Union[DeliveryReportOutcome, str]] = ..., diagnostic: _Optional[str] = ..., remote_mta: _Optional[str] = ...) -> None: ...

class RecordDeliveryReportResponse(_message.Message):
    __slots__ = ("message", "recorded")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    message: Message
    recorded: bool
    def __init__(self, message: _Optional[_Union[Message, _Mapping]] = ..., recorded: _Optional[bool] = ...) -> None: ...
