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

import sqlalchemy as sa
from alembic import op

from redress.db.audit_seal import (
    KEY_FILE_VARIABLE,
    AuditKey,
    audit_key_from,
)
from redress.db.base import UtcDateTime
from redress.db.trail_sealing import seal_existing_trails

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


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
        seal_existing_trails(op.get_bind(), key)


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


def downgrade() -> None:
    op.drop_table("audit_trail_heads")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("seal")
