"""regulatory returns kept as first computed for ended periods

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 12:05:00
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regulatory_returns",
        sa.Column("regime", sa.String(length=20), nullable=False),
        sa.Column("period_start", UtcDateTime(), nullable=False),
        sa.Column("period_end", UtcDateTime(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("generated_at", UtcDateTime(), nullable=False),
        sa.Column("generated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint(
            "regime", "period_start", "period_end", name=op.f("pk_regulatory_returns")
        ),
    )


def downgrade() -> None:
    op.drop_table("regulatory_returns")
