"""German and Spanish complaints are classified by rules in their own
language, and a complaint that states no language gets the one its
narrative is written in, found at intake and recorded on the trail."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from redress.domain.complaint_state import ComplaintSubmission, CustomerInfo
from redress.domain.policy import ComplaintFacts, Policy, PolicyError
from services.intake.language import NarrativeLanguage

# Complaints as customers write them.
GERMAN = {
    "fees_and_charges": (
        "Sehr geehrte Damen und Herren, seit März werden mir monatlich 4,90 Euro "
        "Kontoführungsgebühren berechnet, obwohl mein Girokonto bei Eröffnung ausdrücklich "
        "als kostenlos beworben wurde. Eine Mitteilung über die Preisänderung habe ich nie "
        "erhalten. Ich bitte um Erstattung der bisher abgebuchten Beträge."
    ),
    "fraud_and_scams": (
        "Am 14. Mai wurden von meiner Kreditkarte drei Zahlungen an einen Online-Shop in "
        "Litauen abgebucht, insgesamt 1.287 Euro. Diese Zahlungen habe ich nicht autorisiert; "
        "ich vermute Betrug nach einer Phishing-SMS. Die Karte habe ich sofort sperren lassen."
    ),
    "credit_reporting": (
        "Trotz vollständiger Rückzahlung meines Ratenkredits im Januar steht bei der SCHUFA "
        "noch immer ein Negativeintrag Ihrer Bank. Deshalb wurde mir ein Mietvertrag "
        "verweigert. Bitte veranlassen Sie umgehend die Löschung."
    ),
}
SPANISH = {
    "fees_and_charges": (
        "Buenos días. Desde hace tres meses me están cobrando una comisión de mantenimiento "
        "de 12 euros en mi cuenta nómina, que según las condiciones del contrato no tenía "
        "ningún coste. Nadie me avisó del cambio. Solicito que me devuelvan lo cobrado."
    ),
    "fraud_and_scams": (
        "He detectado en mi tarjeta de débito cuatro cargos que no reconozco, de una tienda "
        "online que no conozco, por un total de 640 euros. Yo no autoricé esas compras; creo "
        "que es una estafa porque la semana pasada recibí un SMS falso del banco."
    ),
    "mortgages": (
        "En la escritura de mi hipoteca figura una cláusula suelo del 3 % que nunca me "
        "explicaron al firmar. Llevo años pagando de más aunque el euríbor estaba en negativo "
        "y quiero que me devuelvan los intereses cobrados de más."
    ),
}


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [("de", c, t) for c, t in GERMAN.items()] + [("es", c, t) for c, t in SPANISH.items()],
)
def test_the_shipped_policy_files_german_and_spanish_complaints(language, category, text):
    found = Policy.load_default().classify(ComplaintFacts(text=text, language=language))
    assert found.category == category, found
    assert found.category_rule.endswith(f"-{language}")
    if category == "fraud_and_scams":
        assert found.priority == "high"


def test_one_languages_words_do_not_classify_another_languages_complaint():
    policy = Policy.load_default()
    # "cargo" is a charge in Spanish, a freight in English.
    english = "The cargo company lost my parcel and the courier was rude to me."
    assert policy.classify(ComplaintFacts(text=english, language="en")).category == ""
    spanish = policy.classify(ComplaintFacts(text="Me pasaron un cargo indebido.", language="es"))
    assert spanish.category == "fees_and_charges"
    # A regional tag is its language.
    assert policy.classify(
        ComplaintFacts(text=GERMAN["fees_and_charges"], language="de-AT")
    ).category == ("fees_and_charges")


def test_language_conditions_and_wildcards_are_checked_when_a_policy_is_loaded():
    shipped = (Policy.load_default().source).replace(
        "      languages: [de]\n      keywords: [betrug,",
        "      languages: [German]\n      keywords: [be*trug,",
        1,
    )
    with pytest.raises(PolicyError) as err:
        Policy.load(shipped)
    text = str(err.value)
    assert "'German': a primary language tag such as en, de or es" in text
    assert "'be*trug': a * stands only at a keyword's start or end" in text


def _submission(narrative: str, language: str = "") -> ComplaintSubmission:
    return ComplaintSubmission(
        idempotency_key="k",
        submitted_by="web",
        channel="web",
        customer=CustomerInfo(full_name="Kim Muster", preferred_language=language),
        narrative=narrative,
        regime="eu_psd2",
        received_at=datetime(2027, 5, 3, 9, 0, tzinfo=UTC),
        fingerprint="f",
    )


@pytest.fixture(scope="module")
def languages() -> NarrativeLanguage:
    return NarrativeLanguage()


def test_a_narrative_without_a_stated_language_gets_the_language_it_is_written_in(languages):
    for expected, texts in (("de", GERMAN), ("es", SPANISH)):
        for text in texts.values():
            found = languages.applied(_submission(text))
            assert found.customer.preferred_language == expected
            detected = found.language_detected
            assert detected is not None and detected.language == expected
            assert detected.confidence >= 0.9
            assert detected.detector.startswith("lingua-language-detector ")
    english = languages.applied(_submission("I was charged an overdraft fee I never agreed to."))
    assert english.customer.preferred_language == "en"


def test_a_stated_language_is_kept_and_a_text_too_short_to_tell_gets_none(languages):
    stated = _submission(GERMAN["fees_and_charges"], language="en-GB")
    assert languages.applied(stated) is stated
    short = languages.applied(_submission("Konto?"))
    assert short.customer.preferred_language == "" and short.language_detected is None
    assert dataclasses.asdict(short) == dataclasses.asdict(_submission("Konto?"))
