"""services/reporting's own tables: saved report definitions and regulatory
returns kept as first computed.

Owner: services/reporting, which otherwise only reads the case tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from redress.db.base import Base


class SavedReport(Base):
    """One version of a saved report definition (the ReportDefinition message as JSON)."""

    __tablename__ = "report_definitions"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime]


class KeptReturn(Base):
    """A regulatory return as first computed for a period that had ended."""

    __tablename__ = "regulatory_returns"

    regime: Mapped[str] = mapped_column(String(20), primary_key=True)
    period_start: Mapped[datetime] = mapped_column(primary_key=True)
    period_end: Mapped[datetime] = mapped_column(primary_key=True)
    # [{"reference", "description", "breakdown", "value", "case_ids"}], in order.
    lines: Mapped[list[Any]] = mapped_column(default=list)
    generated_at: Mapped[datetime]
    generated_by: Mapped[str] = mapped_column(String(100))
