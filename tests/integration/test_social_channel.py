"""Social media and chat on the real platform: signed webhooks from real
customer-support threads on Twitter (the twcs sample in ../shared/data)
become one complaint per thread, with the customer's replies on its case.

The adapter (services/intake/social) runs as `make run` starts it, with its
own key (role channel_adapter) and the data directory's webhook secrets.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform.signatures import sign
from tests.conftest import SHARED_DATA, bearer, eventually
from tests.followup_support import Receiver
from tests.integration.test_followup import create_webhook, mail, mail_for

TWCS = SHARED_DATA / "twcs_customer_support_sample.csv"
# Tesco ID'ing a customer for beer: the customer's tweet, then three rounds
# of the brand answering and the customer following up.
TESCO_THREAD = "119315"
# Spotify skipping songs: an inbound tweet and seven more, used as a chat.
SPOTIFY_THREAD = "119256"


def twcs_threads() -> dict[str, list[dict[str, str]]]:
    """Tweets by the thread they belong to (the tweet that started it), oldest first."""
    with TWCS.open(newline="", encoding="utf-8") as f:
        tweets = {row["tweet_id"]: row for row in csv.DictReader(f)}

    def root(tweet_id: str) -> str:
        while (parent := tweets[tweet_id]["in_response_to_tweet_id"]) in tweets:
            tweet_id = parent
        return tweet_id

    threads: dict[str, list[dict[str, str]]] = defaultdict(list)
    for tweet_id in tweets:
        threads[root(tweet_id)].append(tweets[tweet_id])
    for thread in threads.values():
        thread.sort(key=posted)
    return threads


def posted(tweet: dict[str, str]) -> datetime:
    return datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y")


def webhooks(thread_id: str, thread: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The thread as a platform's webhooks would send it. Times keep their
    spacing but end a minute ago: a complaint from 2017 would file with every
    clock long breached."""
    shift = datetime.now(UTC) - timedelta(minutes=1) - posted(thread[-1])
    return [
        {
            "source": "twitter",
            "thread_id": thread_id,
            "message_id": tweet["tweet_id"],
            "author": {"handle": tweet["author_id"], "display_name": ""},
            "text": tweet["text"],
            "created_at": (posted(tweet) + shift).isoformat(),
            "in_reply_to": tweet["in_response_to_tweet_id"],
            "is_brand": tweet["inbound"] != "True",
        }
        for tweet in thread
    ]


def secrets_of(platform: LocalPlatform) -> dict[str, str]:
    lines = (platform.data_dir / "social-secrets.txt").read_text().splitlines()
    return dict(line.split() for line in lines if line and not line.startswith("#"))


def post(
    url: str,
    body: Any,
    secret: str,
    source: str = "twitter",
    timestamp: int | None = None,
    signature: str | None = None,
) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": "application/json",
        "X-Redress-Source": source,
        "X-Redress-Timestamp": stamp,
        "X-Redress-Signature": sign(secret, stamp, data) if signature is None else signature,
    }
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def social(platform: LocalPlatform) -> Iterator[str]:
    process = platform.start_social()
    try:
        yield platform.social_url.rstrip("/")
    finally:
        platform.supervisor.stop(process)
        platform.processes.pop("social", None)


@pytest.fixture(scope="module")
def secret(platform: LocalPlatform) -> str:
    return secrets_of(platform)["twitter"]


def get_case(channels, admin, case_id: str) -> cases_pb2.Case:  # type: ignore[no-untyped-def]
    return (
        cases_pb2_grpc.CasesServiceStub(channels["cases"])
        .GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=10)
        .case
    )


def replies(case: cases_pb2.Case) -> list[str]:
    return [e.cause for e in case.audit_events if e.action == "customer.replied"]


def social_case_ids(channels, admin) -> set[str]:  # type: ignore[no-untyped-def]
    listed = cases_pb2_grpc.CasesServiceStub(channels["cases"]).ListCases(
        cases_pb2.ListCasesRequest(
            channels=[common_pb2.CHANNEL_SOCIAL, common_pb2.CHANNEL_CHAT],
            page=common_pb2.PageRequest(page_size=500),
        ),
        metadata=admin,
        timeout=10,
    )
    return {c.case_id for c in listed.cases}


