"""Device vigilance: the reportability decision, the awareness clocks it
starts, the reports made against them, and the quality-system duty that
holds a device case open until the decision and its investigation (or the
reason for none) are recorded.

An awareness regime is one whose pack defines event kinds (fda_mdr, eu_mdr):
its clocks run from the day the manufacturer became aware of a reportable
event, which the handler records with the decision and which may be before
the decision (never in the future, never more than AWARENESS_BEFORE_RECEIPT
before the complaint was received). A reportable decision starts the clocks
the regime applies to its event kind, as regulatory clocks (never paused;
warnings, breaches and escalation as the policy's regulatory section says);
a not-reportable one records the reasons and starts nothing. A report made
stops its clock: met when submitted by the deadline.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from redress.domain import clocks as clk
from redress.domain.complaint_audit import iso
from redress.domain.complaint_commands import InvalidCommand, Refused
from redress.domain.complaint_refusals import ComplaintRefusals
from redress.domain.regime_packs import RegimeDefinition
from redress.domain.regulatory import awareness_deadlines, regime_definition
from redress.domain.vigilance_state import (
    RegulatoryReportCommand,
    RegulatoryReportInfo,
    ReportabilityCommand,
    ReportabilityInfo,
)

# How long before its receipt a complaint's event may have come to the
# manufacturer's notice (e.g. a field report before the customer wrote).
AWARENESS_BEFORE_RECEIPT = timedelta(days=366)


def awareness_regime(regime: str, defined: dict[str, RegimeDefinition]) -> bool:
    """Whether the regime's clocks run from awareness of a reportable event."""
    try:
        definition = regime_definition(regime, defined)
    except ValueError:
        return False
    return bool(definition.event_kinds)


