"""Saved reports: their definitions checked, and run into a table with a
chart.

A definition names one kind of figures (trends, root causes, time to close,
clock compliance, a regulatory return) with its filter, period, grouping and
split, or a table of measures grouped by dimensions of its own choosing;
`run` computes it with the same `Figures` as the RPCs, and `render` turns the
result into a file. The definitions are stored with their versions by
`store.SavedReports`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from redress.domain import money
from redress.domain.periods import day_after, last_days
from redress.platform.auth import Principal
from redress.platform.enums import Regime, short_name
from redress.platform.errors import Violations
from redress.platform.requests import EMAIL
from redress.reporting.v1 import reporting_pb2
from services.reporting import returns, tables
from services.reporting.definitions import RETURN_CLOCKS
from services.reporting.figures import Figures
from services.reporting.render import CONTENT_TYPES, Result
from services.reporting.requests import DIMENSIONS, GRANULARITIES, MEASURES, case_filter
from services.reporting.store import ReportingStore

# The language report pages are written in: money as an English reader
# writes it, with each currency's own symbol (£1,250.00, €45.99, $3.00).
REPORT_LOCALE = "en"

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
CRON_FIELD = re.compile(
    r"^(\*|\d{1,2}(-\d{1,2})?)(/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(/\d{1,2})?)*$"
)


def check(v: Violations, d: reporting_pb2.ReportDefinition) -> None:
    """Every problem of a definition, field by field."""
    if not NAME.match(d.name):
        v.add("definition.name", "lower case letters, digits and -, at most 64, e.g. weekly-volume")
    if not d.title.strip() or len(d.title) > 200:
        v.add("definition.title", "required, at most 200 characters")
    if d.kind not in reporting_pb2.ReportKind.values() or not d.kind:
        v.add("definition.kind", "a ReportKind such as REPORT_KIND_TRENDS")
    case_filter(v, d.filter)
    if d.period not in reporting_pb2.RelativePeriod.values():
        v.add("definition.period", "a RelativePeriod")
    if d.kind == reporting_pb2.REPORT_KIND_TRENDS and d.granularity not in GRANULARITIES:
        v.add("definition.granularity", "trends need a granularity, e.g. GRANULARITY_WEEK")
    if d.kind == reporting_pb2.REPORT_KIND_TABLE:
        check_table(v, d)
    else:
        if d.split_by and d.split_by not in DIMENSIONS:
            v.add("definition.split_by", "a Dimension")
        if d.group_by:
            v.add("definition.group_by", "only for REPORT_KIND_TABLE; other kinds use split_by")
        if d.measures:
            v.add("definition.measures", "only for REPORT_KIND_TABLE")
    try:
        ZoneInfo(d.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        v.add("definition.time_zone", "an IANA time zone such as Europe/London")
    if d.kind == reporting_pb2.REPORT_KIND_REGULATORY_RETURN:
        if short_name(Regime, d.regime) not in RETURN_CLOCKS:
            v.add("definition.regime", "REGIME_UK_FCA, REGIME_US_CFPB or REGIME_AU_ASIC")
        if not d.period and not (
            d.filter.received.HasField("start") and d.filter.received.HasField("end")
        ):
            v.add("definition.period", "a return needs a period, or filter.received with both ends")
    if d.schedule:
        parts = d.schedule.split()
        if len(parts) != 5 or not all(CRON_FIELD.match(p) for p in parts):
            v.add("definition.schedule", "a cron expression of five fields, e.g. 0 8 * * 1")
        if not d.email_to:
            v.add("definition.email_to", "a scheduled report needs at least one recipient")
    if len(d.email_to) > 50:
        v.add("definition.email_to", "at most 50 recipients")
    for i, address in enumerate(d.email_to):
        if not EMAIL.match(address):
            v.add(f"definition.email_to[{i}]", "an email address")
    if d.attach and d.attach not in CONTENT_TYPES:
        v.add("definition.attach", "a RenderFormat")


def check_table(v: Violations, d: reporting_pb2.ReportDefinition) -> None:
    """A table's grouping and measures: known, each once, and fitting together."""
    if d.split_by:
        v.add("definition.split_by", "a table groups by group_by; leave split_by unspecified")
    if d.granularity and d.granularity not in GRANULARITIES:
        v.add("definition.granularity", "a Granularity, or unspecified for no periods")
    if len(d.group_by) > tables.MAX_DIMENSIONS:
        v.add(
            "definition.group_by",
            f"at most {tables.MAX_DIMENSIONS} dimensions (a granularity adds the period)",
        )
    grouped: dict[int, int] = {}
    for i, dimension in enumerate(d.group_by):
        if dimension not in DIMENSIONS:
            v.add(f"definition.group_by[{i}]", "a Dimension such as DIMENSION_PRODUCT")
        elif dimension in grouped:
            v.add(
                f"definition.group_by[{i}]",
                f"{reporting_pb2.Dimension.Name(dimension)} is already group_by"
                f"[{grouped[dimension]}]",
            )
        else:
            grouped[dimension] = i
    if not d.measures:
        v.add("definition.measures", "at least one Measure, e.g. MEASURE_RECEIVED")
    measured: dict[int, int] = {}
    for i, measure in enumerate(d.measures):
        name = MEASURES.get(measure)
        if name is None:
            v.add(f"definition.measures[{i}]", "a Measure such as MEASURE_RECEIVED")
        elif measure in measured:
            v.add(
                f"definition.measures[{i}]",
                f"{reporting_pb2.Measure.Name(measure)} is already measures[{measured[measure]}]",
            )
        else:
            measured[measure] = i
            for grouping in grouped:
                why = tables.UNFIT.get((name, DIMENSIONS[grouping]))
                if why:
                    v.add(f"definition.measures[{i}]", why)


