"""How people read the time a clock has left: business time in the calendar's
own terms (working days of the calendar's length, then hours), calendar time
apart. The CLI and the console both say it this way, so that "3 working days"
means the same on a screen and in a terminal.

A business duration is not a timedelta to show as one: 24 business hours of
an 09:00-17:00 calendar are three working days, not "1 day, 0:00:00".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from redress.domain.calendars import BusinessCalendar, preset
from redress.domain.policy import Policy


def _english(text: str) -> str:
    return text


def calendar_of(name: str, policy: Policy | None = None) -> BusinessCalendar | None:
    """The calendar a clock counts in: the policy's own of that name, else a
    shipped one; None when neither knows it."""
    try:
        return policy.calendar_named(name) if policy else preset(name)
    except KeyError:
        return None


def working_day(calendar: BusinessCalendar | None, on: date) -> timedelta:
    """The calendar's usual working day on `on` (8 hours for office hours)."""
    return calendar.working_day_length(on) if calendar else timedelta(hours=8)


def _hours_and_minutes(seconds: int, words: Callable[[str], str]) -> list[str]:
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    parts = [f"{hours} {words('h')}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} {words('min')}")
    return parts


def business_time(left: timedelta, day: timedelta, words: Callable[[str], str] = _english) -> str:
    """`left` business time as working days of length `day` and hours:
    "3 working days", "1 working day 4 h", "5 h 20 min". A negative amount
    reads as its size (the caller says "overdue by")."""
    seconds = abs(round(left.total_seconds()))
    days, rest = divmod(seconds, max(round(day.total_seconds()), 60))
    if not days:
        return " ".join(_hours_and_minutes(rest, words))
    parts = [f"{days} {words('working day' if days == 1 else 'working days')}"]
    hours = rest // 3600
    if hours:
        parts.append(f"{hours} {words('h')}")
    return " ".join(parts)


def calendar_time(left: timedelta, words: Callable[[str], str] = _english) -> str:
    """`left` in calendar time: "4 days 3 h", "3 h 20 min", "12 min"."""
    seconds = abs(round(left.total_seconds()))
    days, rest = divmod(seconds, 86400)
    if not days:
        return " ".join(_hours_and_minutes(rest, words))
    parts = [f"{days} {words('day' if days == 1 else 'days')}"]
    hours = rest // 3600
    if hours:
        parts.append(f"{hours} {words('h')}")
    return " ".join(parts)
