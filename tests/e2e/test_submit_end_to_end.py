"""A complaint filed through intake becomes a case and a ComplaintWorkflow.

Runs against the whole platform as `make run` starts it: the Temporal dev
server, Meilisearch, all five services and the worker, as processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack import binaries
from redress.devstack.platform import LocalPlatform
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform.errors import field_violations
from tests.conftest import bearer, cfpb_rows, eventually

ROWS = cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 10)


def complaint(row: dict[str, str], key: str | None = None) -> intake_pb2.SubmitComplaintRequest:
    return intake_pb2.SubmitComplaintRequest(
        idempotency_key=key or f"test-{uuid.uuid4()}",
        channel=common_pb2.CHANNEL_WEB,
        customer=common_pb2.Customer(
            full_name="Jordan Example",
            email="jordan@example.com",
            tags=[t for t in [row["Tags"]] if t],
        ),
        product=row["Product"],
        sub_product=row["Sub-product"],
        issue=row["Issue"],
        sub_issue=row["Sub-issue"],
        narrative=row["Consumer complaint narrative"],
        company=row["Company"],
        external_ref=f"cfpb-{row['Complaint ID']}",
        regime=common_pb2.REGIME_US_CFPB,
    )


def submit(channels, metadata, request):  # type: ignore[no-untyped-def]
    return intake_pb2_grpc.IntakeServiceStub(channels["intake"]).SubmitComplaint(
        request, metadata=metadata, timeout=30
    )


def get_case(channels, metadata, case_id: str) -> cases_pb2.Case:  # type: ignore[no-untyped-def]
    return (
        cases_pb2_grpc.CasesServiceStub(channels["cases"])
        .GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=metadata, timeout=10)
        .case
    )


def temporal_json(platform: LocalPlatform, *args: str):  # type: ignore[no-untyped-def]
    """What the Temporal CLI answers, as JSON, for this platform's server."""
    out = subprocess.run(
        [
            str(binaries.temporal_cli()),
            *args,
            "--address",
            f"127.0.0.1:{platform.ports.temporal}",
            "--output",
            "json",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return json.loads(out) if out.strip() else None


def temporal_list(platform: LocalPlatform, query: str) -> list[dict]:
    return temporal_json(platform, "workflow", "list", "--query", query) or []


def test_a_submitted_complaint_becomes_a_stored_case(platform, channels, admin):
    row = ROWS[0]
    response = submit(channels, admin, complaint(row))
    assert response.created
    assert response.case_id.startswith("C-")

    case = get_case(channels, admin, response.case_id)
    assert case.narrative == row["Consumer complaint narrative"]
    assert case.product == row["Product"]
    assert case.issue == row["Issue"]
    assert case.company == row["Company"]
    assert case.external_ref == f"cfpb-{row['Complaint ID']}"
    assert case.channel == common_pb2.CHANNEL_WEB
    assert case.regime == common_pb2.REGIME_US_CFPB
    # The narrative speaks of accounts opened without consent: the shipped
    # classification rules file it under fraud with high priority.
    assert "fraud" in row["Consumer complaint narrative"].lower()
    assert case.category == "fraud_and_scams"
    assert case.priority == common_pb2.PRIORITY_HIGH
    # "acknowledged" once the acknowledgement letter is delivered (tests/integration/test_followup.py)
    assert case.stage in ("received", "acknowledged")
    assert case.customer.full_name == "Jordan Example"
    assert case.customer_id.startswith("CU-")
    assert case.workflow_id == response.workflow_id

    # The creation is the first entry of the case's hash-chained audit trail,
    # recorded by the worker on behalf of the caller.
    created = case.audit_events[0]
    assert created.action == "case.created"
    assert created.actor.id == "redress-worker"
    assert created.actor.kind == common_pb2.ACTOR_KIND_SERVICE
    assert "local-admin" in created.cause
    # Then the workflow starts the policy's clocks and says which policy.
    events = eventually(
        lambda: (
            [
                e
                for e in get_case(channels, admin, response.case_id).audit_events
                if e.action == "clocks.started"
            ]
            and get_case(channels, admin, response.case_id).audit_events
        )
    )
    started = next(e for e in events if e.action == "clocks.started")
    assert started.actor.id == "complaint-workflow"
    assert started.cause.startswith("policy standard ")
    assert "cfpb_response" in started.new_value
    verdict = cases_pb2_grpc.CasesServiceStub(channels["cases"]).VerifyAuditTrail(
        cases_pb2.VerifyAuditTrailRequest(case_id=case.case_id), metadata=admin, timeout=10
    )
    assert verdict.intact and verdict.events_checked >= len(events)


def test_the_same_submission_twice_returns_the_same_case_and_one_workflow(
    platform, channels, admin
):
    request = complaint(ROWS[1], key=f"retry-{uuid.uuid4()}")
    first = submit(channels, admin, request)
    again = submit(channels, admin, request)
    assert (again.case_id, again.workflow_id) == (first.case_id, first.workflow_id)
    assert first.created and not again.created

    runs = eventually(lambda: temporal_list(platform, f"WorkflowId='{first.workflow_id}'"))
    assert len(runs) == 1


def test_concurrent_duplicate_submissions_create_one_case(platform, channels, admin):
    request = complaint(ROWS[2], key=f"burst-{uuid.uuid4()}")
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: submit(channels, admin, request), range(6)))
    assert len({a.case_id for a in answers}) == 1
    assert sum(a.created for a in answers) == 1

    listed = cases_pb2_grpc.CasesServiceStub(channels["cases"]).ListCases(
        cases_pb2.ListCasesRequest(page=common_pb2.PageRequest(page_size=500)),
        metadata=admin,
        timeout=10,
    )
    assert sum(c.idempotency_key == request.idempotency_key for c in listed.cases) == 1


