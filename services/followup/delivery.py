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
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
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
from temporalio.service import RPCError, RPCStatusCode

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.db.tables.followup import Delivery, Message
from redress.platform.enums import short_name
from redress.platform.requests import CASE_ID_IN_TEXT
from redress.platform.settings import Env
from services.followup import templates as tpl
from services.followup.alerts import Roles, alerts_for
from services.followup.context import Firm, case_context
from services.followup.store import (
    CaseEvent,
    FollowupStore,
    KeyReused,
    NewMessage,
    message_id_for,
)
from workflows.complaint_types import (
    CaseEventDraft,
    MessageEvent,
    MessageQueued,
    MessageRequest,
)
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
# Dispatch workflows started or woken at once.
WAKE_CONCURRENCY = 16
DIGESTS = ("hourly", "daily")
ALERTS = Counter(
    "redress_staff_alerts_total",
    "Alerts raised for staff by case events, by outcome (queued, held, skipped).",
    ["outcome"],
)


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
        people:
          alice: {email: alice@bank.example}
          bob: {email: bob@bank.example, digest: hourly}   # or daily
        teams: {complaints: {members: [alice, bob], lead: bob, manager: carol}}
        compliance: [carol]
    A person with a digest receives the alerts the platform raises on its own
    (assignments, warnings, breaches, escalations, subtasks) as one message
    per hour or per day instead of one message each.
    """

    people: dict[str, str]
    teams: dict[str, dict[str, Any]]
    digests: dict[str, str] = field(default_factory=dict)
    compliance: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: str) -> StaffDirectory:
        if not path:
            return cls({}, {})
        import yaml

        with open(path, encoding="utf-8") as f:
            try:
                document = yaml.safe_load(f) or {}
            except yaml.YAMLError as err:
                raise ValueError(f"not valid YAML: {err}") from None
        if not isinstance(document, dict):
            raise ValueError("a mapping with people, teams and compliance")
        return cls.parse(document, path)

    @classmethod
    def parse(cls, document: dict[str, Any], where: str = "staff directory") -> StaffDirectory:
        people: dict[str, str] = {}
        digests: dict[str, str] = {}
        problems: list[str] = []
        for name, entry in (document.get("people") or {}).items():
            entry = entry or {}
            people[str(name)] = str(entry.get("email", ""))
            digest = str(entry.get("digest") or "")
            if digest and digest not in DIGESTS:
                problems.append(
                    f"people.{name}.digest: one of {', '.join(DIGESTS)}, not {digest!r}"
                )
            elif digest:
                digests[str(name)] = digest
        teams = dict(document.get("teams") or {})
        for team, entry in teams.items():
            for role in ("lead", "manager"):
                who = (entry or {}).get(role)
                if who and str(who) not in people:
                    problems.append(f"teams.{team}.{role}: {who!r} is not under people")
        compliance = tuple(str(p) for p in document.get("compliance") or ())
        if problems:
            raise ValueError(f"{where}: " + "; ".join(problems))
        return cls(people, teams, digests, compliance)

    def roles(self) -> Roles:
        return Roles(self.teams, list(self.compliance))

    def digest_of(self, recipient: str) -> str:
        return self.digests.get(recipient.strip(), "")

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


class NoCaseMatch(LookupError):
    """An inbound message names no case Redress can find."""


class NotTheCustomer(PermissionError):
    """An inbound message names a case by subject, from someone else's address."""


class ReplyRefused(RuntimeError):
    """The case took no reply (its workflow has completed)."""


# States in which a message's delivery attempts are over.
DONE = ("sent", "delivered", "handed_off", "failed")


