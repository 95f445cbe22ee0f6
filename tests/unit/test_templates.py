"""Message templates: every mistake found when saved, nothing rendered blank,
nothing reached outside the values offered."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from services.followup.context import Firm, case_context
from services.followup.templates import (
    Budget,
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
    assert "consumerfinance.gov/complaint" in none and "pay you" not in none
    paid = {**CONTEXT, "case": {**CONTEXT["case"], "redress": "$150.00"}}
    assert "To put things right, we will pay you $150.00." in render(final, paid).body_text


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
        "case.secret is not offered; case has assignee, case_id, category, goodwill, "
        "issue, narrative, outcome, product, received_at, received_date, redress, regime, "
        "stage, status_url, survey_urls, team, url",
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
    assert err.value.problems[0][1] == (
        "line 1: case.product has no value: the case has no value for it"
    )


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


def _body(body: str) -> LetterTemplate:
    return LetterTemplate("x", "en", "Re {{ case.case_id }}", "Dear customer,\n" + body)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        # Each exponent under the limit, the number forty million digits long.
        ("{{ (((10**999)**999)**40) > 1 }}", "a number of more than 1,000 digits"),
        ("{{ (10**900) * (10**900) }}", "a number of more than 1,000 digits"),
        # Padding and formatting past any line's width.
        ("{{ case.case_id|center(30000000) }}", "center width 30,000,000 is wider than 1,000"),
        ("{{ case.case_id.ljust(30000000) }}", "ljust width 30,000,000"),
        ("{{ case.case_id.rjust(30000000) }}", "rjust width 30,000,000"),
        ("{{ case.case_id.zfill(30000000) }}", "zfill width 30,000,000"),
        ("{{ '%30000000s'|format(case.case_id) }}", "a width of 30,000,000"),
        ("{{ '%30000000s' % case.case_id }}", "a width of 30,000,000"),
        ("{{ '%*s'|format(30000000, 'x') }}", "a width given as *"),
        ("{{ '{:>30000000}'.format(case.case_id) }}", "a width of 30,000,000"),
        ("{{ '{:>{}}'.format(1, 30000000) }}", "a width given as {...}"),
        ("{{ case.narrative|indent(30000000) }}", "indent width 30,000,000"),
        ("{{ ('x\\n' * 50000)|indent('y' * 100) }}", "the indented text would be"),
        ("{{ ('x ' * 50000)|wordwrap(1, wrapstring='y' * 1000) }}", "the wrapped text would be"),
        # Repetition, chained or summed.
        ("{{ 'x' * 100000 * 100000 }}", "a repetition longer than 100,000"),
        ("{{ ('x' * 100000) + ('x' * 100000) * 10 }}", "a repetition longer than 100,000"),
        ("{{ (['x' * 100000] * 100) + (['x'] * 100000) }}", "a list of 100,100"),
        # Joining and replacing into gigabytes.
        ("{{ (['x' * 100000] * 100000)|join }}", "the joined text would be 10,000,000,000"),
        ("{{ (['x'] * 100000)|join('y' * 100000) }}", "the joined text would be"),
        ("{{ ('y' * 100000).join(['x'] * 100000) }}", "the joined text would be"),
        ("{{ ('x' * 100000)|replace('x', 'y' * 1000) }}", "the replaced text would be"),
        ("{{ ('x' * 100000).replace('', 'y' * 1000) }}", "the replaced text would be"),
        ("{{ (['x'] * 10)|batch(1000000000, 'y')|list }}", "a batch of 1,000,000,000"),
        ("{{ (['x'] * 10)|slice(1000000000, 'y')|list }}", "a slice into 1,000,000,000"),
        # Doubling through a macro's arguments, or a letter streamed past its size.
        ("{% macro m(s) %}{{ m(s ~ s) }}{% endmacro %}{{ m('x') }}", "more than 1,000,000"),
        (
            "{% for i in [0] * 100000 %}{{ 'x' * 1000 }}{% endfor %}",
            "the letter would be longer than 1,000,000 characters",
        ),
    ],
)
def test_a_template_cannot_build_a_value_too_large_for_a_letter(body: str, problem: str):
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as err:
        render(_body(body), CONTEXT)
    ((part, what),) = err.value.problems
    assert part == "body_text"
    assert what.startswith("line 2: too much for a letter:") and problem in what, what
    assert time.monotonic() - started < 2


def test_a_template_that_loops_too_long_is_stopped_at_its_time_budget_naming_the_line():
    nested = "{% for i in [0] * 100000 %}{% for j in [0] * 100000 %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as err:
        render(_body("\n" + nested), CONTEXT, budget=Budget(0.3))
    assert err.value.problems == [
        (
            "body_text",
            "line 3: too much for a letter: takes longer than 0.3 s to render (a loop too many?)",
        )
    ]
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{% include 'header.txt' %}", "line 2: {% include %} is not offered"),
        ("{% import 'macros.txt' as m %}", "line 2: {% import %} is not offered"),
        ("{% from 'macros.txt' import sign %}", "line 2: {% from ... import %} is not offered"),
        ("{% extends 'base.txt' %}", "line 2: {% extends %} is not offered"),
        ("{{ case.case_id|shout }}", "line 2: No filter named 'shout'"),
        ("{{ case.case_id|tojson }}", "line 2: No filter named 'tojson'"),
        ("{% if case.case_id is shouting %}x{% endif %}", "line 2: No test named 'shouting'"),
        ("{{ range(10**9)|list }}", "unknown variable 'range'"),
        ("{{ lipsum(1000000000) }}", "unknown variable 'lipsum'"),
    ],
)
def test_what_cannot_render_is_refused_when_saved_naming_the_line(body: str, problem: str):
    found = problems(_body(body))
    assert any(part == "body_text" and problem in what for part, what in found), found


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{{ 1 / 0 }}", "line 2: cannot be rendered: division by zero"),
        ("{{ case.case_id + 1 }}", "line 2: cannot be rendered: can only concatenate str"),
        ("{{ 10.0 ** 999 }}", "line 2: cannot be rendered:"),
        ("{{ '%d' % case.case_id }}", "line 2: cannot be rendered:"),
    ],
)
def test_any_failure_while_rendering_is_a_template_problem_naming_the_line(body: str, problem: str):
    with pytest.raises(TemplateProblem) as err:
        render(_body(body), CONTEXT)
    assert err.value.problems[0][0] == "body_text"
    assert err.value.problems[0][1].startswith(problem), err.value.problems


def test_formatting_of_a_letters_size_still_renders():
    body = (
        "{{ case.case_id|center(20) }}|{{ '%-10s|' % case.case_id }}{{ '{:>12}'.format(42) }}\n"
        "{{ (['a', 'b'] * 3)|join(', ') }} {{ case.case_id|replace('C-', 'case ') }}\n"
        "{{ 'one\ntwo'|indent(4) }} {{ ('word ' * 30)|wordwrap(40)|length > 0 }}"
    )
    out = render(_body(body), CONTEXT).body_text
    assert out.splitlines()[1] == "      C-000042      |C-000042  |          42"
    assert "a, b, a, b, a, b case 000042" in out
    assert "one\n    two True" in out
