"""`redress import cfpb FILE`: real CFPB complaints replayed through intake."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.importers.cfpb import FileFormatError, build_request, parse_date, read_rows
from services.intake.validation import validate_submission
from tests.conftest import SHARED_DATA, eventually, write_csv
from tests.e2e.test_submit_end_to_end import get_case

CFPB_FILES = sorted(p.name for p in SHARED_DATA.glob("cfpb_*.csv"))
VIA = {
    "Web": common_pb2.CHANNEL_WEB,
    "Phone": common_pb2.CHANNEL_PHONE,
    "Referral": common_pb2.CHANNEL_REFERRAL,
    "Web Referral": common_pb2.CHANNEL_REFERRAL,
    "Postal mail": common_pb2.CHANNEL_POSTAL,
    "Fax": common_pb2.CHANNEL_FAX,
    "Email": common_pb2.CHANNEL_EMAIL,
}


def test_every_cfpb_file_in_the_shared_data_is_found() -> None:
    assert len(CFPB_FILES) >= 8, CFPB_FILES


@pytest.mark.parametrize("name", CFPB_FILES)
def test_every_row_of_every_cfpb_layout_becomes_a_valid_complaint(name: str) -> None:
    # An independent reading of the file with csv.DictReader: whatever the
    # header spelling, the channel column is the one whose name says so.
    with (SHARED_DATA / name).open(newline="", encoding="utf-8") as f:
        raw = list(csv.DictReader(f))
    via_column = next((h for h in raw[0] if h.lower().replace("_", " ") == "submitted via"), None)
    expected_channels = Counter(VIA[r[via_column]] if via_column else 2 for r in raw)

    _, rows = read_rows(SHARED_DATA / name)
    seen: Counter[str] = Counter()
    keys, channels = set(), Counter()
    now = datetime.now(UTC)
    for row in rows:
        key, request, reasons = build_request(row.values, date(2016, 1, 4), seen)
        assert request is not None, f"line {row.line}: {reasons}"
        validate_submission(request, "importer", "us_cfpb", now)  # raises on any violation
        keys.add(key)
        channels[request.channel] += 1
    assert len(keys) == len(raw), "every row has its own idempotency key"
    assert channels == expected_channels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-08-25", date(2023, 8, 25)),  # the portal's export
        ("2017-03-21T00:00:00", date(2017, 3, 21)),
        ("8/30/2013", date(2013, 8, 30)),  # 2013-era US dates
        ("04/04/25", date(2025, 4, 4)),  # two-digit years
        ("27-04-2023", date(2023, 4, 27)),  # re-saved by a spreadsheet, day first
    ],
)
def test_dates_in_every_layout(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2023-02-30", "13/45/2020", "yesterday", "2023/04/27"])
def test_dates_that_are_not_dates_say_what_was_expected(text: str) -> None:
    with pytest.raises(ValueError, match="date received"):
        parse_date(text)


def test_a_file_that_is_not_cfpb_data_is_refused_as_a_whole(tmp_path: Path) -> None:
    other = tmp_path / "tweets.csv"
    other.write_text("tweet_id,text\n1,hello\n")
    with pytest.raises(FileFormatError, match="needs a Product column"):
        read_rows(other)


def redress_cli(platform, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "REDRESS_API_KEY": platform.credentials.admin_key,
        "REDRESS_INTAKE_ADDRESS": platform.address("intake"),
    }
    return subprocess.run(
        [sys.executable, "-m", "redress.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def imported_cases(channels, admin) -> list[cases_pb2.Case]:  # type: ignore[no-untyped-def]
    """Cases received before 2024: only imports file complaints that old."""
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(datetime(2000, 1, 1, tzinfo=UTC))
    end.FromDatetime(datetime(2024, 1, 1, tzinfo=UTC))
    response = cases_pb2_grpc.CasesServiceStub(channels["cases"]).ListCases(
        cases_pb2.ListCasesRequest(
            page=common_pb2.PageRequest(page_size=500),
            regimes=[common_pb2.REGIME_US_CFPB],
            received=common_pb2.TimeRange(start=start, end=end),
        ),
        metadata=admin,
        timeout=30,
    )
    return list(response.cases)


def test_import_files_each_row_once_and_a_rerun_files_nothing_again(
    platform, channels, admin
) -> None:
    source = SHARED_DATA / "cfpb_complaints_2023_variant_format.csv"
    with source.open(newline="", encoding="utf-8") as f:
        first = [r for _, r in zip(range(30), csv.DictReader(f), strict=False)]

    run = redress_cli(platform, "import", "cfpb", str(source), "--limit", "30")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "30 complaints filed, 0 already imported, 0 rejected" in run.stdout

    again = redress_cli(platform, "import", "cfpb", str(source), "--limit", "30")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 complaints filed, 30 already imported, 0 rejected" in again.stdout

    listed = imported_cases(channels, admin)
    wanted = {f"CFPB {row['Complaint_ID']}" for row in first}
    # One case per row: none missing, none twice.
    assert Counter(c.external_ref for c in listed if c.external_ref in wanted) == {
        ref: 1 for ref in wanted
    }
    cases = {c.external_ref: c for c in listed}
    for row in first:
        case = cases[f"CFPB {row['Complaint_ID']}"]
        day, month, year = (int(x) for x in row["Date_received"].split("-"))
        assert case.received_at.ToDatetime().date() == date(year, month, day)
        assert case.product == row["Product"]
        assert case.issue == row["Issue"]
        assert case.channel == VIA[row["Submitted_via"]]
        assert case.regime == common_pb2.REGIME_US_CFPB
        if row["Consumer_complaint_narrative"]:
            assert case.narrative == row["Consumer_complaint_narrative"]
        else:
            assert row["Issue"] in case.narrative


def fresh_complaint_ids(rows: list[dict[str, str]], column: str) -> None:
    """Complaint IDs of this run, beyond the CFPB's, so that the rows are new
    complaints however often the tests run."""
    run_id = int(datetime.now(UTC).timestamp() * 1000) % 10**9
    for n, row in enumerate(rows):
        row[column] = str(80_000_000_000 + run_id * 100 + n)


def test_a_file_saved_in_a_windows_code_page_is_read_in_it(
    platform, channels, admin, tmp_path: Path
) -> None:
    # Real rows, as a spreadsheet on Windows saves them again: Windows-1252,
    # with the letters and signs beyond ASCII a customer writes.
    source = SHARED_DATA / "cfpb_complaints_2023_variant_format.csv"
    with source.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if r["Consumer_complaint_narrative"]][100:108]
    fresh_complaint_ids(rows, "Complaint_ID")
    added = " I paid a €35 fee at the café; the “résumé” of charges says ‘none’."
    for row in rows:
        row["Consumer_complaint_narrative"] += added
    saved = write_csv(tmp_path / "complaints-excel.csv", rows, "cp1252")

    run = redress_cli(platform, "import", "cfpb", str(saved))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "complaints-excel.csv is not UTF-8: reading it as cp1252" in run.stderr
    assert "8 rows read as cp1252 (the file is not UTF-8)" in run.stdout
    # Nothing was "cleaned" or refused: the text is what the customer wrote.
    assert f"{len(rows)} complaints filed, 0 already imported, 0 rejected, 0 fields cleaned" in (
        run.stdout
    )
    cases = {c.external_ref: c for c in imported_cases(channels, admin)}
    for row in rows:
        case = cases[f"CFPB {row['Complaint_ID']}"]
        assert case.narrative == row["Consumer_complaint_narrative"]
    # Named, the encoding is used as named, and the import says so.
    again = redress_cli(platform, "import", "cfpb", str(saved), "--encoding", "Windows-1252")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "is not UTF-8" not in again.stderr
    assert "8 rows read as cp1252" in again.stdout
    assert "(the file is not UTF-8)" not in again.stdout
    assert f"0 complaints filed, {len(rows)} already imported" in again.stdout


def test_rows_far_larger_than_a_complaint_are_reported_and_the_rest_imported(
    platform, tmp_path: Path
) -> None:
    source = SHARED_DATA / "cfpb_personal_loan_narratives_2025.csv"
    with source.open(newline="", encoding="utf-8") as f:
        rows = [r for _, r in zip(range(6), csv.DictReader(f), strict=False)]
    fresh_complaint_ids(rows, "Complaint ID")
    # Past Python's csv limit of 128 KiB, and past a whole complaint's size.
    rows[1]["Consumer complaint narrative"] = "I was charged twice. " * 10_000
    rows[3]["Consumer complaint narrative"] = "I was charged twice. " * 100_000
    path = write_csv(tmp_path / "large-rows.csv", rows)

    run = redress_cli(platform, "import", "cfpb", str(path))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "4 complaints filed, 0 already imported, 2 rejected" in run.stdout
    # Intake says what is too long in the one it was sent; the other is too
    # large to send, and the report says which field makes it so.
    reported = {
        line.split("(", 1)[1].split(")", 1)[0]: line.split("): ", 1)[1]
        for line in run.stdout.splitlines()
        if line.startswith("  line ")
    }
    assert "narrative: at most 32000 characters" in reported[f"cfpb-{rows[1]['Complaint ID']}"]
    assert reported[f"cfpb-{rows[3]['Complaint ID']}"].startswith("the row is 2,1"), reported
    assert "its largest field is narrative (2,099,999 characters)" in run.stdout


def test_a_file_in_no_text_encoding_is_refused_saying_so(platform, tmp_path: Path) -> None:
    binary = tmp_path / "complaints.csv"
    binary.write_bytes(b"Product,Issue\n" + bytes(range(256)) * 64)
    run = redress_cli(platform, "import", "cfpb", str(binary))
    assert run.returncode == 2, run.stdout + run.stderr
    assert "is not UTF-8" in run.stderr
    assert "save it as UTF-8 CSV" in run.stderr
    named = redress_cli(platform, "import", "cfpb", str(binary), "--encoding", "latin-9000")
    assert named.returncode == 2
    assert "unknown encoding 'latin-9000'" in named.stderr


def test_rows_that_cannot_be_imported_are_reported_with_their_reasons_once(
    platform, tmp_path: Path
) -> None:
    source = tmp_path / "complaints.csv"
    rejections = tmp_path / "rejected.csv"
    header = "Date received,Product,Issue,Sub-issue,Consumer complaint narrative,Submitted via,Complaint ID"
    source.write_text(
        header
        + "\n2023-02-30,Mortgage,Trouble during payment process,,,Web,9000001"
        + "\n2023-03-01,,Trouble during payment process,,,Web,9000002"
        + "\n2023-03-02,Mortgage,Trouble during payment process,,,Carrier pigeon,9000003"
        + f"\n2023-03-03,Mortgage,Trouble during payment process,{'x' * 600},,Web,9000004"
        + "\n2023-03-04,Mortgage,Struggling to pay mortgage,,,Postal mail,9000005\n"
    )
    run = redress_cli(platform, "import", "cfpb", str(source), "--rejections", str(rejections))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 complaints filed, 0 already imported, 4 rejected" in run.stdout
    assert "line 2 (cfpb-9000001): date received '2023-02-30' is not a calendar date" in run.stdout
    assert "line 3 (cfpb-9000002): product is empty" in run.stdout
    assert (
        "line 4 (cfpb-9000003): submitted via 'Carrier pigeon' is not a known channel" in run.stdout
    )
    # Intake's refusal, each reason said once.
    [line5] = [line for line in run.stdout.splitlines() if "line 5 " in line]
    assert line5 == (
        "  line 5 (cfpb-9000004): INVALID_ARGUMENT: sub_issue: at most 500 characters (got 600)"
    )
    with rejections.open(newline="") as f:
        rejected = list(csv.DictReader(f))
    assert [r["line"] for r in rejected] == ["2", "3", "4", "5"]
    assert rejected[3]["reasons"].count("at most 500 characters") == 1


def test_fields_a_broken_encoding_left_are_cleaned_and_reported_not_refused(
    platform, channels, admin, tmp_path: Path
) -> None:
    source = tmp_path / "complaints.csv"
    header = "Date received,Product,Issue,Consumer complaint narrative,Company,Submitted via,Complaint ID"
    source.write_text(
        header
        + "\n2023-03-03,Mortgage,Trouble during payment process,Bad \x07bell,"
        + "Ocwen\x1a Loan Servicing,Web,9100001"
        + "\n2023-03-04,Mortgage,Struggling to pay mortgage,I wasn\u00e2\u20ac\u2122t told,"
        + "Soci\u00c3\u00a9t\u00c3\u00a9 G\u00c3\u00a9n\u00c3\u00a9rale,Web,9100002\n"
    )
    run = redress_cli(platform, "import", "cfpb", str(source))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 complaints filed, 0 already imported, 0 rejected, 4 fields cleaned" in run.stdout
    # The import report keeps each original, every byte visible.
    assert (
        "line 2 (cfpb-9100001): cleaned company: removed control characters U+001A: "
        "'Ocwen\\x1a Loan Servicing' -> 'Ocwen Loan Servicing'" in run.stdout
    )
    assert (
        "line 3 (cfpb-9100002): cleaned company: repaired a broken character encoding "
        "(mojibake): 'Soci\\xc3\\xa9t\\xc3\\xa9 G\\xc3\\xa9n\\xc3\\xa9rale' -> "
        "'Soci\\xe9t\\xe9 G\\xe9n\\xe9rale'" in run.stdout
    )
    cases = {c.external_ref: c for c in imported_cases(channels, admin)}
    first = get_case(channels, admin, cases["CFPB 9100001"].case_id)
    second = get_case(channels, admin, cases["CFPB 9100002"].case_id)
    assert (first.narrative, first.company) == ("Bad bell", "Ocwen Loan Servicing")
    assert (second.narrative, second.company) == (
        "I wasn\u2019t told",
        "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale",
    )


def test_the_word_none_in_an_export_is_an_empty_field(platform, channels, admin) -> None:
    source = SHARED_DATA / "cfpb_personal_loan_narratives_2025.csv"
    with source.open(newline="", encoding="utf-8") as f:
        rows = [r for _, r in zip(range(6), csv.DictReader(f), strict=False)]
    assert any(r["Sub-issue"] == "None" for r in rows), "the file writes None in empty fields"
    run = redress_cli(platform, "import", "cfpb", str(source), "--limit", "6")
    assert run.returncode == 0, run.stdout + run.stderr
    stub = cases_pb2_grpc.CasesServiceStub(channels["cases"])
    listed = stub.ListCases(
        cases_pb2.ListCasesRequest(
            page=common_pb2.PageRequest(page_size=500), regimes=[common_pb2.REGIME_US_CFPB]
        ),
        metadata=admin,
        timeout=30,
    ).cases
    by_ref = {c.external_ref: c for c in listed}
    for row in rows:
        case = get_case(channels, admin, by_ref[f"CFPB {row['Complaint ID']}"].case_id)
        shown = {
            "product": case.product,
            "sub_product": case.sub_product,
            "issue": case.issue,
            "sub_issue": case.sub_issue,
            "company": case.company,
            "state": case.customer.postal_address.region,
            "zip": case.customer.postal_address.postal_code,
        }
        for name, value in shown.items():
            assert value.lower() not in ("none", "n/a", "xxxxx"), (name, value, row)
        assert "None" not in case.customer.tags
        if row["Sub-issue"] == "None":
            assert case.sub_issue == ""


def test_a_file_without_dates_needs_to_be_told_when_it_was_received(platform) -> None:
    source = SHARED_DATA / "cfpb_narratives_by_product_2015.csv"
    run = redress_cli(platform, "import", "cfpb", str(source), "--limit", "3")
    assert run.returncode == 2
    assert "no 'Date received' column; pass --received-on YYYY-MM-DD" in run.stderr


# How the company closed each complaint, as the CFPB records it, and the
# outcome a handler would record for it.
DECISIONS = {
    "Closed with monetary relief": cases_pb2.DECISION_UPHELD,
    "Closed with non-monetary relief": cases_pb2.DECISION_PARTLY_UPHELD,
    "Closed with explanation": cases_pb2.DECISION_REJECTED,
}


def test_imported_complaints_are_worked_through_their_lifecycle_to_closed(
    platform, channels, admin
) -> None:
    source = SHARED_DATA / "cfpb_complaints_2013.csv"
    with source.open(newline="", encoding="utf-8") as f:
        rows = [r for _, r in zip(range(40), csv.DictReader(f), strict=False)]
    sample = []
    for decision in DECISIONS:
        sample.append(next(r for r in rows if r["company_response_to_consumer"] == decision))

    run = redress_cli(platform, "import", "cfpb", str(source), "--limit", "40")
    assert run.returncode == 0, run.stdout + run.stderr

    stub = cases_pb2_grpc.CasesServiceStub(channels["cases"])
    by_ref = {c.external_ref: c for c in imported_cases(channels, admin)}
    for row in sample:
        case = by_ref[f"CFPB {row['complaint_id']}"]
        # 2013 complaints: every CFPB deadline passed long ago, so the regulatory
        # clocks are breached from the start and the ladder has acted.
        assert case.breached

        def call(method: str, request):  # type: ignore[no-untyped-def]
            return getattr(stub, method)(request, metadata=admin, timeout=30).case

        call(
            "AssignCase",
            cases_pb2.AssignCaseRequest(
                case_id=case.case_id, assignee="ana.agent", team="complaints", reason="import"
            ),
        )
        for stage in ("acknowledged", "assigned", "investigating"):
            try:
                call(
                    "TransitionStage",
                    cases_pb2.TransitionStageRequest(case_id=case.case_id, to_stage=stage),
                )
            except grpc.RpcError:
                # The acknowledgement letter, once delivered, moves the case to
                # "acknowledged" by itself: that may win the race, and the
                # refusal can come before the case as read shows the move.
                if stage != "acknowledged":
                    raise
                eventually(
                    lambda case_id=case.case_id: (
                        get_case(channels, admin, case_id).stage == "acknowledged"
                    )
                )
        decision = DECISIONS[row["company_response_to_consumer"]]
        outcome = cases_pb2.RecordOutcomeRequest(
            case_id=case.case_id,
            decision=decision,
            root_cause="process.error",
            summary=row["company_response_to_consumer"],
        )
        if decision == cases_pb2.DECISION_UPHELD:
            outcome.redress.CopyFrom(common_pb2.Money(currency="USD", minor_units=15000))
        call("RecordOutcome", outcome)
        call("ResolveCase", cases_pb2.ResolveCaseRequest(case_id=case.case_id, reason="answered"))
        call("CloseCase", cases_pb2.CloseCaseRequest(case_id=case.case_id, reason="no reply"))
        # Commands answer without the trail; the case as read has it.
        closed = get_case(channels, admin, case.case_id)

        assert closed.stage == "closed"
        assert closed.outcome.decision == decision
        assert closed.assignee == "ana.agent"
        assert closed.HasField("closed_at")
        actions = [e.action for e in closed.audit_events]
        for expected in ("case.created", "case.assigned", "outcome.recorded", "clock.breached"):
            assert expected in actions, (expected, actions)
        moves = [e.new_value for e in closed.audit_events if e.action == "case.stage_changed"]
        assert moves == ["acknowledged", "assigned", "investigating", "resolved", "closed"]
        verdict = stub.VerifyAuditTrail(
            cases_pb2.VerifyAuditTrailRequest(case_id=case.case_id), metadata=admin, timeout=10
        )
        # Letters still going out may add entries after the case closed.
        assert verdict.intact and verdict.events_checked >= len(closed.audit_events)
        assert verdict.consistent, list(verdict.disagreements)


def test_a_historic_import_records_old_deadlines_without_letters_or_escalations(
    platform, channels, admin
) -> None:
    source = SHARED_DATA / "cfpb_credit_reporting_2025.csv"
    run = redress_cli(platform, "import", "cfpb", str(source), "--limit", "4", "--historic")
    assert run.returncode == 0, run.stdout + run.stderr
    with source.open(newline="", encoding="utf-8") as f:
        rows = [r for _, r in zip(range(4), csv.DictReader(f), strict=False)]
    ids = [r["Complaint ID"] for r in rows]
    status = {f"CFPB {r['Complaint ID']}": r["Company response to consumer"] for r in rows}
    stub = cases_pb2_grpc.CasesServiceStub(channels["cases"])
    found = stub.ListCases(
        cases_pb2.ListCasesRequest(
            page=common_pb2.PageRequest(page_size=50), regimes=[common_pb2.REGIME_US_CFPB]
        ),
        metadata=admin,
        timeout=30,
    ).cases
    cases = [c for c in found if c.external_ref in {f"CFPB {i}" for i in ids}]
    assert len(cases) == 4
    assert sorted(status.values()) == ["Closed with explanation"] + ["In progress"] * 3
    for listed in cases:
        if status[listed.external_ref] != "In progress":
            # Closed the day it was received, as the file records: nothing
            # was late (test_a_historic_complaint_the_file_records_as_closed…).
            closed = eventually(
                lambda c=listed: (
                    (got := get_case(channels, admin, c.case_id)).stage == "closed" and got
                ),
                timeout=30,
            )
            assert not closed.breached and closed.escalation_level == 0
            continue
        # The workflow records what it did once the case is stored.
        case = eventually(
            lambda c=listed: (
                (got := get_case(channels, admin, c.case_id))
                and any(e.action == "clock.breached" for e in got.audit_events)
                and got
            ),
            timeout=30,
        )
        actions = [e.action for e in case.audit_events]
        assert "case.filed_historic" in actions
        # Every CFPB deadline (15 and 60 days after a 2025 receipt) had passed.
        breached = [e for e in case.audit_events if e.action == "clock.breached"]
        assert {e.field for e in breached} >= {
            "clocks.cfpb_response",
            "clocks.cfpb_final_response",
        }
        assert all("no escalation" in e.cause for e in breached)
        assert "case.escalated" not in actions and "clock.warning" not in actions
        assert "message.queued" not in actions  # no acknowledgement to a 2025 customer
        assert case.escalation_level == 0 and case.breached


# The outcome a historic import records for each way the CFPB says a
# company closed a complaint (docs/lifecycle.md, "Historic complaints").
HISTORIC_DECISIONS = {
    "Closed with monetary relief": cases_pb2.DECISION_UPHELD,
    "Closed with non-monetary relief": cases_pb2.DECISION_PARTLY_UPHELD,
    "Closed with explanation": cases_pb2.DECISION_REJECTED,
    "Closed": cases_pb2.DECISION_REJECTED,
}


def test_a_historic_complaint_the_file_records_as_closed_is_a_closed_case_in_every_report(
    platform, channels, admin, tmp_path: Path
) -> None:
    from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc

    original = SHARED_DATA / "cfpb_complaints_2013.csv"
    with original.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        everything = list(reader)
    # Rows other tests do not import (they take the first 40), one of each
    # closing response the file has, and the one still untimely.
    rows = []
    for status in [*HISTORIC_DECISIONS, "Untimely response"]:
        rows.append(
            next(
                r
                for r in everything[100:]
                if r["company_response_to_consumer"] == status
                and parse_date(r["date_sent_to_company"]) >= parse_date(r["date_received"])
            )
        )
    source = write_csv(tmp_path / "historic.csv", rows, fieldnames=header)
    run = redress_cli(platform, "import", "cfpb", str(source), "--historic")
    assert run.returncode == 0, run.stdout + run.stderr

    by_ref = {c.external_ref: c for c in imported_cases(channels, admin)}
    cases = {}
    for row in rows:
        # The workflow records the closure once the case is stored.
        cases[row["complaint_id"]] = case = eventually(
            lambda r=row: (
                (got := get_case(channels, admin, by_ref[f"CFPB {r['complaint_id']}"].case_id))
                and any(e.action == "clocks.started" for e in got.audit_events)
                and got
            ),
            timeout=30,
        )
        status = row["company_response_to_consumer"]
        if status == "Untimely response":
            assert case.stage != "closed" and not case.HasField("closed_at")
            continue
        closed_on = parse_date(row["date_sent_to_company"])
        assert case.stage == "closed", (status, case.stage)
        assert case.closed_at.ToDatetime().date() == closed_on
        assert case.resolved_at.ToDatetime().date() == closed_on
        assert case.outcome.decision == HISTORIC_DECISIONS[status]
        assert case.outcome.summary == status
        # Its clocks stopped when it closed, none breached at import time.
        assert all(c.state != common_pb2.CLOCK_STATE_RUNNING for c in case.clocks)
        cfpb = next(c for c in case.clocks if c.name == "cfpb_response")
        assert cfpb.state == common_pb2.CLOCK_STATE_MET
        move = next(e for e in case.audit_events if e.action == "case.stage_changed")
        assert (move.old_value, move.new_value) == ("received", "closed")
        assert f"as the source file records it ({status!r}" in move.cause
        assert "the day it was sent to the company" in move.cause
        actions = [e.action for e in case.audit_events]
        assert "case.escalated" not in actions and "message.queued" not in actions
        verdict = cases_pb2_grpc.CasesServiceStub(channels["cases"]).VerifyAuditTrail(
            cases_pb2.VerifyAuditTrailRequest(case_id=case.case_id), metadata=admin, timeout=10
        )
        assert verdict.intact and verdict.consistent, list(verdict.disagreements)

    # The CFPB return for the months they were received counts each as the
    # file does: closed ones by their response, the untimely one in progress.
    reports = reporting_pb2_grpc.ReportingServiceStub(channels["reporting"])
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(datetime(2013, 7, 1, tzinfo=UTC))
    end.FromDatetime(datetime(2013, 12, 1, tzinfo=UTC))
    got = reports.GetRegulatoryReturn(
        reporting_pb2.GetRegulatoryReturnRequest(
            regime=common_pb2.REGIME_US_CFPB, period=common_pb2.TimeRange(start=start, end=end)
        ),
        metadata=admin,
        timeout=30,
    )
    counted: dict[str, set[str]] = {}
    for line in got.lines:
        if line.description == "Company response to consumer":
            for case_id in line.case_ids:
                counted.setdefault(case_id, set()).add(line.breakdown)
    untimely = next(line for line in got.lines if line.description == "Untimely response")
    for complaint_id, case in cases.items():
        status = next(
            r["company_response_to_consumer"] for r in rows if r["complaint_id"] == complaint_id
        )
        if status == "Untimely response":
            assert counted[case.case_id] == {"In progress"}
            assert case.case_id in untimely.case_ids
        else:
            assert "In progress" not in counted[case.case_id], (status, counted[case.case_id])
            assert case.case_id not in untimely.case_ids
