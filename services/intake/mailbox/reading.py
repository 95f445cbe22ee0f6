"""Reading one e-mail as the complaints mailbox receives it.

Pure code over the stdlib `email` package (policy.default): raw bytes in, an
`InboundEmail` out, or `Unreadable` saying why it cannot be filed. What the
adapter does with it (file, record as a reply, set aside) is decided in
services/intake/mailbox/filing.py.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser

from redress.platform.requests import CASE_ID_IN_TEXT, EMAIL

# Letters Redress sends carry Message-ID <M-…@firm-domain>
# (services/followup/email.py); a reply quoting one names its case.
REDRESS_MESSAGE_ID = re.compile(r"<(M-[0-9a-f]{24})@[^>]+>")
# Intake keys are 8 to 128 printable ASCII characters without spaces.
INTAKE_KEY = re.compile(r"^[\x21-\x7e]{8,128}$")
# The languages whose reply headers ("On … wrote:", "Am … schrieb …:") and
# sign-offs the trimming knows.
REPLY_LANGUAGES = ["en", "de", "es", "fr", "it", "nl", "pl"]
# How a mail client introduces a forwarded message: everything under it is the
# complaint being passed on, not quoted history to drop.
FORWARD_MARKERS = re.compile(
    r"^\s*(-{2,}\s*(Forwarded message|Original Message|Weitergeleitete Nachricht|"
    r"Mensaje reenviado|Message transféré|Ursprüngliche Nachricht)\s*-{2,}"
    r"|Begin forwarded message:|Anfang der weitergeleiteten Nachricht:)",
    re.IGNORECASE | re.MULTILINE,
)
FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|wg|rv|tr)\s*:", re.IGNORECASE)
# Precedence values that mark traffic no person wrote to us.
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|bounces?)[@+]", re.I)


class Unreadable(Exception):
    """The message cannot be read as a customer's e-mail; kept whole, reported."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    # As the sender declared it; what the file is, is read from its content
    # by the cases service.
    content_type: str
    size: int
    inline: bool
    content: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class InboundEmail:
    message_id: str
    # The intake idempotency key: the Message-ID when it fits intake's rules,
    # otherwise a digest of it (or of the whole message when it has none).
    key: str
    sender: str
    sender_name: str
    subject: str
    # The customer's own words: quoted history and signature trimmed; a
    # forwarded message is kept whole.
    text: str
    date: datetime | None
    in_reply_to: str
    references: list[str]
    attachments: list[Attachment] = field(default_factory=list)
    # Why it is automatic traffic (an auto-reply, a bounce, a mailing list),
    # or "" for a message a person wrote.
    automatic: str = ""
    forwarded: bool = False

    @property
    def names_redress_letter(self) -> bool:
        return any(REDRESS_MESSAGE_ID.search(h) for h in [self.in_reply_to, *self.references])

    @property
    def case_in_subject(self) -> str:
        found = CASE_ID_IN_TEXT.search(self.subject)
        return found[1] if found else ""

    @property
    def is_reply(self) -> bool:
        return self.names_redress_letter or bool(self.case_in_subject)