SENT_MESSAGE_ID = re.compile(r"^<?(M-[0-9a-f]{24})@")


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def choose_channel(
    customer: common_pb2.Customer, requested: str, came_by: str = ""
) -> tuple[str, str]:
    """(channel, recipient): the requested channel, else the customer's preferred
    one, else email when there is an address, else the channel the complaint came
    by, else post, else phone; never a channel the customer opted out of."""
    address = customer.postal_address
    postal = ", ".join(
        part
        for part in [*address.lines, address.locality, address.postal_code, address.country]
        if part
    )
    refused = {short_name(common_pb2.Channel, c) for c in customer.do_not_contact}
    reach = {"email": customer.email, "phone": customer.phone, "fax": customer.phone}
    reach["postal"] = postal

    def usable(channel: str) -> str:
        channel = "postal" if channel == "in_person" else channel
        if channel in ("web", "chat", "social", "referral"):
            channel = "email"
        return channel if channel in reach and reach[channel] and channel not in refused else ""

    if requested:
        if requested in refused or (requested == "in_person" and "postal" in refused):
            raise InvalidMessage(
                [("channel", f"the customer asked not to be contacted by {requested}")]
            )
        if not usable(requested):
            have = ", ".join(c for c in ("email", "postal", "phone") if usable(c)) or "none"
            raise InvalidMessage(
                [("channel", f"the customer has no address for {requested}; usable: {have}")]
            )
        chosen = usable(requested)
        return chosen, reach[chosen]
    preferred = short_name(common_pb2.Channel, customer.preferred_channel) or ""
    for candidate in (preferred, "email", came_by, "postal", "phone"):
        chosen = usable(candidate) if candidate else ""
        if chosen:
            return chosen, reach[chosen]
    raise InvalidMessage(
        [
            (
                "channel",
                "no channel is left: the customer opted out of "
                + (", ".join(sorted(refused)) or "nothing")
                + " and gave no other address",
            )
        ]
    )


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
            raise InvalidMessage(
                [
                    (
                        "language",
                        f"{name!r} has no template in {wanted or tpl.DEFAULT_LANGUAGE} "
                        f"or {tpl.DEFAULT_LANGUAGE}, only in {', '.join(sorted(languages))}; "
                        "add one with PutTemplate",
                    )
                ]
            ) from err
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
        tell_case: bool = False,
    ) -> tuple[Message, bool]:
        """With `tell_case` (a message a person sends), the case's workflow is
        told the message is queued before its delivery starts, so that the
        audit trail reads queued, then sent or failed; the workflow records
        each once, however often a retry tells it."""
        request_fingerprint = fingerprint(case_id, template_name, channel, sorted(extra.items()))
        existing = await asyncio.to_thread(self.store.get_message, message_id_for(idempotency_key))
        if existing is not None:
            if existing.fingerprint != request_fingerprint:
                raise KeyReused(
                    f"idempotency key already used for message {existing.message_id}, which "
                    "differs; use a new key for a new message"
                )
            # A retry: the message as first recorded, its delivery (re)started.
            if tell_case:
                case_workflow_id = (await self.case(case_id)).workflow_id
                await self.tell_queued(existing, case_workflow_id, kind, actor)
            await self.start_delivery(existing, case_workflow_id, kind)
            return existing, False
        rendered, letter, version, purpose, case = await self.render(
            template_name, language, case_id, extra
        )
        if case.HasField("customer_erased_at"):
            raise InvalidMessage(
                [("case_id", "the customer's personal data was erased: nothing is sent to them")]
            )
        if purpose == "satisfaction_survey" and case.customer.no_surveys:
            raise InvalidMessage([("template_name", "the customer declined satisfaction surveys")])
        chosen, recipient = choose_channel(
            case.customer, channel, short_name(common_pb2.Channel, case.channel)
        )
        new = NewMessage(
            idempotency_key=idempotency_key,
            fingerprint=request_fingerprint,
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
        if tell_case:
            await self.tell_queued(message, case.workflow_id, kind, actor)
        await self.start_delivery(message, case_workflow_id or case.workflow_id, kind)
        return message, created

    async def tell_case(self, workflow_id: str, event: MessageEvent) -> None:
        """Signals the case's workflow about one of its messages; a workflow
        that has ended (the case closed long ago) is left alone, the message
        record standing on its own."""
        if not workflow_id:
            return
        try:
            await self.client.get_workflow_handle(workflow_id).signal("message_event", event)
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            log.info(
                "case workflow gone; message event kept on the message only",
                extra={"fields": {"message_id": event.message_id, "state": event.state}},
            )

    async def tell_queued(self, message: Message, workflow_id: str, kind: str, actor: str) -> None:
        await self.tell_case(
            workflow_id,
            MessageEvent(
                message_id=message.message_id,
                state="queued",
                kind=kind,
                template_name=message.template_name,
                template_version=message.template_version,
                channel=message.channel,
                language=message.language,
                actor=actor,
            ),
        )

    async def report_delivery(
        self, message_id: str, delivered: bool, detail: str, reporter: str
    ) -> tuple[Message, bool] | None:
        """Records a mail gateway's delivery report on the email and, for a
        letter about a case, on the case's audit trail: (message, whether the
        report was new); None for an unknown message. ReportRefused when the
        report does not fit the message."""
        outcome = await asyncio.to_thread(
            self.store.record_delivery_report, message_id, delivered, detail
        )
        if outcome is None:
            return None
        message, new = outcome
        if new:
            MESSAGES.labels("email", "delivered" if delivered else "bounced").inc()
        if message.case_id and message.audience == "customer":
            try:
                case = await self.case(message.case_id)
            except CaseNotFound:
                return outcome
            # Told again on a retry too: the first call may have stopped
            # between recording the report and telling the case.
            await self.tell_case(
                case.workflow_id,
                MessageEvent(
                    message_id=message.message_id,
                    state=message.state,
                    template_name=message.template_name,
                    template_version=message.template_version,
                    channel=message.channel,
                    language=message.language,
                    detail=detail,
                    actor=reporter,
                    reported=True,
                ),
            )
        return outcome

    async def start_delivery(self, message: Message, case_workflow_id: str, kind: str) -> None:
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
        digest_allowed: bool = False,
        case: cases_pb2.Case | None = None,
    ) -> tuple[Message, bool]:
        """An alert to a member of staff (an email address, or a principal or
        team:<name> from the staff directory), with a link to the case.

        With `digest_allowed`, an alert to a person who chose a digest is held
        for it instead of sent on its own. `case`, when the caller has read it
        already, saves reading it again."""
        key_fingerprint = fingerprint(case_id, recipient, summary, detail)
        existing = await asyncio.to_thread(self.store.get_message, message_id_for(idempotency_key))
        if existing is not None:
            # A retry: nothing to render or read again.
            if existing.fingerprint != key_fingerprint:
                raise KeyReused(
                    f"idempotency key already used for message {existing.message_id}, which "
                    "differs; use a new key for a new message"
                )
            await self.start_delivery(existing, "", "staff_alert")
            return existing, False
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
            case = case or await self.case(case_id)
            priority = short_name(common_pb2.Priority, case.priority)
            body += f"\n\nCase {case.case_id} ({case.stage}, {priority}): {self.firm.link(case)}\n"
        new = NewMessage(
            idempotency_key=idempotency_key,
            fingerprint=key_fingerprint,
            case_id=case_id,
            audience="staff",
            purpose="staff_alert",
            channel="email",
            recipient=", ".join(addresses),
            language="en",
            template_name="",
            template_version=0,
            subject=f"[Redress] {summary}",
            body_text=body,
            body_html="",
            state="held" if digest_allowed and self.staff.digest_of(recipient) else "queued",
            created_by=actor,
        )
        message, created = await asyncio.to_thread(self.store.add_message, new)
        await self.start_delivery(message, "", "staff_alert")
        return message, created

    async def match_case(
        self, sender: str, subject: str, in_reply_to: str, references: list[str]
    ) -> tuple[str, str]:
        """(case id, how): the case an inbound email belongs to."""
        for how, header in [("in_reply_to", in_reply_to)] + [
            ("references", r) for r in reversed(references)
        ]:
            found = SENT_MESSAGE_ID.match(header.strip())
            if not found:
                continue
            sent = await asyncio.to_thread(self.store.get_message, found[1])
            if sent is not None and sent.case_id and sent.audience == "customer":
                return sent.case_id, how
        named = CASE_ID_IN_TEXT.search(subject)
        if named is None:
            raise NoCaseMatch(
                "no case matches: In-Reply-To and References name no message Redress sent, "
                "and the subject carries no case id such as C-000123"
            )
        case = await self.case(named[1])
        if not case.customer.email or case.customer.email.lower() != sender.strip().lower():
            raise NotTheCustomer(
                f"the subject names {named[1]}, but {sender!r} is not that case's customer's "
                "address; route this email to a person"
            )
        return named[1], "subject"

    async def receive(
        self,
        *,
        message_id_header: str,
        sender: str,
        subject: str,
        body_text: str,
        in_reply_to: str,
        references: list[str],
        received_at: datetime,
    ) -> tuple[Message, str, str]:
        """Records an email a customer sent in and tells its case, once per
        Message-ID: (message, case id, how it was matched)."""
        case_id, how = await self.match_case(sender, subject, in_reply_to, references)
        key = f"inbound/{message_id_header}"
        message, _ = await asyncio.to_thread(
            self.store.add_message,
            NewMessage(
                idempotency_key=key,
                fingerprint=fingerprint(message_id_header, sender, subject, body_text),
                case_id=case_id,
                audience="customer",
                purpose="customer_reply",
                channel="email",
                recipient=self.firm.complaints_email,
                language="",
                template_name="",
                template_version=0,
                subject=subject,
                body_text=body_text,
                body_html="",
                state="queued",
                created_by="mail-gateway",
                sender=sender,
            ),
        )
        if message.state == "received":
            return message, case_id, how
        if message.state == "failed":
            raise ReplyRefused(message.attempts[-1]["detail"])
        summary = f"Email from the customer: {subject}\n\n{body_text}"
        if len(summary) > 4000:
            summary = summary[:3900] + f"\n[… the whole email is message {message.message_id}]"
        request = cases_pb2.RecordCustomerReplyRequest(
            case_id=case_id,
            channel=common_pb2.CHANNEL_EMAIL,
            summary=summary,
            idempotency_key=message.message_id,
        )
        request.received_at.FromDatetime(received_at)
        try:
            await self.cases.RecordCustomerReply(request, metadata=self.metadata, timeout=30)
        except grpc.aio.AioRpcError as err:
            if err.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise
            detail = f"{case_id} took no reply: {err.details()}"
            await asyncio.to_thread(
                self.store.record_attempt, message.message_id, False, detail, "failed"
            )
            raise ReplyRefused(detail) from None
        done = await asyncio.to_thread(
            self.store.record_attempt,
            message.message_id,
            True,
            f"recorded on {case_id} as the customer's reply (matched by {how})",
            "received",
        )
        return done, case_id, how

    async def wake_dispatchers(self, pairs: list[tuple[str, str]]) -> None:
        """Starts, or wakes, the dispatch workflow of each (webhook, case) pair.

        A few at a time: re-enabling a webhook after an outage can wake
        thousands of cases at once."""
        gate = asyncio.Semaphore(WAKE_CONCURRENCY)

        async def wake(webhook_id: str, case_id: str) -> None:
            async with gate:
                await self.client.start_workflow(
                    WebhookDispatchWorkflow.run,
                    DispatchInput(webhook_id, case_id, self.settings.webhook_backoff),
                    id=f"webhook/{webhook_id}/{case_id}",
                    task_queue=self.task_queue,
                    start_signal="wake",
                )

        await asyncio.gather(*(wake(w, c) for w, c in pairs))

    async def wake_waiting(self, webhook_id: str = "") -> int:
        """Wakes the dispatch of every case with events waiting for `webhook_id`
        (empty: for every enabled webhook); how many (webhook, case) pairs."""
        pairs = await asyncio.to_thread(self.store.waiting_pairs, webhook_id)
        await self.wake_dispatchers(pairs)
        return len(pairs)


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


