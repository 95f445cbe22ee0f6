"""How much of a case a read returns: bounded however large the case has grown.

A case's notes, subtasks and links are capped (services/cases/store.py), but
cases that grew before the caps existed keep what they hold, and the audit
trail is never capped. So no answer carries a case whole: GetCase takes the
most recent notes and audit entries within a byte budget, the commands'
answers take none, and each page of a listing ends before it passes
PAGE_BYTES. Sizes are the encoded protobuf sizes, so the bound holds in
four-byte characters too.

Worst case for one case (GetCase): 1 MiB of notes, 1 MiB of audit entries,
1 MiB of subtasks, 256 KiB of links and a complaint of at most 32,000
characters per text field: about 3.5 MB, under gRPC's 4 MB default (so
clients that keep it still read every case) and Redress's 8 MB
(redress/platform/channels.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from redress.cases.v1 import cases_pb2

# GetCase's notes and audit entries: the most recent, as many as fit.
NOTES_IN_CASE = 20
AUDIT_EVENTS_IN_CASE = 100
NOTES_BYTES = 1 << 20
AUDIT_EVENTS_BYTES = 1 << 20
SUBTASKS_BYTES = 1 << 20
LINKS_BYTES = 256 << 10
# A page of a listing (ListNotes, ListAuditEvents, ListCases) ends before its
# entries pass this, whatever its page_size; next_page_token goes on.
PAGE_BYTES = 2 << 20


class Sized(Protocol):
    def ByteSize(self) -> int: ...


S = TypeVar("S", bound=Sized)


def most_recent_within(items: Any, budget: int) -> None:
    """Drops the oldest of `items` (a repeated field, oldest first) until the
    rest take at most `budget` bytes."""
    total = 0
    keep = 0
    for item in reversed(items):
        total += item.ByteSize() + 4  # the field's tag and length
        if total > budget:
            break
        keep += 1
    del items[: len(items) - keep]


def page_within(items: Sequence[S], budget: int = PAGE_BYTES) -> int:
    """How many of `items`, from the first, a page carries: those within
    `budget` bytes, and at least one, so that paging always moves on."""
    total = 0
    for taken, item in enumerate(items):
        total += item.ByteSize() + 4
        if total > budget and taken > 0:
            return taken
    return len(items)


def bounded_case(message: cases_pb2.Case) -> cases_pb2.Case:
    """`message` with its lists cut to the read budgets (the counts set
    beside them say how many the case holds)."""
    most_recent_within(message.notes, NOTES_BYTES)
    most_recent_within(message.audit_events, AUDIT_EVENTS_BYTES)
    most_recent_within(message.subtasks, SUBTASKS_BYTES)
    most_recent_within(message.links, LINKS_BYTES)
    return message
