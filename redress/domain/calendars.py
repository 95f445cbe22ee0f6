"""Business calendars: time zone, working hours and public holidays, effective-dated.

All arithmetic is pure and deterministic: given the same instants and the
same calendar it gives the same answer, inside a workflow or out. Instants
are timezone-aware datetimes; results are in UTC.

Public holidays come from the `holidays` package (pinned, so that a
replayed workflow computes the same deadlines); an administrator can add
closed dates and opened dates on top.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS = 3660  # a deadline further than ten years out is a mistake in the policy


# The holidays package looks up translated holiday names through gettext,
# which reads the process locale and translation files; Temporal's workflow
# sandbox forbids that. Only the dates are used here, and they do not depend
# on the locale, so whoever runs this code inside such a sandbox says how to
# let the lookup alone run unrestricted (workflows/sandbox.py does). Elsewhere
# the lookup needs nothing.
_holiday_lookup_scope: Callable[[], AbstractContextManager[Any]] = contextlib.nullcontext


def look_up_holidays_within(scope: Callable[[], AbstractContextManager[Any]]) -> None:
    """Runs every public-holiday lookup inside `scope()`."""
    global _holiday_lookup_scope
    _holiday_lookup_scope = scope


@functools.lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    with _holiday_lookup_scope():
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
        return frozenset(found.keys())


@dataclass(frozen=True)
class CalendarRules:
    """The rules in force from `effective_from` until the next version's date."""

    effective_from: date
    # weekday (0 = Monday) -> working intervals in local time
    hours: Mapping[int, tuple[tuple[time, time], ...]]
    country: str = ""
    subdivision: str = ""
    closed: frozenset[date] = frozenset()
    opened: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.opened:
            return True
        if day in self.closed:
            return False
        if self.country and day in _public_holidays(self.country, self.subdivision, day.year):
            return False
        return bool(self.hours.get(day.weekday()))

    def intervals(self, day: date) -> tuple[tuple[time, time], ...]:
        if not self.is_working_day(day):
            return ()
        found = self.hours.get(day.weekday())
        if found:
            return found
        # An opened date on a day with no usual hours keeps the first working day's.
        return next((h for _, h in sorted(self.hours.items()) if h), ())


