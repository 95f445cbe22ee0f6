"""The social adapter's pure parts: signatures, payloads, transcripts, names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from redress.platform.signatures import BadSignature, sign, verify
from services.intake.social.filing import contact_name
from services.intake.social.messages import (
    ChatTranscript,
    ChatTurn,
    PayloadProblems,
    social_message,
    transcript_text,
)

SECRET = "s3cret-s3cret-s3cret"
BODY = b'{"source": "twitter"}'


def test_a_signature_holds_only_for_its_body_timestamp_and_window() -> None:
    signature = sign(SECRET, "1000", BODY)
    verify(SECRET, "1000", signature, BODY, now=1100, window_seconds=300)
    # A secret being rotated: either signature is enough.
    verify(SECRET, "1000", f"v1={'0' * 64}, {signature}", BODY, now=1000, window_seconds=300)
    for args in [
        (SECRET, "1000", signature, BODY + b" ", 1000),
        (SECRET, "1001", signature, BODY, 1000),
        ("another-secret-entirely", "1000", signature, BODY, 1000),
        (SECRET, "1000", signature, BODY, 1301),
        (SECRET, "1000", signature, BODY, 699),
        (SECRET, "soon", signature, BODY, 1000),
        (SECRET, "1000", "", BODY, 1000),
    ]:
        with pytest.raises(BadSignature):
            verify(*args[:4], now=args[4], window_seconds=300)  # type: ignore[arg-type]


def test_a_message_gives_its_keys_and_the_handle_as_a_contact() -> None:
    m = social_message(
        {
            "source": "twitter",
            "thread_id": 119315,
            "message_id": "119313",
            "author": {"handle": "@105855", "display_name": "Thomas"},
            "text": "@Tesco Uk offlicense law is 18. Not 25",
            "created_at": "2017-10-11T12:29:52Z",
            "is_brand": False,
        },
        "twitter",
    )
    assert m.complaint_key == "twitter:thread:119315"
    assert m.reply_key == "twitter:message:119313"
    assert m.contact_handle == "twitter:@105855"
    assert m.created_at == datetime(2017, 10, 11, 12, 29, 52, tzinfo=UTC)


def test_a_message_signed_for_another_source_or_incomplete_names_every_problem() -> None:
    with pytest.raises(PayloadProblems) as err:
        social_message({"source": "facebook", "author": {}, "created_at": "2017-10-11"}, "twitter")
    fields = {field for field, _ in err.value.problems}
    assert fields == {"source", "thread_id", "message_id", "author.handle", "text", "created_at"}


def test_the_name_on_letters_is_never_the_handle() -> None:
    assert contact_name("Thomas Reed", "105855") == "Thomas Reed"
    assert contact_name("", "105855") == "Customer"
    assert contact_name("@JaneDoe", "janedoe") == "Customer"
    assert contact_name("jane_doe ✈", "@jane_doe") == "Customer"


def test_a_long_transcript_keeps_its_start_and_says_what_was_cut() -> None:
    at = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    turns = tuple(
        ChatTurn("customer" if i % 2 == 0 else "agent", "Sam", f"turn {i} " + "x" * 200, at)
        for i in range(100)
    )
    chat = ChatTranscript("livechat", "c1", "h", "", "", "", at, turns)
    text = transcript_text(chat, 4000)
    assert len(text) <= 4000
    assert text.startswith("Customer (2026-12-05 09:00 UTC): turn 0")
    assert "\n\nAgent Sam (2026-12-05 09:00 UTC): turn 1" in text
    assert text.endswith("more characters not shown]")
