"""Reports due and made to regulators under the device regimes (fda_mdr,
eu_mdr): one row per report clock a reportability decision started.

Derived, not a table of its own: the case store already holds every fact
once, written by the case's workflow in the same transaction as the rest of
its change (idempotent on the change id) — the report clocks in
`case_clocks` (awareness, due date, stop time, met or breached) and the
decision and each report on the hash-chained audit trail
(`reportability.decided`: the event kind and the form's fields;
`regulatory_report.recorded`: the submission date and reference). A second
copy would have to be kept in step with both across retries and replays.
The reads use the audit trail's (action, recorded_at, case_id) index and the
clocks' primary key; a value erased with the customer's data reads empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redress.db.tables.cases import AuditEvent, Case, CaseClock
from redress.domain import clocks as clk
from redress.domain.regime_packs import shipped_regimes

FORM_FIELDS = (
    "device_model",
    "lot_or_serial",
    "udi",
    "event_date",
    "patient_outcome",
    "description",
)
STATUS = {clk.MET: "met", clk.BREACHED: "missed"}


def awareness_regimes() -> dict[str, set[str]]:
    """Each device regime and the names of its awareness clocks."""
    return {
        name: {c.name for c in definition.clocks if c.starts_from == "awareness"}
        for name, definition in shipped_regimes().items()
        if definition.event_kinds
    }


@dataclass
class RegulatoryReportRow:
    case_id: str
    regime: str
    clock: str
    regulation: str
    event_kind: str
    aware_at: datetime | None
    due_at: datetime | None
    # met (submitted by the deadline), missed (after it, or not yet and the
    # deadline has passed), due (not yet, the deadline ahead).
    status: str
    reported_at: datetime | None
    reference: str
    device_name: str
    form: dict[str, str]


def regulatory_reports(
    session: Session,
    regime: str,
    due_from: datetime | None,
    due_before: datetime | None,
    limit: int,
) -> tuple[list[RegulatoryReportRow], bool]:
    """The reports due in the period (by due date), earliest first; True when
    more than `limit` matched."""
    regimes = awareness_regimes()
    wanted = {regime: regimes[regime]} if regime else regimes
    names = sorted(set().union(*wanted.values())) if wanted else []
    query = (
        select(CaseClock, Case.regime, Case.product)
        .join(Case, Case.case_id == CaseClock.case_id)
        .where(
            Case.regime.in_(sorted(wanted)),
            CaseClock.name.in_(names),
            CaseClock.regulatory.is_(True),
        )
    )
    if due_from is not None:
        query = query.where(CaseClock.due_at >= due_from)
    if due_before is not None:
        query = query.where(CaseClock.due_at < due_before)
    query = query.order_by(CaseClock.due_at, CaseClock.case_id, CaseClock.name).limit(limit + 1)
    found = session.execute(query).all()
    more = len(found) > limit
    found = found[:limit]
    case_ids = sorted({clock.case_id for clock, _, _ in found})
    decided: dict[str, dict[str, Any]] = {}
    reported: dict[tuple[str, str], dict[str, Any]] = {}
    if case_ids:
        for event in session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action.in_(("reportability.decided", "regulatory_report.recorded")),
                AuditEvent.case_id.in_(case_ids),
            )
            .order_by(AuditEvent.case_id, AuditEvent.sequence)
        ):
            said = _json(event.new_value)
            if event.action == "reportability.decided":
                decided[event.case_id] = said
            else:
                reported[(event.case_id, str(said.get("clock", "")))] = said
    rows = []
    for clock, case_regime, product in found:
        decision = decided.get(clock.case_id, {})
        report = reported.get((clock.case_id, clock.name), {})
        rows.append(
            RegulatoryReportRow(
                case_id=clock.case_id,
                regime=case_regime,
                clock=clock.name,
                regulation=clock.regulation,
                event_kind=str(decision.get("event_kind", "")),
                aware_at=clock.started_at,
                due_at=clock.due_at,
                status=STATUS.get(clock.state, "due"),
                reported_at=_time(report.get("submitted_at")),
                reference=str(report.get("reference", "")),
                device_name=product,
                form={name: str(decision.get(name, "")) for name in FORM_FIELDS},
            )
        )
    return rows, more


def _json(value: str) -> dict[str, Any]:
    try:
        said = json.loads(value)
    except ValueError:
        return {}
    return said if isinstance(said, dict) else {}


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
