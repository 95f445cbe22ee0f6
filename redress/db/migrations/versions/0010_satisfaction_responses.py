"""satisfaction survey answers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 12:00:00
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satisfaction_responses",
        sa.Column("case_id", sa.String(length=20), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_satisfaction_responses_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_satisfaction_responses")),
    )
    op.create_index(
        "ix_satisfaction_responses_received_at", "satisfaction_responses", ["received_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_satisfaction_responses_received_at", table_name="satisfaction_responses")
    op.drop_table("satisfaction_responses")
