"""Activities: how workflows reach the services, over gRPC."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from temporalio import activity
from temporalio.exceptions import ApplicationError

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.domain.policy import Policy
from redress.platform.enums import Channel, Priority, Regime, from_short_name
from redress.platform.wire import duration, from_timestamp, optional_timestamp, timestamp
from workflows.complaint_types import (
    AbsentAssignment,
    ComplaintState,
    PolicyDocument,
    RecordChangeInput,
    RouteCaseInput,
    RoutedCase,
    StoreCaseInput,
    StoredCase,
)
from workflows.refusals import CHANGE_CONFLICT

# Codes that mean the request itself is wrong: retrying cannot help.
PERMANENT = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.UNIMPLEMENTED,
}


def _timeout() -> float:
    """What is left of this attempt's start-to-close time, passed on as the RPC deadline."""
    info = activity.info()
    if info.start_to_close_timeout is None:
        return 30.0
    started = info.current_attempt_scheduled_time
    elapsed = (datetime.now(UTC) - started).total_seconds()
    return max(1.0, info.start_to_close_timeout.total_seconds() - elapsed - 0.5)


class CaseActivities:
    """Holds the channel to services/cases; one instance per worker."""

    def __init__(self, channel: grpc.aio.Channel, api_key: str) -> None:
        self.cases = cases_pb2_grpc.CasesServiceStub(channel)
        self.metadata = (("authorization", f"Bearer {api_key}"),)

    def _call_metadata(self) -> tuple[tuple[str, str], ...]:
        info = activity.info()
        return (*self.metadata, ("x-request-id", f"{info.workflow_id}/{info.activity_id}"))

    @activity.defn
    async def store_case(self, input: StoreCaseInput) -> StoredCase:
        request = case_request(input)
        response = await self._call(self.cases.CreateCase, request)
        return StoredCase(
            case_id=response.case.case_id,
            created=response.created,
            created_at=from_timestamp(response.case.created_at),
        )

    async def _call(self, method, request):  # type: ignore[no-untyped-def]
        try:
            return await method(request, timeout=_timeout(), metadata=self._call_metadata())
        except grpc.aio.AioRpcError as err:
            if err.code() == grpc.StatusCode.ALREADY_EXISTS:
                # A change id recorded with other content: retrying cannot help.
                raise ApplicationError(
                    f"the case store refused a conflicting change: {err.details()}",
                    type=CHANGE_CONFLICT,
                    non_retryable=True,
                ) from None
            if err.code() in PERMANENT:
                raise ApplicationError(
                    f"the case store refused: {err.code().name}: {err.details()}",
                    type="InvalidCase",
                    non_retryable=True,
                ) from None
            raise ApplicationError(
                f"the case store did not answer: {err.code().name}: {err.details()}",
                type="CasesUnavailable",
            ) from None

    @activity.defn
    async def current_policy(self) -> PolicyDocument:
        """The policy in force now; the complaint keeps it for its whole life.

        Its case stored already (a first workflow task that stored it and then
        stopped, done again): the policy the case was stored under, so that
        the task, done again, decides and records what it did before."""
        response = await self._call(
            self.cases.GetPolicy,
            cases_pb2.GetPolicyRequest(workflow_id=activity.info().workflow_id),
        )
        p = response.policy
        return PolicyDocument(policy_id=p.policy_id, version=p.version, document=p.document)

    @activity.defn
    async def route_case(self, input: RouteCaseInput) -> RoutedCase:
        """Asks services/cases who should hold the case (docs/staff.md, "Routing")."""
        response = await self._call(
            self.cases.RouteCase,
            cases_pb2.RouteCaseRequest(case_id=input.case_id, occasion=input.occasion),
        )
        return RoutedCase(
            matched=response.matched,
            team=response.team,
            assignee=response.assignee,
            rule_index=response.rule_index,
            rule_name=response.rule_name,
            strategy=response.strategy,
            policy_version=response.policy_version,
            skipped=list(response.skipped),
        )

    @activity.defn
    async def absent_assignments(self) -> list[AbsentAssignment]:
        """Open cases whose person has been absent too long (the absence sweep)."""
        response = await self._call(
            self.cases.ListAbsentAssignments, cases_pb2.ListAbsentAssignmentsRequest()
        )
        return [
            AbsentAssignment(
                case_id=a.case_id,
                workflow_id=a.workflow_id,
                assignee=a.assignee,
                absent_since=a.absent_since.ToDatetime(tzinfo=UTC).isoformat(),
            )
            for a in response.assignments
        ]

    @activity.defn
    async def record_change(self, input: RecordChangeInput) -> bool:
        request = change_request(input)
        response = await self._call(self.cases.RecordCaseChange, request)
        return bool(response.applied)


