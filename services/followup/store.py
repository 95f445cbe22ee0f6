"""The follow-up store: templates, messages, webhooks and deliveries.

Blocking SQLAlchemy code, called from the servicer and the delivery
activities through a thread. These tables belong to services/followup; it
never writes the case tables.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from redress.db import Store
from redress.db.tables.followup import Delivery, Message, MessageTemplate, Webhook
from redress.db.turns import wait_for_turn_in
from services.followup.templates import LetterTemplate, shipped

# Purposes of the letters Redress ships, by template name.
SHIPPED_PURPOSES = {
    "acknowledgement": "acknowledgement",
    "summary_resolution": "summary_resolution",
    "holding_response": "delay_notice",
    "final_response": "final_response",
    "progress_update": "progress_update",
    "reminder": "reminder",
    "request_for_information": "request_for_information",
    "satisfaction_survey": "satisfaction_survey",
}


class InvalidPageToken(ValueError):
    pass


class KeyReused(ValueError):
    """An idempotency key already used for a different request."""


class ReportRefused(ValueError):
    """A delivery report that does not fit the message it names."""


def now() -> datetime:
    return datetime.now(UTC)


def message_id_for(idempotency_key: str) -> str:
    """The message id follows from its key, so a retried send finds the same message."""
    return "M-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


def _encode(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def newest_first_token(kind: str, created_at: datetime, key: str) -> str:
    """The token of a newest-first listing's page that ends at this row."""
    return _encode([kind, [created_at.isoformat(), key]])


def _decode(token: str, kind: str) -> Any:
    try:
        padded = token + "=" * (-len(token) % 4)
        found_kind, value = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError) as err:
        raise InvalidPageToken("the page token is not one this service issued") from err
    if found_kind != kind:
        raise InvalidPageToken("the page token belongs to another listing")
    return value


@dataclass(frozen=True)
class NewMessage:
    idempotency_key: str
    fingerprint: str
    case_id: str
    audience: str
    purpose: str
    channel: str
    recipient: str
    language: str
    template_name: str
    template_version: int
    subject: str
    body_text: str
    body_html: str
    state: str
    created_by: str
    sender: str = ""


@dataclass(frozen=True)
class CaseEvent:
    """An event about a case for the webhooks that subscribe to its type."""

    event_id: str
    event_type: str
    case_id: str
    sequence: int
    payload: dict[str, Any]


