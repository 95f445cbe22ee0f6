"""Saved reports: definitions checked and stored with versions, run into a
table with a chart, and rendered as JSON, CSV, XLSX or HTML with SVG.

A definition names one kind of figures (trends, root causes, time to close,
clock compliance, a regulatory return) with its filter, period, grouping and
split, or a table of measures grouped by dimensions of its own choosing;
`run` computes it with the same code as the RPCs, and the renderers turn the
result into a file for people or other systems.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.protobuf import json_format
from sqlalchemy import func, select

from redress.db.tables.reporting import SavedReport
from redress.platform.auth import Principal
from redress.platform.enums import Regime, short_name
from redress.platform.errors import Violations
from redress.platform.requests import EMAIL
from redress.reporting.v1 import reporting_pb2
from services.reporting import figures, returns, tables
from services.reporting.figures import ReportingStore

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
CRON_FIELD = re.compile(
    r"^(\*|\d{1,2}(-\d{1,2})?)(/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(/\d{1,2})?)*$"
)
CONTENT_TYPES: dict[int, tuple[str, str]] = {
    reporting_pb2.RENDER_FORMAT_JSON: ("application/json", "json"),
    reporting_pb2.RENDER_FORMAT_CSV: ("text/csv; charset=utf-8", "csv"),
    reporting_pb2.RENDER_FORMAT_XLSX: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    reporting_pb2.RENDER_FORMAT_HTML: ("text/html; charset=utf-8", "html"),
}
FORMATS_BY_SUFFIX = {suffix: fmt for fmt, (_, suffix) in CONTENT_TYPES.items()}
# Measure enum value -> the table's measure.
MEASURES: dict[int, str] = {
    reporting_pb2.Measure.Value(f"MEASURE_{name.upper()}"): name for name in tables.MEASURES
}


class NotFound(LookupError):
    pass


# -- definitions ------------------------------------------------------------------


def check(v: Violations, d: reporting_pb2.ReportDefinition) -> None:
    """Every problem of a definition, field by field."""
    from services.reporting.servicer import DIMENSIONS, GRANULARITIES, case_filter

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
        if short_name(Regime, d.regime) not in figures.RETURN_CLOCKS:
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
    from services.reporting.servicer import DIMENSIONS, GRANULARITIES

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


def to_json(d: reporting_pb2.ReportDefinition) -> dict[str, Any]:
    return json_format.MessageToDict(d, preserving_proto_field_name=True)


# A deleted report's last version: this key and why, in place of a definition.
DELETED = "deleted"


def is_deleted(row: SavedReport) -> bool:
    return bool(row.definition.get(DELETED))


def from_row(row: SavedReport) -> reporting_pb2.ReportDefinition:
    d = json_format.ParseDict(row.definition, reporting_pb2.ReportDefinition())
    d.version = row.version
    d.saved_by.id = row.saved_by
    d.saved_at.FromDatetime(row.saved_at.astimezone(UTC))
    return d


class SavedReports:
    def __init__(self, store: ReportingStore) -> None:
        self.sessions = store.sessions

    def save(self, d: reporting_pb2.ReportDefinition, actor: str) -> SavedReport:
        clean = reporting_pb2.ReportDefinition()
        clean.CopyFrom(d)
        for name in ("version", "saved_by", "saved_at"):
            clean.ClearField(name)  # type: ignore[arg-type]
        with self.sessions.begin() as session:
            latest = session.scalar(
                select(func.max(SavedReport.version)).where(SavedReport.name == d.name)
            )
            row = SavedReport(
                name=d.name,
                version=int(latest or 0) + 1,
                definition=to_json(clean),
                saved_by=actor,
                saved_at=datetime.now(UTC),
            )
            session.add(row)
            return row

    def delete(self, name: str, actor: str, reason: str) -> SavedReport:
        """Keeps the deletion as the report's next version."""
        with self.sessions.begin() as session:
            latest = session.scalar(
                select(SavedReport)
                .where(SavedReport.name == name)
                .order_by(SavedReport.version.desc())
                .limit(1)
                .with_for_update()
            )
            if latest is None or is_deleted(latest):
                raise NotFound(f"no saved report {name!r}")
            row = SavedReport(
                name=name,
                version=latest.version + 1,
                definition={DELETED: True, "reason": reason},
                saved_by=actor,
                saved_at=datetime.now(UTC),
            )
            session.add(row)
            return row

    def get(self, name: str, version: int = 0) -> SavedReport:
        with self.sessions() as session:
            newest = session.scalar(
                select(SavedReport)
                .where(SavedReport.name == name)
                .order_by(SavedReport.version.desc())
                .limit(1)
            )
            row = newest
            if newest is not None and version and version != newest.version:
                row = session.get(SavedReport, (name, version))
        if newest is not None and is_deleted(newest):
            raise NotFound(
                f"the saved report {name!r} was deleted by {newest.saved_by} on "
                f"{newest.saved_at:%Y-%m-%d %H:%M} UTC; save it again to use the name"
            )
        if row is None:
            raise NotFound(f"no saved report {name!r}" + (f" version {version}" if version else ""))
        return row

    def latest(self, after: str, limit: int) -> list[SavedReport]:
        """The latest version of up to `limit` reports named after `after`,
        deleted ones left out."""
        found: list[SavedReport] = []
        while len(found) < limit:
            with self.sessions() as session:
                newest = (
                    select(SavedReport.name, func.max(SavedReport.version).label("v"))
                    .where(SavedReport.name > after)
                    .group_by(SavedReport.name)
                    .order_by(SavedReport.name)
                    .limit(limit)
                    .subquery()
                )
                rows = list(
                    session.scalars(
                        select(SavedReport)
                        .join(
                            newest,
                            (SavedReport.name == newest.c.name)
                            & (SavedReport.version == newest.c.v),
                        )
                        .order_by(SavedReport.name)
                    )
                )
            found.extend(r for r in rows if not is_deleted(r))
            if len(rows) < limit:
                break
            after = rows[-1].name
        return found[:limit]


