"""Rendering, recording and delivering messages; delivering case events to webhooks.

`Messenger.queue` is the one way a message comes to exist: it renders a
template against the case (read from services/cases), records the message
once per idempotency key and starts its delivery workflow. The activities
here run in the follow-up service's Temporal worker.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

import grpc
from prometheus_client import Counter
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.db.models import Delivery, Message
from redress.platform.enums import short_name
from redress.platform.settings import Env
from services.followup import templates as tpl
from services.followup.context import Firm, case_context
from services.followup.store import (
    CaseEvent,
    FollowupStore,
    KeyReused,
    NewMessage,
    message_id_for,
)
from workflows.complaint_types import CaseEventDraft, MessageQueued, MessageRequest
from workflows.followup import (
    Backoff,
    DeliveryInput,
    DeliveryOutcome,
    DispatchInput,
    MessageDeliveryWorkflow,
    WebhookDispatchWorkflow,
)

log = logging.getLogger("redress.followup")

MESSAGES = Counter(
    "redress_messages_total",
    "Messages by channel and how their delivery ended",
    ["channel", "state"],
)
WEBHOOK_ATTEMPTS = Counter(
    "redress_webhook_attempts_total", "Webhook delivery attempts by outcome", ["outcome"]
)
EVENT_SCHEMA = "redress.case-event/1"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    # none | starttls | tls
    security: str
    username: str
    password: str
    mail_from: str
    timeout_seconds: float
    ca_file: str

    @classmethod
    def from_env(cls, env: Env) -> SmtpSettings:
        settings = cls(
            host=env.string("REDRESS_SMTP_HOST", "127.0.0.1"),
            port=env.integer("REDRESS_SMTP_PORT", 1025, minimum=1),
            security=env.choice("REDRESS_SMTP_SECURITY", "none", ("none", "starttls", "tls")),
            username=env.string("REDRESS_SMTP_USERNAME", ""),
            password=env.string("REDRESS_SMTP_PASSWORD", ""),
            mail_from=env.string("REDRESS_MAIL_FROM", "complaints@example.com"),
            timeout_seconds=env.number("REDRESS_SMTP_TIMEOUT_SECONDS", 30.0, minimum=1.0),
            ca_file=env.string("REDRESS_SMTP_CA_FILE", ""),
        )
        if settings.username and settings.security == "none":
            env.problems.append(
                "REDRESS_SMTP_USERNAME is set but REDRESS_SMTP_SECURITY=none: a password "
                "would travel in clear; use starttls or tls"
            )
        return settings


@dataclass(frozen=True)
class DeliverySettings:
    message_backoff: Backoff
    webhook_backoff: Backoff
    # Deliveries given up in a row before a webhook is disabled.
    webhook_disable_after: int
    # Who is told when a webhook is disabled (an email address; empty: the log only).
    admin_alerts_to: str
    webhook_timeout_seconds: float

    @classmethod
    def from_env(cls, env: Env) -> DeliverySettings:
        def backoff(prefix: str, attempts: int) -> Backoff:
            return Backoff(
                max_attempts=env.integer(f"{prefix}_MAX_ATTEMPTS", attempts, minimum=1),
                initial_seconds=env.number(f"{prefix}_RETRY_INITIAL_SECONDS", 5.0, minimum=0.01),
                max_seconds=env.number(f"{prefix}_RETRY_MAX_SECONDS", 600.0, minimum=0.01),
            )

        return cls(
            message_backoff=backoff("REDRESS_MESSAGE", 12),
            webhook_backoff=backoff("REDRESS_WEBHOOK", 10),
            webhook_disable_after=env.integer("REDRESS_WEBHOOK_DISABLE_AFTER", 5, minimum=1),
            admin_alerts_to=env.string("REDRESS_ADMIN_ALERTS_TO", ""),
            webhook_timeout_seconds=env.number(
                "REDRESS_WEBHOOK_TIMEOUT_SECONDS", 10.0, minimum=0.1
            ),
        )


@dataclass(frozen=True)
class StaffDirectory:
    """Who staff are and how to reach them: people by principal, teams by name.

    Read from the YAML file REDRESS_STAFF_FILE:
        people: {alice: {email: alice@bank.example}, ...}
        teams: {complaints: {members: [alice, bob], lead: bob, manager: carol}}
    """

    people: dict[str, str]
    teams: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, path: str) -> StaffDirectory:
        if not path:
            return cls({}, {})
        import yaml

        with open(path, encoding="utf-8") as f:
            document = yaml.safe_load(f) or {}
        people = {
            str(name): str((entry or {}).get("email", ""))
            for name, entry in (document.get("people") or {}).items()
        }
        return cls(people, dict(document.get("teams") or {}))

    def resolve(self, recipient: str) -> list[str]:
        recipient = recipient.strip()
        if recipient.startswith("team:"):
            team = self.teams.get(recipient[5:]) or {}
            return [self.people[m] for m in team.get("members", []) if self.people.get(m)]
        if recipient in self.people:
            return [self.people[recipient]] if self.people[recipient] else []
        local, at, domain = recipient.partition("@")
        if at and local and "." in domain and " " not in recipient:
            return [recipient]
        return []


class InvalidMessage(ValueError):
    """The request cannot become a message; `problems` are (field, what is wrong)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{f}: {w}" for f, w in problems))


