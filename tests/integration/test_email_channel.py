"""The e-mail channel end to end: real messages in a real IMAP mailbox
(dovecot), read by the mailbox adapter, filed on the real platform."""

from __future__ import annotations

import mailbox
import os
import smtplib
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import grpc
import pytest

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform
from redress.devstack.processes import free_port
from services.intake.mailbox.filing import MailFiler
from services.intake.mailbox.listener import start_listener
from services.intake.mailbox.watcher import FOLDERS, Mailbox, MailboxWatcher, PassResult
from tests.conftest import eventually
from tests.e2e.test_submit_end_to_end import get_case
from tests.integration.test_followup import mail_for, messages
from tests.mail_server import ImapServer, running_dovecot

FILED, IGNORED = FOLDERS["filed"], FOLDERS["ignored"]
REVIEW, UNPROCESSED = FOLDERS["review"], FOLDERS["unprocessed"]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4f60000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def imap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    with running_dovecot(tmp_path_factory.mktemp("dovecot")) as server:
        yield server


@pytest.fixture
def user() -> str:
    """A mailbox of the test's own."""
    return f"complaints-{uuid.uuid4().hex[:8]}"


def watcher(platform: LocalPlatform, imap: ImapServer, user: str) -> MailboxWatcher:
    filer = MailFiler(
        grpc.insecure_channel(platform.address("intake")),
        grpc.insecure_channel(platform.address("followup")),
        platform.credentials.intake_key,
    )
    return MailboxWatcher(Mailbox.from_url(imap.url(user)), filer)


def one_pass(platform: LocalPlatform, imap: ImapServer, user: str) -> PassResult:
    return watcher(platform, imap, user).run_once()


def customer_mail(
    sender: str,
    subject: str,
    text: str = "",
    *,
    name: str = "Jana Kundin",
    charset: str = "utf-8",
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = "complaints@bank.test"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="mail.test")
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    if text:
        message.set_content(text, charset=charset)
    return message


def address() -> str:
    return f"{uuid.uuid4().hex[:8]}@mail.test"


GERMAN = (
    "Sehr geehrte Damen und Herren,\n\n"
    "meine Kreditkarte wurde am 3. März zweimal mit 249,00 € belastet. Ich habe nur einmal "
    "im Geschäft bezahlt und bitte um die Erstattung des doppelten Betrags.\n\n"
    "Mit freundlichen Grüßen\nJana Kundin\n"
)


def cases_stub(channels):  # type: ignore[no-untyped-def]
    return cases_pb2_grpc.CasesServiceStub(channels["cases"])


