"""The HTTP/JSON face (services/gateway): intake and the case read API over
the Connect protocol's unary JSON form, on the real platform.

The gateway forwards each call to the real gRPC services with the caller's
key, so these tests check that what a CRM sees over HTTP is what gRPC says:
one case per idempotency key, 401/403 for keys and roles, 404 for a case
outside an agent's scope, field violations for a bad request.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.devstack.platform import LocalPlatform, start_on_own_ports
from tests.conftest import followup_env

DANA = "dana-http-scope-key-0123456789"  # an agent of team `disputes`
INTAKE = "/redress.intake.v1.IntakeService/SubmitComplaint"
CASES = "/redress.cases.v1.CasesService/"


@pytest.fixture(scope="module")
def gateway(platform: LocalPlatform) -> Iterator[str]:
    """The gateway in front of the platform's intake and of a cases service
    that scopes agents to their teams (as tests/integration/test_agent_scope.py)."""
    keys = platform.data_dir / "http-api-keys.txt"
    keys.write_text((platform.data_dir / "api-keys.txt").read_text() + f"{DANA} dana agent\n")
    cases_env = {
        **platform.env(),
        "REDRESS_API_KEYS_FILE": str(keys),
        "REDRESS_MIGRATE_ON_START": "false",
        "REDRESS_AGENT_SCOPE": "teams",
        "REDRESS_STAFF_FILE": followup_env(platform)["REDRESS_STAFF_FILE"],
    }
    started = []
    try:
        cases, served = start_on_own_ports(
            platform.supervisor, "cases-http-scoped", "cases", cases_env
        )
        started.append(cases)
        http_env = {
            **platform.env(),
            "REDRESS_CASES_ADDRESS": served["REDRESS_CASES_LISTEN"],
            "REDRESS_HTTP_MAX_BODY_BYTES": str(64 * 1024),
        }
        http, served = start_on_own_ports(
            platform.supervisor, "http-test", "http", http_env, module="services.gateway"
        )
        started.append(http)
        yield f"http://{served['REDRESS_HTTP_LISTEN']}"
    finally:
        for process in reversed(started):
            platform.supervisor.stop(process)


def post(
    base: str,
    path: str,
    body: Any,
    key: str | None,
    content_type: str = "application/json",
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(base + path, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def complaint(key: str, marker: str = "") -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "channel": "CHANNEL_WEB",
        "customer": {"fullName": "Jordan Example", "email": "jordan@example.com"},
        "product": "Checking or savings account",
        "issue": "Managing an account",
        "narrative": f"The bank charged me twice for the same transfer. {marker}",
        "regime": "REGIME_US_CFPB",
    }


def test_a_complaint_filed_over_http_is_one_case_read_back_over_http(
    platform: LocalPlatform, gateway: str
) -> None:
    intake_key = platform.credentials.intake_key
    admin_key = platform.credentials.admin_key
    key = f"crm-{uuid.uuid4()}"
    marker = uuid.uuid4().hex[:12]
    status, first = post(gateway, INTAKE, complaint(key, marker), intake_key)
    assert status == 200, first
    assert first["caseId"] and first["created"] is True
    status, again = post(gateway, INTAKE, complaint(key, marker), intake_key)
    assert status == 200, again
    assert again["caseId"] == first["caseId"]
    assert "created" not in again  # proto3 JSON leaves out false

    status, read = post(gateway, CASES + "GetCase", {"caseId": first["caseId"]}, admin_key)
    assert status == 200, read
    case = read["case"]
    assert case["caseId"] == first["caseId"]
    assert case["channel"] == "CHANNEL_WEB"
    assert case["product"] == "Checking or savings account"
    status, listed = post(
        gateway, CASES + "ListCases", {"text": marker, "page": {"pageSize": 50}}, admin_key
    )
    assert status == 200, listed
    assert [c["caseId"] for c in listed["cases"]] == [first["caseId"]]
    status, trail = post(gateway, CASES + "ListAuditEvents", {"caseId": first["caseId"]}, admin_key)
    assert status == 200 and trail["events"], trail
    status, verified = post(
        gateway, CASES + "VerifyAuditTrail", {"caseId": first["caseId"]}, admin_key
    )
    assert status == 200 and verified.get("intact") is True, verified


def test_a_crm_adds_the_customers_file_over_http_and_reads_it_back(
    platform: LocalPlatform, gateway: str
) -> None:
    intake_key = platform.credentials.intake_key
    admin_key = platform.credentials.admin_key
    status, filed = post(gateway, INTAKE, complaint(f"crm-{uuid.uuid4()}"), intake_key)
    assert status == 200, filed
    case_id = filed["caseId"]
    letter = f"Statement for March: two debits of 249.00 ({uuid.uuid4()})\n".encode()
    upload = {
        "caseId": case_id,
        "filename": "statement.txt",
        "content": base64.b64encode(letter).decode(),
        "source": "web_form",
        "idempotencyKey": "crm-file-1",
    }
    status, added = post(gateway, CASES + "UploadAttachment", upload, intake_key)
    assert status == 200, added
    attachment = added["attachment"]
    assert (attachment["filename"], attachment["mediaType"], attachment["addedBy"]) == (
        "statement.txt",
        "text/plain",
        "customer",
    )
    assert attachment["sizeBytes"] == str(len(letter))
    status, again = post(gateway, CASES + "UploadAttachment", upload, intake_key)
    assert status == 200 and "created" not in again
    assert again["attachment"]["attachmentId"] == attachment["attachmentId"]
    # A program sent as a PDF: the same field violation as over gRPC.
    program = {**upload, "filename": "x.pdf", "idempotencyKey": "crm-file-2"}
    program["content"] = base64.b64encode(b"MZ" + b"\x00" * 62 + b"PE\x00\x00").decode()
    status, error = post(gateway, CASES + "UploadAttachment", program, intake_key)
    assert (status, error["code"]) == (400, "invalid_argument"), error
    violations = error["details"][0]["debug"]["fieldViolations"]
    assert violations[0]["field"] == "content" and "Windows program" in violations[0]["description"]
    # Reading files is for roles that read cases.
    status, error = post(gateway, CASES + "ListAttachments", {"caseId": case_id}, intake_key)
    assert (status, error["code"]) == (403, "permission_denied")
    status, listed = post(gateway, CASES + "ListAttachments", {"caseId": case_id}, admin_key)
    assert status == 200 and [a["filename"] for a in listed["attachments"]] == ["statement.txt"]
    status, got = post(
        gateway,
        CASES + "DownloadAttachment",
        {"caseId": case_id, "attachmentId": attachment["attachmentId"]},
        admin_key,
    )
    assert status == 200 and base64.b64decode(got["content"]) == letter


def test_keys_roles_and_scope_are_the_grpc_ones(
    platform: LocalPlatform, channels: dict[str, grpc.Channel], admin: Any, gateway: str
) -> None:
    status, filed = post(
        gateway, INTAKE, complaint(f"crm-{uuid.uuid4()}"), platform.credentials.admin_key
    )
    assert status == 200, filed
    case_id = filed["caseId"]
    cases_pb2_grpc.CasesServiceStub(channels["cases"]).AssignCase(
        cases_pb2.AssignCaseRequest(case_id=case_id, assignee="omar", team="retail"),
        metadata=admin,
        timeout=30,
    )

    status, error = post(gateway, CASES + "GetCase", {"caseId": case_id}, None)
    assert (status, error["code"]) == (401, "unauthenticated")
    assert "Bearer" in error["message"]
    status, error = post(gateway, CASES + "GetCase", {"caseId": case_id}, "not-a-key-0123456789")
    assert (status, error["code"]) == (401, "unauthenticated")
    # An intake client files complaints; it does not read cases.
    status, error = post(
        gateway, CASES + "GetCase", {"caseId": case_id}, platform.credentials.intake_key
    )
    assert (status, error["code"]) == (403, "permission_denied")
    assert "local-intake may not call GetCase" in error["message"]
    # Outside her teams a case is answered as if it did not exist.
    for method, body in (("GetCase", {"caseId": case_id}), ("ListNotes", {"caseId": case_id})):
        status, error = post(gateway, CASES + method, body, DANA)
        assert (status, error["code"]) == (404, "not_found"), method
        assert error["message"] == f"no case {case_id}"


def test_a_bad_request_says_what_to_fix_field_by_field(
    platform: LocalPlatform, gateway: str
) -> None:
    key = platform.credentials.intake_key
    status, error = post(gateway, INTAKE, {"idempotencyKey": "x", "channel": "CHANNEL_WEB"}, key)
    assert (status, error["code"]) == (400, "invalid_argument"), error
    [detail] = error["details"]
    assert detail["type"] == "google.rpc.BadRequest" and detail["value"]
    fields = {v["field"]: v["description"] for v in detail["debug"]["fieldViolations"]}
    assert "idempotency_key" in fields and "customer" in fields

    status, error = post(gateway, INTAKE, b'{"idempotencyKey": ', key)
    assert (status, error["code"]) == (400, "invalid_argument")
    assert "not a valid SubmitComplaintRequest in JSON" in error["message"]
    status, error = post(gateway, INTAKE, {"customerName": "Ada"}, key)
    assert status == 400 and "customerName" in error["message"]
    status, error = post(gateway, INTAKE, {}, key, content_type="application/proto")
    assert (status, error["code"]) == (415, "invalid_argument")
    status, error = post(gateway, INTAKE, {"narrative": "x" * 70_000}, key)
    assert (status, error["code"]) == (413, "resource_exhausted")


def test_only_the_exposed_methods_are_served(platform: LocalPlatform, gateway: str) -> None:
    admin_key = platform.credentials.admin_key
    for path in (
        CASES + "AssignCase",
        CASES + "EraseCustomer",
        "/redress.followup.v1.FollowupService/CreateWebhook",
        "/grpc.health.v1.Health/Check",
    ):
        status, error = post(gateway, path, {}, admin_key)
        assert (status, error["code"]) == (404, "unimplemented"), path
        assert "is not served over HTTP/JSON" in error["message"]
        assert CASES + "GetCase" in error["message"]


def test_the_openapi_document_describes_every_method(gateway: str) -> None:
    with urllib.request.urlopen(gateway + "/openapi.json", timeout=30) as answer:
        document = json.loads(answer.read())
    assert document["openapi"].startswith("3.")
    schemas = document["components"]["schemas"]
    expected = {
        INTAKE: (
            "redress.intake.v1.SubmitComplaintRequest",
            "redress.intake.v1.SubmitComplaintResponse",
        ),
        **{
            CASES + m: (f"redress.cases.v1.{m}Request", f"redress.cases.v1.{m}Response")
            for m in (
                "GetCase",
                "ListCases",
                "ListNotes",
                "ListAuditEvents",
                "VerifyAuditTrail",
                "UploadAttachment",
                "ListAttachments",
                "DownloadAttachment",
                "ListStaff",
                "ListStaffChanges",
                "SetReminder",
                "CancelReminder",
            )
        },
        "/redress.reporting.v1.ReportingService/WhatIfPolicy": (
            "redress.reporting.v1.WhatIfPolicyRequest",
            "redress.reporting.v1.WhatIfPolicyResponse",
        ),
    }
    assert set(document["paths"]) == set(expected)
    for path, (request, response) in expected.items():
        operation = document["paths"][path]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{request}"}
        assert answer == {"$ref": f"#/components/schemas/{response}"}
        assert request in schemas and response in schemas
    submit = schemas["redress.intake.v1.SubmitComplaintRequest"]["properties"]
    assert submit["idempotencyKey"]["type"] == "string"
    assert submit["receivedAt"]["format"] == "date-time"
    assert "CHANNEL_WEB" in submit["channel"]["enum"]
    assert submit["customer"]["$ref"] == "#/components/schemas/redress.common.v1.Customer"
    upload = schemas["redress.cases.v1.UploadAttachmentRequest"]["properties"]
    assert upload["content"]["format"] == "byte"
    # What each method, field and value means comes from the protos' comments.
    assert "Idempotent" in document["paths"][INTAKE]["post"]["description"]
    assert "8 to 128 printable ASCII" in submit["idempotencyKey"]["description"]
    assert "How the complaint arrived" in submit["channel"]["description"]
    assert "- `CHANNEL_PHONE`: A telephone call to a hotline" in submit["channel"]["description"]
    assert "one way of contact" in submit["customer"]["description"]
    assert all(document["paths"][path]["post"]["description"] for path in expected)


def test_the_staff_directory_is_read_over_http(platform: LocalPlatform, gateway: str) -> None:
    admin_key = platform.credentials.admin_key
    status, listed = post(gateway, CASES + "ListStaff", {}, admin_key)
    assert status == 200, listed
    people = {p["principalId"]: p for p in listed["people"]}
    assert people["dana"]["email"] == "dana@bank.test"
    assert {t["name"] for t in listed["teams"]} >= {"disputes"}
    status, changes = post(gateway, CASES + "ListStaffChanges", {"limit": 5}, admin_key)
    assert status == 200, changes
    assert changes["chainIntact"] is True
    assert changes["changes"][0]["actor"] == "staff-file"
