"""The complaint lifecycle on Temporal's time-skipping server, with real calendars.

Time is skipped to real dates so that business days, bank holidays and
regulatory deadlines are those a complaint handler in London would see.
The case store is a real services/cases process; what the tests check is
what a user sees: the workflow's live state, the case and its audit trail.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from sqlalchemy import select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.db.tables.cases import CaseClock
from redress.devstack.platform import LocalPlatform, Ports
from redress.domain.calendars import preset
from redress.domain.policy import Policy
from redress.platform.errors import field_violations
from services.followup.store import FollowupStore
from services.reporting.definitions import RETURN_CLOCKS, WorkingTime
from services.reporting.definitions import Filter as ReportingFilter
from services.reporting.python_figures import business_time_taken, fca_return
from services.reporting.store import ReportingStore
from tests.followup_support import Inbox, followup_worker, knowledge_worker
from tests.temporal_support import time_skipping
from workflows.activities import CaseActivities
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import (
    AddSubtaskCommand,
    AssignCommand,
    CategoryCommand,
    ComplaintInput,
    ComplaintSubmission,
    CustomerInfo,
    OutcomeCommand,
    PriorityCommand,
    ReasonCommand,
    RegisterSubmissionInput,
    ReplyCommand,
    ScheduleFollowupCommand,
    SubtaskCommand,
    TransitionCommand,
)
from workflows.refusals import FAILED_PRECONDITION
from workflows.sandbox import workflow_runner
from workflows.subtask import SubtaskWorkflow

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def cases_service(tmp_path_factory: pytest.TempPathFactory):
    local = LocalPlatform(tmp_path_factory.mktemp("lifecycle"), Ports.free())
    try:
        local.start_meilisearch()
        local.start_service("cases")
        yield local
    finally:
        local.stop()


@pytest.fixture
async def env():
    environment = await time_skipping()
    try:
        yield environment
    finally:
        await environment.shutdown()


class Harness:
    inbox: Inbox
    followups: FollowupStore

    def __init__(self, env: WorkflowEnvironment, cases: LocalPlatform) -> None:
        self.env = env
        self.cases = cases
        self.channel = grpc.aio.insecure_channel(cases.address("cases"))
        self.stub = cases_pb2_grpc.CasesServiceStub(self.channel)
        self.metadata = (("authorization", f"Bearer {cases.credentials.admin_key}"),)
        self.task_queue = f"lifecycle-{uuid.uuid4()}"
        activities = CaseActivities(self.channel, cases.credentials.service_key)
        self.filed: list[str] = []
        self.worker = Worker(
            env.client,
            task_queue=self.task_queue,
            workflows=[ComplaintWorkflow, SubtaskWorkflow],
            activities=[activities.store_case, activities.current_policy, activities.record_change],
            workflow_runner=workflow_runner(),
        )

    async def skip_to(self, when: datetime) -> None:
        now = await self.env.get_current_time()
        assert when > now, f"cannot go back in time to {when} from {now}"
        await self.env.sleep(when - now)

    async def skip_to_act(self, handle, when: datetime) -> None:  # type: ignore[no-untyped-def]
        """Skip to `when`, then past any timer of `handle`'s workflow due in
        the next few seconds, so that an update sent next does not meet a
        timer firing while its workflow task runs.

        The time-skipping server lets time run in real time during an update;
        a timer that fires while the task is in progress is buffered, and
        when that task cancels the same timer (as a command that stops a
        clock does) the server refuses the completion with "invalid history
        builder state for action" and never gives the workflow another task
        (temporalio/sdk-java#2606, #3088; the real server drops the buffered
        fire). Clocks are worked out from whole hours of receipt, so a step
        planned on the hour meets one: the first-response clock of a
        complaint received at 11:00 on a Wednesday breaches at 11:00 on the
        Monday after."""
        if when > await self.env.get_current_time():
            await self.skip_to(when)
        margin = timedelta(seconds=5)
        while True:
            now = await self.env.get_current_time()
            # The latest run's history: a long life continues as new.
            latest = self.env.client.get_workflow_handle(handle.id)
            due = [t for t in await pending_timers(latest) if t <= now + margin]
            if not due:
                return
            await self.env.sleep(max(due) - now + timedelta(seconds=1))

    async def file(  # type: ignore[no-untyped-def]
        self,
        received: datetime,
        regime: str = "uk_fca",
        narrative: str = "I was charged an arrangement fee I was never told about.",
        tags: tuple[str, ...] = (),
        product: str = "",
        history_limit: int = 0,
        fresh_run_after_receipt: bool = False,
    ):
        submission = ComplaintSubmission(
            idempotency_key=f"life-{uuid.uuid4()}",
            submitted_by="test",
            channel="phone",
            customer=CustomerInfo(
                full_name="Morgan Caller", phone="+44 20 7946 0000", tags=list(tags)
            ),
            narrative=narrative,
            product=product,
            regime=regime,
            received_at=received.astimezone(UTC),
            fingerprint="a" * 64,
        )
        handle = await self.env.client.start_workflow(
            ComplaintWorkflow.run,
            ComplaintInput(
                submission,
                history_limit=history_limit,
                fresh_run_after_receipt=fresh_run_after_receipt,
            ),
            id=f"complaint:test:{submission.idempotency_key}",
            task_queue=self.task_queue,
        )
        result = await handle.execute_update(
            ComplaintWorkflow.register_submission, RegisterSubmissionInput("a" * 64)
        )
        self.filed.append(result.case_id)
        return handle, result.case_id

    async def assert_trails_explain_their_cases(self) -> None:
        """Every case a test filed: its trail is intact and explains its stage,
        clocks and outcome, whatever the test did to it."""
        for case_id in self.filed:
            verdict = await self.stub.VerifyAuditTrail(
                cases_pb2.VerifyAuditTrailRequest(case_id=case_id), metadata=self.metadata
            )
            assert verdict.intact, (case_id, verdict.detail)
            assert list(verdict.disagreements) == [], case_id
            assert verdict.consistent, case_id

    async def case(self, case_id: str) -> cases_pb2.Case:
        response = await self.stub.GetCase(
            cases_pb2.GetCaseRequest(case_id=case_id), metadata=self.metadata
        )
        return response.case

    async def close(self) -> None:
        await self.channel.close()


@pytest.fixture
async def harness(env, cases_service):
    h = Harness(env, cases_service)
    inbox = Inbox()
    inbox.start()
    h.inbox = inbox
    try:
        async with (
            h.worker,
            followup_worker(env.client, h.task_queue, cases_service, inbox.port) as followups,
            knowledge_worker(env.client, h.task_queue, cases_service),
        ):
            h.followups = followups
            yield h
            await h.assert_trails_explain_their_cases()
    finally:
        inbox.stop()
        await h.close()


def clock(status, name):  # type: ignore[no-untyped-def]
    return next(c for c in status.clocks if c.name == name)


def regulatory(status):  # type: ignore[no-untyped-def]
    return sorted((c for c in status.clocks if c.regulatory), key=lambda c: c.due_at)


async def test_fca_summary_deadline_skips_the_bank_holiday(harness: Harness):
    # Friday 30 April 2027, 16:30 in London; Monday 3 May 2027 is the Early May
    # bank holiday. Receipt day is day 0, so business days 1, 2, 3 are Tue 4,
    # Wed 5 and Thu 6 May: the summary resolution deadline is close of business
    # on Thursday 6 May, 17:00 BST = 16:00 UTC. The 8-week final response is
    # due at the end of 25 June 2027.
    received = datetime(2027, 4, 30, 16, 30, tzinfo=LONDON)
    await harness.skip_to(received)
    handle, case_id = await harness.file(received)
    status = await handle.query(ComplaintWorkflow.status)
    summary, final = regulatory(status)
    assert summary.due_at == datetime(2027, 5, 6, 16, 0, tzinfo=UTC)
    assert "DISP 1.5" in summary.regulation
    assert final.due_at.astimezone(LONDON).date() in (
        datetime(2027, 6, 25).date(),
        datetime(2027, 6, 26).date(),
    )
    # The acknowledgement clock (8 business hours) starts at receipt: 30 minutes
    # on Friday, then 7.5 hours of Tuesday (Monday is a holiday): 16:30 Tuesday.
    ack = clock(status, "acknowledgement")
    assert ack.due_at == datetime(2027, 5, 4, 16, 30, tzinfo=LONDON).astimezone(UTC)

    case = await harness.case(case_id)
    stored = {c.name: c for c in case.clocks}
    assert stored[summary.name].due_at.ToDatetime(tzinfo=UTC) == summary.due_at
    assert stored[summary.name].regulatory
    assert case.policy_id == "standard" and case.policy_version


async def test_waiting_on_the_customer_moves_the_internal_sla_not_the_regulatory_clock(
    harness: Harness,
):
    received = datetime(2027, 5, 10, 10, 0, tzinfo=LONDON)  # a Monday
    await harness.skip_to(received)
    handle, case_id = await harness.file(received)
    for stage in ("acknowledged", "assigned", "investigating"):
        await handle.execute_update(
            ComplaintWorkflow.transition, TransitionCommand("ana.agent", stage, "working on it")
        )
    before = await handle.query(ComplaintWorkflow.status)
    resolution_due = clock(before, "resolution").due_at
    regulatory_due = [c.due_at for c in regulatory(before)]

    await handle.execute_update(
        ComplaintWorkflow.transition,
        TransitionCommand("ana.agent", "awaiting_customer", "asked for statements"),
    )
    paused = await handle.query(ComplaintWorkflow.status)
    assert clock(paused, "resolution").state == "paused"
    # Wait exactly one working week (Mon 10:00 → next Mon 10:00) for the reply.
    await harness.skip_to(datetime(2027, 5, 17, 10, 0, tzinfo=LONDON))
    await handle.execute_update(
        ComplaintWorkflow.record_customer_reply,
        ReplyCommand("mail-gateway", "statements attached", "email"),
    )
    after = await handle.query(ComplaintWorkflow.status)
    assert after.stage == "investigating"
    resumed = clock(after, "resolution")
    assert resumed.state == "running"
    # Paused for one working week: the deadline moves by a week, and by one
    # business day more because the Spring bank holiday (Monday 31 May 2027)
    # now falls before it. (The server's clock runs on between the test's
    # steps, so the instants are exact to within a second.)
    assert resolution_due == datetime(2027, 5, 24, 10, 0, tzinfo=LONDON)
    assert abs(resumed.due_at - datetime(2027, 6, 1, 10, 0, tzinfo=LONDON)) < timedelta(seconds=1)
    assert resumed.paused_seconds == pytest.approx(7 * 86400, abs=1)
    assert [c.due_at for c in regulatory(after)] == regulatory_due

    case = await harness.case(case_id)
    actions = [e.action for e in case.audit_events]
    assert actions.count("clock.paused") == 1 and "clock.resumed" in actions
    assert "customer.replied" in actions


async def test_a_warning_then_an_escalation_fire_at_their_deadlines(harness: Harness):
    received = datetime(2027, 5, 11, 9, 0, tzinfo=LONDON)  # Tuesday 09:00
    await harness.skip_to(received)
    handle, case_id = await harness.file(received)
    # Acknowledgement: 8 business hours, warned at 75%: 15:00 the same day.
    await harness.skip_to(datetime(2027, 5, 11, 15, 1, tzinfo=LONDON))
    warned = await handle.query(ComplaintWorkflow.status)
    assert clock(warned, "acknowledgement").state == "running"
    case = await harness.case(case_id)
    warning = [e for e in case.audit_events if e.action == "clock.warning"]
    assert [w.field for w in warning] == ["clocks.acknowledgement"]
    assert warning[0].actor.id == "clocks.acknowledgement.warn_at"
    assert warning[0].actor.rule_version.startswith("standard ")

    # Breach at 17:00; the internal ladder's first step acts at once.
    await harness.skip_to(datetime(2027, 5, 11, 17, 1, tzinfo=LONDON))
    breached = await handle.query(ComplaintWorkflow.status)
    assert clock(breached, "acknowledgement").state == "breached"
    assert breached.breached and breached.escalation_level == 1
    assert breached.priority == "high"
    case = await harness.case(case_id)
    assert case.breached and case.escalation_level == 1
    actions = [e.action for e in case.audit_events]
    assert (
        actions.index("clock.warning")
        < actions.index("clock.breached")
        < actions.index("case.escalated")
    )
    escalated = next(e for e in case.audit_events if e.action == "case.escalated")
    assert escalated.actor.id == "escalation_ladders.internal[0]"
    verdict = await harness.stub.VerifyAuditTrail(
        cases_pb2.VerifyAuditTrailRequest(case_id=case_id), metadata=harness.metadata
    )
    assert verdict.intact

    # The second step comes 8 business hours after the breach: 17:00 Wednesday.
    await harness.skip_to(datetime(2027, 5, 12, 17, 1, tzinfo=LONDON))
    assert (await handle.query(ComplaintWorkflow.status)).escalation_level == 2


async def test_close_is_refused_while_a_subtask_is_open_and_reopen_restarts_clocks(
    harness: Harness,
):
    received = datetime(2027, 5, 18, 10, 0, tzinfo=LONDON)
    await harness.skip_to(received)
    handle, case_id = await harness.file(received)
    await handle.execute_update(
        ComplaintWorkflow.assign, AssignCommand("lead.lee", "ana.agent", "retail", "triage")
    )
    for stage in ("acknowledged", "assigned", "investigating"):
        await handle.execute_update(
            ComplaintWorkflow.transition, TransitionCommand("ana.agent", stage)
        )
    added = await handle.execute_update(
        ComplaintWorkflow.add_subtask,
        AddSubtaskCommand(
            "ana.agent",
            "Get call recording",
            "from telephony",
            "sam.ops",
            "operations",
            received + timedelta(days=3),
        ),
    )
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(ComplaintWorkflow.resolve, ReasonCommand("ana.agent"))
    assert isinstance(refused.value.cause, ApplicationError)
    assert "record the outcome" in refused.value.cause.message

    await handle.execute_update(
        ComplaintWorkflow.record_outcome,
        OutcomeCommand("ana.agent", "upheld", "fees.unexpected", "Fee refunded", "GBP", 2500),
    )
    await handle.execute_update(ComplaintWorkflow.resolve, ReasonCommand("ana.agent", "done"))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(ComplaintWorkflow.close, ReasonCommand("ana.agent"))
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == FAILED_PRECONDITION
    assert added.subtask_id in cause.message

    await handle.execute_update(
        ComplaintWorkflow.complete_subtask, SubtaskCommand("sam.ops", added.subtask_id, "attached")
    )
    await handle.execute_update(ComplaintWorkflow.close, ReasonCommand("ana.agent", "done"))
    closed = await handle.query(ComplaintWorkflow.status)
    assert closed.stage == "closed"
    assert clock(closed, "resolution").state == "met"

    await harness.skip_to(datetime(2027, 5, 25, 10, 0, tzinfo=LONDON))
    await handle.execute_update(
        ComplaintWorkflow.reopen, ReasonCommand("lead.lee", "customer disputes the refund")
    )
    reopened = await handle.query(ComplaintWorkflow.status)
    assert reopened.stage == "investigating"
    resolution = clock(reopened, "resolution")
    assert resolution.state == "running"
    # 80 business hours from the reopening, Tuesday 25 May 10:00 London.
    assert resolution.due_at > datetime(2027, 6, 1, tzinfo=UTC)
    assert clock(reopened, "acknowledgement").state in ("met", "breached")

    case = await harness.case(case_id)
    assert case.stage == "investigating" and not case.HasField("closed_at")
    assert case.outcome.redress.minor_units == 2500
    assert [s.state for s in case.subtasks] == [cases_pb2.SUBTASK_STATE_COMPLETED]
    actions = [e.action for e in case.audit_events]
    assert "case.reopened" in actions and "subtask.completed" in actions


async def test_an_invalid_transition_names_the_allowed_ones(harness: Harness):
    received = datetime(2027, 5, 19, 10, 0, tzinfo=LONDON)
    await harness.skip_to(received)
    handle, _ = await harness.file(received, regime="none")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            ComplaintWorkflow.transition, TransitionCommand("ana.agent", "awaiting_customer")
        )
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == FAILED_PRECONDITION
    assert "allowed: acknowledged, triage, resolved, closed" in cause.message
    status = await handle.query(ComplaintWorkflow.status)
    assert not regulatory(status)
    assert status.allowed_stages == ["acknowledged", "triage", "resolved", "closed"]


async def test_rules_classify_on_receipt_and_a_handler_can_override(harness: Harness):
    received = datetime(2027, 5, 12, 11, 0, tzinfo=LONDON)
    await harness.skip_to(received)
    handle, case_id = await harness.file(
        received,
        narrative="Someone opened a card in my name. This is identity theft and the bank "
        "keeps charging me fees on it.",
        tags=("Older American",),
        product="Credit card",
    )
    status = await handle.query(ComplaintWorkflow.status)
    assert status.priority == "high"
    case = await harness.case(case_id)
    # The receipt's entries are recorded just after the case is stored.
    for _ in range(80):
        if any(e.action == "case.classified" for e in case.audit_events):
            break
        await asyncio.sleep(0.25)
        case = await harness.case(case_id)
    assert case.category == "fraud_and_scams"
    assert case.priority == common_pb2.PRIORITY_HIGH
    by_action = {e.action: e for e in case.audit_events}
    classified = by_action["case.classified"]
    assert classified.actor.kind == common_pb2.ACTOR_KIND_RULE
    assert classified.actor.id == "classification.fraud"
    assert classified.actor.rule_version == "standard 2026.12.1"
    assert classified.new_value == "fraud_and_scams"
    assert "vulnerable-customer" in classified.cause and "cards" in classified.cause
    prioritised = by_action["case.prioritised"]
    assert prioritised.actor.id == "classification.fraud"
    assert (prioritised.old_value, prioritised.new_value) == ("normal", "high")

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            ComplaintWorkflow.change_category,
            CategoryCommand("ana.agent", "weather", "looks like weather"),
        )
    assert "category must be one of fraud_and_scams, credit_reporting" in str(refused.value.cause)
    await handle.execute_update(
        ComplaintWorkflow.change_category,
        CategoryCommand("ana.agent", "cards", "the card was the customer's own after all"),
    )
    case = await harness.case(case_id)
    assert case.category == "cards"
    override = [e for e in case.audit_events if e.action == "case.recategorised"]
    assert [(o.actor.id, o.old_value, o.new_value) for o in override] == [
        ("ana.agent", "fraud_and_scams", "cards")
    ]
    assert override[0].actor.kind == common_pb2.ACTOR_KIND_PERSON


async def test_a_subtask_reminds_before_it_is_due_and_is_reported_overdue(harness: Harness):
    received = datetime(2027, 5, 20, 10, 0, tzinfo=LONDON)  # Thursday
    await harness.skip_to(received)
    handle, case_id = await harness.file(received)
    due = datetime(2027, 5, 24, 12, 0, tzinfo=LONDON)
    added = await handle.execute_update(
        ComplaintWorkflow.add_subtask,
        AddSubtaskCommand(
            "ana.agent", "Ask the branch for the CCTV", "", "sam.ops", "operations", due
        ),
    )
    # A day before it is due the assignee is reminded; nothing is overdue yet.
    await harness.skip_to(datetime(2027, 5, 23, 12, 1, tzinfo=LONDON))
    case = await harness.case(case_id)
    reminders = [e for e in case.audit_events if e.action == "subtask.reminder"]
    assert [(e.field, e.new_value, e.actor.id) for e in reminders] == [
        (f"subtasks.{added.subtask_id}", "sam.ops", "subtasks.remind_before")
    ]
    assert not [e for e in case.audit_events if e.action == "subtask.overdue"]

    await harness.skip_to(datetime(2027, 5, 24, 12, 1, tzinfo=LONDON))
    status = await handle.query(ComplaintWorkflow.status)
    assert [(t.subtask_id, t.state) for t in status.subtasks] == [(added.subtask_id, "overdue")]
    case = await harness.case(case_id)
    overdue = [e for e in case.audit_events if e.action == "subtask.overdue"]
    assert len(overdue) == 1 and "sam.ops" in overdue[0].cause
    assert [s.state for s in case.subtasks] == [cases_pb2.SUBTASK_STATE_OVERDUE]

    # Done late is still done: the overdue subtask can be completed.
    await handle.execute_update(
        ComplaintWorkflow.complete_subtask, SubtaskCommand("sam.ops", added.subtask_id, "sent")
    )
    case = await harness.case(case_id)
    assert [s.state for s in case.subtasks] == [cases_pb2.SUBTASK_STATE_COMPLETED]


async def test_a_long_life_continues_as_new_and_keeps_everything(harness: Harness):
    received = datetime(2027, 5, 24, 9, 30, tzinfo=LONDON)  # Monday
    await harness.skip_to(received)
    handle, case_id = await harness.file(received, history_limit=40)
    first_run = (await describe(harness, handle.id)).workflow_execution_info.execution.run_id
    await handle.execute_update(
        ComplaintWorkflow.assign, AssignCommand("lead.lee", "ana.agent", "retail", "first")
    )
    for stage in ("acknowledged", "assigned", "investigating", "awaiting_customer"):
        await handle.execute_update(ComplaintWorkflow.transition, TransitionCommand("ana", stage))
    await harness.skip_to(datetime(2027, 5, 24, 15, 0, tzinfo=LONDON))
    await handle.execute_update(
        ComplaintWorkflow.record_customer_reply, ReplyCommand("mail", "here it is", "email")
    )
    for priority in ("high", "normal", "high"):
        await handle.execute_update(
            ComplaintWorkflow.change_priority, PriorityCommand("lead.lee", priority, "check")
        )

    latest = harness.env.client.get_workflow_handle(handle.id)
    runs = await describe(harness, handle.id)
    assert runs.workflow_execution_info.execution.run_id != first_run, "no continue-as-new"
    status = await latest.query(ComplaintWorkflow.status)
    assert (status.case_id, status.stage, status.assignee) == (
        case_id,
        "investigating",
        "ana.agent",
    )
    assert status.priority == "high"
    summary = clock(status, "fca_summary_resolution")
    assert summary.state == "running"

    # The new run's timers still fire: the FCA day-3 deadline (Thursday 17:00)
    # breaches and is recorded once.
    await harness.skip_to(datetime(2027, 5, 27, 17, 1, tzinfo=LONDON))
    status = await latest.query(ComplaintWorkflow.status)
    assert clock(status, "fca_summary_resolution").state == "breached"
    case = await harness.case(case_id)
    actions = [e.action for e in case.audit_events]
    assert actions.count("case.created") == 1 and actions.count("clocks.started") == 1
    breaches = [e for e in case.audit_events if e.action == "clock.breached"]
    assert [e.field for e in breaches].count("clocks.fca_summary_resolution") == 1
    verdict = await harness.stub.VerifyAuditTrail(
        cases_pb2.VerifyAuditTrailRequest(case_id=case_id), metadata=harness.metadata
    )
    assert verdict.intact


async def test_an_update_that_comes_with_a_continued_runs_first_task_is_taken(
    harness: Harness,
):
    # A complaint that waits in a run of its own after its receipt
    # (REDRESS_FRESH_RUN_AFTER_RECEIPT). A change sent while the workflow
    # continues as new reaches the new run with its first task, where the SDK
    # validates it before run() starts: it must find the complaint ready, not
    # refuse it as "still being stored".
    received = datetime(2027, 5, 24, 9, 30, tzinfo=LONDON)  # Monday
    await harness.skip_to(received)
    handle, case_id = await harness.file(received, fresh_run_after_receipt=True)
    first_run = (await describe(harness, handle.id)).workflow_execution_info.execution.run_id
    for _ in range(600):  # once its hand-overs are done, which a loaded machine slows
        latest = (await describe(harness, handle.id)).workflow_execution_info.execution.run_id
        if latest != first_run:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the complaint did not continue as new after its receipt")
    history = await harness.env.client.get_workflow_handle(handle.id, run_id=latest).fetch_history()
    (carried,) = await harness.env.client.data_converter.decode(
        history.events[0].workflow_execution_started_event_attributes.input.payloads,
        [ComplaintInput],
    )
    assert carried.state.case_id == case_id
    # The same continued run, held back from every worker until the change
    # waits for it: its first task then brings the start and the change together.
    await harness.env.client.get_workflow_handle(handle.id, run_id=latest).terminate()
    held = f"{harness.task_queue}-held"
    continued = await harness.env.client.start_workflow(
        ComplaintWorkflow.run,
        carried,
        id=handle.id,
        task_queue=held,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    change = asyncio.create_task(
        continued.execute_update(
            ComplaintWorkflow.change_priority, PriorityCommand("lead.lee", "high", "regulator")
        )
    )
    await asyncio.sleep(1)
    activities = CaseActivities(harness.channel, harness.cases.credentials.service_key)
    async with Worker(
        harness.env.client,
        task_queue=held,
        workflows=[ComplaintWorkflow, SubtaskWorkflow],
        activities=[activities.store_case, activities.current_policy, activities.record_change],
        workflow_runner=workflow_runner(),
    ):
        result = await asyncio.wait_for(change, 30)
        assert result.case_id == case_id
        status = await continued.query(ComplaintWorkflow.status)
        assert status.priority == "high"
    case = await harness.case(case_id)
    assert case.priority == common_pb2.PRIORITY_HIGH
    actions = [e.action for e in case.audit_events]
    assert actions.count("case.created") == 1 and actions.count("clocks.started") == 1


async def describe(harness: Harness, workflow_id: str):  # type: ignore[no-untyped-def]
    # Read raw: the time-skipping server keeps an unset Datetime search
    # attribute as null, which the SDK's describe() cannot decode.
    return await harness.env.client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=harness.env.client.namespace,
            execution=WorkflowExecution(workflow_id=workflow_id),
        )
    )


async def test_unanswered_reminders_close_the_case_and_a_survey_follows(harness: Harness):
    received = datetime(2027, 6, 1, 10, 0, tzinfo=LONDON)  # Tuesday
    await harness.skip_to(received)
    handle, case_id = await harness.file(received)
    for stage in ("triage", "assigned", "awaiting_customer"):
        await handle.execute_update(
            ComplaintWorkflow.transition, TransitionCommand("ana.agent", stage, "need statements")
        )
    # Shipped policy: a reminder every 7 days in awaiting_customer, two at most,
    # then the case is closed at the next interval; the survey 7 days later.
    await harness.skip_to(datetime(2027, 6, 22, 11, 0, tzinfo=LONDON))
    case = await harness.case(case_id)
    assert case.stage == "closed"
    closed = [e for e in case.audit_events if e.action == "case.stage_changed"][-1]
    assert (closed.old_value, closed.new_value) == ("awaiting_customer", "closed")
    assert closed.actor.id == "followups.chasers"
    assert closed.cause == "no reply from the customer after 2 reminders"

    await harness.skip_to(datetime(2027, 6, 29, 11, 0, tzinfo=LONDON))
    letters, _ = harness.followups.list_messages(case_id, "", 50, "")
    assert sorted(m.template_name for m in letters) == [
        "acknowledgement",
        "reminder",
        "reminder",
        "satisfaction_survey",
    ]
    # The phone customer's letters go to the firm's systems to make the calls.
    assert {(m.channel, m.state) for m in letters} == {("phone", "handed_off")}
    last = max((m for m in letters if m.template_name == "reminder"), key=lambda m: m.created_at)
    assert "22 June 2027" in last.body_text  # the second reminder says when it closes
    case = await harness.case(case_id)
    sent = [e for e in case.audit_events if e.action == "message.sent"]
    assert [e.actor.id for e in sent] == [
        "followups.acknowledgement",
        "followups.chasers",
        "followups.chasers",
        "followups.satisfaction_survey",
    ]


async def test_a_quick_resolution_gets_the_fca_summary_letter_and_cancels_what_was_scheduled(
    harness: Harness,
):
    received = datetime(2027, 6, 1, 10, 0, tzinfo=LONDON)  # Tuesday
    await harness.skip_to(received)
    handle, case_id = await harness.file(received)
    scheduled = await handle.execute_update(
        ComplaintWorkflow.schedule_followup,
        ScheduleFollowupCommand(
            "ana.agent",
            "progress_update",
            datetime(2027, 6, 9, 9, 0, tzinfo=LONDON),
            {"progress": "We are checking the charge with the card scheme."},
            "promised an update",
        ),
    )
    await harness.skip_to(datetime(2027, 6, 2, 15, 0, tzinfo=LONDON))
    await handle.execute_update(
        ComplaintWorkflow.record_outcome,
        OutcomeCommand(
            "ana.agent",
            "upheld",
            Policy.load_default().root_causes[0],
            "We have refunded the charge.",
            "GBP",
            2500,
        ),
    )
    await handle.execute_update(ComplaintWorkflow.resolve, ReasonCommand("ana.agent", "refunded"))
    await harness.skip_to(datetime(2027, 6, 10, 9, 0, tzinfo=LONDON))

    letters, _ = harness.followups.list_messages(case_id, "", 50, "")
    assert sorted(m.template_name for m in letters) == ["acknowledgement", "summary_resolution"]
    summary = next(m for m in letters if m.template_name == "summary_resolution")
    assert "We have refunded the charge." in summary.body_text
    assert "Financial Ombudsman Service" in summary.body_text
    case = await harness.case(case_id)
    cancelled = [e for e in case.audit_events if e.action == "followup.cancelled"]
    assert [(e.field, e.cause) for e in cancelled] == [
        (f"followups.{scheduled.subtask_id}", "the case is resolved")
    ]


# Kept last in this module: it publishes a new policy version to the module's
# case store, which every complaint filed after it would use.
async def test_a_new_policy_version_applies_to_new_complaints_only(harness: Harness):
    shipped = Policy.load_default().source
    received = datetime(2027, 5, 13, 10, 0, tzinfo=LONDON)  # Thursday
    await harness.skip_to(received)
    before, before_id = await harness.file(received)

    # An administrator writes a policy of their own: a contact centre open on
    # Saturday mornings, and a one-hour acknowledgement target.
    document = (
        shipped.replace('version: "2026.12.1"', 'version: "2027.05.1"')
        .replace("calendar: uk-england", "calendar: contact-centre", 1)
        .replace(
            "initial_stage: received",
            """initial_stage: received
