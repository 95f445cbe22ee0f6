"""clocks, subtasks, outcomes, notes, policies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:14:07.159455
"""

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applied_changes",
        sa.Column("change_id", sa.String(length=300), nullable=False),
        sa.Column("case_id", sa.String(length=20), nullable=False),
        sa.Column("applied_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_applied_changes")),
    )
    op.create_table(
        "policies",
        sa.Column("policy_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("policy_id", "version", name=op.f("pk_policies")),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policies_published_at"), ["published_at"], unique=False
        )

    op.create_table(
        "case_clocks",
        sa.Column("case_id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("regulatory", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("calendar", sa.String(length=100), nullable=False),
        sa.Column("regulation", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("remaining_seconds", sa.Double(), nullable=False),
        sa.Column("paused_seconds", sa.Double(), nullable=False),
        sa.Column("pause_reason", sa.String(length=100), nullable=False),
        sa.Column("stopped_at", UtcDateTime(), nullable=True),
        sa.Column("breached_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_clocks_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "name", name=op.f("pk_case_clocks")),
    )
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.create_index("ix_case_clocks_state_due_at", ["state", "due_at"], unique=False)

    op.create_table(
        "notes",
        sa.Column("note_id", sa.String(length=60), nullable=False),
        sa.Column("case_id", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("customer_visible", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_notes_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("note_id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "outcomes",
        sa.Column("case_id", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("redress_currency", sa.String(length=3), nullable=False),
        sa.Column("redress_minor", sa.BigInteger(), nullable=False),
        sa.Column("goodwill_currency", sa.String(length=3), nullable=False),
        sa.Column("goodwill_minor", sa.BigInteger(), nullable=False),
        sa.Column("root_cause", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_outcomes_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_outcomes")),
    )
    op.create_table(
        "subtasks",
        sa.Column("subtask_id", sa.String(length=60), nullable=False),
        sa.Column("case_id", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("assignee", sa.String(length=100), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_subtasks_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("subtask_id", name=op.f("pk_subtasks")),
    )
    with op.batch_alter_table("subtasks", schema=None) as batch_op:
        batch_op.create_index("ix_subtasks_assignee_state", ["assignee", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_subtasks_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subtasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subtasks_case_id"))
        batch_op.drop_index("ix_subtasks_assignee_state")

    op.drop_table("subtasks")
    op.drop_table("outcomes")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_case_id"))

    op.drop_table("notes")
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_case_clocks_state_due_at")

    op.drop_table("case_clocks")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policies_published_at"))

    op.drop_table("policies")
    op.drop_table("applied_changes")