def test_a_complaint_by_mail_becomes_one_case_through_the_adapter_process(
    platform, channels, admin, imap, user, tmp_path
):
    """The adapter as it runs in production: its own process, polling the mailbox."""
    sender = address()
    # Windows-1252 on the wire (it has the euro sign), as Outlook still sends.
    raw = customer_mail(sender, "Doppelte Abbuchung", GERMAN, charset="windows-1252").as_bytes()
    assert b'charset="windows-1252"' in raw
    imap.deliver(user, raw)
    env = {
        **os.environ,
        **platform.env(),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "REDRESS_MAILBOXES": imap.url(user),
        "REDRESS_MAILBOX_API_KEY": platform.credentials.intake_key,
        "REDRESS_MAILBOX_POLL_SECONDS": "0.5",
    }
    log = open(tmp_path / "mailbox.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "services.intake.mailbox"], env=env, stdout=log, stderr=log
    )
    try:
        eventually(lambda: len(imap.folder(user, FILED)) == 1, timeout=60)
        assert imap.folder(user, "INBOX") == []
        # The same message again (a redelivery): nothing new is filed.
        imap.deliver(user, raw)
        eventually(lambda: len(imap.folder(user, FILED)) == 2, timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
    assert process.returncode == 0, (tmp_path / "mailbox.log").read_text()
    found = cases_stub(channels).ListCases(
        cases_pb2.ListCasesRequest(
            channels=[common_pb2.CHANNEL_EMAIL], page=common_pb2.PageRequest(page_size=500)
        ),
        metadata=admin,
        timeout=10,
    )
    matching = [c for c in found.cases if c.customer.email == sender]
    assert len(matching) == 1, found
    case = get_case(channels, admin, matching[0].case_id)
    assert case.channel == common_pb2.CHANNEL_EMAIL
    assert case.customer.email == sender
    assert case.customer.full_name == "Jana Kundin"
    assert case.customer.preferred_language == "de"
    assert "zweimal mit 249,00 € belastet" in case.narrative
    # The signature is trimmed, the words are not.
    assert "Mit freundlichen Grüßen" not in case.narrative
    # The acknowledgement goes out by e-mail, in German.
    (ack,) = eventually(lambda: mail_for(platform, case.case_id), timeout=30)
    assert ack["To"] == sender


def test_the_same_message_twice_files_one_case(platform, channels, admin, imap, user):
    raw = customer_mail(
        address(), "Charged twice", "My card was charged twice for one purchase at the store."
    ).as_bytes()
    imap.deliver(user, raw)
    first = one_pass(platform, imap, user).outcomes
    imap.deliver(user, raw)
    second = one_pass(platform, imap, user).outcomes
    assert [o.created for o in first + second] == [True, False]
    assert first[0].case_id == second[0].case_id
    assert len(imap.folder(user, FILED)) == 2


def test_html_only_inline_images_and_a_forward_are_filed_readably(
    platform, channels, admin, imap, user
):
    html_only = customer_mail(address(), "Fee I never agreed to")
    html_only.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>You charged me a "
        "<b>&pound;35 fee</b> for an overdraft I never agreed to.</p><p>Please refund it.</p>"
        "</body></html>",
        subtype="html",
    )
    inline = customer_mail(address(), "Screenshot of the error")
    inline.set_content("The app shows an error when I pay a bill; see the screenshot.")
    inline.add_alternative(
        '<p>The app shows an error when I pay a bill; see the screenshot.</p><img src="cid:shot">',
        subtype="html",
    )
    inline.get_payload()[1].add_related(
        PNG, "image", "png", cid="<shot>", filename="screenshot.png", disposition="inline"
    )
    original = customer_mail(address(), "Branch refused my deposit", name="Old Customer")
    forwarded = customer_mail(
        address(),
        "Fwd: Branch refused my deposit",
        "Passing this on from my father, who has no e-mail.\n\n"
        "---------- Forwarded message ---------\n"
        f"From: Old Customer <{original['From'].addresses[0].addr_spec}>\n"
        "Subject: Branch refused my deposit\n\n"
        "The Market Street branch refused to take my cash deposit on Monday.\n"
        "> a line he quoted\n",
    )
    for message in (html_only, inline, forwarded):
        imap.deliver(user, message.as_bytes())
    outcomes = one_pass(platform, imap, user).outcomes
    assert [o.disposition for o in outcomes] == ["filed"] * 3, outcomes
    html_case, inline_case, forwarded_case = (
        get_case(channels, admin, o.case_id) for o in outcomes
    )
    assert "£35 fee for an overdraft I never agreed to." in html_case.narrative
    assert "<" not in html_case.narrative and "color" not in html_case.narrative
    assert "see the screenshot" in inline_case.narrative
    assert f"screenshot.png (image/png, {len(PNG)} bytes, inline)" in inline_case.narrative
    assert "Passing this on from my father" in forwarded_case.narrative
    assert "refused to take my cash deposit" in forwarded_case.narrative
    assert all(c.channel == common_pb2.CHANNEL_EMAIL for c in (html_case, forwarded_case))


def test_a_thread_of_five_messages_lands_on_one_case(platform, channels, admin, imap, user):
    sender = address()
    first = customer_mail(
        sender, "Card blocked abroad", "My card was blocked while I was travelling in Spain."
    )
    imap.deliver(user, first.as_bytes())
    (filed,) = one_pass(platform, imap, user).outcomes
    case_id = filed.case_id
    (ack,) = eventually(lambda: mail_for(platform, case_id), timeout=30)
    chain = [first["Message-ID"], ack["Message-ID"]]
    texts = [
        "I still cannot pay with it.",
        "The hotel is asking for another card now.",
        "I had to borrow money from a friend.",
    ]
    for text in texts:
        reply = customer_mail(
            sender,
            f"Re: {ack['Subject']}",
            f"{text}\n\nOn Monday, Bank <complaints@bank.test> wrote:\n> earlier words\n",
            In_Reply_To=chain[-1],
            References=" ".join(chain),
        )
        chain.append(reply["Message-ID"])
        imap.deliver(user, reply.as_bytes())
    # The fifth names the case in its subject only (a new mail, not a reply).
    imap.deliver(
        user,
        customer_mail(sender, f"About [{case_id}]", "Any news? It has been a week.").as_bytes(),
    )
    outcomes = one_pass(platform, imap, user).outcomes
    assert [(o.disposition, o.case_id) for o in outcomes] == [("filed", case_id)] * 4, outcomes
    case = get_case(channels, admin, case_id)
    replies = [e.cause for e in case.audit_events if e.action == "customer.replied"]
    assert len(replies) == 4
    for text in [*texts, "Any news? It has been a week."]:
        assert any(text in r for r in replies), (text, replies)
    assert not any("earlier words" in r for r in replies)
    inbound = [m for m in messages(channels, admin, case_id) if m.sender]
    assert len(inbound) == 4 and {m.sender for m in inbound} == {sender}