def read_email(raw: bytes) -> InboundEmail:
    """The e-mail in `raw`; Unreadable when it has no sender to answer or its
    structure cannot be decoded."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        return _read(message, raw)
    except Unreadable:
        raise
    except Exception as err:  # the stdlib raises many kinds on broken input
        raise Unreadable(f"the message's structure cannot be decoded ({err!r:.200})") from err


def _read(message: EmailMessage, raw: bytes) -> InboundEmail:
    if message.defects and not message.keys():
        raise Unreadable("no headers: " + ", ".join(type(d).__name__ for d in message.defects))
    sender, sender_name = _sender(message)
    automatic = automatic_reason(message)
    if not sender and not automatic:
        raise Unreadable("no From address to file the complaint for")
    message_id = _header(message, "Message-ID").strip()
    subject = " ".join(_header(message, "Subject").split())
    body = _body_text(message)
    forwarded = bool(FORWARD_SUBJECT.match(subject) or FORWARD_MARKERS.search(body)) or any(
        part.get_content_type() == "message/rfc822" for part in message.walk()
    )
    text = body.strip() if forwarded else trimmed(body)
    if forwarded:
        text = "\n\n".join([text, *_forwarded_messages(message)]).strip()
    return InboundEmail(
        message_id=message_id,
        key=_intake_key(message_id, raw),
        sender=sender,
        sender_name=sender_name,
        subject=subject,
        text=plain(text),
        date=_date(message),
        in_reply_to=_header(message, "In-Reply-To").strip(),
        references=_header(message, "References").split(),
        attachments=_attachments(message),
        automatic=automatic,
        forwarded=forwarded,
    )


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header that does not parse is as good as absent
        return ""
    return str(value) if value is not None else ""


def _sender(message: EmailMessage) -> tuple[str, str]:
    try:
        header = message.get("From")
        addresses: tuple[Address, ...] = header.addresses if header is not None else ()
    except Exception:
        addresses = ()
    for address in addresses:
        if EMAIL.match(address.addr_spec):
            return address.addr_spec, address.display_name.strip()
    # The header registry gives up on some old-fashioned forms that the
    # looser parser still reads.
    for name, addr in getaddresses([_header(message, "From")]):
        if EMAIL.match(addr):
            return addr, name.strip()
    return "", ""


def automatic_reason(message: Message) -> str:
    """Why `message` is automatic traffic never to be filed or answered (RFC 3834
    Auto-Submitted, Precedence, a null Return-Path, list headers, delivery
    reports), or ""."""
    auto = _header(message, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    if _header(message, "Return-Path").strip() == "<>":
        return "Return-Path: <> (a bounce or other delivery notice)"
    if message.get_content_type() == "multipart/report":
        return "a delivery or read report (multipart/report)"
    for name in ("List-Id", "List-Unsubscribe", "List-Post"):
        if message.get(name) is not None:
            return f"mailing-list traffic ({name})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        value = _header(message, name).strip().lower()
        if value and (name != "X-Auto-Response-Suppress" or "oof" in value or value == "all"):
            return f"an auto-reply ({name})"
    if AUTOMATIC_SENDERS.match(_header(message, "From").split("<")[-1].strip()):
        return "sent by a mail system, not a person"
    return ""


def _body_text(message: MIMEPart) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _decoded(part)
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return content


def _decoded(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except LookupError:
        # A charset Python does not know: the bytes as Latin-1 lose no byte,
        # and the customer's words are still mostly legible.
        payload = part.get_payload(decode=True)
        return payload.decode("latin-1") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        return content.decode("utf-8", errors="replace")
    return str(content)


def _forwarded_messages(message: EmailMessage) -> list[str]:
    """Messages forwarded as attachments (message/rfc822), as text with their headers."""
    found = []
    for part in message.walk():
        if part.get_content_type() != "message/rfc822":
            continue
        for inner in part.iter_parts():  # type: ignore[attr-defined]
            header = "\n".join(
                f"{name}: {_header(inner, name)}"
                for name in ("From", "Date", "Subject")
                if _header(inner, name)
            )
            found.append(f"Forwarded message:\n{header}\n\n{_body_text(inner).strip()}")
    return found


def _attachments(message: EmailMessage) -> list[Attachment]:
    body = message.get_body(preferencelist=("plain", "html"))
    kept = []
    for part in message.walk():
        if part.is_multipart() or part is body:
            continue
        kind = part.get_content_type()
        disposition = part.get_content_disposition()
        if disposition is None and kind in ("text/plain", "text/html"):
            continue  # the other half of multipart/alternative
        if kind == "message/rfc822":
            continue
        payload = part.get_payload(decode=True)
        name = part.get_filename() or _header(part, "Content-ID").strip("<> ") or "unnamed"
        kept.append(
            Attachment(
                filename=plain(name)[:200],
                content_type=kind,
                size=len(payload) if isinstance(payload, bytes) else 0,
                inline=disposition == "inline" or bool(part.get("Content-ID")),
                content=payload if isinstance(payload, bytes) else b"",
            )
        )
    return kept


def _date(message: Message) -> datetime | None:
    text = _header(message, "Date")
    if not text:
        return None
    try:
        found = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return found.astimezone(UTC) if found.tzinfo else found.replace(tzinfo=UTC)


def _intake_key(message_id: str, raw: bytes) -> str:
    candidate = message_id.strip()
    if INTAKE_KEY.match(candidate):
        return candidate
    source = candidate.encode() if candidate else raw
    return "mail-sha256:" + hashlib.sha256(source).hexdigest()


def trimmed(text: str) -> str:
    """The newest part of a reply: without the quoted history under "On … wrote:"
    and without the signature (mail-parser-reply, in the languages Redress
    serves). Text it cannot split is returned whole."""
    text = text.replace("\r\n", "\n")
    # RFC 3676's signature separator: everything under "-- " is a signature.
    text = re.split(r"^-- ?$", text, maxsplit=1, flags=re.MULTILINE)[0]
    try:
        replies = EmailReplyParser(languages=REPLY_LANGUAGES).read(text=text).replies
    except Exception:
        return text.strip()
    newest = replies[0].body.strip() if replies else ""
    return newest or text.strip()


def plain(text: str) -> str:
    """Text intake accepts: newlines as \\n, no control characters but tab and newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch
        for ch in text
        if ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cs", "Cf", "Co")
    )


class _TextOfHtml(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table"}
    SKIPPED = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The words of an HTML-only e-mail, one paragraph a line (no markup, no
    scripts or styles), for the narrative and the reply trimming."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# A reply to the satisfaction survey that opens with its answer: "4",
# "4/5", "4 of 5", "5 - great", "Score: 3". Only 1 to 5 counts; "10/10" or
# "45 minutes on hold" do not.
SURVEY_SCORE = re.compile(
    r"\A\s*(?:(?:score|rating|note|bewertung|puntuación|puntuacion)\s*[:=]?\s*)?"
    r"([1-5])(?:\s*(?:/|of|von|de|out of)\s*5)?(?![\d.,/])",
    re.IGNORECASE,
)


def survey_score(text: str) -> tuple[int, str]:
    """(score, the words after it) when `text` starts with a score of 1 to 5;
    (0, "") otherwise."""
    found = SURVEY_SCORE.match(text)
    if found is None:
        return 0, ""
    rest = text[found.end() :].lstrip(" \t-\u2013\u2014:.,!)").strip()
    return int(found[1]), rest
