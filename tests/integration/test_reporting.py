"""Reporting over real CFPB complaints imported through intake, checked against
plain-Python figures computed from the same CSV rows.

The platform here is the reporting suite's own (Temporal, cases, intake,
reporting and the worker), so that no other test's cases are counted.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import email
import email.policy
import io
import json
import mailbox
import math
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import grpc
import openpyxl
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.domain.calendars import preset
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform.enums import Channel, short_name
from redress.platform.errors import field_violations
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.reporting import store as figures
from services.reporting.exports import export_chunks
from tests.conftest import SHARED_DATA, bearer, eventually

SOURCE = SHARED_DATA / "cfpb_bigquery_schema_sample.csv"
CHANNELS = {
    "Web": "web",
    "Referral": "referral",
    "Phone": "phone",
    "Postal mail": "postal",
    "Fax": "fax",
}


# A team lead reads figures but not regulatory returns.
TEAM_LEAD_KEY = "lena-reporting-key-0123456789"


@pytest.fixture(scope="module")
def reporting_platform(tmp_path_factory: pytest.TempPathFactory):
    local = LocalPlatform(tmp_path_factory.mktemp("reporting"), Ports.free())
    keys = local.data_dir / "reporting-api-keys.txt"
    keys.write_text(
        (local.data_dir / "api-keys.txt").read_text() + f"{TEAM_LEAD_KEY} lena team_lead\n"
    )
    try:
        local.start_temporal(persist=False, ui=False)
        local.start_mail()
        for name in ("cases", "intake"):
            local.start_service(name)
        local.start_service(
            "reporting",
            {"REDRESS_BUSINESS_METRICS_TTL": "0", "REDRESS_API_KEYS_FILE": str(keys)},
        )
        local.start_worker()
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def imported(reporting_platform, tmp_path_factory) -> list[dict[str, str]]:
    """The CSV's rows that intake accepted (the importer reports the others)."""
    rejections = tmp_path_factory.mktemp("rejections") / "rejected.csv"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "redress.cli",
            "import",
            "cfpb",
            str(SOURCE),
            "--rejections",
            str(rejections),
        ],
        env={
            "PATH": "/usr/bin:/bin",
            "REDRESS_API_KEY": reporting_platform.credentials.admin_key,
            "REDRESS_INTAKE_ADDRESS": reporting_platform.address("intake"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rejected = set()
    if rejections.exists():
        with rejections.open(newline="") as f:
            rejected = {int(r["line"]) for r in csv.DictReader(f)}
    with SOURCE.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if reader.line_num not in rejected]
    assert len(rows) >= 140
    return rows


@pytest.fixture(scope="module")
def reports(reporting_platform):
    channel = grpc.insecure_channel(reporting_platform.address("reporting"))
    yield reporting_pb2_grpc.ReportingServiceStub(channel)
    channel.close()


@pytest.fixture(scope="module")
def admin_key(reporting_platform):
    return bearer(reporting_platform.credentials.admin_key)


def ts(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value)
    return out


def period(start: date, end: date) -> common_pb2.TimeRange:
    return common_pb2.TimeRange(
        start=ts(datetime(start.year, start.month, start.day, tzinfo=UTC)),
        end=ts(datetime(end.year, end.month, end.day, tzinfo=UTC)),
    )


ALL_TIME = period(date(2010, 1, 1), date(2020, 1, 1))


def test_monthly_trends_by_product_match_the_rows_imported(reports, admin_key, imported):
    expected = Counter((r["date_received"][:7], r["product"]) for r in imported)
    got = reports.GetTrends(
        reporting_pb2.GetTrendsRequest(
            filter=reporting_pb2.CaseFilter(received=ALL_TIME),
            granularity=reporting_pb2.GRANULARITY_MONTH,
            split_by=reporting_pb2.DIMENSION_PRODUCT,
        ),
        metadata=admin_key,
        timeout=30,
    )
    counted = {
        (p.period_start.ToDatetime().strftime("%Y-%m"), p.key): p.received for p in got.points
    }
    assert counted == dict(expected)


def test_trends_by_channel_and_a_product_filter(reports, admin_key, imported):
    product = Counter(r["product"] for r in imported).most_common(1)[0][0]
    mine = [r for r in imported if r["product"] == product]
    got = reports.GetTrends(
        reporting_pb2.GetTrendsRequest(
            filter=reporting_pb2.CaseFilter(received=ALL_TIME, products=[product]),
            split_by=reporting_pb2.DIMENSION_CHANNEL,
        ),
        metadata=admin_key,
        timeout=30,
    )
    assert {p.key: p.received for p in got.points} == dict(
        Counter(CHANNELS[r["submitted_via"]] for r in mine)
    )


def test_the_cfpb_return_counts_every_untimely_open_complaint(reports, admin_key, imported):
    got = reports.GetRegulatoryReturn(
        reporting_pb2.GetRegulatoryReturnRequest(
            regime=common_pb2.REGIME_US_CFPB, period=period(date(2017, 1, 1), date(2018, 1, 1))
        ),
        metadata=admin_key,
        timeout=30,
    )
    lines = {(line.description, line.breakdown): line for line in got.lines}
    in_2017 = [r for r in imported if r["date_received"].startswith("2017")]
    # 15 calendar days from receipt (at noon UTC): those received from
    # 17 December 2017 on were not yet due when the year ended.
    due_in_year = [
        r for r in in_2017 if date.fromisoformat(r["date_received"]) < date(2017, 12, 17)
    ]
    assert lines[("Complaints received", "")].value == len(in_2017)
    assert lines[("Untimely response", "")].value == len(due_in_year)
    assert lines[("Company response to consumer", "In progress")].value == len(in_2017)
    # Each figure names the cases it counts.
    assert len(lines[("Complaints received", "")].case_ids) == len(in_2017)


def test_root_causes_time_to_close_and_compliance_follow_the_handlers_work(
    reporting_platform, reports, admin_key, imported
):
    cases = cases_pb2_grpc.CasesServiceStub(
        grpc.insecure_channel(reporting_platform.address("cases"))
    )
    listed = cases.ListCases(
        cases_pb2.ListCasesRequest(page=common_pb2.PageRequest(page_size=6)),
        metadata=admin_key,
        timeout=30,
    ).cases
    plan = [
        ("fees.unexpected", cases_pb2.DECISION_UPHELD, 2500),
        ("fees.unexpected", cases_pb2.DECISION_REJECTED, 0),
        ("service.delay", cases_pb2.DECISION_PARTLY_UPHELD, 1000),
    ]
    resolved = []
    for case, (cause, decision, redress) in zip(listed, plan, strict=False):
        outcome = cases_pb2.RecordOutcomeRequest(
            case_id=case.case_id, decision=decision, root_cause=cause, summary="reviewed"
        )
        if redress:
            outcome.redress.CopyFrom(common_pb2.Money(currency="USD", minor_units=redress))
        cases.RecordOutcome(outcome, metadata=admin_key, timeout=30)
        resolved.append(
            cases.ResolveCase(
                cases_pb2.ResolveCaseRequest(case_id=case.case_id, reason="answered"),
                metadata=admin_key,
                timeout=30,
            ).case
        )
    eventually(
        lambda: all(
            cases.GetCase(
                cases_pb2.GetCaseRequest(case_id=c.case_id), metadata=admin_key
            ).case.HasField("resolved_at")
            for c in resolved
        ),
        timeout=30,
    )
    found = reports.GetRootCauses(
        reporting_pb2.GetRootCausesRequest(filter=reporting_pb2.CaseFilter(received=ALL_TIME)),
        metadata=admin_key,
        timeout=30,
    )
    causes = {c.root_cause: c for c in found.causes}
    assert [c.root_cause for c in found.causes] == ["fees.unexpected", "service.delay"]
    assert causes["fees.unexpected"].cases == 2 and causes["fees.unexpected"].upheld_rate == 0.5
    assert [(m.currency, m.minor_units) for m in causes["fees.unexpected"].redress_paid] == [
        ("USD", 2500)
    ]
    assert causes["service.delay"].upheld_rate == 1.0

    # Time to resolution, from each case's own timestamps, by nearest rank.
    seconds = sorted(
        (c.resolved_at.ToDatetime() - c.received_at.ToDatetime()).total_seconds()
        for c in (
            cases.GetCase(cases_pb2.GetCaseRequest(case_id=r.case_id), metadata=admin_key).case
            for r in resolved
        )
    )
    times = reports.GetTimeToClose(
        reporting_pb2.GetTimeToCloseRequest(filter=reporting_pb2.CaseFilter(received=ALL_TIME)),
        metadata=admin_key,
        timeout=30,
    )
    (overall,) = times.to_resolution
    assert overall.cases == len(seconds)
    assert overall.p50.ToTimedelta() == timedelta(
        seconds=round(seconds[math.ceil(0.5 * len(seconds)) - 1])
    )
    assert overall.max.ToTimedelta() == timedelta(seconds=round(seconds[-1]))

    compliance = reports.GetClockCompliance(
        reporting_pb2.GetClockComplianceRequest(
            filter=reporting_pb2.CaseFilter(received=ALL_TIME), business_time=True
        ),
        metadata=admin_key,
        timeout=30,
    )
    cfpb = next(c for c in compliance.clocks if c.clock == "cfpb_response")
    # Imported years after receipt: every CFPB clock was breached, none met.
    assert cfpb.breached == len(imported) and cfpb.met == 0
    assert cfpb.max_lateness.ToTimedelta() > timedelta(days=365 * 8)
    # Time taken is over clocks that have stopped: the three resolutions
    # stopped their breached CFPB clocks, late, so receipt to resolution.
    assert cfpb.time_taken.cases == len(seconds)
    assert cfpb.time_taken.max.ToTimedelta() == timedelta(seconds=round(seconds[-1]))
    assert cfpb.business_time_taken.cases == len(seconds)
    assert cfpb.business_time_taken.max.ToTimedelta() < cfpb.time_taken.max.ToTimedelta()


def test_an_export_holds_every_case_once_as_csv_jsonl_and_asic_rows(reports, admin_key, imported):
    def export(fmt: int) -> bytes:
        parts = list(
            reports.ExportCases(
                reporting_pb2.ExportCasesRequest(
                    filter=reporting_pb2.CaseFilter(received=ALL_TIME), format=fmt
                ),
                metadata=admin_key,
                timeout=60,
            )
        )
        assert parts[-1].cases == len(imported)
        return b"".join(p.chunk for p in parts)

    rows = list(csv.DictReader(io.StringIO(export(reporting_pb2.EXPORT_FORMAT_CSV).decode())))
    assert len({r["case_id"] for r in rows}) == len(imported)
    assert Counter(r["product"] for r in rows) == Counter(r["product"] for r in imported)
    lines = export(reporting_pb2.EXPORT_FORMAT_JSONL).decode().splitlines()
    assert sorted(json.loads(line)["case_id"] for line in lines) == sorted(
        r["case_id"] for r in rows
    )
    asic = list(
        csv.DictReader(io.StringIO(export(reporting_pb2.EXPORT_FORMAT_ASIC_IDR_CSV).decode()))
    )
    assert set(asic[0]) >= {"complaint_id", "date_received", "within_idr_timeframe"}
    assert sorted(a["date_received"] for a in asic) == sorted(r["date_received"] for r in imported)


def scrape(platform: LocalPlatform) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    url = f"http://127.0.0.1:{platform.ports.metrics['reporting']}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_business_metrics_count_what_the_database_holds(reporting_platform, imported):
    metrics = scrape(reporting_platform)
    by_channel: Counter[str] = Counter()
    for (name, labels), value in metrics.items():
        if name == "redress_complaints_received_total":
            by_channel[dict(labels)["channel"]] += int(value)
    assert by_channel == Counter(CHANNELS[r["submitted_via"]] for r in imported)
    assert metrics[("redress_clock_breaches_total", (("clock", "cfpb_response"),))] == len(imported)
    open_cases = sum(v for (n, _), v in metrics.items() if n == "redress_complaints_open")
    # Open means unresolved: all but the three handlers resolved above.
    assert open_cases == len(imported) - 3
    assert metrics[("redress_time_to_close_seconds_count", ())] == 0


def test_report_requests_are_checked_field_by_field(reports, admin_key):
    backwards = period(date(2020, 1, 1), date(2019, 1, 1))
    with pytest.raises(grpc.RpcError) as err:
        reports.GetTrends(
            reporting_pb2.GetTrendsRequest(
                filter=reporting_pb2.CaseFilter(received=backwards, channels=[99]),
                time_zone="Mars/Olympus",
            ),
            metadata=admin_key,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {
        "filter.received",
        "filter.channels[0]",
        "time_zone",
    }
    with pytest.raises(grpc.RpcError) as err:
        reports.GetRegulatoryReturn(
            reporting_pb2.GetRegulatoryReturnRequest(regime=common_pb2.REGIME_EU_PSD2),
            metadata=admin_key,
        )
    assert {v.field for v in field_violations(err.value)} == {"regime", "period"}


def test_an_intake_client_may_not_read_reports(reporting_platform, reports):
    with pytest.raises(grpc.RpcError) as err:
        reports.GetTrends(
            reporting_pb2.GetTrendsRequest(),
            metadata=bearer(reporting_platform.credentials.intake_key),
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


assert Path(SOURCE).exists()


def monthly_volume(**fields) -> reporting_pb2.ReportDefinition:  # type: ignore[no-untyped-def]
    values = dict(
        name="monthly-volume",
        title="Complaints received per month, by channel",
        kind=reporting_pb2.REPORT_KIND_TRENDS,
        filter=reporting_pb2.CaseFilter(received=ALL_TIME),
        granularity=reporting_pb2.GRANULARITY_MONTH,
        split_by=reporting_pb2.DIMENSION_CHANNEL,
    )
    return reporting_pb2.ReportDefinition(**{**values, **fields})


def test_a_saved_report_is_checked_field_by_field_and_kept_in_versions(reports, admin_key):
    bad = reporting_pb2.ReportDefinition(
        name="Weekly Volume",
        kind=reporting_pb2.REPORT_KIND_REGULATORY_RETURN,
        schedule="every monday",
        email_to=["not-an-address"],
        time_zone="Moon/Base",
    )
    with pytest.raises(grpc.RpcError) as err:
        reports.SaveReport(reporting_pb2.SaveReportRequest(definition=bad), metadata=admin_key)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {
        "definition.name",
        "definition.title",
        "definition.time_zone",
        "definition.regime",
        "definition.period",
        "definition.schedule",
        "definition.email_to[0]",
    }
    first = reports.SaveReport(
        reporting_pb2.SaveReportRequest(definition=monthly_volume()), metadata=admin_key
    ).definition
    second = reports.SaveReport(
        reporting_pb2.SaveReportRequest(
            definition=monthly_volume(split_by=reporting_pb2.DIMENSION_PRODUCT)
        ),
        metadata=admin_key,
    ).definition
    assert (first.version, second.version) == (1, 2)
    assert second.saved_by.id == "local-admin"
    old = reports.GetReport(
        reporting_pb2.GetReportRequest(name="monthly-volume", version=1), metadata=admin_key
    ).definition
    assert old.split_by == reporting_pb2.DIMENSION_CHANNEL
    listed = reports.ListReports(reporting_pb2.ListReportsRequest(), metadata=admin_key)
    assert [(d.name, d.version) for d in listed.definitions] == [("monthly-volume", 2)]
    with pytest.raises(grpc.RpcError) as err:
        reports.GetReport(reporting_pb2.GetReportRequest(name="nothing-here"), metadata=admin_key)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_saved_report_renders_as_json_csv_xlsx_and_html_with_a_chart(
    reports, admin_key, imported
):
    reports.SaveReport(
        reporting_pb2.SaveReportRequest(definition=monthly_volume(name="by-channel")),
        metadata=admin_key,
    )

    def run(fmt: int) -> reporting_pb2.RunReportResponse:
        return reports.RunReport(
            reporting_pb2.RunReportRequest(name="by-channel", format=fmt), metadata=admin_key
        )

    expected = Counter(
        (r["date_received"][:7] + "-01", CHANNELS[r["submitted_via"]]) for r in imported
    )
    document = json.loads(run(reporting_pb2.RENDER_FORMAT_JSON).content)
    assert document["columns"] == ["period", "channel", "received", "resolved"]
    assert {(row[0], row[1]): row[2] for row in document["rows"] if row[2]} == dict(expected)

    table = list(csv.reader(io.StringIO(run(reporting_pb2.RENDER_FORMAT_CSV).content.decode())))
    assert table[0] == document["columns"] and len(table) == len(document["rows"]) + 1

    sheet = run(reporting_pb2.RENDER_FORMAT_XLSX)
    assert sheet.file_name.startswith("by-channel-") and sheet.file_name.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][0] == "Complaints received per month, by channel"
    assert list(values[3]) == document["columns"]
    assert sum(v[2] for v in values[4:]) == len(imported)

    page = run(reporting_pb2.RENDER_FORMAT_HTML)
    assert page.content_type == "text/html; charset=utf-8"
    text = page.content.decode()
    assert "<svg" in text and 'role="img"' in text and "<table>" in text
    assert "Complaints received per month, by channel" in text


def test_saved_reports_are_served_over_http_to_those_who_may_read_them(
    reporting_platform, reports, admin_key
):
    reports.SaveReport(
        reporting_pb2.SaveReportRequest(definition=monthly_volume(name="over-http")),
        metadata=admin_key,
    )
    base = f"http://127.0.0.1:{reporting_platform.ports.reports_http}/reports"

    def get(path: str, authorization: str = "") -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(base + path)
        if authorization:
            request.add_header("Authorization", authorization)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    key = reporting_platform.credentials.admin_key
    status, headers, body = get("/over-http.html", f"Bearer {key}")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<svg" in body
    basic = base64.b64encode(f"anyone:{key}".encode()).decode()
    status, headers, body = get("/over-http.xlsx", f"Basic {basic}")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    assert openpyxl.load_workbook(io.BytesIO(body)).active["A1"].value.startswith("Complaints")
    status, headers, _ = get("/over-http.csv")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic")
    status, _, _ = get("/over-http.csv", f"Bearer {reporting_platform.credentials.intake_key}")
    assert status == 403
    status, _, body = get("/no-such-report.json", f"Bearer {key}")
    assert status == 404 and b"no saved report" in body
    status, _, body = get("/", f"Bearer {key}")
    assert status == 200 and b"over-http.xlsx" in body


def test_a_scheduled_report_arrives_by_email_with_its_attachment(
    reporting_platform, reports, admin_key
):
    reports.SaveReport(
        reporting_pb2.SaveReportRequest(
            definition=monthly_volume(
                name="for-the-board",
                schedule="0 8 * * 1",
                time_zone="Europe/London",
                email_to=["board@bank.test"],
                attach=reporting_pb2.RENDER_FORMAT_XLSX,
            )
        ),
        metadata=admin_key,
    )

    async def trigger() -> None:
        client = await Client.connect(f"127.0.0.1:{reporting_platform.ports.temporal}")
        handle = client.get_schedule_handle("report-for-the-board")
        description = await handle.describe()
        spec = description.schedule.spec  # the server keeps cron as calendar fields
        assert spec.time_zone_name == "Europe/London" and spec.calendars
        await handle.trigger()

    asyncio.run(trigger())

    def delivered() -> list[EmailMessage]:
        box = mailbox.Maildir(reporting_platform.maildir, create=True)
        found = []
        for key in box.keys():
            with box.get_file(key) as f:
                message = email.message_from_binary_file(f, policy=email.policy.default)
            if message["X-Redress-Report"] == "for-the-board/v1":
                found.append(message)
        return found

    (letter,) = eventually(delivered, timeout=60)
    assert letter["To"] == "board@bank.test"
    assert letter["Subject"] == "[Redress report] Complaints received per month, by channel"
    html_part = letter.get_body(preferencelist=("html",))
    assert html_part is not None and "<svg" in html_part.get_content()
    (attachment,) = list(letter.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(attachment.get_content()))
    assert book.active["A1"].value == "Complaints received per month, by channel"

    # Saving it without a schedule removes the schedule.
    reports.SaveReport(
        reporting_pb2.SaveReportRequest(definition=monthly_volume(name="for-the-board")),
        metadata=admin_key,
    )

    async def gone() -> bool:
        client = await Client.connect(f"127.0.0.1:{reporting_platform.ports.temporal}")
        try:
            await client.get_schedule_handle("report-for-the-board").describe()
        except RPCError as err:
            return err.status == RPCStatusCode.NOT_FOUND
        return False

    assert asyncio.run(gone())


def test_a_deleted_report_is_gone_everywhere_with_its_schedule_and_its_name_can_be_reused(
    reporting_platform, reports, admin_key
):
    scheduled = monthly_volume(
        name="to-be-deleted", schedule="0 7 * * 1", email_to=["ops@bank.test"]
    )
    reports.SaveReport(reporting_pb2.SaveReportRequest(definition=scheduled), metadata=admin_key)
    reports.SaveReport(
        reporting_pb2.SaveReportRequest(definition=scheduled), metadata=admin_key
    )  # version 2

    async def schedule_exists() -> bool:
        client = await Client.connect(f"127.0.0.1:{reporting_platform.ports.temporal}")
        try:
            await client.get_schedule_handle("report-to-be-deleted").describe()
        except RPCError as err:
            assert err.status == RPCStatusCode.NOT_FOUND
            return False
        return True

    assert asyncio.run(schedule_exists())
    deleted = reports.DeleteReport(
        reporting_pb2.DeleteReportRequest(
            name="to-be-deleted", reason="replaced by the board pack"
        ),
        metadata=admin_key,
    )
    assert (deleted.name, deleted.deleted_as_version) == ("to-be-deleted", 3)
    assert not asyncio.run(schedule_exists())

    def listed() -> set[str]:
        names, token = set(), ""
        while True:
            page = reports.ListReports(
                reporting_pb2.ListReportsRequest(
                    page=common_pb2.PageRequest(page_size=2, page_token=token)
                ),
                metadata=admin_key,
            )
            names |= {d.name for d in page.definitions}
            token = page.page.next_page_token
            if not token:
                return names

    assert "to-be-deleted" not in listed()
    for call in (
        lambda: reports.GetReport(
            reporting_pb2.GetReportRequest(name="to-be-deleted"), metadata=admin_key
        ),
        lambda: reports.GetReport(
            reporting_pb2.GetReportRequest(name="to-be-deleted", version=1), metadata=admin_key
        ),
        lambda: reports.RunReport(
            reporting_pb2.RunReportRequest(
                name="to-be-deleted", format=reporting_pb2.RENDER_FORMAT_CSV
            ),
            metadata=admin_key,
        ),
        lambda: reports.DeleteReport(
            reporting_pb2.DeleteReportRequest(name="to-be-deleted"), metadata=admin_key
        ),
    ):
        with pytest.raises(grpc.RpcError) as err:
            call()
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        assert "to-be-deleted" in (err.value.details() or "")
    with pytest.raises(grpc.RpcError) as err:
        reports.DeleteReport(
            reporting_pb2.DeleteReportRequest(name="Not A Name", reason="x\x00"),
            metadata=admin_key,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {"name", "reason"}

    # Saved again, the name starts anew after the deletion's version.
    again = reports.SaveReport(
        reporting_pb2.SaveReportRequest(definition=monthly_volume(name="to-be-deleted")),
        metadata=admin_key,
    ).definition
    assert again.version == 4 and "to-be-deleted" in listed()
    assert not asyncio.run(schedule_exists())


class OwnComplaints:
    """Complaints a test files through intake and reads back through the case
    store, each under an idempotency key of its own run."""

    def __init__(self, platform: LocalPlatform, admin_key, prefix: str) -> None:  # type: ignore[no-untyped-def]
        self.platform, self.admin_key, self.prefix = platform, admin_key, prefix
        self.cases = cases_pb2_grpc.CasesServiceStub(
            grpc.insecure_channel(platform.address("cases"))
        )
        self.intake = intake_pb2_grpc.IntakeServiceStub(
            grpc.insecure_channel(platform.address("intake"))
        )
        self.base = datetime.now(UTC).replace(microsecond=0)

    def submit(
        self,
        name: str,
        age: timedelta | None,
        product: str = "Current account",
        channel: int = common_pb2.CHANNEL_WEB,
        regime: int = common_pb2.REGIME_NONE,
    ) -> str:
        """A complaint about a double charge, received `age` before base."""
        request = intake_pb2.SubmitComplaintRequest(
            idempotency_key=f"{self.prefix}-{name}-{self.base.timestamp():.0f}",
            channel=channel,  # type: ignore[arg-type]
            customer=common_pb2.Customer(full_name=f"Customer {name}", email=f"{name}@mail.test"),
            product=product,
            issue="Charges",
            narrative="I was charged twice for the same transfer.",
            regime=regime,  # type: ignore[arg-type]
        )
        if age is not None:
            request.received_at.CopyFrom(ts(self.base - age))
        return self.intake.SubmitComplaint(
            request, metadata=bearer(self.platform.credentials.intake_key), timeout=60
        ).case_id

    def get(self, case_id: str) -> cases_pb2.Case:
        return self.cases.GetCase(
            cases_pb2.GetCaseRequest(case_id=case_id), metadata=self.admin_key, timeout=30
        ).case


def dashboard(reports, admin_key, start: date, end: date) -> reporting_pb2.GetDashboardResponse:  # type: ignore[no-untyped-def]
    return reports.GetDashboard(
        reporting_pb2.GetDashboardRequest(
            filter=reporting_pb2.CaseFilter(received=period(start, end))
        ),
        metadata=admin_key,
        timeout=30,
    )


def test_the_dashboard_counts_volume_backlog_outcomes_and_category_trends(
    reporting_platform, reports, admin_key, imported
):
    year = dashboard(reports, admin_key, date(2017, 1, 1), date(2018, 1, 1))
    in_2017 = [r for r in imported if r["date_received"].startswith("2017")]
    assert year.received == len(in_2017)
    assert {c.key: c.value for c in year.by_channel} == dict(
        Counter(CHANNELS[r["submitted_via"]] for r in in_2017)
    )
    assert {c.key: c.value for c in year.by_product} == dict(Counter(r["product"] for r in in_2017))
    # Everything imported is years old; open means unresolved: all but the
    # three handlers resolved.
    ageing = {c.key: c.value for c in year.backlog_ageing}
    assert ageing["over 56 days"] == year.open_now == len(imported) - 3
    assert sum(ageing.values()) == year.open_now

    # Each category against 2016, the period of the same length before.
    before = dashboard(reports, admin_key, date(2016, 1, 1), date(2017, 1, 1))
    earlier = {c.key: c.value for c in before.by_category}
    for change in year.categories:
        assert change.previous_period == earlier.get(change.category, 0)
        if change.previous_period:
            ratio = (change.this_period - change.previous_period) / change.previous_period
            assert change.change == pytest.approx(ratio)
            expected = "rising" if ratio > 0.1 else "falling" if ratio < -0.1 else "steady"
            assert change.direction == expected
        else:
            assert change.direction == "new"

    # The three cases resolved by the handlers earlier in this module; their
    # customers answer the survey.
    cases = cases_pb2_grpc.CasesServiceStub(
        grpc.insecure_channel(reporting_platform.address("cases"))
    )
    listed = cases.ListCases(
        cases_pb2.ListCasesRequest(page=common_pb2.PageRequest(page_size=3)),
        metadata=admin_key,
        timeout=30,
    ).cases
    survey = bearer(reporting_platform.credentials.intake_key)  # a survey page's key
    for case, score in zip(listed, (5, 4, 1), strict=True):
        cases.RecordSatisfaction(
            cases_pb2.RecordSatisfactionRequest(case_id=case.case_id, score=score, comment="ok"),
            metadata=survey,
        )
    with pytest.raises(grpc.RpcError) as err:
        cases.RecordSatisfaction(
            cases_pb2.RecordSatisfactionRequest(case_id=listed[0].case_id, score=3),
            metadata=survey,
        )
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    with pytest.raises(grpc.RpcError) as err:
        cases.RecordSatisfaction(
            cases_pb2.RecordSatisfactionRequest(case_id=listed[0].case_id, score=9),
            metadata=survey,
        )
    assert [v.field for v in field_violations(err.value)] == ["score"]
    now = dashboard(reports, admin_key, date(2026, 1, 1), date(2028, 1, 1))
    assert now.satisfaction_responses == 3
    assert now.satisfaction_mean == pytest.approx(10 / 3)
    assert {c.key: c.value for c in now.satisfaction_scores} == {"1": 1, "4": 1, "5": 1}
    assert now.received == 0 and now.resolved == 3
    assert {c.key: c.value for c in now.outcome_mix} == {
        "upheld": 1,
        "rejected": 1,
        "partly_upheld": 1,
    }
    assert [(m.currency, m.minor_units) for m in now.redress_paid] == [("USD", 3500)]


def test_a_return_for_an_ended_period_is_kept_as_first_given(reports, admin_key, imported):
    """The 2017 CFPB return was first computed by an earlier test, before
    handlers resolved three 2017 complaints; asked again it is the same,
    and a recompute says what moved."""
    request = reporting_pb2.GetRegulatoryReturnRequest(
        regime=common_pb2.REGIME_US_CFPB, period=period(date(2017, 1, 1), date(2018, 1, 1))
    )
    in_2017 = [r for r in imported if r["date_received"].startswith("2017")]
    first = reports.GetRegulatoryReturn(request, metadata=admin_key, timeout=30)
    again = reports.GetRegulatoryReturn(request, metadata=admin_key, timeout=30)
    assert first.kept and again.kept and first.generated_at == again.generated_at
    progress = {(ln.description, ln.breakdown): ln.value for ln in again.lines}
    assert progress[("Company response to consumer", "In progress")] == len(in_2017)

    request.recompute = True
    fresh = reports.GetRegulatoryReturn(request, metadata=admin_key, timeout=30)
    assert not fresh.kept and fresh.generated_at.ToDatetime() > first.generated_at.ToDatetime()
    now = {(ln.description, ln.breakdown): ln.value for ln in fresh.lines}
    assert now[("Company response to consumer", "In progress")] == len(in_2017) - 3
    assert (
        f"Company response to consumer / In progress: {len(in_2017)} → {len(in_2017) - 3}"
        in fresh.changed
    )
    # The kept record did not change.
    request.recompute = False
    assert reports.GetRegulatoryReturn(request, metadata=admin_key).lines == first.lines


def test_figures_filter_by_category_assignee_and_priority(reports, admin_key, imported):
    year = dashboard(reports, admin_key, date(2017, 1, 1), date(2018, 1, 1))
    category, count = year.by_category[0].key, year.by_category[0].value

    def total(**filters) -> int:  # type: ignore[no-untyped-def]
        got = reports.GetTrends(
            reporting_pb2.GetTrendsRequest(
                filter=reporting_pb2.CaseFilter(
                    received=period(date(2017, 1, 1), date(2018, 1, 1)), **filters
                )
            ),
            metadata=admin_key,
            timeout=30,
        )
        return sum(p.received for p in got.points)

    assert total(categories=[category]) == count
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(
                    p.chunk
                    for p in reports.ExportCases(
                        reporting_pb2.ExportCasesRequest(
                            filter=reporting_pb2.CaseFilter(
                                received=period(date(2017, 1, 1), date(2018, 1, 1))
                            ),
                            format=reporting_pb2.EXPORT_FORMAT_CSV,
                        ),
                        metadata=admin_key,
                    )
                ).decode()
            )
        )
    )
    by_priority = Counter(r["priority"] for r in rows)
    assert total(priorities=[common_pb2.PRIORITY_NORMAL]) == by_priority["normal"]
    assert total(priorities=[common_pb2.PRIORITY_URGENT]) == by_priority["urgent"]
    assert total(assignees=["nobody-here"]) == 0
    with pytest.raises(grpc.RpcError) as err:
        total(priorities=[42])
    assert [v.field for v in field_violations(err.value)] == ["filter.priorities[0]"]


