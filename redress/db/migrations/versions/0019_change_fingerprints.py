"""each recorded workflow change keeps a fingerprint of what it said

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 04:00:00

A change was known by its id alone, so a second report under the same id
with different content (a workflow replayed after a crash, taking another
path) was dropped as "already applied" and its audit entries were lost
without a word. The store now keeps a fingerprint of each change's content
and refuses a same-id/different-content report as a conflict. Changes
recorded before have no fingerprint; a repeat of one of them is taken as the
same change, which is all that could be told before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applied_changes") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applied_changes") as batch:
        batch.drop_column("fingerprint")
