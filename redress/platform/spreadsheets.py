"""Cells a spreadsheet would run as formulas, made inert (CSV or formula injection).

A complaint's text is the customer's: a product of `=HYPERLINK("http://…"&A1,"x")`
becomes a live formula when a CSV or XLSX export is opened in Excel, LibreOffice or
Google Sheets. Following OWASP's CSV-injection guidance, a text cell that begins
with `=`, `+`, `-`, `@`, a tab or a carriage return (or their full-width forms
U+FF1D, U+FF0B, U+FF0D, U+FF20, which some spreadsheets treat alike) is prefixed
with a single quote, so that it is read as text. Values that are numbers stay
numbers, and so does text that is just a number (`-12.5`): it runs nothing. Every
CSV the platform writes for people passes its cells through `cell`; machine
formats (JSON, JSONL) carry the text raw.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# What a spreadsheet may take as the start of a formula or a DDE call.
TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet could execute this text as a formula."""
    stripped = text.lstrip(" ")
    # Spreadsheets skip leading spaces before deciding; a number runs nothing.
    return bool(stripped) and stripped[0] in TRIGGERS and not _NUMBER.fullmatch(stripped)


def cell(value: Any) -> Any:
    """The value to write into a CSV cell: text that would run is quoted with `'`."""
    if isinstance(value, str) and runs_as_formula(value):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


def record(values: dict[str, Any]) -> dict[str, Any]:
    return {k: cell(v) for k, v in values.items()}
