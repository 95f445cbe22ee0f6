"""Complaint types on the real platform: one published policy with a card
dispute type (a chargeback stage, a 10-business-day chargeback clock) and
general rules; a complaint of each reaching its own stages and clocks on
Temporal's time-skipping server; a general complaint recategorised as a card
dispute moving to its rules in one audited step; and publish refusing a
broken types section with every problem's path."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc
import holidays
import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import SERVICES, LocalPlatform, Ports
from redress.devstack.processes import free_port
from redress.platform.enums import short_name
from redress.platform.errors import field_violations
from services.console.apis import Apis
from services.console.app import ConsoleConfig, create_app
from services.reporting.definitions import FCA_LINES, Filter
from services.reporting.python_figures import fca_return
from services.reporting.store import ReportingStore
from tests.conftest import bearer
from tests.followup_support import followup_worker, knowledge_worker
from tests.temporal_support import time_skipping
from workflows.activities import CaseActivities
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import (
    CategoryCommand,
    ComplaintInput,
    ComplaintSubmission,
    CustomerInfo,
    OutcomeCommand,
    ReasonCommand,
    RegisterSubmissionInput,
    TransitionCommand,
)
from workflows.sandbox import workflow_runner
from workflows.subtask import SubtaskWorkflow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/policy-with-types.yaml"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def typed_cases(tmp_path_factory: pytest.TempPathFactory):
    """services/cases with the example policy (two complaint types) in force."""
    local = LocalPlatform(tmp_path_factory.mktemp("typed-cases"), Ports.free())
    try:
        local.start_meilisearch()
        local.start_service("cases")
        with grpc.insecure_channel(local.address("cases")) as channel:
            cases_pb2_grpc.CasesServiceStub(channel).PublishPolicy(
                cases_pb2.PublishPolicyRequest(document=EXAMPLE.read_text()),
                metadata=bearer(local.credentials.admin_key),
                timeout=30,
            )
        yield local
    finally:
        local.stop()


def business_days_later(start: datetime, days: int) -> datetime:
    """`days` working days of 09:00-17:00 after `start` (in working hours),
    counted by hand: weekends and English bank holidays skipped."""
    local = start.astimezone(LONDON)
    day: date = local.date()
    bank = holidays.country_holidays("GB", subdiv="ENG", years=[day.year, day.year + 1])
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in bank:
            days -= 1
    return datetime.combine(day, local.time(), LONDON).astimezone(UTC)


def next_working_morning() -> datetime:
    """10:00 London on a working day a few days ahead (the time-skipping
    server starts at today's date), with no bank holiday in the next four weeks."""
    day = datetime.now(UTC).date() + timedelta(days=3)
    bank = holidays.country_holidays("GB", subdiv="ENG", years=[day.year, day.year + 1])
    while day.weekday() >= 5 or any(day + timedelta(days=n) in bank for n in range(29)):
        day += timedelta(days=1)
    return datetime.combine(day, time(10), LONDON).astimezone(UTC)


def submission(narrative: str, received: datetime, product: str = "") -> ComplaintSubmission:
    return ComplaintSubmission(
        idempotency_key=f"types-{uuid.uuid4()}",
        submitted_by="test",
        channel="web",
        customer=CustomerInfo(full_name="Ada Lovelace", email="ada@example.org", country="GB"),
        narrative=narrative,
        regime="uk_fca",
        received_at=received,
        fingerprint="f" * 64,
        product=product,
    )


def test_publish_refuses_a_broken_types_section_naming_each_problem(typed_cases):
    document = EXAMPLE.read_text().replace('version: "2026.12.1"', "version: broken")
    document = document.replace(
        "        next: [resolved]\n        stops: [acknowledgement, chargeback]",
        "        next: [refunded]\n        stops: [acknowledgement, chargeback]",
    )
    document = document.replace(
        "categories: [card_disputes]\n    stages:", "categories: [cards]\n    stages:"
    )
    with grpc.insecure_channel(typed_cases.address("cases")) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            cases_pb2_grpc.CasesServiceStub(channel).PublishPolicy(
                cases_pb2.PublishPolicyRequest(document=document),
                metadata=bearer(typed_cases.credentials.admin_key),
                timeout=30,
            )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [(v.field, v.description) for v in field_violations(refused.value)] == [
        ("document.types.card_dispute.when.categories", "'cards' is not in `categories`"),
        ("document.types.card_dispute.stages.chargeback.next", "'refunded' is not a stage"),
    ]


async def start(
    env: WorkflowEnvironment,
    task_queue: str,
    complaint: ComplaintSubmission,
    history_limit: int = 0,
) -> tuple[WorkflowHandle, str]:
    handle = await env.client.start_workflow(
        ComplaintWorkflow.run,
        ComplaintInput(complaint, history_limit=history_limit),
        id=f"complaint:types:{uuid.uuid4()}",
        task_queue=task_queue,
    )
    stored = await handle.execute_update(
        ComplaintWorkflow.register_submission, RegisterSubmissionInput(fingerprint="f" * 64)
    )
    return handle, stored.case_id


class ConsolePages:
    """The staff console (services/console) on the case store, signed in as the
    administrator; the other services it reads are not running, as the
    console allows."""

    def __init__(self, platform: LocalPlatform, scratch: Path) -> None:
        unreachable = f"127.0.0.1:{free_port()}"
        addresses = {name: unreachable for name in SERVICES}
        addresses["cases"] = platform.address("cases")
        self.apis = Apis(addresses)
        config = ConsoleConfig(
            keys_file=platform.data_dir / "api-keys.txt",
            views_file=scratch / "views.json",
            workflow_link="",
            idle_seconds=3600,
            secure_cookies=False,
        )
        self.client = create_app(config, self.apis).test_client()
        signed_in = self.client.post("/signin", data={"key": platform.credentials.admin_key})
        assert signed_in.status_code == 302, signed_in.text

    def case(self, case_id: str) -> tuple[str, list[str]]:
        """The complaint type the case page shows, and the stages it offers to move to."""
        shown = self.client.get(f"/cases/{case_id}")
        assert shown.status_code == 200, shown.text
        kind = re.search(r'<strong id="case-type">([^<]*)</strong>', shown.text)
        select = re.search(r'<select id="to-stage".*?</select>', shown.text, re.S)
        assert kind is not None and select is not None
        return kind.group(1), re.findall(r'<option value="([^"]+)"', select.group(0))


async def run_id(env: WorkflowEnvironment, workflow_id: str) -> str:
    # Read raw: the time-skipping server keeps an unset Datetime search
    # attribute as null, which the SDK's describe() cannot decode.
    described = await env.client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=env.client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
    return str(described.workflow_execution_info.execution.run_id)


def case_clocks(case: cases_pb2.Case) -> dict[str, tuple[str, datetime | None]]:
    """The internal clocks as GetCase shows them: state, and a running one's deadline."""
    found: dict[str, tuple[str, datetime | None]] = {}
    for c in case.clocks:
        if c.regulatory:
            continue
        state = short_name(common_pb2.ClockState, c.state)
        due = c.due_at.ToDatetime(tzinfo=UTC) if state == "running" else None
        found[c.name] = (state, due)
    return found


async def test_two_complaint_types_and_a_reclassification_on_temporal(typed_cases, tmp_path):
    env = await time_skipping()
    admin = bearer(typed_cases.credentials.admin_key)
    channel = grpc.insecure_channel(typed_cases.address("cases"))
    cases = cases_pb2_grpc.CasesServiceStub(channel)

    console = ConsolePages(typed_cases, tmp_path)

    def get(case_id: str) -> cases_pb2.Case:
        return cases.GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin).case

    try:
        activities = CaseActivities(
            grpc.aio.insecure_channel(typed_cases.address("cases")),
            typed_cases.credentials.service_key,
        )
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
            followup_worker(env.client, task_queue, typed_cases, free_port()),
            knowledge_worker(env.client, task_queue, typed_cases),
        ):
            received = next_working_morning()
            dispute, dispute_id = await start(
                env,
                task_queue,
                submission(
                    "I disputed a payment for a sofa that was never delivered.",
                    received,
                    product="Credit card or prepaid card",
                ),
            )
            general, general_id = await start(
                env,
                task_queue,
                submission("I was charged a fee nobody told me about.", received),
            )

            # Each complaint runs under its own type's stages and clocks.
            card = get(dispute_id)
            assert (card.category, card.complaint_type, card.stage) == (
                "card_disputes",
                "card_dispute",
                "received",
            )
            assert case_clocks(card) == {
                "acknowledgement": ("running", business_days_later(received, 1)),
                "chargeback": ("running", business_days_later(received, 10)),
                "resolution": ("running", business_days_later(received, 15)),
            }
            fees = get(general_id)
            assert (fees.category, fees.complaint_type, fees.stage) == (
                "fees_and_charges",
                "default",
                "received",
            )
            assert case_clocks(fees) == {
                "acknowledgement": ("running", business_days_later(received, 1)),
                "first_response": ("running", business_days_later(received, 3)),
                "resolution": ("running", business_days_later(received, 10)),
            }
            typed = [e for e in card.audit_events if e.action == "case.typed"]
            assert [(e.new_value, e.actor.id, e.actor.rule_version) for e in typed] == [
                ("card_dispute", "types.card_dispute", "typed-example 2026.12.1")
            ]
            assert (await dispute.query(ComplaintWorkflow.status)).allowed_stages == [
                "investigating",
                "chargeback",
                "resolved",
                "closed",
            ]

            # The card dispute reaches its chargeback stage, which stops its clock;
            # the general complaint has no such stage.
            await dispute.execute_update(
                ComplaintWorkflow.transition, TransitionCommand("dana", "chargeback", "raised")
            )
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await general.execute_update(
                    ComplaintWorkflow.transition, TransitionCommand("dana", "chargeback", "")
                )
            assert "unknown stage 'chargeback'" in str(refused.value.cause)
            await general.execute_update(
                ComplaintWorkflow.transition, TransitionCommand("dana", "acknowledged", "")
            )

            # The console's case page shows each case's type and offers the
            # moves its type's stage graph allows from where the case is.
            assert console.case(general_id) == ("default", ["investigating", "resolved"])
            assert console.case(dispute_id) == ("card dispute", ["resolved"])

            # A working day after receipt the general complaint turns out to be
            # a card dispute: it moves to the card dispute's rules.
            await env.sleep(business_days_later(received, 1) - datetime.now(UTC))
            moved_at = datetime.now(UTC)
            await general.execute_update(
                ComplaintWorkflow.change_category,
                CategoryCommand("dana", "card_disputes", "the fee is for a disputed payment"),
            )
            moved = get(general_id)
            assert (moved.category, moved.complaint_type, moved.stage) == (
                "card_disputes",
                "card_dispute",
                # "acknowledged" is not a card dispute's stage: its first one.
                "received",
            )
            clocks = case_clocks(moved)
            assert clocks["acknowledgement"] == ("met", None)
            assert clocks["first_response"] == ("not_applicable", None)
            assert clocks["chargeback"] == ("running", business_days_later(received, 10))
            # Its time used so far kept, under the card dispute's 15 days.
            assert clocks["resolution"][0] == "running"
            assert abs(clocks["resolution"][1] - business_days_later(received, 15)) < timedelta(
                seconds=5
            ), (moved_at, clocks["resolution"])
            (entry,) = [e for e in moved.audit_events if e.action == "case.type_changed"]
            assert (entry.field, entry.old_value, entry.actor.id, entry.actor.rule_version) == (
                "complaint_type",
                "default",
                "types.card_dispute",
                "typed-example 2026.12.1",
            )
            assert json.loads(entry.new_value)["clocks"] == {
                "acknowledgement": "met",
                "first_response": "not_applicable",
                "resolution": "running",
                "chargeback": "running",
            }
            assert "stage acknowledged -> received" in entry.cause
            assert "clock first_response not applicable" in entry.cause
            assert "clock chargeback started from receipt" in entry.cause
            assert (await general.query(ComplaintWorkflow.status)).allowed_stages == [
                "investigating",
                "chargeback",
                "resolved",
                "closed",
            ]
            assert console.case(general_id) == (
                "card dispute",
                ["investigating", "chargeback", "resolved", "closed"],
            )
            verified = cases.VerifyAuditTrail(
                cases_pb2.VerifyAuditTrailRequest(case_id=general_id), metadata=admin
            )
            assert verified.intact and verified.consistent, list(verified.disagreements)

            # Nobody raises its chargeback: its clock breaches at the end of the
            # tenth business day after receipt; the other dispute's was met.
            await env.sleep(
                business_days_later(received, 10) - datetime.now(UTC) + timedelta(hours=1)
            )
            assert case_clocks(get(general_id))["chargeback"][0] == "breached"
            assert case_clocks(get(dispute_id))["chargeback"][0] == "met"

            listed = cases.ListCases(
                cases_pb2.ListCasesRequest(complaint_types=["card_dispute"]), metadata=admin
            )
            assert {c.case_id for c in listed.cases} >= {dispute_id, general_id}
            listed = cases.ListCases(
                cases_pb2.ListCasesRequest(complaint_types=["default"]), metadata=admin
            )
            assert {c.case_id for c in listed.cases}.isdisjoint({dispute_id, general_id})

            # A long life: the type travels across continue-as-new, and the
            # new run moves the case between types as the first would.
            received_late = datetime.now(UTC) + timedelta(minutes=5)
            long, long_id = await start(
                env,
                task_queue,
                submission("A refund I was promised never came.", received_late, "Debit card"),
                history_limit=30,
            )
            first_run = await run_id(env, long.id)
            for stage in ("investigating", "chargeback"):
                await long.execute_update(
                    ComplaintWorkflow.transition, TransitionCommand("dana", stage, "")
                )
            for category in ("service", "card_disputes", "service"):
                await long.execute_update(
                    ComplaintWorkflow.change_category,
                    CategoryCommand("dana", category, "checking the rules"),
                )
            for _ in range(50):  # the run continues as new once the updates are answered
                if await run_id(env, long.id) != first_run:
                    break
                await asyncio.sleep(0.2)
            else:
                raise AssertionError("no continue-as-new")
            latest = env.client.get_workflow_handle(long.id)
            status = await latest.query(ComplaintWorkflow.status)
            assert (status.complaint_type, status.stage) == ("default", "received")
            assert status.allowed_stages == ["acknowledged", "investigating", "resolved", "closed"]
            moved = get(long_id)
            assert (moved.complaint_type, moved.stage) == ("default", "received")
            moves = [
                (e.old_value, json.loads(e.new_value)["type"])
                for e in moved.audit_events
                if e.action == "case.type_changed"
            ]
            assert moves == [
                ("card_dispute", "default"),
                ("default", "card_dispute"),
                ("card_dispute", "default"),
            ]

            # Each type has its own cause taxonomy, and the FCA complaints return
            # counts a cause as the case's type maps it.
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await long.execute_update(
                    ComplaintWorkflow.record_outcome,
                    OutcomeCommand("dana", "upheld", "merchant.not_delivered", "refunded"),
                )
            assert "'merchant.not_delivered' is not in the cause taxonomy" in str(
                refused.value.cause
            )
            # A card dispute records one of its type's outcome values.
            await dispute.execute_update(
                ComplaintWorkflow.record_outcome,
                OutcomeCommand(
                    "dana", "", "merchant.not_delivered", "refunded", outcome="chargeback_won"
                ),
            )
            assert (get(dispute_id).outcome.outcome, get(dispute_id).outcome.decision) == (
                "chargeback_won",
                cases_pb2.DECISION_UPHELD,
            )
            await dispute.execute_update(ComplaintWorkflow.resolve, ReasonCommand("dana"))
            resolved_at = get(dispute_id).resolved_at.ToDatetime(tzinfo=UTC)
            reporting = ReportingStore(typed_cases.database_url)
            try:
                rows = reporting.rows(
                    Filter(regimes=("uk_fca",)),
                    clocks=("fca_summary_resolution", "fca_final_response"),
                )
                lines = fca_return(
                    rows, received, resolved_at + timedelta(days=1), reporting.disp_cause_category
                )
            finally:
                reporting.close()
            by_cause = [
                line.breakdown.split(": ")[-1]
                for line in lines
                if line.description == FCA_LINES["9_cause"] and dispute_id in line.case_ids
            ]
            # (The base rules do not know the cause: they would count it as "Other".)
            assert by_cause == ["Terms and disputed sums/charges"] * 2

            # Its history replays on the code that made it.
            history = await general.fetch_history()
            await Replayer(
                workflows=[ComplaintWorkflow], workflow_runner=workflow_runner()
            ).replay_workflow(history)
    finally:
        console.apis.close()
        channel.close()
        await env.shutdown()
