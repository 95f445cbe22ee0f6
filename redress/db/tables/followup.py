"""services/followup's tables: letter templates, messages, webhooks and their deliveries.

Owner: services/followup. Erasing a customer reaches them through
services/followup/erasure.py, in the case service's erasure transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from redress.db.base import Base


class MessageTemplate(Base):
    """One version of a letter template in one language; versions are never edited."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("name", "language", "version"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    name: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(35))
    version: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    # The values the person sending it supplies (templates.Ask.as_dict each).
    asks: Mapped[list[Any]] = mapped_column(default=list)


class Message(Base):
    """A message to a customer or a member of staff, rendered once and kept as sent."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_case_id_created_at", "case_id", "created_at"),
        Index("ix_messages_state_created_at", "state", "created_at"),
    )

    message_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # The request's fingerprint, to refuse a key reused for a different message.
    fingerprint: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(20), default="")
    audience: Mapped[str] = mapped_column(String(20))  # customer | staff
    purpose: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(35), default="")
    template_name: Mapped[str] = mapped_column(String(64), default="")
    template_version: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20))
    # [{"at": iso, "succeeded": bool, "detail": str}], oldest first.
    attempts: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # Who sent an inbound message (a customer's reply); empty for outbound.
    sender: Mapped[str] = mapped_column(String(320), default="", server_default="")


class Webhook(Base):
    __tablename__ = "webhooks"

    webhook_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    event_types: Mapped[list[Any]] = mapped_column(default=list)
    # The groups of case fields its events carry (services/followup/event_case.py).
    case_fields: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Deliveries given up in a row; the webhook is disabled at the limit.
    failures_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    disabled_reason: Mapped[str] = mapped_column(Text, default="")
    # The delivery whose giving up disabled it (empty when a person did or it
    # is enabled): that delivery's give-up alerts the administrators, also
    # when it is done again after a worker stopped between the two.
    disabled_by_delivery: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    # Set by DeleteWebhook; the row stays for the delivery log.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_by: Mapped[str] = mapped_column(String(100), default="", server_default="")


class Delivery(Base):
    """One case event on its way to one webhook."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        Index(
            "ix_webhook_deliveries_webhook_id_case_id_sequence", "webhook_id", "case_id", "sequence"
        ),
        Index("ix_webhook_deliveries_state_created_at", "state", "created_at"),
    )

    delivery_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.webhook_id"))
    event_id: Mapped[str] = mapped_column(String(120))
    event_type: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[str] = mapped_column(String(20))
    # Orders a case's events: deliveries to one webhook go out in this order.
    sequence: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