def test_a_reused_key_with_other_content_is_refused(platform, channels, admin):
    request = complaint(ROWS[3], key=f"reuse-{uuid.uuid4()}")
    first = submit(channels, admin, request)
    request.narrative = "A different complaint under the same key."
    with pytest.raises(grpc.RpcError) as refused:
        submit(channels, admin, request)
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert first.case_id in refused.value.details()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda r: setattr(r, "narrative", ""), "narrative", "required"),
        (lambda r: setattr(r, "channel", 99), "channel", "one of"),
        (
            lambda r: r.customer.__setattr__("email", "jordan@@example"),
            "customer.email",
            "not an email address",
        ),
        (lambda r: setattr(r, "idempotency_key", "short"), "idempotency_key", "8 to 128"),
        (lambda r: setattr(r, "narrative", "bell \x07 in text"), "narrative", "control characters"),
    ],
)
def test_bad_fields_are_named_in_the_error(platform, channels, admin, change, field, words):
    request = complaint(ROWS[4])
    change(request)
    with pytest.raises(grpc.RpcError) as refused:
        submit(channels, admin, request)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.description for v in field_violations(refused.value)}
    assert field in violations, violations
    assert words in violations[field]


def test_every_bad_field_is_reported_at_once(platform, channels, admin):
    request = complaint(ROWS[4])
    request.narrative = ""
    request.channel = common_pb2.CHANNEL_UNSPECIFIED
    request.customer.email = "not-an-address"
    with pytest.raises(grpc.RpcError) as refused:
        submit(channels, admin, request)
    fields = {v.field for v in field_violations(refused.value)}
    assert {"narrative", "channel", "customer.email"} <= fields


def test_invalid_utf8_is_refused_not_stored(platform, channels, admin):
    good = complaint(ROWS[5]).SerializeToString()
    # Field 8 (narrative), length-delimited, with bytes that are not UTF-8.
    bad = good + bytes([0x42, 3, 0xFF, 0xFE, 0xFD])
    call = channels["intake"].unary_unary(
        "/redress.intake.v1.IntakeService/SubmitComplaint",
        request_serializer=lambda b: b,
        response_deserializer=intake_pb2.SubmitComplaintResponse.FromString,
    )
    with pytest.raises(grpc.RpcError) as refused:
        call(bad, metadata=admin, timeout=10)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "UTF-8" in refused.value.details()