def http_get(
    platform: LocalPlatform, path: str, authorization: str = ""
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{platform.ports.reports_http}{path}")
    if authorization:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def letters(platform: LocalPlatform, report: str) -> list[EmailMessage]:
    """The emails delivered with X-Redress-Report: `report`."""
    box = mailbox.Maildir(platform.maildir, create=True)
    found = []
    for key in box.keys():
        with box.get_file(key) as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
        if message["X-Redress-Report"] == report:
            found.append(message)
    return found


def test_a_saved_return_is_the_kept_return_wherever_it_is_read(
    reporting_platform, reports, admin_key, imported
):
    """The 2017 CFPB return was kept before handlers resolved three 2017
    complaints. Run as a saved report, read over HTTP or emailed on its
    schedule, it is that kept return, not the figures as they are now; and
    a team lead, who may not read returns, may not read it this way either."""
    in_2017 = [r for r in imported if r["date_received"].startswith("2017")]
    year = period(date(2017, 1, 1), date(2018, 1, 1))
    request = reporting_pb2.GetRegulatoryReturnRequest(
        regime=common_pb2.REGIME_US_CFPB, period=year
    )
    kept = reports.GetRegulatoryReturn(request, metadata=admin_key, timeout=30)
    request.recompute = True
    now = reports.GetRegulatoryReturn(request, metadata=admin_key, timeout=30)
    assert kept.kept and kept.lines != now.lines  # the cases moved since
    expected = [
        [ln.reference, ln.description, ln.breakdown, ln.value, ln.currency, " ".join(ln.case_ids)]
        for ln in kept.lines
    ]
    in_progress = ["CFPB", "Company response to consumer", "In progress", str(len(in_2017))]

    reports.SaveReport(
        reporting_pb2.SaveReportRequest(
            definition=reporting_pb2.ReportDefinition(
                name="cfpb-2017",
                title="CFPB return 2017",
                kind=reporting_pb2.REPORT_KIND_REGULATORY_RETURN,
                regime=common_pb2.REGIME_US_CFPB,
                filter=reporting_pb2.CaseFilter(received=year),
                schedule="0 8 1 1 *",
                email_to=["compliance@bank.test"],
            )
        ),
        metadata=admin_key,
    )
    ran = reports.RunReport(
        reporting_pb2.RunReportRequest(name="cfpb-2017", format=reporting_pb2.RENDER_FORMAT_JSON),
        metadata=admin_key,
        timeout=30,
    )
    document = json.loads(ran.content)
    assert document["rows"] == expected
    assert document["note"].startswith("The return as kept for the regulator")

    key = reporting_platform.credentials.admin_key
    status, _, body = http_get(reporting_platform, "/reports/cfpb-2017.csv", f"Bearer {key}")
    table = list(csv.reader(io.StringIO(body.decode())))
    assert status == 200 and table[1:] == [[str(cell) for cell in row] for row in expected]
    assert in_progress in [row[:4] for row in table]

    async def trigger() -> None:
        client = await Client.connect(f"127.0.0.1:{reporting_platform.ports.temporal}")
        await client.get_schedule_handle("report-cfpb-2017").trigger()

    asyncio.run(trigger())
    (letter,) = eventually(lambda: letters(reporting_platform, "cfpb-2017/v1"), timeout=60)
    (attachment,) = list(letter.iter_attachments())
    attached = list(csv.reader(io.StringIO(attachment.get_payload(decode=True).decode())))
    assert attached == table

    lead = bearer(TEAM_LEAD_KEY)
    with pytest.raises(grpc.RpcError) as err:
        reports.RunReport(
            reporting_pb2.RunReportRequest(
                name="cfpb-2017", format=reporting_pb2.RENDER_FORMAT_CSV
            ),
            metadata=lead,
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "lena may not read regulatory returns" in err.value.details()
    status, _, body = http_get(
        reporting_platform, "/reports/cfpb-2017.csv", f"Bearer {TEAM_LEAD_KEY}"
    )
    assert status == 403 and b"may not read regulatory returns" in body
    # Other saved reports are theirs to read.
    assert reports.RunReport(
        reporting_pb2.RunReportRequest(name="by-channel", format=reporting_pb2.RENDER_FORMAT_CSV),
        metadata=lead,
    ).content
    assert (
        http_get(reporting_platform, "/reports/by-channel.csv", f"Bearer {TEAM_LEAD_KEY}")[0] == 200
    )


def counters(platform: LocalPlatform) -> tuple[dict[str, float], float, float]:
    """Breaches by clock, and the count and sum of the time-to-close histogram."""
    metrics = scrape(platform)
    breaches = {
        dict(labels)["clock"]: value
        for (name, labels), value in metrics.items()
        if name == "redress_clock_breaches_total"
    }
    return (
        breaches,
        metrics[("redress_time_to_close_seconds_count", ())],
        metrics[("redress_time_to_close_seconds_sum", ())],
    )


def test_a_reopen_lowers_no_counter_of_breaches_or_closures(reporting_platform, reports, admin_key):
    """Reopening a closed case restarts its resolution clock (the breach no
    longer shows on the case) and clears its closure, but Prometheus counters
    must not go down: a fall reads as a restart of the service."""
    exported = b"".join(
        p.chunk
        for p in reports.ExportCases(
            reporting_pb2.ExportCasesRequest(
                filter=reporting_pb2.CaseFilter(received=ALL_TIME),
                format=reporting_pb2.EXPORT_FORMAT_CSV,
            ),
            metadata=admin_key,
            timeout=60,
        )
    )
    case_id = next(
        r["case_id"]
        for r in csv.DictReader(io.StringIO(exported.decode()))
        if r["stage"] == "resolved"
    )
    cases = cases_pb2_grpc.CasesServiceStub(
        grpc.insecure_channel(reporting_platform.address("cases"))
    )

    def case() -> cases_pb2.Case:
        return cases.GetCase(
            cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin_key, timeout=30
        ).case

    def resolution_breached() -> bool:
        return next(c for c in case().clocks if c.name == "resolution").HasField("breached_at")

    _, closures_before, _ = counters(reporting_platform)
    cases.CloseCase(
        cases_pb2.CloseCaseRequest(case_id=case_id, reason="no reply"), metadata=admin_key
    )
    eventually(lambda: counters(reporting_platform)[1] == closures_before + 1, timeout=30)
    breaches, closures, seconds = counters(reporting_platform)
    assert resolution_breached() and breaches["resolution"] >= 1

    cases.ReopenCase(
        cases_pb2.ReopenCaseRequest(case_id=case_id, reason="the customer disagrees"),
        metadata=admin_key,
    )
    eventually(lambda: case().stage == "investigating" and not resolution_breached(), timeout=30)
    assert counters(reporting_platform) == (breaches, closures, seconds)

    # Closed again: a second closure of the same case, counted from receipt.
    cases.ResolveCase(
        cases_pb2.ResolveCaseRequest(case_id=case_id, reason="answered again"), metadata=admin_key
    )
    cases.CloseCase(
        cases_pb2.CloseCaseRequest(case_id=case_id, reason="no reply"), metadata=admin_key
    )
    eventually(lambda: counters(reporting_platform)[1] == closures + 1, timeout=30)
    again = case()
    _, _, total = counters(reporting_platform)
    assert total - seconds == pytest.approx(
        (again.closed_at.ToDatetime() - again.received_at.ToDatetime()).total_seconds(), abs=1
    )


def test_the_asic_idr_csv_gives_sydney_dates_and_counts_calendar_days():
    """Worked by hand. Received 23:30 UTC on 5 March 2027: 10:30 on 6 March in
    Sydney (AEDT, UTC+11). Resolved 13:00 UTC on 7 March: midnight starting
    8 March there. Two calendar days, though only 37.5 hours. An open
    complaint received 14:00 UTC on 30 June is received on 1 July (AEST, UTC+10)."""
    common = dict(
        closed_at=None,
        product="Credit card",
        sub_product="",
        issue="Fees or interest",
        channel="web",
        priority="normal",
        regime="au_asic",
        team="",
        assignee="",
        escalation_level=0,
    )
    rows = [
        figures.Row(
            case_id="C-ASIC-1",
            received_at=datetime(2027, 3, 5, 23, 30, tzinfo=UTC),
            resolved_at=datetime(2027, 3, 7, 13, 0, tzinfo=UTC),
            stage="resolved",
            decision="upheld",
            redress_currency="AUD",
            redress_minor=5000,
            tags=("Older person",),
            clocks={
                "asic_idr_response": (
                    "stopped",
                    datetime(2027, 4, 5, 12, 59, tzinfo=UTC),
                    datetime(2027, 3, 7, 13, 0, tzinfo=UTC),
                )
            },
            **common,
        ),
        figures.Row(
            case_id="C-ASIC-2",
            received_at=datetime(2027, 6, 30, 14, 0, tzinfo=UTC),
            resolved_at=None,
            stage="investigating",
            **common,
        ),
    ]
    data = b"".join(
        chunk for chunk, _ in export_chunks(iter(rows), reporting_pb2.EXPORT_FORMAT_ASIC_IDR_CSV)
    )
    assert list(csv.DictReader(io.StringIO(data.decode()))) == [
        {
            "complaint_id": "C-ASIC-1",
            "date_received": "2027-03-06",
            "date_closed": "2027-03-08",
            "days_to_close": "2",
            "product": "Credit card",
            "issue": "Fees or interest",
            "channel": "web",
            "outcome": "upheld",
            "compensation_aud_cents": "5000",
            "within_idr_timeframe": "yes",
            "complainant_tags": "Older person",
        },
        {
            "complaint_id": "C-ASIC-2",
            "date_received": "2027-07-01",
            "date_closed": "",
            "days_to_close": "",
            "product": "Credit card",
            "issue": "Fees or interest",
            "channel": "web",
            "outcome": "open",
            "compensation_aud_cents": "0",
            "within_idr_timeframe": "",
            "complainant_tags": "",
        },
    ]


# How the company closed each complaint, as the CFPB records it, and the
# outcome a handler records for it (as in tests/integration/test_import_cfpb.py). The
# CSV's "In progress" and "Untimely response" complaints stay open.
CFPB_DECISIONS = {
    "Closed with monetary relief": cases_pb2.DECISION_UPHELD,
    "Closed with non-monetary relief": cases_pb2.DECISION_PARTLY_UPHELD,
    "Closed with explanation": cases_pb2.DECISION_REJECTED,
    "Closed": cases_pb2.DECISION_WITHDRAWN,
}


def test_the_cfpb_return_counts_the_company_responses_handlers_record(
    reporting_platform, reports, admin_key, imported
):
    """Handlers record each imported complaint's outcome as the CFPB row has
    it and resolve it; the 2017 return's company-response categories and
    timely figures then match a count over the same CSV rows."""
    cases = cases_pb2_grpc.CasesServiceStub(
        grpc.insecure_channel(reporting_platform.address("cases"))
    )
    listed = cases.ListCases(
        cases_pb2.ListCasesRequest(page=common_pb2.PageRequest(page_size=500)),
        metadata=admin_key,
        timeout=30,
    ).cases
    by_ref = {c.external_ref: c for c in listed}
    rows = {r["complaint_id"]: r for r in imported}
    assert {f"CFPB {i}" for i in rows} == set(by_ref)

    def work(row: dict[str, str]) -> None:
        case = by_ref[f"CFPB {row['complaint_id']}"]
        decision = CFPB_DECISIONS.get(row["company_response_to_consumer"])
        if decision is None or case.HasField("resolved_at"):
            return
        outcome = cases_pb2.RecordOutcomeRequest(
            case_id=case.case_id,
            decision=decision,
            root_cause="process.error",
            summary=row["company_response_to_consumer"],
        )
        if decision == cases_pb2.DECISION_UPHELD:
            outcome.redress.CopyFrom(common_pb2.Money(currency="USD", minor_units=15000))
        cases.RecordOutcome(outcome, metadata=admin_key, timeout=30)
        cases.ResolveCase(
            cases_pb2.ResolveCaseRequest(case_id=case.case_id, reason="answered"),
            metadata=admin_key,
            timeout=30,
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, rows.values()))

    # The complaints handlers resolved earlier in this module keep the
    # outcomes recorded then; the others answer as the CSV says.
    def category(row: dict[str, str]) -> str:
        case = by_ref[f"CFPB {row['complaint_id']}"]
        if not case.HasField("resolved_at"):
            response = row["company_response_to_consumer"]
            return response if response in CFPB_DECISIONS else "In progress"
        outcome = cases.GetCase(
            cases_pb2.GetCaseRequest(case_id=case.case_id), metadata=admin_key, timeout=30
        ).case.outcome
        decision, redress = outcome.decision, outcome.redress.minor_units
        if decision in (cases_pb2.DECISION_UPHELD, cases_pb2.DECISION_PARTLY_UPHELD):
            return "Closed with monetary relief" if redress else "Closed with non-monetary relief"
        return "Closed" if decision == cases_pb2.DECISION_WITHDRAWN else "Closed with explanation"

    in_2017 = [r for r in imported if r["date_received"].startswith("2017")]
    answered = {r["complaint_id"]: category(r) for r in in_2017}
    expected = Counter(answered.values())
    # Every resolution came years after its 15-day deadline: untimely; of
    # those still open, the ones due before the year ended (received before
    # 17 December) are untimely too. The CSV's own timely column says how the
    # company answered at the time, which these handlers cannot repeat.
    still_open = [r for r in in_2017 if answered[r["complaint_id"]] == "In progress"]
    untimely = (
        len(in_2017)
        - len(still_open)
        + sum(date.fromisoformat(r["date_received"]) < date(2017, 12, 17) for r in still_open)
    )

    def figures_now() -> dict[tuple[str, str], int]:
        got = reports.GetRegulatoryReturn(
            reporting_pb2.GetRegulatoryReturnRequest(
                regime=common_pb2.REGIME_US_CFPB,
                period=period(date(2017, 1, 1), date(2018, 1, 1)),
                recompute=True,
            ),
            metadata=admin_key,
            timeout=30,
        )
        return {(ln.description, ln.breakdown): ln.value for ln in got.lines}

    def categories(lines: dict[tuple[str, str], int]) -> Counter[str]:
        return Counter({b: n for (d, b), n in lines.items() if d == "Company response to consumer"})

    lines = eventually(lambda: (f := figures_now()) and categories(f) == expected and f, timeout=60)
    assert lines[("Complaints received", "")] == len(in_2017)
    assert lines[("Untimely response", "")] == untimely
    assert ("Timely response (15 days)", "") not in lines
    assert expected["Closed with explanation"] > 50 and expected["Closed with monetary relief"] > 5


# The policy's internal escalation ladder has two steps: at the breach and
# 8 business hours after it. A complaint received a week or more ago, whose
# 8-business-hour acknowledgement deadline has long passed, reaches both as
# soon as its workflow starts.
LADDER_STEPS = 2


def test_a_cfpb_complaint_filed_today_is_in_progress_in_a_return_still_running(
    reporting_platform, reports, admin_key
):
    """Filed today, a CFPB complaint's response is due in 15 days: the return
    for this year, still running, lists it in progress, not untimely, and
    says the figures are provisional, as of now; so does a saved report of
    the last 30 days, above its table. Resolved (not yet closed), it leaves
    the open-complaints gauge: open means unresolved there too."""
    own = OwnComplaints(reporting_platform, admin_key, "cfpb-today")
    today = own.base.date()
    filed = own.submit("today", None, product="Checking account", regime=common_pb2.REGIME_US_CFPB)
    resolved = own.submit(
        "answered", None, product="Checking account", regime=common_pb2.REGIME_US_CFPB
    )

    year = period(date(today.year, 1, 1), date(today.year + 1, 1, 1))
    got = reports.GetRegulatoryReturn(
        reporting_pb2.GetRegulatoryReturnRequest(regime=common_pb2.REGIME_US_CFPB, period=year),
        metadata=admin_key,
        timeout=30,
    )
    lines = {(ln.description, ln.breakdown): ln for ln in got.lines}
    assert filed in lines[("Company response to consumer", "In progress")].case_ids
    untimely = lines.get(("Untimely response", ""))
    assert untimely is None or filed not in untimely.case_ids
    assert got.provisional and not got.kept
    assert abs(at(got.as_of) - datetime.now(UTC)) < timedelta(minutes=5)

    reports.SaveReport(
        reporting_pb2.SaveReportRequest(
            definition=reporting_pb2.ReportDefinition(
                name="cfpb-last-30-days",
                title="CFPB return, last 30 days",
                kind=reporting_pb2.REPORT_KIND_REGULATORY_RETURN,
                regime=common_pb2.REGIME_US_CFPB,
                period=reporting_pb2.RELATIVE_PERIOD_LAST_30_DAYS,
            )
        ),
        metadata=admin_key,
    )
    page = reports.RunReport(
        reporting_pb2.RunReportRequest(
            name="cfpb-last-30-days", format=reporting_pb2.RENDER_FORMAT_HTML
        ),
        metadata=admin_key,
        timeout=60,
    ).content.decode()
    assert f"Provisional: the period ends on {today.isoformat()} and has not ended." in page
    rows = page.split("<tr")[1:]
    assert any(filed in row for row in rows if "In progress" in row)
    assert not any(filed in row for row in rows if "Untimely response" in row)

    def open_gauge() -> float:
        return sum(
            v for (n, _), v in scrape(reporting_platform).items() if n == "redress_complaints_open"
        )

    before = open_gauge()
    own.cases.RecordOutcome(
        cases_pb2.RecordOutcomeRequest(
            case_id=resolved,
            decision=cases_pb2.DECISION_REJECTED,
            root_cause="fees.unexpected",
            summary="reviewed",
        ),
        metadata=admin_key,
        timeout=30,
    )
    own.cases.ResolveCase(
        cases_pb2.ResolveCaseRequest(case_id=resolved, reason="answered"),
        metadata=admin_key,
        timeout=30,
    )
    assert own.get(resolved).stage == "resolved"
    assert open_gauge() == before - 1


def test_the_dashboard_and_clock_compliance_follow_one_teams_work(
    reporting_platform, reports, admin_key, imported
):
    """Five complaints, four for one team: received 20, 10 and 7 days ago
    and now. Handlers assign, resolve, close and reopen them, record goodwill,
    acknowledge one and pause its resolution clock; the team's figures are
    worked out here from those steps."""
    team, other_team = "retail-complaints", "card-disputes"
    own = OwnComplaints(reporting_platform, admin_key, "team-work")
    cases, base, get = own.cases, own.base, own.get

    def submit(name: str, age: timedelta | None) -> str:
        return own.submit(name, age)

    a = submit("a", timedelta(days=20))
    b = submit("b", timedelta(days=10))
    c = submit("c", timedelta(days=7))
    d = submit("d", None)
    e = submit("e", None)
    escalated = (a, b, c)
    eventually(lambda: all(get(x).escalation_level == LADDER_STEPS for x in escalated), 60)

    for case_id, agent, to in (
        (a, "ana.agent", team),
        (b, "ana.agent", team),
        (c, "ben.agent", team),
        (d, "ben.agent", team),
        (e, "cara.agent", other_team),
    ):
        cases.AssignCase(
            cases_pb2.AssignCaseRequest(case_id=case_id, assignee=agent, team=to, reason="rota"),
            metadata=admin_key,
            timeout=30,
        )

    def resolve(case_id: str, decision: int, goodwill: int = 0) -> None:
        outcome = cases_pb2.RecordOutcomeRequest(
            case_id=case_id, decision=decision, root_cause="fees.unexpected", summary="reviewed"
        )
        if goodwill:
            outcome.goodwill.CopyFrom(common_pb2.Money(currency="GBP", minor_units=goodwill))
        cases.RecordOutcome(outcome, metadata=admin_key, timeout=30)
        cases.ResolveCase(
            cases_pb2.ResolveCaseRequest(case_id=case_id, reason="answered"),
            metadata=admin_key,
            timeout=30,
        )

    def move(case_id: str, stage: str) -> None:
        cases.TransitionStage(
            cases_pb2.TransitionStageRequest(case_id=case_id, to_stage=stage, reason="work"),
            metadata=admin_key,
            timeout=30,
        )

    # A: resolved, closed, then reopened. B: resolved and closed, with
    # goodwill. C: resolved, partly upheld, with goodwill; not closed.
    resolve(a, cases_pb2.DECISION_UPHELD)
    cases.CloseCase(cases_pb2.CloseCaseRequest(case_id=a, reason="done"), metadata=admin_key)
    cases.ReopenCase(
        cases_pb2.ReopenCaseRequest(case_id=a, reason="the customer disagrees"),
        metadata=admin_key,
    )
    resolve(b, cases_pb2.DECISION_REJECTED, goodwill=1500)
    cases.CloseCase(cases_pb2.CloseCaseRequest(case_id=b, reason="done"), metadata=admin_key)
    resolve(c, cases_pb2.DECISION_PARTLY_UPHELD, goodwill=500)
    # D: acknowledged, its resolution clock paused for the customer about two
    # seconds, then worked on (its first response).
    move(d, "acknowledged")
    paused_from = datetime.now(UTC)
    cases.PauseClock(
        cases_pb2.PauseClockRequest(case_id=d, clock="resolution", reason="awaiting_customer"),
        metadata=admin_key,
        timeout=30,
    )
    paused_after = datetime.now(UTC)
    time.sleep(2)
    resumed_from = datetime.now(UTC)
    cases.ResumeClock(
        cases_pb2.ResumeClockRequest(case_id=d, clock="resolution"),
        metadata=admin_key,
        timeout=30,
    )
    resumed_after = datetime.now(UTC)
    move(d, "assigned")
    move(d, "investigating")
    done = datetime.now(UTC)

    window = reporting_pb2.CaseFilter(
        received=common_pb2.TimeRange(
            start=ts(base - timedelta(days=30)), end=ts(base + timedelta(days=1))
        )
    )

    def team_dashboard(*teams: str) -> reporting_pb2.GetDashboardResponse:
        f = reporting_pb2.CaseFilter()
        f.CopyFrom(window)
        f.teams.extend(teams)
        return reports.GetDashboard(
            reporting_pb2.GetDashboardRequest(filter=f), metadata=admin_key, timeout=30
        )

    # Open (unresolved): A (reopened) and D; C is resolved, not yet closed,
    # and B closed.
    got = eventually(
        lambda: (
            (g := team_dashboard(team)).reopened == 1 and g.closed == 1 and g.open_now == 2 and g
        ),
        timeout=30,
    )
    assert (got.received, got.resolved, got.closed, got.reopened, got.open_now) == (4, 2, 1, 1, 2)
    assert {x.key: x.value for x in got.backlog_ageing} == {
        "0-3 days": 1,  # D
        "4-7 days": 0,  # C is resolved
        "8-14 days": 0,  # B is closed
        "15-30 days": 1,  # A
        "31-56 days": 0,
        "over 56 days": 0,
    }
    assert [(x.key, x.value) for x in got.escalations] == [
        (str(level), len(escalated)) for level in range(1, LADDER_STEPS + 1)
    ]
    # Open now (A and D), and resolved in the period (B and C; A's
    # resolution was undone by the reopen): each case in one column only.
    assert [(w.key, w.open, w.resolved) for w in got.by_assignee] == [
        ("ana.agent", 1, 1),
        ("ben.agent", 1, 1),
    ]
    assert [(w.key, w.open, w.resolved) for w in got.by_team] == [(team, 2, 2)]
    assert [(m.currency, m.minor_units) for m in got.goodwill_paid] == [("GBP", 1500 + 500)]
    assert {x.key: x.value for x in got.outcome_mix} == {"rejected": 1, "partly_upheld": 1}

    # The team filter: the other team has E alone.
    other = team_dashboard(other_team)
    assert (other.received, other.open_now, other.resolved) == (1, 1, 0)
    assert [(w.key, w.open, w.resolved) for w in other.by_assignee] == [("cara.agent", 1, 0)]
    assert [(w.key, w.open, w.resolved) for w in other.by_team] == [(other_team, 1, 0)]
    assert not other.escalations and not other.goodwill_paid
    assert team_dashboard(team, other_team).received == 5

    f = reporting_pb2.CaseFilter()
    f.CopyFrom(window)
    f.teams.append(team)
    clocks = {
        c.clock: c
        for c in reports.GetClockCompliance(
            reporting_pb2.GetClockComplianceRequest(filter=f), metadata=admin_key, timeout=30
        ).clocks
    }
    # Paused between the two calls' answers at the least, their asking at
    # the most (to the second, as durations are given).
    paused = clocks["resolution"].paused_time.ToTimedelta()
    shortest, longest = resumed_from - paused_after, resumed_after - paused_from
    assert shortest - timedelta(seconds=1) <= paused <= longest + timedelta(seconds=1)
    assert shortest >= timedelta(seconds=2) and clocks["resolution"].paused == 0
    # Time to acknowledge and to first response: D's, stopped in time, and
    # A's, B's and C's, stopped late by their resolution, all between `base`
    # and `done`. By nearest rank of four, the median is C's (7 days) and
    # the longest A's (20 days).
    acknowledged = clocks["acknowledgement"]
    assert (acknowledged.met, acknowledged.breached) == (1, 3)
    slack = done - base + timedelta(seconds=1)
    for name in ("acknowledgement", "first_response"):
        taken = clocks[name].time_taken
        assert taken.cases == 4, name
        assert timedelta(days=7) <= taken.p50.ToTimedelta() <= timedelta(days=7) + slack, name
        assert timedelta(days=20) <= taken.max.ToTimedelta() <= timedelta(days=20) + slack, name


def test_figures_split_by_category_and_assignee(reporting_platform, reports, admin_key):
    """The team's four complaints of the test above, of the product
    "Current account", which the shipped policy files under
    accounts_and_payments; a handler refiles one under service."""
    team = "retail-complaints"
    f = reporting_pb2.CaseFilter(teams=[team])
    cases = cases_pb2_grpc.CasesServiceStub(
        grpc.insecure_channel(reporting_platform.address("cases"))
    )
    listed = cases.ListCases(
        cases_pb2.ListCasesRequest(page=common_pb2.PageRequest(page_size=500)),
        metadata=admin_key,
        timeout=30,
    ).cases
    mine = [c for c in listed if c.team == team]
    assert len(mine) == 4
    refiled = next(c for c in mine if c.assignee == "ben.agent")
    cases.ChangeCategory(
        cases_pb2.ChangeCategoryRequest(
            case_id=refiled.case_id, category="service", reason="about the branch staff"
        ),
        metadata=admin_key,
        timeout=30,
    )

    def split(dimension: int) -> dict[str, int]:
        got = reports.GetTrends(
            reporting_pb2.GetTrendsRequest(filter=f, split_by=dimension),
            metadata=admin_key,
            timeout=30,
        )
        return {p.key: p.received for p in got.points}

    assert split(reporting_pb2.DIMENSION_ASSIGNEE) == {"ana.agent": 2, "ben.agent": 2}
    assert eventually(
        lambda: (
            split(reporting_pb2.DIMENSION_CATEGORY) == {"accounts_and_payments": 3, "service": 1}
        ),
        timeout=30,
    )
    times = reports.GetTimeToClose(
        reporting_pb2.GetTimeToCloseRequest(filter=f, split_by=reporting_pb2.DIMENSION_ASSIGNEE),
        metadata=admin_key,
        timeout=30,
    )
    # Resolved now: B (Ana's) and C (Ben's).
    assert [(d.key, d.cases) for d in times.to_resolution] == [("ana.agent", 1), ("ben.agent", 1)]

    # A saved report split by category; a dimension Redress does not know is
    # refused, naming the field.
    definition = reporting_pb2.ReportDefinition(
        name="team-categories",
        title="The retail team's complaints by category",
        kind=reporting_pb2.REPORT_KIND_TRENDS,
        filter=f,
        granularity=reporting_pb2.GRANULARITY_YEAR,
        split_by=reporting_pb2.DIMENSION_CATEGORY,
    )
    reports.SaveReport(reporting_pb2.SaveReportRequest(definition=definition), metadata=admin_key)
    document = json.loads(
        reports.RunReport(
            reporting_pb2.RunReportRequest(
                name="team-categories", format=reporting_pb2.RENDER_FORMAT_JSON
            ),
            metadata=admin_key,
            timeout=30,
        ).content
    )
    assert document["columns"] == ["period", "category", "received", "resolved"]
    by_category: Counter[str] = Counter()
    for row in document["rows"]:
        by_category[row[1]] += row[2]
    assert by_category == {"accounts_and_payments": 3, "service": 1}
    definition.split_by = 99  # type: ignore[assignment]
    with pytest.raises(grpc.RpcError) as err:
        reports.SaveReport(
            reporting_pb2.SaveReportRequest(definition=definition), metadata=admin_key
        )
    assert [v.field for v in field_violations(err.value)] == ["definition.split_by"]


# -- table reports -------------------------------------------------------------------


def run_table(reports, admin_key, definition: reporting_pb2.ReportDefinition, fmt: int) -> bytes:  # type: ignore[no-untyped-def]
    reports.SaveReport(reporting_pb2.SaveReportRequest(definition=definition), metadata=admin_key)
    return reports.RunReport(
        reporting_pb2.RunReportRequest(name=definition.name, format=fmt),
        metadata=admin_key,
        timeout=60,
    ).content


def at(value: Timestamp) -> datetime:
    return value.ToDatetime().replace(tzinfo=UTC)


def test_a_table_counts_received_and_resolved_by_product_and_channel_per_month(
    reporting_platform, reports, admin_key, imported
):
    """Received from the CSV rows; resolved, by month of resolution, from the
    cases as the handlers of the tests above left them."""
    cases = cases_pb2_grpc.CasesServiceStub(
        grpc.insecure_channel(reporting_platform.address("cases"))
    )
    listed = cases.ListCases(
        cases_pb2.ListCasesRequest(page=common_pb2.PageRequest(page_size=500)),
        metadata=admin_key,
        timeout=30,
    ).cases
    expected: dict[tuple[str, str, str], list[int]] = {}
    for r in imported:
        key = (r["date_received"][:7] + "-01", r["product"], CHANNELS[r["submitted_via"]])
        expected.setdefault(key, [0, 0])[0] += 1
    for c in listed:
        if at(c.received_at).year < 2020 and c.HasField("resolved_at"):
            key = (
                at(c.resolved_at).strftime("%Y-%m-01"),
                c.product,
                short_name(Channel, c.channel),
            )
            expected.setdefault(key, [0, 0])[1] += 1
    assert sum(n for _, n in expected.values()) > 100  # most were resolved above

    definition = reporting_pb2.ReportDefinition(
        name="product-channel-months",
        title="Received and resolved by product and channel, per month",
        kind=reporting_pb2.REPORT_KIND_TABLE,
        filter=reporting_pb2.CaseFilter(received=ALL_TIME),
        granularity=reporting_pb2.GRANULARITY_MONTH,
        group_by=[reporting_pb2.DIMENSION_PRODUCT, reporting_pb2.DIMENSION_CHANNEL],
        measures=[reporting_pb2.MEASURE_RECEIVED, reporting_pb2.MEASURE_RESOLVED],
    )
    document = json.loads(
        run_table(reports, admin_key, definition, reporting_pb2.RENDER_FORMAT_JSON)
    )
    assert document["columns"] == ["period", "product", "channel", "received", "resolved"]
    assert {tuple(row[:3]): row[3:] for row in document["rows"]} == expected

    table = list(
        csv.reader(
            io.StringIO(
                run_table(reports, admin_key, definition, reporting_pb2.RENDER_FORMAT_CSV).decode()
            )
        )
    )
    assert table[0] == document["columns"] and len(table) == len(expected) + 1
    book = openpyxl.load_workbook(
        io.BytesIO(run_table(reports, admin_key, definition, reporting_pb2.RENDER_FORMAT_XLSX))
    )
    values = list(book.active.iter_rows(values_only=True))
    assert list(values[3]) == document["columns"]
    assert sum(v[3] for v in values[4:]) == len(imported)
    page = run_table(reports, admin_key, definition, reporting_pb2.RENDER_FORMAT_HTML).decode()
    # The chart is of the first measure.
    assert '<title id="chart-title">Received</title>' in page and "<table>" in page


def nearest_rank(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(pct / 100 * len(ordered)) - 1]


def business_hours(start: datetime, end: datetime) -> float:
    """Working hours between two instants in the England calendar of the
    shipped policy (09:00-17:00 on working days, bank holidays off)."""
    calendar = preset("uk-england")
    total = 0.0
    day = start.astimezone(calendar.zone).date()
    while day <= end.astimezone(calendar.zone).date():
        for begin, finish in calendar.working_intervals(day):
            total += max(0.0, (min(finish, end) - max(begin, start)).total_seconds())
        day += timedelta(days=1)
    return total / 3600


TABLE_TEAM = "table-complaints"


def test_a_table_of_every_measure_follows_what_handlers_did(reporting_platform, reports, admin_key):
    """Four complaints for one team, received 40, 30 and 20 days ago and now.
    A: upheld with redress, closed. B: rejected, closed, then reopened. C:
    partly upheld with goodwill, closed, and the customer answers the survey
    with 4. D: open. Every figure is worked out here from the cases as
    GetCase gives them."""
    own = OwnComplaints(reporting_platform, admin_key, "table")
    cases, base, get = own.cases, own.base, own.get

    def submit(name: str, product: str, channel: int, age: timedelta | None) -> str:
        return own.submit(name, age, product, channel)

    a = submit("a", "Current account", common_pb2.CHANNEL_WEB, timedelta(days=40))
    b = submit("b", "Current account", common_pb2.CHANNEL_EMAIL, timedelta(days=30))
    c = submit("c", "Mortgage", common_pb2.CHANNEL_WEB, timedelta(days=20))
    d = submit("d", "Mortgage", common_pb2.CHANNEL_WEB, None)
    eventually(lambda: all(get(x).escalation_level == LADDER_STEPS for x in (a, b, c)), 60)
    for case_id in (a, b, c, d):
        cases.AssignCase(
            cases_pb2.AssignCaseRequest(
                case_id=case_id, assignee="dee.agent", team=TABLE_TEAM, reason="rota"
            ),
            metadata=admin_key,
            timeout=30,
        )

    def resolve_and_close(case_id: str, decision: int, redress: int = 0, goodwill: int = 0) -> None:
        outcome = cases_pb2.RecordOutcomeRequest(
            case_id=case_id, decision=decision, root_cause="fees.unexpected", summary="reviewed"
        )
        if redress:
            outcome.redress.CopyFrom(common_pb2.Money(currency="GBP", minor_units=redress))
        if goodwill:
            outcome.goodwill.CopyFrom(common_pb2.Money(currency="GBP", minor_units=goodwill))
        cases.RecordOutcome(outcome, metadata=admin_key, timeout=30)
        cases.ResolveCase(
            cases_pb2.ResolveCaseRequest(case_id=case_id, reason="answered"),
            metadata=admin_key,
            timeout=30,
        )
        cases.CloseCase(
            cases_pb2.CloseCaseRequest(case_id=case_id, reason="done"), metadata=admin_key
        )

    resolve_and_close(a, cases_pb2.DECISION_UPHELD, redress=2500)
    resolve_and_close(b, cases_pb2.DECISION_REJECTED)
    cases.ReopenCase(
        cases_pb2.ReopenCaseRequest(case_id=b, reason="the customer disagrees"),
        metadata=admin_key,
    )
    resolve_and_close(c, cases_pb2.DECISION_PARTLY_UPHELD, goodwill=1000)
    cases.RecordSatisfaction(
        cases_pb2.RecordSatisfactionRequest(case_id=c, score=4), metadata=admin_key, timeout=30
    )
    now = eventually(
        lambda: (
            (found := {x: get(x) for x in (a, b, c, d)})
            and found[a].HasField("closed_at")
            and found[c].HasField("closed_at")
            and not found[b].HasField("closed_at")
            and found
        ),
        timeout=30,
    )
    closed = [x for x in now.values() if x.HasField("closed_at")]
    resolved = [x for x in now.values() if x.HasField("resolved_at")]
    upheld = [
        x
        for x in resolved
        if x.outcome.decision in (cases_pb2.DECISION_UPHELD, cases_pb2.DECISION_PARTLY_UPHELD)
    ]
    hours = [(at(x.closed_at) - at(x.received_at)).total_seconds() / 3600 for x in closed]
    working = [business_hours(at(x.received_at), at(x.closed_at)) for x in closed]
    breached = [
        x for x in now.values() if any(k.state == common_pb2.CLOCK_STATE_BREACHED for k in x.clocks)
    ]
    assert [x.case_id for x in closed] == [a, c] and len(upheld) == 2 and len(breached) >= 3

    window = reporting_pb2.CaseFilter(
        received=common_pb2.TimeRange(
            start=ts(base - timedelta(days=60)), end=ts(base + timedelta(days=1))
        ),
        teams=[TABLE_TEAM],
    )
    every = [m for m in reporting_pb2.Measure.values() if m]
    document = json.loads(
        run_table(
            reports,
            admin_key,
            reporting_pb2.ReportDefinition(
                name="team-every-measure",
                title="Every measure for the team",
                kind=reporting_pb2.REPORT_KIND_TABLE,
                filter=window,
                group_by=[reporting_pb2.DIMENSION_TEAM],
                measures=every,
            ),
            reporting_pb2.RENDER_FORMAT_JSON,
        )
    )
    ((row,),) = [document["rows"]]
    got = dict(zip(document["columns"], row, strict=True))
    assert got == {
        "team": TABLE_TEAM,
        "received": 4,
        "open at period end": 2,  # B, reopened, and D
        "resolved": len(resolved),
        "closed": 2,
        "reopened": 1,
        "upheld": 2,
        "upheld rate": 1.0,
        "escalated": 3,
        "breached": len(breached),
        "mean hours to close": pytest.approx(statistics.fmean(hours), abs=0.01),
        "median hours to close": pytest.approx(nearest_rank(hours, 50), abs=0.01),
        "p90 hours to close": pytest.approx(nearest_rank(hours, 90), abs=0.01),
        "mean business hours to close": pytest.approx(statistics.fmean(working), abs=0.01),
        "median business hours to close": pytest.approx(nearest_rank(working, 50), abs=0.01),
        "p90 business hours to close": pytest.approx(nearest_rank(working, 90), abs=0.01),
        "redress paid GBP (minor units)": 2500,
        "goodwill paid GBP (minor units)": 1000,
        "mean satisfaction": 4.0,
    }
    assert working[0] < hours[0]

    # Median time to close by product and channel, with the open complaints.
    document = json.loads(
        run_table(
            reports,
            admin_key,
            reporting_pb2.ReportDefinition(
                name="team-product-channel",
                title="Closed and open by product and channel",
                kind=reporting_pb2.REPORT_KIND_TABLE,
                filter=window,
                group_by=[reporting_pb2.DIMENSION_PRODUCT, reporting_pb2.DIMENSION_CHANNEL],
                measures=[
                    reporting_pb2.MEASURE_CLOSED,
                    reporting_pb2.MEASURE_OPEN_AT_PERIOD_END,
                    reporting_pb2.MEASURE_MEDIAN_HOURS_TO_CLOSE,
                ],
            ),
            reporting_pb2.RENDER_FORMAT_JSON,
        )
    )
    groups: dict[tuple[str, str], list[cases_pb2.Case]] = {}
    for x in now.values():
        groups.setdefault((x.product, short_name(Channel, x.channel)), []).append(x)
    expected = {}
    for key, members in groups.items():
        done = [
            (at(x.closed_at) - at(x.received_at)).total_seconds() / 3600
            for x in members
            if x.HasField("closed_at")
        ]
        median = pytest.approx(nearest_rank(done, 50), abs=0.01) if done else None
        expected[key] = [len(done), len(members) - len(done), median]
    assert {tuple(r[:2]): r[2:] for r in document["rows"]} == expected
    assert set(expected) == {
        ("Current account", "web"),
        ("Current account", "email"),
        ("Mortgage", "web"),
    }

    # Per month (UTC): received by month of receipt, and open at the end of
    # each month, the current one's end being now.
    def month_start(when: datetime) -> datetime:
        return datetime(when.year, when.month, 1, tzinfo=UTC)

    def month_after(start: datetime) -> datetime:
        return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)

    months = [month_start(min(at(x.received_at) for x in now.values()))]
    while months[-1] < month_start(datetime.now(UTC)):
        months.append(month_after(months[-1]))
    monthly = {}
    for start in months:
        end = month_after(start)
        received = sum(start <= at(x.received_at) < end for x in now.values())
        still_open = sum(
            at(x.received_at) < end and (not x.HasField("closed_at") or at(x.closed_at) >= end)
            for x in now.values()
        )
        if received or still_open:
            monthly[start.date().isoformat()] = [received, still_open]
    document = json.loads(
        run_table(
            reports,
            admin_key,
            reporting_pb2.ReportDefinition(
                name="team-monthly-backlog",
                title="Received and open at the end of each month",
                kind=reporting_pb2.REPORT_KIND_TABLE,
                filter=window,
                granularity=reporting_pb2.GRANULARITY_MONTH,
                measures=[
                    reporting_pb2.MEASURE_RECEIVED,
                    reporting_pb2.MEASURE_OPEN_AT_PERIOD_END,
                ],
            ),
            reporting_pb2.RENDER_FORMAT_JSON,
        )
    )
    assert document["columns"] == ["period", "received", "open at period end"]
    assert {r[0]: r[1:] for r in document["rows"]} == monthly


