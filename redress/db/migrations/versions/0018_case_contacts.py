"""each case keeps the customer's details as its complaint gave them

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 14:00:00

A returning customer used to be matched to their record and what the new
complaint said (name, address, opt-outs, language, tags) was dropped, so
letters followed another complaint's details. Each case now keeps its own
contact (cases.contact_*), which letters, channel choice, surveys and
reports by tag follow; the customer record changes only by an explicit,
audited merge. The cases already stored get their customer record's current
details, which is what their letters followed until now.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Column on cases: column on customers it is first copied from.
FIELDS = {
    "contact_full_name": "full_name",
    "contact_email": "email",
    "contact_phone": "phone",
    "contact_postal_address": "postal_address",
    "contact_preferred_channel": "preferred_channel",
    "contact_preferred_language": "preferred_language",
    "contact_external_ref": "external_ref",
    "contact_tags": "tags",
    "contact_do_not_contact": "do_not_contact",
    "contact_no_surveys": "no_surveys",
}


COLUMNS: tuple[sa.Column[object], ...] = (
    sa.Column("contact_full_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("contact_email", sa.String(320), nullable=False, server_default=""),
    sa.Column("contact_phone", sa.String(40), nullable=False, server_default=""),
    sa.Column("contact_postal_address", sa.JSON(), nullable=False, server_default="{}"),
    sa.Column("contact_preferred_channel", sa.String(20), nullable=False, server_default=""),
    sa.Column("contact_preferred_language", sa.String(35), nullable=False, server_default=""),
    sa.Column("contact_external_ref", sa.String(100), nullable=False, server_default=""),
    sa.Column("contact_tags", sa.JSON(), nullable=False, server_default="[]"),
    sa.Column("contact_do_not_contact", sa.JSON(), nullable=False, server_default="[]"),
    sa.Column("contact_no_surveys", sa.Boolean(), nullable=False, server_default=sa.false()),
)


def upgrade() -> None:
    # Plain ALTER TABLE on every backend: a batch would copy the cases
    # table on SQLite, which later tables' foreign keys refuse.
    for column in COLUMNS:
        op.add_column("cases", column)
    copies = ", ".join(
        f"{column} = (SELECT customers.{source} FROM customers "
        "WHERE customers.id = cases.customer_id)"
        for column, source in FIELDS.items()
    )
    op.execute(
        sa.text(
            f"UPDATE cases SET {copies} "
            "WHERE EXISTS (SELECT 1 FROM customers WHERE customers.id = cases.customer_id)"
        )
    )


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35 and later), as in the upgrade.
    for column in reversed(FIELDS):
        op.drop_column("cases", column)
