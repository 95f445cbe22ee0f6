"""Device vigilance as a complaint carries it: the reportability decision a
complaint handler records on a case under an awareness regime (one whose
clocks run from the day the manufacturer became aware of a reportable event,
such as fda_mdr or eu_mdr), and the reports made to the regulator.

Plain dataclasses with defaults, as in complaint_state.py (no `from
__future__ import annotations`: the workflow sandbox decodes them).
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ReportabilityCommand:
    """Whether the event a complaint describes must be reported, and what
    the regulator's form needs that the complaint alone does not hold."""

    actor: str
    reportable: bool
    # One of the regime's event_kinds (required when reportable).
    event_kind: str
    # When the manufacturer became aware of the event: the clocks run from it.
    aware_at: datetime
    reasons: str
    # The investigation made, or why none is needed (quality-system duty).
    investigation: str = ""
    device_model: str = ""
    lot_or_serial: str = ""
    udi: str = ""
    # YYYY-MM-DD, when known.
    event_date: str = ""
    patient_outcome: str = ""
    description: str = ""
    idempotency_key: str = ""


@dataclass
class RegulatoryReportCommand:
    """A report made to the regulator against one of the case's awareness clocks."""

    actor: str
    clock: str
    submitted_at: datetime
    # The regulator's reference or the manufacturer report number.
    reference: str
    idempotency_key: str = ""


@dataclass
class RegulatoryReportInfo:
    clock: str
    submitted_at: datetime
    reference: str
    recorded_at: datetime
    recorded_by: str
    idempotency_key: str = ""


@dataclass
class ReportabilityInfo:
    reportable: bool
    event_kind: str
    aware_at: datetime
    reasons: str
    decided_at: datetime
    decided_by: str
    investigation: str = ""
    device_model: str = ""
    lot_or_serial: str = ""
    udi: str = ""
    event_date: str = ""
    patient_outcome: str = ""
    description: str = ""
    idempotency_key: str = ""
    # The clocks the decision started (names), each with its report once made.
    clocks: list[str] = field(default_factory=list)
    reports: list[RegulatoryReportInfo] = field(default_factory=list)
