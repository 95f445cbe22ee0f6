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

The chain alone cannot show a trail re-hashed after a change, values
blanked as an erasure would blank them, or entries removed from its end:
each entry and each trail's head are also sealed under the audit key,
which the database does not hold (redress/db/audit_seal.py), and
verify_chain checks both.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

from redress.db.audit_seal import (
    VALUE_FIELDS,
    AuditKey,
    AuditKeyError,
    entry_seal,
    hashed_json,
    head_seal,
    seals_match,
)

GENESIS = "0" * 64
CURRENT_SCHEME = 2
# The values of an entry that can carry personal data, in hashing order.


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


SALT_BYTES = 16
# Salts drawn from the system's randomness a thousand entries at a time, per
# thread, each byte used once: bulk imports seal millions of entries, and a
# read of the system's randomness costs more than the rest of a salt.
_drawn = threading.local()


def _forget_drawn() -> None:
    # A forked process draws its own: no two processes share a salt.
    _drawn.__dict__.clear()


os.register_at_fork(after_in_child=_forget_drawn)


def new_salts() -> dict[str, str]:
    size = SALT_BYTES * len(VALUE_FIELDS)
    pool: bytes = getattr(_drawn, "pool", b"")
    at: int = getattr(_drawn, "at", 0)
    if at + size > len(pool):
        pool, at = secrets.token_bytes(size * 1000), 0
        _drawn.pool = pool
    _drawn.at = at + size
    return {
        name: pool[at + SALT_BYTES * i : at + SALT_BYTES * (i + 1)].hex()
        for i, name in enumerate(VALUE_FIELDS)
    }


def commitments_of(values: dict[str, str], salts: dict[str, str]) -> dict[str, str]:
    return {name: commitment(salts[name], values[name]) for name in VALUE_FIELDS}


def entry_hash(previous_hash: str, entry: AuditEntry) -> str:
    if entry.scheme == 1:
        values: list[object] = [entry.old_value, entry.new_value, entry.cause]
        head: list[object] = []
    else:
        values = [entry.commitments.get(name, "") for name in VALUE_FIELDS]
        head = [entry.scheme]
    content = hashed_json(
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
        ]
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


@dataclass(frozen=True)
class TrailHead:
    """Where a trail ended when it was last sealed, and the seal."""

    entries: int
    head_hash: str
    key_id: str
    seal: str


def seal_of(key: AuditKey, entry: AuditEntry, stored_hash: str) -> str:
    return entry_seal(key, entry.case_id, entry.sequence, stored_hash, entry.erased())


def _seal_problem(key: AuditKey, entry: AuditEntry, stored_hash: str, seal: str) -> str:
    """What is wrong with an entry's seal, or "" when it matches."""
    if seals_match(seal, seal_of(key, entry, stored_hash)):
        return ""
    what = f"entry {entry.sequence} ({entry.action})"
    if not seal:
        return f"{what} carries no seal: it was not recorded by the case service"
    erased = entry.erased()
    # Sealed with fewer values erased than it now shows: they were blanked
    # and their salts removed outside an erasure.
    for size in range(len(erased)):
        for sealed_erased in itertools.combinations(erased, size):
            if seals_match(
                seal, entry_seal(key, entry.case_id, entry.sequence, stored_hash, sealed_erased)
            ):
                faked = [name for name in erased if name not in sealed_erased]
                return (
                    f"{what} has its {', '.join(faked)} blanked and salts removed as an "
                    "erasure would, but no erasure erased them"
                )
    return f"{what} does not match its seal: the trail was rewritten from this entry and re-hashed"


def verify_chain(
    case_id: str,
    entries: list[tuple[AuditEntry, str, str, str]],
    key: AuditKey,
    head: TrailHead | None,
) -> ChainVerdict:
    """Checks (entry, previous_hash, hash, seal) in sequence order, and the
    trail's sealed head. A head sealed under another key is an AuditKeyError:
    the trail cannot be judged with this key."""
    if head is not None and head.key_id != key.key_id:
        raise AuditKeyError(
            f"the audit trail of {case_id} was sealed with audit key {head.key_id}, but this "
            f"service holds key {key.key_id}: configure the key the trails were sealed with"
        )
    if not entries:
        sealed = f" (it was sealed with {head.entries})" if head is not None else ""
        return ChainVerdict(
            False, 0, 1, f"the trail is empty: entry 1 (case.created) is missing{sealed}"
        )
    previous = GENESIS
    for index, (entry, stored_previous, stored_hash, seal) in enumerate(entries, start=1):
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
        problem = _seal_problem(key, entry, stored_hash, seal)
        if problem:
            return ChainVerdict(False, index, entry.sequence, problem)
        previous = stored_hash
    count = len(entries)
    last = entries[-1][0]
    if head is None:
        return ChainVerdict(
            False,
            count,
            count,
            f"the trail has no sealed head: whether entries after entry {count} were "
            "removed cannot be told",
        )
    if not seals_match(head.seal, head_seal(key, case_id, head.entries, head.head_hash)):
        return ChainVerdict(
            False,
            count,
            count + 1,
            f"the trail's sealed head was altered: entries after entry {count} may have "
            "been removed",
        )
    if head.entries > count:
        return ChainVerdict(
            False,
            count,
            count + 1,
            f"entry {count + 1} is missing: the trail ends at entry {count} but was sealed "
            f"with {head.entries} entries (entries were removed from its end)",
        )
    if head.entries < count:
        return ChainVerdict(
            False,
            count,
            head.entries + 1,
            f"entry {head.entries + 1} was added after the trail was last sealed, at entry "
            f"{head.entries}",
        )
    if previous != head.head_hash:
        return ChainVerdict(
            False,
            count,
            count,
            f"entry {count} ({last.action}) is not the entry the trail was sealed with: "
            "the trail's last entries were replaced",
        )
    return ChainVerdict(True, count)
