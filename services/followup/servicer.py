"""FollowupService over gRPC: templates, messages, staff alerts and webhooks."""

from __future__ import annotations

import asyncio
import re
import urllib.parse
from datetime import UTC, datetime
from typing import Any

import grpc
from temporalio.client import Client

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.platform.auth import current_principal
from redress.platform.enums import choices, from_short_name, short_name
from redress.platform.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    ServiceError,
    Violations,
    checked_time,
)
from redress.platform.pages import page_within
from redress.platform.requests import (
    CASE_ID,
    EMAIL,
    LANGUAGE,
    check_plain_text,
    has_control_characters,
    language_tag,
    page_size,
)
from redress.platform.scope import AgentScope, case_not_found
from redress.platform.serving import remaining, roles
from services.followup import templates as tpl
from services.followup.convert import (
    STATE_NAMES,
    STATES,
    delivery_message,
    message_message,
    template_message,
    webhook_message,
)
from services.followup.event_case import case_field_problems
from services.followup.messenger import (
    SENT_MESSAGE_ID,
    CaseNotFound,
    InvalidMessage,
    Messenger,
    NoCaseMatch,
    NotTheCustomer,
    ReplyRefused,
)
from services.followup.store import (
    FollowupStore,
    InvalidPageToken,
    KeyReused,
    ReportRefused,
    newest_first_token,
)
from services.followup.targets import Network, TargetRefused, checked_addresses
from services.followup.webhooks import EVENT_TYPES
from workflows import commands
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import ScheduleFollowupCommand, SubtaskCommand

HANDLERS = roles("agent", "team_lead", "manager", "administrator")
READERS = roles("agent", "team_lead", "manager", "administrator", "auditor", "service")
ACCESS = {
    "redress.followup.v1.FollowupService": {
        "PutTemplate": roles("administrator"),
        "GetTemplate": READERS,
        "ListTemplates": READERS,
        "RenderTemplate": READERS,
        "SendMessage": roles(*HANDLERS, "service"),
        "GetMessage": READERS,
        # The web form only for the case a customer's status link names.
        "ListMessages": roles(*READERS, "web_form"),
        "SendStaffAlert": roles(*HANDLERS, "service"),
        "CreateWebhook": roles("administrator"),
        "ListWebhooks": roles("administrator", "auditor"),
        "DisableWebhook": roles("administrator"),
        "ListDeliveries": roles("administrator", "auditor"),
        "RedeliverEvent": roles("administrator"),
        "ScheduleFollowup": HANDLERS,
        "CancelFollowup": HANDLERS,
        "ReceiveCustomerMessage": roles("service", "intake_client"),
        # The mail gateway again, with what became of the emails Redress sent.
        "RecordDeliveryReport": roles("service", "intake_client"),
        "DeleteWebhook": roles("administrator"),
    }
}
# What the public web form may call, each for one case only: the case its
# customer's signed status link names (redress/platform/status_links.py).
CUSTOMER_CASE_METHODS = {"ListMessages": True}
TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MESSAGE_ID = re.compile(r"M-[0-9a-f]{24}")
WEBHOOK_ID = re.compile(r"W-[0-9a-f]{20}")
DEFAULT_PAGE, MAX_PAGE = 50, 500


def _extra(v: Violations, extra: Any) -> dict[str, str]:
    if len(extra) > 50:
        v.add("extra", "at most 50 values")
    for key, value in extra.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", key):
            v.add(f"extra[{key}]", "keys are lower case letters, digits and _ (at most 40)")
        check_plain_text(v, f"extra[{key}]", value, 5000, multiline=True)
    return dict(extra)


def _caller() -> str:
    """The id of the principal making the call, as messages and audit entries record it."""
    return current_principal.get().id


def _invalid(problems: list[tuple[str, str]]) -> InvalidArgument:
    """INVALID_ARGUMENT from (field, what is wrong) pairs; a language a template
    lacks is reported on the template."""
    return InvalidArgument(
        [FieldViolation("template_name" if f == "language" else f, w) for f, w in problems]
    )


def _page_of(v: Violations, listing: Any, *args: Any) -> Any:
    """Runs a store listing, a bad page token being a field violation."""
    try:
        return listing(*args)
    except InvalidPageToken as err:
        v.add("page.page_token", str(err))
        v.raise_if_any()
        raise


