"""Years of history loaded at once: closed historic complaints filed without
a workflow each (IntakeService.ImportClosedComplaints, `redress import cfpb
--historic`), every row accounted for, nothing filed twice, and an
interrupted import that goes on where it stopped."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.importers.cfpb import CLOSED_RESPONSES, build_request, read_rows
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform.enums import short_name
from tests.conftest import SHARED_DATA, bearer

SOURCE = SHARED_DATA / "cfpb_complaints_2013.csv"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    """Temporal, cases and intake of their own: closed history needs no worker,
    and thousands of 2013 complaints would crowd the shared platform's lists."""
    local = LocalPlatform(tmp_path_factory.mktemp("history"), Ports.free(), log_format="json")
    try:
        local.start_temporal(ui=False)
        local.start_service("cases")
        local.start_service("intake")
        yield local
    finally:
        local.stop()


def closed_and_open_rows() -> tuple[list[intake_pb2.SubmitComplaintRequest], list]:  # type: ignore[type-arg]
    """The 2013 file's rows as the importer makes them, under keys of this run."""
    _, rows = read_rows(SOURCE)
    run = uuid.uuid4().hex[:8]
    closed, still_open = [], []
    seen: Counter[str] = Counter()
    for row in rows:
        _, request, _ = build_request(row.values, None, seen, historic=True)
        assert request is not None
        request.idempotency_key = f"bulk-{run}-{request.idempotency_key}"
        (closed if request.HasField("historic_closure") else still_open).append(request)
    return closed, still_open


def test_closed_complaints_are_filed_in_one_call_each_answered(platform):
    intake = bearer(platform.credentials.intake_key)
    admin = bearer(platform.credentials.admin_key)
    closed, still_open = closed_and_open_rows()
    assert len(closed) >= 20 and still_open, "the 2013 file has closed and open complaints"
    bad = intake_pb2.SubmitComplaintRequest()
    bad.CopyFrom(closed[5])
    bad.idempotency_key = f"{bad.idempotency_key}-bad"
    bad.narrative = ""
    batch = [*closed[:20], still_open[0], bad, closed[3]]
    with grpc.insecure_channel(platform.address("intake")) as channel:
        stub = intake_pb2_grpc.IntakeServiceStub(channel)

        def load(complaints):  # type: ignore[no-untyped-def]
            request = intake_pb2.ImportClosedComplaintsRequest(complaints=complaints)
            return stub.ImportClosedComplaints(request, metadata=intake, timeout=120).results

        results = load(batch)
        assert [r.idempotency_key for r in results] == [c.idempotency_key for c in batch]
        filed = results[:20]
        assert all(r.created and r.case_id and not r.problems for r in filed)
        assert len({r.case_id for r in filed}) == 20
        # An open complaint needs its workflow; a bad one says what to fix.
        assert not results[20].case_id
        assert results[20].problems[0].startswith("not a closed historic complaint")
        assert not results[21].case_id
        assert results[21].problems[0].startswith("narrative: ")
        # The same complaint twice in one call is one case.
        assert (results[22].case_id, results[22].created) == (results[3].case_id, False)

        # Again: every complaint answered with its case, none filed twice.
        again = load(closed[:20])
        assert [(r.case_id, r.created) for r in again] == [(r.case_id, False) for r in filed]
        # The same key for other content is refused, naming the case it filed.
        changed = intake_pb2.SubmitComplaintRequest()
        changed.CopyFrom(closed[0])
        changed.narrative += " (edited)"
        [reused] = load([changed])
        assert not reused.case_id
        assert reused.problems[0].startswith("this idempotency key was already used")
        assert filed[0].case_id in reused.problems[0]
        # SubmitComplaint finds the same case for the same complaint.
        answer = stub.SubmitComplaint(closed[7], metadata=intake, timeout=60)
        assert (answer.case_id, answer.created) == (filed[7].case_id, False)
        # FindComplaint finds it by its key though it has no workflow; only
        # for the caller who filed it.
        found = stub.FindComplaint(
            intake_pb2.FindComplaintRequest(idempotency_key=closed[7].idempotency_key),
            metadata=intake,
            timeout=30,
        )
        assert found.case_id == filed[7].case_id
        with pytest.raises(grpc.RpcError) as err:
            stub.FindComplaint(
                intake_pb2.FindComplaintRequest(idempotency_key=closed[7].idempotency_key),
                metadata=bearer(platform.credentials.social_key),
                timeout=30,
            )
        assert err.value.code() == grpc.StatusCode.NOT_FOUND

    with grpc.insecure_channel(platform.address("cases")) as channel:
        cases = cases_pb2_grpc.CasesServiceStub(channel)
        # The case store finds it by the workflow id FindComplaint named.
        by_workflow = cases.GetCase(
            cases_pb2.GetCaseRequest(workflow_id=found.workflow_id), metadata=admin, timeout=10
        )
        assert by_workflow.case.case_id == filed[7].case_id
        for request, field in (
            (
                cases_pb2.GetCaseRequest(case_id=filed[7].case_id, workflow_id=found.workflow_id),
                "workflow_id",
            ),
            (cases_pb2.GetCaseRequest(workflow_id="complaint:\x00"), "workflow_id"),
            (cases_pb2.GetCaseRequest(), "case_id"),
        ):
            with pytest.raises(grpc.RpcError) as err:
                cases.GetCase(request, metadata=admin, timeout=10)
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert err.value.details().startswith(f"invalid fields ({field}): "), (
                err.value.details()
            )
        with pytest.raises(grpc.RpcError) as err:
            cases.GetCase(
                cases_pb2.GetCaseRequest(workflow_id=found.workflow_id + "-none"),
                metadata=admin,
                timeout=10,
            )
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        for complaint, result in list(zip(closed, filed, strict=False))[:5]:
            case = cases.GetCase(
                cases_pb2.GetCaseRequest(case_id=result.case_id), metadata=admin, timeout=10
            ).case
            closure = complaint.historic_closure
            assert case.stage == "closed"
            assert case.outcome.decision == closure.decision
            assert case.closed_at == closure.closed_at
            actions = [e.action for e in case.audit_events]
            assert actions[0] == "case.created"
            for expected in ("case.filed_historic", "clocks.started", "outcome.recorded"):
                assert expected in actions
            moves = [e.new_value for e in case.audit_events if e.action == "case.stage_changed"]
            assert moves[-1] == "closed"
            # Nothing is left running on a case closed years ago.
            states = {short_name(common_pb2.ClockState, c.state) for c in case.clocks}
            assert states and "running" not in states and "paused" not in states, states
            verified = cases.VerifyAuditTrail(
                cases_pb2.VerifyAuditTrailRequest(case_id=case.case_id), metadata=admin, timeout=10
            )
            assert verified.intact and verified.consistent, list(verified.disagreements)


