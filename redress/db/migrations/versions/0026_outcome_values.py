"""outcome values a policy or complaint type defines

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 01:30:00

outcomes.outcome: the outcome value chosen from the case's policy's
`outcomes` (e.g. "replacement_sent"); "" for cases whose policy defines none,
which record a decision only. The decision column keeps what it counts as.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("outcome", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("outcome")
