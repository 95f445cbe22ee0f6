"""indexes for ListCases at a million cases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:40:00

Every sort order of ListCases gets a (key, id) index so that a page, however
deep, is one index range scan: received_at, priority, updated_at and the new
deadline_order column (next_deadline, or 9999-01-01 when there is none, so
that "soonest deadline first" needs no expression index). On PostgreSQL, the
free-text filter (ILIKE over narratives and notes) is served by pg_trgm GIN
indexes when the extension can be created; without it the filter still works,
by scanning.
"""

import logging

import sqlalchemy as sa
from alembic import op

from redress.db.base import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
FAR_FUTURE = {"postgresql": "'9999-01-01 00:00:00+00'", "sqlite": "'9999-01-01 00:00:00.000000'"}


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "deadline_order",
                UtcDateTime(),
                nullable=False,
                server_default=sa.text(FAR_FUTURE.get(dialect, FAR_FUTURE["postgresql"])),
            )
        )
        batch_op.drop_index("ix_cases_next_deadline")
        batch_op.drop_index("ix_cases_received_at")
    op.execute("UPDATE cases SET deadline_order = next_deadline WHERE next_deadline IS NOT NULL")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_received_at_id", ["received_at", "id"], unique=False)
        batch_op.create_index("ix_cases_deadline_order_id", ["deadline_order", "id"], unique=False)
        batch_op.create_index("ix_cases_priority_id", ["priority", "id"], unique=False)
        batch_op.create_index("ix_cases_updated_at_id", ["updated_at", "id"], unique=False)
    if dialect == "postgresql":
        _trigram_indexes(bind)


def _trigram_indexes(bind: sa.engine.Connection) -> None:
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        savepoint.commit()
    except sa.exc.DBAPIError as err:
        savepoint.rollback()
        log.warning(
            "pg_trgm is not available (%s); free-text case search will scan. "
            "Ask the database administrator to run CREATE EXTENSION pg_trgm, then "
            "re-run the migration's indexes (docs/deployment.md).",
            err.orig,
        )
        return
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_trgm_cases_narrative ON cases "
        "USING gin (narrative gin_trgm_ops)"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_trgm_notes_body ON notes USING gin (body gin_trgm_ops)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_trgm_notes_body")
    op.execute("DROP INDEX IF EXISTS ix_trgm_cases_narrative")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_updated_at_id")
        batch_op.drop_index("ix_cases_priority_id")
        batch_op.drop_index("ix_cases_deadline_order_id")
        batch_op.drop_index("ix_cases_received_at_id")
        batch_op.create_index("ix_cases_received_at", ["received_at"], unique=False)
        batch_op.create_index("ix_cases_next_deadline", ["next_deadline"], unique=False)
        batch_op.drop_column("deadline_order")
