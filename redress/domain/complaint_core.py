"""The core of a complaint: the state it carries, the policy it started
under, and the moves every rule builds on (entering a stage, asking for a
message). `Complaint` (complaint.py) is made of this and the modules beside
it: what each command refuses (complaint_refusals), what each command
changes (complaint_handling), and what becomes of its messages
(complaint_messages).

Pure code: `now` comes from the caller; nothing here reads a clock or does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redress.domain import clocks as clk
from redress.domain.calendars import BusinessCalendar
from redress.domain.complaint_audit import AuditTrail, iso
from redress.domain.complaint_commands import InvalidCommand, OutcomeCommand, Refused
from redress.domain.complaint_state import (
    ComplaintState,
    ComplaintSubmission,
    MessageRequest,
    NoteDraft,
    OutboxItem,
    PolicyDocument,
    SubtaskInfo,
)
from redress.domain.policy import Policy
from redress.domain.regulatory import SUMMARY_RESOLUTION_CLOCK

OPEN_SUBTASK_STATES = ("open", "overdue")


@dataclass
class Features:
    """Behaviours a complaint has only if its workflow started after they
    existed (each is a `workflow.patched` answer, decided by the workflow)."""

    followups: bool = False
    alerts: bool = False
    suggestions: bool = False
    stop_breached_clocks: bool = False
    # A historic complaint its source records as closed is filed closed.
    historic_closure: bool = False
    # A warning whose moment passed while nobody could act on it (the
    # platform was down) and whose deadline has passed too is recorded as
    # missed, not as a warning written after the breach it warns of.
    missed_warnings: bool = False
    # Under an awareness regime: reportability decisions and reports are
    # recorded, and resolving or closing waits for them.
    vigilance: bool = False
    # An urgent or high-priority case nobody owns alerts up the policy's
    # `unowned` ladder (redress/domain/complaint_unowned.py).
    unowned: bool = False


class ComplaintCore:
    """A complaint's state and policy, and the rules the others build on."""

    def __init__(
        self,
        submission: ComplaintSubmission,
        state: ComplaintState,
        workflow_id: str,
        features: Features | None = None,
    ) -> None:
        self.submission = submission
        self.state = state
        # Message idempotency keys and the case's workflow derive from it.
        self.workflow_id = workflow_id
        self.features = features or Features()
        self.trail = AuditTrail()
        self.notes: list[NoteDraft] = []
        self.policy: Policy | None = None
        self.base_policy: Policy | None = None
        # A message was put in the outbox since the caller last looked.
        self.message_requested = False

    def load_carried_policy(self) -> None:
        """After continue-as-new: the policy version the complaint started with."""
        assert self.state.policy is not None
        self._use_policy(self.state.policy)

    def _use_policy(self, document: PolicyDocument) -> None:
        self.base_policy = Policy.load(document.document)
        # The complaint keeps the document's text as the one parsed policy
        # holds it (the same characters): every complaint of a worker under
        # this version then shares one copy instead of keeping its own
        # (14 KB each for the default policy; docs/BENCHMARKS.md).
        document.document = self.base_policy.source
        # The rules of the case's complaint type ("" for a policy without types).
        self.policy = self.base_policy.for_type(self.state.complaint_type)
        self.trail.rule_version = f"{document.policy_id} {document.version}"

    @property
    def rules(self) -> Policy:
        """The rules the complaint runs under: its type's."""
        assert self.policy is not None, "the complaint's policy is not loaded yet"
        return self.policy

    @property
    def base_rules(self) -> Policy:
        """The policy document as a whole, with its types."""
        assert self.base_policy is not None, "the complaint's policy is not loaded yet"
        return self.base_policy

    def calendar(self, name: str = "") -> BusinessCalendar:
        return self.rules.calendar_named(name)

    def clock(self, name: str) -> clk.Clock | None:
        return next((c for c in self.state.clocks if c.name == name), None)

    def check_ready(self) -> None:
        if not self.state.case_id or self.policy is None:
            raise Refused("the case is still being stored; try again in a moment")

    def _check_open(self) -> None:
        if self.state.closed_at is not None:
            raise Refused("the case is closed; reopen it first")

    def check_transition(self, to: str) -> None:
        policy = self.rules
        if to not in policy.stages:
            raise InvalidCommand(
                f"unknown stage {to!r}; stages: {', '.join(policy.stages)}", "to_stage"
            )
        allowed = policy.allowed_from(self.state.stage)
        if to not in allowed:
            raise Refused(
                f"cannot move from {self.state.stage} to {to}; allowed: "
                f"{', '.join(allowed) or 'none'}"
            )
        if policy.stages[to].closed:
            self.check_closable()
        if policy.stages[to].resolved and self.state.outcome is None:
            raise Refused("record the outcome (RecordOutcome) before resolving")

    def check_closable(self) -> None:
        open_tasks = [s.subtask_id for s in self.state.subtasks if s.state in OPEN_SUBTASK_STATES]
        if open_tasks:
            raise Refused(
                f"cannot close while subtasks are open: {', '.join(open_tasks)}; "
                "complete or cancel them first"
            )

    def _subtask(self, subtask_id: str) -> SubtaskInfo:
        task = next((s for s in self.state.subtasks if s.subtask_id == subtask_id), None)
        if task is None:
            raise InvalidCommand(f"no subtask {subtask_id!r} on this case", "subtask_id")
        return task

    def _stage_with(self, flag: str) -> str:
        """The first stage allowed next that resolves (or closes) the case."""
        policy = self.rules
        for name in policy.allowed_from(self.state.stage):
            if getattr(policy.stages[name], flag):
                return name
        kind = "resolve" if flag == "resolved" else "close"
        raise Refused(
            f"cannot {kind} from stage {self.state.stage}; allowed: "
            f"{', '.join(policy.allowed_from(self.state.stage)) or 'none'}"
        )

    def request_message(
        self, kind: str, template: str, extra: dict[str, str] | None = None, actor: str = ""
    ) -> None:
        self.state.messages_requested += 1
        self.state.outbox.append(
            OutboxItem(
                message=MessageRequest(
                    idempotency_key=f"{self.workflow_id}/message/{self.state.messages_requested}",
                    case_id=self.state.case_id,
                    case_workflow_id=self.workflow_id,
                    template_name=template,
                    kind=kind,
                    extra=dict(extra or {}),
                    requested_by=actor or "complaint-workflow",
                )
            )
        )
        self.message_requested = True

    def send_followup(self, kind: str, extra: dict[str, str] | None = None) -> bool:
        """Asks for the policy's follow-up of this kind, if the policy has one."""
        if not self.features.followups or self.submission.historic:
            return False
        rule = self.rules.followups.get(kind)
        if rule is None:
            return False
        self.request_message(kind, rule.template, extra)
        return True

    def take_message_requested(self) -> bool:
        """Whether a message was put in the outbox since the last call."""
        requested, self.message_requested = self.message_requested, False
        return requested

    def enter_stage(self, to: str, actor: str, reason: str, now: datetime, rule: str = "") -> None:
        """Moves the case to stage `to`: the clocks it stops, pauses, resumes
        or starts, and what resolving or closing brings."""
        policy = self.rules
        old = policy.stages[self.state.stage]
        new = policy.stages[to]
        if rule:
            self.trail.by_rule(
                "case.stage_changed", "stage", old=old.name, new=to, cause=reason, rule=rule
            )
        else:
            self.trail.by_person(
                actor, "case.stage_changed", "stage", old=old.name, new=to, cause=reason
            )
        for clock in self.state.clocks:
            cal = self.calendar(clock.calendar)
            stops = clock.name in new.stops or (
                clock.regulatory
                and to in policy.regulatory.stops_on
                # A device report's clock stops only when the report is made.
                and not (self.state.reportability and clock.name in self.state.reportability.clocks)
            )
            # A breached clock is stopped too (it stays breached): its goal is
            # met, late, and its escalation ladder ends there.
            late = (
                clock.state == clk.BREACHED
                and clock.stopped_at is None
                and self.features.stop_breached_clocks
            )
            if (clock.open or late) and stops:
                clk.stop(clock, now)
                self.trail.by_rule(
                    "clock.stopped",
                    f"clocks.{clock.name}",
                    new=clock.state,
                    cause=f"entered stage {to}" + (" (after its deadline)" if late else ""),
                    rule=f"stages.{to}.stops",
                )
            elif (
                clock.state == clk.PAUSED
                and clock.pause_reason == old.name
                and clock.name not in new.pauses
            ):
                clk.resume(clock, now, cal)
                self.trail.by_rule(
                    "clock.resumed",
                    f"clocks.{clock.name}",
                    new=iso(clock.due_at),
                    cause=f"left stage {old.name}",
                    rule=f"stages.{old.name}.pauses",
                )
            elif clock.state == clk.RUNNING and clock.name in new.pauses:
                clk.pause(clock, now, to, cal)
                self.trail.by_rule(
                    "clock.paused",
                    f"clocks.{clock.name}",
                    new=to,
                    cause=f"entered stage {to}",
                    rule=f"stages.{to}.pauses",
                )
            elif clock.state == clk.PENDING and (
                clock.name in new.starts or self._starts_on(clock.name) == to
            ):
                clk.start(clock, now, cal)
                self.trail.by_rule(
                    "clock.started",
                    f"clocks.{clock.name}",
                    new=iso(clock.due_at),
                    cause=f"entered stage {to}",
                    rule=f"stages.{to}.starts",
                )
        self.state.stage = to
        self.state.stage_entered_at = now
        self.state.stage_target_exceeded = False
        self.state.chasers_sent = 0
        if new.resolved or new.closed:
            self._cancel_scheduled(f"the case is {to}")
        if new.resolved and not old.resolved:
            self._on_resolved()
        if new.resolved:
            self.state.resolved_at = now
        if new.closed:
            self.state.closed_at = now

    def _starts_on(self, clock: str) -> str:
        rule = self.rules.clock(clock)
        return rule.starts_on if rule else ""

    def _on_resolved(self) -> None:
        summary = self.clock(SUMMARY_RESOLUTION_CLOCK)
        # Resolved before the summary-resolution deadline passed (entering the
        # resolved stage has just stopped the clock).
        if (
            summary is not None
            and summary.breached_at is None
            and "summary_resolution" in self.rules.followups
        ):
            self.send_followup("summary_resolution")
        else:
            self.send_followup("final_response")

    def _cancel_scheduled(self, why: str) -> None:
        for item in self.state.scheduled:
            if item.state == "scheduled":
                item.state = "cancelled"
                self.trail.by_rule(
                    "followup.cancelled",
                    f"followups.{item.followup_id}",
                    old="scheduled",
                    new="cancelled",
                    cause=why,
                    rule="followups.scheduled",
                )

    def reopen_until(self) -> datetime | None:
        if self.state.closed_at is None:
            return None
        return self.state.closed_at + self.rules.reopen_window.duration

    def finished(self, now: datetime) -> bool:
        # A closed case keeps its workflow open for reopening until its window
        # ends, and for the reminders still to deliver.
        until = self.reopen_until()
        if any(r.state == "open" for r in self.state.reminders):
            return False
        return until is not None and now >= until

    def settle_outcome_value(self, command: OutcomeCommand) -> None:
        """A case whose rules define outcome values records one of them, and
        its decision is the value's; a case whose rules define none records
        a decision only. Fills in the command's decision from its value."""
        values = self.rules.outcomes
        if not values:
            if command.outcome:
                raise InvalidCommand(
                    "this case's policy defines no outcome values: give a decision only",
                    "outcome",
                )
            return
        value = values.get(command.outcome)
        if value is None:
            raise InvalidCommand(
                f"one of this case's outcome values: {', '.join(values)}"
                + (f" (not {command.outcome!r})" if command.outcome else ""),
                "outcome",
            )
        if command.decision and command.decision != value.decision:
            raise InvalidCommand(
                f"outcome {value.name!r} counts as {value.decision}, not {command.decision}: "
                "leave the decision out or make it agree",
                "decision",
            )
        command.decision = value.decision
