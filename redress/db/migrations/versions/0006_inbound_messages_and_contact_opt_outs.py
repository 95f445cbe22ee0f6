"""inbound customer messages and contact opt-outs

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 11:00:00

messages.sender: who sent an inbound message (a customer's reply through the
mail gateway); empty for messages Redress sends. customers.do_not_contact:
channels the customer asked not to be contacted on; customers.no_surveys:
the customer declined satisfaction surveys.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sender", sa.String(length=320), nullable=False, server_default="")
        )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("do_not_contact", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("no_surveys", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("no_surveys")
        batch_op.drop_column("do_not_contact")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("sender")
