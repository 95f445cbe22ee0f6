"""Protobuf messages <-> the store's records, for the follow-up servicer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from redress.common.v1 import common_pb2
from redress.db.tables.followup import Delivery, Message, MessageTemplate, Webhook
from redress.followup.v1 import followup_pb2
from redress.platform.enums import from_short_name
from redress.platform.wire import optional_timestamp, timestamp

# The store's state names as the API's DeliveryState.
STATES = {
    "queued": followup_pb2.DELIVERY_STATE_QUEUED,
    "retrying": followup_pb2.DELIVERY_STATE_RETRYING,
    "delivered": followup_pb2.DELIVERY_STATE_DELIVERED,
    "failed": followup_pb2.DELIVERY_STATE_FAILED,
    "handed_off": followup_pb2.DELIVERY_STATE_HANDED_OFF,
    "held": followup_pb2.DELIVERY_STATE_HELD,
    "digested": followup_pb2.DELIVERY_STATE_DIGESTED,
    "received": followup_pb2.DELIVERY_STATE_RECEIVED,
    "sent": followup_pb2.DELIVERY_STATE_SENT,
    "cancelled": followup_pb2.DELIVERY_STATE_CANCELLED,
}
STATE_NAMES = {v: k for k, v in STATES.items()}


def recorded_actor(actor_id: str) -> common_pb2.Actor:
    """Who made a template or message, as recorded: the store keeps the id only."""
    return common_pb2.Actor(kind=common_pb2.ACTOR_KIND_PERSON, id=actor_id)


def template_message(row: MessageTemplate) -> followup_pb2.Template:
    return followup_pb2.Template(
        name=row.name,
        version=row.version,
        language=row.language,
        purpose=from_short_name(followup_pb2.MessagePurpose, row.purpose),  # type: ignore[arg-type]
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        created_by=recorded_actor(row.created_by),
        created_at=optional_timestamp(row.created_at),
        asks=[
            followup_pb2.AskedValue(
                name=a.get("name", ""),
                labels=a.get("labels") or {},
                required=bool(a.get("required", True)),
                kind=a.get("kind") or "text",
            )
            for a in row.asks or []
        ],
    )


def _attempts(rows: list[dict[str, Any]]) -> list[followup_pb2.Attempt]:
    return [
        followup_pb2.Attempt(
            at=timestamp(datetime.fromisoformat(a["at"])),
            succeeded=a["succeeded"],
            detail=a["detail"],
        )
        for a in rows
    ]


def message_message(row: Message) -> followup_pb2.Message:
    return followup_pb2.Message(
        message_id=row.message_id,
        case_id=row.case_id,
        purpose=from_short_name(followup_pb2.MessagePurpose, row.purpose),  # type: ignore[arg-type]
        channel=from_short_name(common_pb2.Channel, row.channel),  # type: ignore[arg-type]
        recipient=row.recipient,
        subject=row.subject,
        body_text=row.body_text,
        template_name=row.template_name,
        template_version=row.template_version,
        state=STATES.get(row.state, followup_pb2.DELIVERY_STATE_UNSPECIFIED),
        attempts=_attempts(row.attempts),
        created_at=optional_timestamp(row.created_at),
        created_by=recorded_actor(row.created_by),
        language=row.language,
        body_html=row.body_html,
        audience=row.audience,
        sent_at=optional_timestamp(row.sent_at),
        sender=row.sender,
    )


def webhook_message(row: Webhook) -> followup_pb2.Webhook:
    return followup_pb2.Webhook(
        webhook_id=row.webhook_id,
        name=row.name,
        url=row.url,
        event_types=row.event_types,
        case_fields=row.case_fields or [],
        enabled=row.enabled,
        created_at=optional_timestamp(row.created_at),
        deleted_at=optional_timestamp(row.deleted_at),
    )


def delivery_message(row: Delivery) -> followup_pb2.Delivery:
    return followup_pb2.Delivery(
        delivery_id=row.delivery_id,
        webhook_id=row.webhook_id,
        event_id=row.event_id,
        event_type=row.event_type,
        case_id=row.case_id,
        state=STATES.get(row.state, followup_pb2.DELIVERY_STATE_UNSPECIFIED),
        attempts=_attempts(row.attempts),
    )