def case_request(input: StoreCaseInput) -> cases_pb2.CreateCaseRequest:
    """The case as the case store keeps it, from the complaint as received."""
    s = input.submission
    c = s.customer
    customer = common_pb2.Customer(
        full_name=c.full_name,
        email=c.email,
        phone=c.phone,
        preferred_channel=from_short_name(Channel, c.preferred_channel),  # type: ignore[arg-type]
        do_not_contact=[from_short_name(Channel, x) for x in c.do_not_contact],  # type: ignore[misc]
        no_surveys=c.no_surveys,
        social_handle=c.social_handle,
        preferred_language=c.preferred_language,
        external_ref=c.external_ref,
        tags=c.tags,
    )
    if c.address_lines or c.locality or c.postal_code or c.country:
        customer.postal_address.CopyFrom(
            common_pb2.PostalAddress(
                lines=c.address_lines,
                locality=c.locality,
                region=c.region,
                postal_code=c.postal_code,
                country=c.country,
            )
        )
    request = cases_pb2.CreateCaseRequest(
        workflow_id=input.workflow_id,
        idempotency_key=s.idempotency_key,
        channel=from_short_name(Channel, s.channel),  # type: ignore[arg-type]
        customer=customer,
        product=s.product,
        sub_product=s.sub_product,
        issue=s.issue,
        sub_issue=s.sub_issue,
        narrative=s.narrative,
        desired_outcome=s.desired_outcome,
        regime=from_short_name(Regime, s.regime),  # type: ignore[arg-type]
        regime_name="" if from_short_name(Regime, s.regime) else s.regime,
        received_at=timestamp(s.received_at),
        attachment_ids=s.attachment_ids,
        company=s.company,
        external_ref=s.external_ref,
        priority=from_short_name(Priority, s.priority),  # type: ignore[arg-type]
        category=s.category,
        stage=input.stage,
        submitted_by=s.submitted_by,
        policy_id=input.policy_id,
        policy_version=input.policy_version,
        complaint_type=input.complaint_type,
    )
    return request


def change_request(input: RecordChangeInput) -> cases_pb2.RecordCaseChangeRequest:
    """The workflow's state as the case store records it."""
    state: ComplaintState = input.state
    running = [c.due_at for c in state.clocks if c.state == "running" and c.due_at]
    request = cases_pb2.RecordCaseChangeRequest(
        case_id=input.case_id,
        change_id=input.change_id,
        stage=state.stage,
        priority=from_short_name(Priority, state.priority),  # type: ignore[arg-type]
        assignee=state.assignee,
        team=state.team,
        category=state.category,
        complaint_type=state.complaint_type,
        escalation_level=state.escalation_level,
        next_deadline=optional_timestamp(min(running) if running else None),
        breached=any(c.breached_at is not None for c in state.clocks),
        resolved_at=optional_timestamp(state.resolved_at),
        closed_at=optional_timestamp(state.closed_at),
        clocks=[
            cases_pb2.Clock(
                name=c.name,
                state=from_short_name(common_pb2.ClockState, c.state),  # type: ignore[arg-type]
                regulatory=c.regulatory,
                started_at=optional_timestamp(c.started_at),
                due_at=optional_timestamp(c.due_at),
                paused_for=duration(c.paused_seconds),
                pause_reason=c.pause_reason,
                stopped_at=optional_timestamp(c.stopped_at),
                calendar=c.calendar,
                basis=c.basis,
                breached_at=optional_timestamp(c.breached_at),
                regulation=c.regulation,
                description=c.description,
                remaining=duration(c.remaining_seconds),
            )
            for c in state.clocks
            if c.state != "pending"
        ],
        subtasks=[
            cases_pb2.Subtask(
                subtask_id=t.subtask_id,
                title=t.title,
                description=t.description,
                assignee=t.assignee,
                team=t.team,
                due_at=optional_timestamp(t.due_at),
                state=from_short_name(cases_pb2.SubtaskState, t.state),  # type: ignore[arg-type]
                created_at=optional_timestamp(t.created_at),
                completed_at=optional_timestamp(t.completed_at),
            )
            for t in state.subtasks
        ],
        audit=[
            cases_pb2.AuditRecord(
                action=a.action,
                field=a.field,
                old_value=a.old_value,
                new_value=a.new_value,
                cause=a.cause,
                actor=common_pb2.Actor(
                    kind=from_short_name(common_pb2.ActorKind, a.actor_kind),  # type: ignore[arg-type]
                    id=a.actor_id,  # type: ignore[arg-type]
                    rule_version=a.rule_version,
                ),
            )
            for a in input.audit
        ],
        notes=[
            cases_pb2.Note(
                note_id=n.note_id,
                author=n.author,
                body=n.body,
                customer_visible=n.customer_visible,
                created_at=optional_timestamp(n.created_at),
            )
            for n in input.notes
        ],
    )
    if state.outcome is not None:
        o = state.outcome
        request.outcome.CopyFrom(
            cases_pb2.Outcome(
                decision=from_short_name(cases_pb2.Decision, o.decision),  # type: ignore[arg-type]
                redress=common_pb2.Money(currency=o.redress_currency, minor_units=o.redress_minor),
                goodwill=common_pb2.Money(
                    currency=o.goodwill_currency, minor_units=o.goodwill_minor
                ),
                root_cause=o.root_cause,
                summary=o.summary,
                recorded_at=optional_timestamp(o.recorded_at),
                recorded_by=o.recorded_by,
                outcome=o.outcome,
            )
        )
    return request


def default_policy_document() -> PolicyDocument:
    policy = Policy.load_default()
    return PolicyDocument(policy.id, policy.version, policy.source)