calendars:
  contact-centre:
    timezone: Europe/London
    versions:
      - effective_from: 2027-01-01
        working_hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"],
                        thu: ["09:00-17:00"], fri: ["09:00-17:00"], sat: ["09:00-12:00"]}
        holidays: {country: GB, subdivision: ENG}""",
        )
        .replace(
            "budget: {business_hours: 8}\n    warn_at: [0.75]",
            "budget: {business_hours: 1}\n    warn_at: [0.75]",
        )
    )
    assert document.count("business_hours: 1}") == 1

    bad = document.replace("next: [triage, assigned, resolved]", "next: [triage, nowhere]")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await harness.stub.PublishPolicy(
            cases_pb2.PublishPolicyRequest(document=bad), metadata=harness.metadata
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [(v.field, v.description) for v in field_violations(err.value)] == [
        ("document.stages.acknowledged.next", "'nowhere' is not a stage")
    ]

    published = await harness.stub.PublishPolicy(
        cases_pb2.PublishPolicyRequest(document=document), metadata=harness.metadata
    )
    assert published.published and published.policy.version == "2027.05.1"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await harness.stub.PublishPolicy(
            cases_pb2.PublishPolicyRequest(document=document.replace("hours: 1}", "hours: 2}")),
            metadata=harness.metadata,
        )
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS

    # Friday 16:30: the acknowledgement hour runs 30 minutes on Friday and 30
    # on Saturday morning in the new calendar.
    friday = datetime(2027, 5, 14, 16, 30, tzinfo=LONDON)
    await harness.skip_to(friday)
    after, after_id = await harness.file(friday)
    new_status = await after.query(ComplaintWorkflow.status)
    assert (new_status.policy_id, new_status.policy_version) == ("standard", "2027.05.1")
    assert clock(new_status, "acknowledgement").due_at == datetime(
        2027, 5, 15, 9, 30, tzinfo=LONDON
    ).astimezone(UTC)

    # The complaint filed before keeps the version it started with.
    old_status = await before.query(ComplaintWorkflow.status)
    assert old_status.policy_version == "2026.12.1"
    assert clock(old_status, "acknowledgement").due_at == datetime(
        2027, 5, 14, 10, 0, tzinfo=LONDON
    ).astimezone(UTC)
    assert (await harness.case(before_id)).policy_version == "2026.12.1"
    assert (await harness.case(after_id)).policy_version == "2027.05.1"


async def test_the_fca_return_buckets_closures_by_business_days_around_a_bank_holiday(
    harness: Harness,
):
    """Hand-worked: received Friday 30 April 2027, 16:30 in London. Monday
    3 May is the Early May bank holiday, so the third business day after
    receipt (day 0) is Thursday 6 May, close of business 17:00 BST. A case
    resolved on 6 May at 15:00 closed within 3 business days; one resolved
    Friday 7 May at 10:00 after 3 business days, within 8 weeks. Received
    Thursday 22 April 2027, the eight weeks end with 17 June; resolved on
    18 June, it closed after more than 8 weeks."""

    async def resolve(handle, cause: str) -> None:  # type: ignore[no-untyped-def]
        await handle.execute_update(
            ComplaintWorkflow.record_outcome,
            OutcomeCommand("ana.agent", "partly_upheld", cause, "Fee refunded", "GBP", 4000),
        )
        await handle.execute_update(ComplaintWorkflow.resolve, ReasonCommand("ana.agent", "done"))

    late_received = datetime(2027, 4, 22, 10, 0, tzinfo=LONDON)
    await harness.skip_to(late_received)
    late, late_id = await harness.file(late_received, product="Mortgage")
    received = datetime(2027, 4, 30, 16, 30, tzinfo=LONDON)
    await harness.skip_to(received)
    # A product name of their own, so that figures can be asked of just these.
    quick, quick_id = await harness.file(received, product="Credit card (holiday test)")
    slower, slower_id = await harness.file(received, product="Credit card (holiday test)")
    await harness.skip_to(datetime(2027, 5, 6, 15, 0, tzinfo=LONDON))
    await resolve(quick, "fees.unexpected")
    await harness.skip_to(datetime(2027, 5, 7, 10, 0, tzinfo=LONDON))
    await resolve(slower, "fees.unexpected")
    await harness.skip_to(datetime(2027, 6, 18, 12, 0, tzinfo=LONDON))
    await resolve(late, "service.delay")

    start, end = datetime(2027, 4, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC)
    store = ReportingStore(harness.cases.database_url)
    try:
        rows = store.rows(
            ReportingFilter(received_from=start, received_to=end, regimes=("uk_fca",)),
            also_open_before=start,
            clocks=RETURN_CLOCKS["uk_fca"],
        )
        lines = {
            (line.description, line.breakdown): line
            for line in fca_return(rows, start, end, store.disp_cause_category)
        }
    finally:
        store.close()

    def counted(description: str, breakdown: str) -> set[str]:
        line = lines.get((description, breakdown))
        return set(line.case_ids) & {quick_id, slower_id, late_id} if line else set()

    cards, home = "Banking and credit cards", "Home finance"
    assert counted("Closed within 3 business days", cards) == {quick_id}
    assert counted("Closed after 3 business days and within 8 weeks", cards) == {slower_id}
    assert counted("Closed after more than 8 weeks", home) == {late_id}
    assert counted("Closed complaints upheld (partly upheld counts as upheld)", "All products") == {
        quick_id,
        slower_id,
        late_id,
    }
    assert counted("Complaints opened in the period", "All products") == {
        quick_id,
        slower_id,
        late_id,
    }
    # By the return's cause categories, as the policy these complaints run
    # under maps their causes (the shipped mapping, which a version published
    # from the shipped document keeps): an unexpected fee is about terms and
    # charges, a delay about service.
    by_cause = "Closed complaints by cause category"
    terms, admin = "Terms and disputed sums/charges", "General admin/customer service"
    assert counted(by_cause, f"{cards}: {terms}") == {quick_id, slower_id}
    assert counted(by_cause, f"{home}: {admin}") == {late_id}
    # For all products too, each category is a line of its own.
    assert counted(by_cause, f"All products: {terms}") == {quick_id, slower_id}
    assert counted(by_cause, f"All products: {admin}") == {late_id}
    assert (by_cause, "All products") not in lines

    # The same two in business time, hand-worked in the England calendar
    # (09:00-17:00, the bank holiday off): Friday 16:30-17:00, Tuesday and
    # Wednesday, then Thursday until 15:00 is 22.5 hours; until Friday 10:00
    # it is 25.5 hours. (The updates land milliseconds after those instants.)
    england = WorkingTime(preset("uk-england"))
    store = ReportingStore(harness.cases.database_url)
    try:
        with store.sessions() as session:
            stops = {
                c.case_id: england.between(c.started_at, c.stopped_at)
                for c in session.scalars(
                    select(CaseClock).where(
                        CaseClock.case_id.in_([quick_id, slower_id]),
                        CaseClock.name == "resolution",
                    )
                )
            }
        # Through the report, in each case's own policy calendar: both counted.
        taken = business_time_taken(
            store, ReportingFilter(products=("Credit card (holiday test)",))
        )
    finally:
        store.close()
    assert stops[quick_id] == pytest.approx(22.5 * 3600, abs=1)
    assert stops[slower_id] == pytest.approx(25.5 * 3600, abs=1)
    assert taken["resolution"].cases == 2


async def test_a_resolution_after_the_fca_summary_deadline_sends_the_final_response_letter(
    harness: Harness,
):
    """Received Tuesday 1 June 2027, 10:00 in London: the FCA summary
    resolution deadline is the third business day, Friday 4 June at 17:00.
    Resolved on Monday 7 June, the customer gets the final response with
    their right to refer the complaint to the Financial Ombudsman Service,
    not the summary resolution letter."""
    received = datetime(2027, 6, 1, 10, 0, tzinfo=LONDON)
    await harness.skip_to(received)
    handle, case_id = await harness.file(received, product="Personal loan")
    # The first-response clock breached on Friday at 10:00; its escalation's
    # second step comes 8 business hours later, Monday at 10:00.
    await harness.skip_to_act(handle, datetime(2027, 6, 7, 10, 0, tzinfo=LONDON))
    status = await handle.query(ComplaintWorkflow.status)
    assert clock(status, "fca_summary_resolution").state == "breached"

    await handle.execute_update(
        ComplaintWorkflow.record_outcome,
        OutcomeCommand(
            "ana.agent",
            "partly_upheld",
            Policy.load_default().root_causes[0],
            "We have refunded the arrangement fee and the interest charged on it.",
            "GBP",
            18950,
        ),
    )
    await handle.execute_update(ComplaintWorkflow.resolve, ReasonCommand("ana.agent", "refunded"))
    await harness.skip_to(datetime(2027, 6, 7, 11, 0, tzinfo=LONDON))

    # The letter is handed to the follow-up worker, which runs in real time.
    async def soon(check):  # type: ignore[no-untyped-def]
        for _ in range(240):
            if found := await check():
                return found
            await asyncio.sleep(0.25)
        raise AssertionError(f"{check.__name__} of {case_id}: nothing within 60 s")

    async def letters_handed_off():  # type: ignore[no-untyped-def]
        letters, _ = harness.followups.list_messages(case_id, "", 50, "")
        finals = [m for m in letters if m.template_name == "final_response"]
        return finals and all(m.state != "queued" for m in finals) and letters

    letters = await soon(letters_handed_off)
    names = [m.template_name for m in letters]
    assert names.count("final_response") == 1 and "summary_resolution" not in names
    (final,) = [m for m in letters if m.template_name == "final_response"]
    assert (final.language, final.channel, final.state) == ("en", "phone", "handed_off")
    assert final.subject == f"Our final response to your complaint {case_id}"
    body = final.body_text
    assert "This is our final response to the complaint you made on 1 June 2027" in body
    assert "We have refunded the arrangement fee and the interest charged on it." in body
    assert "To put things right, we will pay you £189.50." in body
    assert "you may refer your complaint to the Financial Ombudsman Service." in body
    assert "within six months of the date of our final response" in body

    async def recorded_as_sent():  # type: ignore[no-untyped-def]
        case = await harness.case(case_id)
        sent = [e for e in case.audit_events if e.action == "message.sent"]
        return any(e.field == f"messages.{final.message_id}" for e in sent) and case

    case = await soon(recorded_as_sent)
    queued = [
        e
        for e in case.audit_events
        if e.action == "message.queued" and e.field == f"messages.{final.message_id}"
    ]
    assert [(e.actor.id, e.cause) for e in queued] == [
        ("followups.final_response", "final_response follow-up")
    ]
    assert json.loads(queued[0].new_value)["template"] == "final_response"
    (sent,) = [
        e
        for e in case.audit_events
        if e.action == "message.sent" and e.field == f"messages.{final.message_id}"
    ]
    assert sent.actor.id == "followups.final_response"
    assert sent.new_value == "handed_off"
    actions = [e.action for e in case.audit_events]
    resolved = next(
        i
        for i, e in enumerate(case.audit_events)
        if e.action == "case.stage_changed" and e.new_value == "resolved"
    )
    assert resolved < actions.index("message.queued", resolved)


async def pending_timers(handle) -> list[datetime]:  # type: ignore[no-untyped-def]
    """When each timer the workflow has started and not yet seen fire or
    cancelled is due, from its history (the current run's)."""
    history = await handle.fetch_history()
    started: dict[str, datetime] = {}
    for event in history.events:
        if event.HasField("timer_started_event_attributes"):
            attributes = event.timer_started_event_attributes
            started[attributes.timer_id] = (
                event.event_time.ToDatetime(tzinfo=UTC)
                + attributes.start_to_fire_timeout.ToTimedelta()
            )
        elif event.HasField("timer_fired_event_attributes"):
            started.pop(event.timer_fired_event_attributes.timer_id, None)
        elif event.HasField("timer_canceled_event_attributes"):
            started.pop(event.timer_canceled_event_attributes.timer_id, None)
    return sorted(started.values())
