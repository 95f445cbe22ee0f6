"""services/followup's part of erasing and exporting a customer's data (docs/privacy.md).

The letters sent to a customer and the replies they sent lose their
addresses, subject and text; staff alerts and delivery details only where
they quote the customer; webhook deliveries' copies of audit values as the
audit trail's own. Runs inside the case service's erasure transaction
(redress/db/personal_data.py), so that a customer is never half erased.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redress.db.personal_data import exported_row
from redress.db.tables.followup import Delivery, Message
from redress.domain.privacy import count_erased, is_personal

# Message states in which a letter may still go out.
UNSENT = ("queued", "retrying", "held")


class FollowupPersonalData:
    """Letters, replies and webhook deliveries kept for a case's customer."""

    def erase_case(
        self, session: Session, case_id: str, identifiers: list[str], erased: dict[str, int]
    ) -> None:
        for message in session.scalars(select(Message).where(Message.case_id == case_id)):
            _erase_message(message, identifiers, erased)
        for delivery in session.scalars(select(Delivery).where(Delivery.case_id == case_id)):
            payload = dict(delivery.payload or {})
            values = [str(payload.get(k, "")) for k in ("old", "new", "cause")]
            if any(values) and is_personal(str(payload.get("action", "")), values, identifiers):
                for k in ("old", "new", "cause"):
                    payload[k] = ""
                payload["erased"] = "true"
                delivery.payload = payload
                count_erased(erased, "webhook_deliveries")

    def export_case(self, session: Session, case_id: str) -> dict[str, Any]:
        return {
            "messages": [
                exported_row(m, ("case_id", "idempotency_key"))
                for m in session.scalars(
                    select(Message)
                    .where(Message.case_id == case_id, Message.audience == "customer")
                    .order_by(Message.created_at)
                )
            ]
        }


def _erase_message(message: Message, identifiers: list[str], erased: dict[str, int]) -> None:
    """A letter to or from the customer loses its addresses, subject and text;
    a staff alert or a delivery detail only where it quotes the customer."""
    changed: dict[str, Any] = {}
    texts = ("subject", "body_text", "body_html")
    if message.audience == "customer":
        for name in (*texts, "recipient", "sender"):
            if getattr(message, name):
                changed[name] = ""
    elif any(is_personal("", [str(getattr(message, name))], identifiers) for name in texts):
        changed.update({name: "" for name in texts})
    attempts = list(message.attempts or [])
    if any(is_personal("", [str(a.get("detail", ""))], identifiers) for a in attempts):
        attempts = [
            {**a, "detail": ""} if is_personal("", [str(a.get("detail", ""))], identifiers) else a
            for a in attempts
        ]
        changed["attempts"] = attempts
    if message.audience == "customer" and not message.sender and message.state in UNSENT:
        changed["attempts"] = [
            *attempts,
            {
                "at": datetime.now(UTC).isoformat(),
                "succeeded": False,
                "detail": "not sent: the customer's personal data was erased",
            },
        ]
        changed["state"] = "failed"
    for name, value in changed.items():
        setattr(message, name, value)
    if changed:
        count_erased(erased, "messages")