def test_a_tweet_opens_one_complaint_and_the_thread_follows_on_its_case(
    platform, channels, admin, social, secret
):
    thread = webhooks(TESCO_THREAD, twcs_threads()[TESCO_THREAD])
    assert [m["is_brand"] for m in thread] == [False, True, False, True, False, True, False]
    before = social_case_ids(channels, admin)

    answers = [post(f"{social}/social/messages", m, secret) for m in thread]

    assert all(status == 200 for status, _ in answers), answers
    outcomes = [a["outcome"] for _, a in answers]
    assert outcomes == [
        "complaint_filed",
        *["brand_message_not_recorded", "reply_recorded"] * 3,
    ]
    case_id = answers[0][1]["case_id"]
    assert answers[0][1]["created"] is True
    assert {a["case_id"] for _, a in answers} == {case_id}
    assert social_case_ids(channels, admin) - before == {case_id}

    case = get_case(channels, admin, case_id)
    assert case.channel == common_pb2.CHANNEL_SOCIAL
    assert case.narrative == thread[0]["text"]
    assert case.customer.social_handle == "twitter:@105855"
    assert case.customer.full_name == "Customer"
    assert case.customer.email == "" and case.customer.phone == ""
    # The customer's three follow-ups, in order; the brand's answers are not replies.
    customer_followups = [m["text"] for m in thread[1:] if not m["is_brand"]]
    assert replies(case) == customer_followups
    assert case.external_ref == f"twitter:thread:{TESCO_THREAD}"

    # The platform sends every webhook again (a retry, a redelivery): nothing new.
    again = [post(f"{social}/social/messages", m, secret) for m in thread]
    assert [a["outcome"] for _, a in again] == outcomes
    assert {a["case_id"] for _, a in again} == {case_id}
    assert again[0][1]["created"] is False
    assert replies(get_case(channels, admin, case_id)) == customer_followups
    assert social_case_ids(channels, admin) - before == {case_id}