@dataclass(frozen=True)
class BusinessCalendar:
    name: str
    timezone: str
    versions: tuple[CalendarRules, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError(f"calendar {self.name!r} has no rules")
        ordered = tuple(sorted(self.versions, key=lambda v: v.effective_from))
        object.__setattr__(self, "versions", ordered)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rules_on(self, day: date) -> CalendarRules:
        current = self.versions[0]
        for version in self.versions:
            if version.effective_from <= day:
                current = version
        return current

    def working_day_length(self, on: date) -> timedelta:
        """How long a usual working day is under the rules in force on `on`:
        the length most weekdays have (the longer on a tie). A business
        duration reads in these days: 24 business hours are three 8-hour days."""
        lengths = [
            sum(
                (datetime.combine(on, end) - datetime.combine(on, start) for start, end in spans),
                timedelta(),
            )
            for spans in self.rules_on(on).hours.values()
            if spans
        ]
        if not lengths:
            return timedelta(hours=24)
        return max(lengths, key=lambda length: (lengths.count(length), length))

    def local_date(self, instant: datetime) -> date:
        return _aware(instant).astimezone(self.zone).date()

    def is_working_day(self, day: date) -> bool:
        return self.rules_on(day).is_working_day(day)

    def working_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as UTC instants."""
        zone = self.zone
        return [
            (
                datetime.combine(day, start, zone).astimezone(UTC),
                datetime.combine(day, end, zone).astimezone(UTC),
            )
            for start, end in self.rules_on(day).intervals(day)
        ]

    def _days_from(self, day: date) -> Iterator[date]:
        for offset in range(MAX_DAYS):
            yield day + timedelta(days=offset)
        raise ValueError(f"no working time within {MAX_DAYS} days in calendar {self.name}")

    def next_working_instant(self, instant: datetime) -> datetime:
        """`instant` if it is in working hours, else the start of the next working interval."""
        moment = _aware(instant).astimezone(UTC)
        for day in self._days_from(self.local_date(moment)):
            for start, end in self.working_intervals(day):
                if end > moment:
                    return max(start, moment)
        raise AssertionError("unreachable")

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant when `amount` of working time after `start` has passed.

        Time outside working hours does not count: starting on a Saturday, the
        count begins at the next working interval. An amount that ends exactly
        at the close of an interval gives that close (e.g. 17:00), not the next
        opening.
        """
        moment = _aware(start).astimezone(UTC)
        if amount <= timedelta(0):
            return moment
        left = amount
        for day in self._days_from(self.local_date(moment)):
            for begin, end in self.working_intervals(day):
                if end <= moment:
                    continue
                begin = max(begin, moment)
                available = end - begin
                if left <= available:
                    return begin + left
                left -= available
        raise AssertionError("unreachable")

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in [start, end); zero when end is not after start."""
        a = _aware(start).astimezone(UTC)
        b = _aware(end).astimezone(UTC)
        total = timedelta(0)
        if b <= a:
            return total
        day = self.local_date(a)
        last = self.local_date(b)
        while day <= last:
            for begin, finish in self.working_intervals(day):
                overlap = min(finish, b) - max(begin, a)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def nth_working_day_after(self, instant: datetime, n: int) -> date:
        """The n-th working day strictly after the local date of `instant` (n >= 1)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day = self.local_date(instant)
        counted = 0
        for candidate in self._days_from(day + timedelta(days=1)):
            if self.is_working_day(candidate):
                counted += 1
                if counted == n:
                    return candidate
        raise AssertionError("unreachable")

    def end_of_business_day(self, start: datetime, business_days: int) -> datetime:
        """Close of business on the n-th business day after receipt, receipt day being day 0.

        Days are counted on the local calendar: the receipt date is day 0 whatever
        the time of receipt (also on a weekend, a holiday or after hours), and each
        later working day adds one. Close of business is the end of that day's last
        working interval. This is the UK FCA DISP 1.5 rule with n = 3.
        """
        day = self.nth_working_day_after(start, business_days)
        return self.working_intervals(day)[-1][1]

    def end_of_local_day(self, instant: datetime, days_after: int) -> datetime:
        """Midnight at the end of the local date `days_after` calendar days after `instant`."""
        day = self.local_date(instant) + timedelta(days=days_after + 1)
        return datetime.combine(day, time(0), self.zone).astimezone(UTC)

    # -- a policy document's form ------------------------------------------------

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> BusinessCalendar:
        problems: list[str] = []
        name = str(document.get("name", ""))
        zone = str(document.get("timezone", ""))
        if not name:
            problems.append("name: required")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"timezone: {zone!r} is not an IANA time zone such as Europe/London")
        raw_versions = document.get("versions")
        if not isinstance(raw_versions, list) or not raw_versions:
            problems.append("versions: give at least one version of the rules")
            raw_versions = []
        versions = []
        for i, raw in enumerate(raw_versions):
            path = f"versions[{i}]"
            if not isinstance(raw, Mapping):
                problems.append(f"{path}: expected a mapping")
                continue
            try:
                effective = date.fromisoformat(str(raw.get("effective_from", "1970-01-01")))
            except ValueError:
                problems.append(f"{path}.effective_from: expected a date such as 2027-01-01")
                continue
            hours: dict[int, tuple[tuple[time, time], ...]] = {}
            working = raw.get("working_hours", {})
            if not isinstance(working, Mapping):
                problems.append(f"{path}.working_hours: expected a mapping of weekdays")
                working = {}
            for key, spans in working.items():
                if key not in WEEKDAYS:
                    problems.append(
                        f"{path}.working_hours.{key}: not a weekday ({', '.join(WEEKDAYS)})"
                    )
                    continue
                parsed: list[tuple[time, time]] = []
                for j, span in enumerate(spans or []):
                    where = f"{path}.working_hours.{key}[{j}]"
                    try:
                        begin_s, end_s = str(span).split("-")
                        begin, end = (
                            time.fromisoformat(begin_s.strip()),
                            time.fromisoformat(end_s.strip()),
                        )
                    except ValueError:
                        problems.append(f"{where}: expected HH:MM-HH:MM, got {span!r}")
                        continue
                    if end <= begin:
                        problems.append(f"{where}: end {end:%H:%M} is before start {begin:%H:%M}")
                        continue
                    if parsed and begin < parsed[-1][1]:
                        problems.append(f"{where}: overlaps the interval before it")
                        continue
                    parsed.append((begin, end))
                hours[WEEKDAYS.index(key)] = tuple(parsed)
            country = (
                str(raw.get("holidays", {}).get("country", ""))
                if isinstance(raw.get("holidays", {}), Mapping)
                else ""
            )
            subdivision = (
                str(raw.get("holidays", {}).get("subdivision", "") or "")
                if isinstance(raw.get("holidays", {}), Mapping)
                else ""
            )
            if country:
                try:
                    _public_holidays(country, subdivision, effective.year)
                except NotImplementedError:
                    problems.append(
                        f"{path}.holidays: no public holidays known for "
                        f"{country}/{subdivision or '-'}"
                    )
            closed: set[date] = set()
            opened: set[date] = set()
            for key, target in (("closed", closed), ("opened", opened)):
                for j, value in enumerate(raw.get(key, []) or []):
                    try:
                        target.add(date.fromisoformat(str(value)))
                    except ValueError:
                        problems.append(f"{path}.{key}[{j}]: expected a date such as 2027-12-24")
            versions.append(
                CalendarRules(
                    effective, hours, country, subdivision, frozenset(closed), frozenset(opened)
                )
            )
        if problems:
            raise ValueError("invalid calendar:\n" + "\n".join(f"  - {p}" for p in problems))
        return cls(name, zone, tuple(versions))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "timezone": self.timezone,
            "versions": [
                {
                    "effective_from": v.effective_from.isoformat(),
                    "working_hours": {
                        WEEKDAYS[d]: [f"{a:%H:%M}-{b:%H:%M}" for a, b in spans]
                        for d, spans in sorted(v.hours.items())
                    },
                    "holidays": {"country": v.country, "subdivision": v.subdivision},
                    "closed": sorted(d.isoformat() for d in v.closed),
                    "opened": sorted(d.isoformat() for d in v.opened),
                }
                for v in self.versions
            ],
        }


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is needed, got {instant!r}")
    return instant


