"""A device complaint on Temporal's time-skipping server: the reportability
decision starts the regime's clocks from awareness, reports stop them (met
or missed), everything is on the case's audit trail, and the case cannot be
resolved or closed until its duties are recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc
import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from redress import cli
from redress.cases.v1 import cases_pb2
from redress.domain.policy import Policy
from redress.domain.regulatory import awareness_deadlines
from redress.domain.vigilance_state import RegulatoryReportCommand, ReportabilityCommand
from redress.platform.errors import field_violations
from services.console.apis import SERVICES, Apis
from services.console.app import create_app
from services.console.pages import ConsoleConfig
from tests.e2e import test_lifecycle as lifecycle
from tests.e2e.test_lifecycle import Harness
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import OutcomeCommand, ReasonCommand
from workflows.refusals import FAILED_PRECONDITION

NEW_YORK = ZoneInfo("America/New_York")
PRODUCT = "Infusion pump IP-200"
# The lifecycle tests' platform: a case store and the time-skipping server.
cases_service, env, harness = lifecycle.cases_service, lifecycle.env, lifecycle.harness


def decision(kind: str, aware: datetime, key: str) -> ReportabilityCommand:
    return ReportabilityCommand(
        actor="qa.quinn",
        reportable=True,
        event_kind=kind,
        aware_at=aware.astimezone(UTC),
        reasons="Overinfusion at low rates; a field correction is needed",
        investigation="CAPA-77: the returned unit is on the bench",
        device_model="IP-200",
        lot_or_serial="LOT 4411",
        udi="(01)00812345678901",
        event_date="2027-05-30",
        patient_outcome="no injury",
        description="The overinfusion alarm did not sound",
        idempotency_key=key,
    )


def due(kind: str, aware: datetime) -> datetime:
    calendar = Policy.load(open("redress/domain/default_policy.yaml").read()).regime_calendar(
        "fda_mdr"
    )
    [deadline] = awareness_deadlines("fda_mdr", kind, aware.astimezone(UTC), calendar)
    return deadline.due_at


async def listed(  # type: ignore[no-untyped-def]
    harness: Harness,
    case_id: str,
    regime: str = "",
    due_from: datetime | None = None,
    due_before: datetime | None = None,
):
    request = cases_pb2.ListRegulatoryReportsRequest(regime=regime)
    if due_from is not None:
        request.due_from.FromDatetime(due_from.astimezone(UTC))
    if due_before is not None:
        request.due_before.FromDatetime(due_before.astimezone(UTC))
    response = await harness.stub.ListRegulatoryReports(request, metadata=harness.metadata)
    return [r for r in response.reports if r.case_id == case_id]


def console_page(harness: Harness, tmp_path: Path, path: str) -> str:
    """The page as an administrator signed in to the console sees it."""
    apis = Apis({name: harness.cases.address("cases") for name in SERVICES})
    app = create_app(
        ConsoleConfig(
            keys_file=harness.cases.data_dir / "api-keys.txt",
            views_file=tmp_path / "views.json",
            workflow_link="",
            idle_seconds=600,
            secure_cookies=False,
        ),
        apis,
    )
    try:
        client = app.test_client()
        signed_in = client.post("/signin", data={"key": harness.cases.credentials.admin_key})
        assert signed_in.status_code == 302
        response = client.get(path)
        assert response.status_code == 200, response.text
        return response.text
    finally:
        apis.close()


async def refused(handle, update, command) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, command)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == FAILED_PRECONDITION
    return cause.message


async def test_a_five_day_report_made_in_time_meets_its_clock_and_frees_the_case(
    harness: Harness,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
):
    received = datetime(2027, 6, 2, 10, 0, tzinfo=NEW_YORK)  # a Wednesday
    await harness.skip_to(received)
    handle, case_id = await harness.file(received, regime="fda_mdr", product=PRODUCT)
    await handle.execute_update(
        ComplaintWorkflow.record_outcome,
        OutcomeCommand("qa.quinn", "upheld", "fees.unexpected", "Pump replaced"),
    )
    message = await refused(handle, ComplaintWorkflow.resolve, ReasonCommand("qa.quinn", "done"))
    assert "fda_mdr case cannot be resolved until its reportability decision" in message

    # Decided a day later; the firm knew of the event two days before receipt.
    aware = received - timedelta(days=2)
    await harness.skip_to_act(handle, received + timedelta(days=1))
    command = decision("remedial_action", aware, "decide-1")
    await handle.execute_update(ComplaintWorkflow.record_reportability, command)
    # A retried call is answered and recorded once.
    await handle.execute_update(ComplaintWorkflow.record_reportability, command)
    case = await harness.case(case_id)
    [clock] = [c for c in case.clocks if c.name == "fda_mdr_five_day_report"]
    assert clock.started_at.ToDatetime(tzinfo=UTC) == aware.astimezone(UTC)
    assert clock.due_at.ToDatetime(tzinfo=UTC) == due("remedial_action", aware)
    assert clock.regulatory and clock.regulation == "21 CFR 803.53"
    decided = [e for e in case.audit_events if e.action == "reportability.decided"]
    assert len(decided) == 1
    said = json.loads(decided[0].new_value)
    assert said["reports_due"] == {
        "fda_mdr_five_day_report": due("remedial_action", aware).isoformat()
    }
    assert (said["udi"], said["device_model"]) == ("(01)00812345678901", "IP-200")

    # Resolving waits for nothing more; the report's clock keeps running.
    await handle.execute_update(ComplaintWorkflow.resolve, ReasonCommand("qa.quinn", "done"))
    message = await refused(handle, ComplaintWorkflow.close, ReasonCommand("qa.quinn", "done"))
    assert "fda_mdr_five_day_report" in message

    await harness.skip_to_act(handle, received + timedelta(days=2))
    submitted = await harness.env.get_current_time()
    await handle.execute_update(
        ComplaintWorkflow.record_regulatory_report,
        RegulatoryReportCommand(
            "qa.quinn", "fda_mdr_five_day_report", submitted, "MFR-2027-00042", "report-1"
        ),
    )
    await handle.execute_update(ComplaintWorkflow.close, ReasonCommand("qa.quinn", "done"))
    case = await harness.case(case_id)
    [clock] = [c for c in case.clocks if c.name == "fda_mdr_five_day_report"]
    assert clock.stopped_at.ToDatetime(tzinfo=UTC) == submitted
    status = await handle.query(ComplaintWorkflow.status)
    assert next(c for c in status.clocks if c.name == "fda_mdr_five_day_report").state == "met"
    reports = [e for e in case.audit_events if e.action == "regulatory_report.recorded"]
    assert "MFR-2027-00042" in reports[0].new_value

    [row] = await listed(harness, case_id, regime="fda_mdr")
    assert (row.clock, row.regulation, row.event_kind, row.status) == (
        "fda_mdr_five_day_report",
        "21 CFR 803.53",
        "remedial_action",
        "met",
    )
    assert row.aware_at.ToDatetime(tzinfo=UTC) == aware.astimezone(UTC)
    assert row.due_at.ToDatetime(tzinfo=UTC) == due("remedial_action", aware)
    assert row.reported_at.ToDatetime(tzinfo=UTC) == submitted
    assert (row.reference, row.device_name, row.device_model) == (
        "MFR-2027-00042",
        PRODUCT,
        "IP-200",
    )
    assert (row.lot_or_serial, row.udi, row.event_date, row.patient_outcome) == (
        "LOT 4411",
        "(01)00812345678901",
        "2027-05-30",
        "no injury",
    )
    assert row.description == "The overinfusion alarm did not sound"
    # From the terminal.
    monkeypatch.setenv("REDRESS_CASES_ADDRESS", harness.cases.address("cases"))
    monkeypatch.setenv("REDRESS_API_KEY", harness.cases.credentials.admin_key)
    capsys.readouterr()
    assert cli.main(["device-reports", "--regime", "fda_mdr"]) == 0
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith(case_id)]
    assert "fda_mdr_five_day_report [met] remedial_action" in line
    assert "(MFR-2027-00042)" in line and PRODUCT in line and "LOT 4411" in line
    # On the console's Device reports page.
    body = console_page(
        harness,
        tmp_path,
        f"/reports/device?regime=fda_mdr&from={received.date()}&to={received.date() + timedelta(days=9)}",
    )
    row_html = body[body.index(f'<a href="/cases/{case_id}">') :].split("</tr>")[0]
    for shown in ("fda_mdr_five_day_report", "remedial_action", "MFR-2027-00042", "UDI (01)"):
        assert shown in row_html
    assert ">met<" in row_html
    # The period is of due dates; eu_mdr lists none of fda_mdr's.
    assert await listed(harness, case_id, due_before=aware) == []
    assert await listed(harness, case_id, regime="eu_mdr") == []


async def test_a_thirty_day_report_made_late_leaves_its_clock_breached(harness: Harness):
    received = datetime(2027, 6, 2, 10, 0, tzinfo=NEW_YORK)
    await harness.skip_to(received)
    handle, case_id = await harness.file(received, regime="fda_mdr", product=PRODUCT)
    await harness.skip_to_act(handle, received + timedelta(hours=2))
    await handle.execute_update(
        ComplaintWorkflow.record_reportability, decision("malfunction", received, "decide-2")
    )
    deadline = due("malfunction", received)
    await harness.skip_to_act(handle, deadline + timedelta(days=2))
    status = await handle.query(ComplaintWorkflow.status)
    assert next(c for c in status.clocks if c.name == "fda_mdr_report").state == "breached"
    submitted = await harness.env.get_current_time()
    await handle.execute_update(
        ComplaintWorkflow.record_regulatory_report,
        RegulatoryReportCommand("qa.quinn", "fda_mdr_report", submitted, "MFR-2027-00043"),
    )
    status = await handle.query(ComplaintWorkflow.status)
    assert next(c for c in status.clocks if c.name == "fda_mdr_report").state == "breached"
    case = await harness.case(case_id)
    actions = [e.action for e in case.audit_events]
    assert "clock.breached" in actions and "regulatory_report.recorded" in actions
    [row] = await listed(harness, case_id, due_from=deadline - timedelta(days=1))
    assert (row.clock, row.event_kind, row.status, row.reference) == (
        "fda_mdr_report",
        "malfunction",
        "missed",
        "MFR-2027-00043",
    )
    assert row.reported_at.ToDatetime(tzinfo=UTC) == submitted


async def test_the_report_list_names_its_wrong_filters(harness: Harness):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await harness.stub.ListRegulatoryReports(
            cases_pb2.ListRegulatoryReportsRequest(regime="uk_fca", limit=5000),
            metadata=harness.metadata,
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(refused.value)} == {"regime", "limit"}


async def test_a_case_under_a_receipt_regime_takes_no_decision(harness: Harness):
    received = datetime(2027, 6, 2, 10, 0, tzinfo=NEW_YORK)
    await harness.skip_to(received)
    handle, _ = await harness.file(received, regime="uk_fca")
    message = await refused(
        handle,
        ComplaintWorkflow.record_reportability,
        decision("malfunction", received, "decide-3"),
    )
    assert "'uk_fca' has no awareness clocks" in message


async def test_the_decision_and_its_clocks_live_on_across_continue_as_new(harness: Harness):
    received = datetime(2027, 6, 2, 10, 0, tzinfo=NEW_YORK)
    await harness.skip_to(received)
    handle, case_id = await harness.file(
        received, regime="fda_mdr", product=PRODUCT, history_limit=40
    )
    first_run = (await lifecycle.describe(harness, handle.id)).workflow_execution_info
    await harness.skip_to_act(handle, received + timedelta(hours=1))
    command = decision("malfunction", received, "decide-can")
    await handle.execute_update(ComplaintWorkflow.record_reportability, command)
    for priority in ("high", "normal", "high", "normal", "high"):
        await handle.execute_update(
            ComplaintWorkflow.change_priority,
            lifecycle.PriorityCommand("qa.quinn", priority, "check"),
        )
    runs = await lifecycle.describe(harness, handle.id)
    assert runs.workflow_execution_info.execution.run_id != first_run.execution.run_id, (
        "no continue-as-new"
    )
    latest = harness.env.client.get_workflow_handle(handle.id)
    # The same decision again, in the new run, is answered and recorded once.
    await latest.execute_update(ComplaintWorkflow.record_reportability, command)
    message = await refused(
        latest,
        ComplaintWorkflow.record_reportability,
        decision("malfunction", received, "another-key"),
    )
    assert "already recorded" in message
    await harness.skip_to_act(latest, received + timedelta(days=3))
    submitted = await harness.env.get_current_time()
    await latest.execute_update(
        ComplaintWorkflow.record_regulatory_report,
        RegulatoryReportCommand("qa.quinn", "fda_mdr_report", submitted, "MFR-2027-00044"),
    )
    status = await latest.query(ComplaintWorkflow.status)
    assert next(c for c in status.clocks if c.name == "fda_mdr_report").state == "met"
    case = await harness.case(case_id)
    actions = [e.action for e in case.audit_events]
    assert actions.count("reportability.decided") == 1
    assert actions.count("regulatory_report.recorded") == 1
    # A 30-day report made in time, in the list as met.
    [row] = await listed(harness, case_id, regime="fda_mdr")
    assert (row.clock, row.event_kind, row.status, row.reference) == (
        "fda_mdr_report",
        "malfunction",
        "met",
        "MFR-2027-00044",
    )
