"""Regulatory returns as given to their readers: computed from the cases, and
for a period that has ended, kept as first computed.

GetRegulatoryReturn, RunReport, the saved reports over HTTP and the scheduled
emails all give a return through `given`, so a return emailed to a manager
is the one kept for the regulator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redress.domain import money
from services.reporting.definitions import (
    REDRESS_PAID,
    RETURN_LOCALES,
    Line,
    return_cut_off,
)
from services.reporting.figures import Figures
from services.reporting.store import ReportingStore

# How a money line was described before lines carried their currency.
_REDRESS_BEFORE_CURRENCY = re.compile(r"^Redress paid, ([A-Z]{3}) minor units$")


def _aware(value: datetime) -> datetime:
    """A stored time in UTC (SQLite gives it back without its zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass
class GivenReturn:
    # Each line: reference, description, breakdown, value, case_ids.
    lines: list[dict[str, Any]]
    generated_at: datetime
    # True when the lines are the kept record of an ended period.
    kept: bool
    # Who asked for the kept record first (for a kept return).
    generated_by: str = ""
    # With recompute: each figure that moved since the record was kept.
    changed: list[str] = field(default_factory=list)
    # What the figures count: what had happened by then (the period's end,
    # or when computed while the period runs).
    as_of: datetime | None = None
    # True while the period has not ended: the figures are not final.
    provisional: bool = False


def compute(
    store: ReportingStore, regime: str, start: datetime, end: datetime, now: datetime
) -> list[dict[str, Any]]:
    """The return's lines from the cases as they are `now`."""
    return [_given_line(line) for line in Figures(store).return_lines(regime, start, end, now)]


def row_lines(
    store: ReportingStore, regime: str, start: datetime, end: datetime, now: datetime
) -> list[Line]:
    """The return's lines made case by case from the rows of its cases, on
    any database: what the lines aggregated by PostgreSQL are checked
    against."""
    return Figures(store, over_rows=True).return_lines(regime, start, end, now)


def _given_line(line: Line) -> dict[str, Any]:
    return {
        "reference": line.reference,
        "description": line.description,
        "breakdown": line.breakdown,
        "value": line.figure(),
        "currency": line.currency,
        "case_ids": sorted(line.case_ids),
    }


def as_given_now(line: dict[str, Any]) -> dict[str, Any]:
    """A kept line in the shape lines are given in now, its figures as they
    were: a return kept before money lines carried their currency named it
    in the description ("Redress paid, GBP minor units")."""
    found = _REDRESS_BEFORE_CURRENCY.match(line["description"])
    if found:
        return {**line, "description": REDRESS_PAID, "currency": found.group(1)}
    return {**line, "currency": line.get("currency", "")}


def shown(line: dict[str, Any], regime: str) -> str:
    """A line's figure as its reader reads it: a count, or money written as
    money in the regulator's locale ("£1,250.00")."""
    if line["currency"]:
        return money.shown(int(line["value"]), line["currency"], RETURN_LOCALES[regime])
    return str(line["value"])


def given(
    store: ReportingStore,
    regime: str,
    start: datetime,
    end: datetime,
    now: datetime,
    actor: str,
    recompute: bool = False,
) -> GivenReturn:
    """The return for [start, end): the kept record if there is one (unless
    `recompute`); otherwise computed now, and kept if the period has ended."""
    kept = store.kept_return(regime, start, end)
    kept_lines = [as_given_now(line) for line in kept.lines] if kept is not None else []
    if kept is not None and not recompute:
        return GivenReturn(
            kept_lines, _aware(kept.generated_at), True, kept.generated_by, as_of=end
        )
    computed = compute(store, regime, start, end, now)
    as_of = return_cut_off(end, now)
    if kept is not None:
        return GivenReturn(
            computed, now, False, changed=changed_lines(kept_lines, computed, regime), as_of=as_of
        )
    if end <= now:
        # An ended period: these figures become the return's record, unless
        # another call kept its figures first, which then stand.
        record = store.keep_return(regime, start, end, computed, now, actor)
        return GivenReturn(
            [as_given_now(line) for line in record.lines],
            _aware(record.generated_at),
            True,
            record.generated_by,
            as_of=end,
        )
    return GivenReturn(computed, now, False, as_of=as_of, provisional=True)


def changed_lines(kept: list[dict[str, Any]], now: list[dict[str, Any]], regime: str) -> list[str]:
    """The figures of a return that differ between its kept record and now,
    money written as the return's regulator reads it ($1,250.00 for the
    CFPB, as the return's own lines)."""

    def values(lines: list[dict[str, Any]]) -> dict[tuple[str, str, str], int]:
        return {
            (line["description"], line["breakdown"], line.get("currency", "")): int(line["value"])
            for line in lines
        }

    def figure(value: int, currency: str) -> str:
        line = {"value": value, "currency": currency}
        return shown(line, regime)

    before, after = values(kept), values(now)
    return [
        f"{description} / {breakdown or '-'}: "
        f"{figure(before.get(key, 0), currency)} → {figure(after.get(key, 0), currency)}"
        for key in sorted(set(before) | set(after))
        for description, breakdown, currency in [key]
        if before.get(key, 0) != after.get(key, 0)
    ]
