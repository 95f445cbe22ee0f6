"""Messages to customers and staff, and the customers' e-mails in reply.

`Messenger.queue` is the one way a letter comes to exist: it renders a
template against the case (read from services/cases), chooses the channel,
records the message once per idempotency key and starts its delivery
workflow. Staff alerts and the replies customers send in are recorded here
too, each as a message of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from datetime import datetime
from typing import Any

import grpc
from prometheus_client import Counter
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.db.tables.followup import Message
from redress.platform.enums import short_name
from redress.platform.requests import CASE_ID_IN_TEXT
from redress.platform.social_threads import thread_of
from redress.platform.staff import StaffDirectory, StaffDirectoryReader
from redress.platform.wire import timestamp
from services.followup import templates as tpl
from services.followup.context import Firm, case_context
from services.followup.rendering import LetterRenderer
from services.followup.settings import DeliverySettings
from services.followup.store import FollowupStore, KeyReused, NewMessage, message_id_for
from services.followup.webhooks import WebhookDispatch
from workflows.complaint_types import MessageEvent
from workflows.followup import DeliveryInput, MessageDeliveryWorkflow

log = logging.getLogger("redress.followup")

MESSAGES = Counter(
    "redress_messages_total",
    "Messages by channel and how their delivery ended",
    ["channel", "state"],
)
# The Message-ID Redress gives an e-mail it sends (see email.py), as a reply quotes it.
SENT_MESSAGE_ID = re.compile(r"^<?(M-[0-9a-f]{24})@")


class InvalidMessage(ValueError):
    """The request cannot become a message; `problems` are (field, what is wrong)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{f}: {w}" for f, w in problems))


class CaseNotFound(LookupError):
    """services/cases has no case by the id given."""


class NoCaseMatch(LookupError):
    """An inbound message names no case Redress can find."""


class NotTheCustomer(PermissionError):
    """An inbound message names a case by subject, from someone else's address."""


class ReplyRefused(RuntimeError):
    """The case took no reply (its workflow has completed)."""


