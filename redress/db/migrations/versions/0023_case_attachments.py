"""files on cases, each content stored once

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 22:30:00

attachment_contents holds each distinct file's bytes under its SHA-256;
case_attachments the files on each case (name, media type read from the
content, size, source, who added it, the upload's idempotency key). Owned by
services/cases (docs/attachments.md). The knowledge service's blob store
keeps the knowledge base's files; the blob ids intake used to take stay on
the cases that were given them (cases.attachment_ids).
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment_contents",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_attachment_contents")),
    )
    op.create_table(
        "case_attachments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("attachment_id", sa.String(20), nullable=False),
        sa.Column("case_id", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.Column("idempotency_key", sa.String(210), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_attachments_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["attachment_contents.sha256"],
            name=op.f("fk_case_attachments_sha256_attachment_contents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
        sa.UniqueConstraint("attachment_id", name=op.f("uq_case_attachments_attachment_id")),
        sa.UniqueConstraint(
            "case_id", "idempotency_key", name=op.f("uq_case_attachments_case_id_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_case_attachments_case_id"), "case_attachments", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_case_attachments_sha256"), "case_attachments", ["sha256"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_case_attachments_sha256"), table_name="case_attachments")
    op.drop_index(op.f("ix_case_attachments_case_id"), table_name="case_attachments")
    op.drop_table("case_attachments")
    op.drop_table("attachment_contents")
