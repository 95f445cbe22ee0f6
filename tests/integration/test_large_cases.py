"""A case that has grown past what one gRPC message can carry stays readable
and workable everywhere, and a letter that cannot go out is never retried
forever in silence.

The large case is one from before the caps: 150 notes of 32,000 four-byte
characters (19 MB) written into the session platform's database as an older
release let them be added. Everything is asked of it over real servers:
the cases service (also through a channel with gRPC's own 4 MB default),
the follow-up and knowledge services that read it, the console's case page,
and the letters its resolution sends.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import sqlalchemy

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.db.tables.cases import Note
from redress.db.tables.followup import Message as FollowupMessage
from redress.devstack.platform import LocalPlatform
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from tests.conftest import eventually
from tests.e2e.test_submit_end_to_end import get_case
from tests.integration.test_followup import (
    ROWS,
    cases,
    file_complaint,
    followup,
    mail_for,
    schedule,
)
from tests.integration.test_staff_and_replies import mail_to

LONG_NOTE = "\N{GRINNING FACE}" * 32_000  # 128,000 bytes in UTF-8
NOTES_BEFORE_CAPS = 150
GRPC_DEFAULT_LIMIT = 4 * 1024 * 1024


def write_notes_as_an_older_release_did(platform: LocalPlatform, case_id: str) -> list[str]:
    """The notes' ids, oldest first."""
    start = datetime.now(UTC) - timedelta(days=1)
    rows = [
        {
            "note_id": f"N-legacy{i:04d}{uuid.uuid4().hex[:6]}",
            "case_id": case_id,
            "author": "legacy-import",
            "customer_visible": False,
            "body": LONG_NOTE,
            "created_at": start + timedelta(seconds=i),
        }
        for i in range(NOTES_BEFORE_CAPS)
    ]
    engine = sqlalchemy.create_engine(platform.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.insert(Note.__table__), rows)
    finally:
        engine.dispose()
    return [r["note_id"] for r in rows]


@pytest.fixture(scope="module")
def large_case(platform, channels, admin) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    case_id = file_complaint(channels, admin, ROWS[9])
    eventually(lambda: mail_for(platform, case_id), timeout=60)  # acknowledged
    cases(channels).AssignCase(
        cases_pb2.AssignCaseRequest(
            case_id=case_id, assignee="dana", team="disputes", reason="large case"
        ),
        metadata=admin,
        timeout=30,
    )
    return case_id, write_notes_as_an_older_release_did(platform, case_id)


@pytest.fixture
def default_limits_channel(platform: LocalPlatform) -> Iterator[grpc.Channel]:
    """A client that keeps gRPC's own 4 MB limit on what it receives."""
    with grpc.insecure_channel(platform.address("cases")) as channel:
        yield channel


