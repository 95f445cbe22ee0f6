"""What each reporting figure means, whoever computes it.

The filter of a report and its periods, the shapes of the figures (trend
points, root causes, durations, clock compliance, return lines), working time
in a business calendar, and the regulatory returns' line definitions: product
groups, clocks and descriptions. The Python figures (`python_figures`) and the
SQL ones (`sql_figures`) both follow these, so they give the same answer.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_

from redress.db.tables.cases import Case
from redress.domain.calendars import BusinessCalendar

UPHELD = ("upheld", "partly_upheld")


@dataclass(frozen=True)
class Filter:
    received_from: datetime | None = None
    received_to: datetime | None = None
    products: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    regimes: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    complaint_types: tuple[str, ...] = ()

    def within(self, start: datetime | None, end: datetime | None) -> Filter:
        """The same filter over another period of receipt."""
        return dataclasses.replace(self, received_from=start, received_to=end)


# -- what each figure counts (docs/reporting.md, "Definitions") ---------------
#
# Every page, report and method that shows one of these figures counts it
# with these, so the console, a saved report and the API give one number.

# Open: received and not yet resolved (no final or summary resolution sent
# since it was received or last reopened). A resolved complaint waiting to be
# closed is not open; a reopened one is open again.


def open_at(received_at: datetime, resolved_at: datetime | None, moment: datetime) -> bool:
    """Whether a complaint was open at `moment`, as it stands now."""
    return received_at < moment and (resolved_at is None or resolved_at >= moment)


def sql_open_now() -> ColumnElement[bool]:
    """`open_at(now)` for the cases table: a case open now is unresolved."""
    return Case.resolved_at.is_(None)


def sql_resolved_in(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Resolved in [start, end): its (latest) resolution falls in the period.
    Disjoint from open now: a case reopened since is open, not resolved."""
    return and_(Case.resolved_at >= start, Case.resolved_at < end)


def sql_open_at(moment: datetime) -> ColumnElement[bool]:
    """`open_at(moment)` for the cases table."""
    return and_(
        Case.received_at < moment, or_(Case.resolved_at.is_(None), Case.resolved_at >= moment)
    )


# -- periods ------------------------------------------------------------------


def period_start(when: datetime, granularity: str, zone: ZoneInfo) -> datetime:
    local = when.astimezone(zone)
    day = local.date()
    if granularity == "day":
        start = day
    elif granularity == "week":
        start = day - timedelta(days=day.weekday())
    elif granularity == "month":
        start = day.replace(day=1)
    elif granularity == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    elif granularity == "year":
        start = date(day.year, 1, 1)
    else:
        raise ValueError(granularity)
    return datetime(start.year, start.month, start.day, tzinfo=zone).astimezone(UTC)