def test_calls_without_a_valid_key_are_refused(platform, channels):
    stub = intake_pb2_grpc.IntakeServiceStub(channels["intake"])
    with pytest.raises(grpc.RpcError) as no_key:
        stub.SubmitComplaint(complaint(ROWS[6]), timeout=10)
    assert no_key.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "authorization: Bearer" in no_key.value.details()

    with pytest.raises(grpc.RpcError) as wrong_key:
        stub.SubmitComplaint(complaint(ROWS[6]), metadata=bearer("x" * 32), timeout=10)
    assert wrong_key.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_key_without_the_role_is_denied(platform, channels, admin):
    intake_only = bearer(platform.credentials.intake_key)
    response = submit(channels, intake_only, complaint(ROWS[7]))
    with pytest.raises(grpc.RpcError) as denied:
        get_case(channels, intake_only, response.case_id)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "local-intake may not call GetCase" in denied.value.details()


def test_an_unknown_case_is_not_found(platform, channels, admin):
    with pytest.raises(grpc.RpcError) as missing:
        get_case(channels, admin, "C-999999")
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


def test_workflows_are_found_by_their_search_attributes(platform, channels, admin):
    # A real mortgage complaint about a foreclosure: the rules make it urgent,
    # and an ops engineer finds it by that.
    row = ROWS[8]
    assert "foreclosure" in row["Consumer complaint narrative"]
    response = submit(channels, admin, complaint(row))
    found = eventually(
        lambda: temporal_list(
            platform,
            f"CaseId='{response.case_id}' AND Channel='web' AND Regime='us_cfpb' "
            "AND Stage='received' AND Priority='urgent' AND Category='mortgages' "
            "AND Breached=false",
        )
    )
    assert [w["execution"]["workflowId"] for w in found] == [response.workflow_id]
    assert found[0]["type"]["name"] == "ComplaintWorkflow"


def test_every_service_answers_health_and_reflection(platform, channels):
    expected = {
        "intake": "redress.intake.v1.IntakeService",
        "cases": "redress.cases.v1.CasesService",
        "followup": "redress.followup.v1.FollowupService",
        "knowledge": "redress.knowledge.v1.KnowledgeService",
        "reporting": "redress.reporting.v1.ReportingService",
    }
    for name, service in expected.items():
        health = health_pb2_grpc.HealthStub(channels[name])
        for probe in ("", service):
            status = health.Check(health_pb2.HealthCheckRequest(service=probe), timeout=5)
            assert status.status == health_pb2.HealthCheckResponse.SERVING, (name, probe)
        database = ProtoReflectionDescriptorDatabase(channels[name])
        assert service in database.get_services()
        assert database.FindFileContainingSymbol(service).name.startswith("redress/")


def test_metrics_count_calls_by_method_and_code(platform, channels, admin):
    request = complaint(ROWS[9])
    submit(channels, admin, request)
    request.narrative = ""
    with pytest.raises(grpc.RpcError):
        submit(channels, admin, request)
    port = platform.ports.metrics["intake"]
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert (
        'redress_grpc_requests_total{grpc_code="OK",grpc_method="SubmitComplaint",'
        'grpc_service="redress.intake.v1.IntakeService"}'
    ) in text
    assert 'grpc_code="INVALID_ARGUMENT",grpc_method="SubmitComplaint"' in text
    assert "redress_grpc_request_duration_seconds_bucket" in text
    worker = (
        urllib.request.urlopen(
            f"http://127.0.0.1:{platform.ports.metrics['worker_sdk']}/metrics", timeout=5
        )
        .read()
        .decode()
    )
    # Case-store calls run as local activities in the worker.
    assert "temporal_local_activity_execution_latency" in worker
    assert "temporal_workflow_task_execution_latency" in worker