def cli(platform, *args: str) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "REDRESS_API_KEY": platform.credentials.intake_key,
        "REDRESS_INTAKE_ADDRESS": platform.address("intake"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "redress.cli", "import", "cfpb", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def many_closed_rows(target: Path, rows: int) -> None:
    """`rows` closed complaints of the 2013 file over and over, each under a
    Complaint ID of its own."""
    with SOURCE.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        body = [r for r in reader if r["company_response_to_consumer"].lower() in CLOSED_RESPONSES]
    first = 80_000_000 + uuid.uuid4().int % 10_000_000 * 10
    with target.open("w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, fieldnames=fields)
        out.writeheader()
        for i in range(rows):
            out.writerow({**body[i % len(body)], "complaint_id": str(first + i)})


def test_an_interrupted_import_goes_on_where_it_stopped(platform, tmp_path):
    file = tmp_path / "history.csv"
    rows = 6_000
    many_closed_rows(file, rows)
    first = cli(platform, str(file), "--historic", "--progress-every", "0.2")
    # Stopped as an operator would, once it reports rows done.
    assert first.stderr is not None
    for line in first.stderr:
        assert " rows/s" in line, line
        if int(line.split(" of ")[0].replace(",", "")) >= 1_000:
            break
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 130, out + err
    assert "interrupted: run the same command again" in out
    filed_first = int(out.split(" complaints filed")[0].rsplit(" ", 1)[-1])
    assert 0 < filed_first < rows
    progress = json.loads((tmp_path / "history.csv.import-progress").read_text())
    assert 0 < progress["line"] <= filed_first + 1

    second = cli(platform, str(file), "--historic")
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, out + err
    # Each row of this file is one line after the header.
    resumed = progress["line"] - 1
    assert (
        f"{rows:,} rows read ({resumed:,} of them, up to line {progress['line']:,}, "
        "accounted for by an earlier run)"
    ) in out, out
    # The rate is that of the rows handled this time, not of those passed over.
    timing = re.search(r"; ([\d,.]+) s, ([\d,]+) rows/s", out)
    assert timing, out
    seconds, rate = timing.groups()
    handled_rate = (rows - resumed) / float(seconds.replace(",", ""))
    assert abs(int(rate.replace(",", "")) - handled_rate) <= 0.05 * handled_rate + 1, out
    filed_second = int(out.split(" complaints filed")[0].rsplit(" ", 1)[-1])
    existed = int(out.split(" already imported")[0].rsplit(" ", 1)[-1])
    # Every row once: those before the resume point by the first run, the
    # rest filed now or found filed (sent before the interruption, answered
    # after it).
    assert filed_first >= resumed
    assert resumed + filed_second + existed == rows
    assert not (tmp_path / "history.csv.import-progress").exists()

    # A third run finds every row filed, once.
    third = cli(platform, str(file), "--historic")
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0, out + err
    assert f"0 complaints filed, {rows} already imported, 0 rejected" in out, out
