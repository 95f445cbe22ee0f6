"""how each satisfaction survey answer came

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 01:30:00

satisfaction_responses.source: "link" (a signed link in the survey letter),
"status_page", "email_reply" (a reply to the survey letter read by the mail
gateway) or "staff" (recorded by a person; the answers recorded before this
column existed). Reporting counts the answers by it.

Staff reminders need no table: they live in the case's workflow and on its
audit trail (reminder.set, reminder.delivered, reminder.cancelled), from
which services/cases reads them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("satisfaction_responses") as batch:
        batch.add_column(sa.Column("source", sa.String(20), nullable=False, server_default="staff"))


def downgrade() -> None:
    with op.batch_alter_table("satisfaction_responses") as batch:
        batch.drop_column("source")