def _office_hours(start: str = "09:00", end: str = "17:00") -> dict[str, list[str]]:
    return {day: [f"{start}-{end}"] for day in WEEKDAYS[:5]}


PRESETS: dict[str, dict[str, Any]] = {
    "uk-england": {
        "name": "uk-england",
        "timezone": "Europe/London",
        "versions": [
            {
                "effective_from": "2000-01-01",
                "working_hours": _office_hours(),
                "holidays": {"country": "GB", "subdivision": "ENG"},
            }
        ],
    },
    "eu-germany": {
        "name": "eu-germany",
        "timezone": "Europe/Berlin",
        "versions": [
            {
                "effective_from": "2000-01-01",
                "working_hours": _office_hours(),
                "holidays": {"country": "DE"},
            }
        ],
    },
    "de-bavaria": {
        "name": "de-bavaria",
        "timezone": "Europe/Berlin",
        "versions": [
            {
                "effective_from": "2000-01-01",
                "working_hours": _office_hours(),
                "holidays": {"country": "DE", "subdivision": "BY"},
            }
        ],
    },
    "us-federal": {
        "name": "us-federal",
        "timezone": "America/New_York",
        "versions": [
            {
                "effective_from": "2000-01-01",
                "working_hours": _office_hours(),
                "holidays": {"country": "US"},
            }
        ],
    },
    "au-nsw": {
        "name": "au-nsw",
        "timezone": "Australia/Sydney",
        "versions": [
            {
                "effective_from": "2000-01-01",
                "working_hours": _office_hours(),
                "holidays": {"country": "AU", "subdivision": "NSW"},
            }
        ],
    },
}


@functools.lru_cache(maxsize=64)
def preset(name: str) -> BusinessCalendar:
    """A calendar Redress ships with: uk-england, eu-germany, de-bavaria, us-federal, au-nsw."""
    if name not in PRESETS:
        raise KeyError(f"no calendar {name!r}; known: {', '.join(sorted(PRESETS))}")
    return BusinessCalendar.from_dict(PRESETS[name])
