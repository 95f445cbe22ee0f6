"""Device vigilance in the domain: the reportability decision on a case under
an awareness regime (fda_mdr, eu_mdr), the clocks it starts from awareness,
the reports that stop them, and the duty that holds the case open."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from redress.domain import clocks as clk
from redress.domain.complaint import Complaint
from redress.domain.complaint_commands import InvalidCommand, Refused, TransitionCommand
from redress.domain.complaint_state import OutcomeInfo
from redress.domain.regulatory import awareness_deadlines
from redress.domain.vigilance_state import RegulatoryReportCommand, ReportabilityCommand
from tests.unit.complaints import EVERYTHING, actions, audit, london, received

VIGILANT = dataclasses.replace(EVERYTHING, vigilance=True)
RECEIVED = london(2027, 6, 2, 10, 0)  # a Wednesday
AWARE = RECEIVED - timedelta(days=2)  # a field report came first
DECIDED = RECEIVED + timedelta(days=1)


def device(regime: str = "fda_mdr") -> Complaint:
    return received(RECEIVED, regime, features=VIGILANT, product="Infusion pump IP-200")


def decision(**changes: object) -> ReportabilityCommand:
    fields: dict[str, object] = {
        "actor": "qa.quinn",
        "reportable": True,
        "event_kind": "remedial_action",
        "aware_at": AWARE,
        "reasons": "Pump overdelivers at low rates; field correction needed",
        "investigation": "CAPA-77: bench test of returned unit",
        "device_model": "IP-200",
        "lot_or_serial": "LOT 4411",
        "udi": "(01)00812345678901",
        "event_date": "2027-05-30",
        "patient_outcome": "no injury",
        "description": "Overinfusion alarm failed to sound",
        "idempotency_key": "decide-1",
    }
    fields.update(changes)
    return ReportabilityCommand(**fields)  # type: ignore[arg-type]


def test_a_reportable_decision_starts_the_regimes_clocks_from_awareness() -> None:
    complaint = device()
    complaint.record_reportability(decision(), DECIDED)
    [expected] = awareness_deadlines(
        "fda_mdr", "remedial_action", AWARE, complaint.rules.regime_calendar("fda_mdr")
    )
    clock = complaint.clock("fda_mdr_five_day_report")
    assert clock is not None
    assert (clock.started_at, clock.due_at) == (AWARE, expected.due_at)
    assert clock.regulatory and not clock.pausable and clock.state == clk.RUNNING
    assert complaint.clock("fda_mdr_report") is None  # not for remedial action
    [decided, started] = audit(complaint)
    assert (decided.action, decided.actor_id, decided.cause) == (
        "reportability.decided",
        "qa.quinn",
        "Pump overdelivers at low rates; field correction needed",
    )
    said = json.loads(decided.new_value)
    assert said["reports_due"] == {"fda_mdr_five_day_report": expected.due_at.isoformat()}
    assert (said["event_kind"], said["udi"], said["lot_or_serial"]) == (
        "remedial_action",
        "(01)00812345678901",
        "LOT 4411",
    )
    assert (started.action, started.field) == ("clock.started", "clocks.fda_mdr_five_day_report")
    assert "counted from awareness" in started.cause


def test_a_not_reportable_decision_records_its_reasons_and_starts_nothing() -> None:
    complaint = device()
    before = [c.name for c in complaint.state.clocks]
    complaint.record_reportability(
        decision(reportable=False, event_kind="", reasons="Cosmetic scratch, no risk"), DECIDED
    )
    assert [c.name for c in complaint.state.clocks] == before
    [decided] = audit(complaint)
    assert decided.cause == "Cosmetic scratch, no risk"
    assert json.loads(decided.new_value)["reports_due"] == {}


def test_a_retried_decision_is_recorded_once_and_another_is_refused() -> None:
    complaint = device()
    complaint.record_reportability(decision(), DECIDED)
    audit(complaint)
    complaint.record_reportability(decision(), DECIDED + timedelta(minutes=1))
    assert audit(complaint) == []
    with pytest.raises(Refused, match="already recorded"):
        complaint.check_reportability(decision(idempotency_key="other"), DECIDED)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reasons": " "}, "reasons"),
        ({"investigation": ""}, "investigation"),
        ({"event_kind": "explosion"}, "event_kind"),
        ({"event_kind": ""}, "event_kind"),
        ({"aware_at": DECIDED + timedelta(hours=1)}, "aware_at"),
        ({"aware_at": RECEIVED - timedelta(days=400)}, "aware_at"),
    ],
)
def test_a_wrong_decision_names_its_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        device().check_reportability(decision(**changes), DECIDED)
    assert refused.value.field == field


def test_a_case_under_a_receipt_regime_takes_no_decision() -> None:
    complaint = received(RECEIVED, "uk_fca", features=VIGILANT)
    with pytest.raises(Refused, match="'uk_fca' has no awareness clocks"):
        complaint.check_reportability(decision(), DECIDED)


def test_the_eu_regime_has_its_own_kinds_and_clocks() -> None:
    complaint = device("eu_mdr")
    complaint.record_reportability(decision(event_kind="serious_incident"), DECIDED)
    clock = complaint.clock("eu_mdr_serious_incident")
    assert clock is not None and clock.due_at is not None
    assert timedelta(days=15) <= clock.due_at - AWARE < timedelta(days=16)


def test_a_report_by_the_deadline_meets_its_clock() -> None:
    complaint = device()
    complaint.record_reportability(decision(), DECIDED)
    audit(complaint)
    submitted = DECIDED + timedelta(days=1)
    complaint.record_regulatory_report(
        RegulatoryReportCommand("qa.quinn", "fda_mdr_five_day_report", submitted, "MFR-2027-0001"),
        submitted,
    )
    clock = complaint.clock("fda_mdr_five_day_report")
    assert clock is not None and (clock.state, clock.stopped_at) == (clk.MET, submitted)
    assert actions(complaint) == [
        ("regulatory_report.recorded", "regulatory_reports"),
        ("clock.stopped", "clocks.fda_mdr_five_day_report"),
    ]


def test_a_late_report_leaves_its_clock_breached() -> None:
    complaint = device()
    complaint.record_reportability(decision(), DECIDED)
    clock = complaint.clock("fda_mdr_five_day_report")
    assert clock is not None and clock.due_at is not None
    clk.fire(clock, clk.ClockEvent(clock.due_at, clock.name, "breach"))
    late = clock.due_at + timedelta(days=2)
    complaint.record_regulatory_report(
        RegulatoryReportCommand("qa.quinn", clock.name, late, "MFR-2027-0002"), late
    )
    assert (clock.state, clock.stopped_at) == (clk.BREACHED, late)


def test_a_report_names_a_clock_the_decision_started() -> None:
    complaint = device()
    with pytest.raises(Refused, match="record a reportable decision"):
        complaint.check_regulatory_report(
            RegulatoryReportCommand("qa.quinn", "fda_mdr_report", DECIDED, "R-1"), DECIDED
        )
    complaint.record_reportability(decision(), DECIDED)
    with pytest.raises(InvalidCommand) as refused:
        complaint.check_regulatory_report(
            RegulatoryReportCommand("qa.quinn", "fda_mdr_report", DECIDED, "R-1"), DECIDED
        )
    assert refused.value.field == "clock"
    with pytest.raises(InvalidCommand) as refused:
        complaint.check_regulatory_report(
            RegulatoryReportCommand(
                "qa.quinn", "fda_mdr_five_day_report", AWARE - timedelta(hours=1), "R-1"
            ),
            DECIDED,
        )
    assert refused.value.field == "submitted_at"


def test_a_device_case_is_resolved_and_closed_only_once_its_duties_are_recorded() -> None:
    complaint = device()
    complaint.state.outcome = OutcomeInfo("upheld", "", "pump replaced", DECIDED, "qa.quinn")
    with pytest.raises(Refused, match="reportability decision"):
        complaint.check_transition("resolved")
    with pytest.raises(Refused, match="reportability decision"):
        complaint.check_closable()
    complaint.record_reportability(decision(), DECIDED)
    complaint.check_transition("resolved")
    # Resolving does not stop a report's clock: only the report does.
    complaint.enter_stage("resolved", "qa.quinn", "pump replaced", DECIDED)
    clock = complaint.clock("fda_mdr_five_day_report")
    assert clock is not None and clock.state == clk.RUNNING
    with pytest.raises(Refused, match="fda_mdr_five_day_report"):
        complaint.check_closable()
    complaint.record_regulatory_report(
        RegulatoryReportCommand("qa.quinn", clock.name, DECIDED, "MFR-2027-0003"), DECIDED
    )
    complaint.check_closable()


def test_a_case_started_before_decisions_existed_keeps_its_old_rules() -> None:
    complaint = received(RECEIVED, "fda_mdr", features=EVERYTHING)
    complaint.state.outcome = OutcomeInfo("upheld", "", "", DECIDED, "qa.quinn")
    complaint.check_transition("resolved")
    with pytest.raises(Refused, match="started before"):
        complaint.check_reportability(decision(), DECIDED)


def test_unanswered_reminders_do_not_close_a_device_case_before_its_duties() -> None:
    complaint = device()
    for stage in ("triage", "assigned", "investigating", "awaiting_customer"):
        complaint.transition(TransitionCommand("h", stage), RECEIVED + timedelta(hours=1))
    audit(complaint)
    # Two weekly reminders, then the close they announced is tried.
    for week in (1, 2, 3):
        complaint.fire_due_events(RECEIVED + timedelta(hours=1, weeks=week))
    skipped = [d for d in audit(complaint) if d.action == "case.auto_close_skipped"]
    assert [d.cause for d in skipped] == [
        "no reply after 2 reminders, but a fda_mdr case cannot be closed until its "
        "reportability decision, with the investigation made or the reason for none, is "
        "recorded (RecordReportability)"
    ]
    assert complaint.state.stage == "awaiting_customer"
