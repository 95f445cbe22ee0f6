"""Periods as people name them, one definition for every page and report.

"The last 30 days" are the 30 calendar days that end with today, today
included: on 15 June, 17 May to 15 June. The console's dashboard, a saved
report's relative period and anyone asking the API for the same days count
the same complaints (docs/reporting.md, "Definitions").
"""

from __future__ import annotations

from datetime import date, timedelta


def last_days(days: int, today: date) -> tuple[date, date]:
    """The first and the last day (both included) of the `days` days that
    end with `today`."""
    return today - timedelta(days=days - 1), today


def day_after(day: date) -> date:
    """Where a period that ends with `day` (included) stops, excluded."""
    return day + timedelta(days=1)
