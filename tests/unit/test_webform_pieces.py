"""The web form's own pieces: its rate limit, its form tokens, the customer's
wording of stages and deadlines, and its texts in three languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from redress.domain import regulatory
from redress.domain.regime_packs import shipped_regimes
from services.intake.webform import texts
from services.intake.webform.complaint import complaint_request, from_violations, message_for
from services.intake.webform.limits import RateLimiter, address_key
from services.intake.webform.tokens import FormRefused, FormTokens

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "redress" / "domain" / "default_policy.yaml"
TEMPLATES = ROOT / "services" / "intake" / "webform" / "templates"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_is_limited_within_its_window_and_waiting_helps() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)
    assert [limiter.allow("203.0.113.7") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("203.0.113.8")
    assert 1 <= limiter.retry_after("203.0.113.7") <= 61
    clock.now += 61
    assert limiter.allow("203.0.113.7")


def test_memory_is_bounded_by_forgetting_the_quietest_address() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 60, max_addresses=100, clock=clock)
    for i in range(1000):
        limiter.allow(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 100
    # The most recent addresses are still limited.
    assert not limiter.allow("10.0.3.231")


def test_ipv6_counts_by_network() -> None:
    assert address_key("2001:db8::1") == address_key("2001:db8::ffff") == "2001:db8::/64"
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1"


def test_a_form_token_belongs_to_one_browser_one_case_and_a_few_hours() -> None:
    tokens = FormTokens("x" * 40, 3600)
    token = tokens.issue("browser-a", "webform-key-1")
    assert tokens.check(token, "browser-a").key == "webform-key-1"
    for args in [("browser-b",), ("",), ("browser-a", "C-000001")]:
        with pytest.raises(FormRefused):
            tokens.check(token, *args)
    with pytest.raises(FormRefused):
        tokens.check(token + "x", "browser-a")
    with pytest.raises(FormRefused):
        FormTokens("x" * 40, -1).check(token, "browser-a")


def test_every_stage_of_the_shipped_policy_has_words_in_each_language() -> None:
    stages = yaml.safe_load(POLICY.read_text())["stages"]
    for stage in stages:
        wordings = texts.STAGES.get(stage)
        assert wordings, f"stage {stage} has no customer wording"
        assert len(wordings) == 3 and all(w.strip() for w in wordings)
        assert len(set(wordings)) == 3, f"{stage}: a language is not translated"
        for language in texts.LANGUAGES:
            words = texts.stage_words(stage, language)
            assert words != stage and "_" not in words
    # A stage a firm adds is described by its kind, never by its name.
    assert texts.stage_words("fraud_review", "de") == texts.STAGE_KINDS["open"][1]
    assert texts.stage_words("done_x", "es", closed=True) == texts.STAGES["closed"][2]


def test_every_regulatory_deadline_has_words_in_each_language() -> None:
    # The clocks a complaint's receipt starts are the ones its letters speak of.
    names = {
        clock.name
        for regime in shipped_regimes().values()
        for clock in regime.clocks_from("receipt")
    }
    assert names >= set(regulatory.FINAL_RESPONSE_CLOCK.values()) - {"resolution"}
    assert "fca_summary_resolution" in names
    for name in names:
        assert name in texts.DEADLINES, name
        assert len(set(texts.DEADLINES[name])) == 3, name


def test_deadlines_are_written_in_the_regimes_home_time() -> None:
    at = datetime(2027, 2, 26, 17, 30, tzinfo=UTC)
    assert texts.written_deadline(at, "uk_fca", "en") == "26 February 2027, 17:30 (Europe/London)"
    midnight = datetime(2027, 2, 26, 23, 0, tzinfo=UTC)  # 00:00 in Berlin
    assert texts.written_deadline(midnight, "eu_psd2", "de") == (
        "26. Februar 2027, 23:59 (Europe/Berlin)"
    )


def test_every_text_the_pages_use_is_translated() -> None:
    used: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', path.read_text()))
        used |= set(re.findall(r"_\('((?:[^'\\]|\\.)*)'\)", path.read_text()))
    for path in (ROOT / "services" / "intake" / "webform").glob("*.py"):
        source = path.read_text()
        for call in re.findall(r"g\.t\(\s*((?:\"[^\"]*\"\s*)+)\)", source):
            used.add("".join(re.findall(r'"([^"]*)"', call)))
    from services.intake.webform.complaint import REQUIRED_WORDS

    used |= set(REQUIRED_WORDS.values())
    missing = sorted(u for u in used if u not in texts.TEXTS)
    assert not missing, missing
    for english, (german, spanish) in texts.TEXTS.items():
        assert german.strip() and spanish.strip(), english
        for placeholder in re.findall(r"\{\w+\}", english):
            assert placeholder in german and placeholder in spanish, english


def test_intakes_refusals_land_next_to_the_fields() -> None:
    found = from_violations(
        [
            ("narrative", "required"),
            ("customer.email", "'x' is not an email address"),
            ("customer", "give at least one of email, phone, postal_address or social_handle"),
            ("customer.postal_address.lines[0]", "at most 200 characters of plain text"),
            ("received_at", "not a valid time"),
        ]
    )
    assert set(found.by_field) == {"narrative", "email", "contact", "address_lines", "form"}
    t = texts.translator("de")
    assert message_for(found.by_field["narrative"], t) == "Schildern Sie, was passiert ist."
    assert "200" in message_for(found.by_field["address_lines"], t)


def test_the_complaint_carries_the_customers_words_language_and_channel() -> None:
    request, problems = complaint_request(
        {
            "narrative": "Mi tarjeta fue bloqueada.",
            "full_name": "Ana López",
            "email": "ana@example.com",
            "preferred_channel": "email",
            "vulnerability": "Estoy en el hospital " * 10,
            "product": "Debit card",
            "regime": "eu_psd2",
        },
        "webform-0123456789",
        "es",
        ["Debit card"],
    )
    assert not problems
    assert request.customer.preferred_language == "es"
    assert request.customer.tags[0] == "Vulnerable" and len(request.customer.tags[1]) <= 100
    assert "Estoy en el hospital" in request.narrative
    _, problems = complaint_request(
        {"narrative": "x", "full_name": "A", "preferred_channel": "phone", "product": "Boat"},
        "webform-0123456789",
        "en",
        ["Debit card"],
    )
    assert set(problems.by_field) == {"phone", "product"}
