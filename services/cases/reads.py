"""How much of a case a read returns: bounded however large the case has grown.

A case's notes, subtasks and links are capped (services/cases/store.py), but
cases that grew before the caps existed keep what they hold, and the audit
trail is never capped. So no answer carries a case whole: GetCase takes the
most recent notes and audit entries within a byte budget, the commands'
answers take none, and each page of a listing ends before it passes
redress/platform/pages.py's PAGE_BYTES. Sizes are the encoded protobuf sizes, so the bound holds in
four-byte characters too.

Worst case for one case (GetCase): 1 MiB of notes, 1 MiB of audit entries,
1 MiB of subtasks, 256 KiB of links and a complaint of at most 32,000
characters per text field: about 3.5 MB, under gRPC's 4 MB default (so
clients that keep it still read every case) and Redress's 8 MB
(redress/platform/channels.py).
"""

from __future__ import annotations

from typing import Any

from redress.cases.v1 import cases_pb2

# GetCase's notes and audit entries: the most recent, as many as fit.
NOTES_IN_CASE = 20
AUDIT_EVENTS_IN_CASE = 100
NOTES_BYTES = 1 << 20
AUDIT_EVENTS_BYTES = 1 << 20
SUBTASKS_BYTES = 1 << 20
LINKS_BYTES = 256 << 10


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


def bounded_case(message: cases_pb2.Case) -> cases_pb2.Case:
    """`message` with its lists cut to the read budgets (the counts set
    beside them say how many the case holds)."""
    most_recent_within(message.notes, NOTES_BYTES)
    most_recent_within(message.audit_events, AUDIT_EVENTS_BYTES)
    most_recent_within(message.subtasks, SUBTASKS_BYTES)
    most_recent_within(message.links, LINKS_BYTES)
    return message
