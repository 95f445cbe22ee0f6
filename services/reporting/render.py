"""A report's figures rendered for people and other systems: JSON, CSV, XLSX,
or an HTML page with an SVG chart, and the file names they are given."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from redress.platform import spreadsheets
from redress.platform.charts import svg_chart
from redress.reporting.v1 import reporting_pb2

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


@dataclass
class Result:
    """A report's figures: a table, and the points of its chart."""

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
    # The rows as people read them (money as money) on the HTML page, where
    # they differ from `rows`, which programs read (money in minor units
    # with its currency).
    shown_rows: list[list[Any]] | None = None
    shown_columns: list[str] | None = None


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
        writer.writerow(spreadsheets.row(result.columns))
        writer.writerows(spreadsheets.row(r) for r in result.rows)
        return out.getvalue().encode()
    if fmt == reporting_pb2.RENDER_FORMAT_XLSX:
        # Loaded when a spreadsheet is asked for, not with every service.
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "report"
        lines: list[list[Any]] = [
            [result.title],
            [f"Period: {_period_text(result)}; generated {now.isoformat(timespec='seconds')}"],
            [result.note] if result.note else [],
            list(result.columns),
            *result.rows,
        ]
        for number, values in enumerate(lines, start=1):
            for column, value in enumerate(values, start=1):
                place = sheet.cell(row=number, column=column)
                if isinstance(value, str):
                    # Text is text: never a formula, whatever it starts with; a
                    # quote prefix keeps it text when someone edits the cell.
                    place.value = value
                    place.data_type = "s"
                    place.quotePrefix = spreadsheets.runs_as_formula(value)
                else:
                    place.value = value
        data = io.BytesIO()
        book.save(data)
        return data.getvalue()
    return html(result, now).encode()


def html(result: Result, now: datetime) -> str:
    columns = result.columns if result.shown_columns is None else result.shown_columns
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape('' if cell is None else str(cell))}</td>" for cell in row)
        + "</tr>"
        for row in (result.rows if result.shown_rows is None else result.shown_rows)
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
