"""Business time in the shipped calendars: working hours, weekends and bank
holidays, in the calendar's own time zone. And the domain stays pure: no
framework is imported by it."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from redress.domain.calendars import preset

LONDON = ZoneInfo("Europe/London")
ENGLAND = preset("uk-england")
DOMAIN = Path(__file__).resolve().parents[2] / "redress/domain"


def test_weekends_and_easter_are_not_working_days() -> None:
    assert not ENGLAND.is_working_day(date(2027, 3, 27))  # Saturday
    assert not ENGLAND.is_working_day(date(2027, 3, 26))  # Good Friday
    assert not ENGLAND.is_working_day(date(2027, 3, 29))  # Easter Monday
    assert ENGLAND.is_working_day(date(2027, 3, 30))


def test_business_hours_skip_the_night_and_the_weekend() -> None:
    friday = datetime(2027, 3, 5, 15, 0, tzinfo=LONDON)
    # 2 hours on Friday, the other 2 on Monday morning.
    assert ENGLAND.add_business_time(friday, timedelta(hours=4)) == datetime(
        2027, 3, 8, 11, 0, tzinfo=LONDON
    )


def test_business_hours_skip_the_easter_weekend() -> None:
    maundy_thursday = datetime(2027, 3, 25, 16, 0, tzinfo=LONDON)
    # 1 hour on Thursday; Friday to Monday are closed; 7 more on Tuesday.
    assert ENGLAND.add_business_time(maundy_thursday, timedelta(hours=8)) == datetime(
        2027, 3, 30, 16, 0, tzinfo=LONDON
    )
    assert ENGLAND.business_time_between(
        maundy_thursday, datetime(2027, 3, 30, 16, 0, tzinfo=LONDON)
    ) == timedelta(hours=8)


def test_time_received_out_of_hours_starts_at_the_next_opening() -> None:
    saturday = datetime(2027, 3, 6, 11, 0, tzinfo=LONDON)
    assert ENGLAND.next_working_instant(saturday) == datetime(2027, 3, 8, 9, 0, tzinfo=LONDON)
    assert ENGLAND.add_business_time(saturday, timedelta(hours=1)) == datetime(
        2027, 3, 8, 10, 0, tzinfo=LONDON
    )


def test_working_hours_are_london_hours_across_the_clock_change() -> None:
    # Friday 26 March 2027 is Good Friday; the clocks go forward on Sunday 28.
    thursday = datetime(2027, 3, 25, 17, 0, tzinfo=LONDON)
    due = ENGLAND.add_business_time(thursday, timedelta(hours=1))
    assert due == datetime(2027, 3, 30, 10, 0, tzinfo=LONDON)
    assert due.astimezone(UTC) == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)


def test_german_holidays_differ() -> None:
    germany = preset("eu-germany")
    # 3 October, German Unity Day (a Monday in 2028) is a holiday in Germany only.
    assert not germany.is_working_day(date(2028, 10, 3))
    assert ENGLAND.is_working_day(date(2028, 10, 3))


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_no_framework(path: Path) -> None:
    forbidden = ("temporalio", "grpc", "google.protobuf", "sqlalchemy", "services", "workflows")
    imported = _imported_modules(path)
    assert not [m for m in imported if m.split(".")[0] in forbidden or m.endswith("_pb2")]