class CaseNotFound(LookupError):
    pass


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def choose_channel(
    customer: common_pb2.Customer, requested: str, came_by: str = ""
) -> tuple[str, str]:
    """(channel, recipient): the requested channel, else the customer's preferred
    one, else email when there is an address, else the channel the complaint came
    by, else post."""
    address = customer.postal_address
    postal = ", ".join(
        part
        for part in [*address.lines, address.locality, address.postal_code, address.country]
        if part
    )
    channel = requested or short_name(common_pb2.Channel, customer.preferred_channel) or ""
    if channel in ("", "web", "chat", "social", "referral") and customer.email:
        channel = "email"
    if not channel:
        channel = came_by if came_by in ("phone", "postal", "fax") else ""
    if not channel:
        channel = "postal" if postal or not customer.phone else "phone"
    if channel == "email":
        if not customer.email:
            raise InvalidMessage([("channel", "the customer has no email address; choose postal")])
        return "email", customer.email
    if channel in ("phone", "fax"):
        return channel, customer.phone
    if channel in ("postal", "in_person"):
        return "postal", postal
    return channel, customer.email or customer.phone


class Messenger:
    """Turns a request into a recorded message on its way to the customer."""

    def __init__(
        self,
        store: FollowupStore,
        cases: cases_pb2_grpc.CasesServiceStub,
        api_key: str,
        firm: Firm,
        client: Client,
        task_queue: str,
        settings: DeliverySettings,
        staff: StaffDirectory | None = None,
    ) -> None:
        self.staff = staff or StaffDirectory({}, {})
        self.store = store
        self.cases = cases
        self.metadata = (("authorization", f"Bearer {api_key}"),)
        self.firm = firm
        self.client = client
        self.task_queue = task_queue
        self.settings = settings

    async def case(self, case_id: str) -> cases_pb2.Case:
        try:
            response = await self.cases.GetCase(
                cases_pb2.GetCaseRequest(case_id=case_id), metadata=self.metadata, timeout=10
            )
        except grpc.aio.AioRpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                raise CaseNotFound(f"no case {case_id!r}") from err
            raise
        return response.case

    async def template_for(
        self, name: str, language: str, case: cases_pb2.Case | None
    ) -> tuple[tpl.LetterTemplate, int, str]:
        languages = await asyncio.to_thread(self.store.template_languages, name)
        if not languages:
            raise InvalidMessage([("template_name", f"no template named {name!r}")])
        wanted = language or (case.customer.preferred_language if case else "") or ""
        try:
            chosen = tpl.choose_language(wanted, languages)
        except tpl.TemplateProblem as err:
            raise InvalidMessage(err.problems) from err
        row = await asyncio.to_thread(self.store.get_template, name, chosen)
        assert row is not None
        letter = tpl.LetterTemplate(
            row.name, row.language, row.subject, row.body_text, row.body_html
        )
        return letter, row.version, row.purpose

    async def render(
        self, name: str, language: str, case_id: str, extra: dict[str, str]
    ) -> tuple[tpl.Rendered, tpl.LetterTemplate, int, str, cases_pb2.Case]:
        case = await self.case(case_id)
        letter, version, purpose = await self.template_for(name, language, case)
        context = case_context(case, letter.language, self.firm, extra)
        rendered = tpl.render(letter, context)
        return rendered, letter, version, purpose, case

    async def queue(
        self,
        *,
        idempotency_key: str,
        case_id: str,
        template_name: str,
        channel: str,
        extra: dict[str, str],
        actor: str,
        case_workflow_id: str = "",
        kind: str = "",
        language: str = "",
    ) -> tuple[Message, bool]:
        existing = await asyncio.to_thread(self.store.get_message, message_id_for(idempotency_key))
        if existing is not None:
            # A retry: the message as first recorded, its delivery (re)started.
            await self._start_delivery(existing, case_workflow_id, kind)
            return existing, False
        rendered, letter, version, purpose, case = await self.render(
            template_name, language, case_id, extra
        )
        chosen, recipient = choose_channel(
            case.customer, channel, short_name(common_pb2.Channel, case.channel)
        )
        new = NewMessage(
            idempotency_key=idempotency_key,
            fingerprint=fingerprint(case_id, template_name, channel, sorted(extra.items())),
            case_id=case_id,
            audience="customer",
            purpose=purpose,
            channel=chosen,
            recipient=recipient,
            language=letter.language,
            template_name=letter.name,
            template_version=version,
            subject=rendered.subject,
            body_text=rendered.body_text,
            body_html=rendered.body_html,
            state="queued",
            created_by=actor,
        )
        message, created = await asyncio.to_thread(self.store.add_message, new)
        await self._start_delivery(message, case_workflow_id or case.workflow_id, kind)
        return message, created

    async def _start_delivery(self, message: Message, case_workflow_id: str, kind: str) -> None:
        if message.state not in ("queued", "retrying"):
            return
        try:
            await self.client.start_workflow(
                MessageDeliveryWorkflow.run,
                DeliveryInput(
                    message.message_id, case_workflow_id, kind, self.settings.message_backoff
                ),
                id=f"message/{message.message_id}",
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            pass  # delivered already by an earlier run

    async def queue_staff_alert(
        self,
        *,
        idempotency_key: str,
        case_id: str,
        recipient: str,
        summary: str,
        detail: str,
        actor: str,
    ) -> tuple[Message, bool]:
        """An alert to a member of staff (an email address, or a principal or
        team:<name> from the staff directory), with a link to the case."""
        addresses = self.staff.resolve(recipient)
        if not addresses:
            raise InvalidMessage(
                [
                    (
                        "recipient",
                        f"{recipient!r} is neither an email address nor in the staff directory",
                    )
                ]
            )
        body = summary + ("\n\n" + detail if detail else "")
        if case_id:
            case = await self.case(case_id)
            priority = short_name(common_pb2.Priority, case.priority)
            body += f"\n\nCase {case.case_id} ({case.stage}, {priority}): {self.firm.link(case)}\n"
        new = NewMessage(
            idempotency_key=idempotency_key,
            fingerprint=fingerprint(case_id, recipient, summary, detail),
            case_id=case_id,
            audience="staff",
            purpose="other",
            channel="email",
            recipient=", ".join(addresses),
            language="en",
            template_name="",
            template_version=0,
            subject=f"[Redress] {summary}",
            body_text=body,
            body_html="",
            state="queued",
            created_by=actor,
        )
        message, created = await asyncio.to_thread(self.store.add_message, new)
        await self._start_delivery(message, "", "staff_alert")
        return message, created

    async def wake_dispatchers(self, pairs: list[tuple[str, str]]) -> None:
        for webhook_id, case_id in pairs:
            await self.client.start_workflow(
                WebhookDispatchWorkflow.run,
                DispatchInput(webhook_id, case_id, self.settings.webhook_backoff),
                id=f"webhook/{webhook_id}/{case_id}",
                task_queue=self.task_queue,
                start_signal="wake",
            )


def build_email(message: Message, smtp: SmtpSettings, firm: Firm) -> EmailMessage:
    email = EmailMessage()
    email["From"] = formataddr((firm.name, smtp.mail_from))
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    domain = smtp.mail_from.rpartition("@")[2] or "redress.invalid"
    # Stable per message: a receiver that sees it twice can tell.
    email["Message-ID"] = f"<{message.message_id}@{domain}>"
    email["Reply-To"] = firm.complaints_email
    email["Auto-Submitted"] = (
        "auto-generated"
        if message.created_by.startswith(("complaint-workflow", "redress"))
        else "no"
    )
    email["X-Redress-Case"] = message.case_id
    email["X-Redress-Message"] = message.message_id
    if message.template_name:
        email["X-Redress-Template"] = (
            f"{message.template_name}/{message.language}/v{message.template_version}"
        )
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    # After the content: set_content() replaces every Content-* header.
    email["Content-Language"] = message.language
    return email


class PermanentFailure(Exception):
    pass


def send_email(smtp: SmtpSettings, email: EmailMessage, recipient: str) -> str:
    """Hands the message to the SMTP server; what it answered, e.g. "250 OK".

    PermanentFailure for a 5xx answer (retrying cannot help); other errors
    (connection refused, 4xx) are worth retrying.
    """
    context = ssl.create_default_context(cafile=smtp.ca_file or None)
    client: smtplib.SMTP
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
    with client:
        client.ehlo()
        if smtp.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            client.login(smtp.username, smtp.password)
        _answered(*client.mail(smtp.mail_from))
        _answered(*client.rcpt(recipient))
        # SMTP wants CRLF line ends (policy.SMTP); bytes are sent as given.
        return _answered(*client.data(email.as_bytes(policy=email_policy.SMTP)))


def _answered(code: int, answer: bytes) -> str:
    """The server's answer as text; a 5xx is final, a 4xx worth retrying."""
    text = f"{code} {answer.decode(errors='replace')}"
    if code >= 500:
        raise PermanentFailure(text)
    if code >= 400:
        raise smtplib.SMTPException(text)
    return text


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def post_event(url: str, secret: str, delivery: Delivery, timeout: float) -> str:
    body = json.dumps(
        {
            "schema": EVENT_SCHEMA,
            "event_id": delivery.event_id,
            "event_type": delivery.event_type,
            "case_id": delivery.case_id,
            "sequence": delivery.sequence,
            **delivery.payload,
        },
        sort_keys=True,
    ).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Redress-Webhooks/1",
            "X-Redress-Event": delivery.event_type,
            "X-Redress-Event-Id": delivery.event_id,
            "Idempotency-Key": delivery.event_id,
            "X-Redress-Delivery": delivery.delivery_id,
            "X-Redress-Timestamp": timestamp,
            "X-Redress-Signature": sign(secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as err:
        detail = f"HTTP {err.code}"
        if 400 <= err.code < 500 and err.code not in (408, 409, 425, 429):
            raise PermanentFailure(detail) from err
        raise ConnectionError(detail) from err


class FollowupActivities:
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
        pairs = await asyncio.to_thread(self.store.enqueue_events, queued)
        await self.messenger.wake_dispatchers(pairs)
        return len(pairs)

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
        if message.state in ("delivered", "handed_off", "failed"):
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
        done = await asyncio.to_thread(
            self.store.record_attempt, message_id, True, answer, "delivered"
        )
        MESSAGES.labels("email", "delivered").inc()
        log.info(
            "message delivered",
            extra={"fields": {"message_id": message_id, "case_id": message.case_id}},
        )
        return self._outcome(done, answer)

    @activity.defn(name="followup.give_up_message")
    async def give_up_message(self, message_id: str) -> DeliveryOutcome:
        message = await asyncio.to_thread(self.store.get_message, message_id)
        assert message is not None
        if message.state in ("delivered", "handed_off", "failed"):
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
        hook = await asyncio.to_thread(self.store.get_webhook, delivery.webhook_id)
        assert hook is not None
        try:
            answer = await asyncio.to_thread(
                post_event, hook.url, hook.secret, delivery, self.settings.webhook_timeout_seconds
            )
        except PermanentFailure as err:
            WEBHOOK_ATTEMPTS.labels("refused").inc()
            await asyncio.to_thread(
                self.store.record_delivery_attempt, delivery_id, False, str(err), "retrying"
            )
            raise ApplicationError(str(err), type="PermanentFailure", non_retryable=True) from err
        except (OSError, ConnectionError) as err:
            WEBHOOK_ATTEMPTS.labels("failed").inc()
            detail = str(err) or type(err).__name__
            await asyncio.to_thread(
                self.store.record_delivery_attempt, delivery_id, False, detail, "retrying"
            )
            raise ApplicationError(detail, type="WebhookUnavailable") from err
        WEBHOOK_ATTEMPTS.labels("delivered").inc()
        await asyncio.to_thread(
            self.store.record_delivery_attempt, delivery_id, True, answer, "delivered"
        )
        return answer

    @activity.defn(name="followup.give_up_delivery")
    async def give_up_delivery(self, delivery_id: str) -> None:
        delivery = await asyncio.to_thread(self.store.get_delivery, delivery_id)
        assert delivery is not None
        if delivery.state in ("delivered", "failed"):
            return
        last = delivery.attempts[-1]["detail"] if delivery.attempts else ""
        await asyncio.to_thread(
            self.store.record_delivery_attempt,
            delivery_id,
            False,
            f"given up after {len(delivery.attempts)} attempts; last: {last}",
            "failed",
        )
        hook = await asyncio.to_thread(self.store.get_webhook, delivery.webhook_id)
        assert hook is not None
        if hook.enabled and hook.failures_in_a_row >= self.settings.webhook_disable_after:
            reason = (
                f"disabled after {hook.failures_in_a_row} deliveries in a row were given up; "
                f"last: {last}"
            )
            await asyncio.to_thread(self.store.set_webhook_enabled, hook.webhook_id, False, reason)
            log.error(
                "webhook disabled",
                extra={
                    "fields": {"webhook_id": hook.webhook_id, "name": hook.name, "reason": reason}
                },
            )
            await self._alert_admins(hook.webhook_id, hook.name, reason)

    async def _alert_admins(self, webhook_id: str, name: str, reason: str) -> None:
        if not self.settings.admin_alerts_to:
            return
        await self.messenger.queue_staff_alert(
            idempotency_key=f"webhook-disabled/{webhook_id}/{datetime.now(UTC).isoformat()}",
            case_id="",
            recipient=self.settings.admin_alerts_to,
            summary=f"Webhook {name} ({webhook_id}) was disabled",
            detail=reason + "\nRepair the receiver, then redeliver its failed deliveries.",
            actor="redress",
        )
