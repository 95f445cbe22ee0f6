"""which delivery disabled a webhook

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 11:15:00

webhooks.disabled_by_delivery: the delivery whose giving up disabled the
webhook (empty when a person disabled it, or it is enabled), so that the
administrators' alert follows the disabling even when the worker stopped
between the two and the give-up is done again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.add_column(
            sa.Column("disabled_by_delivery", sa.String(40), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.drop_column("disabled_by_delivery")
