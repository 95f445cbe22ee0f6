"""The audit trail's hash chain.

Each entry's hash covers the previous entry's hash and this entry's content,
so that changing, removing or reordering any stored entry breaks every link
after it. The first entry of a case chains from GENESIS.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    case_id: str
    sequence: int
    recorded_at: datetime
    actor_kind: str
    actor_id: str
    rule_version: str
    action: str
    field: str
    old_value: str
    new_value: str
    cause: str


def entry_hash(previous_hash: str, entry: AuditEntry) -> str:
    content = json.dumps(
        [
            entry.case_id,
            entry.sequence,
            entry.recorded_at.isoformat(timespec="microseconds"),
            entry.actor_kind,
            entry.actor_id,
            entry.rule_version,
            entry.action,
            entry.field,
            entry.old_value,
            entry.new_value,
            entry.cause,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((previous_hash + content).encode()).hexdigest()


@dataclass(frozen=True)
class ChainVerdict:
    intact: bool
    checked: int
    first_broken_sequence: int = 0
    detail: str = ""


def verify_chain(entries: list[tuple[AuditEntry, str, str]]) -> ChainVerdict:
    """Checks (entry, previous_hash, hash) triples in sequence order."""
    if not entries:
        return ChainVerdict(False, 0, 1, "the trail is empty: entry 1 (case.created) is missing")
    previous = GENESIS
    for index, (entry, stored_previous, stored_hash) in enumerate(entries, start=1):
        if entry.sequence != index:
            return ChainVerdict(
                False, index, index, f"entry {index} is missing: found sequence {entry.sequence}"
            )
        if stored_previous != previous:
            return ChainVerdict(
                False,
                index,
                entry.sequence,
                f"entry {entry.sequence} does not follow entry {index - 1}",
            )
        expected = entry_hash(previous, entry)
        if stored_hash != expected:
            return ChainVerdict(
                False,
                index,
                entry.sequence,
                f"entry {entry.sequence} ({entry.action}) was altered after it was recorded",
            )
        previous = stored_hash
    return ChainVerdict(True, len(entries))
