"""The queue's filters, sorting and saved views, as ListCases requests.

A view is the query string of the queue page: the built-in views are fixed
query strings, a person's own views are kept by name in a small JSON file
(one list per person) in the console's data directory.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.platform.enums import choices, from_short_name
from redress.platform.wire import timestamp

FILTERS = (
    "text",
    "stage",
    "priority",
    "assignee",
    "team",
    "category",
    "channel",
    "product",
    "regime",
    "breached",
    "received_from",
    "received_to",
    "sort",
    "order",
    "due_by",
)
SORTS = {
    "received": cases_pb2.CASE_SORT_FIELD_RECEIVED_AT,
    "deadline": cases_pb2.CASE_SORT_FIELD_NEXT_DEADLINE,
    "priority": cases_pb2.CASE_SORT_FIELD_PRIORITY,
    "updated": cases_pb2.CASE_SORT_FIELD_UPDATED_AT,
}
PRIORITIES = choices(common_pb2.Priority)
CHANNELS = choices(common_pb2.Channel)
REGIMES = choices(common_pb2.Regime)
PAGE_SIZE = 50


@dataclass(frozen=True)
class View:
    name: str
    query: dict[str, str]
    builtin: bool = False

    @property
    def href(self) -> str:
        return "/cases?" + urlencode({**self.query, "view": self.name})


def builtin_views(me: str, open_stages: list[str]) -> list[View]:
    """The views everybody has: what a handler and a supervisor open first."""
    still_open = ",".join(open_stages)
    return [
        View("my open cases", {"assignee": me, "stage": still_open, "sort": "deadline"}, True),
        View(
            "breaching today",
            {"stage": still_open, "sort": "deadline", "order": "asc", "due_by": "today"},
            True,
        ),
        View(
            "unassigned high priority",
            {"assignee": "-", "priority": "high,urgent", "stage": still_open, "sort": "received"},
            True,
        ),
        View("breached", {"breached": "yes", "stage": still_open, "sort": "deadline"}, True),
    ]


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _day(value: str, field: str, problems: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems[field] = "a date as YYYY-MM-DD"
        return None


def list_request(
    query: dict[str, str], page_token: str
) -> tuple[cases_pb2.ListCasesRequest, datetime | None, dict[str, str]]:
    """The request a queue query asks for, the cut-off of "due by", and the
    fields the console itself cannot read (the services check the rest)."""
    problems: dict[str, str] = {}
    request = cases_pb2.ListCasesRequest(
        page=common_pb2.PageRequest(page_size=PAGE_SIZE, page_token=page_token),
        text=query.get("text", ""),
    )
    request.stages.extend(_split(query.get("stage", "")))
    assignees = _split(query.get("assignee", ""))
    # "-" is how a person asks for cases with nobody assigned.
    request.assignees.extend("" if a == "-" else a for a in assignees)
    request.teams.extend(_split(query.get("team", "")))
    request.categories.extend(_split(query.get("category", "")))
    request.products.extend(_split(query.get("product", "")))
    for name in _split(query.get("priority", "")):
        value = from_short_name(common_pb2.Priority, name)
        if not value:
            problems["priority"] = "one of " + ", ".join(PRIORITIES)
        request.priorities.append(value)  # type: ignore[arg-type]
    for name in _split(query.get("channel", "")):
        value = from_short_name(common_pb2.Channel, name)
        if not value:
            problems["channel"] = "one of " + ", ".join(CHANNELS)
        request.channels.append(value)  # type: ignore[arg-type]
    for name in _split(query.get("regime", "")):
        value = from_short_name(common_pb2.Regime, name)
        if not value:
            problems["regime"] = "one of " + ", ".join(REGIMES)
        request.regimes.append(value)  # type: ignore[arg-type]
    breached = query.get("breached", "")
    if breached in ("yes", "no"):
        request.breached = breached == "yes"
    elif breached:
        problems["breached"] = "yes or no"
    start = _day(query.get("received_from", ""), "received_from", problems)
    end = _day(query.get("received_to", ""), "received_to", problems)
    if start:
        request.received.start.CopyFrom(timestamp(datetime.combine(start, time(), UTC)))
    if end:
        request.received.end.CopyFrom(
            timestamp(datetime.combine(end + timedelta(days=1), time(), UTC))
        )
    sort = query.get("sort", "")
    if sort and sort not in SORTS:
        problems["sort"] = "one of " + ", ".join(SORTS)
    request.sort_by = SORTS.get(sort, cases_pb2.CASE_SORT_FIELD_UNSPECIFIED)
    request.ascending = query.get("order", "") == "asc" or (
        sort == "deadline" and query.get("order", "") != "desc"
    )
    due_by = None
    if query.get("due_by") == "today":
        due_by = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), time(), UTC)
    elif query.get("due_by"):
        problems["due_by"] = "today"
    return request, due_by, problems


class SavedViews:
    """Each person's own views, by name; written whole and replaced atomically."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, dict[str, str]]]:
        try:
            data = json.loads(self._path.read_text())
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, dict[str, dict[str, str]]]) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self._path.with_suffix(".tmp")
        scratch.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(scratch, self._path)

    def of(self, person: str) -> list[View]:
        with self._lock:
            mine = self._read().get(person, {})
        return [View(name, dict(query)) for name, query in sorted(mine.items())]

    def save(self, person: str, name: str, query: dict[str, str]) -> None:
        kept = {k: v for k, v in query.items() if k in FILTERS and v}
        with self._lock:
            data = self._read()
            data.setdefault(person, {})[name] = kept
            self._write(data)

    def delete(self, person: str, name: str) -> None:
        with self._lock:
            data = self._read()
            data.get(person, {}).pop(name, None)
            self._write(data)
