"""Reading customers' e-mails: trimming, HTML, automatic traffic, keys."""

from __future__ import annotations

from services.intake.mailbox.reading import html_to_text, read_email, trimmed

HEAD = b"From: Jo Doe <jo@mail.test>\r\nSubject: Fees\r\nMessage-ID: <abc123@mail.test>\r\n"


def test_quoted_history_and_signatures_are_trimmed():
    text = (
        "My card was charged twice.\n\nKind regards,\nJo\n\n"
        "On Mon, 1 Jan 2026, Bank <c@bank.test> wrote:\n> Dear Jo\n> we are sorry\n"
    )
    assert trimmed(text) == "My card was charged twice."
    assert trimmed("Bitte erstatten.\n\nAm 1. Jan. 2026 schrieb Bank:\n> alt\n") == (
        "Bitte erstatten."
    )
    assert trimmed("Refund please.\n-- \nJo Doe\nSent from my phone\n") == "Refund please."


def test_html_is_read_as_words():
    html = "<style>p{x}</style><p>Fee of &pound;35</p><div>Refund <b>it</b></div><script>x</script>"
    assert html_to_text(html) == "Fee of £35\n\nRefund it"


def test_automatic_traffic_is_told_apart():
    for header in (
        b"Auto-Submitted: auto-replied\r\n",
        b"Precedence: bulk\r\n",
        b"Return-Path: <>\r\n",
        b"List-Id: <offers.shop.test>\r\n",
        b"X-Autoreply: yes\r\n",
    ):
        assert read_email(HEAD + header + b"\r\nAway\r\n").automatic, header
    assert read_email(HEAD + b"Auto-Submitted: no\r\n\r\nA complaint\r\n").automatic == ""


def test_the_message_id_is_the_key_when_intake_accepts_it():
    assert read_email(HEAD + b"\r\ntext\r\n").key == "<abc123@mail.test>"
    long_id = b"Message-ID: <" + b"x" * 200 + b"@mail.test>\r\n"
    found = read_email(b"From: jo@mail.test\r\n" + long_id + b"\r\ntext\r\n")
    assert found.key.startswith("mail-sha256:") and len(found.key) <= 128


def test_a_reply_is_known_by_a_redress_letter_or_a_case_id():
    letter = b"In-Reply-To: <M-0123456789abcdef01234567@bank.test>\r\n"
    assert read_email(HEAD + letter + b"\r\nyes\r\n").is_reply
    subject = b"From: jo@mail.test\r\nSubject: Re: [C-000123] fees\r\n\r\nyes\r\n"
    assert read_email(subject).case_in_subject == "C-000123"
    assert not read_email(HEAD + b"In-Reply-To: <mine@mail.test>\r\n\r\nnew\r\n").is_reply