def next_period(start: datetime, granularity: str, zone: ZoneInfo) -> datetime:
    """The start of the period after the one starting at `start`."""
    day = start.astimezone(zone).date()
    if granularity == "day":
        following = date.fromordinal(day.toordinal() + 1)
    elif granularity == "week":
        following = date.fromordinal(day.toordinal() + 7)
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[granularity]
        index = day.year * 12 + day.month - 1 + months
        following = date(index // 12, index % 12 + 1, 1)
    return datetime(following.year, following.month, following.day, tzinfo=zone).astimezone(UTC)


# -- figures ------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    period_start: datetime | None
    key: str
    received: int
    resolved: int


@dataclass(frozen=True)
class Cause:
    root_cause: str
    cases: int
    upheld_rate: float
    redress: dict[str, int]


@dataclass(frozen=True)
class Durations:
    key: str
    cases: int
    p50: float
    p90: float
    p99: float
    mean: float
    max: float


@dataclass(frozen=True)
class Compliance:
    clock: str
    met: int
    breached: int
    running: int
    paused: int
    median_lateness: float
    max_lateness: float
    time_taken: Durations | None = None
    paused_seconds: float = 0.0


# -- business time --------------------------------------------------------------


class WorkingTime:
    """Working time between two instants in a calendar, with each day's
    working intervals worked out once."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.days: dict[date, list[tuple[datetime, datetime]]] = {}

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        found = self.days.get(day)
        if found is None:
            found = self.days[day] = self.calendar.working_intervals(day)
        return found

    def between(self, start: datetime, end: datetime) -> float:
        if end <= start:
            return 0.0
        total = 0.0
        day, last = self.calendar.local_date(start), self.calendar.local_date(end)
        while day <= last:
            for begin, finish in self._intervals(day):
                overlap = (min(finish, end) - max(begin, start)).total_seconds()
                if overlap > 0:
                    total += overlap
            day += timedelta(days=1)
        return total


# -- regulatory returns -------------------------------------------------------


def return_cut_off(end: datetime, now: datetime) -> datetime:
    """What a return for a period ending at `end` counts, computed at `now`:
    what had happened by the period's end, or by now while it runs. A
    deadline after the cut-off has not passed, so no complaint is late by it
    yet."""
    return min(end, now)


# The clocks whose deadlines a return's lines are counted by.
RETURN_CLOCKS = {
    "uk_fca": ("fca_summary_resolution", "fca_final_response"),
    "us_cfpb": ("cfpb_response",),
    "au_asic": ("asic_idr_response",),
}

# Each return's reference and its lines' descriptions, by the key that orders
# the lines.
FCA_REFERENCE = "DISP 1 Annex 1R"
FCA_LINES = {
    "1_outstanding": "Complaints outstanding at the start of the period",
    "2_opened": "Complaints opened in the period",
    "3_closed": "Complaints closed in the period",
    "4_within_3_days": "Closed within 3 business days",
    "5_within_8_weeks": "Closed after 3 business days and within 8 weeks",
    "6_after_8_weeks": "Closed after more than 8 weeks",
    "7_upheld": "Closed complaints upheld (partly upheld counts as upheld)",
    "9_cause": "Closed complaints by cause category",
}
CFPB_REFERENCE = "CFPB"
CFPB_LINES = {
    "1_received": "Complaints received",
    "2_timely": "Timely response (15 days)",
    "3_untimely": "Untimely response",
    "4_response": "Company response to consumer",
}
ASIC_REFERENCE = "ASIC RG 271"
# The locale each return's money is written in for its regulator.
RETURN_LOCALES = {"uk_fca": "en_GB", "us_cfpb": "en_US", "au_asic": "en_AU"}
REDRESS_PAID = "Redress paid"
ASIC_LINES = {
    "1_received": "Complaints received",
    "2_closed": "Complaints closed",
    "3_within_30_days": "Closed within 30 calendar days",
    "4_after_30_days": "Closed after 30 calendar days",
}


@dataclass
class Line:
    reference: str
    description: str
    breakdown: str
    case_ids: list[str] = field(default_factory=list)
    value: int | None = None  # set for sums; else the number of cases
    # Set on a sum of money: `value` is in minor units of this currency.
    currency: str = ""

    def figure(self) -> int:
        return self.value if self.value is not None else len(self.case_ids)


# The FCA return's product groups by the whole words of a product's name,
# the first group that matches deciding: insurance first, so payment
# protection insurance on a mortgage is insurance; "Visa" is not an ISA, a
# "refund" not a fund, and a cash ISA is a savings account (banking).
FCA_GROUPS = (
    (
        "Insurance and pure protection",
        (
            "insurance",
            "assurance",
            "warranty",
            "payment protection",
            "income protection",
            "critical illness",
        ),
    ),
    ("Decumulation and pensions", ("pension", "pensions", "annuity", "annuities", "drawdown")),
    (
        "Home finance",
        ("mortgage", "mortgages", "home loan", "equity release", "home equity", "home purchase"),
    ),
    (
        "Investments",
        (
            "investment",
            "investments",
            "stocks and shares",
            "securities",
            "shares",
            "fund",
            "funds",
            "unit trust",
            "unit trusts",
            "bonds",
        ),
    ),
)
BANKING = "Banking and credit cards"
_GROUP_WORDS = tuple(
    (group, re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b"))
    for group, words in FCA_GROUPS
)


def fca_product_group(product: str) -> str:
    """The FCA complaints return's product group for a product name."""
    text = " ".join(product.lower().split())
    for group, words in _GROUP_WORDS:
        if words.search(text):
            return group
    return BANKING


def cfpb_response_of(resolved: bool, decision: str, redress: bool) -> str:
    """The CFPB response category of a case resolved or not, with its
    outcome's decision and whether it paid redress."""
    if not resolved:
        return "In progress"
    if decision in UPHELD:
        return "Closed with monetary relief" if redress else "Closed with non-monetary relief"
    if decision == "withdrawn":
        return "Closed"
    return "Closed with explanation"


def redress_lines(
    redress: dict[tuple[str, str], int], cases: dict[tuple[str, str], list[str]]
) -> list[Line]:
    """The FCA return's redress paid, a line per product group (and all
    products) and currency, in minor units of that currency."""
    return [
        Line(FCA_REFERENCE, REDRESS_PAID, where, cases[(where, currency)], minor, currency)
        for (where, currency), minor in sorted(redress.items())
    ]
