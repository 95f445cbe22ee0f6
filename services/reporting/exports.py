"""Case exports: the cases of a filter as CSV, JSON Lines or the ASIC IDR
data, written in pieces as they are read.

The CSV files are opened in spreadsheets, so their text cells pass through
`redress.platform.spreadsheets` (a product of `=HYPERLINK(...)` arrives as text, not
as a formula). JSON Lines is for programs: it carries every value exactly as stored,
and a program that turns it into a spreadsheet must neutralise the cells itself."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from redress.platform import spreadsheets
from redress.reporting.v1 import reporting_pb2
from services.reporting.store import Row

EXPORT_COLUMNS = (
    "case_id",
    "received_at",
    "resolved_at",
    "closed_at",
    "stage",
    "priority",
    "channel",
    "regime",
    "product",
    "sub_product",
    "issue",
    "team",
    "assignee",
    "escalation_level",
    "decision",
    "outcome",
    "root_cause",
    "redress_currency",
    "redress_minor",
)
# The time zone of the ASIC IDR data's dates, that of the au-nsw calendar
# the asic_idr_response clock counts in.
ASIC_ZONE = ZoneInfo("Australia/Sydney")
ASIC_COLUMNS = (
    "complaint_id",
    "date_received",
    "date_closed",
    "days_to_close",
    "product",
    "issue",
    "channel",
    "outcome",
    "compensation_aud_cents",
    "within_idr_timeframe",
    "complainant_tags",
)


def export_record(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in EXPORT_COLUMNS:
        value = getattr(row, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def asic_record(row: Row) -> dict[str, Any]:
    """One complaint's row of the ASIC IDR data: dates are Australian
    (Sydney) calendar dates, days to close the calendar days between them."""
    due = row.clocks.get("asic_idr_response", ("", None, None))[1]
    closed = row.resolved_at
    received_on = row.received_at.astimezone(ASIC_ZONE).date()
    closed_on = closed.astimezone(ASIC_ZONE).date() if closed else None
    return {
        "complaint_id": row.case_id,
        "date_received": received_on.isoformat(),
        "date_closed": closed_on.isoformat() if closed_on else "",
        "days_to_close": (closed_on - received_on).days if closed_on else "",
        "product": row.product,
        "issue": row.issue,
        "channel": row.channel,
        "outcome": row.decision or ("open" if closed is None else "resolved"),
        "compensation_aud_cents": row.redress_minor if row.redress_currency == "AUD" else 0,
        "within_idr_timeframe": ""
        if closed is None
        else ("yes" if due is None or closed <= due else "no"),
        "complainant_tags": "; ".join(row.tags),
    }


def jsonl(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def export_chunks(
    rows: Iterator[Row], fmt: int, size: int = 256 * 1024
) -> Iterator[tuple[bytes, int]]:
    """The export file in pieces of about `size` bytes, with the running count."""
    buffer = io.StringIO()
    count = 0
    writer: Any = None
    if fmt != reporting_pb2.EXPORT_FORMAT_JSONL:
        columns = (
            ASIC_COLUMNS if fmt == reporting_pb2.EXPORT_FORMAT_ASIC_IDR_CSV else EXPORT_COLUMNS
        )
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
    for row in rows:
        if fmt == reporting_pb2.EXPORT_FORMAT_JSONL:
            buffer.write(jsonl(export_record(row)))
        elif fmt == reporting_pb2.EXPORT_FORMAT_ASIC_IDR_CSV:
            writer.writerow(spreadsheets.record(asic_record(row)))
        else:
            writer.writerow(spreadsheets.record(export_record(row)))
        count += 1
        if buffer.tell() >= size:
            yield buffer.getvalue().encode(), count
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode(), count
