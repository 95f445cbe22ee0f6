"""The complaint: its stages, its commands and what each refuses, and what
each change records.

`Complaint` wraps the state a complaint carries (`ComplaintState`) with the
policy version it started under. It is pure: it takes `now` from its caller,
never reads a clock, and performs no I/O. Its methods change the state and
leave behind what the outside world must be told: audit drafts (`trail`),
messages and case events in the state's outbox, and the change to record
(`take_change`). Refusals are `Refused` / `InvalidCommand` exceptions.

When deadlines, escalations and follow-ups fall due is in
`complaint_schedule`; this module calls it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from redress.domain import clocks as clk
from redress.domain import complaint_schedule as schedule
from redress.domain.calendars import BusinessCalendar
from redress.domain.complaint_audit import AuditTrail, case_events, iso, message_action
from redress.domain.complaint_commands import (
    AddSubtaskCommand,
    AssignCommand,
    CategoryCommand,
    ClockCommand,
    InvalidCommand,
    KeyReused,
    OutcomeCommand,
    PriorityCommand,
    ReasonCommand,
    Refused,
    ReplyCommand,
    ScheduleFollowupCommand,
    SubtaskCommand,
    TransitionCommand,
)
from redress.domain.complaint_state import (
    AuditDraft,
    CaseEventDraft,
    ClockStatus,
    ComplaintState,
    ComplaintStatus,
    ComplaintSubmission,
    CustomerInfo,
    MessageEvent,
    MessageQueued,
    MessageRequest,
    NoteDraft,
    OutboxItem,
    OutcomeInfo,
    PersonalDataErased,
    PolicyDocument,
    ScheduledFollowup,
    SubtaskEvent,
    SubtaskInfo,
    SuggestedArticle,
)
from redress.domain.policy import PRIORITIES, Classification, ComplaintFacts, Policy
from redress.domain.regulatory import SUMMARY_RESOLUTION_CLOCK, regulatory_deadlines

DECISIONS = ("upheld", "partly_upheld", "rejected", "withdrawn")
OPEN_SUBTASK_STATES = ("open", "overdue")


@dataclass
class Features:
    """Behaviours a complaint has only if its workflow started after they
    existed (each is a `workflow.patched` answer, decided by the workflow)."""

    followups: bool = False
    alerts: bool = False
    suggestions: bool = False
    stop_breached_clocks: bool = False


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


class Complaint:
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
        # A message was put in the outbox since the caller last looked.
        self.message_requested = False

    def load_carried_policy(self) -> None:
        """After continue-as-new: the policy version the complaint started with."""
        assert self.state.policy is not None
        self._use_policy(self.state.policy)

    # -- policy ----------------------------------------------------------------

    def _use_policy(self, document: PolicyDocument) -> None:
        self.policy = Policy.load(document.document)
        self.trail.rule_version = f"{document.policy_id} {document.version}"

    @property
    def rules(self) -> Policy:
        assert self.policy is not None, "the complaint's policy is not loaded yet"
        return self.policy

    def calendar(self, name: str = "") -> BusinessCalendar:
        return self.rules.calendar_named(name)

    def clock(self, name: str) -> clk.Clock | None:
        return next((c for c in self.state.clocks if c.name == name), None)

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
        text = "\n".join((submission.narrative, submission.issue, submission.sub_issue))
        classified = self.rules.classify(
            ComplaintFacts(
                text=text,
                product=submission.product,
                tags=tuple(submission.customer.tags),
                regime=submission.regime,
                channel=submission.channel,
            )
        )
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
    ) -> None:
        """The stored case's first change: classification, clocks started at
        receipt, the case.created event and the acknowledgement.

        `regime_calendars`: regulatory deadlines count in the regime's own
        calendar (complaints received before that counted in the policy's)."""
        if classified is not None:
            self._record_classification(classified)
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
            cause=f"policy {document.policy_id} {document.version} and regime "
            f"{submission.regime} at receipt {received.isoformat()}",
        )
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
        for deadline in regulatory_deadlines(regime, received, calendar):
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

    # -- messages --------------------------------------------------------------

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

    def message_queued(self, request: MessageRequest, queued: MessageQueued) -> None:
        """services/followup took the message at the head of the outbox."""
        self.state.outbox.pop(0)
        self.state.followup_messages[queued.message_id] = request.kind
        self.trail.by_rule(
            "message.queued",
            f"messages.{queued.message_id}",
            new=json.dumps(
                {
                    "template": queued.template_name,
                    "version": queued.template_version,
                    "language": queued.language,
                    "channel": queued.channel,
                    "state": queued.state,
                }
            ),
            cause=f"{request.kind} follow-up"
            if request.kind != "scheduled"
            else f"scheduled by {request.requested_by}",
            rule=f"followups.{request.kind}",
        )

    def message_not_queued(self, request: MessageRequest, cause: str) -> None:
        """services/followup refused the message at the head of the outbox."""
        self.state.outbox.pop(0)
        self.trail.by_rule(
            "message.failed",
            "messages",
            new=json.dumps({"template": request.template_name, "kind": request.kind}),
            cause=f"could not prepare the {request.template_name} message: {cause}",
            rule=f"followups.{request.kind}",
        )

    def message_event(self, event: MessageEvent, now: datetime) -> str:
        """What services/followup or the mail gateway says of a message,
        recorded once however often it is told. Answers "repeated" (nothing
        recorded), "recorded", or "delivery" when a message's delivery ended
        (it may have moved the case on)."""
        action = message_action(event)
        recorded = self.state.message_log.setdefault(event.message_id, [])
        # A retried SendMessage says "queued" again, maybe after the send.
        if action in recorded or (action == "message.queued" and recorded):
            return "repeated"
        recorded.append(action)
        if action == "message.queued":
            self._record_sent_by_person(event)
            return "recorded"
        kind = self.state.followup_messages.get(event.message_id, event.kind)
        if event.reported:
            self.trail.drafts.append(
                AuditDraft(
                    action=action,
                    actor_kind="service",
                    actor_id=event.actor or "mail-gateway",
                    field=f"messages.{event.message_id}",
                    old_value="sent",
                    new_value=event.state,
                    cause=f"{event.template_name} v{event.template_version} "
                    f"over {event.channel}: {event.detail}",
                )
            )
            return "recorded"
        self.trail.by_rule(
            action,
            f"messages.{event.message_id}",
            old="queued",
            new=event.state,
            cause=f"{event.template_name} v{event.template_version} over {event.channel}"
            + (f": {event.detail}" if event.detail else ""),
            rule=f"followups.{kind}" if kind else "",
        )
        policy = self.rules
        rule = policy.followups.get(kind) if kind else None
        # A letter counts once the mail relay accepted it or the print
        # room has it; a phone call handed off still has to be made.
        reached = event.state in ("sent", "delivered") or (
            event.state == "handed_off" and event.channel == "postal"
        )
        if (
            reached
            and rule is not None
            and rule.then_stage
            and self.state.stage == policy.initial_stage
            and rule.then_stage in policy.allowed_from(self.state.stage)
        ):
            self.enter_stage(
                rule.then_stage,
                f"followups.{kind}",
                f"the {event.template_name} message was {event.state.replace('_', ' ')}",
                now,
                rule=f"followups.{kind}.then_stage",
            )
        return "delivery"

    def _record_sent_by_person(self, event: MessageEvent) -> None:
        """A message a person sent (SendMessage), as the workflow records the
        ones it asks for itself."""
        self.state.followup_messages.setdefault(event.message_id, event.kind)
        self.trail.by_person(
            event.actor,
            "message.queued",
            f"messages.{event.message_id}",
            new=json.dumps(
                {
                    "template": event.template_name,
                    "version": event.template_version,
                    "language": event.language,
                    "channel": event.channel,
                    "state": "queued",
                }
            ),
            cause=f"sent by {event.actor}",
        )

    # -- stages ----------------------------------------------------------------

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
                clock.regulatory and to in policy.regulatory.stops_on
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

    def reopen_until(self) -> datetime | None:
        if self.state.closed_at is None:
            return None
        return self.state.closed_at + self.rules.reopen_window.duration

    def finished(self, now: datetime) -> bool:
        # A closed case keeps its workflow open for reopening until its window ends.
        until = self.reopen_until()
        return until is not None and now >= until

    # -- checks: each raises the refusal a caller gets -------------------------

    def check_ready(self) -> None:
        if not self.state.case_id or self.policy is None:
            raise Refused("the case is still being stored; try again in a moment")

    def check_submission(self, fingerprint: str) -> None:
        if fingerprint != self.submission.fingerprint:
            raise KeyReused(
                "this idempotency key was already used for a different complaint "
                f"({self.state.case_id or 'being stored'}); use a new key for a new complaint"
            )

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

    def check_transition_command(self, command: TransitionCommand) -> None:
        self.check_ready()
        self.check_transition(command.to_stage)

    def check_assign(self, command: AssignCommand) -> None:
        self.check_ready()
        if not command.assignee and not command.team:
            raise InvalidCommand("give an assignee, a team or both", "assignee")
        self._check_open()

    def check_priority(self, command: PriorityCommand) -> None:
        self.check_ready()
        if command.priority not in PRIORITIES:
            raise InvalidCommand(f"priority must be one of {', '.join(PRIORITIES)}", "priority")
        if not command.reason.strip():
            raise InvalidCommand("say why the priority is overridden", "reason")
        if command.priority == self.state.priority:
            raise Refused(f"the priority is already {command.priority}")

    def check_category(self, command: CategoryCommand) -> None:
        self.check_ready()
        categories = self.rules.categories
        if categories and command.category not in categories:
            raise InvalidCommand(f"category must be one of {', '.join(categories)}", "category")
        if not command.reason.strip():
            raise InvalidCommand("say why the category is changed", "reason")
        if command.category == self.state.category:
            raise Refused(f"the category is already {command.category}")

    def _check_clock(self, name: str) -> clk.Clock:
        clock = self.clock(name)
        if clock is None:
            names = ", ".join(c.name for c in self.state.clocks)
            raise InvalidCommand(f"no clock {name!r} on this case; clocks: {names}", "clock")
        return clock

    def check_pause(self, command: ClockCommand) -> None:
        self.check_ready()
        clock = self._check_clock(command.clock)
        if clock.regulatory or not clock.pausable:
            raise Refused(
                f"the {clock.name} clock cannot be paused"
                + (" (regulatory clocks never pause)" if clock.regulatory else "")
            )
        if clock.state != clk.RUNNING:
            raise Refused(f"the {clock.name} clock is {clock.state}, not running")
        reasons = self.rules.pause_reasons
        if command.reason not in reasons:
            raise InvalidCommand(f"reason must be one of {', '.join(reasons)}", "reason")

    def check_resume(self, command: ClockCommand) -> None:
        self.check_ready()
        clock = self._check_clock(command.clock)
        if clock.state != clk.PAUSED:
            raise Refused(f"the {clock.name} clock is {clock.state}, not paused")

    def check_reply(self, command: ReplyCommand) -> None:
        self.check_ready()

    def check_add_subtask(self, command: AddSubtaskCommand, now: datetime) -> None:
        self.check_ready()
        if not command.title.strip():
            raise InvalidCommand("a subtask needs a title", "title")
        if command.due_at is not None and command.due_at <= now:
            raise InvalidCommand("due_at must be in the future", "due_at")
        self._check_open()

    def _subtask(self, subtask_id: str) -> SubtaskInfo:
        task = next((s for s in self.state.subtasks if s.subtask_id == subtask_id), None)
        if task is None:
            raise InvalidCommand(f"no subtask {subtask_id!r} on this case", "subtask_id")
        return task

    def check_finish_subtask(self, command: SubtaskCommand) -> None:
        """Completing or cancelling: the subtask must still be open."""
        self.check_ready()
        task = self._subtask(command.subtask_id)
        if task.state not in OPEN_SUBTASK_STATES:
            raise Refused(f"subtask {task.subtask_id} is already {task.state}")

    def check_schedule_followup(self, command: ScheduleFollowupCommand, now: datetime) -> None:
        self.check_ready()
        if not self.features.followups:
            raise Refused("this case was started before follow-ups existed; send the message now")
        if not command.template_name.strip():
            raise InvalidCommand("name the template to send", "template_name")
        if command.send_at <= now:
            raise InvalidCommand("send_at must be in the future", "send_at")
        if self.state.closed_at is not None or self.state.resolved_at is not None:
            raise Refused(f"the case is {self.state.stage}; nothing can be scheduled")

    def check_cancel_followup(self, command: SubtaskCommand) -> None:
        self.check_ready()
        item = next((s for s in self.state.scheduled if s.followup_id == command.subtask_id), None)
        if item is None:
            raise InvalidCommand(f"no scheduled follow-up {command.subtask_id!r}", "followup_id")
        if item.state != "scheduled":
            raise Refused(f"follow-up {item.followup_id} is already {item.state}")

    def check_outcome(self, command: OutcomeCommand) -> None:
        self.check_ready()
        if command.decision not in DECISIONS:
            raise InvalidCommand(f"decision must be one of {', '.join(DECISIONS)}", "decision")
        causes = self.rules.root_causes
        if causes and command.root_cause not in causes:
            raise InvalidCommand(
                f"root_cause {command.root_cause!r} is not in the cause taxonomy: "
                f"{', '.join(causes)}",
                "root_cause",
            )
        if command.redress_minor < 0 or command.goodwill_minor < 0:
            raise InvalidCommand("amounts cannot be negative", "redress")
        self._check_open()

    def check_resolve(self, command: ReasonCommand) -> None:
        self.check_ready()
        self.check_transition(self._stage_with("resolved"))

    def check_close(self, command: ReasonCommand) -> None:
        self.check_ready()
        self.check_closable()
        self._stage_with("closed")

    def check_reopen(self, command: ReasonCommand) -> None:
        self.check_ready()
        if self.state.resolved_at is None and self.state.closed_at is None:
            raise Refused(
                f"only a resolved or closed case can be reopened; it is {self.state.stage}"
            )
        if not command.reason.strip():
            raise InvalidCommand("say why the case is reopened", "reason")

    # -- commands: each assumes its check passed -------------------------------

    def assign(self, command: AssignCommand) -> None:
        if command.team != self.state.team:
            self.trail.by_person(
                command.actor,
                "case.assigned",
                "team",
                old=self.state.team,
                new=command.team,
                cause=command.reason,
            )
            self.state.team = command.team
        if command.assignee != self.state.assignee:
            self.trail.by_person(
                command.actor,
                "case.assigned",
                "assignee",
                old=self.state.assignee,
                new=command.assignee,
                cause=command.reason,
            )
            self.state.assignee = command.assignee

    def change_priority(self, command: PriorityCommand) -> None:
        self.trail.by_person(
            command.actor,
            "case.priority_changed",
            "priority",
            old=self.state.priority,
            new=command.priority,
            cause=command.reason,
        )
        self.state.priority = command.priority

    def change_category(self, command: CategoryCommand) -> None:
        self.trail.by_person(
            command.actor,
            "case.recategorised",
            "category",
            old=self.state.category,
            new=command.category,
            cause=command.reason,
        )
        self.state.category = command.category

    def transition(self, command: TransitionCommand, now: datetime) -> None:
        # Checked again: the case may have moved since the validator ran.
        self.check_transition(command.to_stage)
        self.enter_stage(command.to_stage, command.actor, command.reason, now)

    def resolve(self, command: ReasonCommand, now: datetime) -> None:
        to = self._stage_with("resolved")
        self.check_transition(to)
        self.enter_stage(to, command.actor, command.reason or "resolved", now)

    def close(self, command: ReasonCommand, now: datetime) -> None:
        to = self._stage_with("closed")
        self.check_transition(to)
        self.enter_stage(to, command.actor, command.reason or "closed", now)

    def pause_clock(self, command: ClockCommand, now: datetime) -> None:
        clock = self.clock(command.clock)
        assert clock is not None
        clk.pause(clock, now, command.reason, self.calendar(clock.calendar))
        self.trail.by_person(
            command.actor,
            "clock.paused",
            f"clocks.{clock.name}",
            old="running",
            new="paused",
            cause=command.reason,
        )

    def resume_clock(self, command: ClockCommand, now: datetime) -> None:
        clock = self.clock(command.clock)
        assert clock is not None
        clk.resume(clock, now, self.calendar(clock.calendar))
        self.trail.by_person(
            command.actor,
            "clock.resumed",
            f"clocks.{clock.name}",
            old="paused",
            new=iso(clock.due_at),
            cause=command.reason,
        )

    def record_customer_reply(self, command: ReplyCommand, now: datetime) -> None:
        """The customer answered: clocks paused for them resume, and a case
        awaiting the customer goes back to work."""
        self.trail.by_person(
            command.actor, "customer.replied", "", new=command.channel, cause=command.summary
        )
        for clock in self.state.clocks:
            if clock.state == clk.PAUSED and clock.pause_reason in (
                "awaiting_customer",
                self.state.stage,
            ):
                clk.resume(clock, now, self.calendar(clock.calendar))
                self.trail.by_rule(
                    "clock.resumed",
                    f"clocks.{clock.name}",
                    new=iso(clock.due_at),
                    cause="the customer replied",
                    rule=f"clocks.{clock.name}",
                )
        stage = self.rules.stages[self.state.stage]
        if stage.name == "awaiting_customer" and stage.next:
            back = "investigating" if "investigating" in stage.next else stage.next[0]
            self.enter_stage(back, command.actor, "the customer replied", now)

    def add_subtask(self, command: AddSubtaskCommand, now: datetime) -> SubtaskInfo:
        """The new subtask, open; its workflow is to be started before
        `record_subtask_added`."""
        self.state.subtasks_created += 1
        info = SubtaskInfo(
            subtask_id=f"{self.state.case_id}-T{self.state.subtasks_created}",
            title=command.title,
            description=command.description,
            assignee=command.assignee,
            team=command.team,
            due_at=command.due_at,
            created_at=now,
        )
        self.state.subtasks.append(info)
        return info

    def record_subtask_added(self, command: AddSubtaskCommand, subtask_id: str) -> None:
        self.trail.by_person(
            command.actor,
            "subtask.added",
            f"subtasks.{subtask_id}",
            new=json.dumps(
                {
                    "title": command.title,
                    "assignee": command.assignee,
                    "due_at": iso(command.due_at),
                }
            ),
            cause=command.description,
        )

    def finish_subtask(self, command: SubtaskCommand, state: str, now: datetime) -> None:
        """Completes or cancels (`state`) an open subtask."""
        task = self._subtask(command.subtask_id)
        old = task.state
        task.state = state
        task.completed_at = now
        self.trail.by_person(
            command.actor,
            f"subtask.{state}",
            f"subtasks.{task.subtask_id}",
            old=old,
            new=state,
            cause=command.reason,
        )

    def subtask_event(self, event: SubtaskEvent) -> bool:
        """A subtask's reminder or overdue time came; False if it no longer matters."""
        task = next((s for s in self.state.subtasks if s.subtask_id == event.subtask_id), None)
        if task is None or task.state not in OPEN_SUBTASK_STATES:
            return False
        if event.kind == "reminder":
            task.reminded = True
            self.trail.by_rule(
                "subtask.reminder",
                f"subtasks.{task.subtask_id}",
                new=task.assignee,
                cause=f"due {iso(task.due_at)}",
                rule="subtasks.remind_before",
            )
        elif event.kind == "overdue":
            task.state = "overdue"
            self.trail.by_rule(
                "subtask.overdue",
                f"subtasks.{task.subtask_id}",
                old="open",
                new="overdue",
                cause=f"due {iso(task.due_at)} passed; "
                f"notify {task.assignee or task.team} and team lead",
                rule="subtasks.overdue",
            )
        return True

    def schedule_followup(self, command: ScheduleFollowupCommand) -> str:
        """A person's follow-up, sent when its time comes; answers its id."""
        self.state.messages_requested += 1
        followup_id = f"{self.state.case_id}-F{self.state.messages_requested}"
        self.state.scheduled.append(
            ScheduledFollowup(
                followup_id=followup_id,
                template_name=command.template_name,
                send_at=command.send_at,
                scheduled_by=command.actor,
                extra=dict(command.extra),
            )
        )
        self.trail.by_person(
            command.actor,
            "followup.scheduled",
            f"followups.{followup_id}",
            new=json.dumps({"template": command.template_name, "send_at": iso(command.send_at)}),
            cause=command.reason,
        )
        return followup_id

    def cancel_followup(self, command: SubtaskCommand) -> None:
        item = next(s for s in self.state.scheduled if s.followup_id == command.subtask_id)
        item.state = "cancelled"
        self.trail.by_person(
            command.actor,
            "followup.cancelled",
            f"followups.{item.followup_id}",
            old="scheduled",
            new="cancelled",
            cause=command.reason,
        )

    def record_outcome(self, command: OutcomeCommand, now: datetime) -> None:
        old = self.state.outcome.decision if self.state.outcome else ""
        self.state.outcome = OutcomeInfo(
            decision=command.decision,
            root_cause=command.root_cause,
            summary=command.summary,
            recorded_at=now,
            recorded_by=command.actor,
            redress_currency=command.redress_currency,
            redress_minor=command.redress_minor,
            goodwill_currency=command.goodwill_currency,
            goodwill_minor=command.goodwill_minor,
        )
        self.trail.by_person(
            command.actor,
            "outcome.recorded",
            "outcome",
            old=old,
            new=json.dumps(
                {
                    "decision": command.decision,
                    "root_cause": command.root_cause,
                    "redress": [command.redress_currency, command.redress_minor],
                    "goodwill": [command.goodwill_currency, command.goodwill_minor],
                }
            ),
            cause=command.summary,
        )

    def reopen(self, command: ReasonCommand, now: datetime) -> None:
        policy = self.rules
        old = self.state.stage
        to = policy.reopen_stage or policy.initial_stage
        self.trail.by_person(
            command.actor, "case.reopened", "stage", old=old, new=to, cause=command.reason
        )
        self.state.stage = to
        self.state.stage_entered_at = now
        self.state.stage_target_exceeded = False
        self.state.resolved_at = None
        self.state.closed_at = None
        for clock in self.state.clocks:
            if clock.name in policy.reopen_restarts:
                clk.start(clock, now, self.calendar(clock.calendar))
                self.trail.by_rule(
                    "clock.started",
                    f"clocks.{clock.name}",
                    new=iso(clock.due_at),
                    cause="case reopened",
                    rule="reopen.restarts",
                )

    def forget_personal_data(self, erased: PersonalDataErased) -> None:
        """The customer's details, the complaint's words, subtask descriptions
        and the outcome's summary are forgotten; the figures stay."""
        submission = self.submission
        submission.customer = CustomerInfo(
            full_name="", do_not_contact=list(erased.do_not_contact), no_surveys=True
        )
        submission.narrative = ""
        submission.desired_outcome = ""
        for subtask in self.state.subtasks:
            subtask.description = ""
        if self.state.outcome is not None:
            self.state.outcome.summary = ""

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

    def take_message_requested(self) -> bool:
        """Whether a message was put in the outbox since the last call."""
        requested, self.message_requested = self.message_requested, False
        return requested

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
            allowed_stages=list(self.policy.allowed_from(self.state.stage)) if self.policy else [],
            clocks=clocks,
            subtasks=list(self.state.subtasks),
        )
