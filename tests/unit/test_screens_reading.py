"""What the CLI and the console print, read as their readers read it: business
time in working days, search matches as emphasis, the timeline as sentences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2
from redress.cli.reading import clock_line, minor_units, money, outcome_lines
from redress.common.v1 import common_pb2
from redress.domain.calendars import BusinessCalendar, preset
from redress.followup.v1 import followup_pb2
from redress.platform import highlights
from redress.platform.time_left import business_time, calendar_time
from services.console.clocks import clock_view
from services.console.timeline import audit_sentence, message_sentence

NOW = datetime(2027, 3, 6, 3, 0, tzinfo=UTC)  # a Saturday: no business time passes


def business_clock(hours: float) -> cases_pb2.Clock:
    due = Timestamp()
    due.FromDatetime(NOW + timedelta(days=4, hours=14))
    return cases_pb2.Clock(
        name="first_response",
        state=common_pb2.CLOCK_STATE_RUNNING,
        due_at=due,
        business_time_left=Duration(seconds=int(hours * 3600)),
        calendar="uk-england",
        basis="business",
    )


def test_a_calendar_knows_its_working_day() -> None:
    assert preset("uk-england").working_day_length(date(2027, 3, 8)) == timedelta(hours=8)
    short_fridays = BusinessCalendar.from_dict(
        {
            "name": "short-fridays",
            "timezone": "Europe/London",
            "versions": [
                {
                    "effective_from": "2000-01-01",
                    "working_hours": {
                        **{d: ["08:00-12:00", "13:00-17:30"] for d in ("mon", "tue", "wed")},
                        "thu": ["08:00-12:00", "13:00-17:30"],
                        "fri": ["08:00-12:00"],
                    },
                }
            ],
        }
    )
    assert short_fridays.working_day_length(date(2027, 3, 8)) == timedelta(hours=8.5)


def test_business_time_reads_in_working_days_and_hours() -> None:
    day = timedelta(hours=8)
    assert business_time(timedelta(hours=24), day) == "3 working days"
    assert business_time(timedelta(hours=12), day) == "1 working day 4 h"
    assert business_time(timedelta(hours=5, minutes=20), day) == "5 h 20 min"
    assert business_time(timedelta(seconds=30), day) == "0 min"
    assert calendar_time(timedelta(days=4, hours=14)) == "4 days 14 h"
    assert calendar_time(timedelta(hours=1)) == "1 h"


def test_the_cli_and_the_console_say_24_business_hours_are_three_working_days() -> None:
    line = clock_line(business_clock(24), None, NOW)
    assert "business time left 3 working days (uk-england calendar, working day 8 h)" in line
    assert "in 4 days 14 h" in line
    assert "1 day, 0:00:00" not in line
    view = clock_view(business_clock(24), NOW)
    assert view["business_left_text"] == "3 working days"
    assert view["left_text"] == "4 days 14 h"


def test_money_and_decisions_read_as_words() -> None:
    outcome = cases_pb2.Outcome(
        decision=cases_pb2.DECISION_PARTLY_UPHELD,
        root_cause="fees.unexpected",
        redress=common_pb2.Money(currency="GBP", minor_units=125000),
        goodwill=common_pb2.Money(currency="GBP", minor_units=2550),
    )
    assert outcome_lines(outcome)[0] == (
        "partly upheld, root cause fees.unexpected; redress £1,250.00, goodwill £25.50"
    )
    assert money(common_pb2.Money(currency="JPY", minor_units=500)) == "JP¥500"
    assert minor_units("25.5", "EUR") == 2550 and minor_units("3", "GBP") == 300
    for wrong in ("25.555", "-3", "ten", "nan"):
        with pytest.raises(ValueError, match=r"an amount in GBP such as 125\.50"):
            minor_units(wrong, "GBP")


def test_search_matches_are_emphasis_and_the_text_stays_text() -> None:
    from flask import Flask

    from services.console.pages import highlight

    snippet = "Lost <em>Card</em>? <script>alert(1)</script> & call"
    with Flask(__name__).app_context():
        html = str(highlight(snippet))
    assert html == "Lost <mark>Card</mark>? &lt;script&gt;alert(1)&lt;/script&gt; &amp; call"
    assert highlights.for_terminal(snippet, colour=False).startswith("Lost *Card*? <script>")
    assert highlights.for_terminal(snippet, colour=True).startswith("Lost \033[1mCard\033[0m?")


def test_the_timeline_reads_as_sentences() -> None:
    def event(action: str, field: str, old: str = "", new: str = "", **actor: object):
        return cases_pb2.AuditEvent(
            action=action,
            field=field,
            old_value=old,
            new_value=new,
            actor=common_pb2.Actor(**actor),  # type: ignore[arg-type]
        )

    rule = {"kind": common_pb2.ACTOR_KIND_RULE, "id": "followups.acknowledgement"}
    moved = event("case.stage_changed", "stage", "received", "acknowledged", **rule)
    assert audit_sentence(moved, str) == (
        "Stage changed from Received to Acknowledged by rule followups.acknowledgement"
    )
    queued = event(
        "message.queued",
        "messages.M-1",
        new='{"template": "acknowledgement", "version": 3, "language": "en", '
        '"channel": "email", "state": "queued"}',
        kind=common_pb2.ACTOR_KIND_SERVICE,
        id="complaint-workflow",
    )
    assert audit_sentence(queued, str) == (
        "Acknowledgement letter (v3, English, e-mail) queued by the platform"
    )
    person = {"kind": common_pb2.ACTOR_KIND_PERSON, "id": "dana"}
    paused = event("clock.paused", "clocks.resolution", new="awaiting_customer", **person)
    assert audit_sentence(paused, str) == "Clock resolution paused (awaiting customer) by dana"
    outcome = event("outcome.recorded", "outcome", new='{"decision": "upheld"}', **person)
    assert audit_sentence(outcome, str) == "Outcome recorded: upheld by dana"
    warned = event(
        "clock.warning",
        "clocks.first_response",
        new='{"threshold": 0.75, "due_at": "2027-03-08T17:00:00+00:00"}',
        kind=common_pb2.ACTOR_KIND_RULE,
        id="clocks.first_response.warn_at",
    )
    assert audit_sentence(warned, str).startswith(
        "Clock first response warned: 75 % of its time used by rule"
    )
    alert = followup_pb2.Message(
        audience="staff", recipient="dana@bank.test", state=followup_pb2.DELIVERY_STATE_SENT
    )
    assert message_sentence(alert, str) == "Staff alert to dana@bank.test sent"
    letter = followup_pb2.Message(
        template_name="final_response",
        template_version=2,
        language="de",
        channel=common_pb2.CHANNEL_EMAIL,
        state=followup_pb2.DELIVERY_STATE_SENT,
        recipient="ada@example.com",
    )
    assert message_sentence(letter, str) == (
        "Final response (v2, German, e-mail) sent · ada@example.com"
    )