# -- running ------------------------------------------------------------------------


def relative_period(period: int, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    today = now.astimezone(zone).date()

    def at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)

    if period == reporting_pb2.RELATIVE_PERIOD_LAST_7_DAYS:
        return at(today - timedelta(days=7)), at(today)
    if period == reporting_pb2.RELATIVE_PERIOD_LAST_30_DAYS:
        return at(today - timedelta(days=30)), at(today)
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


@dataclass
class Result:
    title: str
    period: tuple[datetime | None, datetime | None]
    columns: list[str]
    rows: list[list[Any]]
    # (label, value) pairs for the chart; a line chart for trends.
    chart: list[tuple[str, float]] = field(default_factory=list)
    chart_title: str = ""
    line: bool = False
    # Said under the title, e.g. that a return is the one kept for the regulator.
    note: str = ""


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
    from services.reporting.servicer import DIMENSIONS, GRANULARITIES, case_filter

    v = Violations()
    base = case_filter(v, d.filter)
    zone = ZoneInfo(d.time_zone or "UTC")
    if d.period:
        start, end = relative_period(d.period, now, zone)
        base = base.within(start, end)
    f = base
    split = DIMENSIONS.get(d.split_by, "")
    kind = d.kind
    if kind == reporting_pb2.REPORT_KIND_TRENDS:
        granularity = GRANULARITIES[d.granularity]
        points = (
            figures.sql_trends(store, f, granularity, split, zone.key)
            if store.in_sql and split != "customer_tag"
            else figures.trends(
                store.rows(f, tags=split == "customer_tag"), granularity, split, zone
            )
        )
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
        custom = tables.table(store, f, spec, now)
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
        )
    if kind == reporting_pb2.REPORT_KIND_ROOT_CAUSES:
        causes, without = (
            figures.sql_root_causes(store, f, 20)
            if store.in_sql
            else figures.root_causes(store.rows(f), 20)
        )
        rows = [
            [
                c.root_cause,
                c.cases,
                round(c.upheld_rate, 4),
                "; ".join(f"{cur} {m / 100:.2f}" for cur, m in sorted(c.redress.items())),
            ]
            for c in causes
        ]
        rows.append(["(no root cause recorded)", without, "", ""])
        return Result(
            d.title,
            (f.received_from, f.received_to),
            ["root cause", "cases", "upheld rate", "redress paid"],
            rows,
            [(c.root_cause, c.cases) for c in causes],
            "Cases by root cause",
        )
    if kind == reporting_pb2.REPORT_KIND_TIME_TO_CLOSE:
        resolution, _ = (
            figures.sql_time_to_close(store, f, split)
            if store.in_sql and split != "customer_tag"
            else figures.time_to_close(store.rows(f, tags=split == "customer_tag"), split)
        )
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
        found = (
            figures.sql_clock_compliance(store, f, now)
            if store.in_sql
            else figures.clock_compliance(store.clock_rows(f), now)
        )
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
        [ln["reference"], ln["description"], ln["breakdown"], ln["value"], " ".join(ln["case_ids"])]
        for ln in given.lines
    ]
    when = given.generated_at.isoformat(timespec="seconds")
    note = (
        f"The return as kept for the regulator: first computed {when}, asked for by "
        f"{given.generated_by}; later changes to cases do not alter it."
        if given.kept
        else f"Computed {when}; the period has not ended, so the figures may still change."
    )
    return Result(
        d.title,
        (first, last),
        ["reference", "figure", "breakdown", "value", "cases"],
        rows,
        [
            (ln["description"], float(ln["value"]))
            for ln in given.lines
            if ln["breakdown"] in ("All products", "")
        ][:12],
        "Figures for all products",
        note=note,
    )


