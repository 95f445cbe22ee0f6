"""Regulatory returns as given to their readers: computed from the cases, and
for a period that has ended, kept as first computed.

GetRegulatoryReturn, RunReport, the saved reports over HTTP and the scheduled
emails all give a return through `given`, so a return emailed to a manager
is the one kept for the regulator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.reporting import figures
from services.reporting.figures import Filter, ReportingStore

MAKERS: dict[str, Callable[[Iterable[figures.Row], datetime, datetime], list[figures.Line]]] = {
    "uk_fca": figures.fca_return,
    "us_cfpb": figures.cfpb_return,
    "au_asic": figures.asic_return,
}


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
    # On PostgreSQL the lines are aggregated by the database (a half-year
    # return at a million cases: 5.1-6.3 s over rows, 2.9-3.1 s in SQL,
    # docs/BENCHMARKS.md).
    made = sql_lines if store.in_sql else row_lines
    return [_given_line(line) for line in made(store, regime, start, end)]


def row_lines(
    store: ReportingStore, regime: str, start: datetime, end: datetime
) -> list[figures.Line]:
    """The return's lines made case by case from the rows of its cases."""
    rows = store.rows(
        Filter(received_to=end, received_from=start, regimes=(regime,)),
        # The CFPB figures count the complaints received in the period only;
        # the others also those received earlier and still open at its start.
        also_open_before=None if regime == "us_cfpb" else start,
        clocks=figures.RETURN_CLOCKS[regime],
    )
    # Its cause categories as each case's own policy maps its root cause.
    if regime == "uk_fca":
        return figures.fca_return(rows, start, end, store.disp_cause_category)
    return MAKERS[regime](rows, start, end)


def sql_lines(
    store: ReportingStore, regime: str, start: datetime, end: datetime
) -> list[figures.Line]:
    """The return's lines aggregated by PostgreSQL, over the same cases as
    the rows `compute` reads on SQLite, and equal to the lines made from
    them (tests/integration/test_reporting_sql.py)."""
    f = Filter(received_to=end, received_from=start, regimes=(regime,))
    if regime == "uk_fca":
        return figures.sql_fca_return(
            store,
            start,
            end,
            f,
            lambda policy_id, version, cause: store.policy(policy_id, version).disp_cause_category(
                cause
            ),
        )
    if regime == "us_cfpb":
        return figures.sql_cfpb_return(store, start, end, f)
    return figures.sql_asic_return(store, start, end, f)


def _given_line(line: figures.Line) -> dict[str, Any]:
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
        return GivenReturn(
            computed, now, False, changed=figures.changed_lines(kept.lines, computed)
        )
    if end <= now:
        # An ended period: these figures become the return's record, unless
        # another call kept its figures first, which then stand.
        record = store.keep_return(regime, start, end, computed, now, actor)
        return GivenReturn(record.lines, _aware(record.generated_at), True, record.generated_by)
    return GivenReturn(computed, now, False)
