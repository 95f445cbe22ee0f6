"""Message templates: every mistake found when saved, nothing rendered blank,
nothing reached outside the values offered."""

from __future__ import annotations

import pytest

from services.followup.templates import (
    LetterTemplate,
    TemplateProblem,
    check,
    choose_language,
    render,
    shipped,
)
from tests.conftest import cfpb_rows

ROW = cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 1)[0]
CONTEXT = {
    "case": {
        "case_id": "C-000042",
        "received_date": "25 August 2023",
        "product": ROW["Product"],
        "issue": ROW["Issue"],
        "narrative": ROW["Consumer complaint narrative"],
        "outcome": "We have corrected the information we reported.",
        "redress": "",
    },
    "customer": {"full_name": "Jordan Example", "preferred_language": "es"},
    "firm": {"name": "Example Bank", "complaints_email": "complaints@example.com"},
    "regulator": {
        "name": "the Consumer Financial Protection Bureau",
        "referral_text": "You can submit a complaint at consumerfinance.gov/complaint.",
        "deadline_text": "We aim to respond within 15 days.",
    },
    "deadlines": {"final_response": "9 September 2023"},
}


def problems(template: LetterTemplate) -> list[tuple[str, str]]:
    with pytest.raises(TemplateProblem) as err:
        check(template)
    return err.value.problems


def test_every_shipped_letter_renders_in_english_german_and_spanish():
    letters = shipped()
    assert {(t.name, t.language) for t in letters} >= {
        (name, language)
        for name in ("acknowledgement", "final_response")
        for language in ("en", "de", "es")
    }
    for template in letters:
        out = render(template, CONTEXT)
        assert "C-000042" in out.subject, template
        assert "Jordan Example" in out.body_text
        assert "{{" not in out.body_text and "None" not in out.body_text


def test_the_final_response_names_the_regulator_and_pays_only_when_there_is_redress():
    final = next(t for t in shipped() if (t.name, t.language) == ("final_response", "en"))
    none = render(final, CONTEXT).body_text
    assert "consumerfinance.gov/complaint" in none and "We will pay you" not in none
    paid = {**CONTEXT, "case": {**CONTEXT["case"], "redress": "USD 150.00"}}
    assert "We will pay you USD 150.00." in render(final, paid).body_text


def test_unknown_variables_and_attributes_are_refused_when_saved():
    found = problems(
        LetterTemplate(
            "x",
            "en",
            "Re {{ case.case_id }} {{ case.secret }}",
            "Dear {{ customer.name }}, {{ password }}",
        )
    )
    assert (
        "subject",
        "case.secret is not offered; case has assignee, case_id, category, "
        "issue, narrative, outcome, product, received_at, received_date, redress, regime, "
        "stage, team, url",
    ) in found
    assert any(p == "body_text" and "customer.name is not offered" in w for p, w in found)
    assert any(p == "body_text" and "unknown variable 'password'" in w for p, w in found)


def test_syntax_errors_say_where():
    found = problems(LetterTemplate("x", "en", "Hello", "line one\n{% if case.stage %}\nno end"))
    assert found[0][0] == "body_text" and found[0][1].startswith("line 3:")


def test_a_value_missing_at_render_time_fails_instead_of_sending_a_blank():
    template = LetterTemplate("x", "en", "Re {{ case.case_id }}", "Your {{ case.product }}")
    context = {**CONTEXT, "case": {"case_id": "C-000001"}}
    with pytest.raises(TemplateProblem) as err:
        render(template, context)
    assert err.value.problems[0][0] == "body_text"
    assert "'product'" in err.value.problems[0][1]


@pytest.mark.parametrize(
    "body",
    [
        "{{ case.__class__ }}",
        "{{ case.case_id.__class__.__mro__ }}",
        "{{ customer.full_name.format.__globals__ }}",
        "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
    ],
)
def test_a_template_cannot_reach_outside_its_values(body: str):
    template = LetterTemplate("x", "en", "Re {{ case.case_id }}", body)
    with pytest.raises(TemplateProblem):
        render(template, CONTEXT)


def test_html_bodies_escape_the_customers_own_words():
    template = LetterTemplate(
        "x", "en", "Re {{ case.case_id }}", "{{ case.narrative }}", "<p>{{ case.narrative }}</p>"
    )
    hostile = {**CONTEXT, "case": {**CONTEXT["case"], "narrative": "<script>x()</script>"}}
    out = render(template, hostile)
    assert "<script>" not in out.body_html and "&lt;script&gt;" in out.body_html
    assert out.body_text == "<script>x()</script>"


def test_languages_fall_back_from_region_to_language_to_english():
    assert choose_language("es-MX", ["en", "de", "es"]) == "es"
    assert choose_language("de", ["en", "de"]) == "de"
    assert choose_language("fr", ["en", "de"]) == "en"
    with pytest.raises(TemplateProblem):
        choose_language("fr", ["de"])
