"""the complaint type a case runs under

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 22:30:00

cases.complaint_type: the name of the policy's complaint type whose rules the
case follows (docs/lifecycle.md, "Complaint types"), "default" for the
policy's base rules, "" for cases whose policy has no types (every case made
before: they keep running under their policy as a whole).
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("complaint_type", sa.String(64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("complaint_type")
