"""Message templates: every mistake found when saved, nothing rendered blank,
nothing reached outside the values offered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from services.followup.context import Firm, case_context
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


def _case() -> cases_pb2.Case:
    """A case as GetCase returns it, from a real CFPB complaint."""
    received = Timestamp()
    received.FromDatetime(datetime(2023, 8, 25, 14, 0, tzinfo=UTC))
    due = Timestamp()
    due.FromDatetime(datetime(2023, 10, 25, 4, 0, tzinfo=UTC))  # midnight in New York
    return cases_pb2.Case(
        case_id="C-000042",
        workflow_id="complaint:test:1",
        customer=common_pb2.Customer(full_name="Jordan Example", preferred_language="es"),
        product=ROW["Product"],
        issue=ROW["Issue"],
        narrative=ROW["Consumer complaint narrative"],
        regime=common_pb2.REGIME_US_CFPB,
        team="complaints",
        received_at=received,
        clocks=[cases_pb2.Clock(name="cfpb_final_response", due_at=due)],
        outcome=cases_pb2.Outcome(summary="We have corrected the information we reported."),
    )


FIRM = Firm("Example Bank", "complaints@example.com", "", "", "https://console.test/{case_id}")
CONTEXT = case_context(_case(), "en", FIRM, {})


def problems(template: LetterTemplate) -> list[tuple[str, str]]:
    with pytest.raises(TemplateProblem) as err:
        check(template)
    return err.value.problems


def test_every_shipped_letter_renders_in_english_german_and_spanish():
    letters = shipped()
    names = {t.name for t in letters}
    assert names == {
        "acknowledgement",
        "summary_resolution",
        "holding_response",
        "final_response",
        "progress_update",
        "reminder",
        "request_for_information",
        "satisfaction_survey",
    }
    assert {(t.name, t.language) for t in letters} == {
        (name, language) for name in names for language in ("en", "de", "es")
    }
    for template in letters:
        context = case_context(
            _case(), template.language, FIRM, {"question": "Please send the statement."}
        )
        out = render(template, context)
        assert "C-000042" in out.subject, template
        assert "Jordan Example" in out.body_text
        assert "{{" not in out.body_text and "None" not in out.body_text
    # A date in the letter's language, the deadline at midnight in New York
    # written as the day it ends.
    ack = {t.language: t for t in letters if t.name == "acknowledgement"}
    assert "25 August 2023" in render(ack["en"], case_context(_case(), "en", FIRM, {})).body_text
    assert "24. Oktober 2023" in render(ack["de"], case_context(_case(), "de", FIRM, {})).body_text
    assert (
        "25 de agosto de 2023" in render(ack["es"], case_context(_case(), "es", FIRM, {})).body_text
    )


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


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{{ 'x' * 10**9 }}", "repetition longer than"),
        ("{{ [case.case_id] * 10**6 }}", "repetition longer than"),
        ("{{ 7 ** 1000000 }}", "power beyond"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "calls itself"),
    ],
)
def test_a_template_that_would_not_finish_rendering_is_refused(body: str, problem: str):
    template = LetterTemplate("x", "en", "Re {{ case.case_id }}", body)
    with pytest.raises(TemplateProblem) as err:
        render(template, CONTEXT)
    assert err.value.problems[0][0] == "body_text" and problem in err.value.problems[0][1]


def test_arithmetic_of_a_letters_size_still_renders():
    body = "{{ '-' * 40 }} {{ 2 ** 10 }} {{ 3 * 4 }}"
    out = render(LetterTemplate("x", "en", "Re {{ case.case_id }}", body), CONTEXT)
    assert out.body_text == "-" * 40 + " 1024 12"


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
