"""The follow-up service's Temporal activities.

They run in the follow-up worker: complaint workflows hand their letters and
case events over here, and the delivery workflows (workflows/followup.py)
make each attempt to send a message or post an event through them.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from temporalio import activity
from temporalio.exceptions import ApplicationError

from redress.cases.v1 import cases_pb2
from redress.db.tables.followup import Message
from redress.platform.mail import LoginRefused, PermanentFailure, SmtpSettings, send_email
from services.followup import templates as tpl
from services.followup.alerts import IMMEDIATE, alerts_for
from services.followup.context import Firm
from services.followup.digests import digest_message
from services.followup.email import build_email
from services.followup.event_case import chosen_groups, event_case
from services.followup.messenger import MESSAGES, CaseNotFound, InvalidMessage, Messenger
from services.followup.settings import DeliverySettings
from services.followup.store import CaseEvent, FollowupStore, KeyReused, NewMessage
from services.followup.targets import TargetRefused
from services.followup.webhooks import NO_ANSWER, WEBHOOK_ATTEMPTS, ReceiverRefused, post_event
from workflows.complaint_types import CaseEventDraft, MessageQueued, MessageRequest
from workflows.followup import DeliveryOutcome, DispatchInput

log = logging.getLogger("redress.followup")

ALERTS = Counter(
    "redress_staff_alerts_total",
    "Alerts raised for staff by case events, by outcome (queued, held, skipped).",
    ["outcome"],
)
# States in which a message's delivery attempts are over.
DONE = ("sent", "delivered", "handed_off", "failed")
# How a delivery's last attempt says it was given up.
GIVEN_UP = "given up after"


class FollowupActivities:
    """The follow-up task queue's activities: hand-overs from complaint workflows,
    and the attempts of the delivery workflows."""

    def __init__(
        self,
        store: FollowupStore,
        messenger: Messenger,
        smtp: SmtpSettings,
        firm: Firm,
        settings: DeliverySettings,
    ) -> None:
        self.store = store
        self.messenger = messenger
        self.smtp = smtp
        self.firm = firm
        self.settings = settings

    def all(self) -> list[Any]:
        return [
            self.queue_message,
            self.publish_events,
            self.send_digests,
            self.deliver_message,
            self.give_up_message,
            self.next_delivery,
            self.deliver_event,
            self.give_up_delivery,
        ]

    @activity.defn(name="followup.queue_message")
    async def queue_message(self, request: MessageRequest) -> MessageQueued:
        try:
            message, _ = await self.messenger.queue(
                idempotency_key=request.idempotency_key,
                case_id=request.case_id,
                template_name=request.template_name,
                channel="",
                extra=request.extra,
                actor=request.requested_by,
                case_workflow_id=request.case_workflow_id,
                kind=request.kind,
            )
        except tpl.TemplateProblem as err:
            raise ApplicationError(str(err), type="TemplateProblem", non_retryable=True) from err
        except InvalidMessage as err:
            raise ApplicationError(str(err), type="InvalidMessage", non_retryable=True) from err
        except KeyReused as err:
            raise ApplicationError(str(err), type="KeyReused", non_retryable=True) from err
        return MessageQueued(
            message_id=message.message_id,
            state=message.state,
            template_name=message.template_name,
            template_version=message.template_version,
            language=message.language,
            channel=message.channel,
        )

    @activity.defn(name="followup.publish_events")
    async def publish_events(self, events: list[CaseEventDraft]) -> int:
        queued = [
            CaseEvent(
                event_id=e.event_id,
                event_type=e.event_type,
                case_id=e.case_id,
                sequence=e.sequence,
                payload={"occurred_at": e.occurred_at.isoformat(), "change": dict(e.payload)},
            )
            for e in events
        ]
        alerts = await self._raise_alerts(queued)
        pairs = await asyncio.to_thread(self.store.enqueue_events, queued + alerts)
        await self.messenger.webhooks.wake(pairs)
        return len(pairs)

    async def _raise_alerts(self, events: list[CaseEvent]) -> list[CaseEvent]:
        """Emails the staff each event concerns (see services/followup/alerts.py)
        and returns the same alerts as "staff.alert" events for webhooks."""
        roles = self.messenger.staff.roles()
        out: list[CaseEvent] = []
        cases: dict[str, cases_pb2.Case] = {}  # read once per case for all its alerts
        for event in events:
            change = {**event.payload["change"], "case_id": event.case_id}
            for alert in alerts_for(event.event_type, change, roles):
                key = f"alert/{event.event_id}/{alert.recipient}"
                try:
                    if event.case_id not in cases:
                        cases[event.case_id] = await self.messenger.case(event.case_id)
                    message, _ = await self.messenger.queue_staff_alert(
                        idempotency_key=key,
                        case_id=event.case_id,
                        recipient=alert.recipient,
                        summary=alert.summary,
                        detail=alert.detail,
                        actor="redress",
                        digest_allowed=event.event_type not in IMMEDIATE,
                        case=cases[event.case_id],
                    )
                    ALERTS.labels(message.state).inc()
                except InvalidMessage:
                    # Not in the staff directory: said once in the log, the
                    # webhook event below still carries the alert.
                    ALERTS.labels("skipped").inc()
                    log.warning(
                        "alert recipient unknown",
                        extra={"fields": {"case_id": event.case_id, "event": event.event_type}},
                    )
                out.append(
                    CaseEvent(
                        event_id=key,
                        event_type="staff.alert",
                        case_id=event.case_id,
                        sequence=event.sequence,
                        payload={
                            "occurred_at": event.payload["occurred_at"],
                            "alert": {
                                "recipient": alert.recipient,
                                "summary": alert.summary,
                                "detail": alert.detail,
                                "cause_event": event.event_type,
                            },
                        },
                    )
                )
        return out

    @activity.defn(name="followup.send_digests")
    async def send_digests(self, kind: str, upto_iso: str) -> int:
        """Gathers the alerts held up to `upto` for everyone whose digest is
        `kind` into one message each. Hourly runs also take alerts of people
        no longer in the directory with a digest, so nothing stays held."""
        upto = datetime.fromisoformat(upto_iso)
        staff = self.messenger.staff
        by_email = {staff.people[p]: d for p, d in staff.digests.items() if staff.people.get(p)}
        sent = 0
        for recipient in await asyncio.to_thread(self.store.held_recipients, upto):
            chosen = by_email.get(recipient, "hourly")
            if chosen != kind:
                continue

            def compose(held: list[Message], recipient: str = recipient) -> NewMessage:
                return digest_message(held, recipient, kind, upto)

            digest = await asyncio.to_thread(self.store.gather_digest, recipient, upto, compose)
            if digest is not None:
                await self.messenger.start_delivery(digest, "", "staff_digest")
                sent += 1
        return sent

    def _outcome(self, message: Message, detail: str = "") -> DeliveryOutcome:
        return DeliveryOutcome(
            message_id=message.message_id,
            state=message.state,
            template_name=message.template_name,
            template_version=message.template_version,
            channel=message.channel,
            detail=detail,
        )

    @activity.defn(name="followup.deliver_message")
    async def deliver_message(self, message_id: str) -> DeliveryOutcome:
        message = await asyncio.to_thread(self.store.get_message, message_id)
        if message is None:
            raise ApplicationError(f"no message {message_id}", type="PermanentFailure")
        if message.state in DONE:
            return self._outcome(message)  # done by an earlier attempt: never twice
        if message.channel != "email":
            done = await asyncio.to_thread(
                self.store.record_attempt,
                message_id,
                True,
                f"handed to the firm's systems for {message.channel} (message.sent event)",
                "handed_off",
            )
            MESSAGES.labels(message.channel, "handed_off").inc()
            return self._outcome(done)
        email = build_email(message, self.smtp, self.firm)
        try:
            answer = await asyncio.to_thread(send_email, self.smtp, email, message.recipient)
        except LoginRefused as err:
            log.error("smtp login refused", extra={"fields": {"detail": str(err)}})
            await asyncio.to_thread(
                self.store.record_attempt, message_id, False, str(err), "retrying"
            )
            raise ApplicationError(str(err), type="SmtpLoginRefused") from err
        except PermanentFailure as err:
            await asyncio.to_thread(
                self.store.record_attempt, message_id, False, str(err), "retrying"
            )
            raise ApplicationError(str(err), type="PermanentFailure", non_retryable=True) from err
        except (OSError, smtplib.SMTPException) as err:
            detail = f"{type(err).__name__}: {err}"
            await asyncio.to_thread(
                self.store.record_attempt, message_id, False, detail, "retrying"
            )
            raise ApplicationError(detail, type="SmtpUnavailable") from err
        # Sent: the relay took it. Delivered (or bounced) is for the mail
        # gateway's delivery report to say (RecordDeliveryReport).
        done = await asyncio.to_thread(self.store.record_attempt, message_id, True, answer, "sent")
        MESSAGES.labels("email", "sent").inc()
        log.info(
            "message sent",
            extra={"fields": {"message_id": message_id, "case_id": message.case_id}},
        )
        return self._outcome(done, answer)

    @activity.defn(name="followup.give_up_message")
    async def give_up_message(self, message_id: str) -> DeliveryOutcome:
        message = await asyncio.to_thread(self.store.get_message, message_id)
        assert message is not None
        if message.state in DONE:
            return self._outcome(message)
        last = message.attempts[-1]["detail"] if message.attempts else ""
        done = await asyncio.to_thread(
            self.store.record_attempt,
            message_id,
            False,
            f"given up after {len(message.attempts)} attempts; last: {last}",
            "failed",
        )
        MESSAGES.labels(message.channel, "failed").inc()
        log.warning(
            "message given up",
            extra={"fields": {"message_id": message_id, "case_id": message.case_id}},
        )
        return self._outcome(done, last)

    @activity.defn(name="followup.next_delivery")
    async def next_delivery(self, input: DispatchInput) -> str:
        hook = await asyncio.to_thread(self.store.get_webhook, input.webhook_id)
        if hook is None or not hook.enabled:
            return ""
        delivery = await asyncio.to_thread(
            self.store.next_delivery, input.webhook_id, input.case_id
        )
        return delivery.delivery_id if delivery else ""

    @activity.defn(name="followup.deliver_event")
    async def deliver_event(self, delivery_id: str) -> str:
        delivery = await asyncio.to_thread(self.store.get_delivery, delivery_id)
        assert delivery is not None
        if delivery.state == "delivered":
            return "already delivered"
        if delivery.state == "cancelled":
            return "cancelled: its webhook was deleted"
        hook = await asyncio.to_thread(self.store.get_webhook, delivery.webhook_id)
        assert hook is not None
        case = await self._event_case(delivery.case_id, hook.case_fields or [])
        try:
            answer = await asyncio.to_thread(
                post_event,
                hook.url,
                hook.secret,
                delivery,
                self.settings.webhook_timeout_seconds,
                self.settings.webhook_allowed_networks,
                case,
            )
        except (ReceiverRefused, TargetRefused) as err:
            WEBHOOK_ATTEMPTS.labels("refused").inc()
            await asyncio.to_thread(
                self.store.record_delivery_attempt, delivery_id, False, str(err), "retrying"
            )
            raise ApplicationError(str(err), type="PermanentFailure", non_retryable=True) from err
        except (OSError, ConnectionError) as err:
            WEBHOOK_ATTEMPTS.labels("failed").inc()
            # post_event's own texts: the status at most, nothing of the network.
            detail = str(err) if isinstance(err, ConnectionError) else NO_ANSWER
            await asyncio.to_thread(
                self.store.record_delivery_attempt, delivery_id, False, detail, "retrying"
            )
            raise ApplicationError(detail, type="WebhookUnavailable") from err
        WEBHOOK_ATTEMPTS.labels("delivered").inc()
        await asyncio.to_thread(
            self.store.record_delivery_attempt, delivery_id, True, answer, "delivered"
        )
        return answer

    async def _event_case(self, case_id: str, configured: list[str]) -> dict[str, Any] | None:
        """The case's fields a webhook asked for, as they stand now; None when it
        asked for none or the case is gone. A cases service that does not answer
        fails the attempt, to be retried, rather than send an event without them."""
        if not chosen_groups(configured):
            return None
        try:
            case = await self.messenger.case(case_id)
        except CaseNotFound:
            return None
        return event_case(case, configured, self.firm.link(case))

    @activity.defn(name="followup.give_up_delivery")
    async def give_up_delivery(self, delivery_id: str) -> None:
        """Gives the delivery up; at the limit of deliveries given up in a
        row, disables its webhook and alerts the administrators.

        Each step holds when done again, so that a worker stopping between
        any two of them leaves nothing undone: a delivery given up already is
        not recorded again, a webhook at the limit is disabled whichever try
        finds it so, and the delivery that disabled it alerts (once, by the
        alert's key)."""
        delivery = await asyncio.to_thread(self.store.get_delivery, delivery_id)
        assert delivery is not None
        if delivery.state in ("delivered", "cancelled"):
            return
        tried = [a for a in delivery.attempts if not a["detail"].startswith(GIVEN_UP)]
        last = tried[-1]["detail"] if tried else ""
        if delivery.state != "failed":
            await asyncio.to_thread(
                self.store.record_delivery_attempt,
                delivery_id,
                False,
                f"{GIVEN_UP} {len(delivery.attempts)} attempts; last: {last}",
                "failed",
            )
        hook = await asyncio.to_thread(self.store.get_webhook, delivery.webhook_id)
        assert hook is not None
        reason: str | None = None
        if hook.enabled and hook.failures_in_a_row >= self.settings.webhook_disable_after:
            # Deliveries given up at the same moment race to disable it: the
            # count is read where the webhook is disabled, not here.
            reason = await asyncio.to_thread(
                self.store.disable_failing_webhook,
                hook.webhook_id,
                self.settings.webhook_disable_after,
                lambda count: (
                    f"disabled after {count} deliveries in a row were given up; last: {last}"
                ),
                delivery_id,
            )
            if reason is not None:
                log.error(
                    "webhook disabled",
                    extra={
                        "fields": {
                            "webhook_id": hook.webhook_id,
                            "name": hook.name,
                            "reason": reason,
                        }
                    },
                )
        elif not hook.enabled and hook.disabled_by_delivery == delivery_id:
            # Done again after this delivery disabled it, before it alerted.
            reason = hook.disabled_reason
        if reason is not None:
            await self._alert_admins(hook.webhook_id, hook.name, reason, delivery_id)

    async def _alert_admins(
        self, webhook_id: str, name: str, reason: str, delivery_id: str
    ) -> None:
        if not self.settings.admin_alerts_to:
            return
        await self.messenger.queue_staff_alert(
            idempotency_key=f"webhook-disabled/{webhook_id}/{delivery_id}",
            case_id="",
            recipient=self.settings.admin_alerts_to,
            summary=f"Webhook {name} ({webhook_id}) was disabled",
            detail=reason + "\nRepair the receiver, then redeliver its failed deliveries.",
            actor="redress",
        )