def fingerprint(*parts: Any) -> str:
    """What a request asked for, so that a retry (same key, same fingerprint)
    is told from a different request reusing a key."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def choose_channel(
    customer: common_pb2.Customer, requested: str, came_by: str = "", thread: str = ""
) -> tuple[str, str]:
    """(channel, recipient): the requested channel, else the customer's preferred
    one, else email when there is an address, else the channel the complaint came
    by, else post, else phone; never a channel the customer opted out of.

    `thread` is the social platform thread a complaint came from
    (redress/platform/social_threads.py): a letter on channel "social" goes
    back into that thread, handed to the firm's platform integration, and its
    recipient is the thread, never the customer's public handle."""
    address = customer.postal_address
    postal = ", ".join(
        part
        for part in [*address.lines, address.locality, address.postal_code, address.country]
        if part
    )
    refused = {short_name(common_pb2.Channel, c) for c in customer.do_not_contact}
    reach = {"email": customer.email, "phone": customer.phone, "fax": customer.phone}
    reach["postal"] = postal
    reach["social"] = thread if customer.social_handle and came_by == "social" else ""

    def usable(channel: str) -> str:
        channel = "postal" if channel == "in_person" else channel
        if channel == "social" and reach["social"] and "social" not in refused:
            return channel
        if channel in ("web", "chat", "social", "referral"):
            channel = "email"
        return channel if channel in reach and reach[channel] and channel not in refused else ""

    if requested:
        if requested in refused or (requested == "in_person" and "postal" in refused):
            raise InvalidMessage(
                [("channel", f"the customer asked not to be contacted by {requested}")]
            )
        if not usable(requested):
            have = ", ".join(c for c in ("email", "postal", "phone", "social") if usable(c))
            have = have or "none"
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
    if customer.social_handle and not any(usable(c) for c in ("email", "postal", "phone")):
        # A public handle is who wrote, not an address: a letter there would
        # put the complaint in public. The handle is not named here either,
        # since this reason is recorded on the case and shown to staff.
        raise InvalidMessage(
            [
                (
                    "channel",
                    "the customer gave only a social media handle, and letters are never "
                    "sent to one: answer them on the platform and ask for an e-mail or "
                    "postal address",
                )
            ]
        )
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
        staff: StaffDirectory | StaffDirectoryReader | None = None,
        renderer: LetterRenderer | None = None,
    ) -> None:
        self.staff: StaffDirectory | StaffDirectoryReader = staff or StaffDirectory({}, {})
        # Letters render in worker processes, never on this event loop.
        self.renderer = renderer or LetterRenderer()
        self.store = store
        self.cases = cases
        self.metadata = (("authorization", f"Bearer {api_key}"),)
        self.firm = firm
        self.client = client
        self.task_queue = task_queue
        self.settings = settings
        # Case events go out beside the messages; the servicer and the
        # activities reach their dispatch through here.
        self.webhooks = WebhookDispatch(store, client, task_queue, settings.webhook_backoff)

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
            row.name,
            row.language,
            row.subject,
            row.body_text,
            row.body_html,
            asks=tuple(tpl.Ask.from_dict(a) for a in row.asks or []),
        )
        return letter, row.version, row.purpose

    async def render(
        self,
        name: str,
        language: str,
        case_id: str,
        extra: dict[str, str],
        case: cases_pb2.Case | None = None,
    ) -> tuple[tpl.Rendered, tpl.LetterTemplate, int, str, cases_pb2.Case]:
        """`case`, when the caller has read it already, saves reading it again."""
        if case is None:
            case = await self.case(case_id)
        letter, version, purpose = await self.template_for(name, language, case)
        # A value the sender must supply is asked for by name, in their words,
        # before anything renders.
        missing = tpl.missing_values(letter.asks, extra)
        if missing:
            raise InvalidMessage(missing)
        context = case_context(case, letter.language, self.firm, extra)
        rendered = await self.renderer.render(letter, context)
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
        case: cases_pb2.Case | None = None,
    ) -> tuple[Message, bool]:
        """With `tell_case` (a message a person sends), the case's workflow is
        told the message is queued before its delivery starts, so that the
        audit trail reads queued, then sent or failed; the workflow records
        each once, however often a retry tells it. `case`, when the caller has
        read it already, saves reading it again."""
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
                case_workflow_id = (
                    case if case is not None else await self.case(case_id)
                ).workflow_id
                await self.tell_queued(existing, case_workflow_id, kind, actor)
            await self.start_delivery(existing, case_workflow_id, kind)
            return existing, False
        rendered, letter, version, purpose, case = await self.render(
            template_name, language, case_id, extra, case
        )
        if case.HasField("customer_erased_at"):
            raise InvalidMessage(
                [("case_id", "the customer's personal data was erased: nothing is sent to them")]
            )
        if purpose == "satisfaction_survey" and case.customer.no_surveys:
            raise InvalidMessage([("template_name", "the customer declined satisfaction surveys")])
        chosen, recipient = choose_channel(
            case.customer,
            channel,
            short_name(common_pb2.Channel, case.channel),
            thread_of(case.workflow_id),
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
    ) -> tuple[str, str, str]:
        """(case id, how, the purpose of the letter answered, "" when matched
        by subject): the case an inbound email belongs to."""
        for how, header in [("in_reply_to", in_reply_to)] + [
            ("references", r) for r in reversed(references)
        ]:
            found = SENT_MESSAGE_ID.match(header.strip())
            if not found:
                continue
            sent = await asyncio.to_thread(self.store.get_message, found[1])
            if sent is not None and sent.case_id and sent.audience == "customer":
                return sent.case_id, how, sent.purpose
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
        return named[1], "subject", ""

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
    ) -> tuple[Message, str, str, str]:
        """Records an email a customer sent in and tells its case, once per
        Message-ID: (message, case id, how it was matched, the purpose of the
        letter it answers or "")."""
        case_id, how, answered = await self.match_case(sender, subject, in_reply_to, references)
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
            return message, case_id, how, answered
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
            received_at=timestamp(received_at),
        )
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
        return done, case_id, how, answered
