"""audit trails sealed under a key the database does not hold

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 10:00:00

Each audit entry gets a seal (an HMAC under the audit key over its case,
sequence, hash and erased values) and each case a sealed head (how many
entries its trail has and the last one's hash): redress/db/audit_seal.py.
The trails already recorded are sealed as they stand at this upgrade, so
the upgrade needs the audit key (REDRESS_AUDIT_KEY_FILE or REDRESS_AUDIT_KEY)
when there are any; a change made to a trail before it is detectable only
by the hash chain, as it was (docs/privacy.md).
"""

import os
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from redress.db.audit_seal import (
    KEY_FILE_VARIABLE,
    AuditKey,
    audit_key_from,
    entry_seal,
    head_seal,
)
from redress.db.base import UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

VALUE_FIELDS = ("old_value", "new_value", "cause")


def upgrade() -> None:
    # Asked before any change: SQLite does not roll back a half-done upgrade.
    key = _key_if_needed()
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("seal", sa.String(64), nullable=False, server_default=""))
    op.create_table(
        "audit_trail_heads",
        sa.Column("case_id", sa.String(20), sa.ForeignKey("cases.case_id"), primary_key=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("seal", sa.String(64), nullable=False),
        sa.Column("sealed_at", UtcDateTime(), nullable=False),
    )
    if key is not None:
        _seal_existing_trails(key)


def _key_if_needed() -> AuditKey | None:
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT 1 FROM audit_events LIMIT 1")).first() is None:
        return None
    key = audit_key_from(os.environ)
    if key is None:
        raise RuntimeError(
            "this upgrade seals the audit trails already recorded and needs the audit key: "
            f"set {KEY_FILE_VARIABLE} to the file holding it (docs/deployment.md)"
        )
    return key


def _seal_existing_trails(key: AuditKey) -> None:
    connection = op.get_bind()
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
    rows = connection.execute(
        sa.select(
            events.c.id,
            events.c.case_id,
            events.c.sequence,
            events.c.hash,
            events.c.hash_scheme,
            events.c.value_salts,
        ).order_by(events.c.case_id, events.c.sequence)
    )
    last: dict[str, tuple[int, str]] = {}
    seals = []
    for row in rows:
        salts = row.value_salts or {}
        erased = [f for f in VALUE_FIELDS if f not in salts] if (row.hash_scheme or 1) >= 2 else []
        seals.append(
            {"row_id": row.id, "s": entry_seal(key, row.case_id, row.sequence, row.hash, erased)}
        )
        # Sealed as the trail stands, gaps and all: the hash chain still
        # reports a break made before the upgrade.
        last[row.case_id] = (row.sequence, row.hash)
    if seals:
        connection.execute(
            events.update()
            .where(events.c.id == sa.bindparam("row_id"))
            .values(seal=sa.bindparam("s")),
            seals,
        )
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
            for case_id, (sequence, head) in last.items()
        ],
    )


def downgrade() -> None:
    op.drop_table("audit_trail_heads")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("seal")