def test_a_table_definition_is_checked_field_by_field(reports, admin_key):
    def refused(**fields) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
        values = dict(
            name="a-table",
            title="A table",
            kind=reporting_pb2.REPORT_KIND_TABLE,
            measures=[reporting_pb2.MEASURE_RECEIVED],
        )
        with pytest.raises(grpc.RpcError) as err:
            reports.SaveReport(
                reporting_pb2.SaveReportRequest(
                    definition=reporting_pb2.ReportDefinition(**{**values, **fields})
                ),
                metadata=admin_key,
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        return [(v.field, v.description) for v in field_violations(err.value)]

    product, channel = reporting_pb2.DIMENSION_PRODUCT, reporting_pb2.DIMENSION_CHANNEL
    assert refused(
        group_by=[product, product, 99, channel, reporting_pb2.DIMENSION_TEAM], measures=[]
    ) == [
        ("definition.group_by", "at most 3 dimensions (a granularity adds the period)"),
        ("definition.group_by[1]", "DIMENSION_PRODUCT is already group_by[0]"),
        ("definition.group_by[2]", "a Dimension such as DIMENSION_PRODUCT"),
        ("definition.measures", "at least one Measure, e.g. MEASURE_RECEIVED"),
    ]
    found = refused(
        split_by=channel,
        granularity=42,
        group_by=[reporting_pb2.DIMENSION_ROOT_CAUSE],
        measures=[
            reporting_pb2.MEASURE_RECEIVED,
            reporting_pb2.MEASURE_RECEIVED,
            77,
            reporting_pb2.MEASURE_OPEN_AT_PERIOD_END,
        ],
    )
    assert [f for f, _ in found] == [
        "definition.split_by",
        "definition.granularity",
        "definition.measures[1]",
        "definition.measures[2]",
        "definition.measures[3]",
    ]
    assert found[2][1] == "MEASURE_RECEIVED is already measures[0]"
    assert "open complaints have none" in found[4][1]
    # Other kinds have no group_by or measures.
    assert refused(
        kind=reporting_pb2.REPORT_KIND_TRENDS,
        granularity=reporting_pb2.GRANULARITY_MONTH,
        group_by=[product],
    ) == [
        ("definition.group_by", "only for REPORT_KIND_TABLE; other kinds use split_by"),
        ("definition.measures", "only for REPORT_KIND_TABLE"),
    ]

    # A good one is saved, versioned and listed like any other.
    good = reporting_pb2.ReportDefinition(
        name="a-table",
        title="A table",
        kind=reporting_pb2.REPORT_KIND_TABLE,
        group_by=[product],
        measures=[reporting_pb2.MEASURE_RECEIVED],
    )
    first = reports.SaveReport(
        reporting_pb2.SaveReportRequest(definition=good), metadata=admin_key
    ).definition
    good.group_by.append(channel)
    good.measures.append(reporting_pb2.MEASURE_UPHELD_RATE)
    second = reports.SaveReport(
        reporting_pb2.SaveReportRequest(definition=good), metadata=admin_key
    ).definition
    assert (first.version, second.version) == (1, 2)
    old = reports.GetReport(
        reporting_pb2.GetReportRequest(name="a-table", version=1), metadata=admin_key
    ).definition
    assert list(old.group_by) == [product] and list(old.measures) == [
        reporting_pb2.MEASURE_RECEIVED
    ]
    listed = reports.ListReports(reporting_pb2.ListReportsRequest(), metadata=admin_key)
    latest = next(d for d in listed.definitions if d.name == "a-table")
    assert latest.version == 2 and list(latest.group_by) == [product, channel]


def test_the_fca_return_counts_closed_complaints_by_disp_cause_category(
    reporting_platform, reports, admin_key
):
    """Hand-worked: four FCA complaints resolved with causes the shipped
    policy maps to four of the return's cause categories (one it leaves
    unmapped: "Other"). The period ends once they are resolved, so the
    return is kept, and a reopen after does not change it."""
    own = OwnComplaints(reporting_platform, admin_key, "disp")
    cases, intake, base = own.cases, own.intake, own.base

    def handle(name: str, product: str, cause: str, decision: int) -> str:
        case_id = intake.SubmitComplaint(
            intake_pb2.SubmitComplaintRequest(
                idempotency_key=f"disp-{name}-{base.timestamp():.0f}",
                channel=common_pb2.CHANNEL_WEB,
                customer=common_pb2.Customer(
                    full_name=f"Customer {name}", email=f"{name}@mail.test"
                ),
                product=product,
                issue="Charges",
                narrative="The firm did not treat me fairly.",
                regime=common_pb2.REGIME_UK_FCA,
                received_at=ts(base - timedelta(hours=1)),
            ),
            metadata=bearer(reporting_platform.credentials.intake_key),
            timeout=60,
        ).case_id
        cases.RecordOutcome(
            cases_pb2.RecordOutcomeRequest(
                case_id=case_id, decision=decision, root_cause=cause, summary="reviewed"
            ),
            metadata=admin_key,
            timeout=30,
        )
        cases.ResolveCase(
            cases_pb2.ResolveCaseRequest(case_id=case_id, reason="answered"),
            metadata=admin_key,
            timeout=30,
        )
        return case_id

    fee = handle("fee", "Mortgage", "fees.unexpected", cases_pb2.DECISION_UPHELD)
    arrears = handle("arrears", "Mortgage", "collections.conduct", cases_pb2.DECISION_REJECTED)
    fraud = handle(
        "fraud", "Credit card", "fraud.unauthorised_transaction", cases_pb2.DECISION_UPHELD
    )
    sold = handle("sold", "Credit card", "product.unsuitable", cases_pb2.DECISION_PARTLY_UPHELD)
    mine = {fee, arrears, fraud, sold}
    eventually(
        lambda: all(
            cases.GetCase(cases_pb2.GetCaseRequest(case_id=x), metadata=admin_key).case.HasField(
                "resolved_at"
            )
            for x in mine
        ),
        timeout=30,
    )
    end = datetime.now(UTC) + timedelta(seconds=1)
    time.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds()) + 0.5)
    request = reporting_pb2.GetRegulatoryReturnRequest(
        regime=common_pb2.REGIME_UK_FCA,
        period=common_pb2.TimeRange(start=ts(base - timedelta(days=1)), end=ts(end)),
    )

    def by_cause(answer: reporting_pb2.GetRegulatoryReturnResponse) -> dict[str, set[str]]:
        return {
            line.breakdown: set(line.case_ids) & mine
            for line in answer.lines
            if line.description == "Closed complaints by cause category"
            and set(line.case_ids) & mine
        }

    first = reports.GetRegulatoryReturn(request, metadata=admin_key, timeout=30)
    assert first.kept
    home, cards = "Home finance", "Banking and credit cards"
    terms, arrears_related = "Terms and disputed sums/charges", "Arrears related"
    advising = "Advising, selling and arranging"
    assert by_cause(first) == {
        f"{home}: {terms}": {fee},
        f"{home}: {arrears_related}": {arrears},
        f"{cards}: Other": {fraud},
        f"{cards}: {advising}": {sold},
        f"All products: {terms}": {fee},
        f"All products: {arrears_related}": {arrears},
        "All products: Other": {fraud},
        f"All products: {advising}": {sold},
    }
    # Each category's figure is the number of cases it names.
    assert all(
        line.value == len(line.case_ids)
        for line in first.lines
        if line.description == "Closed complaints by cause category"
    )

    cases.ReopenCase(
        cases_pb2.ReopenCaseRequest(case_id=fee, reason="the customer disagrees"),
        metadata=admin_key,
    )
    eventually(
        lambda: (
            not cases.GetCase(
                cases_pb2.GetCaseRequest(case_id=fee), metadata=admin_key
            ).case.HasField("resolved_at")
        ),
        timeout=30,
    )
    again = reports.GetRegulatoryReturn(request, metadata=admin_key, timeout=30)
    assert again.kept and list(again.lines) == list(first.lines)
    recomputed = reports.GetRegulatoryReturn(
        reporting_pb2.GetRegulatoryReturnRequest(
            regime=request.regime, period=request.period, recompute=True
        ),
        metadata=admin_key,
        timeout=30,
    )
    assert (
        f"Closed complaints by cause category / All products: {terms}: 1 → 0" in recomputed.changed
    )