# -- rendering ----------------------------------------------------------------------


def _period_text(result: Result) -> str:
    start, end = result.period
    if start is None and end is None:
        return "all time"
    first = start.date().isoformat() if start else "…"
    last = end.date().isoformat() if end else "…"
    return f"{first} to {last} (end excluded)"


def render(result: Result, fmt: int, now: datetime) -> bytes:
    if fmt == reporting_pb2.RENDER_FORMAT_JSON:
        return json.dumps(
            {
                "title": result.title,
                "period": _period_text(result),
                "generated_at": now.isoformat(),
                **({"note": result.note} if result.note else {}),
                "columns": result.columns,
                "rows": result.rows,
            },
            ensure_ascii=False,
            indent=2,
        ).encode()
    if fmt == reporting_pb2.RENDER_FORMAT_CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        return out.getvalue().encode()
    if fmt == reporting_pb2.RENDER_FORMAT_XLSX:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "report"
        sheet.append([result.title])
        sheet.append(
            [f"Period: {_period_text(result)}; generated {now.isoformat(timespec='seconds')}"]
        )
        sheet.append([result.note] if result.note else [])
        sheet.append(result.columns)
        for row in result.rows:
            sheet.append(row)
        data = io.BytesIO()
        book.save(data)
        return data.getvalue()
    return html(result, now).encode()


def svg_chart(points: list[tuple[str, float]], line: bool, title: str) -> str:
    """A bar or line chart as inline SVG, with a title and text labels for
    screen readers."""
    width, height, left, bottom = 720, 280, 60, 70
    if not points:
        return f'<p>No data to chart for "{escape(title)}".</p>'
    top = max(value for _, value in points) or 1.0
    inner_w, inner_h = width - left - 10, height - bottom - 20
    step = inner_w / len(points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<line x1="{left}" y1="{20 + inner_h}" x2="{width - 10}" y2="{20 + inner_h}" '
        'stroke="#333"/>',
        f'<text x="{left - 6}" y="24" text-anchor="end" font-size="11">{top:g}</text>',
        f'<text x="{left - 6}" y="{20 + inner_h}" text-anchor="end" font-size="11">0</text>',
    ]
    coords = []
    for i, (label, value) in enumerate(points):
        x = left + i * step
        h = inner_h * (value / top)
        if line:
            coords.append(f"{x + step / 2:.1f},{20 + inner_h - h:.1f}")
        else:
            parts.append(
                f'<rect x="{x + step * 0.15:.1f}" y="{20 + inner_h - h:.1f}" '
                f'width="{step * 0.7:.1f}" '
                f'height="{h:.1f}" fill="#1f5fa8"><title>{escape(label)}: {value:g}</title></rect>'
            )
        if len(points) <= 24 or i % max(1, len(points) // 12) == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom + 24}" font-size="10" '
                f'text-anchor="end" '
                f'transform="rotate(-35 {x + step / 2:.1f} {height - bottom + 24})">'
                f"{escape(label[:28])}</text>"
            )
    if line:
        parts.append(
            f'<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{" ".join(coords)}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def html(result: Result, now: datetime) -> str:
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in result.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape('' if cell is None else str(cell))}</td>" for cell in row)
        + "</tr>"
        for row in result.rows
    )
    note = f"<p>{escape(result.note)}</p>" if result.note else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(result.title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em;color:#111}"
        "table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px 8px;text-align:left}"
        "caption{text-align:left;font-weight:bold;margin-bottom:.5em}</style></head><body>"
        f"<h1>{escape(result.title)}</h1>"
        f"<p>Period: {escape(_period_text(result))}. "
        f"Generated {escape(now.isoformat(timespec='seconds'))}.</p>{note}"
        f"<figure>{svg_chart(result.chart, result.line, result.chart_title)}"
        f"<figcaption>{escape(result.chart_title)}</figcaption></figure>"
        f"<table><caption>{escape(result.title)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )


def file_name(d: reporting_pb2.ReportDefinition, fmt: int, now: datetime) -> str:
    return f"{d.name}-{now.date().isoformat()}.{CONTENT_TYPES[fmt][1]}"
