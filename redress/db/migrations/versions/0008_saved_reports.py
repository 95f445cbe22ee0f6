"""saved report definitions, versioned

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 11:30:00
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_definitions",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column("saved_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", "version", name=op.f("pk_report_definitions")),
    )


def downgrade() -> None:
    op.drop_table("report_definitions")
