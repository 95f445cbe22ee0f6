"""Every shipped letter read as its customer reads it: in English, German and
Spanish, under every regime, for a case that was paid money and one that was
not. Amounts are written as money in the letter's language, dates in its
words, and no letter speaks of anything enclosed (a letter is one text)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from services.followup.context import Firm, case_context
from services.followup.regulators import FINAL_CLOCK, SUMMARY_CLOCK
from services.followup.templates import render, shipped

FIRM = Firm("Example Bank", "complaints@example.com", "", "", "https://console.test/{case_id}")
REGIMES = {
    "uk_fca": (common_pb2.REGIME_UK_FCA, "GBP"),
    "eu_psd2": (common_pb2.REGIME_EU_PSD2, "EUR"),
    "us_cfpb": (common_pb2.REGIME_US_CFPB, "USD"),
    "au_asic": (common_pb2.REGIME_AU_ASIC, "AUD"),
    "none": (common_pb2.REGIME_UNSPECIFIED, "EUR"),
}
REDRESS, GOODWILL = 125000, 4599
# How a reader of each language writes the amounts (CLDR), written out here
# by hand rather than by the code under test. German and Spanish put a
# no-break space before the symbol.
AMOUNTS = {
    ("en", "GBP"): ("£1,250.00", "£45.99"),
    ("en", "EUR"): ("€1,250.00", "€45.99"),
    ("en", "USD"): ("$1,250.00", "$45.99"),
    ("en", "AUD"): ("A$1,250.00", "A$45.99"),
    ("de", "GBP"): ("1.250,00\xa0£", "45,99\xa0£"),
    ("de", "EUR"): ("1.250,00\xa0€", "45,99\xa0€"),
    ("de", "USD"): ("1.250,00\xa0$", "45,99\xa0$"),
    ("de", "AUD"): ("1.250,00\xa0AU$", "45,99\xa0AU$"),
    ("es", "GBP"): ("1.250,00\xa0GBP", "45,99\xa0GBP"),
    ("es", "EUR"): ("1.250,00\xa0€", "45,99\xa0€"),
    ("es", "USD"): ("1.250,00\xa0US$", "45,99\xa0US$"),
    ("es", "AUD"): ("1.250,00\xa0AUD", "45,99\xa0AUD"),
}
RECEIVED = {"en": "25 August 2023", "de": "25. August 2023", "es": "25 de agosto de 2023"}
DEADLINE = {"en": "20 October 2023", "de": "20. Oktober 2023", "es": "20 de octubre de 2023"}
# Letters that state the outcome, and so what is paid.
OUTCOME_LETTERS = {"final_response", "summary_resolution"}
# Letters that tell the customer when the full answer is due.
DEADLINE_LETTERS = {"acknowledgement", "progress_update", "holding_response"}
PAYS = {"en": "pay you", "de": "zahlen wir Ihnen", "es": "le abonaremos"}
GOODWILL_WORDS = {"en": "goodwill", "de": "Kulanz", "es": "buena voluntad"}
# Words that would say something came with the letter.
ENCLOSED = re.compile(
    r"enclos|attach|leaflet|beigefügt|beiliegend|anbei|Anlage|adjunt|anexo|folleto", re.I
)
# Amounts as a program writes them: "EUR 45.99", "GBP 1250.00".
CODE_AND_DIGITS = re.compile(r"\b(GBP|EUR|USD|AUD) ?\d")
# Spanish contracts "a el" and "de el"; German and English have their own slips.
SLIPS = {
    "es": re.compile(r"\b(a|de) el\b"),
    "de": re.compile(r"\bbis \d{1,2}\. [A-Z]|geehrte\(r\)|\bbis zum zum\b"),
    "en": re.compile(r"\ba (?=[aeiou])|\bby by\b"),
}


def _ts(at: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(at)
    return ts


def _case(regime: str, paid: bool, language: str) -> cases_pb2.Case:
    code, currency = REGIMES[regime]
    due = _ts(datetime(2023, 10, 20, 12, 0, tzinfo=UTC))
    outcome = cases_pb2.Outcome(
        decision=cases_pb2.DECISION_UPHELD,
        summary="We have refunded the fee and corrected your statement.",
    )
    if paid:
        outcome.redress.CopyFrom(common_pb2.Money(currency=currency, minor_units=REDRESS))
        outcome.goodwill.CopyFrom(common_pb2.Money(currency=currency, minor_units=GOODWILL))
    return cases_pb2.Case(
        case_id="C-000042",
        workflow_id="complaint:test:1",
        customer=common_pb2.Customer(full_name="Alex Morgan", preferred_language=language),
        product="",
        regime=code,
        received_at=_ts(datetime(2023, 8, 25, 11, 0, tzinfo=UTC)),
        clocks=[
            cases_pb2.Clock(name=FINAL_CLOCK.get(regime, "resolution"), due_at=due),
            cases_pb2.Clock(name="resolution", due_at=due),
            cases_pb2.Clock(name=SUMMARY_CLOCK, due_at=due),
        ],
        outcome=outcome,
    )


LETTERS = sorted(shipped(), key=lambda t: (t.name, t.language))


@pytest.mark.parametrize("paid", [True, False], ids=["paid", "unpaid"])
@pytest.mark.parametrize("regime", list(REGIMES))
@pytest.mark.parametrize("letter", LETTERS, ids=lambda t: f"{t.name}.{t.language}")
def test_every_letter_says_what_is_true_in_its_readers_language(letter, regime, paid):
    language = letter.language
    currency = REGIMES[regime][1]
    extra = {"question": "Please send us the statement for July 2023."}
    out = render(letter, case_context(_case(regime, paid, language), language, FIRM, extra))
    text = f"{out.subject}\n{out.body_text}"

    assert "C-000042" in out.subject and "Alex Morgan" in out.body_text
    if "received_date" in letter.body_text:
        assert RECEIVED[language] in text
    if letter.name in DEADLINE_LETTERS:
        assert DEADLINE[language] in text, text

    redress, goodwill = AMOUNTS[(language, currency)]
    if letter.name in OUTCOME_LETTERS:
        assert "We have refunded the fee" in text
    if letter.name in OUTCOME_LETTERS and paid:
        # Both amounts the outcome recorded, each as money in the reader's language.
        assert redress in text and goodwill in text, text
        assert PAYS[language] in text and GOODWILL_WORDS[language] in text
    else:
        # Nothing paid is nothing promised.
        assert redress not in text and goodwill not in text
        assert PAYS[language] not in text and GOODWILL_WORDS[language] not in text
    assert not CODE_AND_DIGITS.search(text), text

    # A letter is sent as one text: nothing is enclosed or attached.
    assert not ENCLOSED.search(text), ENCLOSED.search(text)
    assert not SLIPS[language].search(text), SLIPS[language].search(text)
    assert "{{" not in text and "None" not in text and "  " not in text
    assert "\n\n\n" not in out.body_text


def test_a_holding_response_writes_the_expected_date_and_the_reason_in_the_readers_words():
    letters = {t.language: t for t in shipped() if t.name == "holding_response"}
    extra = {"expected_by": "2023-11-03", "reason": "we are waiting for the card scheme."}
    written = {"en": "3 November 2023", "de": "3. November 2023", "es": "3 de noviembre de 2023"}
    for language, letter in letters.items():
        out = render(letter, case_context(_case("eu_psd2", False, language), language, FIRM, extra))
        assert written[language] in out.body_text and "2023-11-03" not in out.body_text
        assert "waiting for the card scheme" in out.body_text


@pytest.mark.parametrize("letter", LETTERS, ids=lambda t: f"{t.name}.{t.language}")
def test_a_letter_about_a_case_whose_deadlines_are_not_known_yet_promises_no_date(letter):
    # A letter sent the moment a complaint arrives can come before its clocks
    # are recorded: it says "as soon as we can", never a blank or a refusal.
    case = _case("eu_psd2", False, letter.language)
    del case.clocks[:]
    out = render(letter, case_context(case, letter.language, FIRM, {"question": "Which card?"}))
    assert DEADLINE[letter.language] not in out.body_text
    assert "  " not in out.body_text and "\n\n\n" not in out.body_text


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_letters_link_to_the_status_page_only_when_the_web_form_is_published(language):
    """The link in a letter is signed for its case and opens the customer's
    status page; without the form's public address the letter has no link
    at all, never a broken one."""
    from redress.platform.status_links import StatusLinks

    letter = next(t for t in shipped() if t.name == "acknowledgement" and t.language == language)
    case = _case("uk_fca", False, language)
    links = StatusLinks("k" * 40, 90 * 86400, "https://complaints.example.com")
    published = Firm(
        *[
            getattr(FIRM, f)
            for f in ("name", "complaints_email", "complaints_phone", "address", "case_link")
        ],
        status_links=links,
    )
    out = render(letter, case_context(case, language, published, {}))
    found = re.search(r"https://complaints\.example\.com/status/(\S+)", out.body_text)
    assert found, out.body_text
    assert links.case_of(found.group(1)) == case.case_id
    unpublished = Firm(
        *[
            getattr(FIRM, f)
            for f in ("name", "complaints_email", "complaints_phone", "address", "case_link")
        ],
        status_links=StatusLinks("k" * 40),
    )
    for firm in (FIRM, unpublished):
        out = render(letter, case_context(case, language, firm, {}))
        assert "/status/" not in out.body_text and "{{" not in out.body_text
