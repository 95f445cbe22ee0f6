"""Sealing the audit trails already recorded, as the upgrade that introduced
seals does (migration 0017): every entry, and each case's head as its trail
stands, gaps and all.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from redress.db.audit_seal import VALUE_FIELDS, AuditKey, entry_seal, head_seal
from redress.db.base import UtcDateTime

# Entries read, sealed and written back at a time.
SEAL_BATCH = 20_000


def seal_existing_trails(connection: sa.Connection, key: AuditKey, batch: int = SEAL_BATCH) -> None:
    """Seals every entry and every case's head as the trails stand."""
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("case_id", sa.String()),
        sa.column("sequence", sa.Integer()),
        sa.column("hash", sa.String()),
        sa.column("hash_scheme", sa.SmallInteger()),
        sa.column("value_salts", sa.JSON()),
        sa.column("seal", sa.String()),
    )
    heads = sa.table(
        "audit_trail_heads",
        sa.column("case_id", sa.String()),
        sa.column("entries", sa.Integer()),
        sa.column("head_hash", sa.String()),
        sa.column("key_id", sa.String()),
        sa.column("seal", sa.String()),
        sa.column("sealed_at", UtcDateTime()),
    )
    now = datetime.now(UTC)
    # In batches in (case, sequence) order, so that memory stays the same at
    # a million cases as at a hundred: each batch's seals are written, and a
    # case's head once its last entry has been read.
    after: tuple[str, int] | None = None
    current: tuple[str, int, str] | None = None  # case, last sequence, its hash
    while True:
        query = sa.select(
            events.c.id,
            events.c.case_id,
            events.c.sequence,
            events.c.hash,
            events.c.hash_scheme,
            events.c.value_salts,
        ).order_by(events.c.case_id, events.c.sequence)
        if after is not None:
            query = query.where(sa.tuple_(events.c.case_id, events.c.sequence) > sa.tuple_(*after))
        rows = connection.execute(query.limit(batch)).all()
        if not rows:
            break
        seals = []
        finished_heads = []
        for row in rows:
            salts = row.value_salts or {}
            erased = (
                [f for f in VALUE_FIELDS if f not in salts] if (row.hash_scheme or 1) >= 2 else []
            )
            seals.append(
                {
                    "row_id": row.id,
                    "s": entry_seal(key, row.case_id, row.sequence, row.hash, erased),
                }
            )
            if current is not None and current[0] != row.case_id:
                finished_heads.append(current)
            # Sealed as the trail stands, gaps and all: the hash chain still
            # reports a break made before the upgrade.
            current = (row.case_id, row.sequence, row.hash)
        connection.execute(
            events.update()
            .where(events.c.id == sa.bindparam("row_id"))
            .values(seal=sa.bindparam("s")),
            seals,
        )
        _insert_heads(connection, heads, key, finished_heads, now)
        after = (rows[-1].case_id, rows[-1].sequence)
    if current is not None:
        _insert_heads(connection, heads, key, [current], now)


def _insert_heads(
    connection: sa.Connection,
    heads: sa.TableClause,
    key: AuditKey,
    finished: list[tuple[str, int, str]],
    now: datetime,
) -> None:
    if not finished:
        return
    connection.execute(
        heads.insert(),
        [
            {
                "case_id": case_id,
                "entries": sequence,
                "head_hash": head,
                "key_id": key.key_id,
                "seal": head_seal(key, case_id, sequence, head),
                "sealed_at": now,
            }
            for case_id, sequence, head in finished
        ],
    )
