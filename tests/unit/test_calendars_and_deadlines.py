"""Business calendars and regulatory deadlines, worked by hand against real
public holidays (the `holidays` package) and real time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from redress.domain.calendars import BusinessCalendar, preset
from redress.domain.policy import Policy, PolicyError
from redress.domain.regulatory import regulatory_deadlines

LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")


def deadlines(regime: str, received: datetime, calendar: str) -> dict[str, datetime]:
    found = regulatory_deadlines(regime, received, preset(calendar))
    return {d.name: d.due_at for d in found}


# -- UK FCA DISP --------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "summary_due"),
    [
        # Monday 10:00: Tue, Wed, Thu -> Thursday 17:00.
        (datetime(2027, 3, 1, 10, 0, tzinfo=LONDON), datetime(2027, 3, 4, 17, 0, tzinfo=LONDON)),
        # Received after hours still makes that date day 0.
        (datetime(2027, 3, 1, 22, 0, tzinfo=LONDON), datetime(2027, 3, 4, 17, 0, tzinfo=LONDON)),
        # Saturday is day 0; Mon, Tue, Wed -> Wednesday 17:00.
        (datetime(2027, 3, 6, 11, 0, tzinfo=LONDON), datetime(2027, 3, 10, 17, 0, tzinfo=LONDON)),
        # Thursday 23 Dec 2027: Christmas Day and Boxing Day fall on the weekend
        # and move to Mon 27 and Tue 28 Dec; Fri 24 (1), Wed 29 (2), Thu 30 (3).
        (
            datetime(2027, 12, 23, 15, 0, tzinfo=LONDON),
            datetime(2027, 12, 30, 17, 0, tzinfo=LONDON),
        ),
        # Maundy Thursday 2027 (25 March): Good Friday 26 and Easter Monday 29
        # are holidays; Tue 30 (1), Wed 31 (2), Thu 1 April (3).
        (datetime(2027, 3, 25, 9, 30, tzinfo=LONDON), datetime(2027, 4, 1, 17, 0, tzinfo=LONDON)),
    ],
)
def test_fca_summary_resolution_deadline(received: datetime, summary_due: datetime) -> None:
    due = deadlines("uk_fca", received, "uk-england")
    assert due["fca_summary_resolution"] == summary_due.astimezone(UTC)


def test_fca_eight_weeks_end_at_midnight_london_across_the_clock_change() -> None:
    # Received 1 Feb 2027 (GMT); eight weeks end with Monday 29 March (BST).
    due = deadlines("uk_fca", datetime(2027, 2, 1, 12, 0, tzinfo=LONDON), "uk-england")
    assert due["fca_final_response"] == datetime(2027, 3, 30, 0, 0, tzinfo=LONDON)
    assert due["fca_final_response"].astimezone(UTC) == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)


def test_scottish_holidays_differ_from_english_ones() -> None:
    scotland = BusinessCalendar.from_dict(
        {
            "name": "uk-scotland",
            "timezone": "Europe/London",
            "versions": [
                {
                    "effective_from": "2020-01-01",
                    "working_hours": {
                        d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")
                    },
                    "holidays": {"country": "GB", "subdivision": "SCT"},
                }
            ],
        }
    )
    # 2 January is a bank holiday in Scotland only.
    assert not scotland.is_working_day(date(2029, 1, 2))
    assert preset("uk-england").is_working_day(date(2029, 1, 2))


# -- EU PSD2, US CFPB, Australia ASIC ----------------------------------------------


def test_psd2_counts_german_business_days() -> None:
    # Monday 21 Dec 2026 in Berlin is day 0. Working days after it: 22, 23, 24,
    # [25, 26 holidays, 27 Sunday], 28, 29, 30, 31, [1 Jan holiday], 4, 5, 6
    # (Epiphany is a holiday in Bavaria, not nationally), 7, 8, 11, 12, 13:
    # the 15th is Wednesday 13 January 2027, closing at 17:00.
    due = deadlines("eu_psd2", datetime(2026, 12, 21, 10, 0, tzinfo=BERLIN), "eu-germany")
    assert due["psd2_response"] == datetime(2027, 1, 13, 17, 0, tzinfo=BERLIN).astimezone(UTC)
    assert due["psd2_exceptional_response"] > due["psd2_response"] + timedelta(days=27)
    bavaria = deadlines("eu_psd2", datetime(2026, 12, 21, 10, 0, tzinfo=BERLIN), "de-bavaria")
    assert bavaria["psd2_response"] == datetime(2027, 1, 14, 17, 0, tzinfo=BERLIN).astimezone(UTC)


def test_cfpb_days_are_calendar_days_ending_at_midnight_in_new_york() -> None:
    due = deadlines("us_cfpb", datetime(2027, 6, 30, 23, 30, tzinfo=NEW_YORK), "us-federal")
    # Day 0 is 30 June in New York (already 1 July in UTC); 15 days end with 15 July.
    assert due["cfpb_response"] == datetime(2027, 7, 16, 0, 0, tzinfo=NEW_YORK)
    assert due["cfpb_final_response"] == datetime(2027, 8, 30, 0, 0, tzinfo=NEW_YORK)


def test_asic_idr_thirty_calendar_days_in_sydney() -> None:
    due = deadlines("au_asic", datetime(2027, 1, 20, 9, 0, tzinfo=SYDNEY), "au-nsw")
    assert due == {"asic_idr_response": datetime(2027, 2, 20, 0, 0, tzinfo=SYDNEY)}


def test_the_shipped_policy_counts_each_regime_in_its_own_country() -> None:
    policy = Policy.load_default()
    assert policy.regime_calendar("us_cfpb").timezone == "America/New_York"
    assert policy.regime_calendar("eu_psd2").timezone == "Europe/Berlin"
    assert policy.regime_calendar("none").name == "uk-england"


# -- business time ---------------------------------------------------------------------


SPLIT = {
    "name": "split",
    "timezone": "Europe/London",
    "versions": [
        {
            "effective_from": "2027-01-01",
            "working_hours": {
                d: ["08:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")
            },
            "holidays": {"country": "GB", "subdivision": "ENG"},
            "closed": ["2027-06-04"],
        },
        {
            # From July the office also opens on Saturday mornings.
            "effective_from": "2027-07-01",
            "working_hours": {
                **{d: ["08:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
                "sat": ["09:00-12:00"],
            },
            "holidays": {"country": "GB", "subdivision": "ENG"},
        },
    ],
}


def test_split_shifts_skip_the_lunch_break() -> None:
    cal = BusinessCalendar.from_dict(SPLIT)
    start = datetime(2027, 6, 1, 11, 0, tzinfo=LONDON)  # Tuesday
    assert cal.add_business_time(start, timedelta(hours=2)) == datetime(
        2027, 6, 1, 14, 0, tzinfo=LONDON
    ).astimezone(UTC)
    assert cal.business_time_between(start, datetime(2027, 6, 1, 14, 0, tzinfo=LONDON)) == (
        timedelta(hours=2)
    )
    # Exactly the rest of the day ends at the close, not the next opening.
    assert cal.add_business_time(start, timedelta(hours=5)) == datetime(
        2027, 6, 1, 17, 0, tzinfo=LONDON
    ).astimezone(UTC)


def test_rules_are_effective_dated_and_closed_days_are_honoured() -> None:
    cal = BusinessCalendar.from_dict(SPLIT)
    assert not cal.is_working_day(date(2027, 6, 4))  # a Friday the office closed
    assert not cal.is_working_day(date(2027, 6, 26))  # Saturday, old rules
    assert cal.is_working_day(date(2027, 7, 3))  # Saturday, new rules
    friday = datetime(2027, 7, 2, 16, 0, tzinfo=LONDON)
    # One hour left on Friday, then Saturday morning from 09:00.
    assert cal.add_business_time(friday, timedelta(hours=2)) == datetime(
        2027, 7, 3, 10, 0, tzinfo=LONDON
    ).astimezone(UTC)


def test_a_bad_calendar_in_a_policy_is_reported_with_its_path() -> None:
    text = (
        Policy.load_default()
        .source.replace(
            "initial_stage: received",
            """initial_stage: received
