"""Personal data that a service other than services/cases keeps for a case.

Erasing a customer happens in one transaction across every owner's tables,
so that a customer is never half erased; each owner writes its own part of
that transaction through a `PersonalDataHolder` (services/followup/erasure.py
for letters and webhook deliveries). The case service's entry point hands
the holders to its erasure, so that neither service imports the other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

# Columns that are the stores' machinery, not data about the customer.
HIDDEN = {
    "id",
    "email_normalized",
    "fingerprint",
    "value_salts",
    "commitments",
}


class PersonalDataHolder(Protocol):
    def erase_case(
        self, session: Session, case_id: str, identifiers: list[str], erased: dict[str, int]
    ) -> None:
        """Erases what the holder keeps on the case's customer, in the caller's
        transaction, adding to `erased` how many values of each kind it erased."""

    def export_case(self, session: Session, case_id: str) -> dict[str, Any]:
        """What the holder keeps on the case's customer, as JSON-ready data by kind."""


def plain_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def exported_row(row: Any, hide: tuple[str, ...] = ()) -> dict[str, Any]:
    """A table row as the customer's data export shows it."""
    return {
        column.key: plain_value(getattr(row, column.key))
        for column in row.__table__.columns
        if column.key not in HIDDEN and column.key not in hide
    }
