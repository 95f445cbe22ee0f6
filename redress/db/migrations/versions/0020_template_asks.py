"""each letter template declares the values its sender supplies

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 05:00:00

A template read `extra.question` without saying so, and the console had no
box for it: the letter could not be sent and the refusal named a Python
attribute. Each template version now keeps what it asks of the person
sending it (name, label per language, required, kind). Versions stored
before ask for nothing; the shipped letters get a new version that does the
next time services/followup starts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_templates") as batch:
        batch.add_column(
            sa.Column("asks", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("message_templates") as batch:
        batch.drop_column("asks")