class FollowupStore(Store):
    # -- templates -----------------------------------------------------------

    def install_shipped(self, actor: str = "redress") -> int:
        """Stores each shipped letter as version 1 where no version of it exists
        yet, and as a new version where the latest is still Redress's own and
        this release ships it changed (corrected wording, values it asks for).

        An administrator's own versions are never touched: once they have
        stored one, the letter is theirs. A letter Redress adds in a later
        release appears on the next start.
        """
        added = 0
        with self.sessions.begin() as session:
            # Replicas starting together install them one after the other:
            # the later ones find them there (PostgreSQL; one process on SQLite).
            wait_for_turn_in(session.connection(), "redress.followup.shipped-letters")
            latest = {
                (row.name, row.language): row
                for row in session.scalars(
                    select(MessageTemplate).order_by(MessageTemplate.version)
                )
            }
            for letter in shipped():
                row = latest.get((letter.name, letter.language))
                if row is not None and (row.created_by != actor or _same_letter(row, letter)):
                    continue
                session.add(
                    _template_row(
                        letter,
                        SHIPPED_PURPOSES.get(letter.name, "other"),
                        (row.version + 1) if row is not None else 1,
                        actor,
                    )
                )
                added += 1
        return added

    def put_template(self, letter: LetterTemplate, purpose: str, actor: str) -> MessageTemplate:
        for _ in range(5):
            try:
                with self.sessions.begin() as session:
                    latest = session.scalar(
                        select(func.max(MessageTemplate.version)).where(
                            MessageTemplate.name == letter.name,
                            MessageTemplate.language == letter.language,
                        )
                    )
                    row = _template_row(letter, purpose, (latest or 0) + 1, actor)
                    session.add(row)
                return row
            except IntegrityError:
                continue  # someone stored the same version at the same moment
        raise RuntimeError("could not store the template; try again")

    def get_template(self, name: str, language: str, version: int = 0) -> MessageTemplate | None:
        with self.sessions() as session:
            query = select(MessageTemplate).where(
                MessageTemplate.name == name, MessageTemplate.language == language
            )
            if version:
                query = query.where(MessageTemplate.version == version)
            return session.scalar(query.order_by(MessageTemplate.version.desc()).limit(1))

    def template_languages(self, name: str) -> list[str]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(MessageTemplate.language).where(MessageTemplate.name == name).distinct()
                )
            )

    def list_templates(self, limit: int, page_token: str) -> tuple[list[MessageTemplate], str]:
        """The latest version of each (name, language), ordered by name and language."""
        after = _decode(page_token, "templates") if page_token else None
        with self.sessions() as session:
            latest = (
                select(
                    MessageTemplate.name,
                    MessageTemplate.language,
                    func.max(MessageTemplate.version).label("version"),
                )
                .group_by(MessageTemplate.name, MessageTemplate.language)
                .subquery()
            )
            query = select(MessageTemplate).join(
                latest,
                and_(
                    MessageTemplate.name == latest.c.name,
                    MessageTemplate.language == latest.c.language,
                    MessageTemplate.version == latest.c.version,
                ),
            )
            if after:
                query = query.where(
                    or_(
                        MessageTemplate.name > after[0],
                        and_(MessageTemplate.name == after[0], MessageTemplate.language > after[1]),
                    )
                )
            rows = list(
                session.scalars(
                    query.order_by(MessageTemplate.name, MessageTemplate.language).limit(limit + 1)
                )
            )
        token = (
            _encode(["templates", [rows[limit - 1].name, rows[limit - 1].language]])
            if len(rows) > limit
            else ""
        )
        return rows[:limit], token

    # -- messages --------------------------------------------------------------

    def add_message(self, new: NewMessage) -> tuple[Message, bool]:
        """Records a message once per idempotency key: (message, created)."""
        message_id = message_id_for(new.idempotency_key)
        existing = self.get_message(message_id)
        if existing is None:
            try:
                with self.sessions.begin() as session:
                    row = Message(
                        message_id=message_id,
                        created_at=now(),
                        attempts=[],
                        **new.__dict__,
                    )
                    session.add(row)
                return row, True
            except IntegrityError:
                existing = self.get_message(message_id)
                assert existing is not None
        if existing.fingerprint != new.fingerprint:
            raise KeyReused(
                f"idempotency key already used for message {existing.message_id}, which differs; "
                "use a new key for a new message"
            )
        return existing, False

    def get_message(self, message_id: str) -> Message | None:
        with self.sessions() as session:
            return session.get(Message, message_id)

    def list_messages(
        self, case_id: str, state: str, limit: int, page_token: str
    ) -> tuple[list[Message], str]:
        query = select(Message)
        if case_id:
            query = query.where(Message.case_id == case_id)
        if state:
            query = query.where(Message.state == state)
        return self._newest_first(
            query, Message.created_at, Message.message_id, "messages", limit, page_token
        )

    def _newest_first(
        self, query: Any, created: Any, key: Any, kind: str, limit: int, page_token: str
    ) -> tuple[list[Any], str]:
        """A page of rows, newest first, continuing after the token's row (keyset)."""
        if page_token:
            at, last_id = _decode(page_token, kind)
            after = datetime.fromisoformat(at)
            query = query.where(or_(created < after, and_(created == after, key < last_id)))
        with self.sessions() as session:
            rows = list(
                session.scalars(query.order_by(created.desc(), key.desc()).limit(limit + 1))
            )
        token = ""
        if len(rows) > limit:
            token = newest_first_token(
                kind, rows[limit - 1].created_at, getattr(rows[limit - 1], key.key)
            )
        return rows[:limit], token

    def record_attempt(
        self, message_id: str, succeeded: bool, detail: str, final_state: str
    ) -> Message:
        with self.sessions.begin() as session:
            row = session.get(Message, message_id, with_for_update=True)
            assert row is not None
            at = now()
            row.attempts = [
                *row.attempts,
                {"at": at.isoformat(), "succeeded": succeeded, "detail": detail[:1000]},
            ]
            row.state = final_state
            if succeeded:
                row.sent_at = at
            return row

    def record_delivery_report(
        self, message_id: str, delivered: bool, detail: str
    ) -> tuple[Message, bool] | None:
        """Records what the recipient's mail server reported about a sent
        email: (the message, whether this report was new); None for an
        unknown message. The same report again changes nothing; one that
        does not fit the message's state is ReportRefused."""
        wanted = "delivered" if delivered else "failed"
        with self.sessions.begin() as session:
            row = session.get(Message, message_id, with_for_update=True)
            if row is None:
                return None
            if row.channel != "email" or row.sender:
                raise ReportRefused(
                    f"message {message_id} is not an email Redress sent "
                    f"({'received from ' + row.sender if row.sender else row.channel}); "
                    "delivery reports are about emails Redress sent"
                )
            reported = [a for a in row.attempts if a.get("report")]
            if row.state == wanted and reported:
                return row, False  # the gateway retried
            if row.state != "sent":
                why = {
                    "queued": "is not sent yet (queued)",
                    "retrying": "is not sent yet: the mail relay has not accepted it",
                    "held": "is held for a digest, not sent",
                    "digested": "went out in a digest, which is the email to report on",
                    "failed": "was given up without being sent"
                    if not reported
                    else "was reported bounced already",
                    "delivered": "was reported delivered already"
                    if reported
                    else "was accepted by the mail relay before delivery reports were kept",
                }.get(row.state, f"is {row.state}")
                raise ReportRefused(f"message {message_id} {why}")
            row.attempts = [
                *row.attempts,
                {
                    "at": now().isoformat(),
                    "succeeded": delivered,
                    "detail": detail[:1000],
                    "report": "delivered" if delivered else "bounced",
                },
            ]
            row.state = wanted
            return row, True

    def held_recipients(self, upto: datetime) -> list[str]:
        """Recipients with alerts held for a digest, created by `upto`."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Message.recipient)
                    .where(Message.state == "held", Message.created_at <= upto)
                    .distinct()
                    .order_by(Message.recipient)
                )
            )

    def gather_digest(
        self, recipient: str, upto: datetime, compose: Callable[[list[Message]], NewMessage]
    ) -> Message | None:
        """Turns the alerts held for `recipient` up to `upto` into one digest
        message, in one transaction: each held alert becomes "digested" and
        says which digest carried it. Idempotent per digest key."""
        with self.sessions.begin() as session:
            held = list(
                session.scalars(
                    select(Message)
                    .where(
                        Message.state == "held",
                        Message.recipient == recipient,
                        Message.created_at <= upto,
                    )
                    .order_by(Message.created_at, Message.message_id)
                    .with_for_update()
                )
            )
            if not held:
                return None
            new = compose(held)
            digest_id = message_id_for(new.idempotency_key)
            digest = session.get(Message, digest_id)
            if digest is None:
                digest = Message(
                    message_id=digest_id, created_at=now(), attempts=[], **new.__dict__
                )
                session.add(digest)
            at = now().isoformat()
            for row in held:
                row.state = "digested"
                row.attempts = [
                    *row.attempts,
                    {"at": at, "succeeded": True, "detail": f"carried by digest {digest_id}"},
                ]
            return digest

    def set_message_state(self, message_id: str, state: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(Message).where(Message.message_id == message_id).values(state=state)
            )

    # -- webhooks and deliveries -------------------------------------------------

    def create_webhook(
        self,
        name: str,
        url: str,
        secret: str,
        event_types: Sequence[str],
        actor: str,
        case_fields: Sequence[str] = (),
    ) -> Webhook:
        with self.sessions.begin() as session:
            row = Webhook(
                webhook_id="W-" + secrets.token_hex(10),
                name=name,
                url=url,
                secret=secret,
                event_types=list(event_types),
                case_fields=list(case_fields),
                enabled=True,
                failures_in_a_row=0,
                disabled_reason="",
                created_by=actor,
                created_at=now(),
            )
            session.add(row)
            return row

    def get_webhook(self, webhook_id: str) -> Webhook | None:
        """A webhook, deleted or not (a delivery names the webhook it was for)."""
        with self.sessions() as session:
            return session.get(Webhook, webhook_id)

    def list_webhooks(self, limit: int, page_token: str) -> tuple[list[Webhook], str]:
        with self.sessions() as session:
            query = select(Webhook).where(Webhook.deleted_at.is_(None))
            if page_token:
                query = query.where(Webhook.webhook_id > _decode(page_token, "webhooks"))
            rows = list(session.scalars(query.order_by(Webhook.webhook_id).limit(limit + 1)))
        token = _encode(["webhooks", rows[limit - 1].webhook_id]) if len(rows) > limit else ""
        return rows[:limit], token

    def set_webhook_enabled(self, webhook_id: str, enabled: bool, reason: str) -> Webhook | None:
        """The webhook changed; None if there is none (or it was deleted)."""
        with self.sessions.begin() as session:
            row = session.get(Webhook, webhook_id, with_for_update=True)
            if row is None or row.deleted_at is not None:
                return None
            row.enabled = enabled
            row.disabled_reason = "" if enabled else reason
            row.disabled_by_delivery = ""
            if enabled:
                row.failures_in_a_row = 0
            return row

    def delete_webhook(
        self, webhook_id: str, actor: str, reason: str
    ) -> tuple[Webhook, int] | None:
        """Deletes a webhook: (the webhook, deliveries cancelled), or None if
        there is none or it was deleted already. In one transaction with
        enqueue_events' lock on the webhooks, so that no event is queued for
        it afterwards; its waiting deliveries are cancelled, each saying why."""
        with self.sessions.begin() as session:
            row = session.get(Webhook, webhook_id, with_for_update=True)
            if row is None or row.deleted_at is not None:
                return None
            at = now()
            row.enabled = False
            row.deleted_at = at
            row.deleted_by = actor
            row.disabled_reason = f"deleted by {actor}" + (f": {reason}" if reason else "")
            row.disabled_by_delivery = ""
            waiting = list(
                session.scalars(
                    select(Delivery)
                    .where(
                        Delivery.webhook_id == webhook_id,
                        Delivery.state.in_(("queued", "retrying")),
                    )
                    .with_for_update()
                )
            )
            for delivery in waiting:
                delivery.attempts = [
                    *delivery.attempts,
                    {
                        "at": at.isoformat(),
                        "succeeded": False,
                        "detail": f"cancelled: webhook {row.disabled_reason}",
                    },
                ]
                delivery.state = "cancelled"
            return row, len(waiting)

    def disable_failing_webhook(
        self, webhook_id: str, failures: int, reason: Callable[[int], str], delivery_id: str
    ) -> str | None:
        """Disables the webhook if it is enabled and has `failures` or more
        deliveries given up in a row, recording `reason(count)` for the count
        it has at that moment and `delivery_id` as the delivery that disabled
        it; returns that reason to the one caller that disabled it (None to
        the others), so that deliveries given up at the same moment alert
        once, and with a count that is true."""
        with self.sessions.begin() as session:
            # One conditional UPDATE claims it: SQLite takes no row lock on a
            # read, so two callers reading `enabled` first could both disable
            # it. Once claimed, this transaction holds the write lock, and the
            # count read next is the one it was disabled at.
            claimed = session.execute(
                update(Webhook)
                .where(
                    Webhook.webhook_id == webhook_id,
                    Webhook.enabled.is_(True),
                    Webhook.failures_in_a_row >= failures,
                )
                .values(enabled=False, disabled_by_delivery=delivery_id)
            )
            if not getattr(claimed, "rowcount", 0):
                return None
            hook = session.get(Webhook, webhook_id)
            assert hook is not None
            hook.disabled_reason = reason(hook.failures_in_a_row)
            return hook.disabled_reason

    def enqueue_events(self, events: Iterable[CaseEvent]) -> list[tuple[str, str]]:
        """Queues each event for every webhook that wants its type, enabled or not.

        A disabled webhook's events wait, queued, until it is enabled again,
        so that the receiving system misses none of them; only dispatch looks
        at `enabled`. Idempotent per (webhook, event id). Returns the
        (webhook id, case id) pairs of enabled webhooks that now have
        something to deliver.
        """
        events = list(events)
        touched: set[tuple[str, str]] = set()
        if not events:
            return []
        with self.sessions.begin() as session:
            # FOR SHARE: a webhook enabled meanwhile waits for these events to
            # be stored, so the enabling side finds them waiting.
            hooks = list(
                session.scalars(
                    select(Webhook)
                    .where(Webhook.deleted_at.is_(None))
                    .order_by(Webhook.webhook_id)
                    .with_for_update(read=True)
                )
            )
            for hook in hooks:
                wanted = [
                    e for e in events if not hook.event_types or e.event_type in hook.event_types
                ]
                if not wanted:
                    continue
                known = set(
                    session.scalars(
                        select(Delivery.event_id).where(
                            Delivery.webhook_id == hook.webhook_id,
                            Delivery.event_id.in_([e.event_id for e in wanted]),
                        )
                    )
                )
                for event in wanted:
                    if event.event_id in known:
                        continue
                    session.add(
                        Delivery(
                            delivery_id="D-"
                            + hashlib.sha256(
                                f"{hook.webhook_id}|{event.event_id}".encode()
                            ).hexdigest()[:24],
                            webhook_id=hook.webhook_id,
                            event_id=event.event_id,
                            event_type=event.event_type,
                            case_id=event.case_id,
                            sequence=event.sequence,
                            payload=event.payload,
                            state="queued",
                            attempts=[],
                            created_at=now(),
                        )
                    )
                    if hook.enabled:
                        touched.add((hook.webhook_id, event.case_id))
        return sorted(touched)

    def waiting_pairs(self, webhook_id: str = "") -> list[tuple[str, str]]:
        """(webhook id, case id) of the undelivered events of every enabled
        webhook, or of `webhook_id` alone."""
        query = (
            select(Delivery.webhook_id, Delivery.case_id)
            .join(Webhook, Webhook.webhook_id == Delivery.webhook_id)
            .where(Webhook.enabled.is_(True), Delivery.state.in_(("queued", "retrying")))
        )
        if webhook_id:
            query = query.where(Delivery.webhook_id == webhook_id)
        with self.sessions() as session:
            rows = session.execute(
                query.distinct().order_by(Delivery.webhook_id, Delivery.case_id)
            ).all()
        return [(w, c) for w, c in rows]

    def next_delivery(self, webhook_id: str, case_id: str) -> Delivery | None:
        """The earliest undelivered event of a case for a webhook (per-case order)."""
        with self.sessions() as session:
            return session.scalar(
                select(Delivery)
                .where(
                    Delivery.webhook_id == webhook_id,
                    Delivery.case_id == case_id,
                    Delivery.state.in_(("queued", "retrying")),
                )
                .order_by(Delivery.sequence)
                .limit(1)
            )

    def record_delivery_attempt(
        self, delivery_id: str, succeeded: bool, detail: str, state: str
    ) -> Delivery:
        with self.sessions.begin() as session:
            row = session.get(Delivery, delivery_id, with_for_update=True)
            assert row is not None
            at = now()
            row.attempts = [
                *row.attempts,
                {"at": at.isoformat(), "succeeded": succeeded, "detail": detail[:1000]},
            ]
            # An attempt under way when its webhook was deleted: a failure
            # leaves the delivery cancelled; a success says it arrived.
            if row.state != "cancelled" or succeeded:
                row.state = state
            if succeeded:
                row.delivered_at = at
            hook = session.get(Webhook, row.webhook_id, with_for_update=True)
            assert hook is not None
            if succeeded:
                hook.failures_in_a_row = 0
            elif state == "failed":
                hook.failures_in_a_row += 1
            return row

    def get_delivery(self, delivery_id: str) -> Delivery | None:
        with self.sessions() as session:
            return session.get(Delivery, delivery_id)

    def requeue_delivery(self, delivery_id: str) -> Delivery | None:
        with self.sessions.begin() as session:
            row = session.get(Delivery, delivery_id, with_for_update=True)
            if row is None:
                return None
            row.state = "queued"
            return row

    def list_deliveries(
        self, webhook_id: str, state: str, limit: int, page_token: str
    ) -> tuple[list[Delivery], str]:
        query = select(Delivery)
        if webhook_id:
            query = query.where(Delivery.webhook_id == webhook_id)
        if state:
            query = query.where(Delivery.state == state)
        return self._newest_first(
            query, Delivery.created_at, Delivery.delivery_id, "deliveries", limit, page_token
        )


def _same_letter(row: MessageTemplate, letter: LetterTemplate) -> bool:
    return (row.subject, row.body_text, row.body_html, list(row.asks or [])) == (
        letter.subject,
        letter.body_text,
        letter.body_html,
        [ask.as_dict() for ask in letter.asks],
    )


def _template_row(
    letter: LetterTemplate, purpose: str, version: int, actor: str
) -> MessageTemplate:
    return MessageTemplate(
        asks=[ask.as_dict() for ask in letter.asks],
        name=letter.name,
        language=letter.language,
        version=version,
        purpose=purpose,
        subject=letter.subject,
        body_text=letter.body_text,
        body_html=letter.body_html,
        created_by=actor,
        created_at=now(),
    )
