"""deleted webhooks

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 21:00:00

webhooks.deleted_at and deleted_by: DeleteWebhook keeps the row, so that the
delivery log (webhook_deliveries) still names the webhook its events went to;
a deleted webhook is listed nowhere, queues nothing and sends nothing.
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", UtcDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("deleted_by", sa.String(length=100), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_column("deleted_by")
        batch_op.drop_column("deleted_at")
