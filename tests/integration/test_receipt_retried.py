"""A complaint's first workflow task stores its case and records its receipt.
When that task is done again (its worker stopped after the receipt reached the
case store, before the task completed), it must record the very same receipt,
even if an administrator published another policy in between: otherwise the
store refuses the case or its receipt as other content under the same id, and
the complaint's workflow fails or never answers intake."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import grpc
import pytest
import yaml
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.devstack.platform import LocalPlatform, Ports
from redress.domain.policy import Policy
from tests.conftest import bearer
from tests.temporal_support import time_skipping
from workflows.activities import CaseActivities
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import (
    ComplaintInput,
    ComplaintSubmission,
    CustomerInfo,
    RecordChangeInput,
    RegisterSubmissionInput,
)
from workflows.refusals import CHANGE_CONFLICT
from workflows.sandbox import workflow_runner
from workflows.subtask import SubtaskWorkflow


@pytest.fixture(scope="module")
def cases_only(tmp_path_factory: pytest.TempPathFactory):
    local = LocalPlatform(tmp_path_factory.mktemp("receipt-retried"), Ports.free())
    try:
        local.start_service("cases")
        yield local
    finally:
        local.stop()


def quicker_acknowledgement() -> str:
    """The shipped policy as a new version whose acknowledgement is due in two
    business hours instead of eight."""
    document = yaml.safe_load(Policy.load_default().source)
    document["version"] = f"quicker-{uuid.uuid4().hex[:6]}"
    for clock in document["clocks"]:
        if clock["name"] == "acknowledgement":
            clock["budget"] = {"business_hours": 2}
    return yaml.safe_dump(document)


async def test_a_first_task_done_again_records_the_receipt_it_recorded_before(cases_only):
    env = await time_skipping()
    channel = grpc.aio.insecure_channel(cases_only.address("cases"))
    cases = cases_pb2_grpc.CasesServiceStub(channel)
    admin = bearer(cases_only.credentials.admin_key)
    real = CaseActivities(channel, cases_only.credentials.service_key)
    stopped: list[str] = []

    @activity.defn(name="record_change")
    async def record_change_then_stop(input: RecordChangeInput) -> bool:
        recorded = await real.record_change(input)
        if not stopped:
            # The receipt is in the store; an administrator publishes another
            # policy; the task then fails as a worker stopping would leave it.
            stopped.append(input.change_id)
            await cases.PublishPolicy(
                cases_pb2.PublishPolicyRequest(document=quicker_acknowledgement()),
                metadata=admin,
            )
            raise ApplicationError("the worker stopped", type=CHANGE_CONFLICT, non_retryable=True)
        return recorded

    try:
        before = (await cases.GetPolicy(cases_pb2.GetPolicyRequest(), metadata=admin)).policy
        task_queue = f"tq-{uuid.uuid4()}"
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[ComplaintWorkflow, SubtaskWorkflow],
            activities=[real.store_case, real.current_policy, record_change_then_stop],
            workflow_runner=workflow_runner(),
        ):
            handle = await env.client.start_workflow(
                ComplaintWorkflow.run,
                ComplaintInput(
                    ComplaintSubmission(
                        idempotency_key=f"retried-{uuid.uuid4()}",
                        submitted_by="test",
                        channel="email",
                        customer=CustomerInfo(full_name="Robin Retry", email="robin@example.com"),
                        narrative="I was charged twice for one transfer.",
                        regime="uk_fca",
                        received_at=datetime(2026, 11, 19, 10, 0, tzinfo=UTC),
                        fingerprint="f" * 64,
                    )
                ),
                id=f"complaint:test:{uuid.uuid4()}",
                task_queue=task_queue,
            )
            # Refused receipts would fail the task again and again: no answer.
            answered = await asyncio.wait_for(
                handle.execute_update(
                    ComplaintWorkflow.register_submission,
                    RegisterSubmissionInput(fingerprint="f" * 64),
                ),
                timeout=60,
            )
            status = await handle.query(ComplaintWorkflow.status)

        # The task was done again, and went on under the policy it first read.
        assert len(stopped) == 1
        assert answered.case_id.startswith("C-")
        now_in_force = (await cases.GetPolicy(cases_pb2.GetPolicyRequest(), metadata=admin)).policy
        assert now_in_force.version.startswith("quicker-")
        case = (
            await cases.GetCase(cases_pb2.GetCaseRequest(case_id=answered.case_id), metadata=admin)
        ).case
        assert case.policy_version == before.version
        # The case holds one receipt, the first one, and the workflow's clocks
        # are the case's: eight business hours from Thursday 10:00.
        stored = {c.name: c.due_at.ToDatetime(tzinfo=UTC) for c in case.clocks}
        assert stored["acknowledgement"] == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
        assert {c.name: c.due_at for c in status.clocks} == stored
        trail = await cases.ListAuditEvents(
            cases_pb2.ListAuditEventsRequest(case_id=answered.case_id),
            metadata=admin,
        )
        started = [e for e in trail.events if e.action == "clocks.started"]
        assert len(started) == 1
        assert before.version in started[0].cause
    finally:
        await channel.close()
        await env.shutdown()


async def test_only_the_service_role_asks_for_the_policy_a_case_was_stored_under(cases_only):
    async with grpc.aio.insecure_channel(cases_only.address("cases")) as channel:
        cases = cases_pb2_grpc.CasesServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await cases.GetPolicy(
                cases_pb2.GetPolicyRequest(workflow_id="complaint:anyone:1"),
                metadata=bearer(cases_only.credentials.admin_key),
            )
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "workflow_id" in (refused.value.details() or "")
        assert "service role only" in (refused.value.details() or "")
        service = bearer(cases_only.credentials.service_key)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await cases.GetPolicy(
                cases_pb2.GetPolicyRequest(workflow_id="complaint:anyone:1", version="2026.12.1"),
                metadata=service,
            )
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        # No case stored for it yet: the policy in force.
        in_force = await cases.GetPolicy(cases_pb2.GetPolicyRequest(), metadata=service)
        unstored = await cases.GetPolicy(
            cases_pb2.GetPolicyRequest(workflow_id=f"complaint:nobody:{uuid.uuid4()}"),
            metadata=service,
        )
        assert unstored.policy.version == in_force.policy.version