class LoginRefused(smtplib.SMTPException):
    """The SMTP server refused REDRESS_SMTP_USERNAME and REDRESS_SMTP_PASSWORD.

    Retried like an outage: the settings are wrong, not the message, and a
    message waiting when they are put right still goes."""


def send_email(smtp: SmtpSettings, email: EmailMessage, recipient: str) -> str:
    """Hands the message to the SMTP server; what it answered, e.g. "250 OK".

    PermanentFailure for a 5xx answer about the message (retrying cannot
    help); LoginRefused for a refused login; other errors (connection
    refused, 4xx, no STARTTLS offered) are worth retrying.
    """
    try:
        return _send_email(smtp, email, recipient)
    except smtplib.SMTPAuthenticationError as err:
        raise LoginRefused(
            f"the mail server refused the login of {smtp.username!r}: "
            f"{err.smtp_code} {_text(err.smtp_error)}; "
            "check REDRESS_SMTP_USERNAME and REDRESS_SMTP_PASSWORD"
        ) from err
    except smtplib.SMTPResponseException as err:
        if err.smtp_code >= 500:
            raise PermanentFailure(f"{err.smtp_code} {_text(err.smtp_error)}") from err
        raise


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)


def _send_email(smtp: SmtpSettings, email: EmailMessage, recipient: str) -> str:
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
        await self.messenger.wake_dispatchers(pairs)
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
                        digest_allowed=True,
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
                lines = [f"{len(held)} alert(s) since your last {kind} digest:", ""]
                for m in held:
                    lines += [
                        f"- {m.created_at.strftime('%Y-%m-%d %H:%M')} UTC "
                        f"{m.subject.removeprefix('[Redress] ')}",
                        "  " + m.body_text.strip().replace("\n", "\n  "),
                        "",
                    ]
                return NewMessage(
                    idempotency_key=f"digest/{kind}/{recipient}/{upto.isoformat()}",
                    fingerprint=fingerprint("digest", recipient, kind, upto.isoformat()),
                    case_id="",
                    audience="staff",
                    purpose="staff_digest",
                    channel="email",
                    recipient=recipient,
                    language="en",
                    template_name="",
                    template_version=0,
                    subject=f"[Redress] {len(held)} alert(s): your {kind} digest",
                    body_text="\n".join(lines),
                    body_html="",
                    state="queued",
                    created_by="redress",
                )

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
        if delivery.state in ("delivered", "failed", "cancelled"):
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
            disabled = await asyncio.to_thread(
                self.store.disable_failing_webhook,
                hook.webhook_id,
                self.settings.webhook_disable_after,
                reason,
            )
            if not disabled:
                return  # another delivery given up at the same moment disabled it
            log.error(
                "webhook disabled",
                extra={
                    "fields": {"webhook_id": hook.webhook_id, "name": hook.name, "reason": reason}
                },
            )
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