def _unreachable_target(host: str, port: int, networks: tuple[Network, ...]) -> str:
    """Why webhooks may not post to `host`, or "" (a name that does not resolve
    yet is accepted: every delivery checks its addresses again)."""
    try:
        checked_addresses(host, port, networks)
    except TargetRefused as err:
        return str(err)
    except (OSError, UnicodeError):
        return ""
    return ""


def _web_address(text: str) -> urllib.parse.SplitResult | None:
    """An http(s) URL with a host and a port that exists, or None."""
    if any(ch.isspace() for ch in text) or has_control_characters(text, multiline=False):
        return None
    try:
        url = urllib.parse.urlsplit(text)
        port = url.port  # read to check it: beyond 65535 is a ValueError
    except ValueError:  # e.g. "http://[::1" with its bracket never closed
        return None
    if url.scheme not in ("https", "http") or not url.hostname or port == 0:
        return None
    return url


class FollowupServicer(followup_pb2_grpc.FollowupServiceServicer):
    def __init__(
        self,
        store: FollowupStore,
        messenger: Messenger,
        client: Client,
        scope: AgentScope | None = None,
    ) -> None:
        self.store = store
        self.messenger = messenger
        self.client = client
        # Who may see which case (REDRESS_AGENT_SCOPE), asked by every method
        # that names a case or shows a message about one.
        self.scope = scope or AgentScope()
        # Work that outlives the call that began it.
        self.background: set[asyncio.Future[Any]] = set()

    async def _case_for_caller(self, case_id: str) -> cases_pb2.Case | None:
        """For a caller limited to some cases (redress/platform/scope.py): the
        case, read once for this call and handed on, or NOT_FOUND when it is
        missing or outside their scope. None for callers who see every case:
        their calls read the case where they always did."""
        if self.scope.limits() is None:
            return None
        try:
            case = await self.messenger.case(case_id)
        except CaseNotFound:
            raise case_not_found(case_id) from None
        self.scope.check(case_id, case.team, case.assignee)
        return case

    # -- templates -------------------------------------------------------------

    async def PutTemplate(
        self, request: followup_pb2.PutTemplateRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.PutTemplateResponse:
        t = request.template
        v = Violations()
        if not TEMPLATE_NAME.match(t.name):
            v.add(
                "template.name",
                "lower case letters, digits, _ and -, at most 64, e.g. acknowledgement",
            )
        if not LANGUAGE.match(t.language):
            v.add("template.language", "a BCP 47 tag such as en, de or es-MX")
        purpose = short_name(followup_pb2.MessagePurpose, t.purpose)
        if not purpose:
            v.add("template.purpose", "one of " + ", ".join(choices(followup_pb2.MessagePurpose)))
        check_plain_text(v, "template.subject", t.subject, 300)
        # Stored in the tag's usual spelling, so en-gb and en-GB are one letter.
        language = language_tag(t.language) or t.language
        asks = tuple(tpl.Ask(a.name, dict(a.labels), a.required, a.kind or "text") for a in t.asks)
        letter = tpl.LetterTemplate(
            t.name, language, t.subject, t.body_text, t.body_html, asks=asks
        )
        for field, what in tpl.ask_problems(asks):
            v.add(f"template.{field}", what)
        try:
            tpl.check(letter)
        except tpl.TemplateProblem as err:
            for part, what in err.problems:
                v.add(f"template.{part}", what)
        v.raise_if_any()
        row = await asyncio.to_thread(self.store.put_template, letter, purpose, _caller())
        return followup_pb2.PutTemplateResponse(template=template_message(row))

    async def GetTemplate(
        self, request: followup_pb2.GetTemplateRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.GetTemplateResponse:
        v = Violations()
        if not TEMPLATE_NAME.match(request.name):
            v.add("name", "a template name, e.g. acknowledgement")
        if request.language and not LANGUAGE.match(request.language):
            v.add("language", "a BCP 47 tag such as en, de or es-MX, or empty")
        if request.version < 0:
            v.add("version", "0 (the latest) or a version number")
        v.raise_if_any()
        languages = await asyncio.to_thread(self.store.template_languages, request.name)
        if not languages:
            raise NotFound(f"no template named {request.name!r}")
        try:
            language = tpl.choose_language(request.language, languages)
        except tpl.TemplateProblem as err:
            raise NotFound(str(err)) from None
        row = await asyncio.to_thread(
            self.store.get_template, request.name, language, request.version
        )
        if row is None:
            raise NotFound(f"template {request.name} ({language}) has no version {request.version}")
        return followup_pb2.GetTemplateResponse(template=template_message(row))

    async def ListTemplates(
        self, request: followup_pb2.ListTemplatesRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.ListTemplatesResponse:
        v = Violations()
        size = page_size(v, request.page, DEFAULT_PAGE, MAX_PAGE)
        v.raise_if_any()
        rows, token = await asyncio.to_thread(
            _page_of, v, self.store.list_templates, size, request.page.page_token
        )
        return followup_pb2.ListTemplatesResponse(
            templates=[template_message(r) for r in rows],
            page=common_pb2.PageInfo(next_page_token=token),
        )

    async def RenderTemplate(
        self, request: followup_pb2.RenderTemplateRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.RenderTemplateResponse:
        v = Violations()
        if not TEMPLATE_NAME.match(request.template_name):
            v.add("template_name", "a template name, e.g. acknowledgement")
        if request.language and not LANGUAGE.match(request.language):
            v.add("language", "a BCP 47 tag such as en, de or es-MX, or empty")
        if not CASE_ID.match(request.case_id):
            v.add("case_id", "a case id such as C-000123")
        extra = _extra(v, request.extra)
        v.raise_if_any()
        case = await self._case_for_caller(request.case_id)
        try:
            rendered, _, version, _, _ = await self.messenger.render(
                request.template_name, request.language, request.case_id, extra, case
            )
        except CaseNotFound as err:
            raise NotFound(str(err)) from None
        except InvalidMessage as err:
            raise _invalid(err.problems) from None
        except tpl.TemplateProblem as err:
            raise _invalid(err.problems) from None
        return followup_pb2.RenderTemplateResponse(
            subject=rendered.subject,
            body_text=rendered.body_text,
            body_html=rendered.body_html,
            template_version=version,
        )

    # -- messages --------------------------------------------------------------

    async def SendMessage(
        self, request: followup_pb2.SendMessageRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.SendMessageResponse:
        v = Violations()
        if not request.idempotency_key.strip():
            v.add("idempotency_key", "required: a retry with the same key sends nothing new")
        check_plain_text(v, "idempotency_key", request.idempotency_key, 200)
        if not CASE_ID.match(request.case_id):
            v.add("case_id", "a case id such as C-000123")
        if not TEMPLATE_NAME.match(request.template_name):
            v.add("template_name", "a template name, e.g. progress_update")
        extra = _extra(v, request.extra)
        channel = short_name(common_pb2.Channel, request.channel) if request.channel else ""
        v.raise_if_any()
        case = await self._case_for_caller(request.case_id)
        actor = _caller()
        try:
            message, _ = await self.messenger.queue(
                idempotency_key=f"api/{actor}/{request.idempotency_key}",
                case_id=request.case_id,
                template_name=request.template_name,
                channel=channel,
                extra=extra,
                actor=actor,
                kind="sent_by_person",
                tell_case=True,
                case=case,
            )
        except CaseNotFound as err:
            raise NotFound(str(err)) from None
        except InvalidMessage as err:
            raise _invalid(err.problems) from None
        except tpl.TemplateProblem as err:
            raise _invalid(err.problems) from None
        except KeyReused as err:
            raise ServiceError(grpc.StatusCode.ALREADY_EXISTS, str(err)) from None
        return followup_pb2.SendMessageResponse(message=message_message(message))

    async def GetMessage(
        self, request: followup_pb2.GetMessageRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.GetMessageResponse:
        v = Violations()
        if not MESSAGE_ID.fullmatch(request.message_id):
            v.add("message_id", "a message id such as M-3f2a… (24 hex digits)")
        v.raise_if_any()
        row = await asyncio.to_thread(self.store.get_message, request.message_id)
        if row is None or not await self._may_read(row.case_id, row.created_by):
            raise NotFound(f"no message {request.message_id}")
        return followup_pb2.GetMessageResponse(message=message_message(row))

    async def _may_read(self, case_id: str, created_by: str) -> bool:
        """Whether the caller may read a message: one about a case in their
        scope, or, about no case, one they sent themselves."""
        visible = self.scope.limits()
        if visible is None:
            return True
        if not case_id:
            return created_by == visible.person
        try:
            await self._case_for_caller(case_id)
        except NotFound:
            return False
        return True

    async def ListMessages(
        self, request: followup_pb2.ListMessagesRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.ListMessagesResponse:
        v = Violations()
        if request.case_id and not CASE_ID.match(request.case_id):
            v.add("case_id", "a case id such as C-000123, or empty for all")
        if not request.case_id and self.scope.limits() is not None:
            # Messages carry no team: listing every case's would mean asking
            # services/cases about each one. A person limited to some cases
            # reads the messages of one case at a time, as the console does.
            v.add(
                "case_id",
                "name a case_id: agents limited to their teams list messages case by case",
            )
        size = page_size(v, request.page, DEFAULT_PAGE, MAX_PAGE)
        v.raise_if_any()
        if request.case_id:
            await self._case_for_caller(request.case_id)
        rows, token = await asyncio.to_thread(
            _page_of,
            v,
            self.store.list_messages,
            request.case_id,
            STATE_NAMES.get(request.state, ""),
            size,
            request.page.page_token,
        )
        messages = [message_message(r) for r in rows]
        taken = page_within(messages)
        if taken < len(messages):
            # Long letters: the page ends early, the next one goes on from here.
            last = rows[taken - 1]
            messages = messages[:taken]
            token = newest_first_token("messages", last.created_at, last.message_id)
        return followup_pb2.ListMessagesResponse(
            messages=messages, page=common_pb2.PageInfo(next_page_token=token)
        )

    async def SendStaffAlert(
        self, request: followup_pb2.SendStaffAlertRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.SendStaffAlertResponse:
        v = Violations()
        if not request.idempotency_key.strip():
            v.add("idempotency_key", "required: a retry with the same key sends nothing new")
        check_plain_text(v, "idempotency_key", request.idempotency_key, 200)
        if request.case_id and not CASE_ID.match(request.case_id):
            v.add("case_id", "a case id such as C-000123, or empty")
        if not request.recipient.strip():
            v.add("recipient", "an email address, a principal or team:<name>")
        if not request.summary.strip():
            v.add("summary", "required: one line saying what needs attention")
        check_plain_text(v, "summary", request.summary, 200)
        check_plain_text(v, "detail", request.detail, 5000, multiline=True)
        v.raise_if_any()
        case = await self._case_for_caller(request.case_id) if request.case_id else None
        actor = _caller()
        try:
            message, _ = await self.messenger.queue_staff_alert(
                idempotency_key=f"alert/{actor}/{request.idempotency_key}",
                case_id=request.case_id,
                recipient=request.recipient,
                summary=request.summary,
                detail=request.detail,
                actor=actor,
                case=case,
            )
        except CaseNotFound as err:
            raise NotFound(str(err)) from None
        except InvalidMessage as err:
            raise _invalid(err.problems) from None
        except KeyReused as err:
            raise ServiceError(grpc.StatusCode.ALREADY_EXISTS, str(err)) from None
        return followup_pb2.SendStaffAlertResponse(
            alert_id=message.message_id,
            state=STATES.get(message.state, followup_pb2.DELIVERY_STATE_UNSPECIFIED),
        )

    # -- webhooks ----------------------------------------------------------------

    async def CreateWebhook(
        self, request: followup_pb2.CreateWebhookRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.CreateWebhookResponse:
        w = request.webhook
        v = Violations()
        if not w.name.strip():
            v.add("webhook.name", "required, e.g. Salesforce production")
        check_plain_text(v, "webhook.name", w.name, 200)
        url = _web_address(w.url)
        if url is None:
            v.add(
                "webhook.url",
                "an https:// URL with a host, a port (if any) from 1 to 65535, "
                "and no spaces or control characters",
            )
        elif url.scheme == "http" and url.hostname not in ("127.0.0.1", "localhost", "::1"):
            v.add("webhook.url", "https is required (http only for 127.0.0.1 and localhost)")
        if len(w.url) > 2000:
            v.add("webhook.url", "at most 2,000 characters")
        elif url is not None and url.hostname:
            problem = await asyncio.to_thread(
                _unreachable_target,
                url.hostname,
                url.port or (443 if url.scheme == "https" else 80),
                self.messenger.settings.webhook_allowed_networks,
            )
            if problem:
                v.add("webhook.url", problem)
        for i, kind in enumerate(w.event_types):
            if kind not in EVENT_TYPES:
                v.add(f"webhook.event_types[{i}]", "one of " + ", ".join(EVENT_TYPES))
        for i, problem in case_field_problems(list(w.case_fields)):
            v.add(f"webhook.case_fields[{i}]", problem)
        if len(request.secret) < 16 or len(request.secret) > 200:
            v.add("secret", "16 to 200 characters, shared with the receiver to check signatures")
        v.raise_if_any()
        row = await asyncio.to_thread(
            self.store.create_webhook,
            w.name,
            w.url,
            request.secret,
            list(w.event_types),
            _caller(),
            list(w.case_fields),
        )
        return followup_pb2.CreateWebhookResponse(webhook=webhook_message(row))

    async def ListWebhooks(
        self, request: followup_pb2.ListWebhooksRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.ListWebhooksResponse:
        v = Violations()
        size = page_size(v, request.page, DEFAULT_PAGE, MAX_PAGE)
        v.raise_if_any()
        rows, token = await asyncio.to_thread(
            _page_of, v, self.store.list_webhooks, size, request.page.page_token
        )
        return followup_pb2.ListWebhooksResponse(
            webhooks=[webhook_message(r) for r in rows],
            page=common_pb2.PageInfo(next_page_token=token),
        )

    async def DisableWebhook(
        self, request: followup_pb2.DisableWebhookRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.DisableWebhookResponse:
        row = await asyncio.to_thread(
            self.store.set_webhook_enabled,
            request.webhook_id,
            False,
            f"disabled by {_caller()}",
        )
        if row is None:
            raise NotFound(f"no webhook {request.webhook_id!r}")
        return followup_pb2.DisableWebhookResponse(webhook=webhook_message(row))

    async def DeleteWebhook(
        self, request: followup_pb2.DeleteWebhookRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.DeleteWebhookResponse:
        v = Violations()
        if not WEBHOOK_ID.fullmatch(request.webhook_id):
            v.add("webhook_id", "a webhook id such as W-3f2a… (20 hex digits), from ListWebhooks")
        check_plain_text(v, "reason", request.reason, 1000)
        v.raise_if_any()
        deleted = await asyncio.to_thread(
            self.store.delete_webhook, request.webhook_id, _caller(), request.reason
        )
        if deleted is None:
            raise NotFound(f"no webhook {request.webhook_id!r} (or it was deleted already)")
        row, cancelled = deleted
        return followup_pb2.DeleteWebhookResponse(
            webhook=webhook_message(row), deliveries_cancelled=cancelled
        )

    async def ListDeliveries(
        self, request: followup_pb2.ListDeliveriesRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.ListDeliveriesResponse:
        v = Violations()
        size = page_size(v, request.page, DEFAULT_PAGE, MAX_PAGE)
        v.raise_if_any()
        rows, token = await asyncio.to_thread(
            _page_of,
            v,
            self.store.list_deliveries,
            request.webhook_id,
            STATE_NAMES.get(request.state, ""),
            size,
            request.page.page_token,
        )
        deliveries = [delivery_message(r) for r in rows]
        taken = page_within(deliveries)
        if taken < len(deliveries):
            last = rows[taken - 1]
            deliveries = deliveries[:taken]
            token = newest_first_token("deliveries", last.created_at, last.delivery_id)
        return followup_pb2.ListDeliveriesResponse(
            deliveries=deliveries, page=common_pb2.PageInfo(next_page_token=token)
        )

    async def RedeliverEvent(
        self, request: followup_pb2.RedeliverEventRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.RedeliverEventResponse:
        row = await asyncio.to_thread(self.store.get_delivery, request.delivery_id)
        if row is None:
            raise NotFound(f"no delivery {request.delivery_id!r}")
        hook = await asyncio.to_thread(self.store.get_webhook, row.webhook_id)
        assert hook is not None
        if hook.deleted_at is not None:
            raise FailedPrecondition(
                f"delivery {row.delivery_id} was for webhook {hook.webhook_id}, which was "
                "deleted; create a webhook again to receive new events"
            )
        if not hook.enabled:
            # Redelivering by hand says the receiver works again.
            await asyncio.to_thread(self.store.set_webhook_enabled, hook.webhook_id, True, "")
        requeued = await asyncio.to_thread(self.store.requeue_delivery, request.delivery_id)
        assert requeued is not None
        # Every case with events waiting for this webhook, not only this
        # delivery's: those queued while it was disabled go out now, each
        # case's in order. Finished even if the caller stops waiting.
        waking = asyncio.ensure_future(self.messenger.webhooks.wake_waiting(hook.webhook_id))
        self.background.add(waking)
        waking.add_done_callback(self.background.discard)
        await asyncio.shield(waking)
        return followup_pb2.RedeliverEventResponse(delivery=delivery_message(requeued))

    # -- scheduled follow-ups ----------------------------------------------------

    async def _workflow_of(self, case_id: str) -> str:
        case = await self._case_for_caller(case_id)
        if case is None:
            try:
                case = await self.messenger.case(case_id)
            except CaseNotFound as err:
                raise NotFound(str(err)) from None
        return case.workflow_id

    async def ScheduleFollowup(
        self, request: followup_pb2.ScheduleFollowupRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.ScheduleFollowupResponse:
        v = Violations()
        if not CASE_ID.match(request.case_id):
            v.add("case_id", "a case id such as C-000123")
        if not TEMPLATE_NAME.match(request.template_name):
            v.add("template_name", "a template name, e.g. progress_update")
        send_at = (
            checked_time(v, "send_at", request.send_at) if request.HasField("send_at") else None
        )
        if not request.HasField("send_at"):
            v.add("send_at", "required: when to send it")
        elif send_at is not None and send_at <= datetime.now(UTC):
            v.add("send_at", "must be in the future")
        extra = _extra(v, request.extra)
        check_plain_text(v, "reason", request.reason, 1000)
        v.raise_if_any()
        assert send_at is not None
        case = await self._case_for_caller(request.case_id)
        languages = await asyncio.to_thread(self.store.template_languages, request.template_name)
        if not languages:
            v.add("template_name", f"no template named {request.template_name!r}")
            v.raise_if_any()
        # Rendered now as a check, so a template that cannot fill in for this
        # case is refused today rather than failing when it is due.
        try:
            *_, case = await self.messenger.render(
                request.template_name, "", request.case_id, extra, case
            )
        except CaseNotFound as err:
            raise NotFound(str(err)) from None
        except (InvalidMessage, tpl.TemplateProblem) as err:
            raise _invalid(err.problems) from None
        workflow_id = case.workflow_id
        result = await commands.send(
            self.client,
            workflow_id,
            ComplaintWorkflow.schedule_followup,
            ScheduleFollowupCommand(
                actor=_caller(),
                template_name=request.template_name,
                send_at=send_at,
                extra=extra,
                reason=request.reason,
            ),
            remaining(context),
        )
        return followup_pb2.ScheduleFollowupResponse(followup_id=result.subtask_id)

    async def CancelFollowup(
        self, request: followup_pb2.CancelFollowupRequest, context: grpc.aio.ServicerContext
    ) -> followup_pb2.CancelFollowupResponse:
        v = Violations()
        if not CASE_ID.match(request.case_id):
            v.add("case_id", "a case id such as C-000123")
        if not request.followup_id.startswith(f"{request.case_id}-F"):
            v.add("followup_id", "the id ScheduleFollowup returned, e.g. C-000123-F4")
        check_plain_text(v, "reason", request.reason, 1000)
        v.raise_if_any()
        workflow_id = await self._workflow_of(request.case_id)
        await commands.send(
            self.client,
            workflow_id,
            ComplaintWorkflow.cancel_followup,
            SubtaskCommand(_caller(), request.followup_id, request.reason),
            remaining(context),
        )
        return followup_pb2.CancelFollowupResponse()

    async def ReceiveCustomerMessage(
        self,
        request: followup_pb2.ReceiveCustomerMessageRequest,
        context: grpc.aio.ServicerContext,
    ) -> followup_pb2.ReceiveCustomerMessageResponse:
        v = Violations()
        if not request.message_id_header.strip():
            v.add("message_id_header", "required: the email's Message-ID header")
        check_plain_text(v, "message_id_header", request.message_id_header, 250)
        if not EMAIL.match(request.sender.strip()):
            v.add("sender", "the From address, e.g. jane@example.com")
        check_plain_text(v, "subject", request.subject, 1000)
        check_plain_text(v, "body_text", request.body_text, 100_000, multiline=True)
        check_plain_text(v, "in_reply_to", request.in_reply_to, 1000)
        if len(request.references) > 100:
            v.add("references", "at most 100 message ids")
        for i, ref in enumerate(request.references):
            check_plain_text(v, f"references[{i}]", ref, 1000)
        received_at = (
            checked_time(v, "received_at", request.received_at)
            if request.HasField("received_at")
            else datetime.now(UTC)
        )
        v.raise_if_any()
        assert received_at is not None
        try:
            message, case_id, how, answered = await self.messenger.receive(
                message_id_header=request.message_id_header.strip(),
                sender=request.sender.strip(),
                subject=request.subject,
                body_text=request.body_text,
                in_reply_to=request.in_reply_to,
                references=list(request.references),
                received_at=received_at,
            )
        except (NoCaseMatch, CaseNotFound) as err:
            raise NotFound(str(err)) from None
        except (NotTheCustomer, ReplyRefused) as err:
            raise FailedPrecondition(str(err)) from None
        except KeyReused:
            raise FailedPrecondition(
                "this Message-ID was received before with different content; "
                "each email has its own Message-ID"
            ) from None
        return followup_pb2.ReceiveCustomerMessageResponse(
            message=message_message(message),
            case_id=case_id,
            matched_by=how,
            replied_to=from_short_name(followup_pb2.MessagePurpose, answered)  # type: ignore[arg-type]
            if answered
            else followup_pb2.MESSAGE_PURPOSE_UNSPECIFIED,
        )

    async def RecordDeliveryReport(
        self,
        request: followup_pb2.RecordDeliveryReportRequest,
        context: grpc.aio.ServicerContext,
    ) -> followup_pb2.RecordDeliveryReportResponse:
        v = Violations()
        message_id = request.message_id
        if message_id and not MESSAGE_ID.fullmatch(message_id):
            v.add("message_id", "a message id such as M-3f2a… (24 hex digits), or empty")
        if request.message_id_header:
            quoted = SENT_MESSAGE_ID.match(request.message_id_header.strip())
            if quoted is None:
                v.add(
                    "message_id_header",
                    "the Message-ID Redress gave the email, e.g. <M-3f2a…@bank.example>",
                )
            elif message_id and quoted[1] != message_id:
                v.add("message_id_header", f"names {quoted[1]}, not message_id {message_id}")
            else:
                message_id = quoted[1]
        if not request.message_id and not request.message_id_header:
            v.add("message_id", "required: the message id, or message_id_header")
        outcome = {
            followup_pb2.DELIVERY_REPORT_OUTCOME_DELIVERED: True,
            followup_pb2.DELIVERY_REPORT_OUTCOME_BOUNCED: False,
        }.get(request.outcome)
        if outcome is None:
            v.add("outcome", "DELIVERED or BOUNCED")
        if outcome is False and not request.diagnostic.strip():
            v.add("diagnostic", "required for a bounce: what the remote server said")
        check_plain_text(v, "diagnostic", request.diagnostic, 1000)
        check_plain_text(v, "remote_mta", request.remote_mta, 255)
        v.raise_if_any()
        assert outcome is not None
        detail = ("delivered" if outcome else "bounced") + (
            f" (reported by {request.remote_mta.strip()})" if request.remote_mta.strip() else ""
        )
        if request.diagnostic.strip():
            detail += f": {request.diagnostic.strip()}"
        try:
            reported = await self.messenger.report_delivery(message_id, outcome, detail, _caller())
        except ReportRefused as err:
            raise FailedPrecondition(str(err)) from None
        if reported is None:
            raise NotFound(f"no message {message_id}")
        message, recorded = reported
        return followup_pb2.RecordDeliveryReportResponse(
            message=message_message(message), recorded=recorded
        )
