"""self-service answers that deflected a complaint, or did not

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 23:00:00

kb_deflections (owned by services/knowledge): one row per customer answer
about a customer article shown on the public web form or status page,
recorded by KnowledgeService.RecordDeflection, idempotent on its key.
Reporting reads it (GetDeflections) as part of its declared read model.
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_deflections",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("article_id", sa.String(40), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("query", sa.String(500), nullable=False, server_default=""),
        sa.Column("language", sa.String(35), nullable=False, server_default=""),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_kb_deflections_recorded_at", "kb_deflections", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_kb_deflections_recorded_at", table_name="kb_deflections")
    op.drop_table("kb_deflections")
