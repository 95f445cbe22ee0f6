"""The CasesService gRPC servicer: protobuf in, store calls, protobuf out."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import grpc
from temporalio.client import Client

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.db.audit_seal import AuditKeyError
from redress.db.personal_data import PersonalDataHolder
from redress.db.tables.cases import PolicyVersion
from redress.domain.policy import Policy
from redress.domain.policy_versions import PolicyVersions
from redress.domain.priority import priority_rank
from redress.domain.regulatory import REGIMES
from redress.domain.vigilance_state import RegulatoryReportCommand, ReportabilityCommand
from redress.platform.auth import current_principal
from redress.platform.enums import Channel, Priority, Regime, choices, short_name
from redress.platform.errors import (
    AlreadyExists,
    FailedPrecondition,
    NotFound,
    ServiceError,
    Unavailable,
    Violations,
    checked_time,
)
from redress.platform.pages import page_within
from redress.platform.policies import checked_policy
from redress.platform.requests import (
    LANGUAGE,
    check_case_id,
    check_opt_outs,
    check_plain_text,
    check_workflow_id,
    page_size,
)
from redress.platform.scope import AgentScope, case_not_found
from redress.platform.serving import remaining, roles
from redress.platform.wire import optional_timestamp
from services.cases import (
    attachments,
    convert,
    erasure,
    file_kinds,
    histories,
    reads,
    vigilance,
)
from services.cases.attachments import AttachmentLimits
from services.cases.customer_view import customer_view, for_customer_only
from services.cases.staff import StaffDirectoryStore
from services.cases.staff_rpcs import STAFF_ACCESS, StaffRpcs
from services.cases.store import (
    CONTACT_FIELDS,
    Actor,
    CaseFilter,
    CaseStore,
    ChangeConflict,
    InvalidPageToken,
    LinkRefused,
    NotesFull,
    case_page_token,
    note_token,
)
from workflows import commands
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import (
    AddSubtaskCommand,
    AssignCommand,
    CancelReminderCommand,
    CategoryCommand,
    ClockCommand,
    CommandResult,
    OutcomeCommand,
    PersonalDataErased,
    PriorityCommand,
    ReasonCommand,
    ReplyCommand,
    SetReminderCommand,
    SubtaskCommand,
    TransitionCommand,
)

CUSTOMER_ID = re.compile(r"^CU-[0-9a-f]{20}$")
# Export chunks stay well under gRPC's default 4 MiB message limit.
EXPORT_CHUNK = 1 << 20
# Closed historic cases stored in one StoreClosedCases call.
MAX_CLOSED_CASES = 1_000
DEFAULT_PAGE, MAX_PAGE = 50, 500
DEFAULT_NOTES_PAGE, MAX_NOTES_PAGE = 20, 100

READERS = roles("agent", "team_lead", "manager", "administrator", "auditor", "service")
HANDLERS = roles("agent", "team_lead", "manager", "administrator")
SUPERVISORS = roles("team_lead", "manager", "administrator")
# Processes that carry what customers send: intake clients (the mailbox
# adapter, CRMs), social and chat adapters, and the public web form and status
# page (which may only reach the case its customer's link names). They may add the
# customer's files to a case (as RecordCustomerReply lets them add the
# customer's words) but never list or read any: they hold no case data. To
# let another such process upload, add its role here.
CUSTOMER_CHANNEL_ROLES = frozenset({"intake_client", "channel_adapter", "web_form"})
ACCESS = {
    "redress.cases.v1.CasesService": {
        "CreateCase": roles("service"),
        "StoreClosedCases": roles("service"),
        "RecordCaseChange": roles("service"),
        # The web form only for the case a customer's status link names
        # (CUSTOMER_CASE_METHODS, redress/platform/status_links.py).
        "GetCase": roles(*READERS, "web_form"),
        "ListCases": READERS,
        "ListAuditEvents": READERS,
        "ListNotes": READERS,
        "VerifyAuditTrail": roles("auditor", "manager", "administrator", "service"),
        "PublishPolicy": roles("administrator"),
        "GetPolicy": roles(*READERS, "administrator"),
        "AssignCase": HANDLERS,
        "ChangePriority": HANDLERS,
        "ChangeCategory": HANDLERS,
        "TransitionStage": HANDLERS,
        "AddNote": HANDLERS,
        "PauseClock": HANDLERS,
        "ResumeClock": HANDLERS,
        "RecordCustomerReply": roles(*HANDLERS, "service", "channel_adapter", "web_form"),
        "UpdateCustomerPreferences": HANDLERS,
        "MergeCaseContact": HANDLERS,
        # The web form only for the case its customer's link names.
        "RecordSatisfaction": roles(*HANDLERS, "service", "intake_client", "web_form"),
        "AddSubtask": HANDLERS,
        "CompleteSubtask": HANDLERS,
        "CancelSubtask": HANDLERS,
        "RecordOutcome": HANDLERS,
        "ResolveCase": HANDLERS,
        "CloseCase": HANDLERS,
        "ReopenCase": SUPERVISORS,
        "LinkCases": HANDLERS,
        "UnlinkCases": HANDLERS,
        # Erasure cannot be undone, so it is the administrator's alone; an
        # export shows no more than auditors already read, so they may
        # answer subject access requests too.
        "EraseCustomer": roles("administrator"),
        "ExportCustomerData": roles("administrator", "auditor"),
        "UploadAttachment": roles(*HANDLERS, *CUSTOMER_CHANNEL_ROLES),
        "ListAttachments": READERS,
        "DownloadAttachment": READERS,
        "RecordReportability": HANDLERS,
        "RecordRegulatoryReport": HANDLERS,
        # Firm-wide, for compliance: not for agents limited to their teams.
        "ListRegulatoryReports": roles("manager", "administrator", "auditor"),
        # The staff directory (services/cases/staff_rpcs.py).
        **STAFF_ACCESS,
        "SetReminder": HANDLERS,
        "CancelReminder": HANDLERS,
    }
}

# What the public web form may call, each for one case only: the case its
# customer's signed status link names (redress/platform/status_links.py).
CUSTOMER_CASE_METHODS = {
    "GetCase": True,
    "RecordCustomerReply": True,
    "UploadAttachment": True,
    "RecordSatisfaction": True,
}
# How a survey answer may have come; who may say which (see RecordSatisfaction).
SATISFACTION_SOURCES = ("link", "status_page", "email_reply", "staff")

SORT_COLUMNS = {
    cases_pb2.CASE_SORT_FIELD_UNSPECIFIED: "received_at",
    cases_pb2.CASE_SORT_FIELD_RECEIVED_AT: "received_at",
    cases_pb2.CASE_SORT_FIELD_NEXT_DEADLINE: "next_deadline",
    cases_pb2.CASE_SORT_FIELD_PRIORITY: "priority",
    cases_pb2.CASE_SORT_FIELD_UPDATED_AT: "updated_at",
}

log = logging.getLogger(__name__)


def caller() -> Actor:
    principal = current_principal.get()
    return Actor(principal.actor_kind, principal.id)


class CasesServicer(StaffRpcs, cases_pb2_grpc.CasesServiceServicer):
    def __init__(
        self,
        store: CaseStore,
        temporal: Callable[[], Awaitable[Client]] | None = None,
        scope: AgentScope | None = None,
        held_elsewhere: Sequence[PersonalDataHolder] = (),
        attachment_limits: AttachmentLimits | None = None,
    ) -> None:
        self.store = store
        self.attachment_limits = attachment_limits or AttachmentLimits()
        # Other services' tables that hold a customer's data, erased and
        # exported in the same transaction as the case tables.
        self.held_elsewhere = tuple(held_elsewhere)
        self.temporal = temporal
        self.scope = scope or AgentScope()
        self.client: Client | None = None
        self.policies = PolicyVersions(store.published_document)
        self.directory = StaffDirectoryStore(store.sessions)

    async def _visible(self, case_id: str) -> None:
        """NOT_FOUND for a case outside the caller's scope (redress/platform/scope.py)."""
        if self.scope.limits() is None:
            return
        holder = await asyncio.to_thread(self.store.holder_of, case_id)
        if holder is None:
            raise case_not_found(case_id)
        self.scope.check(case_id, *holder)

    async def _case_of_workflow(self, workflow_id: str) -> cases_pb2.Case:
        """GetCase's case by its workflow's id. Out of the caller's scope it
        is not found by the same words, so that the answer does not name it."""
        not_found = NotFound(f"no case for workflow {workflow_id!r}")
        case_id = await asyncio.to_thread(self.store.case_of_workflow, workflow_id)
        if case_id is None:
            raise not_found
        try:
            return await self._case(case_id, history=True)
        except NotFound:
            raise not_found from None

    async def _case(self, case_id: str, history: bool = False) -> cases_pb2.Case:
        """The case as an answer carries it (services/cases/reads.py): with
        `history` (GetCase) its most recent notes and audit entries, without
        (the commands' answers: what the command changed) none."""
        view = await asyncio.to_thread(
            self.store.get_case,
            case_id,
            reads.NOTES_IN_CASE if history else 0,
            reads.AUDIT_EVENTS_IN_CASE if history else 0,
        )
        if view is None:
            raise case_not_found(case_id)
        self.scope.check(case_id, view.case.team, view.case.assignee)
        policy = await asyncio.to_thread(
            self._policy_of, view.case.policy_id, view.case.policy_version
        )
        case = reads.bounded_case(
            convert.full_case_message(view, policy.calendar_named if policy else None)
        )
        reminders, answer = await asyncio.to_thread(self.store.reminders_and_satisfaction, case_id)
        for r in reminders:
            case.reminders.append(
                cases_pb2.Reminder(
                    reminder_id=r.reminder_id,
                    person=r.person,
                    at=optional_timestamp(r.at),
                    text=r.text,
                    state=r.state,
                    set_by=r.set_by,
                )
            )
        if answer is not None:
            case.satisfaction.CopyFrom(
                cases_pb2.Satisfaction(
                    score=answer.score,
                    comment=answer.comment,
                    source=answer.source,
                    received_at=optional_timestamp(answer.received_at),
                )
            )
        return case

    async def _subtask(self, case_id: str, subtask_id: str) -> cases_pb2.Subtask:
        found = await asyncio.to_thread(self.store.subtask, case_id, subtask_id)
        if found is None:
            raise NotFound(f"no subtask {subtask_id} on case {case_id}")
        return convert.subtask_message(found)

    def _policy_of(self, policy_id: str, version: str) -> Policy | None:
        """The policy version a case runs under, for its calendars."""
        return self.policies.find(policy_id, version)

    async def _command(
        self,
        case_id: str,
        violations: Violations,
        update: Any,
        command: Any,
        context: grpc.aio.ServicerContext,
        update_id: str | None = None,
    ) -> CommandResult:
        check_case_id(case_id, violations)
        violations.raise_if_any()
        await self._visible(case_id)
        workflow_id = await asyncio.to_thread(self.store.workflow_of, case_id)
        if workflow_id is None:
            raise NotFound(f"no case {case_id}")
        return await commands.send(
            await self._client(), workflow_id, update, command, remaining(context), update_id
        )

    async def _client(self) -> Client:
        if self.client is None:
            if self.temporal is None:
                raise Unavailable("this cases service has no workflow engine configured")
            try:
                self.client = await self.temporal()
            except Exception as err:
                raise Unavailable(f"the workflow engine cannot be reached: {err}") from None
        return self.client

    async def AssignCase(
        self, request: cases_pb2.AssignCaseRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.AssignCaseResponse:
        v = Violations()
        if not request.assignee and not request.team:
            v.add("assignee", "give an assignee, a team or both")
        check_plain_text(v, "assignee", request.assignee, 100)
        check_plain_text(v, "team", request.team, 100)
        check_plain_text(v, "reason", request.reason, 1000)
        await self.check_names(v, ("assignee", request.assignee), ("team", request.team))
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.assign,
            AssignCommand(caller().id, request.assignee, request.team, request.reason),
            context,
        )
        return cases_pb2.AssignCaseResponse(case=await self._case(request.case_id))

    async def ChangePriority(
        self, request: cases_pb2.ChangePriorityRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ChangePriorityResponse:
        v = Violations()
        priority = short_name(common_pb2.Priority, request.priority)
        if not priority:
            v.add("priority", "one of " + ", ".join(choices(common_pb2.Priority)))
        if not request.reason.strip():
            v.add("reason", "required: why the rules' priority is overridden")
        check_plain_text(v, "reason", request.reason, 1000)
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.change_priority,
            PriorityCommand(caller().id, priority, request.reason),
            context,
        )
        return cases_pb2.ChangePriorityResponse(case=await self._case(request.case_id))

    async def ChangeCategory(
        self, request: cases_pb2.ChangeCategoryRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ChangeCategoryResponse:
        v = Violations()
        if not request.category.strip():
            v.add("category", "required: one of the policy's categories")
        check_plain_text(v, "category", request.category, 100)
        if not request.reason.strip():
            v.add("reason", "required: why the rules' category is overridden")
        check_plain_text(v, "reason", request.reason, 1000)
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.change_category,
            CategoryCommand(caller().id, request.category, request.reason),
            context,
        )
        return cases_pb2.ChangeCategoryResponse(case=await self._case(request.case_id))

    async def TransitionStage(
        self, request: cases_pb2.TransitionStageRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.TransitionStageResponse:
        v = Violations()
        if not request.to_stage:
            v.add("to_stage", "required: the stage to move to")
        check_plain_text(v, "reason", request.reason, 1000)
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.transition,
            TransitionCommand(caller().id, request.to_stage, request.reason),
            context,
        )
        return cases_pb2.TransitionStageResponse(case=await self._case(request.case_id))

    async def LinkCases(
        self, request: cases_pb2.LinkCasesRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.LinkCasesResponse:
        v = Violations()
        check_case_id(request.case_id, v)
        check_case_id(request.other_case_id, v, "other_case_id")
        kinds = {
            cases_pb2.LINK_KIND_DUPLICATE_OF: "duplicate_of",
            cases_pb2.LINK_KIND_RELATED_TO: "related_to",
            cases_pb2.LINK_KIND_PARENT_OF: "parent_of",
            cases_pb2.LINK_KIND_CHILD_OF: "child_of",
        }
        kind = kinds.get(request.kind)  # type: ignore[call-overload]
        if kind is None:
            v.add("kind", "one of LINK_KIND_DUPLICATE_OF, RELATED_TO, PARENT_OF, CHILD_OF")
        if request.case_id and request.case_id == request.other_case_id:
            v.add("other_case_id", "a case cannot be linked to itself")
        v.raise_if_any()
        assert kind is not None
        for case_id in (request.case_id, request.other_case_id):
            if not await asyncio.to_thread(self.store.case_exists, case_id):
                raise NotFound(f"no case {case_id}")
            await self._visible(case_id)
        try:
            await asyncio.to_thread(
                self.store.link_cases, request.case_id, kind, request.other_case_id, caller()
            )
        except LinkRefused as err:
            raise FailedPrecondition(str(err)) from None
        return cases_pb2.LinkCasesResponse(case=await self._case(request.case_id))

    async def UnlinkCases(
        self, request: cases_pb2.UnlinkCasesRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.UnlinkCasesResponse:
        v = Violations()
        check_case_id(request.case_id, v)
        check_case_id(request.other_case_id, v, "other_case_id")
        if not request.reason.strip():
            v.add("reason", "required: why the link is removed")
        check_plain_text(v, "reason", request.reason, 1000)
        v.raise_if_any()
        for case_id in (request.case_id, request.other_case_id):
            await self._visible(case_id)
        removed = await asyncio.to_thread(
            self.store.unlink_cases,
            request.case_id,
            request.other_case_id,
            caller(),
            request.reason,
        )
        if not removed:
            raise NotFound(f"{request.case_id} and {request.other_case_id} are not linked")
        return cases_pb2.UnlinkCasesResponse(case=await self._case(request.case_id))

    async def AddNote(
        self, request: cases_pb2.AddNoteRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.AddNoteResponse:
        v = Violations()
        check_case_id(request.case_id, v)
        if not request.body.strip():
            v.add("body", "required")
        check_plain_text(v, "body", request.body, 32_000, multiline=True)
        v.raise_if_any()
        if not await asyncio.to_thread(self.store.case_exists, request.case_id):
            raise NotFound(f"no case {request.case_id}")
        await self._visible(request.case_id)
        try:
            note = await asyncio.to_thread(
                self.store.add_note,
                request.case_id,
                caller(),
                request.body,
                request.customer_visible,
            )
        except NotesFull as err:
            raise FailedPrecondition(str(err)) from None
        return cases_pb2.AddNoteResponse(note=convert.note_message(note))

    async def UpdateCustomerPreferences(
        self,
        request: cases_pb2.UpdateCustomerPreferencesRequest,
        context: grpc.aio.ServicerContext,
    ) -> cases_pb2.UpdateCustomerPreferencesResponse:
        v = Violations()
        check_case_id(request.case_id, v)
        if request.preferred_channel and not short_name(Channel, request.preferred_channel):
            v.add("preferred_channel", "unknown channel")
        if request.preferred_language and not LANGUAGE.match(request.preferred_language):
            v.add("preferred_language", "a BCP 47 tag such as en, de or es-MX")
        check_opt_outs(v, "request", request.preferred_channel, request.do_not_contact)
        if not request.reason.strip():
            v.add("reason", "required: why, e.g. what the customer asked for and when")
        check_plain_text(v, "reason", request.reason, 1000)
        v.raise_if_any()
        preferences = {
            "preferred_channel": short_name(Channel, request.preferred_channel),
            "preferred_language": request.preferred_language,
            "do_not_contact": sorted(short_name(Channel, c) for c in request.do_not_contact),
            "no_surveys": request.no_surveys,
        }
        await self._visible(request.case_id)
        try:
            await asyncio.to_thread(
                self.store.update_customer_preferences,
                request.case_id,
                caller(),
                preferences,
                request.reason,
            )
        except KeyError:
            raise NotFound(f"no case {request.case_id}") from None
        return cases_pb2.UpdateCustomerPreferencesResponse(case=await self._case(request.case_id))

    async def MergeCaseContact(
        self, request: cases_pb2.MergeCaseContactRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.MergeCaseContactResponse:
        v = Violations()
        check_case_id(request.case_id, v)
        for i, name in enumerate(request.fields):
            if name not in CONTACT_FIELDS:
                v.add(f"fields[{i}]", f"one of {', '.join(CONTACT_FIELDS)}")
        if not request.reason.strip():
            v.add("reason", "required: why, e.g. how the customer confirmed the new details")
        check_plain_text(v, "reason", request.reason, 1000)
        v.raise_if_any()
        await self._visible(request.case_id)
        try:
            changed = await asyncio.to_thread(
                self.store.merge_case_contact,
                request.case_id,
                caller(),
                list(dict.fromkeys(request.fields)),
                request.reason,
            )
        except KeyError:
            raise NotFound(f"no case {request.case_id}") from None
        except ValueError as err:
            raise FailedPrecondition(str(err)) from None
        return cases_pb2.MergeCaseContactResponse(
            case=await self._case(request.case_id), changed=changed
        )

    async def RecordSatisfaction(
        self, request: cases_pb2.RecordSatisfactionRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.RecordSatisfactionResponse:
        v = Violations()
        check_case_id(request.case_id, v)
        if not 1 <= request.score <= 5:
            v.add("score", "1 (very dissatisfied) to 5 (very satisfied)")
        check_plain_text(v, "comment", request.comment, 4000, multiline=True)
        held = current_principal.get().roles
        customer_side = "web_form" in held or "intake_client" in held
        source = request.source or (
            "email_reply" if "intake_client" in held else "link" if "web_form" in held else "staff"
        )
        if source not in SATISFACTION_SOURCES:
            v.add("source", "one of " + ", ".join(SATISFACTION_SOURCES))
        elif source == "staff" and customer_side and not held & set(HANDLERS):
            v.add("source", "a customer's channel records link, status_page or email_reply")
        v.raise_if_any()
        if not await asyncio.to_thread(self.store.case_exists, request.case_id):
            raise NotFound(f"no case {request.case_id}")
        await self._visible(request.case_id)
        recorded = await asyncio.to_thread(
            self.store.record_satisfaction,
            request.case_id,
            caller(),
            request.score,
            request.comment,
            source,
        )
        if not recorded:
            raise ServiceError(
                grpc.StatusCode.ALREADY_EXISTS,
                f"{request.case_id} has its satisfaction answer already; one per case",
            )
        return cases_pb2.RecordSatisfactionResponse()

    async def SetReminder(
        self, request: cases_pb2.SetReminderRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.SetReminderResponse:
        v = Violations()
        at = None
        if not request.HasField("at"):
            v.add("at", "required: when to remind, e.g. 2030-01-15T10:00:00Z")
        else:
            at = checked_time(v, "at", request.at)
        if not request.text.strip():
            v.add("text", "required: what to be reminded of")
        check_plain_text(v, "text", request.text, 500, multiline=True)
        check_plain_text(v, "person", request.person, 100)
        check_plain_text(v, "idempotency_key", request.idempotency_key, 200)
        key = request.idempotency_key
        result = await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.set_reminder,
            SetReminderCommand(
                actor=caller().id,
                person=request.person or caller().id,
                at=at or datetime.now(UTC),
                text=request.text,
                idempotency_key=key,
            ),
            context,
            update_id=f"reminder/{key}" if key else None,
        )
        case = await self._case(request.case_id)
        made = next((r for r in case.reminders if r.reminder_id == result.subtask_id), None)
        return cases_pb2.SetReminderResponse(reminder=made, case=case)

    async def CancelReminder(
        self, request: cases_pb2.CancelReminderRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.CancelReminderResponse:
        v = Violations()
        if not request.reminder_id:
            v.add("reminder_id", "the id SetReminder returned, e.g. C-000123-R2")
        check_plain_text(v, "reminder_id", request.reminder_id, 100)
        check_plain_text(v, "reason", request.reason, 1000)
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.cancel_reminder,
            CancelReminderCommand(caller().id, request.reminder_id, request.reason),
            context,
        )
        return cases_pb2.CancelReminderResponse(case=await self._case(request.case_id))

    async def PauseClock(
        self, request: cases_pb2.PauseClockRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.PauseClockResponse:
        v = Violations()
        if not request.clock:
            v.add("clock", "required: the clock's name, e.g. resolution")
        if not request.reason:
            v.add("reason", "required: a reason code such as awaiting_customer")
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.pause_clock,
            ClockCommand(caller().id, request.clock, request.reason),
            context,
        )
        return cases_pb2.PauseClockResponse(
            clock=_named_clock(await self._case(request.case_id), request.clock)
        )

    async def ResumeClock(
        self, request: cases_pb2.ResumeClockRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ResumeClockResponse:
        v = Violations()
        if not request.clock:
            v.add("clock", "required: the clock's name, e.g. resolution")
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.resume_clock,
            ClockCommand(caller().id, request.clock, "resumed"),
            context,
        )
        return cases_pb2.ResumeClockResponse(
            clock=_named_clock(await self._case(request.case_id), request.clock)
        )

    async def RecordCustomerReply(
        self, request: cases_pb2.RecordCustomerReplyRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.RecordCustomerReplyResponse:
        v = Violations()
        check_plain_text(v, "summary", request.summary, 4000, multiline=True)
        check_plain_text(v, "idempotency_key", request.idempotency_key, 200)
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.record_customer_reply,
            ReplyCommand(caller().id, request.summary, short_name(Channel, request.channel)),
            context,
            update_id=f"reply/{request.idempotency_key}" if request.idempotency_key else None,
        )
        case = await self._case(request.case_id)
        if for_customer_only(current_principal.get()):
            case = customer_view(case)
        return cases_pb2.RecordCustomerReplyResponse(case=case)

    async def AddSubtask(
        self, request: cases_pb2.AddSubtaskRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.AddSubtaskResponse:
        v = Violations()
        if not request.title.strip():
            v.add("title", "required")
        check_plain_text(v, "title", request.title, 200)
        check_plain_text(v, "description", request.description, 4000, multiline=True)
        check_plain_text(v, "assignee", request.assignee, 100)
        check_plain_text(v, "team", request.team, 100)
        due = checked_time(v, "due_at", request.due_at) if request.HasField("due_at") else None
        await self.check_names(v, ("assignee", request.assignee), ("team", request.team))
        result = await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.add_subtask,
            AddSubtaskCommand(
                caller().id, request.title, request.description, request.assignee, request.team, due
            ),
            context,
        )
        return cases_pb2.AddSubtaskResponse(
            subtask=await self._subtask(request.case_id, result.subtask_id)
        )

    async def _finish_subtask(
        self,
        case_id: str,
        subtask_id: str,
        reason: str,
        update: Any,
        context: grpc.aio.ServicerContext,
    ) -> cases_pb2.Subtask:
        v = Violations()
        if not subtask_id:
            v.add("subtask_id", "required")
        await self._command(
            case_id, v, update, SubtaskCommand(caller().id, subtask_id, reason), context
        )
        return await self._subtask(case_id, subtask_id)

    async def CompleteSubtask(
        self, request: cases_pb2.CompleteSubtaskRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.CompleteSubtaskResponse:
        return cases_pb2.CompleteSubtaskResponse(
            subtask=await self._finish_subtask(
                request.case_id,
                request.subtask_id,
                request.note,
                ComplaintWorkflow.complete_subtask,
                context,
            )
        )

    async def CancelSubtask(
        self, request: cases_pb2.CancelSubtaskRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.CancelSubtaskResponse:
        return cases_pb2.CancelSubtaskResponse(
            subtask=await self._finish_subtask(
                request.case_id,
                request.subtask_id,
                request.reason,
                ComplaintWorkflow.cancel_subtask,
                context,
            )
        )

    async def RecordOutcome(
        self, request: cases_pb2.RecordOutcomeRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.RecordOutcomeResponse:
        v = Violations()
        decision = short_name(cases_pb2.Decision, request.decision)
        if not decision and not request.outcome:
            v.add(
                "decision",
                "one of " + ", ".join(choices(cases_pb2.Decision)) + ", or give an outcome value",
            )
        check_plain_text(v, "outcome", request.outcome, 64)
        for name in ("redress", "goodwill"):
            money = getattr(request, name)
            if money.minor_units < 0:
                v.add(f"{name}.minor_units", "cannot be negative")
            elif money.minor_units > MAX_MINOR_UNITS:
                v.add(f"{name}.minor_units", f"at most {MAX_MINOR_UNITS:,} minor units")
            if money.minor_units and not CURRENCY.match(money.currency):
                v.add(f"{name}.currency", "an ISO 4217 code such as GBP")
        if not request.root_cause:
            v.add("root_cause", "required: a code from the cause taxonomy")
        check_plain_text(v, "summary", request.summary, 4000, multiline=True)
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.record_outcome,
            OutcomeCommand(
                caller().id,
                decision,
                request.root_cause,
                request.summary,
                request.redress.currency,
                request.redress.minor_units,
                request.goodwill.currency,
                request.goodwill.minor_units,
                request.outcome,
            ),
            context,
        )
        return cases_pb2.RecordOutcomeResponse(case=await self._case(request.case_id))

    async def ResolveCase(
        self, request: cases_pb2.ResolveCaseRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ResolveCaseResponse:
        v = Violations()
        check_plain_text(v, "reason", request.reason, 1000)
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.resolve,
            ReasonCommand(caller().id, request.reason),
            context,
        )
        return cases_pb2.ResolveCaseResponse(case=await self._case(request.case_id))

    async def CloseCase(
        self, request: cases_pb2.CloseCaseRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.CloseCaseResponse:
        v = Violations()
        check_plain_text(v, "reason", request.reason, 1000)
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.close,
            ReasonCommand(caller().id, request.reason),
            context,
        )
        return cases_pb2.CloseCaseResponse(case=await self._case(request.case_id))

    async def ReopenCase(
        self, request: cases_pb2.ReopenCaseRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ReopenCaseResponse:
        v = Violations()
        if not request.reason.strip():
            v.add("reason", "required: why the case is reopened")
        check_plain_text(v, "reason", request.reason, 1000)
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.reopen,
            ReasonCommand(caller().id, request.reason),
            context,
        )
        return cases_pb2.ReopenCaseResponse(case=await self._case(request.case_id))

    async def RecordReportability(
        self, request: cases_pb2.RecordReportabilityRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.RecordReportabilityResponse:
        v = Violations()
        if not request.reasons.strip():
            v.add("reasons", "required: why the event is or is not reportable")
        if not request.investigation.strip():
            v.add("investigation", "required: the investigation made, or why none is needed")
        if request.reportable and not request.event_kind:
            v.add("event_kind", "required when reportable: one of the regime's event kinds")
        aware_at = None
        if not request.HasField("aware_at"):
            v.add("aware_at", "required: when the manufacturer became aware of the event")
        else:
            aware_at = checked_time(v, "aware_at", request.aware_at)
            if aware_at is not None and aware_at > datetime.now(UTC):
                v.add("aware_at", "cannot be in the future")
        if request.event_date and not _is_date(request.event_date):
            v.add("event_date", "a date as YYYY-MM-DD")
        for name in ("reasons", "investigation", "description"):
            check_plain_text(v, name, getattr(request, name), 4000, multiline=True)
        for name in (
            "event_kind",
            "device_model",
            "lot_or_serial",
            "udi",
            "patient_outcome",
            "idempotency_key",
        ):
            check_plain_text(v, name, getattr(request, name), 200)
        key = request.idempotency_key
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.record_reportability,
            ReportabilityCommand(
                actor=caller().id,
                reportable=request.reportable,
                event_kind=request.event_kind,
                aware_at=aware_at or datetime.now(UTC),
                reasons=request.reasons,
                investigation=request.investigation,
                device_model=request.device_model,
                lot_or_serial=request.lot_or_serial,
                udi=request.udi,
                event_date=request.event_date,
                patient_outcome=request.patient_outcome,
                description=request.description,
                idempotency_key=key,
            ),
            context,
            update_id=f"reportability/{key}" if key else None,
        )
        return cases_pb2.RecordReportabilityResponse(case=await self._case(request.case_id))

    async def RecordRegulatoryReport(
        self, request: cases_pb2.RecordRegulatoryReportRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.RecordRegulatoryReportResponse:
        v = Violations()
        if not request.clock:
            v.add("clock", "required: the report's clock, e.g. fda_mdr_report")
        if not request.reference.strip():
            v.add("reference", "required: the regulator's reference or manufacturer report number")
        submitted_at = None
        if not request.HasField("submitted_at"):
            v.add("submitted_at", "required: when the report was submitted")
        else:
            submitted_at = checked_time(v, "submitted_at", request.submitted_at)
            if submitted_at is not None and submitted_at > datetime.now(UTC):
                v.add("submitted_at", "cannot be in the future")
        check_plain_text(v, "clock", request.clock, 100)
        check_plain_text(v, "reference", request.reference, 200)
        check_plain_text(v, "idempotency_key", request.idempotency_key, 200)
        key = request.idempotency_key
        await self._command(
            request.case_id,
            v,
            ComplaintWorkflow.record_regulatory_report,
            RegulatoryReportCommand(
                actor=caller().id,
                clock=request.clock,
                submitted_at=submitted_at or datetime.now(UTC),
                reference=request.reference,
                idempotency_key=key,
            ),
            context,
            update_id=f"regulatory-report/{key}" if key else None,
        )
        return cases_pb2.RecordRegulatoryReportResponse(
            clock=_named_clock(await self._case(request.case_id), request.clock)
        )

    async def ListRegulatoryReports(
        self, request: cases_pb2.ListRegulatoryReportsRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ListRegulatoryReportsResponse:
        v = Violations()
        known = vigilance.awareness_regimes()
        if request.regime and request.regime not in known:
            v.add("regime", "a device regime: one of " + ", ".join(known))
        if not 0 <= request.limit <= 1000:
            v.add("limit", "1 to 1000 (0 for 500)")
        due_from = (
            checked_time(v, "due_from", request.due_from) if request.HasField("due_from") else None
        )
        due_before = (
            checked_time(v, "due_before", request.due_before)
            if request.HasField("due_before")
            else None
        )
        if due_from and due_before and due_before <= due_from:
            v.add("due_before", "must be after due_from")
        v.raise_if_any()

        def read() -> tuple[list[vigilance.RegulatoryReportRow], bool]:
            with self.store.sessions() as session:
                return vigilance.regulatory_reports(
                    session, request.regime, due_from, due_before, request.limit or 500
                )

        rows, more = await asyncio.to_thread(read)
        return cases_pb2.ListRegulatoryReportsResponse(
            reports=[convert.regulatory_report(row) for row in rows], truncated=more
        )

    async def RecordCaseChange(
        self, request: cases_pb2.RecordCaseChangeRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.RecordCaseChangeResponse:
        v = Violations()
        check_case_id(request.case_id, v)
        if not request.change_id:
            v.add("change_id", "required")
        v.raise_if_any()
        try:
            applied = await asyncio.to_thread(
                self.store.record_change, convert.case_change(request, caller())
            )
        except KeyError:
            raise NotFound(f"no case {request.case_id}") from None
        except ChangeConflict as err:
            # Never expected: said loudly, for the people who run the platform.
            log.error(
                "case change refused as a conflict",
                extra={"fields": {"case_id": request.case_id, "change_id": err.change_id}},
            )
            raise AlreadyExists(str(err)) from None
        return cases_pb2.RecordCaseChangeResponse(applied=applied)

    async def PublishPolicy(
        self, request: cases_pb2.PublishPolicyRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.PublishPolicyResponse:
        policy = checked_policy(request.document)
        await self.check_routing_teams(policy)
        row, published = await asyncio.to_thread(
            self.store.publish_policy, policy.id, policy.version, request.document, caller().id
        )
        if not published and row.document != request.document:
            raise ServiceError(
                grpc.StatusCode.ALREADY_EXISTS,
                f"policy {policy.id} version {policy.version} is already published with other "
                "content; give the new document a new version",
            )
        return cases_pb2.PublishPolicyResponse(policy=_policy_message(row), published=published)

    async def GetPolicy(
        self, request: cases_pb2.GetPolicyRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.GetPolicyResponse:
        policy_id, version = request.policy_id, request.version
        if request.workflow_id:
            # A field of the service role's, refused field by field as
            # RecordSatisfaction's source is: other callers name cases by id.
            v = Violations()
            if "service" not in current_principal.get().roles:
                v.add("workflow_id", "for the service role only; leave it empty")
            elif policy_id or version:
                v.add("workflow_id", "alone: not with policy_id or version")
            v.raise_if_any()
            stored = await asyncio.to_thread(self.store.case_policy, request.workflow_id)
            if stored is not None:
                policy_id, version = stored
        row = await asyncio.to_thread(self.store.get_policy, policy_id, version)
        if row is not None:
            return cases_pb2.GetPolicyResponse(policy=_policy_message(row))
        shipped = Policy.load_default()
        if policy_id in ("", shipped.id) and version in ("", shipped.version):
            return cases_pb2.GetPolicyResponse(
                policy=cases_pb2.Policy(
                    policy_id=shipped.id,
                    version=shipped.version,
                    document=shipped.source,
                    published_by="redress (shipped default)",
                )
            )
        raise NotFound(f"no policy {policy_id or '(any)'} version {version or '(latest)'}")

    async def CreateCase(
        self, request: cases_pb2.CreateCaseRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.CreateCaseResponse:
        violations = Violations()
        await self._check_new_case(request, violations)
        violations.raise_if_any()
        new = convert.new_case(request)
        case, customer, created = await asyncio.to_thread(self.store.create_case, new, caller())
        return cases_pb2.CreateCaseResponse(
            case=convert.case_message(case, customer), created=created
        )

    async def StoreClosedCases(
        self, request: cases_pb2.StoreClosedCasesRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.StoreClosedCasesResponse:
        violations = Violations()
        if not 1 <= len(request.cases) <= MAX_CLOSED_CASES:
            violations.add("cases", f"1 to {MAX_CLOSED_CASES:,} cases")
        for i, item in enumerate(request.cases):
            found = Violations()
            await self._check_new_case(item.case, found)
            if not item.change.change_id:
                found.add("change.change_id", "required")
            for v in found.items:
                violations.add(f"cases[{i}].{v.field}", v.description)
        violations.raise_if_any()
        actor = caller()
        items = [
            (convert.new_case(item.case), convert.case_change(item.change, actor))
            for item in request.cases
        ]
        stored = await asyncio.to_thread(self.store.store_closed_cases, items, actor)
        return cases_pb2.StoreClosedCasesResponse(
            stored=[
                cases_pb2.StoredClosedCase(
                    workflow_id=item.case.workflow_id,
                    case_id=case_id,
                    created=created,
                    reused_key=reused,
                )
                for item, (case_id, created, reused) in zip(request.cases, stored, strict=True)
            ]
        )

    async def _check_new_case(
        self, request: cases_pb2.CreateCaseRequest, violations: Violations
    ) -> None:
        """What a case must have to be stored, each problem on its field."""
        if not request.workflow_id:
            violations.add("workflow_id", "required: the workflow that owns the case")
        if not request.idempotency_key:
            violations.add("idempotency_key", "required")
        if not request.customer.full_name:
            violations.add("customer.full_name", "required")
        if not request.narrative:
            violations.add("narrative", "required")
        if not request.HasField("received_at"):
            violations.add("received_at", "required")
        if not short_name(Channel, request.channel):
            violations.add("channel", "required: a known channel")
        if request.regime_name and request.regime_name not in REGIMES:
            # A regime the case's own policy version defines is as good.
            policy = await asyncio.to_thread(
                self._policy_of, request.policy_id, request.policy_version
            )
            defined = tuple(policy.regimes) if policy else ()
            if request.regime_name not in defined:
                violations.add(
                    "regime_name", "unknown regime; one of " + ", ".join((*REGIMES, *defined))
                )

    async def GetCase(
        self, request: cases_pb2.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.GetCaseResponse:
        violations = Violations()
        if request.workflow_id:
            if request.case_id:
                violations.add("workflow_id", "alone: leave case_id empty, or give only case_id")
            check_workflow_id(request.workflow_id, violations)
        else:
            check_case_id(request.case_id, violations)
        violations.raise_if_any()
        if request.workflow_id:
            case = await self._case_of_workflow(request.workflow_id)
        else:
            case = await self._case(request.case_id, history=True)
        if for_customer_only(current_principal.get()):
            case = customer_view(case)
        return cases_pb2.GetCaseResponse(case=case)

    async def ListNotes(
        self, request: cases_pb2.ListNotesRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ListNotesResponse:
        violations = Violations()
        check_case_id(request.case_id, violations)
        limit = page_size(violations, request.page, DEFAULT_NOTES_PAGE, MAX_NOTES_PAGE)
        violations.raise_if_any()
        if not await asyncio.to_thread(self.store.case_exists, request.case_id):
            raise NotFound(f"no case {request.case_id}")
        await self._visible(request.case_id)
        try:
            notes, token = await asyncio.to_thread(
                self.store.notes_page, request.case_id, limit, request.page.page_token
            )
        except InvalidPageToken as err:
            bad = Violations()
            bad.add("page.page_token", str(err))
            bad.raise_if_any()
            raise
        messages = [convert.note_message(n) for n in notes]
        taken = page_within(messages)
        if taken < len(messages):
            token = note_token(notes[taken - 1])
        return cases_pb2.ListNotesResponse(
            notes=messages[:taken], page=common_pb2.PageInfo(next_page_token=token)
        )

    async def ListCases(
        self, request: cases_pb2.ListCasesRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ListCasesResponse:
        violations = Violations()
        limit = page_size(violations, request.page, DEFAULT_PAGE, MAX_PAGE)
        channels = [short_name(Channel, c) for c in request.channels]
        if "" in channels:
            violations.add("channels", "contains an unspecified or unknown channel")
        regimes = [short_name(Regime, r) for r in request.regimes]
        if "" in regimes:
            violations.add("regimes", "contains an unspecified or unknown regime")
        priorities = [priority_rank(short_name(Priority, p)) for p in request.priorities]
        if 0 in priorities:
            violations.add("priorities", "contains an unspecified or unknown priority")
        if request.sort_by not in SORT_COLUMNS:
            violations.add("sort_by", "unknown sort field")
        if len(request.text) > 200:
            violations.add("text", "at most 200 characters")
        if len(request.contact) > 320:
            violations.add("contact", "at most 320 characters")
        received = _range(violations, "received", request.received)
        closed = _range(violations, "closed", request.closed)
        violations.raise_if_any()
        filters = CaseFilter(
            stages=list(request.stages),
            priorities=priorities,
            assignees=list(request.assignees),
            teams=list(request.teams),
            categories=list(request.categories),
            complaint_types=list(request.complaint_types),
            channels=channels,
            products=list(request.products),
            regimes=regimes,
            breached=request.breached if request.HasField("breached") else None,
            received_from=received[0],
            received_to=received[1],
            closed_from=closed[0],
            closed_to=closed[1],
            text=request.text,
            customer_id=request.customer_id,
            contact=request.contact.strip(),
            visible=self.scope.limits(),
        )
        try:
            rows, token = await asyncio.to_thread(
                self.store.list_cases,
                filters,
                SORT_COLUMNS[request.sort_by],
                request.ascending,
                limit,
                request.page.page_token,
            )
        except InvalidPageToken as err:
            bad = Violations()
            bad.add("page.page_token", str(err))
            bad.raise_if_any()
            raise
        clocks = await asyncio.to_thread(self.store.clocks_of, [c.case_id for c, _ in rows])
        now = datetime.now(UTC)
        policies = {
            key: await asyncio.to_thread(self._policy_of, *key)
            for key in {(c.policy_id, c.policy_version) for c, _ in rows}
        }
        cases = []
        for case, customer in rows:
            message = convert.case_message(case, customer)
            policy = policies[(case.policy_id, case.policy_version)]
            calendars = policy.calendar_named if policy else None
            message.clocks.extend(
                convert.clock_message(c, now, calendars) for c in clocks[case.case_id]
            )
            cases.append(message)
        taken = page_within(cases)
        if taken < len(cases):
            # Long narratives: the page ends early, the next one goes on from here.
            cases = cases[:taken]
            token = case_page_token(rows[taken - 1][0], SORT_COLUMNS[request.sort_by])
        return cases_pb2.ListCasesResponse(
            cases=cases, page=common_pb2.PageInfo(next_page_token=token)
        )

    async def ListAuditEvents(
        self, request: cases_pb2.ListAuditEventsRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ListAuditEventsResponse:
        violations = Violations()
        check_case_id(request.case_id, violations)
        limit = page_size(violations, request.page, DEFAULT_PAGE, MAX_PAGE)
        after = 0
        if request.page.page_token:
            if not request.page.page_token.isdigit():
                violations.add("page.page_token", "not a token this service issued")
            else:
                after = int(request.page.page_token)
        violations.raise_if_any()
        if not await asyncio.to_thread(self.store.case_exists, request.case_id):
            raise NotFound(f"no case {request.case_id}")
        await self._visible(request.case_id)
        events = await asyncio.to_thread(self.store.audit_events, request.case_id, after, limit + 1)
        more = len(events) > limit
        messages = [convert.audit_message(e) for e in events[:limit]]
        taken = page_within(messages)
        more = more or taken < len(messages)
        messages = messages[:taken]
        return cases_pb2.ListAuditEventsResponse(
            events=messages,
            page=common_pb2.PageInfo(next_page_token=str(messages[-1].sequence) if more else ""),
        )

    async def VerifyAuditTrail(
        self, request: cases_pb2.VerifyAuditTrailRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.VerifyAuditTrailResponse:
        violations = Violations()
        check_case_id(request.case_id, violations)
        violations.raise_if_any()
        if not await asyncio.to_thread(self.store.case_exists, request.case_id):
            raise NotFound(f"no case {request.case_id}")
        try:
            verdict = await asyncio.to_thread(self.store.verify_audit_trail, request.case_id)
        except AuditKeyError as err:
            # Without the right key the trail cannot be judged either way.
            raise FailedPrecondition(f"cannot verify the audit trail: {err}") from err
        found = await asyncio.to_thread(self.store.reconcile, request.case_id)
        return cases_pb2.VerifyAuditTrailResponse(
            intact=verdict.intact,
            events_checked=verdict.checked,
            first_broken_sequence=verdict.first_broken_sequence,
            detail=verdict.detail,
            consistent=not found,
            disagreements=found,
        )

    async def EraseCustomer(
        self, request: cases_pb2.EraseCustomerRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.EraseCustomerResponse:
        v = Violations()
        check_customer_id(request.customer_id, v)
        if not request.request_reference.strip():
            v.add("request_reference", "required: the erasure request's reference, e.g. its ticket")
        check_plain_text(v, "request_reference", request.request_reference, 200)
        if request.force and not request.reason.strip():
            v.add("reason", "required with force: why cases still being handled are erased")
        check_plain_text(v, "reason", request.reason, 1000)
        v.raise_if_any()
        try:
            result = await asyncio.to_thread(
                erasure.erase_customer,
                self.store,
                request.customer_id,
                caller(),
                request.request_reference.strip(),
                request.reason.strip(),
                request.force,
                self.held_elsewhere,
            )
        except erasure.CustomerNotFound:
            raise NotFound(f"no customer {request.customer_id}") from None
        except erasure.ErasureRefused as err:
            raise FailedPrecondition(str(err)) from None
        try:
            runs = await histories.forget_customer(
                await self._client(),
                result.workflow_ids,
                PersonalDataErased(request.request_reference.strip(), choices(Channel))
                if result.changed
                else None,
            )
        except Exception as err:
            raise Unavailable(
                "the customer's data is erased from the case database, but their finished "
                f"workflows could not be deleted from the workflow engine ({err}); ask again "
                "to delete them"
            ) from None
        return cases_pb2.EraseCustomerResponse(
            customer_id=result.customer_id,
            erased_at=convert.timestamp(result.erased_at),
            changed=result.changed,
            case_ids=result.case_ids,
            erased=result.erased,
            open_case_ids=result.open_case_ids,
            workflow_runs_deleted=runs,
        )

    async def ExportCustomerData(
        self, request: cases_pb2.ExportCustomerDataRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[cases_pb2.ExportCustomerDataResponse]:
        v = Violations()
        check_customer_id(request.customer_id, v)
        v.raise_if_any()
        # Files are written into the document as it streams, one at a time;
        # until then each stands as this mark, which no stored text can hold.
        placeholder = f"\x00{secrets.token_hex(16)}:"
        try:
            data = await asyncio.to_thread(
                erasure.export_customer,
                self.store,
                request.customer_id,
                self.held_elsewhere,
                placeholder,
            )
        except erasure.CustomerNotFound:
            raise NotFound(f"no customer {request.customer_id}") from None
        document = json.dumps(data, ensure_ascii=False, indent=1).encode()
        parts = attachments.export_stream(
            document,
            placeholder,
            lambda digest: attachments.content_of(self.store, digest),
            EXPORT_CHUNK,
        )
        while True:
            try:
                part = await asyncio.to_thread(next, parts, None)
            except attachments.ContentGone:
                raise ServiceError(
                    grpc.StatusCode.ABORTED,
                    "the customer's files changed while the export was written (an erasure?); "
                    "ask again",
                ) from None
            if part is None:
                return
            yield cases_pb2.ExportCustomerDataResponse(chunk=part)

    async def UploadAttachment(
        self, request: cases_pb2.UploadAttachmentRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.UploadAttachmentResponse:
        principal = current_principal.get()
        # Staff add files to the cases they may see; a channel adds the
        # customer's files, and the file is the customer's.
        from_customer = not principal.has_any(HANDLERS)
        v = Violations()
        check_case_id(request.case_id, v)
        source = request.source or "api"
        if source not in attachments.SOURCES:
            v.add("source", "one of " + ", ".join(attachments.SOURCES) + " (empty means api)")
        elif from_customer and source not in attachments.CUSTOMER_SOURCES:
            v.add(
                "source",
                f"{principal.id} carries files customers send: one of "
                + ", ".join(sorted(attachments.CUSTOMER_SOURCES)),
            )
        check_plain_text(v, "idempotency_key", request.idempotency_key, 200)
        limit = self.attachment_limits.max_bytes
        filename = media_type = ""
        if len(request.content) > limit:
            v.add(
                "content",
                f"the file has {len(request.content):,} bytes; at most {limit:,} "
                f"({limit / 1048576:.1f} MiB) are accepted",
            )
        try:
            filename = file_kinds.safe_filename(request.filename)
        except file_kinds.Refused as refused:
            v.add(refused.field, refused.description)
        if len(request.content) <= limit:
            try:
                # Reading a 5 MiB document's parts takes a while: off the event loop.
                filename, media_type = await asyncio.to_thread(
                    file_kinds.inspect, filename or "file", request.content
                )
            except file_kinds.Refused as refused:
                v.add(refused.field, refused.description)
        if v and from_customer and {f.field for f in v.items} <= {"content", "filename"}:
            await self._record_refusal(request, source, {f.field: f.description for f in v.items})
        v.raise_if_any()
        if not await asyncio.to_thread(self.store.case_exists, request.case_id):
            raise case_not_found(request.case_id)
        await self._visible(request.case_id)
        new = attachments.NewAttachment(
            case_id=request.case_id,
            filename=filename,
            media_type=media_type,
            content=request.content,
            source=source,
            added_by="customer" if from_customer else principal.id,
            idempotency_key=request.idempotency_key,
        )
        try:
            row, created = await asyncio.to_thread(
                attachments.add_attachment,
                self.store,
                new,
                caller(),
                self.attachment_limits.per_case,
            )
        except attachments.CaseMissing:
            raise case_not_found(request.case_id) from None
        except attachments.AttachmentsFull as err:
            if from_customer:
                await self._record_refusal(request, source, {"case_id": str(err)})
            raise FailedPrecondition(str(err)) from None
        except attachments.KeyReused as err:
            raise AlreadyExists(str(err)) from None
        return cases_pb2.UploadAttachmentResponse(
            attachment=convert.attachment_message(row), created=created
        )

    async def _record_refusal(
        self, request: cases_pb2.UploadAttachmentRequest, source: str, reasons: dict[str, str]
    ) -> None:
        """A customer's file that is not kept is named on the case's trail with
        why, so that staff can ask for it again; the caller is refused as usual."""
        new = attachments.NewAttachment(
            case_id=request.case_id,
            filename=file_kinds.shown_filename(request.filename),
            media_type="",
            content=request.content,
            source=source,
            added_by="customer",
            idempotency_key=request.idempotency_key,
        )
        try:
            await asyncio.to_thread(
                attachments.record_refusal,
                self.store,
                new,
                len(request.content),
                reasons,
                caller(),
            )
        except attachments.CaseMissing:
            raise case_not_found(request.case_id) from None

    async def ListAttachments(
        self, request: cases_pb2.ListAttachmentsRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ListAttachmentsResponse:
        v = Violations()
        check_case_id(request.case_id, v)
        v.raise_if_any()
        if not await asyncio.to_thread(self.store.case_exists, request.case_id):
            raise case_not_found(request.case_id)
        await self._visible(request.case_id)
        rows = await asyncio.to_thread(attachments.list_attachments, self.store, request.case_id)
        return cases_pb2.ListAttachmentsResponse(
            attachments=[convert.attachment_message(r) for r in rows]
        )

    async def DownloadAttachment(
        self, request: cases_pb2.DownloadAttachmentRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.DownloadAttachmentResponse:
        v = Violations()
        check_case_id(request.case_id, v)
        if not request.attachment_id:
            v.add("attachment_id", "required, e.g. ATT-0000012 (ListAttachments names them)")
        elif len(request.attachment_id) > 20:
            v.add("attachment_id", "not an attachment id; expected ATT- and 7+ digits")
        v.raise_if_any()
        if not await asyncio.to_thread(self.store.case_exists, request.case_id):
            raise case_not_found(request.case_id)
        await self._visible(request.case_id)
        found = await asyncio.to_thread(
            attachments.attachment_with_content,
            self.store,
            request.case_id,
            request.attachment_id,
        )
        if found is None:
            raise NotFound(f"no attachment {request.attachment_id} on case {request.case_id}")
        row, content = found
        return cases_pb2.DownloadAttachmentResponse(
            attachment=convert.attachment_message(row), content=content
        )


def check_customer_id(customer_id: str, violations: Violations) -> None:
    if not customer_id:
        violations.add("customer_id", "required, e.g. CU-0123456789abcdef0123 (a case's customer)")
    elif not CUSTOMER_ID.match(customer_id):
        violations.add(
            "customer_id",
            f"{customer_id[:40]!r} is not a customer id; expected CU- and 20 hex digits",
        )


CURRENCY = re.compile(r"^[A-Z]{3}$")
# Ten billion in major units: beyond any one complaint's redress, and small
# enough that reports can add up millions of cases' amounts in 64 bits.
MAX_MINOR_UNITS = 10**12


def _named_clock(case: cases_pb2.Case, name: str) -> cases_pb2.Clock:
    return next(c for c in case.clocks if c.name == name)


def _policy_message(row: PolicyVersion) -> cases_pb2.Policy:
    return cases_pb2.Policy(
        policy_id=row.policy_id,
        version=row.version,
        document=row.document,
        published_at=convert.timestamp(row.published_at),
        published_by=row.published_by,
    )


def _range(
    v: Violations, name: str, rng: common_pb2.TimeRange
) -> tuple[datetime | None, datetime | None]:
    start = checked_time(v, f"{name}.start", rng.start) if rng.HasField("start") else None
    end = checked_time(v, f"{name}.end", rng.end) if rng.HasField("end") else None
    if start is not None and end is not None and start >= end:
        v.add(f"{name}.end", "must be after start")
    return start, end


__all__ = ["ACCESS", "CasesServicer", "ServiceError"]


def _is_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return False
    return True
