"""One access model in every service: with REDRESS_AGENT_SCOPE=teams, an agent
reaches a case outside their teams through no RPC of any service.

Scoped copies of cases, followup, knowledge and reporting serve the session
platform's database beside the unscoped ones (as tests/integration/
test_agent_scope.py does for cases), with the staff directory of
tests/conftest.py: dana is in `disputes`. Every method of every service is
walked from the service descriptors, so that a new RPC cannot be forgotten:
it either names a case (then dana gets NOT_FOUND, worded as for a missing
case, outside her scope and not inside it), or is listed here as about no
case, or its access table closes it to agents.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, start_on_own_ports
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.reporting.v1 import reporting_pb2
from services.cases.servicer import ACCESS as CASES
from services.followup.servicer import ACCESS as FOLLOWUP
from services.knowledge.servicer import ACCESS as KNOWLEDGE
from services.reporting.servicer import ACCESS as REPORTING
from tests.conftest import bearer, followup_env
from tests.e2e.test_submit_end_to_end import ROWS, complaint, submit
from tests.integration.test_roles_matrix import call as call_empty

KEYS = {
    "dana": ("agent", "dana-everywhere-key-0123456789"),
    "rita": ("agent,reporting_reader", "rita-everywhere-key-0123456789"),
    "lena": ("team_lead", "lena-everywhere-key-0123456789"),
}
SCOPED = ("cases", "followup", "knowledge", "reporting")
ACCESS = {"cases": CASES, "followup": FOLLOWUP, "knowledge": KNOWLEDGE, "reporting": REPORTING}
DESCRIPTORS = {
    "cases": cases_pb2.DESCRIPTOR.services_by_name["CasesService"],
    "followup": followup_pb2.DESCRIPTOR.services_by_name["FollowupService"],
    "knowledge": knowledge_pb2.DESCRIPTOR.services_by_name["KnowledgeService"],
    "reporting": reporting_pb2.DESCRIPTOR.services_by_name["ReportingService"],
}

# Methods an agent may call that show or change nothing of a case.
ABOUT_NO_CASE = {
    ("cases", "GetPolicy"): "policies are the firm's, not a case's",
    ("cases", "ListStaff"): "the staff directory is the firm's, not a case's",
    ("followup", "GetTemplate"): "templates are the firm's",
    ("followup", "ListTemplates"): "templates are the firm's",
    ("knowledge", "GetArticle"): "articles are the firm's",
    ("knowledge", "ListArticles"): "articles are the firm's",
    ("knowledge", "SearchArticles"): "articles are the firm's",
    ("knowledge", "RecordDeflection"): "a customer's answer about an article, before any case",
    ("knowledge", "ListArticleRevisions"): "articles are the firm's",
    ("knowledge", "GetMedia"): "articles' media are the firm's",
    ("knowledge", "DownloadMedia"): "articles' media are the firm's",
}
# Listings an agent may call: checked below for returning only what is in scope.
LISTINGS = {("cases", "ListCases")}


@dataclass
class Cases:
    team: str  # disputes, assigned to sam: in dana's scope through her team
    own: str  # retail, assigned to dana: in her scope as hers
    other: str  # retail, assigned to omar: outside her scope
    messages: dict[str, str]  # case id -> a letter sent about it
    article: str


def _at(delta: timedelta) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.now(UTC) + delta)
    return stamp


def _key() -> str:
    return uuid.uuid4().hex


# (service, method) -> the request naming a case, built from that case's id.
def case_requests(c: Cases) -> dict[tuple[str, str], Callable[[str], Any]]:
    return {
        ("cases", "GetCase"): lambda i: cases_pb2.GetCaseRequest(case_id=i),
        ("cases", "AssignCase"): lambda i: cases_pb2.AssignCaseRequest(
            case_id=i, assignee="dana", team="disputes", reason="taking it"
        ),
        ("cases", "ChangePriority"): lambda i: cases_pb2.ChangePriorityRequest(
            case_id=i, priority=common_pb2.PRIORITY_HIGH, reason="vulnerable customer"
        ),
        ("cases", "ChangeCategory"): lambda i: cases_pb2.ChangeCategoryRequest(
            case_id=i, category="fees_and_charges", reason="it is about fees"
        ),
        ("cases", "TransitionStage"): lambda i: cases_pb2.TransitionStageRequest(
            case_id=i, to_stage="investigation", reason="looking into it"
        ),
        ("cases", "AddNote"): lambda i: cases_pb2.AddNoteRequest(case_id=i, body="a note"),
        ("cases", "UploadAttachment"): lambda i: cases_pb2.UploadAttachmentRequest(
            case_id=i, filename="note.txt", content=b"called the branch", source="console"
        ),
        ("cases", "ListAttachments"): lambda i: cases_pb2.ListAttachmentsRequest(case_id=i),
        ("cases", "DownloadAttachment"): lambda i: cases_pb2.DownloadAttachmentRequest(
            case_id=i, attachment_id="ATT-9999999"
        ),
        ("cases", "RecordSatisfaction"): lambda i: cases_pb2.RecordSatisfactionRequest(
            case_id=i, score=4
        ),
        ("cases", "SetReminder"): lambda i: cases_pb2.SetReminderRequest(
            case_id=i,
            at=Timestamp(seconds=int(datetime.now(UTC).timestamp()) + 86400),
            text="call back",
            idempotency_key=_key(),
        ),
        ("cases", "CancelReminder"): lambda i: cases_pb2.CancelReminderRequest(
            case_id=i, reminder_id=f"{i}-R1"
        ),
        ("cases", "PauseClock"): lambda i: cases_pb2.PauseClockRequest(
            case_id=i, clock="resolution", reason="waiting on the customer"
        ),
        ("cases", "ResumeClock"): lambda i: cases_pb2.ResumeClockRequest(
            case_id=i, clock="resolution"
        ),
        ("cases", "RecordCustomerReply"): lambda i: cases_pb2.RecordCustomerReplyRequest(
            case_id=i, channel=common_pb2.CHANNEL_EMAIL, summary="replied", idempotency_key=_key()
        ),
        ("cases", "UpdateCustomerPreferences"): lambda i: (
            cases_pb2.UpdateCustomerPreferencesRequest(
                case_id=i, preferred_language="en", reason="asked on the phone today"
            )
        ),
        ("cases", "MergeCaseContact"): lambda i: cases_pb2.MergeCaseContactRequest(
            case_id=i, reason="the customer confirmed their details on the phone"
        ),
        ("cases", "AddSubtask"): lambda i: cases_pb2.AddSubtaskRequest(
            case_id=i, title="call the branch", team="disputes"
        ),
        ("cases", "CompleteSubtask"): lambda i: cases_pb2.CompleteSubtaskRequest(
            case_id=i, subtask_id=f"{i}-S99", note="done"
        ),
        ("cases", "CancelSubtask"): lambda i: cases_pb2.CancelSubtaskRequest(
            case_id=i, subtask_id=f"{i}-S99", reason="not needed"
        ),
        ("cases", "RecordOutcome"): lambda i: cases_pb2.RecordOutcomeRequest(
            case_id=i, decision=cases_pb2.DECISION_UPHELD, root_cause="process_error"
        ),
        ("cases", "ResolveCase"): lambda i: cases_pb2.ResolveCaseRequest(
            case_id=i, reason="answered"
        ),
        ("cases", "CloseCase"): lambda i: cases_pb2.CloseCaseRequest(case_id=i, reason="done"),
        ("cases", "LinkCases"): lambda i: cases_pb2.LinkCasesRequest(
            case_id=i, kind=cases_pb2.LINK_KIND_RELATED_TO, other_case_id=c.own
        ),
        ("cases", "UnlinkCases"): lambda i: cases_pb2.UnlinkCasesRequest(
            case_id=i, other_case_id=c.own, reason="not related after all"
        ),
        ("cases", "RecordReportability"): lambda i: cases_pb2.RecordReportabilityRequest(
            case_id=i,
            reportable=True,
            event_kind="malfunction",
            aware_at=_at(timedelta(hours=-1)),
            reasons="the pump stopped mid-infusion",
            investigation="returned unit on the bench",
        ),
        ("cases", "RecordRegulatoryReport"): lambda i: cases_pb2.RecordRegulatoryReportRequest(
            case_id=i,
            clock="fda_mdr_report",
            submitted_at=_at(timedelta(hours=-1)),
            reference="MFR-1",
        ),
        ("cases", "ListAuditEvents"): lambda i: cases_pb2.ListAuditEventsRequest(case_id=i),
        ("cases", "ListNotes"): lambda i: cases_pb2.ListNotesRequest(case_id=i),
        ("followup", "RenderTemplate"): lambda i: followup_pb2.RenderTemplateRequest(
            template_name="progress_update", case_id=i
        ),
        ("followup", "SendMessage"): lambda i: followup_pb2.SendMessageRequest(
            idempotency_key=_key(), case_id=i, template_name="progress_update"
        ),
        ("followup", "GetMessage"): lambda i: followup_pb2.GetMessageRequest(
            message_id=c.messages[i]
        ),
        ("followup", "ListMessages"): lambda i: followup_pb2.ListMessagesRequest(case_id=i),
        ("followup", "SendStaffAlert"): lambda i: followup_pb2.SendStaffAlertRequest(
            idempotency_key=_key(),
            case_id=i,
            recipient="outside@elsewhere.example",
            summary="have a look",
        ),
        ("followup", "ScheduleFollowup"): lambda i: followup_pb2.ScheduleFollowupRequest(
            case_id=i, template_name="progress_update", send_at=_at(timedelta(days=3))
        ),
        ("followup", "CancelFollowup"): lambda i: followup_pb2.CancelFollowupRequest(
            case_id=i, followup_id=f"{i}-F99"
        ),
        ("knowledge", "SuggestArticles"): lambda i: knowledge_pb2.SuggestArticlesRequest(case_id=i),
        ("knowledge", "MarkArticleResolved"): lambda i: knowledge_pb2.MarkArticleResolvedRequest(
            case_id=i, article_id=c.article
        ),
        ("knowledge", "ListCaseArticles"): lambda i: knowledge_pb2.ListCaseArticlesRequest(
            case_id=i
        ),
    }


@pytest.fixture(scope="module")
def scoped(platform: LocalPlatform) -> Iterator[dict[str, str]]:
    """Scoped copies of the services that hold case data: name -> address."""
    keys = platform.data_dir / "everywhere-api-keys.txt"
    keys.write_text(
        (platform.data_dir / "api-keys.txt").read_text()
        + "".join(f"{key} {name} {roles}\n" for name, (roles, key) in KEYS.items())
    )
    env = {
        **platform.env(),
        **followup_env(platform),
        "REDRESS_API_KEYS_FILE": str(keys),
        "REDRESS_MIGRATE_ON_START": "false",
        "REDRESS_AGENT_SCOPE": "teams",
    }
    addresses: dict[str, str] = {}
    started = []
    try:
        for name in SCOPED:
            # Reporting also serves saved reports' downloads over HTTP.
            reports = ("REDRESS_REPORTS_HTTP_LISTEN",) if name == "reporting" else ()
            process, served = start_on_own_ports(
                platform.supervisor, f"{name}-everywhere", name, env, also=reports, timeout=120
            )
            started.append(process)
            addresses[name] = served[f"REDRESS_{name.upper()}_LISTEN"]
            if reports:
                addresses["reports_http"] = served["REDRESS_REPORTS_HTTP_LISTEN"]
        yield addresses
    finally:
        for process in reversed(started):
            platform.supervisor.stop(process)


@pytest.fixture(scope="module")
def filed(platform: LocalPlatform, channels, admin) -> Cases:  # type: ignore[no-untyped-def]
    marker = uuid.uuid4().hex[:10]
    ids = []
    for row in ROWS[3:6]:
        request = complaint(row)
        request.narrative += f" Reference {marker}."
        ids.append(submit(channels, admin, request).case_id)
    cases = cases_pb2_grpc.CasesServiceStub(channels["cases"])
    for case_id, assignee, team in zip(
        ids, ("sam", "dana", "omar"), ("disputes", "retail", "retail"), strict=True
    ):
        cases.AssignCase(
            cases_pb2.AssignCaseRequest(case_id=case_id, assignee=assignee, team=team),
            metadata=admin,
            timeout=30,
        )
    followup = followup_pb2_grpc.FollowupServiceStub(channels["followup"])
    messages = {
        case_id: followup.SendMessage(
            followup_pb2.SendMessageRequest(
                idempotency_key=_key(), case_id=case_id, template_name="progress_update"
            ),
            metadata=admin,
            timeout=30,
        ).message.message_id
        for case_id in ids
    }
    article = (
        knowledge_pb2_grpc.KnowledgeServiceStub(channels["knowledge"])
        .CreateArticle(
            knowledge_pb2.CreateArticleRequest(
                article=knowledge_pb2.Article(
                    title=f"Disputed card payments {marker}",
                    body="How to raise a chargeback for a card payment the customer disputes.",
                )
            ),
            metadata=admin,
            timeout=30,
        )
        .article.article_id
    )
    return Cases(ids[0], ids[1], ids[2], messages, article)


def _unary(address: str, service: str, method: str, request: Any, who: str) -> Any:
    descriptor = DESCRIPTORS[service].methods_by_name[method]
    response_type = message_factory.GetMessageClass(descriptor.output_type)
    with grpc.insecure_channel(address) as channel:
        return channel.unary_unary(
            f"/{DESCRIPTORS[service].full_name}/{method}",
            type(request).SerializeToString,
            response_type.FromString,
        )(request, metadata=bearer(KEYS[who][1]), timeout=60)


def _outcome(
    address: str, service: str, method: str, request: Any, who: str
) -> tuple[grpc.StatusCode, str]:
    try:
        _unary(address, service, method, request, who)
    except grpc.RpcError as err:
        return err.code(), err.details() or ""  # type: ignore[attr-defined]
    return grpc.StatusCode.OK, ""


def test_every_method_is_walked_or_listed() -> None:
    """A new RPC fails here until it is sorted into one of the walked kinds."""
    dummy = Cases("C-000001", "C-000002", "C-000003", {}, "KB-0000000000000000")
    covered = set(case_requests(dummy)) | set(ABOUT_NO_CASE) | LISTINGS
    unsorted = []
    for service, descriptor in DESCRIPTORS.items():
        rules = ACCESS[service][descriptor.full_name]
        for method in descriptor.methods:
            if (service, method.name) in covered or "agent" not in rules[method.name]:
                continue
            unsorted.append(f"{service}/{method.name}")
    assert not unsorted, (
        "agents may call these, and they are neither walked with a case nor listed as "
        f"about no case: {unsorted}"
    )


def test_an_agent_reaches_no_case_outside_her_teams_through_any_service(
    scoped: dict[str, str], filed: Cases
) -> None:
    wrong = []
    requests = case_requests(filed)
    for service, descriptor in DESCRIPTORS.items():
        rules = ACCESS[service][descriptor.full_name]
        for method in descriptor.methods:
            key = (service, method.name)
            if key in requests:
                build = requests[key]
                expected = (
                    f"no message {filed.messages[filed.other]}"
                    if method.name == "GetMessage"
                    else f"no case {filed.other}"
                )
                code, details = _outcome(
                    scoped[service], service, method.name, build(filed.other), "dana"
                )
                if (code, details) != (grpc.StatusCode.NOT_FOUND, expected):
                    wrong.append(f"{service}/{method.name} out of scope: {code.name} {details}")
                for inside in (filed.team, filed.own):
                    code, details = _outcome(
                        scoped[service], service, method.name, build(inside), "dana"
                    )
                    if code == grpc.StatusCode.NOT_FOUND and details in (
                        f"no case {inside}",
                        f"no message {filed.messages[inside]}",
                    ):
                        wrong.append(f"{service}/{method.name} in scope: {code.name} {details}")
            elif "agent" not in rules[method.name]:
                with grpc.insecure_channel(scoped[service]) as channel:
                    code = call_empty(channel, descriptor.full_name, method.name, KEYS["dana"][1])
                if code != grpc.StatusCode.PERMISSION_DENIED:
                    wrong.append(f"{service}/{method.name} is closed to agents, answered {code}")
    assert not wrong, "\n".join(wrong)


def test_listings_hold_only_what_is_in_scope(scoped: dict[str, str], filed: Cases) -> None:
    listed = _unary(
        scoped["followup"],
        "followup",
        "ListMessages",
        followup_pb2.ListMessagesRequest(case_id=filed.team),
        "dana",
    )
    assert {m.case_id for m in listed.messages} == {filed.team}
    # Every case's messages at once would need each case's team: a
    # limited agent names the case.
    code, details = _outcome(
        scoped["followup"], "followup", "ListMessages", followup_pb2.ListMessagesRequest(), "dana"
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "name a case_id" in details
    # Her team lead still lists every message.
    everything = _unary(
        scoped["followup"],
        "followup",
        "ListMessages",
        followup_pb2.ListMessagesRequest(page=common_pb2.PageRequest(page_size=500)),
        "lena",
    )
    assert filed.messages[filed.other] in {m.message_id for m in everything.messages}
    customer = _unary(
        scoped["cases"],
        "cases",
        "GetCase",
        cases_pb2.GetCaseRequest(case_id=filed.other),
        "lena",
    ).case.customer_id
    by_customer = _unary(
        scoped["cases"],
        "cases",
        "ListCases",
        cases_pb2.ListCasesRequest(customer_id=customer),
        "dana",
    )
    assert filed.other not in {c.case_id for c in by_customer.cases}
    assert filed.own in {c.case_id for c in by_customer.cases}


def test_reports_are_refused_to_an_agent_limited_to_her_teams(
    scoped: dict[str, str], filed: Cases
) -> None:
    """Reporting's figures, drill-downs and exports cover every case: a key
    that is both an agent and a reporting reader is refused them."""
    descriptor = DESCRIPTORS["reporting"]
    with grpc.insecure_channel(scoped["reporting"]) as channel:
        for method in descriptor.methods:
            code = call_empty(channel, descriptor.full_name, method.name, KEYS["rita"][1])
            assert code == grpc.StatusCode.PERMISSION_DENIED, method.name
            code = call_empty(channel, descriptor.full_name, method.name, KEYS["lena"][1])
            # A team lead reads figures; returns, saved definitions and a
            # draft policy's what-if are for managers and above.
            assert code != grpc.StatusCode.PERMISSION_DENIED or method.name in (
                "GetRegulatoryReturn",
                "SaveReport",
                "DeleteReport",
                "WhatIfPolicy",
            ), method.name
    code, details = _outcome(
        scoped["reporting"], "reporting", "GetTrends", reporting_pb2.GetTrendsRequest(), "rita"
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert "REDRESS_AGENT_SCOPE=teams" in details
    request = urllib.request.Request(
        f"http://{scoped['reports_http']}/reports/",
        headers={
            "Authorization": "Basic " + base64.b64encode(f"x:{KEYS['rita'][1]}".encode()).decode()
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
    assert b"REDRESS_AGENT_SCOPE=teams" in refused.value.read()
