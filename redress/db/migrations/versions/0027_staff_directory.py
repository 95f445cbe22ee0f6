"""the staff directory: people, teams, absences, their trail; round-robin turns

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 01:30:00

Owned by services/cases (docs/staff.md). staff_people and staff_teams hold
each entry as JSON; staff_absences one row per absence; staff_changes the
directory's hash-chained trail; routing_cursors the next round-robin turn
per team and rule.
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "staff_people",
        sa.Column("principal_id", sa.String(100), primary_key=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "staff_teams",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "staff_absences",
        sa.Column("absence_id", sa.String(40), primary_key=True),
        sa.Column("principal_id", sa.String(100), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.UniqueConstraint("idempotency_key", name="uq_staff_absences_idempotency_key"),
    )
    op.create_index("ix_staff_absences_principal_id", "staff_absences", ["principal_id"])
    op.create_index("ix_staff_absences_ends_at", "staff_absences", ["ends_at"])
    op.create_table(
        "staff_changes",
        sa.Column("sequence", BIG, primary_key=True, autoincrement=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(150), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False, server_default=""),
        sa.Column("new_value", sa.Text(), nullable=False, server_default=""),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_staff_changes_subject", "staff_changes", ["subject"])
    op.create_table(
        "routing_cursors",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("turns", BIG, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("routing_cursors")
    op.drop_index("ix_staff_changes_subject", table_name="staff_changes")
    op.drop_table("staff_changes")
    op.drop_index("ix_staff_absences_ends_at", table_name="staff_absences")
    op.drop_index("ix_staff_absences_principal_id", table_name="staff_absences")
    op.drop_table("staff_absences")
    op.drop_table("staff_teams")
    op.drop_table("staff_people")
