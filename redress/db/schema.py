"""The whole schema: every owner's tables on one metadata, for migrations and
test databases. Services import only their own tables' module."""

from __future__ import annotations

from redress.db.base import Base
from redress.db.tables import cases, followup, knowledge, reporting

OWNERS = {
    "services/cases": cases,
    "services/followup": followup,
    "services/knowledge": knowledge,
    "services/reporting": reporting,
}

__all__ = ["OWNERS", "Base"]
