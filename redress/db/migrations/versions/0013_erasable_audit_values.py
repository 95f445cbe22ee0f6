"""audit values sealed by salted commitments; customers' erasure

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 15:00:00

Existing audit entries keep hash scheme 1 and verify as before; a case's
entries are resealed under scheme 2 only when its customer's data is erased,
after the old chain has been verified (services/cases/erasure.py).
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(
            sa.Column("hash_scheme", sa.SmallInteger(), nullable=False, server_default="1")
        )
        batch.add_column(sa.Column("commitments", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("value_salts", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("erased_at", UtcDateTime(), nullable=True))
        batch.add_column(
            sa.Column("erasure_reference", sa.String(200), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("erasure_reference")
        batch.drop_column("erased_at")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("value_salts")
        batch.drop_column("commitments")
        batch.drop_column("hash_scheme")
