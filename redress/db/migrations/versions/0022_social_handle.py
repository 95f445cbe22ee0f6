"""a customer's social media handle as a way of contact

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 04:30:00

customers.social_handle and cases.contact_social_handle: "<platform>:<handle>"
as the social and chat channel adapter (services/intake/social) saw it. Who
wrote, never where a letter goes (docs/social.md). Rows made before have none.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("social_handle", sa.String(200), nullable=False, server_default="")
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_social_handle", sa.String(200), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("contact_social_handle")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("social_handle")
