"""what of the case each webhook's events carry

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 10:00:00

webhooks.case_fields: the groups of case fields (stage, product, issue,
deadlines, customer, narrative, ...) a webhook's events carry for a CRM.
Webhooks made before get the default, an empty list: every group but the
customer's contact details and the narrative.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("case_fields", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_column("case_fields")