LAST_DAYS: dict[int, int] = {
    reporting_pb2.RELATIVE_PERIOD_LAST_7_DAYS: 7,
    reporting_pb2.RELATIVE_PERIOD_LAST_30_DAYS: 30,
}


def relative_period(period: int, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    today = now.astimezone(zone).date()

    def at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)

    if period in LAST_DAYS:
        # Today included, as the console's "last 30 days" (redress.domain.periods).
        first_day, last_day = last_days(LAST_DAYS[period], today)
        return at(first_day), at(day_after(last_day))
    if period == reporting_pb2.RELATIVE_PERIOD_LAST_12_MONTHS:
        return at(today.replace(year=today.year - 1, day=1)), at(today.replace(day=1))
    first = today.replace(day=1)
    if period == reporting_pb2.RELATIVE_PERIOD_LAST_MONTH:
        previous = (first - timedelta(days=1)).replace(day=1)
        return at(previous), at(first)
    if period == reporting_pb2.RELATIVE_PERIOD_LAST_QUARTER:
        quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        start = (quarter - timedelta(days=1)).replace(day=1)
        start = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
        return at(start), at(quarter)
    if period == reporting_pb2.RELATIVE_PERIOD_LAST_HALF_YEAR:
        half = date(today.year, 1 if today.month <= 6 else 7, 1)
        start = date(half.year - 1, 7, 1) if half.month == 1 else date(half.year, 1, 1)
        return at(start), at(half)
    raise ValueError(period)


def refusal(
    d: reporting_pb2.ReportDefinition, principal: Principal, return_readers: frozenset[str]
) -> str:
    """Why `principal` may not run the report, or "": a saved report of a
    regulatory return is read by the same roles as GetRegulatoryReturn."""
    if d.kind == reporting_pb2.REPORT_KIND_REGULATORY_RETURN and not principal.has_any(
        return_readers
    ):
        return (
            f"{principal.id} may not read regulatory returns, so not report {d.name!r}; "
            f"roles allowed: {', '.join(sorted(return_readers))}"
        )
    return ""


