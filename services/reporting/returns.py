"""Regulatory returns as given to their readers: computed from the cases, and
for a period that has ended, kept as first computed.

GetRegulatoryReturn, RunReport, the saved reports over HTTP and the scheduled
emails all give a return through `given`, so a return emailed to a manager
is the one kept for the regulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.reporting.definitions import Line
from services.reporting.figures import Figures
from services.reporting.store import ReportingStore


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


def compute(
    store: ReportingStore, regime: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The return's lines from the cases as they are now."""
    return [_given_line(line) for line in Figures(store).return_lines(regime, start, end)]


def row_lines(store: ReportingStore, regime: str, start: datetime, end: datetime) -> list[Line]:
    """The return's lines made case by case from the rows of its cases, on
    any database: what the lines aggregated by PostgreSQL are checked
    against."""
    return Figures(store, over_rows=True).return_lines(regime, start, end)


def _given_line(line: Line) -> dict[str, Any]:
    return {
        "reference": line.reference,
        "description": line.description,
        "breakdown": line.breakdown,
        "value": line.figure(),
        "case_ids": sorted(line.case_ids),
    }


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
    if kept is not None and not recompute:
        return GivenReturn(kept.lines, _aware(kept.generated_at), True, kept.generated_by)
    computed = compute(store, regime, start, end)
    if kept is not None:
        return GivenReturn(computed, now, False, changed=changed_lines(kept.lines, computed))
    if end <= now:
        # An ended period: these figures become the return's record, unless
        # another call kept its figures first, which then stand.
        record = store.keep_return(regime, start, end, computed, now, actor)
        return GivenReturn(record.lines, _aware(record.generated_at), True, record.generated_by)
    return GivenReturn(computed, now, False)


def changed_lines(kept: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[str]:
    """The figures of a return that differ between its kept record and now."""

    def values(lines: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
        return {(line["description"], line["breakdown"]): int(line["value"]) for line in lines}

    before, after = values(kept), values(now)
    return [
        f"{description} / {breakdown or '-'}: {before.get(key, 0)} → {after.get(key, 0)}"
        for key in sorted(set(before) | set(after))
        for description, breakdown in [key]
        if before.get(key, 0) != after.get(key, 0)
    ]
