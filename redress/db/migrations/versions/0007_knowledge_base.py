"""knowledge base: articles with revisions, media, the search-index outbox, case articles

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 11:00:00
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("article_id", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("media_ids", sa.JSON(), nullable=False),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_kb_articles")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_kb_articles_external_ref")),
    )
    op.create_index(
        "ix_kb_articles_updated_at_article_id", "kb_articles", ["updated_at", "article_id"]
    )
    op.create_table(
        "kb_article_revisions",
        sa.Column("article_id", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.article_id"],
            name=op.f("fk_kb_article_revisions_article_id_kb_articles"),
        ),
        sa.PrimaryKeyConstraint("article_id", "revision", name=op.f("pk_kb_article_revisions")),
    )
    op.create_table(
        "kb_media",
        sa.Column("media_id", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("media_id", name=op.f("pk_kb_media")),
    )
    op.create_table(
        "kb_index_outbox",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("article_id", sa.String(length=40), nullable=False),
        sa.Column("enqueued_at", UtcDateTime(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_index_outbox")),
    )
    op.create_index("ix_kb_index_outbox_next_attempt_at", "kb_index_outbox", ["next_attempt_at"])
    op.create_table(
        "kb_case_articles",
        sa.Column("case_id", sa.String(length=20), nullable=False),
        sa.Column("article_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "article_id", "kind", name=op.f("pk_kb_case_articles")),
    )
    op.create_index(
        "ix_kb_case_articles_article_id_kind", "kb_case_articles", ["article_id", "kind"]
    )


def downgrade() -> None:
    op.drop_index("ix_kb_case_articles_article_id_kind", table_name="kb_case_articles")
    op.drop_table("kb_case_articles")
    op.drop_index("ix_kb_index_outbox_next_attempt_at", table_name="kb_index_outbox")
    op.drop_table("kb_index_outbox")
    op.drop_table("kb_media")
    op.drop_table("kb_article_revisions")
    op.drop_index("ix_kb_articles_updated_at_article_id", table_name="kb_articles")
    op.drop_table("kb_articles")
