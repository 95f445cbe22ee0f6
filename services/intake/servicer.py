"""The IntakeService gRPC servicer.

A submission becomes a ComplaintWorkflow through update-with-start: one call
starts the workflow (or finds the one already running for the same key) and
waits, through an Update, until the workflow has stored the case.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
from temporalio.client import (
    Client,
    RPCError,
    RPCStatusCode,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from redress.domain.complaint_state import PolicyDocument
from redress.domain.regulatory import REGIMES
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import search_attributes as sa
from redress.platform.auth import current_principal
from redress.platform.errors import (
    InvalidArgument,
    NotFound,
    ServiceError,
    Unavailable,
    Violations,
)
from redress.platform.serving import remaining, roles
from services.intake.cases_link import CasesLink
from services.intake.closed_history import closed_case, is_closed_history
from services.intake.language import NarrativeLanguage
from services.intake.validation import IDEMPOTENCY_KEY, validate_submission
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import ComplaintInput, ComplaintSubmission, RegisterSubmissionInput
from workflows.refusals import KEY_REUSED

INTAKE_CALLERS = roles(
    "intake_client",
    "channel_adapter",
    "web_form",
    "agent",
    "team_lead",
    "manager",
    "administrator",
    "service",
)
# Closed historic complaints filed in one ImportClosedComplaints call.
MAX_IMPORTED = 1_000
ACCESS = {
    "redress.intake.v1.IntakeService": {
        "SubmitComplaint": INTAKE_CALLERS,
        "FindComplaint": INTAKE_CALLERS,
        "ImportClosedComplaints": roles("intake_client", "administrator", "service"),
    }
}


def complaint_workflow_id(principal: str, idempotency_key: str) -> str:
    """Keys are scoped to the caller: two channel adapters cannot collide."""
    return f"complaint:{principal}:{idempotency_key}"


class IntakeServicer(intake_pb2_grpc.IntakeServiceServicer):
    def __init__(
        self,
        client: Client,
        task_queue: str,
        default_regime: str,
        languages: NarrativeLanguage | None = None,
        cases: CasesLink | None = None,
        history_limit: int = 0,
        fresh_run_after_receipt: bool = False,
    ) -> None:
        self.client = client
        # Events after which each complaint's workflow continues as new
        # (ComplaintInput.history_limit; 0: when Temporal suggests it).
        self.history_limit = history_limit
        self.fresh_run_after_receipt = fresh_run_after_receipt
        self.task_queue = task_queue
        self.default_regime = default_regime
        self.languages = languages or NarrativeLanguage()
        self.cases = cases

    async def SubmitComplaint(
        self, request: intake_pb2.SubmitComplaintRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.SubmitComplaintResponse:
        principal = current_principal.get()
        defined: tuple[str, ...] = ()
        if request.regime_name and request.regime_name not in REGIMES:
            # Perhaps a regime the policy in force defines itself.
            found = await self.cases.regimes() if self.cases else ()
            if found is None:
                raise Unavailable(
                    f"regime_name {request.regime_name!r} is not a shipped regime and the "
                    "policy in force cannot be read now to check it; call again"
                )
            defined = found
        submission = validate_submission(
            request, principal.id, self.default_regime, datetime.now(UTC), defined
        )
        # Here, not in the workflow: detection is not deterministic code to
        # replay, and the workflow records what was found.
        submission = await asyncio.to_thread(self.languages.applied, submission)
        workflow_id = complaint_workflow_id(principal.id, submission.idempotency_key)
        if is_closed_history(submission):
            # Nothing left to run: filed closed without a workflow, as
            # ImportClosedComplaints files it, whichever way it comes.
            policy = await self._policy_in_force()
            [answer] = await self._file_closed(principal.id, [submission], policy)
            if answer.problems:
                raise ServiceError(grpc.StatusCode.ALREADY_EXISTS, answer.problems[0])
            return intake_pb2.SubmitComplaintResponse(
                case_id=answer.case_id, workflow_id=workflow_id, created=answer.created
            )
        try:
            # Give up a little before the caller does, so that the caller hears
            # "call again with the same key" rather than its own timeout.
            left = remaining(context)
            result = await self._start_and_wait(workflow_id, submission, left - min(2.0, left / 4))
        except WorkflowAlreadyStartedError:
            # The complaint's workflow ran and finished already: answer with its case.
            return await self._finished_case(workflow_id, submission)
        return intake_pb2.SubmitComplaintResponse(
            case_id=result.case_id, workflow_id=workflow_id, created=result.created
        )

    async def ImportClosedComplaints(
        self,
        request: intake_pb2.ImportClosedComplaintsRequest,
        context: grpc.aio.ServicerContext,
    ) -> intake_pb2.ImportClosedComplaintsResponse:
        v = Violations()
        if not 1 <= len(request.complaints) <= MAX_IMPORTED:
            v.add("complaints", f"1 to {MAX_IMPORTED:,} complaints")
        v.raise_if_any()
        principal = current_principal.get()
        policy = await self._policy_in_force()
        regimes = (await self.cases.regimes() if self.cases else None) or ()
        now = datetime.now(UTC)
        answers = [
            intake_pb2.ImportedComplaint(idempotency_key=c.idempotency_key)
            for c in request.complaints
        ]
        ready: list[tuple[int, ComplaintSubmission]] = []
        for i, complaint in enumerate(request.complaints):
            try:
                submission = validate_submission(
                    complaint, principal.id, self.default_regime, now, regimes
                )
            except InvalidArgument as err:
                answers[i].problems.extend(f"{f.field}: {f.description}" for f in err.violations)
                continue
            if not is_closed_history(submission):
                answers[i].problems.append(
                    "not a closed historic complaint (`historic` with `historic_closure`): "
                    "submit it with SubmitComplaint, so that its workflow runs its clocks"
                )
                continue
            ready.append((i, submission))
        if ready:
            submissions = await asyncio.to_thread(
                lambda: [self.languages.applied(s) for _, s in ready]
            )
            filed = await self._file_closed(principal.id, submissions, policy)
            for (i, _), answer in zip(ready, filed, strict=True):
                answers[i].MergeFrom(answer)
        return intake_pb2.ImportClosedComplaintsResponse(results=answers)

    async def _policy_in_force(self) -> PolicyDocument:
        policy = await self.cases.policy() if self.cases else None
        if policy is None:
            raise Unavailable(
                "the policy in force cannot be read from the case service now; call again "
                "(nothing was filed)"
            )
        return policy

    async def _file_closed(
        self, principal: str, submissions: list[ComplaintSubmission], policy: PolicyDocument
    ) -> list[intake_pb2.ImportedComplaint]:
        """Closed historic complaints filed as their workflows would file them,
        through the case store in one call (services/intake/closed_history.py)."""
        assert self.cases is not None  # a policy was read through it
        now = datetime.now(UTC)
        cases = [
            closed_case(complaint_workflow_id(principal, s.idempotency_key), s, policy, now)
            for s in submissions
        ]
        stored = await self.cases.store_closed(cases)
        answers = []
        for s, found in zip(submissions, stored, strict=True):
            answer = intake_pb2.ImportedComplaint(
                idempotency_key=s.idempotency_key, case_id=found.case_id, created=found.created
            )
            if found.reused_key:
                answer.case_id = ""
                answer.problems.append(
                    f"this idempotency key was already used for a different complaint "
                    f"({found.case_id}); use a new key for a new complaint"
                )
            answers.append(answer)
        return answers

    async def FindComplaint(
        self, request: intake_pb2.FindComplaintRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.FindComplaintResponse:
        v = Violations()
        if not IDEMPOTENCY_KEY.match(request.idempotency_key):
            v.add("idempotency_key", "required: 8 to 128 printable ASCII characters")
        v.raise_if_any()
        workflow_id = complaint_workflow_id(current_principal.get().id, request.idempotency_key)
        not_found = NotFound(
            "you filed no complaint with this idempotency key, or its case is not stored yet"
        )
        seconds = max(remaining(context), 1)
        if self.cases is not None:
            # The case store holds every case: also those imported closed,
            # which have no workflow, and those whose workflow Temporal no
            # longer keeps.
            try:
                case_id = await self.cases.case_of_workflow(workflow_id, seconds)
            except Unavailable:
                pass  # the workflow can still say, while it runs
            else:
                if case_id is None:
                    raise not_found
                return intake_pb2.FindComplaintResponse(case_id=case_id, workflow_id=workflow_id)
        try:
            status = await self.client.get_workflow_handle(workflow_id).query(
                ComplaintWorkflow.status, rpc_timeout=timedelta(seconds=seconds)
            )
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise not_found from None
            raise _temporal_error(err) from None
        if not status.case_id:
            raise not_found
        return intake_pb2.FindComplaintResponse(case_id=status.case_id, workflow_id=workflow_id)

    async def _start_and_wait(
        self, workflow_id: str, submission: ComplaintSubmission, seconds: float
    ):  # type: ignore[no-untyped-def]
        start = WithStartWorkflowOperation(
            ComplaintWorkflow.run,
            ComplaintInput(
                submission=submission,
                history_limit=self.history_limit,
                fresh_run_after_receipt=self.fresh_run_after_receipt,
            ),
            id=workflow_id,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.CHANNEL, submission.channel),
                    SearchAttributePair(sa.REGIME, submission.regime),
                    SearchAttributePair(sa.PRIORITY, submission.priority),
                    SearchAttributePair(sa.STAGE, "received"),
                    SearchAttributePair(sa.ESCALATION_LEVEL, 0),
                    SearchAttributePair(sa.BREACHED, False),
                ]
            ),
        )
        # One budget for the whole call: the client polls for the update's
        # outcome with a fresh per-call timeout each time, so the per-call
        # timeout alone could outlast the caller's deadline.
        budget = max(seconds, 1.0)
        accepted = False
        try:
            async with asyncio.timeout(budget):
                update = await self.client.start_update_with_start_workflow(
                    ComplaintWorkflow.register_submission,
                    RegisterSubmissionInput(fingerprint=submission.fingerprint),
                    start_workflow_operation=start,
                    wait_for_stage=WorkflowUpdateStage.ACCEPTED,
                    rpc_timeout=timedelta(seconds=budget),
                )
                accepted = True
                return await update.result(rpc_timeout=timedelta(seconds=budget))
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == KEY_REUSED:
                raise ServiceError(grpc.StatusCode.ALREADY_EXISTS, cause.message) from None
            raise
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            if accepted or await self._workflow_exists(workflow_id):
                message = (
                    "the complaint is accepted but its case was not stored within the deadline; "
                    "call again with the same idempotency key to get the case"
                )
            else:
                message = (
                    "the workflow engine did not confirm the complaint within the deadline; "
                    "call again with the same idempotency key (it is never filed twice)"
                )
            raise ServiceError(grpc.StatusCode.DEADLINE_EXCEEDED, message) from None
        except RPCError as err:
            raise _temporal_error(err) from None

    async def _workflow_exists(self, workflow_id: str) -> bool:
        """Whether the complaint's workflow was started: the complaint is then
        durable even when its case could not be stored yet (the first steps
        wait for services/cases)."""
        try:
            await self.client.get_workflow_handle(workflow_id).describe(
                rpc_timeout=timedelta(seconds=1)
            )
        except RPCError:
            return False
        return True

    async def _finished_case(
        self, workflow_id: str, submission: ComplaintSubmission
    ) -> intake_pb2.SubmitComplaintResponse:
        handle = self.client.get_workflow_handle(workflow_id)
        try:
            status = await handle.query(ComplaintWorkflow.status)
        except RPCError as err:
            raise _temporal_error(err) from None
        if status.fingerprint and status.fingerprint != submission.fingerprint:
            raise ServiceError(
                grpc.StatusCode.ALREADY_EXISTS,
                f"this idempotency key was already used for a different complaint "
                f"({status.case_id}); use a new key for a new complaint",
            )
        return intake_pb2.SubmitComplaintResponse(
            case_id=status.case_id, workflow_id=workflow_id, created=False
        )


def _temporal_error(err: RPCError) -> ServiceError:
    if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return Unavailable(
            f"the workflow engine did not answer ({err.status.name}); nothing was lost: "
            "retry with the same idempotency key"
        )
    return ServiceError(grpc.StatusCode.INTERNAL, f"the workflow engine refused: {err.message}")
