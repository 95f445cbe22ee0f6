"""What if: real CFPB complaints replayed under a draft with a shorter
first-response target, on the real platform, checked against a count made by
hand from the file."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import grpc
import holidays
import pytest
import yaml
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.platform.errors import field_violations
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from tests.conftest import SHARED_DATA, bearer, eventually, start_platform, write_csv
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


@dataclass(frozen=True)
class Imported:
    rows: list[dict[str, str]]
    # Cases whose first response breaches at 8 business hours and not at 24,
    # counted by hand from the file.
    more: int


@pytest.fixture(scope="module")
def imported(platform: LocalPlatform, tmp_path_factory: pytest.TempPathFactory) -> Imported:
    rows = rows_in_period()
    assert 150 <= len(rows) <= 250, len(rows)
    source = write_csv(tmp_path_factory.mktemp("cfpb") / "january-2016.csv", rows)
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
    # The cases are stored (and their closing recorded) as intake answers;
    # wait until reporting reads them all.
    stub = reporting_pb2_grpc.ReportingServiceStub(
        grpc.insecure_channel(platform.address("reporting"))
    )
    request = reporting_pb2.WhatIfPolicyRequest(
        draft_document=SHIPPED.read_text(), received=received(FIRST, LAST)
    )
    eventually(
        lambda: (
            stub.WhatIfPolicy(
                request, metadata=bearer(platform.credentials.admin_key), timeout=300
            ).cases_replayed
            == len(rows)
        ),
        timeout=120,
        interval=2,
    )
    return Imported(rows, more)


def test_a_shorter_first_response_target_over_real_cfpb_complaints(
    platform: LocalPlatform, imported: Imported, tmp_path: Path
) -> None:
    rows, more = imported.rows, imported.more
    stub = reporting_pb2_grpc.ReportingServiceStub(
        grpc.insecure_channel(platform.address("reporting"))
    )
    admin = bearer(platform.credentials.admin_key)
    request = reporting_pb2.WhatIfPolicyRequest(
        draft_document=draft_policy(8), received=received(FIRST, LAST), limit=500
    )

    answer = stub.WhatIfPolicy(request, metadata=admin, timeout=300)
    assert answer.cases_replayed == len(rows)
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

    # The policy the cases run under, as a draft, changes nothing.
    same = stub.WhatIfPolicy(
        reporting_pb2.WhatIfPolicyRequest(
            draft_document=SHIPPED.read_text(), received=received(FIRST, LAST)
        ),
        metadata=admin,
        timeout=300,
    )
    assert same.cases_differing == 0 and not same.cases
    assert all(c.more_breaches == c.fewer_breaches == c.deadlines_moved == 0 for c in same.clocks)

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


def test_what_if_over_http_json(platform: LocalPlatform, imported: Imported) -> None:
    platform.start_http({"REDRESS_HTTP_CALL_TIMEOUT_SECONDS": "300"})
    body = json.dumps(
        {
            "draftDocument": draft_policy(8),
            "received": {"start": "2016-01-08T00:00:00Z", "end": "2016-01-12T00:00:00Z"},
            "limit": 2,
        }
    ).encode()
    request = urllib.request.Request(
        platform.http_url + "redress.reporting.v1.ReportingService/WhatIfPolicy",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {platform.credentials.admin_key}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=300) as answer:
        got = json.loads(answer.read())
    assert got["casesReplayed"] == str(len(imported.rows))
    first = next(c for c in got["clocks"] if c["clock"] == "first_response")
    assert first["moreBreaches"] == str(imported.more)
    assert len(got["cases"]) == 2 and got["truncated"] is True


def test_the_console_shows_what_a_draft_would_do_before_it_is_published(
    platform: LocalPlatform, imported: Imported
) -> None:
    from playwright.sync_api import expect, sync_playwright

    platform.start_console()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_context(locale="en-GB").new_page()
        page.set_default_timeout(120_000)
        page.goto(platform.console_url + "policy")
        page.get_by_label("API key").fill(platform.credentials.admin_key)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Policy").click()
        # The draft starts as the policy in force; a what-if of a broken one
        # names the problem by its path, next to the draft.
        expect(page.get_by_label("Draft policy (YAML or JSON)")).to_contain_text("first_response")
        page.get_by_label("Draft policy (YAML or JSON)").fill(
            draft_policy(8).replace("initial_stage: received", "initial_stage: nowhere")
        )
        page.get_by_label("From").fill(FIRST.isoformat())
        page.get_by_label("To").fill(LAST.isoformat())
        page.get_by_role("button", name="What if").click()
        problems = page.get_by_role("list", name="Problems in the draft")
        expect(problems).to_contain_text("initial_stage: 'nowhere' is not a stage")
        # Fixed: the totals and the differing cases, before anything is published.
        page.get_by_label("Draft policy (YAML or JSON)").fill(draft_policy(8))
        page.get_by_role("button", name="What if").click()
        expect(page.get_by_role("status")).to_contain_text(
            f"{len(imported.rows)} cases received from {FIRST} to {LAST} replayed; "
            f"{imported.more} would have gone differently."
        )
        row = page.get_by_role("row", name=re.compile(r"^first_response "))
        cells = row.get_by_role("cell").all_inner_texts()
        # Breached now, under the draft, more, fewer.
        assert int(cells[1]) - int(cells[0]) == imported.more
        assert cells[2:4] == [str(imported.more), "0"]
        cases = page.get_by_role("table", name="Cases that would have gone differently")
        expect(cases.get_by_role("row")).to_have_count(imported.more + 1)
        expect(page.get_by_role("button", name="Publish")).to_be_visible()
        browser.close()
    # Nothing was published: the policy in force is still the shipped one.
    stub = cases_pb2_grpc.CasesServiceStub(grpc.insecure_channel(platform.address("cases")))
    in_force = stub.GetPolicy(
        cases_pb2.GetPolicyRequest(), metadata=bearer(platform.credentials.admin_key), timeout=30
    ).policy
    assert in_force.version == yaml.safe_load(SHIPPED.read_text())["version"]


def test_a_case_worked_now_replays_under_its_own_policy_as_it_lived(
    platform: LocalPlatform,
) -> None:
    """The baseline is the live rules themselves: a case moved, paused,
    answered and resolved through the API replays, under its own policy
    version, to the clocks GetCase shows (deadlines to within the moment it
    takes to record a change, the time the audit trail gives each event)."""
    from redress.domain import what_if as wi
    from redress.intake.v1 import intake_pb2, intake_pb2_grpc
    from services.reporting.store import ReportingStore
    from services.reporting.what_if import recorded_cases

    admin = bearer(platform.credentials.admin_key)
    started = datetime.now(UTC)
    with grpc.insecure_channel(platform.address("intake")) as channel:
        case_id = (
            intake_pb2_grpc.IntakeServiceStub(channel)
            .SubmitComplaint(
                intake_pb2.SubmitComplaintRequest(
                    idempotency_key=f"what-if-live-{started.timestamp()}",
                    channel=common_pb2.CHANNEL_WEB,
                    customer=common_pb2.Customer(full_name="Robin Example", email="r@example.com"),
                    product="Checking or savings account",
                    issue="Managing an account",
                    narrative="The bank closed my account without telling me.",
                    regime=common_pb2.REGIME_UK_FCA,
                ),
                metadata=admin,
                timeout=30,
            )
            .case_id
        )
    cases = cases_pb2_grpc.CasesServiceStub(grpc.insecure_channel(platform.address("cases")))

    def call(method: str, request: object) -> None:
        getattr(cases, method)(request, metadata=admin, timeout=30)

    def case() -> cases_pb2.Case:
        return cases.GetCase(
            cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=30
        ).case

    try:
        call(
            "TransitionStage", cases_pb2.TransitionStageRequest(case_id=case_id, to_stage="triage")
        )
    except grpc.RpcError:
        # The acknowledgement, once delivered, may have moved it on first.
        assert case().stage == "acknowledged"
    for stage in ("assigned", "investigating", "awaiting_customer"):
        call("TransitionStage", cases_pb2.TransitionStageRequest(case_id=case_id, to_stage=stage))
    call(
        "RecordCustomerReply",
        cases_pb2.RecordCustomerReplyRequest(
            case_id=case_id, channel=common_pb2.CHANNEL_EMAIL, summary="here it is"
        ),
    )
    eventually(lambda: case().stage == "investigating")
    call(
        "PauseClock",
        cases_pb2.PauseClockRequest(
            case_id=case_id, clock="resolution", reason="customer_requested_delay"
        ),
    )
    call("ResumeClock", cases_pb2.ResumeClockRequest(case_id=case_id, clock="resolution"))
    call(
        "RecordOutcome",
        cases_pb2.RecordOutcomeRequest(
            case_id=case_id,
            decision=cases_pb2.DECISION_UPHELD,
            root_cause="process.error",
            summary="reopened the account",
        ),
    )
    call("ResolveCase", cases_pb2.ResolveCaseRequest(case_id=case_id, reason="answered"))
    live = eventually(lambda: (got := case()).stage == "resolved" and got)

    store = ReportingStore(platform.database_url)
    try:
        [(version, recorded)] = [
            (v, c)
            for v, c in recorded_cases(
                store, started - timedelta(minutes=5), datetime.now(UTC) + timedelta(minutes=5)
            )
            if c.case_id == case_id
        ]
        assert version == f"{live.policy_id} {live.policy_version}"
        kinds = [e.kind for e in recorded.events]
        for kind in (wi.STAGE, wi.REPLY, wi.PAUSE, wi.RESUME, wi.OUTCOME):
            assert kind in kinds, kinds
        replayed = wi.replay(
            recorded,
            store.policy(live.policy_id, live.policy_version),
            datetime.now(UTC),
        )
    finally:
        store.close()
    states = {
        common_pb2.CLOCK_STATE_MET: "met",
        common_pb2.CLOCK_STATE_RUNNING: "running",
        common_pb2.CLOCK_STATE_PAUSED: "paused",
        common_pb2.CLOCK_STATE_BREACHED: "breached",
    }
    assert {c.name for c in replayed.clocks} == {c.name for c in live.clocks}
    for clock in live.clocks:
        again = replayed.clock(clock.name)
        assert again is not None and again.state == states[clock.state], clock.name
        assert again.due_at is not None
        assert abs(again.due_at - clock.due_at.ToDatetime(UTC)) < timedelta(seconds=5), clock.name
    # The letters the live case asked for, as services/followup took them.
    replayed_letters = [h.name for h in replayed.letters]
    assert replayed_letters == ["acknowledgement", "summary_resolution"]

    def live_letters() -> list[str]:
        return [
            e.actor.id.removeprefix("followups.")
            for e in case().audit_events
            if e.action == "message.queued" and e.actor.id.startswith("followups.")
        ]

    assert eventually(lambda: len(live_letters()) == 2 and live_letters()) == replayed_letters