def run(
    store: ReportingStore, d: reporting_pb2.ReportDefinition, now: datetime, actor: str
) -> Result:
    """The report's figures at `now`; `actor` is who asked (it is recorded
    with a regulatory return kept by this run)."""
    v = Violations()
    base = case_filter(v, d.filter)
    zone = ZoneInfo(d.time_zone or "UTC")
    if d.period:
        start, end = relative_period(d.period, now, zone)
        base = base.within(start, end)
    f = base
    figures = Figures(store)
    split = DIMENSIONS.get(d.split_by, "")
    kind = d.kind
    if kind == reporting_pb2.REPORT_KIND_TRENDS:
        granularity = GRANULARITIES[d.granularity]
        points = figures.trends(f, granularity, split, zone)
        rows = [
            [
                p.period_start.astimezone(zone).date().isoformat() if p.period_start else "",
                p.key,
                p.received,
                p.resolved,
            ]
            for p in points
        ]
        totals: dict[str, float] = {}
        for p in points:
            label = p.period_start.astimezone(zone).date().isoformat() if p.period_start else "all"
            totals[label] = totals.get(label, 0) + p.received
        return Result(
            d.title,
            (f.received_from, f.received_to),
            ["period", split or "all", "received", "resolved"],
            rows,
            list(totals.items()),
            "Complaints received",
            line=True,
        )
    if kind == reporting_pb2.REPORT_KIND_TABLE:
        spec = tables.TableSpec(
            tuple(DIMENSIONS[g] for g in d.group_by),
            tuple(MEASURES[m] for m in d.measures),
            GRANULARITIES.get(d.granularity, ""),
            zone,
        )
        custom = figures.table(f, spec, now)
        measure = custom.first_measure
        return Result(
            d.title,
            (f.received_from, f.received_to),
            custom.columns,
            custom.rows,
            [
                (" / ".join(str(x) for x in row[:measure]) or "all", float(row[measure] or 0))
                for row in custom.rows
            ],
            custom.columns[measure].capitalize(),
            # Periods alone read as a line; groups as bars.
            line=bool(spec.granularity) and not spec.group_by,
            shown_rows=custom.shown_rows(REPORT_LOCALE),
            shown_columns=custom.shown_columns(),
        )
    if kind == reporting_pb2.REPORT_KIND_ROOT_CAUSES:
        causes, without = figures.root_causes(f, 20)
        rows = [
            [
                c.root_cause,
                c.cases,
                round(c.upheld_rate, 4),
                "; ".join(f"{m} {cur}" for cur, m in sorted(c.redress.items())),
            ]
            for c in causes
        ]
        rows.append(["(no root cause recorded)", without, "", ""])
        shown_rows = [
            [*row[:3], money.shown_sums(c.redress, REPORT_LOCALE)]
            for row, c in zip(rows, causes, strict=False)
        ] + [rows[-1]]
        return Result(
            d.title,
            (f.received_from, f.received_to),
            ["root cause", "cases", "upheld rate", "redress paid (minor units)"],
            rows,
            [(c.root_cause, c.cases) for c in causes],
            "Cases by root cause",
            shown_rows=shown_rows,
            shown_columns=["root cause", "cases", "upheld rate", "redress paid"],
        )
    if kind == reporting_pb2.REPORT_KIND_TIME_TO_CLOSE:
        resolution, _ = figures.time_to_close(f, split)
        day = 86400.0
        rows = [
            [
                x.key or "all",
                x.cases,
                round(x.p50 / day, 2),
                round(x.p90 / day, 2),
                round(x.mean / day, 2),
                round(x.max / day, 2),
            ]
            for x in resolution
        ]
        return Result(
            d.title,
            (f.received_from, f.received_to),
            [split or "all", "cases", "median days", "p90 days", "mean days", "longest days"],
            rows,
            [(x.key or "all", round(x.p50 / day, 2)) for x in resolution],
            "Median days to resolution",
        )
    if kind == reporting_pb2.REPORT_KIND_CLOCK_COMPLIANCE:
        found = figures.clock_compliance(f, now)
        rows = [
            [c.clock, c.met, c.breached, c.running, c.paused, round(c.median_lateness / 3600, 1)]
            for c in found
        ]
        return Result(
            d.title,
            (f.received_from, f.received_to),
            ["clock", "met", "breached", "running", "paused", "median hours late"],
            rows,
            [(c.clock, c.breached) for c in found],
            "Breaches by clock",
        )
    regime = short_name(Regime, d.regime)
    first, last = f.received_from, f.received_to
    assert first is not None and last is not None
    # The same return GetRegulatoryReturn gives: for an ended period, the
    # one kept for the regulator.
    given = returns.given(store, regime, first, last, now, actor)
    rows = [
        [
            ln["reference"],
            ln["description"],
            ln["breakdown"],
            ln["value"],
            ln["currency"],
            " ".join(ln["case_ids"]),
        ]
        for ln in given.lines
    ]
    # People read money as money; the machine renderings keep minor units
    # and the currency beside them.
    shown_rows = [
        [*row[:3], returns.shown(ln, regime), *row[4:]]
        for row, ln in zip(rows, given.lines, strict=True)
    ]
    when = given.generated_at.isoformat(timespec="seconds")
    if given.kept:
        note = (
            f"The return as kept for the regulator: first computed {when}, asked for by "
            f"{given.generated_by}; later changes to cases do not alter it."
        )
    else:
        note = provisional_note(last, given.as_of or given.generated_at, zone)
    return Result(
        d.title,
        (first, last),
        ["reference", "figure", "breakdown", "value", "currency", "cases"],
        rows,
        [
            (ln["description"], float(ln["value"]))
            for ln in given.lines
            if ln["breakdown"] in ("All products", "") and not ln["currency"]
        ][:12],
        "Figures for all products",
        note=note,
        shown_rows=shown_rows,
    )


def provisional_note(end: datetime, as_of: datetime, zone: ZoneInfo) -> str:
    """What a return for a period that has not ended says above its figures."""
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date().isoformat()
    return (
        f"Provisional: the period ends on {last_day} and has not ended. Figures as of "
        f"{as_of.astimezone(zone).isoformat(timespec='seconds')}: a complaint counts as "
        "untimely or late only once its deadline has passed."
    )
