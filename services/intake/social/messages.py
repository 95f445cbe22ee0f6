"""What the social and chat webhooks carry, checked field by field.

Pure code: a decoded JSON object in, a SocialMessage or ChatTranscript out,
or every problem with the payload at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redress.platform.social_threads import SOURCE, THREAD_ID, thread_key

# Thread and message ids (THREAD_ID) are as platforms give them (numbers,
# base64-ish ids, URNs); they end up in idempotency keys of at most 128
# characters.
HANDLE = re.compile(r"^@?[^\s\x00-\x1f\x7f@:]{1,100}$")
CASE_ID = re.compile(r"^C-[0-9]{6,}$")
MAX_TEXT = 32_000
MAX_TURNS = 2_000
MAX_DISPLAY_NAME = 200


class PayloadProblems(ValueError):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {what}" for field, what in problems))
        self.problems = problems


@dataclass(frozen=True)
class SocialMessage:
    source: str
    thread_id: str
    message_id: str
    author_handle: str
    author_display_name: str
    text: str
    created_at: datetime
    in_reply_to: str
    # Posted by the firm's own account (the brand answering), not the customer.
    is_brand: bool

    @property
    def complaint_key(self) -> str:
        return thread_key(self.source, self.thread_id)

    @property
    def reply_key(self) -> str:
        return f"{self.source}:message:{self.message_id}"

    @property
    def contact_handle(self) -> str:
        """The handle as a Customer.social_handle: the platform, then the handle."""
        return f"{self.source}:@{self.author_handle.lstrip('@')}"


@dataclass(frozen=True)
class ChatTurn:
    speaker: str  # "customer" or "agent"
    name: str
    text: str
    at: datetime | None


@dataclass(frozen=True)
class ChatTranscript:
    source: str
    chat_id: str
    customer_handle: str
    customer_display_name: str
    customer_email: str
    case_id: str
    started_at: datetime
    turns: tuple[ChatTurn, ...]

    @property
    def complaint_key(self) -> str:
        return f"{self.source}:chat:{self.chat_id}"

    @property
    def reply_key(self) -> str:
        return f"{self.source}:chat:{self.chat_id}:transcript"

    @property
    def contact_handle(self) -> str:
        return f"{self.source}:@{self.customer_handle.lstrip('@')}" if self.customer_handle else ""


class _Reader:
    def __init__(self, data: Any) -> None:
        self.problems: list[tuple[str, str]] = []
        self.data = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            self.problems.append(("", "the body must be a JSON object"))

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        limit: int = 200,
        pattern: re.Pattern[str] | None = None,
        data: dict[str, Any] | None = None,
        field: str = "",
    ) -> str:
        field = field or name
        value = (self.data if data is None else data).get(name, "")
        if value is None:
            value = ""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # numeric ids, as some platforms send them
        if not isinstance(value, str):
            self.problems.append((field, "must be a string"))
            return ""
        if required and not value.strip():
            self.problems.append((field, "required"))
        elif len(value) > limit:
            self.problems.append((field, f"at most {limit} characters (got {len(value)})"))
        elif value and pattern is not None and not pattern.match(value):
            self.problems.append((field, "has characters or a form not allowed here"))
        return value

    def time(
        self, name: str, *, required: bool, data: dict[str, Any] | None = None, field: str = ""
    ) -> datetime | None:
        field = field or name
        value = (self.data if data is None else data).get(name)
        if value in (None, ""):
            if required:
                self.problems.append((field, "required: an RFC 3339 time"))
            return None
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            self.problems.append((field, "an RFC 3339 time, e.g. 2017-10-11T06:55:44Z"))
            return None
        if parsed.tzinfo is None:
            self.problems.append((field, "needs a time zone offset, e.g. Z or +01:00"))
            return None
        return parsed.astimezone(UTC)

    def done(self) -> None:
        if self.problems:
            raise PayloadProblems(self.problems)


def social_message(data: Any, signed_source: str) -> SocialMessage:
    r = _Reader(data)
    source = r.text("source", required=True, limit=40, pattern=SOURCE)
    if source and source != signed_source:
        r.problems.append(("source", "differs from the X-Redress-Source the request is signed for"))
    thread_id = r.text("thread_id", required=True, limit=90, pattern=THREAD_ID)
    message_id = r.text("message_id", required=True, limit=90, pattern=THREAD_ID)
    author = r.data.get("author") if isinstance(r.data.get("author"), dict) else {}
    if not isinstance(r.data.get("author"), dict):
        r.problems.append(("author", "required: an object with handle and display_name"))
    handle = r.text(
        "handle", required=True, limit=100, pattern=HANDLE, data=author, field="author.handle"
    )
    display = r.text(
        "display_name", limit=MAX_DISPLAY_NAME, data=author, field="author.display_name"
    )
    text = r.text("text", required=True, limit=MAX_TEXT)
    created_at = r.time("created_at", required=True)
    in_reply_to = r.text("in_reply_to", limit=90, pattern=THREAD_ID)
    is_brand = r.data.get("is_brand", False)
    if not isinstance(is_brand, bool):
        r.problems.append(("is_brand", "true or false"))
    r.done()
    assert created_at is not None
    return SocialMessage(
        source=source,
        thread_id=thread_id,
        message_id=message_id,
        author_handle=handle.strip(),
        author_display_name=display.strip(),
        text=text,
        created_at=created_at,
        in_reply_to=in_reply_to,
        is_brand=bool(is_brand),
    )


def chat_transcript(data: Any, signed_source: str) -> ChatTranscript:
    r = _Reader(data)
    source = r.text("source", required=True, limit=40, pattern=SOURCE)
    if source and source != signed_source:
        r.problems.append(("source", "differs from the X-Redress-Source the request is signed for"))
    chat_id = r.text("chat_id", required=True, limit=90, pattern=THREAD_ID)
    customer = r.data.get("customer") if isinstance(r.data.get("customer"), dict) else {}
    if not isinstance(r.data.get("customer"), dict):
        r.problems.append(("customer", "required: an object with handle, display_name, email"))
    handle = r.text("handle", limit=100, pattern=HANDLE, data=customer, field="customer.handle")
    display = r.text(
        "display_name", limit=MAX_DISPLAY_NAME, data=customer, field="customer.display_name"
    )
    email = r.text("email", limit=320, data=customer, field="customer.email")
    case_id = r.text("case_id", limit=20, pattern=CASE_ID)
    if not (handle or email or case_id):
        r.problems.append(
            ("customer", "give a handle or an email (or the case_id the chat was about)")
        )
    started_at = r.time("started_at", required=True)
    raw_turns = r.data.get("turns")
    turns: list[ChatTurn] = []
    if not isinstance(raw_turns, list) or not raw_turns:
        r.problems.append(("turns", "required: the chat's turns, oldest first"))
        raw_turns = []
    elif len(raw_turns) > MAX_TURNS:
        r.problems.append(("turns", f"at most {MAX_TURNS} turns"))
        raw_turns = []
    for i, turn in enumerate(raw_turns):
        if not isinstance(turn, dict):
            r.problems.append((f"turns[{i}]", "an object with speaker, text and at"))
            continue
        speaker = r.text("speaker", required=True, limit=20, data=turn, field=f"turns[{i}].speaker")
        if speaker and speaker not in ("customer", "agent"):
            r.problems.append((f"turns[{i}].speaker", "customer or agent"))
        name = r.text("name", limit=MAX_DISPLAY_NAME, data=turn, field=f"turns[{i}].name")
        text = r.text("text", required=True, limit=MAX_TEXT, data=turn, field=f"turns[{i}].text")
        at = r.time("at", required=False, data=turn, field=f"turns[{i}].at")
        turns.append(ChatTurn(speaker, name.strip(), text, at))
    if raw_turns and not any(t.speaker == "customer" for t in turns):
        r.problems.append(("turns", "no turn is the customer's: there is no complaint to file"))
    r.done()
    assert started_at is not None
    return ChatTranscript(
        source=source,
        chat_id=chat_id,
        customer_handle=handle.strip(),
        customer_display_name=display.strip(),
        customer_email=email.strip(),
        case_id=case_id,
        started_at=started_at,
        turns=tuple(turns),
    )


def transcript_text(transcript: ChatTranscript, limit: int) -> str:
    """The chat as plain text, one turn a paragraph, at most `limit` characters.

    The customer is "Customer" whatever their handle: the text becomes a
    narrative or a reply that staff read and letters may quote. A transcript
    too long keeps its start (where the complaint is usually stated) and says
    how much was left out."""
    lines = []
    for turn in transcript.turns:
        who = "Customer" if turn.speaker == "customer" else f"Agent {turn.name}".strip()
        when = f" ({turn.at:%Y-%m-%d %H:%M} UTC)" if turn.at else ""
        lines.append(f"{who}{when}: {turn.text.strip()}")
    text = "\n\n".join(lines)
    if len(text) <= limit:
        return text
    shown = text[: limit - 120].rstrip()
    return f"{shown}\n\n[transcript cut here: {len(text) - len(shown)} more characters not shown]"
