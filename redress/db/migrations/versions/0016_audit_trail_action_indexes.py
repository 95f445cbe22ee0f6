"""audit trail indexes for the reports and metrics that count entries by action

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 22:00:00

Some figures are counted from the audit trail, which grows by about twenty
entries a case: the dashboard's reopened cases (case.reopened entries in the
period), and the business metrics' clock breaches (clock.breached, by clock)
and closures (stage changes into a closed stage, for the time-to-close
histogram). Without an index by action each of them read the whole
audit_events table: at a million cases (25.7 million entries, 20 GB) the
dashboard's reopened count alone took 3.4 s of its 6-7 s, and a metrics
refresh 25 s (bench/reports.py). ix_audit_events_action_recorded_at finds
the entries of one action in a period and carries the case and the field, so
they are counted from the index alone; ix_audit_events_stage_entered, over
stage changes only, finds the entries into a given stage. Building them on a
trail that size takes a few minutes.
"""

from alembic import op
from sqlalchemy import text

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_events_action_recorded_at",
        "audit_events",
        ["action", "recorded_at", "case_id", "field"],
    )
    op.create_index(
        "ix_audit_events_stage_entered",
        "audit_events",
        ["new_value", "case_id", "recorded_at"],
        postgresql_where=text("action = 'case.stage_changed'"),
        sqlite_where=text("action = 'case.stage_changed'"),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_stage_entered", table_name="audit_events")
    op.drop_index("ix_audit_events_action_recorded_at", table_name="audit_events")