def test_auto_replies_bounces_and_lists_are_set_aside_and_never_answered(
    platform, channels, admin, imap, user
):
    sender = address()
    complaint = customer_mail(sender, "Late refund", "My refund is three weeks late now.")
    imap.deliver(user, complaint.as_bytes())
    (filed,) = one_pass(platform, imap, user).outcomes
    (ack,) = eventually(lambda: mail_for(platform, filed.case_id), timeout=30)
    out_of_office = customer_mail(
        sender,
        f"Automatic reply: {ack['Subject']}",
        "I am out of the office until Monday.",
        Auto_Submitted="auto-replied",
        In_Reply_To=ack["Message-ID"],
    )
    old_style = customer_mail(
        address(), "Out of office", "I am away this week.", Precedence="auto_reply"
    )
    bounce = customer_mail(
        "mailer-daemon@mail.test", "Undelivered Mail Returned to Sender", "User unknown."
    )
    bounce["Return-Path"] = "<>"
    newsletter = customer_mail(
        address(), "Our spring offers", "Save 20% this week.", List_Id="<offers.shop.test>"
    )
    for message in (out_of_office, old_style, bounce, newsletter):
        imap.deliver(user, message.as_bytes())
    outcomes = one_pass(platform, imap, user).outcomes
    assert [o.disposition for o in outcomes] == ["ignored"] * 4, outcomes
    assert len(imap.folder(user, IGNORED)) == 4
    case = get_case(channels, admin, filed.case_id)
    assert not [e for e in case.audit_events if e.action == "customer.replied"]
    # Nothing answered the auto-reply: the acknowledgement is still the only letter.
    assert len(mail_for(platform, filed.case_id)) == 1


def test_a_message_that_cannot_be_read_is_kept_whole_and_reported(platform, imap, user, caplog):
    raw = (
        b"Subject: =?x-unknown?q?broken?=\r\nMessage-ID: <nosender@mail.test>\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\n\r\nno sender at all\r\n"
    )
    imap.deliver(user, raw)
    with caplog.at_level("ERROR", logger="redress.intake.mailbox"):
        (outcome,) = one_pass(platform, imap, user).outcomes
    assert outcome.disposition == "unprocessed"
    (kept,) = imap.folder(user, UNPROCESSED)
    assert kept.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert "kept whole" in caplog.text and "no From address" in caplog.text


def test_a_reply_naming_a_case_from_a_stranger_goes_to_a_person(
    platform, channels, admin, imap, user
):
    imap.deliver(user, customer_mail(address(), "x", "The first complaint text here.").as_bytes())
    (filed,) = one_pass(platform, imap, user).outcomes
    imap.deliver(
        user,
        customer_mail(address(), f"Re: [{filed.case_id}]", "Someone else writes.").as_bytes(),
    )
    (outcome,) = one_pass(platform, imap, user).outcomes
    assert outcome.disposition == "review"
    assert len(imap.folder(user, REVIEW)) == 1
    case = get_case(channels, admin, filed.case_id)
    assert not [e for e in case.audit_events if e.action == "customer.replied"]


def test_mail_pushed_by_smtp_is_filed_before_it_is_accepted(platform, channels, admin, tmp_path):
    """The gateway's push (and `make run`'s local mailbox): SMTP into the adapter."""
    filer = MailFiler(
        grpc.insecure_channel(platform.address("intake")),
        grpc.insecure_channel(platform.address("followup")),
        platform.credentials.intake_key,
    )
    port = free_port()
    listener = start_listener(filer, "127.0.0.1", port, tmp_path / "spool")
    try:
        sender = address()
        message = customer_mail(sender, "ATM kept my card", "The ATM on Hill Road kept my card.")
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            smtp.send_message(message)
            smtp.send_message(message)  # sent twice: one case
            smtp.send_message(
                customer_mail(address(), "Away", "Out.", Auto_Submitted="auto-replied")
            )
    finally:
        listener.stop()
    spool = mailbox.Maildir(tmp_path / "spool", create=False)
    assert len(spool.get_folder("Redress.Filed")) == 2
    assert len(spool.get_folder("Redress.Ignored")) == 1
    found = cases_stub(channels).ListCases(
        cases_pb2.ListCasesRequest(
            channels=[common_pb2.CHANNEL_EMAIL], page=common_pb2.PageRequest(page_size=500)
        ),
        metadata=admin,
        timeout=10,
    )
    assert len([c for c in found.cases if c.customer.email == sender]) == 1