def test_a_case_past_one_messages_size_is_read_with_its_latest_notes_and_paged(
    large_case, default_limits_channel, channels, admin
):
    case_id, note_ids = large_case
    stub = cases_pb2_grpc.CasesServiceStub(default_limits_channel)
    answer = stub.GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=30)
    case = answer.case
    assert answer.ByteSize() < GRPC_DEFAULT_LIMIT
    assert case.note_count == NOTES_BEFORE_CAPS
    # The most recent notes, oldest of them first, as many as fit in 1 MiB.
    shown = [n.note_id for n in case.notes]
    assert 5 <= len(shown) <= 20
    assert shown == note_ids[-len(shown) :]
    assert {n.body for n in case.notes} == {LONG_NOTE}
    assert case.audit_event_count >= len(case.audit_events) > 0
    assert case.audit_events[0].action != "" and case.stage

    # Every note, most recent first, page by page, each page a message that
    # fits the 4 MB default.
    seen: list[str] = []
    token = ""
    while True:
        page = stub.ListNotes(
            cases_pb2.ListNotesRequest(
                case_id=case_id, page=common_pb2.PageRequest(page_size=100, page_token=token)
            ),
            metadata=admin,
            timeout=30,
        )
        assert page.ByteSize() < GRPC_DEFAULT_LIMIT and page.notes
        seen += [n.note_id for n in page.notes]
        token = page.page.next_page_token
        if not token:
            break
    assert seen == note_ids[::-1]

    # The audit trail, page by page as well.
    trail = stub.ListAuditEvents(
        cases_pb2.ListAuditEventsRequest(case_id=case_id), metadata=admin, timeout=30
    )
    assert trail.events[0].sequence == 1 and trail.events[0].action == "case.created"

    # The case is past the notes' cap: another note is refused, saying why.
    with pytest.raises(grpc.RpcError) as err:
        cases(channels).AddNote(
            cases_pb2.AddNoteRequest(case_id=case_id, body="one more"), metadata=admin, timeout=30
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "500,000 characters of notes a case may hold" in (err.value.details() or "")


def test_the_follow_up_and_knowledge_services_read_a_large_case(large_case, channels, admin):
    case_id, _ = large_case
    preview = followup(channels).RenderTemplate(
        followup_pb2.RenderTemplateRequest(template_name="acknowledgement", case_id=case_id),
        metadata=admin,
        timeout=30,
    )
    assert case_id in preview.subject + preview.body_text
    knowledge_pb2_grpc.KnowledgeServiceStub(channels["knowledge"]).SuggestArticles(
        knowledge_pb2.SuggestArticlesRequest(case_id=case_id), metadata=admin, timeout=30
    )


def test_commands_on_a_large_case_answer_with_what_they_changed(
    platform, large_case, default_limits_channel, channels, admin
):
    case_id, _ = large_case
    stub = cases_pb2_grpc.CasesServiceStub(default_limits_channel)

    def changed(answer: object) -> cases_pb2.Case:
        case: cases_pb2.Case = answer.case  # type: ignore[attr-defined]
        assert case.case_id == case_id
        assert not case.notes and not case.audit_events
        assert case.note_count == NOTES_BEFORE_CAPS and case.audit_event_count > 0
        return case

    assert (
        changed(
            stub.ChangePriority(
                cases_pb2.ChangePriorityRequest(
                    case_id=case_id, priority=common_pb2.PRIORITY_HIGH, reason="large"
                ),
                metadata=admin,
                timeout=30,
            )
        ).priority
        == common_pb2.PRIORITY_HIGH
    )
    for stage in ("triage", "assigned", "investigating"):
        moved = changed(
            stub.TransitionStage(
                cases_pb2.TransitionStageRequest(case_id=case_id, to_stage=stage, reason="on"),
                metadata=admin,
                timeout=30,
            )
        )
        assert moved.stage == stage
    other = file_complaint(channels, admin, ROWS[10])
    linked = changed(
        stub.LinkCases(
            cases_pb2.LinkCasesRequest(
                case_id=case_id, kind=cases_pb2.LINK_KIND_RELATED_TO, other_case_id=other
            ),
            metadata=admin,
            timeout=30,
        )
    )
    assert [link.other_case_id for link in linked.links] == [other]
    outcome = changed(
        stub.RecordOutcome(
            cases_pb2.RecordOutcomeRequest(
                case_id=case_id,
                decision=cases_pb2.DECISION_UPHELD,
                root_cause="fees.unexpected",
                redress=common_pb2.Money(currency="GBP", minor_units=2500),
                summary="Refunded the fee.",
            ),
            metadata=admin,
            timeout=30,
        )
    ).outcome
    assert outcome.decision == cases_pb2.DECISION_UPHELD and outcome.redress.minor_units == 2500
    resolved = changed(
        stub.ResolveCase(
            cases_pb2.ResolveCaseRequest(case_id=case_id, reason="refunded"),
            metadata=admin,
            timeout=30,
        )
    )
    assert resolved.stage == "resolved" and resolved.HasField("resolved_at")

    # The resolution letter goes out to the customer (resolved within three
    # business days under the FCA: the summary resolution) and is on the trail.
    letters = ("summary_resolution", "final_response")
    (letter,) = eventually(
        lambda: [
            m
            for m in followup(channels)
            .ListMessages(
                followup_pb2.ListMessagesRequest(case_id=case_id), metadata=admin, timeout=10
            )
            .messages
            if m.template_name in letters and m.state == followup_pb2.DELIVERY_STATE_SENT
        ],
        timeout=60,
    )
    assert [m for m in mail_for(platform, case_id) if m["Subject"] == letter.subject]
    eventually(
        lambda: [
            e
            for e in get_case(channels, admin, case_id).audit_events
            if e.action == "message.sent" and letter.template_name in e.cause
        ],
        timeout=30,
    )
    reopened = changed(
        stub.ReopenCase(
            cases_pb2.ReopenCaseRequest(case_id=case_id, reason="customer disagrees"),
            metadata=admin,
            timeout=30,
        )
    )
    assert reopened.stage != "resolved"


def test_the_console_pages_a_large_cases_notes_and_audit_trail(
    platform: LocalPlatform, large_case
) -> None:
    case_id, note_ids = large_case
    console = platform.start_console()
    try:
        cookies = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
        base = platform.console_url.rstrip("/")
        signed_in = browser.open(
            f"{base}/signin",
            urllib.parse.urlencode(
                {"key": platform.credentials.admin_key, "next": f"/cases/{case_id}"}
            ).encode(),
            timeout=60,
        )
        first = signed_in.read().decode()
        assert signed_in.status == 200 and f"/cases/{case_id}" in signed_in.url
        assert f"{NOTES_BEFORE_CAPS} notes in all" in first
        seen: list[str] = []
        html = first
        while True:
            seen += re.findall(r'data-note="([^"]+)"', html)
            assert LONG_NOTE in html
            earlier = re.search(r'href="([^"]+)" id="notes-earlier"', html)
            if earlier is None:
                break
            html = browser.open(base + earlier.group(1).replace("&amp;", "&"), timeout=60)
            html = html.read().decode()
        assert seen == note_ids[::-1]

        trail = re.search(r'href="([^"]+)" id="trail-all"', first)
        whole = browser.open(
            base + (trail.group(1) if trail else f"/cases/{case_id}?trail="), timeout=60
        )
        assert whole.status == 200
        # The whole trail from its first entry, as the timeline words it.
        assert "Complaint received" in whole.read().decode()
    finally:
        platform.supervisor.stop(console)
        platform.processes.pop("console", None)


def test_a_letter_that_cannot_be_rendered_is_given_up_on_the_trail_with_a_staff_alert(
    platform, channels, admin
):
    case_id = file_complaint(channels, admin, ROWS[11])
    eventually(lambda: mail_for(platform, case_id), timeout=60)
    cases(channels).AssignCase(
        cases_pb2.AssignCaseRequest(
            case_id=case_id, assignee="dana", team="disputes", reason="hers"
        ),
        metadata=admin,
        timeout=30,
    )
    name = f"fee-letter-{uuid.uuid4().hex[:8]}"

    def put(body: str) -> None:
        followup(channels).PutTemplate(
            followup_pb2.PutTemplateRequest(
                template=followup_pb2.Template(
                    name=name,
                    language="en",
                    purpose=followup_pb2.MESSAGE_PURPOSE_OTHER,
                    subject="Your complaint {{ case.case_id }}",
                    body_text=body,
                )
            ),
            metadata=admin,
            timeout=10,
        )

    put("Dear {{ customer.full_name }},\nwe are looking into it.\n")
    schedule(channels, admin, case_id, name, datetime.now(UTC) + timedelta(seconds=8))
    # Changed after it was scheduled into a letter that cannot be rendered
    # for this case (its narrative repeated past the sandbox's limit).
    put("Dear {{ customer.full_name }},\n{{ case.narrative * 5000 }}\n")

    failed = eventually(
        lambda: [
            e
            for e in get_case(channels, admin, case_id).audit_events
            if e.action == "message.failed" and name in e.new_value + e.cause
        ],
        timeout=90,
    )
    assert f"could not prepare the {name} message" in failed[0].cause
    subject = f"[Redress] Case {case_id}: the {name} letter could not be sent"
    for person in ("dana", "lena"):
        (alert,) = eventually(
            lambda p=person: [
                m
                for m in mail_to(platform, f"{p}@bank.test", case_id)
                if m["Subject"].strip() == subject  # a long subject is folded
            ],
            timeout=60,
        )
        assert "a repetition longer than 100,000" in alert.get_content()  # why


LONG_LETTER = "\N{EURO SIGN}" * 60_000  # 180,000 bytes in UTF-8, text and HTML each
LETTERS_BEFORE = 40


def write_letters_as_an_older_release_did(platform: LocalPlatform, case_id: str) -> set[str]:
    """Long letters on the case's record (6 times what one message may carry)."""
    start = datetime.now(UTC) - timedelta(days=2)
    rows = [
        {
            "message_id": f"M-legacy{uuid.uuid4().hex[:16]}",
            "idempotency_key": f"legacy-{uuid.uuid4()}",
            "fingerprint": "0" * 64,
            "case_id": case_id,
            "audience": "customer",
            "purpose": "progress_update",
            "channel": "email",
            "recipient": "casey@example.com",
            "language": "en",
            "template_name": "progress_update",
            "template_version": 1,
            "subject": "Your complaint",
            "body_text": LONG_LETTER,
            "body_html": f"<p>{LONG_LETTER}</p>",
            "state": "delivered",
            "attempts": [],
            "created_by": "legacy-import",
            "created_at": start + timedelta(seconds=i),
        }
        for i in range(LETTERS_BEFORE)
    ]
    engine = sqlalchemy.create_engine(platform.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.insert(FollowupMessage.__table__), rows)
    finally:
        engine.dispose()
    return {r["message_id"] for r in rows}


def test_a_case_whose_letters_pass_one_messages_size_lists_them_page_by_page(
    platform, large_case, admin
):
    case_id, _ = large_case
    written = write_letters_as_an_older_release_did(platform, case_id)
    with grpc.insecure_channel(platform.address("followup")) as channel:
        stub = followup_pb2_grpc.FollowupServiceStub(channel)
        seen: list[str] = []
        token = ""
        while True:
            page = stub.ListMessages(
                followup_pb2.ListMessagesRequest(
                    case_id=case_id, page=common_pb2.PageRequest(page_size=200, page_token=token)
                ),
                metadata=admin,
                timeout=30,
            )
            # Each page fits gRPC's 4 MB default, and paging moves on.
            assert page.ByteSize() < GRPC_DEFAULT_LIMIT and page.messages
            seen += [m.message_id for m in page.messages]
            token = page.page.next_page_token
            if not token:
                break
    assert written <= set(seen)
    assert len(seen) == len(set(seen)), "a letter was listed twice"


def test_long_articles_are_listed_page_by_page(platform, channels, admin):
    marker = uuid.uuid4().hex[:8]
    stub = knowledge_pb2_grpc.KnowledgeServiceStub(channels["knowledge"])
    created = set()
    for i in range(8):
        created.add(
            stub.CreateArticle(
                knowledge_pb2.CreateArticleRequest(
                    article=knowledge_pb2.Article(
                        title=f"Long guide {marker} {i}",
                        body="\N{EURO SIGN} " * 99_000,  # 396,000 bytes
                        summary="A long guide.",
                        language="en",
                        audience=knowledge_pb2.AUDIENCE_INTERNAL,
                        category="handling",
                        tags=[f"long-{marker}"],
                    )
                ),
                metadata=admin,
                timeout=60,
            ).article.article_id
        )
    with grpc.insecure_channel(platform.address("knowledge")) as channel:
        default_limits = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
        seen: list[str] = []
        token = ""
        while True:
            page = default_limits.ListArticles(
                knowledge_pb2.ListArticlesRequest(
                    tag=f"long-{marker}",
                    state=knowledge_pb2.ARTICLE_STATE_DRAFT,
                    page=common_pb2.PageRequest(page_size=50, page_token=token),
                ),
                metadata=admin,
                timeout=30,
            )
            assert page.ByteSize() < GRPC_DEFAULT_LIMIT
            seen += [a.article_id for a in page.articles]
            token = page.page.next_page_token
            if not token:
                break
    assert sorted(seen) == sorted(created)
