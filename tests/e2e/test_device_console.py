"""A complaint handler records a device case's reportability decision and
the report made from the console's case page, on the whole platform: the
decision starts the regime's clock from awareness, the report stops it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform
from redress.domain.policy import Policy
from redress.domain.regulatory import awareness_deadlines
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform.enums import short_name
from services.console.apis import SERVICES, Apis
from services.console.app import create_app
from services.console.pages import ConsoleConfig
from tests.conftest import bearer, eventually


@pytest.fixture
def console(platform: LocalPlatform, tmp_path: Path):  # type: ignore[no-untyped-def]
    apis = Apis({name: platform.address(name) for name in SERVICES})
    app = create_app(
        ConsoleConfig(
            keys_file=platform.data_dir / "api-keys.txt",
            views_file=tmp_path / "views.json",
            workflow_link="",
            idle_seconds=600,
            secure_cookies=False,
        ),
        apis,
    )
    try:
        client = app.test_client()
        signed_in = client.post("/signin", data={"key": platform.credentials.admin_key})
        assert signed_in.status_code == 302
        yield client
    finally:
        apis.close()


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page carries its form token"
    return found.group(1)


def test_the_case_page_records_the_decision_and_the_report_made(platform, console):
    admin = bearer(platform.credentials.admin_key)
    with grpc.insecure_channel(platform.address("intake")) as channel:
        case_id = (
            intake_pb2_grpc.IntakeServiceStub(channel)
            .SubmitComplaint(
                intake_pb2.SubmitComplaintRequest(
                    idempotency_key=f"device-console-{uuid.uuid4()}",
                    channel=common_pb2.CHANNEL_PHONE,
                    customer=common_pb2.Customer(
                        full_name="Nurse Ratched", email=f"{uuid.uuid4().hex[:8]}@clinic.test"
                    ),
                    product="Infusion pump IP-200",
                    narrative="The pump over-infused at low rates and its alarm stayed silent.",
                    regime_name="fda_mdr",
                ),
                metadata=admin,
                timeout=60,
            )
            .case_id
        )
    page = console.get(f"/cases/{case_id}").text
    assert 'id="reportability"' in page
    form = page[page.index('id="reportability"') :].split("</form>")[0]
    assert re.findall(r'<option value="([a-z_]+)"', form) == [
        "death",
        "serious_injury",
        "malfunction",
        "remedial_action",
    ]

    # A decision without its reasons is refused next to the field.
    aware = (datetime.now(UTC) - timedelta(days=1)).replace(second=0, microsecond=0)
    fields = {
        "csrf": csrf(page),
        "form_key": "decide-from-console",
        "reportable": "yes",
        "event_kind": "malfunction",
        "aware_at": aware.strftime("%Y-%m-%dT%H:%M"),
        "investigation": "CAPA-91: the returned unit is on the bench",
        "device_model": "IP-200",
        "lot_or_serial": "LOT 7",
    }
    refused = console.post(f"/cases/{case_id}/reportability", data=fields)
    assert refused.status_code == 422
    assert re.search(r'id="vigilance-reasons"[^>]*aria-invalid="true"', refused.text)

    fields["reasons"] = "Malfunction that would be likely to cause serious injury if it recurred"
    done = console.post(f"/cases/{case_id}/reportability", data=fields)
    assert done.status_code == 302, done.text
    # The same form sent again records nothing more.
    assert console.post(f"/cases/{case_id}/reportability", data=fields).status_code == 302

    with grpc.insecure_channel(platform.address("cases")) as channel:
        cases = cases_pb2_grpc.CasesServiceStub(channel)

        def get() -> cases_pb2.Case:
            return cases.GetCase(
                cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=10
            ).case

        case = get()
        [clock] = [c for c in case.clocks if c.name == "fda_mdr_report"]
        assert clock.started_at.ToDatetime(tzinfo=UTC) == aware
        # The end of the 30th calendar day after awareness, in the regime's calendar.
        calendar = Policy.load_default().regime_calendar("fda_mdr")
        [deadline] = awareness_deadlines("fda_mdr", "malfunction", aware, calendar)
        assert clock.due_at.ToDatetime(tzinfo=UTC) == deadline.due_at
        assert timedelta(days=30) <= deadline.due_at - aware < timedelta(days=31)
        decided = [e for e in case.audit_events if e.action == "reportability.decided"]
        assert len(decided) == 1 and decided[0].cause.startswith("Malfunction that would")

        page = console.get(f"/cases/{case_id}").text
        assert 'id="reportability"' not in page
        assert "Reportable (malfunction)" in page
        row = page[page.index('data-report-clock="fda_mdr_report"') :].split("</tr>")[0]
        assert "21 CFR 803.50" in row and "running" in row

        submitted = datetime.now(UTC).replace(second=0, microsecond=0)
        made = console.post(
            f"/cases/{case_id}/regulatory-report",
            data={
                "csrf": csrf(page),
                "clock": "fda_mdr_report",
                "submitted_at": submitted.strftime("%Y-%m-%dT%H:%M"),
                "reference": "MFR-2026-00911",
            },
        )
        assert made.status_code == 302, made.text

        def met() -> cases_pb2.Clock | None:
            [clock] = [c for c in get().clocks if c.name == "fda_mdr_report"]
            return clock if short_name(common_pb2.ClockState, clock.state) == "met" else None

        clock = eventually(met)
        assert clock.stopped_at.ToDatetime(tzinfo=UTC) == submitted
        page = console.get(f"/cases/{case_id}").text
        row = page[page.index('data-report-clock="fda_mdr_report"') :].split("</tr>")[0]
        assert ">met<" in row and "Record report made" not in row
