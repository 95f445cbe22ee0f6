"""The audit trail's hash chain.

Each entry's hash covers the previous entry's hash and this entry's content,
so that changing, removing or reordering any stored entry breaks every link
after it. The first entry of a case chains from GENESIS.

Two hashing schemes, each entry saying which it was sealed with:

1. The entry's values themselves are hashed. Entries recorded before
   customers' data could be erased; they still verify as they always did.
2. Each value (old value, new value, cause) is replaced in the hash by a
   commitment to it: sha256 over a random salt and the value. The salt and
   the value are kept beside it while the value is held, and both are
   removed when the value is erased, so that the chain still verifies from
   the commitment alone and the erased value cannot be recovered by
   guessing (a bare sha256 of an email address can be). A value held
   must still match its commitment, so altering it is detected as before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64
CURRENT_SCHEME = 2
# The values of an entry that can carry personal data, in hashing order.
VALUE_FIELDS = ("old_value", "new_value", "cause")


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
    scheme: int = 1
    # Scheme 2: the commitment to each of VALUE_FIELDS, and the salt of each
    # value still held (an erased value has neither value nor salt).
    commitments: dict[str, str] = dataclasses.field(default_factory=dict)
    salts: dict[str, str] = dataclasses.field(default_factory=dict)

    def value(self, name: str) -> str:
        return str(getattr(self, name))

    def erased(self) -> list[str]:
        """The values erased from this entry."""
        if self.scheme < 2:
            return []
        return [name for name in VALUE_FIELDS if name not in self.salts]


def commitment(salt: str, value: str) -> str:
    return hashlib.sha256((salt + value).encode()).hexdigest()


def new_salts() -> dict[str, str]:
    return {name: secrets.token_hex(16) for name in VALUE_FIELDS}


def commitments_of(values: dict[str, str], salts: dict[str, str]) -> dict[str, str]:
    return {name: commitment(salts[name], values[name]) for name in VALUE_FIELDS}


def entry_hash(previous_hash: str, entry: AuditEntry) -> str:
    if entry.scheme == 1:
        values: list[object] = [entry.old_value, entry.new_value, entry.cause]
        head: list[object] = []
    else:
        values = [entry.commitments.get(name, "") for name in VALUE_FIELDS]
        head = [entry.scheme]
    content = json.dumps(
        [
            *head,
            entry.case_id,
            entry.sequence,
            entry.recorded_at.isoformat(timespec="microseconds"),
            entry.actor_kind,
            entry.actor_id,
            entry.rule_version,
            entry.action,
            entry.field,
            *values,
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


def _values_match(entry: AuditEntry) -> bool:
    """A scheme-2 entry's values still held match their commitments, and
    every erased value is empty."""
    if entry.scheme < 2:
        return True
    for name in VALUE_FIELDS:
        salt = entry.salts.get(name)
        if salt is None:
            if entry.value(name):
                return False
        elif commitment(salt, entry.value(name)) != entry.commitments.get(name):
            return False
    return True


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
        if stored_hash != expected or not _values_match(entry):
            return ChainVerdict(
                False,
                index,
                entry.sequence,
                f"entry {entry.sequence} ({entry.action}) was altered after it was recorded",
            )
        previous = stored_hash
    return ChainVerdict(True, len(entries))