class ComplaintVigilance(ComplaintRefusals):
    def is_awareness_regime(self) -> bool:
        return awareness_regime(self.submission.regime, self.rules.regimes)

    def _check_vigilance(self) -> RegimeDefinition:
        self.check_ready()
        regime = self.submission.regime
        if not self.is_awareness_regime():
            raise Refused(
                f"the case's regime {regime!r} has no awareness clocks: reportability "
                "decisions are recorded only under an awareness regime such as fda_mdr or eu_mdr"
            )
        if not self.features.vigilance:
            raise Refused(
                "this case was started before reportability decisions were recorded; "
                "record the decision outside the platform"
            )
        return regime_definition(regime, self.rules.regimes)

    # -- the decision ------------------------------------------------------------

    def check_reportability(self, command: ReportabilityCommand, now: datetime) -> None:
        definition = self._check_vigilance()
        decided = self.state.reportability
        if decided is not None:
            if command.idempotency_key and command.idempotency_key == decided.idempotency_key:
                return  # a retried call: answered as before, recorded once
            verdict = "reportable" if decided.reportable else "not reportable"
            raise Refused(
                f"the reportability decision is already recorded ({iso(decided.decided_at)} "
                f"by {decided.decided_by}: {verdict})"
            )
        if not command.reasons.strip():
            raise InvalidCommand("say why the event is or is not reportable", "reasons")
        if not command.investigation.strip():
            raise InvalidCommand(
                "say what investigation was made (or is under way), or why none is needed",
                "investigation",
            )
        if command.reportable and command.event_kind not in definition.event_kinds:
            raise InvalidCommand(
                f"event_kind must be one of {', '.join(definition.event_kinds)}", "event_kind"
            )
        if command.event_kind and command.event_kind not in definition.event_kinds:
            raise InvalidCommand(
                f"event_kind must be one of {', '.join(definition.event_kinds)}", "event_kind"
            )
        if command.aware_at > now:
            raise InvalidCommand("aware_at cannot be in the future", "aware_at")
        earliest = self.submission.received_at - AWARENESS_BEFORE_RECEIPT
        if command.aware_at < earliest:
            raise InvalidCommand(
                f"aware_at is more than {AWARENESS_BEFORE_RECEIPT.days} days before the "
                f"complaint was received ({iso(self.submission.received_at)})",
                "aware_at",
            )
        self._check_open()

    def record_reportability(self, command: ReportabilityCommand, now: datetime) -> None:
        self.check_reportability(command, now)
        if self.state.reportability is not None:
            return  # the same key again: recorded before
        regime = self.submission.regime
        started: list[clk.Clock] = []
        if command.reportable:
            calendar = self.rules.regime_calendar(regime)
            for deadline in awareness_deadlines(
                regime, command.event_kind, command.aware_at, calendar, self.rules.regimes
            ):
                if self.clock(deadline.name) is not None:
                    continue
                started.append(
                    clk.fixed_clock(
                        deadline.name,
                        command.aware_at,
                        deadline.due_at,
                        warn_at=self.rules.regulatory.warn_at,
                        ladder=self.rules.regulatory.escalation,
                        description=deadline.description,
                        regulation=deadline.regulation,
                    )
                )
        self.state.clocks.extend(started)
        self.state.reportability = ReportabilityInfo(
            reportable=command.reportable,
            event_kind=command.event_kind,
            aware_at=command.aware_at,
            reasons=command.reasons,
            decided_at=now,
            decided_by=command.actor,
            investigation=command.investigation,
            device_model=command.device_model,
            lot_or_serial=command.lot_or_serial,
            udi=command.udi,
            event_date=command.event_date,
            patient_outcome=command.patient_outcome,
            description=command.description,
            idempotency_key=command.idempotency_key,
            clocks=[c.name for c in started],
        )
        self.trail.by_person(
            command.actor,
            "reportability.decided",
            "reportability",
            new=json.dumps(
                {
                    "reportable": command.reportable,
                    "regime": regime,
                    "event_kind": command.event_kind,
                    "aware_at": iso(command.aware_at),
                    "investigation": command.investigation,
                    "device_model": command.device_model,
                    "lot_or_serial": command.lot_or_serial,
                    "udi": command.udi,
                    "event_date": command.event_date,
                    "patient_outcome": command.patient_outcome,
                    "description": command.description,
                    "reports_due": {c.name: iso(c.due_at) for c in started},
                }
            ),
            cause=command.reasons,
        )
        for clock in started:
            self.trail.by_person(
                command.actor,
                "clock.started",
                f"clocks.{clock.name}",
                new=iso(clock.due_at),
                cause=f"{regime} {command.event_kind}: report due {iso(clock.due_at)} "
                f"({clock.regulation}), counted from awareness {iso(command.aware_at)}",
            )

    # -- reports made --------------------------------------------------------------

    def check_regulatory_report(self, command: RegulatoryReportCommand, now: datetime) -> None:
        self._check_vigilance()
        decided = self.state.reportability
        if decided is None or not decided.reportable:
            raise Refused(
                "no report is due: record a reportable decision (RecordReportability) first"
            )
        if command.clock not in decided.clocks:
            raise InvalidCommand(
                f"no report clock {command.clock!r} on this case; clocks: "
                f"{', '.join(decided.clocks) or 'none'}",
                "clock",
            )
        made = next((r for r in decided.reports if r.clock == command.clock), None)
        if made is not None:
            if command.idempotency_key and command.idempotency_key == made.idempotency_key:
                return
            raise Refused(
                f"the {command.clock} report is already recorded ({made.reference}, "
                f"submitted {iso(made.submitted_at)})"
            )
        if not command.reference.strip():
            raise InvalidCommand(
                "give the regulator's reference or the manufacturer report number", "reference"
            )
        if command.submitted_at > now:
            raise InvalidCommand("submitted_at cannot be in the future", "submitted_at")
        if command.submitted_at < decided.aware_at:
            raise InvalidCommand(
                f"submitted_at is before awareness ({iso(decided.aware_at)})", "submitted_at"
            )

    def record_regulatory_report(self, command: RegulatoryReportCommand, now: datetime) -> None:
        self.check_regulatory_report(command, now)
        decided = self.state.reportability
        assert decided is not None
        if any(r.clock == command.clock for r in decided.reports):
            return  # the same key again: recorded before
        clock = self.clock(command.clock)
        assert clock is not None and clock.due_at is not None
        old = clock.state
        on_time = command.submitted_at <= clock.due_at
        clk.stop(clock, command.submitted_at)
        if on_time:
            # Submitted by the deadline though recorded after it passed.
            clock.state = clk.MET
        decided.reports.append(
            RegulatoryReportInfo(
                clock=command.clock,
                submitted_at=command.submitted_at,
                reference=command.reference,
                recorded_at=now,
                recorded_by=command.actor,
                idempotency_key=command.idempotency_key,
            )
        )
        self.trail.by_person(
            command.actor,
            "regulatory_report.recorded",
            "regulatory_reports",
            new=json.dumps(
                {
                    "clock": clock.name,
                    "submitted_at": iso(command.submitted_at),
                    "reference": command.reference,
                    "due_at": iso(clock.due_at),
                    "state": clock.state,
                }
            ),
            cause=f"report submitted {iso(command.submitted_at)}, "
            + ("by" if on_time else "after")
            + f" its deadline {iso(clock.due_at)} ({clock.regulation})",
        )
        self.trail.by_person(
            command.actor,
            "clock.stopped",
            f"clocks.{clock.name}",
            old=old,
            new=clock.state,
            cause=f"report {command.reference} submitted {iso(command.submitted_at)}",
        )

    # -- the quality-system duty -------------------------------------------------

    def missing_duties(self, closing: bool) -> list[str]:
        """What a device case needs recorded before it is resolved (the
        decision and its investigation) or closed (and each report due)."""
        if not self.features.vigilance or not self.is_awareness_regime():
            return []
        decided = self.state.reportability
        if decided is None:
            return [
                "its reportability decision, with the investigation made or the reason "
                "for none, is recorded (RecordReportability)"
            ]
        if not decided.investigation.strip():
            return ["the investigation made, or the reason for none, is recorded"]
        made = {r.clock for r in decided.reports}
        due = [name for name in decided.clocks if name not in made]
        if closing and due:
            return [f"its reports due are recorded (RecordRegulatoryReport): {', '.join(due)}"]
        return []

    def check_transition(self, to: str) -> None:
        super().check_transition(to)
        stage = self.rules.stages[to]
        if stage.resolved or stage.closed:
            self._check_duties(stage.closed)

    def check_closable(self) -> None:
        super().check_closable()
        self._check_duties(closing=True)

    def _check_duties(self, closing: bool) -> None:
        missing = self.missing_duties(closing)
        if missing:
            raise Refused(
                f"a {self.submission.regime} case cannot be "
                + ("closed" if closing else "resolved")
                + " until "
                + " and ".join(missing)
            )
