"""when each clock first warned

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 14:00:00
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_clocks") as batch:
        batch.add_column(sa.Column("warned_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_clocks") as batch:
        batch.drop_column("warned_at")