calendars:
  night-shift:
    timezone: Mars/Olympus
    versions:
      - effective_from: 2027-01-01
        working_hours: {mon: ["22:00-06:00"], funday: ["09:00-10:00"]}""",
        )
        .replace("calendar: uk-england", "calendar: uk-englnd")
    )
    with pytest.raises(PolicyError) as err:
        Policy.load(text)
    found = err.value.problems
    assert any(p.startswith("calendars.night-shift.timezone: 'Mars/Olympus'") for p in found)
    assert any("working_hours.mon[0]: end 06:00 is before start 22:00" in p for p in found)
    assert any("working_hours.funday: not a weekday" in p for p in found)
    assert any(p.startswith("calendar: no calendar 'uk-englnd'; known:") for p in found)


def test_a_policy_can_define_its_own_calendar_and_use_it() -> None:
    text = (
        Policy.load_default()
        .source.replace(
            "initial_stage: received",
            """initial_stage: received
calendars:
  contact-centre:
    timezone: Europe/London
    versions:
      - effective_from: 2027-01-01
        working_hours: {mon: ["08:00-12:00", "13:00-20:00"], sat: ["09:00-13:00"]}
        holidays: {country: GB, subdivision: ENG}""",
        )
        .replace("calendar: uk-england", "calendar: contact-centre", 1)
    )
    policy = Policy.load(text)
    assert policy.calendar_named().name == "contact-centre"
    assert policy.calendar_named().is_working_day(date(2027, 3, 6))  # a Saturday
    assert policy.regime_calendar("uk_fca").name == "uk-england"
