"""What if: real CFPB complaints replayed under a draft with a shorter
first-response target, on the real platform, checked against a count made by
hand from the file."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import grpc
import holidays
import pytest
import yaml
from google.protobuf.timestamp_pb2 import Timestamp

from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.platform.errors import field_violations
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from tests.conftest import SHARED_DATA, bearer, eventually, start_platform
from tests.policies import SHIPPED

SOURCE = SHARED_DATA / "cfpb_complaints_2016_no_narrative.csv"
# Friday 8 to Monday 11 January 2016 (a weekend in between): no other file
# in the shared data has complaints received then.
FIRST, LAST = date(2016, 1, 8), date(2016, 1, 11)
CLOSED = {
    "Closed with explanation",
    "Closed with non-monetary relief",
    "Closed with monetary relief",
    "Closed",
}
ENGLISH_BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=[2016])


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    """A platform of its own: the cases of the period are only these, and
    they run under the shipped policy whatever other tests publish."""
    local = LocalPlatform(tmp_path_factory.mktemp("what-if"), Ports.free())
    try:
        yield start_platform(local)
    finally:
        local.stop()


def day(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def rows_in_period() -> list[dict[str, str]]:
    with SOURCE.open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if FIRST <= day(r["Date received"]) <= LAST]


def business_hours_between(start: datetime, end: datetime) -> float:
    """Working time from `start` to `end` in the shipped policy's calendar
    (uk-england), counted by hand: 09:00-17:00 London time, Monday to Friday,
    English bank holidays off. January and February are GMT: London is UTC."""
    hours = 0.0
    current = start.date()
    while current <= end.date():
        if current.weekday() < 5 and current not in ENGLISH_BANK_HOLIDAYS:
            opens = datetime.combine(current, time(9), UTC)
            closes = datetime.combine(current, time(17), UTC)
            overlap = min(closes, end) - max(opens, start)
            hours += max(overlap.total_seconds(), 0) / 3600
        current += timedelta(days=1)
    return hours


def draft_policy(hours: int) -> str:
    """The shipped policy, its first-response target `hours` business hours."""
    document = yaml.safe_load(SHIPPED.read_text())
    document["version"] = "what-if-draft"
    [clock] = [c for c in document["clocks"] if c["name"] == "first_response"]
    assert clock["budget"] == {"business_hours": 24}
    clock["budget"] = {"business_hours": hours}
    return yaml.safe_dump(document, sort_keys=False)


def received(first: date, last: date) -> common_pb2.TimeRange:
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(datetime.combine(first, time(), UTC))
    end.FromDatetime(datetime.combine(last + timedelta(days=1), time(), UTC))
    return common_pb2.TimeRange(start=start, end=end)


def cli(platform: LocalPlatform, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "REDRESS_API_KEY": platform.credentials.admin_key,
        "REDRESS_INTAKE_ADDRESS": platform.address("intake"),
        "REDRESS_REPORTING_ADDRESS": platform.address("reporting"),
    }
    return subprocess.run(
        [sys.executable, "-m", "redress.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_shorter_first_response_target_over_real_cfpb_complaints(
    platform: LocalPlatform, tmp_path: Path
) -> None:
    rows = rows_in_period()
    assert 150 <= len(rows) <= 250, len(rows)
    source = tmp_path / "january-2016.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    run = cli(platform, "import", "cfpb", str(source), "--historic")
    assert run.returncode == 0, run.stdout + run.stderr

    # By hand: the importer files each complaint as received at noon UTC on
    # its day, and one the file records as closed as closed at noon on the
    # day it was sent to the company. Its first-response clock breaches when
    # the working time between the two reaches the target; a complaint
    # still open has been breached for years under either target.
    more = 0
    closed = 0
    for row in rows:
        if row["Company response to consumer"] not in CLOSED:
            continue
        closed += 1
        got = datetime.combine(day(row["Date received"]), time(12), UTC)
        sent = datetime.combine(day(row["Date sent to company"]), time(12), UTC)
        worked = business_hours_between(got, max(sent, got))
        if 8 <= worked < 24:
            more += 1
    assert 0 < more < closed  # the file has both kinds

    stub = reporting_pb2_grpc.ReportingServiceStub(
        grpc.insecure_channel(platform.address("reporting"))
    )
    admin = bearer(platform.credentials.admin_key)
    request = reporting_pb2.WhatIfPolicyRequest(
        draft_document=draft_policy(8), received=received(FIRST, LAST), limit=500
    )

    def answered() -> reporting_pb2.WhatIfPolicyResponse:
        answer = stub.WhatIfPolicy(request, metadata=admin, timeout=300)
        assert answer.cases_replayed == len(rows)
        return answer

    answer = eventually(answered, timeout=120, interval=2)
    clocks = {c.clock: c for c in answer.clocks}
    first = clocks["first_response"]
    assert first.more_breaches == more
    assert first.fewer_breaches == 0
    assert first.draft_breached - first.baseline_breached == more
    # Every case's first-response deadline is earlier; only those listed end otherwise.
    assert first.deadlines_moved == len(rows)
    # Nothing else in the draft changed, and historic complaints get no
    # letters, warnings or escalations under either.
    for name, figures in clocks.items():
        if name != "first_response":
            assert figures.more_breaches == figures.fewer_breaches == 0, name
            assert figures.baseline_breached == figures.draft_breached, name
    assert clocks["cfpb_response"].regulatory and not first.regulatory
    assert answer.baseline_warnings == answer.draft_warnings == 0
    assert answer.baseline_escalations == answer.draft_escalations == 0
    assert answer.cases_differing == more and len(answer.cases) == more
    assert not answer.truncated
    for case in answer.cases:
        [change] = case.clocks
        assert change.clock == "first_response" and change.newly_breached
        assert change.baseline_state == common_pb2.CLOCK_STATE_MET
        assert change.draft_state == common_pb2.CLOCK_STATE_BREACHED
        assert case.baseline_policy == f"standard {yaml.safe_load(SHIPPED.read_text())['version']}"

    # Listing fewer cases keeps the totals whole.
    few = stub.WhatIfPolicy(
        reporting_pb2.WhatIfPolicyRequest(
            draft_document=draft_policy(8), received=received(FIRST, LAST), limit=3
        ),
        metadata=admin,
        timeout=300,
    )
    assert len(few.cases) == 3 and few.truncated
    assert {c.clock: c.more_breaches for c in few.clocks}["first_response"] == more

    # The same from the command line.
    draft_file = tmp_path / "draft.yaml"
    draft_file.write_text(draft_policy(8))
    shown = cli(
        platform, "policy", "what-if", str(draft_file), "--from", str(FIRST), "--to", str(LAST)
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"cases replayed {len(rows)}, differing {more}" in shown.stdout
    [line] = [x for x in shown.stdout.splitlines() if x.strip().startswith("first_response ")]
    assert line.split()[1:6] == [
        str(first.baseline_breached),
        "->",
        str(first.draft_breached),
        str(more),
        "0",
    ]


def test_a_draft_is_checked_as_publishing_checks_it_and_only_some_roles_may_ask(
    platform: LocalPlatform,
) -> None:
    stub = reporting_pb2_grpc.ReportingServiceStub(
        grpc.insecure_channel(platform.address("reporting"))
    )
    broken = draft_policy(8).replace("initial_stage: received", "initial_stage: nowhere")
    with pytest.raises(grpc.RpcError) as refused:
        stub.WhatIfPolicy(
            reporting_pb2.WhatIfPolicyRequest(draft_document=broken, limit=501),
            metadata=bearer(platform.credentials.admin_key),
            timeout=30,
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [(v.field, v.description) for v in field_violations(refused.value)] == [
        ("received", "give both start and end"),
        ("limit", "between 0 and 500 (0 for 100)"),
        ("draft_document.initial_stage", "'nowhere' is not a stage"),
    ]
    # Intake's own key files complaints; it reads no policies' effects.
    with pytest.raises(grpc.RpcError) as denied:
        stub.WhatIfPolicy(
            reporting_pb2.WhatIfPolicyRequest(
                draft_document=draft_policy(8), received=received(FIRST, LAST)
            ),
            metadata=bearer(platform.credentials.intake_key),
            timeout=30,
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
