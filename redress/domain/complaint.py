"""The complaint: one object for every rule a complaint lives by.

`Complaint` wraps the state a complaint carries (`ComplaintState`) with the
policy version it started under. It is pure: it takes `now` from its caller,
never reads a clock, and performs no I/O. Its methods change the state and
leave behind what the outside world must be told: audit drafts (`trail`),
messages and case events in the state's outbox, and the change to record
(`take_change`). Refusals are `Refused` / `InvalidCommand` exceptions.

Where to find a rule:
- receipt, the clock timeline, recording, the status: here;
- stage entry and what it does to clocks, messages: complaint_core;
- what each command refuses: complaint_refusals;
- what each command changes and records: complaint_handling;
- what becomes of messages: complaint_messages;
- which complaint type's rules apply, and a change of type: complaint_typing;
- when warnings, breaches, escalation steps, stage targets and follow-ups
  fall due, and what each does: complaint_schedule.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from redress.domain import clocks as clk
from redress.domain import complaint_schedule as schedule
from redress.domain.complaint_audit import case_events, iso
from redress.domain.complaint_core import ComplaintCore, Features
from redress.domain.complaint_handling import ComplaintHandling
from redress.domain.complaint_messages import ComplaintMessages
from redress.domain.complaint_refusals import DECISIONS, ComplaintRefusals
from redress.domain.complaint_reminders import ComplaintReminders
from redress.domain.complaint_state import (
    AuditDraft,
    CaseEventDraft,
    ClockStatus,
    ComplaintState,
    ComplaintStatus,
    ComplaintSubmission,
    HistoricClosure,
    LanguageDetection,
    NoteDraft,
    OutboxItem,
    OutcomeInfo,
    PolicyDocument,
    SuggestedArticle,
)
from redress.domain.complaint_typing import complaint_facts
from redress.domain.complaint_unowned import watch_unowned
from redress.domain.complaint_vigilance import ComplaintVigilance
from redress.domain.policy import Classification, TypeChoice
from redress.domain.regulatory import regulatory_deadlines

__all__ = ["DECISIONS", "Change", "Complaint", "ComplaintCore", "Features"]


@dataclass
class Change:
    """One change to record in services/cases: the state after it (without
    the policy document and the outbox) and the entries that explain it."""

    number: int
    state: ComplaintState
    audit: list[AuditDraft]
    notes: list[NoteDraft]
    # Case events for it were put in the outbox.
    events_queued: bool


class Complaint(
    ComplaintVigilance,
    ComplaintRefusals,
    ComplaintHandling,
    ComplaintMessages,
    ComplaintReminders,
):
    """A complaint under its policy; see the module docstring for its parts."""

    # -- receipt ---------------------------------------------------------------

    def adopt_policy(self, document: PolicyDocument) -> None:
        """The policy version in force when the complaint arrived; it keeps it."""
        self.state.policy = document
        self._use_policy(document)
        self.state.stage = self.rules.initial_stage
        self.state.category = self.submission.category

    def classify(
        self, submission: ComplaintSubmission
    ) -> tuple[Classification, ComplaintSubmission]:
        """The policy's classification rules applied to the submission: the
        category and priority found, and the submission as it is stored."""
        classified = self.rules.classify(complaint_facts(submission, ""))
        submission = dataclasses.replace(
            submission,
            category=classified.category or submission.category,
            priority=classified.priority,
        )
        self.state.category = submission.category
        self.state.priority = submission.priority
        return classified, submission

    def receive(
        self,
        submission: ComplaintSubmission,
        classified: Classification | None,
        now: datetime,
        *,
        regime_calendars: bool,
        type_chosen: TypeChoice | None = None,
    ) -> None:
        """The stored case's first change: classification, the complaint type,
        clocks started at receipt, the case.created event and the
        acknowledgement.

        `regime_calendars`: regulatory deadlines count in the regime's own
        calendar (complaints received before that counted in the policy's)."""
        if submission.language_detected is not None:
            self._record_language_detected(submission.language_detected)
        if classified is not None:
            self._record_classification(classified)
        if type_chosen is not None:
            self.record_type_chosen(type_chosen)
        received = submission.received_at
        self.state.stage_entered_at = received
        if submission.historic:
            self.state.filed_at = now
            self.trail.by_rule(
                "case.filed_historic",
                "historic",
                new=iso(now),
                cause=f"a record of a complaint received {iso(received)}: no letters, "
                "and deadlines already passed are recorded without escalation",
            )
        self._start_clocks(received, regime_calendars)
        document = self.state.policy
        assert document is not None
        self.trail.by_rule(
            "clocks.started",
            "clocks",
            new=json.dumps({c.name: iso(c.due_at) for c in self.state.clocks}),
            cause=f"policy {document.policy_id} {document.version}"
            + (
                f" (complaint type {self.state.complaint_type})"
                if self.state.complaint_type
                else ""
            )
            + f" and regime {submission.regime} at receipt {received.isoformat()}",
        )
        if submission.historic and submission.closure and self.features.historic_closure:
            self._close_as_recorded(submission.closure)
        if self.features.followups:
            self.state.outbox.append(
                OutboxItem(
                    events=[
                        CaseEventDraft(
                            event_id=f"{self.state.case_id}:created",
                            event_type="case.created",
                            case_id=self.state.case_id,
                            sequence=0,
                            occurred_at=now,
                            payload={
                                "stage": self.state.stage,
                                "priority": self.state.priority,
                                "category": self.state.category,
                                "channel": submission.channel,
                                "regime": submission.regime,
                            },
                        )
                    ]
                )
            )
            self.send_followup("acknowledgement")
        self.state.suggestions_pending = self.features.suggestions

    def _close_as_recorded(self, closure: HistoricClosure) -> None:
        """A historic complaint its source records as closed is filed closed:
        the outcome the source's words amount to, each clock stopped at the
        close date (breached first where its deadline passed before it), and
        the case in the policy's closed stage from that date. The stages in
        between are not invented: the source records only how it ended."""
        at = closure.closed_at
        where = f"as the source file records it ({closure.source_status!r}"
        where += f", closed {iso(at)}"
        where += f"; the date is {closure.closed_at_source})" if closure.closed_at_source else ")"
        rule = "historic.closure"
        self.state.outcome = OutcomeInfo(
            decision=closure.decision,
            root_cause="",
            summary=closure.source_status,
            recorded_at=at,
            recorded_by="historic import",
        )
        self.trail.by_rule(
            "outcome.recorded",
            "outcome",
            new=json.dumps({"decision": closure.decision, "source": closure.source_status}),
            cause=f"outcome {closure.decision} {where}",
            rule=rule,
        )
        for clock in self.state.clocks:
            if not clock.open or clock.due_at is None:
                continue
            if clock.due_at <= at:
                clk.fire(clock, clk.ClockEvent(clock.due_at, clock.name, "breach"))
                self.trail.by_rule(
                    "clock.breached",
                    f"clocks.{clock.name}",
                    old="running",
                    new="breached",
                    cause=f"{clock.name} deadline {iso(clock.due_at)} passed before the "
                    f"complaint was closed, {where}; no escalation",
                    rule=rule,
                )
            clk.stop(clock, at)
            self.trail.by_rule(
                "clock.stopped",
                f"clocks.{clock.name}",
                new=clock.state,
                cause=f"the complaint was closed, {where}",
                rule=rule,
            )
        closed = next(name for name, stage in self.rules.stages.items() if stage.closed)
        self.trail.by_rule(
            "case.stage_changed",
            "stage",
            old=self.state.stage,
            new=closed,
            cause=f"closed {where}",
            rule=rule,
        )
        self.state.stage = closed
        self.state.stage_entered_at = at
        self.state.resolved_at = at
        self.state.closed_at = at

    def _record_language_detected(self, found: LanguageDetection) -> None:
        doubt = (
            f"; next most likely {found.runner_up} at {found.runner_up_confidence:.0%}"
            if found.runner_up
            else ""
        )
        self.trail.by_service(
            "intake",
            "customer.language_detected",
            "customer.preferred_language",
            new=found.language,
            cause=f"no language was given; the narrative reads as {found.language} with "
            f"{found.confidence:.0%} confidence ({found.detector}){doubt}",
        )

    def _record_classification(self, c: Classification) -> None:
        matched = ", ".join(c.matched) or "none"
        if c.category_rule:
            self.trail.by_rule(
                "case.classified",
                "category",
                new=c.category,
                cause=f"classification rules matched: {matched}",
                rule=f"classification.{c.category_rule}",
            )
        if c.priority_rule:
            self.trail.by_rule(
                "case.prioritised",
                "priority",
                old="normal",
                new=c.priority,
                cause=f"classification rules matched: {matched}",
                rule=f"classification.{c.priority_rule}",
            )

    def _start_clocks(self, received: datetime, regime_calendars: bool) -> None:
        policy = self.rules
        for rule in policy.clocks:
            clock = clk.budget_clock(
                rule.name,
                rule.budget,
                rule.calendar,
                pausable=rule.pausable,
                warn_at=rule.warn_at,
                ladder=rule.escalation,
                description=rule.description,
            )
            if rule.starts_on == "received":
                clk.start(clock, received, self.calendar(clock.calendar))
            self.state.clocks.append(clock)
        regime = self.submission.regime
        calendar = self.calendar(policy.calendar)
        if regime_calendars:
            calendar = policy.regime_calendar(regime)
        for deadline in regulatory_deadlines(regime, received, calendar, policy.regimes):
            self.state.clocks.append(
                clk.fixed_clock(
                    deadline.name,
                    received,
                    deadline.due_at,
                    warn_at=policy.regulatory.warn_at,
                    ladder=policy.regulatory.escalation,
                    description=deadline.description,
                    regulation=deadline.regulation,
                )
            )

    # -- knowledge -------------------------------------------------------------

    def articles_suggested(self, found: list[SuggestedArticle]) -> None:
        self.state.suggestions_pending = False
        self.trail.by_rule(
            "knowledge.suggested",
            "knowledge",
            new=json.dumps(
                [{"article_id": a.article_id, "title": a.title, "score": a.score} for a in found]
            ),
            cause=f"{len(found)} article(s) found for the complaint's product, issue and narrative",
        )

    def articles_not_suggested(self, cause: str) -> None:
        self.state.suggestions_pending = False
        self.trail.by_rule(
            "knowledge.not_suggested",
            "knowledge",
            cause=f"no suggestions: {cause or 'the knowledge service did not answer'}",
        )

    # -- time ------------------------------------------------------------------

    def fire_due_events(self, now: datetime) -> bool:
        """Carries out every clock, stage-target and follow-up event due by
        `now`, oldest first; True if any was."""
        fired = False
        for _ in range(100):
            due = [e for e in schedule.upcoming(self) if e.at <= now]
            if not due:
                break
            schedule.fire(self, due[0], now)
            fired = True
        return fired

    def time_to_next_event(self, now: datetime) -> timedelta | None:
        """How long until something is due (None: nothing ever is)."""
        instants = [e.at for e in schedule.upcoming(self)]
        until = self.reopen_until()
        if until is not None:
            instants.append(until)
        if not instants:
            return None
        # Durable timers are not precise below about a second; never ask for less.
        return max(min(instants) - now, timedelta(seconds=1))

    def next_deadline(self) -> datetime | None:
        dues = [c.due_at for c in self.state.clocks if c.state == clk.RUNNING and c.due_at]
        return min(dues) if dues else None

    def breached(self) -> bool:
        return any(c.breached_at is not None for c in self.state.clocks)

    # -- recording -------------------------------------------------------------

    def take_change(self, now: datetime) -> Change | None:
        """The change to record since the last one (None: nothing changed);
        its case events are put in the outbox."""
        watch_unowned(self, now)
        if not self.trail.drafts and not self.notes:
            return None
        self.state.changes_recorded += 1
        events: list[CaseEventDraft] = []
        if self.features.followups and self.state.case_id:
            events = case_events(
                self.trail.drafts, self.state, self.rules, now, alerts=self.features.alerts
            )
        if events:
            self.state.outbox.append(OutboxItem(events=events))
        change = Change(
            number=self.state.changes_recorded,
            # The policy document and the outbox stay out of each change.
            state=dataclasses.replace(self.state, policy=None, outbox=[]),
            audit=self.trail.take(),
            notes=self.notes,
            events_queued=bool(events),
        )
        self.notes = []
        return change

    # -- reading ---------------------------------------------------------------

    def status(self, now: datetime) -> ComplaintStatus:
        submission = self.submission
        clocks = [
            ClockStatus(
                name=c.name,
                state=c.state,
                regulatory=c.regulatory,
                basis=c.basis,
                due_at=c.due_at,
                time_left_seconds=clk.time_left(c, now, self.calendar(c.calendar))
                if self.policy
                else 0.0,
                paused_seconds=c.paused_seconds,
                pause_reason=c.pause_reason,
                regulation=c.regulation,
            )
            for c in self.state.clocks
        ]
        return ComplaintStatus(
            case_id=self.state.case_id,
            stage=self.state.stage,
            priority=self.state.priority,
            channel=submission.channel,
            regime=submission.regime,
            fingerprint=submission.fingerprint,
            assignee=self.state.assignee,
            team=self.state.team,
            escalation_level=self.state.escalation_level,
            next_deadline=self.next_deadline(),
            breached=self.breached(),
            policy_id=self.state.policy.policy_id if self.state.policy else "",
            policy_version=self.state.policy.version if self.state.policy else "",
            complaint_type=self.state.complaint_type,
            allowed_stages=list(self.policy.allowed_from(self.state.stage)) if self.policy else [],
            clocks=clocks,
            subtasks=list(self.state.subtasks),
        )