def test_unsigned_forged_or_stale_webhooks_are_refused_and_file_nothing(
    platform, channels, admin, social, secret
):
    thread = webhooks(SPOTIFY_THREAD, twcs_threads()[SPOTIFY_THREAD])
    opening = {**thread[0], "thread_id": "forged-" + SPOTIFY_THREAD}
    url = f"{social}/social/messages"
    before = social_case_ids(channels, admin)

    refused = [
        post(url, opening, "not-the-secret-at-all-0123456789"),
        post(url, opening, secret, timestamp=int(time.time()) - 3600),
        post(url, opening, secret, timestamp=int(time.time()) + 3600),
        post(url, opening, secret, source="facebook"),
        post(url, opening, secret, signature="v1=" + "0" * 64),
        post(url, opening, secret, signature=""),
    ]

    assert [status for status, _ in refused] == [401] * 6
    assert "more than 300 seconds" in refused[1][1]["error"]
    # A signed body cannot be reused for another message: the signature covers it.
    stamp = str(int(time.time()))
    signed_for_other = sign(secret, stamp, json.dumps(thread[0]).encode())
    status, _ = post(url, opening, secret, timestamp=int(stamp), signature=signed_for_other)
    assert status == 401
    assert social_case_ids(channels, admin) == before
    with pytest.raises(grpc.RpcError) as err:
        intake_pb2_grpc.IntakeServiceStub(channels["intake"]).FindComplaint(
            intake_pb2.FindComplaintRequest(
                idempotency_key=f"twitter:thread:forged-{SPOTIFY_THREAD}"
            ),
            metadata=bearer(platform.credentials.social_key),
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_payload_without_what_is_needed_is_refused_field_by_field(social, secret):
    status, answer = post(
        f"{social}/social/messages",
        {"source": "twitter", "thread_id": "", "author": {"handle": "a b"}, "created_at": "soon"},
        secret,
    )
    assert status == 422
    fields = {p["field"] for p in answer["problems"]}
    assert {"thread_id", "message_id", "author.handle", "text", "created_at"} <= fields


def test_letters_go_back_into_the_thread_never_to_the_handle(
    platform, channels, admin, social, secret
):
    # The firm's platform integration takes the letters Redress hands off
    # (message.sent) and answers in the thread.
    integration = Receiver(secret="platform-integration-16")
    hook = create_webhook(channels, admin, integration.url, integration.secret, ["message.sent"])
    try:
        thread_id = f"{TESCO_THREAD}-{time.time_ns()}"
        thread = webhooks(thread_id, twcs_threads()[TESCO_THREAD])
        _, filed = post(f"{social}/social/messages", thread[0], secret)
        assert filed["created"]
        case_id = filed["case_id"]
        followup = followup_pb2_grpc.FollowupServiceStub(channels["followup"])

        def letters() -> list[followup_pb2.Message]:
            listed = followup.ListMessages(
                followup_pb2.ListMessagesRequest(case_id=case_id), metadata=admin, timeout=10
            )
            return [m for m in listed.messages if m.audience == "customer"]

        # The acknowledgement goes back on the platform, into the customer's thread.
        (ack,) = eventually(letters, timeout=30)
        assert ack.purpose == followup_pb2.MESSAGE_PURPOSE_ACKNOWLEDGEMENT
        assert ack.channel == common_pb2.CHANNEL_SOCIAL
        assert ack.recipient == f"twitter:thread:{thread_id}"
        assert case_id in ack.body_text
        assert "105855" not in ack.subject + ack.body_text
        handed = eventually(
            lambda: [e for e in integration.for_case(case_id) if e["event_type"] == "message.sent"],
            timeout=60,
        )
        assert "105855" not in json.dumps(handed)
        assert any(
            e.action == "message.sent" and "social" in e.cause + e.new_value
            for e in get_case(channels, admin, case_id).audit_events
        )
        # A letter a person sends goes the same way; none is ever sent by e-mail.
        followup.SendMessage(
            followup_pb2.SendMessageRequest(
                idempotency_key=f"social-letter-{case_id}",
                case_id=case_id,
                template_name="progress_update",
                extra={"progress": "We are looking into the ID check at your store."},
            ),
            metadata=admin,
            timeout=30,
        )
        sent = eventually(lambda: len(letters()) == 2 and letters(), timeout=30)
        assert {(m.channel, m.recipient) for m in sent} == {
            (common_pb2.CHANNEL_SOCIAL, f"twitter:thread:{thread_id}")
        }
        assert not [m for m in mail(platform) if "105855" in m.as_string()]
        assert not [m for m in mail_for(platform, case_id) if m["X-Redress-Template"]]
    finally:
        followup_pb2_grpc.FollowupServiceStub(channels["followup"]).DeleteWebhook(
            followup_pb2.DeleteWebhookRequest(webhook_id=hook.webhook_id),
            metadata=admin,
            timeout=10,
        )
        integration.stop()


def test_a_customer_known_only_by_a_chat_handle_gets_no_letter_and_staff_are_told(
    platform, channels, admin, social
):
    # A chat has ended: there is no thread to answer in, and a handle is not an address.
    thread = webhooks(SPOTIFY_THREAD, twcs_threads()[SPOTIFY_THREAD])
    status, filed = post(
        f"{social}/chat/transcripts",
        chat(thread, f"chat-handle-only-{time.time_ns()}"),
        secrets_of(platform)["livechat"],
        source="livechat",
    )
    assert status == 200 and filed["created"]
    case_id = filed["case_id"]
    failed = eventually(
        lambda: [
            e
            for e in get_case(channels, admin, case_id).audit_events
            if e.action == "message.failed"
        ],
        timeout=30,
    )
    assert "only a social media handle" in failed[0].cause
    assert "105840" not in failed[0].cause
    with pytest.raises(grpc.RpcError) as err:
        followup_pb2_grpc.FollowupServiceStub(channels["followup"]).SendMessage(
            followup_pb2.SendMessageRequest(
                idempotency_key=f"chat-letter-{case_id}",
                case_id=case_id,
                template_name="progress_update",
                extra={"progress": "We are looking into the skipping songs."},
            ),
            metadata=admin,
            timeout=30,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "only a social media handle" in err.value.details()
    # No letter went out; the case is handed to a person (compliance is told).
    sent = eventually(
        lambda: [m for m in mail(platform) if m["X-Redress-Case"] == case_id], timeout=30
    )
    assert not mail_for(platform, case_id)
    assert [m["X-Redress-Template"] for m in sent] == [None] * len(sent)
    assert any("acknowledgement letter could not be sent" in m["Subject"] for m in sent)
    assert not [m for m in mail(platform) if "105840" in m.as_string()]


def chat(thread: list[dict[str, Any]], chat_id: str, **extra: Any) -> dict[str, Any]:
    """A Twitter thread as a chat tool's transcript: the customer and an agent taking turns."""
    return {
        "source": "livechat",
        "chat_id": chat_id,
        "customer": {"handle": thread[0]["author"]["handle"], "display_name": "Ana Ortega"},
        "started_at": thread[0]["created_at"],
        "turns": [
            {
                "speaker": "agent" if m["is_brand"] else "customer",
                "name": "Sam" if m["is_brand"] else "",
                "text": m["text"],
                "at": m["created_at"],
            }
            for m in thread
        ],
        **extra,
    }


def test_a_chat_transcript_becomes_a_complaint_or_joins_the_case_it_was_about(
    platform, channels, admin, social
):
    secret = secrets_of(platform)["livechat"]
    thread = webhooks(SPOTIFY_THREAD, twcs_threads()[SPOTIFY_THREAD])
    transcript = chat(thread, f"chat-{SPOTIFY_THREAD}-{time.time_ns()}")
    transcript["customer"]["email"] = "ana.ortega@mail.test"
    url = f"{social}/chat/transcripts"

    status, filed = post(url, transcript, secret, source="livechat")
    assert status == 200 and filed["outcome"] == "complaint_filed" and filed["created"]
    case = get_case(channels, admin, filed["case_id"])
    assert case.channel == common_pb2.CHANNEL_CHAT
    assert case.customer.full_name == "Ana Ortega"
    assert case.customer.social_handle == "livechat:@105840"
    assert case.narrative.startswith(f"Customer ({thread[0]['created_at'][:10]}")
    assert thread[0]["text"].strip() in case.narrative
    assert "Agent Sam" in case.narrative and thread[-1]["text"].strip() in case.narrative
    # Sent again: the same case.
    status, again = post(url, transcript, secret, source="livechat")
    assert (status, again["case_id"], again["created"]) == (200, filed["case_id"], False)

    # This customer has an address: the acknowledgement goes there, without the handle.
    (letter,) = eventually(lambda: mail_for(platform, filed["case_id"]), timeout=30)
    assert "ana.ortega@mail.test" in letter["To"]
    assert "105840" not in letter.as_string()

    # A later chat about the same case is recorded on it, once.
    later = chat(thread[-2:], f"chat-later-{time.time_ns()}", case_id=filed["case_id"])
    for _ in range(2):
        status, joined = post(url, later, secret, source="livechat")
        assert (status, joined["outcome"], joined["case_id"]) == (
            200,
            "transcript_recorded",
            filed["case_id"],
        )
    unknown = chat(thread[-2:], f"chat-unknown-{time.time_ns()}", case_id="C-999999")
    status, refused = post(url, unknown, secret, source="livechat")
    assert status == 404, refused
    (reply,) = replies(get_case(channels, admin, filed["case_id"]))
    assert reply.startswith(f"Chat transcript (livechat, chat {later['chat_id']})")
    assert thread[-1]["text"].strip() in reply

    # Each transcript is kept whole as a text file on the case, once.
    stub = cases_pb2_grpc.CasesServiceStub(channels["cases"])
    files = stub.ListAttachments(
        cases_pb2.ListAttachmentsRequest(case_id=filed["case_id"]), metadata=admin, timeout=30
    ).attachments
    assert [(f.filename, f.media_type, f.source, f.added_by) for f in files] == [
        (f"chat-livechat-{transcript['chat_id']}.txt", "text/plain", "chat", "customer"),
        (f"chat-livechat-{later['chat_id']}.txt", "text/plain", "chat", "customer"),
    ]
    first_file, later_file = (
        stub.DownloadAttachment(
            cases_pb2.DownloadAttachmentRequest(
                case_id=filed["case_id"], attachment_id=f.attachment_id
            ),
            metadata=admin,
            timeout=30,
        ).content.decode()
        for f in files
    )
    assert first_file == case.narrative
    assert later_file.startswith("Customer (") and thread[-1]["text"].strip() in later_file


def test_the_cli_signs_and_posts_a_message_as_the_readme_shows(platform, social, tmp_path):
    thread = webhooks(f"cli-{time.time_ns()}", twcs_threads()[TESCO_THREAD])
    payload = tmp_path / "tweet.json"
    payload.write_text(json.dumps(thread[0]))
    argv = [sys.executable, "-m", "redress.cli", "social", "post", str(payload)]
    argv += ["--url", social, "--secrets-file", str(platform.data_dir / "social-secrets.txt")]

    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["outcome"] == "complaint_filed" and answer["created"] is True


def test_erasing_the_customer_erases_their_handle(platform, channels, admin, social, secret):
    thread = webhooks(f"erase-{time.time_ns()}", twcs_threads()[TESCO_THREAD])
    for message in thread[:3]:
        post(f"{social}/social/messages", message, secret)
    _, filed = post(f"{social}/social/messages", thread[0], secret)
    case = get_case(channels, admin, filed["case_id"])
    assert case.customer.social_handle == "twitter:@105855"

    cases_pb2_grpc.CasesServiceStub(channels["cases"]).EraseCustomer(
        cases_pb2.EraseCustomerRequest(
            customer_id=case.customer_id,
            request_reference="DSAR-social-1",
            reason="the customer asked on Twitter to be forgotten",
            force=True,
        ),
        metadata=admin,
        timeout=60,
    )

    erased = get_case(channels, admin, filed["case_id"])
    assert erased.customer.social_handle == ""
    assert erased.HasField("customer_erased_at")
    assert not [e for e in erased.audit_events if "105855" in e.old_value + e.new_value]