def test_the_cli_files_and_shows_a_complaint(platform):
    env = {**platform.env(), "REDRESS_API_KEY": platform.credentials.admin_key}
    narrative = ROWS[0]["Consumer complaint narrative"]
    filed = subprocess.run(
        [
            str(binaries.venv_binary("redress")),
            "submit",
            "--name",
            "Sam Caller",
            "--phone",
            "+1 202 555 0100",
            "--channel",
            "phone",
            "--product",
            ROWS[0]["Product"],
            "--narrative",
            narrative,
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert filed.returncode == 0, filed.stderr
    case_id = filed.stdout.split()[1]
    shown = subprocess.run(
        [str(binaries.venv_binary("redress")), "case", "show", case_id],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "Sam Caller" in shown.stdout and "phone" in shown.stdout
    assert "case.created" in shown.stdout

    refused = subprocess.run(
        [
            str(binaries.venv_binary("redress")),
            "submit",
            "--name",
            "Sam Caller",
            "--email",
            "sam@",
            "--channel",
            "email",
            "--narrative",
            "x",
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "customer.email: 'sam@' is not an email address" in refused.stderr


def history_of(platform: LocalPlatform, execution: dict[str, str]) -> list[dict]:
    shown = temporal_json(
        platform,
        "workflow",
        "show",
        "--workflow-id",
        execution["workflowId"],
        "--run-id",
        execution["runId"],
    )
    return list(shown["events"])


def test_rules_classify_a_real_complaint_and_a_handler_overrides_the_category(
    platform, channels, admin
):
    row = next(r for r in ROWS if r["Product"].startswith("Credit reporting"))
    response = submit(channels, admin, complaint(row))
    case = get_case(channels, admin, response.case_id)
    assert case.category in ("credit_reporting", "fraud_and_scams")
    rules = [e.actor.id for e in case.audit_events if e.action == "case.classified"]
    assert rules and rules[0].startswith("classification.")

    stub = cases_pb2_grpc.CasesServiceStub(channels["cases"])
    with pytest.raises(grpc.RpcError) as err:
        stub.ChangeCategory(
            cases_pb2.ChangeCategoryRequest(case_id=case.case_id, category="weather"),
            metadata=admin,
            timeout=30,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.description for v in field_violations(err.value)}
    assert "reason" in violations

    with pytest.raises(grpc.RpcError) as err:
        stub.ChangeCategory(
            cases_pb2.ChangeCategoryRequest(
                case_id=case.case_id, category="weather", reason="customer says so"
            ),
            metadata=admin,
            timeout=30,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.description for v in field_violations(err.value)}
    assert "fees_and_charges" in violations["category"]

    changed = stub.ChangeCategory(
        cases_pb2.ChangeCategoryRequest(
            case_id=case.case_id, category="fees_and_charges", reason="about a fee, not a report"
        ),
        metadata=admin,
        timeout=30,
    ).case
    assert changed.category == "fees_and_charges"
    # Commands answer without the trail; the case as read has it. The
    # workflow may add its own entries (e.g. suggested articles) meanwhile.
    trail = get_case(channels, admin, case.case_id).audit_events
    recategorised = [e for e in trail if e.action == "case.recategorised"]
    assert [e.actor.id for e in recategorised] == ["local-admin"]


def test_cases_are_linked_from_both_sides_and_links_stay_consistent(platform, channels, admin):
    a, b, c, d = (submit(channels, admin, complaint(ROWS[i])).case_id for i in (1, 3, 5, 6))
    stub = cases_pb2_grpc.CasesServiceStub(channels["cases"])

    def link(case_id: str, kind: int, other: str) -> cases_pb2.Case:
        return stub.LinkCases(
            cases_pb2.LinkCasesRequest(case_id=case_id, kind=kind, other_case_id=other),
            metadata=admin,
            timeout=30,
        ).case

    def refused(case_id: str, kind: int, other: str) -> grpc.RpcError:
        with pytest.raises(grpc.RpcError) as err:
            link(case_id, kind, other)
        return err.value

    linked = link(b, cases_pb2.LINK_KIND_DUPLICATE_OF, a)
    assert [(x.kind, x.other_case_id, x.linked_by) for x in linked.links] == [
        (cases_pb2.LINK_KIND_DUPLICATE_OF, a, "local-admin")
    ]
    original = get_case(channels, admin, a)
    assert [(x.kind, x.other_case_id) for x in original.links] == [
        (cases_pb2.LINK_KIND_DUPLICATED_BY, b)
    ]

    # Linking again the same way changes nothing, not even the audit trail.
    # (The workflow may add entries of its own meanwhile, so links are counted.)
    # Commands answer without the trail; the case as read has it.
    def links_recorded(case_id: str) -> int:
        return sum(
            e.action == "case.linked" for e in get_case(channels, admin, case_id).audit_events
        )

    assert links_recorded(b) == 1
    link(b, cases_pb2.LINK_KIND_DUPLICATE_OF, a)
    assert links_recorded(b) == 1

    err = refused(b, cases_pb2.LINK_KIND_DUPLICATE_OF, c)
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"{b} is already a duplicate of {a}" in err.details()
    err = refused(a, cases_pb2.LINK_KIND_RELATED_TO, b)
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "one link per pair" in err.details()

    link(a, cases_pb2.LINK_KIND_PARENT_OF, c)
    link(d, cases_pb2.LINK_KIND_CHILD_OF, c)
    err = refused(d, cases_pb2.LINK_KIND_PARENT_OF, a)
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "cycle" in err.details()

    err = refused(a, cases_pb2.LINK_KIND_RELATED_TO, a)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err)} == {"other_case_id"}
    err = refused(a, cases_pb2.LINK_KIND_DUPLICATED_BY, c)
    assert {v.field for v in field_violations(err)} == {"kind"}
    err = refused(a, cases_pb2.LINK_KIND_RELATED_TO, "C-999999")
    assert err.code() == grpc.StatusCode.NOT_FOUND

    middle = get_case(channels, admin, c)
    assert sorted((x.kind, x.other_case_id) for x in middle.links) == sorted(
        [(cases_pb2.LINK_KIND_CHILD_OF, a), (cases_pb2.LINK_KIND_PARENT_OF, d)]
    )

    # A wrong duplicate link is removed from the original's side; B may then
    # be marked a duplicate of another case.
    unlinked = stub.UnlinkCases(
        cases_pb2.UnlinkCasesRequest(case_id=a, other_case_id=b, reason="different accounts"),
        metadata=admin,
        timeout=30,
    ).case
    assert [x.other_case_id for x in unlinked.links] == [c]
    assert get_case(channels, admin, b).links == []
    # Commands answer without the trail; the case as read has it.
    trail = get_case(channels, admin, a).audit_events
    assert [e.cause for e in trail if e.action == "case.unlinked"] == ["different accounts"]
    link(b, cases_pb2.LINK_KIND_DUPLICATE_OF, c)
    with pytest.raises(grpc.RpcError) as gone:
        stub.UnlinkCases(
            cases_pb2.UnlinkCasesRequest(case_id=a, other_case_id=b, reason="again"),
            metadata=admin,
            timeout=30,
        )
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    for case_id in (a, b, c, d):
        trail = get_case(channels, admin, case_id).audit_events
        assert any(e.action == "case.linked" for e in trail)
        verdict = stub.VerifyAuditTrail(
            cases_pb2.VerifyAuditTrailRequest(case_id=case_id), metadata=admin, timeout=10
        )
        assert verdict.intact


def test_a_device_complaint_names_its_regime_as_data(platform, channels, admin):
    # A regime of a shipped pack file (medical_devices.yaml), not of the enum.
    request = complaint(ROWS[5])
    request.ClearField("regime")
    request.regime_name = "fda_mdr"
    response = submit(channels, admin, request)
    case = get_case(channels, admin, response.case_id)
    assert case.regime_name == "fda_mdr"
    assert case.regime == common_pb2.REGIME_UNSPECIFIED
    # Its clocks run from awareness of a reportable event, not from receipt:
    # receipt starts the policy's own clocks and no regulator's.
    started = eventually(
        lambda: [
            e
            for e in get_case(channels, admin, response.case_id).audit_events
            if e.action == "clocks.started"
        ]
    )
    assert "resolution" in started[0].new_value
    assert "fda_mdr" not in started[0].new_value
    assert [
        c.name for c in get_case(channels, admin, response.case_id).clocks if c.regulation
    ] == []

    # An enum regime is named the same way in regime_name.
    financial = get_case(channels, admin, submit(channels, admin, complaint(ROWS[6])).case_id)
    assert (financial.regime, financial.regime_name) == (common_pb2.REGIME_US_CFPB, "us_cfpb")


def test_an_unknown_data_regime_is_refused_with_the_known_ones(platform, channels, admin):
    request = complaint(ROWS[4])
    request.ClearField("regime")
    request.regime_name = "us_fda"
    with pytest.raises(grpc.RpcError) as refused:
        submit(channels, admin, request)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.description for v in field_violations(refused.value)}
    assert violations == {
        "regime_name": "unknown regime; one of none, uk_fca, eu_psd2, us_cfpb, au_asic, "
        "fda_mdr, eu_mdr"
    }


@pytest.mark.parametrize(
    ("setting", "row"),
    [
        ({"REDRESS_HISTORY_LIMIT": "30"}, 2),
        ({"REDRESS_FRESH_RUN_AFTER_RECEIPT": "true"}, 3),
    ],
)
def test_a_deployment_that_keeps_histories_short_continues_complaints_as_new(
    platform, channels, admin, setting, row
):
    # On intake, REDRESS_HISTORY_LIMIT: each complaint's workflow continues as
    # new once its history has that many events; REDRESS_FRESH_RUN_AFTER_RECEIPT:
    # once its receipt is recorded and handed over. Either way a complaint the
    # worker no longer holds is replayed from a short history. Another intake
    # process with the setting, beside the platform's own.
    name = "intake-2"
    platform.start_service("intake", setting, replica=2)
    try:
        with grpc.insecure_channel(platform.address("intake", 2)) as channel:
            response = intake_pb2_grpc.IntakeServiceStub(channel).SubmitComplaint(
                complaint(ROWS[row]), metadata=admin, timeout=30
            )
    finally:
        platform.supervisor.stop(platform.processes.pop(name))

    def runs() -> list[dict]:
        found = temporal_list(platform, f"WorkflowId='{response.workflow_id}'")
        statuses = [run["status"] for run in found]
        # Filing, the receipt and the acknowledgement's hand-over take more
        # than 30 events: the first run continues as new once they are done.
        assert "WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW" in statuses, statuses
        assert "WORKFLOW_EXECUTION_STATUS_RUNNING" in statuses, statuses
        return found

    found = eventually(runs, timeout=60)
    first = next(r for r in found if r["status"].endswith("CONTINUED_AS_NEW"))
    latest = next(r for r in found if r["status"].endswith("RUNNING"))
    assert int(first["historyLength"]) >= 30
    # The run the complaint now waits in is a fraction of the first.
    assert len(history_of(platform, latest["execution"])) < int(first["historyLength"]) / 2

    # The new run goes on with the complaint: a handler's change reaches the
    # case, and the case reads as one case with one receipt and a whole trail.
    stub = cases_pb2_grpc.CasesServiceStub(channels["cases"])
    changed = stub.ChangeCategory(
        cases_pb2.ChangeCategoryRequest(
            case_id=response.case_id, category="fees_and_charges", reason="about a fee"
        ),
        metadata=admin,
        timeout=30,
    ).case
    assert changed.category == "fees_and_charges"
    case = get_case(channels, admin, response.case_id)
    actions = [e.action for e in case.audit_events]
    assert actions.count("case.created") == 1
    assert actions.count("clocks.started") == 1
    assert actions.count("case.recategorised") == 1
    assert [c.name for c in case.clocks]
    verdict = stub.VerifyAuditTrail(
        cases_pb2.VerifyAuditTrailRequest(case_id=response.case_id), metadata=admin, timeout=30
    )
    assert verdict.intact and verdict.consistent, verdict.detail
