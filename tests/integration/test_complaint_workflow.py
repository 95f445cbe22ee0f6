"""ComplaintWorkflow on Temporal's time-skipping test server, and replays of
saved histories so that a code change cannot break running complaints."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc
import holidays
import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import WorkflowExecutionStatus, WorkflowHistory
from temporalio.worker import Replayer, Worker

from redress.devstack.platform import LocalPlatform, Ports
from redress.devstack.processes import free_port
from tests.followup_support import followup_worker, knowledge_worker
from tests.temporal_support import time_skipping
from workflows.activities import CaseActivities
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import (
    ComplaintInput,
    ComplaintSubmission,
    CustomerInfo,
    RegisterSubmissionInput,
)
from workflows.sandbox import workflow_runner
from workflows.subtask import SubtaskWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


@pytest.fixture(scope="module")
def cases_only(tmp_path_factory: pytest.TempPathFactory):
    """Just services/cases, for a worker run inside the test."""
    local = LocalPlatform(tmp_path_factory.mktemp("cases-only"), Ports.free())
    try:
        local.start_meilisearch()
        local.start_service("cases")
        yield local
    finally:
        local.stop()


LONDON = ZoneInfo("Europe/London")


def next_friday_afternoon() -> datetime:
    """Receipt a few days ahead: the time-skipping server starts at today's date."""
    today = datetime.now(UTC).date()
    return datetime.combine(
        today + timedelta(days=(4 - today.weekday()) % 7 or 7), time(16, 30), UTC
    )


def fca_deadlines(received: datetime) -> tuple[datetime, datetime]:
    """DISP 1.5 and 1.6 worked by hand: close of business (17:00 London) on the
    third business day after receipt (day 0), skipping English bank holidays;
    the end of the eighth week (midnight London)."""
    day = received.astimezone(LONDON).date()
    bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=[day.year, day.year + 1])
    summary, business_days = day, 0
    while business_days < 3:
        summary += timedelta(days=1)
        if summary.weekday() < 5 and summary not in bank_holidays:
            business_days += 1
    final = day + timedelta(weeks=8, days=1)
    return (
        datetime.combine(summary, time(17), LONDON).astimezone(UTC),
        datetime.combine(final, time(0), LONDON).astimezone(UTC),
    )


def submission(narrative: str, received_at: datetime | None = None) -> ComplaintSubmission:
    return ComplaintSubmission(
        idempotency_key=f"ts-{uuid.uuid4()}",
        submitted_by="test",
        channel="postal",
        customer=CustomerInfo(full_name="Pat Letter", address_lines=["1 High St"], country="GB"),
        narrative=narrative,
        regime="uk_fca",
        received_at=received_at or datetime(2026, 11, 20, 16, 30, tzinfo=UTC),
        fingerprint="f" * 64,
    )


async def test_a_complaint_workflow_stores_its_case_and_lives_on_for_months(cases_only):
    env = await time_skipping()
    try:
        channel = grpc.aio.insecure_channel(cases_only.address("cases"))
        activities = CaseActivities(channel, cases_only.credentials.service_key)
        task_queue = f"tq-{uuid.uuid4()}"
        async with (
            Worker(
                env.client,
                task_queue=task_queue,
                workflows=[ComplaintWorkflow, SubtaskWorkflow],
                activities=[
                    activities.store_case,
                    activities.current_policy,
                    activities.record_change,
                ],
                workflow_runner=workflow_runner(),
            ),
            followup_worker(env.client, task_queue, cases_only, free_port()) as followups,
            knowledge_worker(env.client, task_queue, cases_only),
        ):
            received = next_friday_afternoon()
            handle = await env.client.start_workflow(
                ComplaintWorkflow.run,
                ComplaintInput(submission("A letter about an unexplained fee.", received)),
                id=f"complaint:test:{uuid.uuid4()}",
                task_queue=task_queue,
            )
            result = await handle.execute_update(
                ComplaintWorkflow.register_submission,
                RegisterSubmissionInput(fingerprint="f" * 64),
            )
            assert result.case_id.startswith("C-") and result.created

            status = await handle.query(ComplaintWorkflow.status)
            assert status.stage == "received" and not status.breached
            clocks = {c.name: c for c in status.clocks}
            summary_due, final_due = fca_deadlines(received)
            assert clocks["fca_summary_resolution"].due_at == summary_due
            assert clocks["fca_final_response"].due_at == final_due

            # Nobody works the complaint for three months: the acknowledgement
            # letter goes out by itself (a postal customer: handed to the
            # firm's print room, which moves the case on), every other clock
            # breaches, the regulatory ladder is climbed, and the workflow is
            # still there to be worked.
            await env.sleep(received - datetime.now(UTC) + timedelta(days=90))
            status = await handle.query(ComplaintWorkflow.status)
            assert status.case_id == result.case_id
            assert status.stage == "acknowledged"
            assert status.breached
            assert {c.name: c.state for c in status.clocks} == {
                "acknowledgement": "met",
                "first_response": "breached",
                "resolution": "breached",
                "fca_summary_resolution": "breached",
                "fca_final_response": "breached",
            }
            assert status.priority == "urgent"
            assert status.escalation_level >= 2
            assert status.team == "complaints-escalations"
            # The letters the policy sends by itself, each once: progress
            # updates every 14 days, and the holding response before the
            # eight-week deadline, with its referral rights.
            letters, _ = followups.list_messages(result.case_id, "", 50, "")
            sent = sorted(m.template_name for m in letters)
            assert sent == ["acknowledgement", "holding_response"] + ["progress_update"] * 6
            assert {m.state for m in letters} == {"handed_off"}
            assert {m.channel for m in letters} == {"postal"}
            holding = next(m for m in letters if m.template_name == "holding_response")
            assert "Financial Ombudsman Service" in holding.body_text
            last_day = (final_due.astimezone(LONDON) - timedelta(days=1)).date()
            assert f"{last_day.day} {last_day:%B %Y}" in holding.body_text
            # Read raw: the time-skipping server keeps an unset Datetime search
            # attribute as null, which the SDK's describe() cannot decode.
            described = await env.client.workflow_service.describe_workflow_execution(
                DescribeWorkflowExecutionRequest(
                    namespace=env.client.namespace,
                    execution=WorkflowExecution(workflow_id=handle.id),
                )
            )
            assert described.workflow_execution_info.status == WorkflowExecutionStatus.RUNNING.value

            retried = await handle.execute_update(
                ComplaintWorkflow.register_submission,
                RegisterSubmissionInput(fingerprint="f" * 64),
            )
            assert retried.case_id == result.case_id and not retried.created
        await channel.close()
    finally:
        await env.shutdown()


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_saved_histories_replay_without_nondeterminism(path: Path):
    # Child workflow ids derive from the workflow id: a history that started
    # children keeps its workflow id beside it.
    id_file = path.with_suffix(".workflow-id")
    workflow_id = id_file.read_text().strip() if id_file.exists() else path.stem
    history = WorkflowHistory.from_json(workflow_id, json.loads(path.read_text()))
    await Replayer(
        workflows=[ComplaintWorkflow], workflow_runner=workflow_runner()
    ).replay_workflow(history)


def test_there_are_saved_histories_to_replay():
    assert list(HISTORIES.glob("*.json")), "tests/histories/ must hold at least one history"