def test_mail_delivered_by_lmtp_is_filed_once_and_answered_per_recipient(
    platform, channels, admin, tmp_path
):
    """A firm's mail server delivering to Redress as a local mailbox (LMTP):
    one answer per recipient, one case whoever the message was addressed to."""
    filer = MailFiler(
        grpc.insecure_channel(platform.address("intake")),
        grpc.insecure_channel(platform.address("followup")),
        platform.credentials.intake_key,
    )
    port = free_port()
    listener = start_listener(filer, "127.0.0.1", port, tmp_path / "spool", "lmtp")
    sender = address()
    message = customer_mail(sender, "Charged twice", "I was charged twice for one transfer.")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
            lines = conn.makefile("rb")

            def reply() -> list[str]:
                got = []
                while True:
                    line = lines.readline().decode().rstrip("\r\n")
                    got.append(line)
                    if len(line) < 4 or line[3] != "-":
                        return got

            def say(command: str) -> list[str]:
                conn.sendall(command.encode() + b"\r\n")
                return reply()

            assert reply()[0].startswith("220")
            assert say("EHLO gateway.bank.test")[0].startswith("500")  # LMTP greets with LHLO
            assert say("LHLO gateway.bank.test")[-1].startswith("250")
            assert say(f"MAIL FROM:<{sender}>")[0].startswith("250")
            assert say("RCPT TO:<complaints@bank.test>")[0].startswith("250")
            assert say("RCPT TO:<beschwerden@bank.test>")[0].startswith("250")
            assert say("DATA")[0].startswith("354")
            body = message.as_bytes().replace(b"\n.", b"\n..")
            conn.sendall(body.rstrip(b"\r\n") + b"\r\n.\r\n")
            answers = [reply()[0], reply()[0]]
            assert [a[:3] for a in answers] == ["250", "250"]
            case_id = answers[0].split()[-1]
            assert answers[1].split()[-1] == case_id and case_id.startswith("C-")
            say("QUIT")
    finally:
        listener.stop()
    found = cases_stub(channels).ListCases(
        cases_pb2.ListCasesRequest(
            channels=[common_pb2.CHANNEL_EMAIL], page=common_pb2.PageRequest(page_size=500)
        ),
        metadata=admin,
        timeout=10,
    )
    assert [c.case_id for c in found.cases if c.customer.email == sender] == [case_id]
    spool = mailbox.Maildir(tmp_path / "spool", create=False)
    assert len(spool.get_folder("Redress.Filed")) == 1


def test_a_message_too_large_to_read_is_kept_whole_unread_and_reported(
    platform, channels, admin, imap, user, tmp_path, caplog
):
    """A mailbox holding a huge message (a scan of a whole file, a mail
    loop's growing quote): never read into memory, kept for a person; the
    messages beside it are filed as usual."""
    filer = MailFiler(
        grpc.insecure_channel(platform.address("intake")),
        grpc.insecure_channel(platform.address("followup")),
        platform.credentials.intake_key,
    )
    limit = 256 * 1024
    huge = customer_mail(address(), "All my statements", "Please see the scans attached.")
    huge.add_attachment(os.urandom(limit), maintype="application", subtype="pdf", filename="a.pdf")
    imap.deliver(user, huge.as_bytes())
    small_sender = address()
    imap.deliver(user, customer_mail(small_sender, "Fee", "An unexpected fee of 25 EUR.").as_bytes())
    reader = MailboxWatcher(Mailbox.from_url(imap.url(user)), filer, max_message_bytes=limit)
    with caplog.at_level("ERROR", logger="redress.intake.mailbox"):
        outcomes = reader.run_once().outcomes
    assert sorted(o.disposition for o in outcomes) == ["filed", "unprocessed"]
    (kept,) = imap.folder(user, UNPROCESSED)
    assert kept.replace(b"\r\n", b"\n") == huge.as_bytes().replace(b"\r\n", b"\n")
    assert "more than the 262,144 the adapter reads" in caplog.text

    # Pushed over SMTP, the same message is refused as it arrives: the
    # sending server keeps it and tells its sender.
    port = free_port()
    listener = start_listener(filer, "127.0.0.1", port, tmp_path / "spool", "smtp", limit)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            with pytest.raises(smtplib.SMTPException) as refused:
                smtp.send_message(huge)
    finally:
        listener.stop()
    assert "552" in str(refused.value) or "too" in str(refused.value).lower()
