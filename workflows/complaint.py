"""ComplaintWorkflow: one durable workflow per complaint, from intake to close.

It owns the complaint's time. Its clocks (acknowledgement, first response,
resolution, and the regime's regulatory deadlines) are durable timers that
fire at the exact instant a warning, breach or escalation step is due; the
workflow sleeps in between and nothing polls. Lifecycle commands arrive as
Updates with validators, so a caller gets an answer or a clear refusal. Every
change is recorded in services/cases, with the person or rule that caused it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from redress.domain import clocks as clk
    from redress.domain.policy import (
        PRIORITIES,
        Classification,
        ComplaintFacts,
        EscalationStep,
        Policy,
    )
    from redress.domain.regulatory import (
        FINAL_RESPONSE_CLOCK,
        SUMMARY_RESOLUTION_CLOCK,
        regulatory_deadlines,
    )
    from redress.platform import search_attributes as sa
    from workflows.activities import CaseActivities
    from workflows.complaint_types import (
        AddSubtaskCommand,
        AssignCommand,
        AuditDraft,
        CaseEventDraft,
        CategoryCommand,
        ClockCommand,
        ClockStatus,
        CommandResult,
        ComplaintInput,
        ComplaintState,
        ComplaintStatus,
        ComplaintSubmission,
        CustomerInfo,
        MessageEvent,
        MessageQueued,
        MessageRequest,
        NoteDraft,
        OutboxItem,
        OutcomeCommand,
        OutcomeInfo,
        PersonalDataErased,
        PriorityCommand,
        ReasonCommand,
        RecordChangeInput,
        RegisterSubmissionInput,
        RegisterSubmissionResult,
        ReplyCommand,
        ScheduledFollowup,
        ScheduleFollowupCommand,
        StoreCaseInput,
        SubtaskCommand,
        SubtaskEvent,
        SubtaskInfo,
        SubtaskInput,
        SuggestedArticle,
        SuggestInput,
        TransitionCommand,
    )
    from workflows.subtask import SubtaskWorkflow

# Calls to the case store are local activities: they run in the worker that
# holds the workflow, which saves several round trips through the server on
# every command (a complaint's intake latency is mostly those trips). They
# are retried until the case store answers: a complaint is never dropped
# because a service was down for a while.
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=["InvalidCase"],
)
ACTIVITY_TIMEOUT = timedelta(seconds=30)

# Hand-overs to services/followup are retried until it answers: a message or
# an event is never dropped because the follow-up service was down.
SUGGESTIONS = 3
SUGGEST_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["NotFound"],
)
FOLLOWUP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["TemplateProblem", "InvalidMessage", "KeyReused"],
)
# Audit actions that are case events for webhooks, and the event type.
EVENT_TYPES = {
    "case.assigned": "case.assigned",
    "case.prioritised": "case.priority_changed",
    "case.priority_changed": "case.priority_changed",
    "case.classified": "case.category_changed",
    "case.recategorised": "case.category_changed",
    "case.escalated": "case.escalated",
    "case.reopened": "case.reopened",
    "clock.warning": "clock.warning",
    "clock.breached": "clock.breached",
    "outcome.recorded": "case.outcome_recorded",
    "customer.replied": "customer.replied",
    "message.sent": "message.sent",
    "message.failed": "message.failed",
    "message.delivered": "message.delivered",
    "message.bounced": "message.bounced",
    "subtask.added": "subtask.added",
    "subtask.overdue": "subtask.overdue",
    "subtask.completed": "subtask.completed",
}
# Case events that exist for staff alerts; recorded by workflows that know them
# (workflow.patched("staff-alerts")).
ALERT_EVENT_TYPES = {
    "notification.requested": "case.notification_requested",
    "subtask.reminder": "subtask.reminder",
}

KEY_REUSED = "IdempotencyKeyReused"
FAILED_PRECONDITION = "FailedPrecondition"
INVALID_ARGUMENT = "InvalidArgument"
DECISIONS = ("upheld", "partly_upheld", "rejected", "withdrawn")


def refuse(message: str) -> ApplicationError:
    return ApplicationError(message, type=FAILED_PRECONDITION, non_retryable=True)


def _message_action(event: MessageEvent) -> str:
    """The audit action for what services/followup says about a message."""
    if event.state == "queued":
        return "message.queued"
    if event.reported:
        return "message.delivered" if event.state == "delivered" else "message.bounced"
    reached = event.state in ("sent", "delivered", "handed_off")
    return "message.sent" if reached else "message.failed"


def invalid(message: str, field: str) -> ApplicationError:
    """A bad command field; `field` names it for the caller's field violation."""
    return ApplicationError(message, field, type=INVALID_ARGUMENT, non_retryable=True)


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@workflow.defn
class ComplaintWorkflow:
    @workflow.init
    def __init__(self, input: ComplaintInput) -> None:
        # Taken here, not in run(), so that the update validator that arrives
        # with the start can already compare fingerprints.
        self.input = input
        self.state = input.state or ComplaintState(priority=input.submission.priority)
        self.policy: Policy | None = None
        self.lock = asyncio.Lock()
        self.wake = False
        self.audit: list[AuditDraft] = []
        self.notes: list[NoteDraft] = []
        # Follow-ups (messages the workflow sends, events for webhooks) exist
        # for workflows started by a worker that knows them; see run().
        self.followups_on = False
        self.alerts_on = False
        self.suggestions_on = False
        self.stop_breached_clocks = False
        self.suggester: asyncio.Task[None] | None = None
        self.draining = False
        self.drainer: asyncio.Task[None] | None = None
        # Set by personal_data_erased: continue as new at once.
        self.fresh_run_wanted = False

    # -- the life of the complaint -------------------------------------------

    @workflow.run
    async def run(self, input: ComplaintInput) -> str:
        self.followups_on = workflow.patched("followups")
        self.alerts_on = self.followups_on and workflow.patched("staff-alerts")
        self.suggestions_on = workflow.patched("knowledge-suggestions")
        self.stop_breached_clocks = workflow.patched("stop-breached-clocks")
        if self.state.policy is None:
            await self._receive()
        else:
            self.policy = Policy.load(self.state.policy.document)
        if self.suggestions_on and self.state.suggestions_pending:
            self.suggester = asyncio.create_task(self._suggest_articles())
        while not self._finished():
            async with self.lock:
                await self._fire_due_events()
            self._start_draining()
            self.wake = False
            wait = self._time_to_next_event()
            try:
                await workflow.wait_condition(
                    lambda: self.wake or self._history_full() or self.fresh_run_wanted,
                    timeout=wait,
                    timeout_summary="next clock event",
                )
            except TimeoutError:
                pass
            if (self._history_full() or self.fresh_run_wanted) and not self.lock.locked():
                # What is being handed to services/followup finishes first;
                # anything still in the outbox travels in the state.
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() and not self.draining
                )
                workflow.continue_as_new(
                    ComplaintInput(self.input.submission, self.state, input.history_limit)
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self.state.outbox:
            # Give what is still to hand over a day before the workflow ends.
            self._start_draining()
            try:
                await workflow.wait_condition(
                    lambda: not self.state.outbox, timeout=timedelta(days=1)
                )
            except TimeoutError:
                workflow.logger.warning("follow-ups not handed over before the workflow ended")
        return self.state.case_id

    def _history_full(self) -> bool:
        info = workflow.info()
        limit = self.input.history_limit
        return info.is_continue_as_new_suggested() or bool(
            limit and info.get_current_history_length() >= limit
        )

    async def _receive(self) -> None:
        submission = self.input.submission
        document = await workflow.execute_local_activity_method(
            CaseActivities.current_policy,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        self.state.policy = document
        self.policy = Policy.load(document.document)
        self.state.stage = self.policy.initial_stage
        self.state.category = submission.category
        classified: Classification | None = None
        if workflow.patched("classification-on-receipt"):
            classified = self._classify(submission)
            submission = dataclasses.replace(
                submission,
                category=classified.category or submission.category,
                priority=classified.priority,
            )
            self.state.category = submission.category
            self.state.priority = submission.priority
        stored = await workflow.execute_local_activity_method(
            CaseActivities.store_case,
            StoreCaseInput(
                workflow_id=workflow.info().workflow_id,
                submission=submission,
                stage=self.state.stage,
                policy_id=document.policy_id,
                policy_version=document.version,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        self.state.case_id = stored.case_id
        async with self.lock:
            if classified is not None:
                self._record_classification(classified)
            received = submission.received_at
            self.state.stage_entered_at = received
            if submission.historic:
                self.state.filed_at = workflow.now()
                self._rule_audit(
                    "case.filed_historic",
                    "historic",
                    new=_iso(workflow.now()),
                    cause=f"a record of a complaint received {_iso(received)}: no letters, "
                    "and deadlines already passed are recorded without escalation",
                )
            self._start_clocks(received)
            self._rule_audit(
                "clocks.started",
                "clocks",
                new=json.dumps({c.name: _iso(c.due_at) for c in self.state.clocks}),
                cause=f"policy {document.policy_id} {document.version} and regime "
                f"{submission.regime} at receipt {received.isoformat()}",
            )
            if self.followups_on:
                self.state.outbox.append(
                    OutboxItem(
                        events=[
                            CaseEventDraft(
                                event_id=f"{self.state.case_id}:created",
                                event_type="case.created",
                                case_id=self.state.case_id,
                                sequence=0,
                                occurred_at=workflow.now(),
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
                self._send_followup("acknowledgement")
            self.state.suggestions_pending = self.suggestions_on
            await self._persist()

    def _classify(self, submission: ComplaintSubmission) -> Classification:
        text = "\n".join((submission.narrative, submission.issue, submission.sub_issue))
        return self._policy().classify(
            ComplaintFacts(
                text=text,
                product=submission.product,
                tags=tuple(submission.customer.tags),
                regime=submission.regime,
                channel=submission.channel,
            )
        )

    def _record_classification(self, c: Classification) -> None:
        matched = ", ".join(c.matched) or "none"
        if c.category_rule:
            self._rule_audit(
                "case.classified",
                "category",
                new=c.category,
                cause=f"classification rules matched: {matched}",
                rule=f"classification.{c.category_rule}",
            )
        if c.priority_rule:
            self._rule_audit(
                "case.prioritised",
                "priority",
                old="normal",
                new=c.priority,
                cause=f"classification rules matched: {matched}",
                rule=f"classification.{c.priority_rule}",
            )

    # -- knowledge -------------------------------------------------------------

    async def _suggest_articles(self) -> None:
        """Asks services/knowledge for the articles most likely to help, beside
        the main loop: a knowledge service that is down delays nothing else."""
        try:
            found = await workflow.execute_activity(
                "knowledge.suggest_for_case",
                SuggestInput(self.state.case_id, SUGGESTIONS),
                task_queue=f"{workflow.info().task_queue}-knowledge",
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                schedule_to_close_timeout=timedelta(hours=6),
                retry_policy=SUGGEST_RETRY,
                result_type=list[SuggestedArticle],
            )
        except ActivityError as err:
            cause = err.cause.message if isinstance(err.cause, ApplicationError) else str(err)
            async with self.lock:
                self.state.suggestions_pending = False
                self._rule_audit(
                    "knowledge.not_suggested",
                    "knowledge",
                    cause=f"no suggestions: {cause or 'the knowledge service did not answer'}",
                )
                await self._persist()
            return
        async with self.lock:
            self.state.suggestions_pending = False
            self._rule_audit(
                "knowledge.suggested",
                "knowledge",
                new=json.dumps(
                    [
                        {"article_id": a.article_id, "title": a.title, "score": a.score}
                        for a in found
                    ]
                ),
                cause=f"{len(found)} article(s) found for the complaint's product, issue and "
                "narrative",
            )
            await self._persist()

    # -- follow-ups ----------------------------------------------------------

    def _followup_queue(self) -> str:
        return f"{workflow.info().task_queue}-followup"

    def _request_message(
        self, kind: str, template: str, extra: dict[str, str] | None = None, actor: str = ""
    ) -> None:
        self.state.messages_requested += 1
        self.state.outbox.append(
            OutboxItem(
                message=MessageRequest(
                    idempotency_key=f"{workflow.info().workflow_id}/message/"
                    f"{self.state.messages_requested}",
                    case_id=self.state.case_id,
                    case_workflow_id=workflow.info().workflow_id,
                    template_name=template,
                    kind=kind,
                    extra=dict(extra or {}),
                    requested_by=actor or "complaint-workflow",
                )
            )
        )
        self._start_draining()

    def _send_followup(self, kind: str, extra: dict[str, str] | None = None) -> bool:
        """Asks for the policy's follow-up of this kind, if the policy has one."""
        if not self.followups_on or self.input.submission.historic:
            return False
        rule = self._policy().followups.get(kind)
        if rule is None:
            return False
        self._request_message(kind, rule.template, extra)
        return True

    def _case_events(self) -> list[CaseEventDraft]:
        if not self.followups_on or not self.state.case_id:
            return []
        policy = self._policy()
        events = []
        for i, entry in enumerate(self.audit):
            kind = EVENT_TYPES.get(entry.action) or (
                ALERT_EVENT_TYPES.get(entry.action) if self.alerts_on else None
            )
            if entry.action == "case.stage_changed":
                stage = policy.stages.get(entry.new_value)
                kind = (
                    "case.closed"
                    if stage and stage.closed
                    else "case.resolved"
                    if stage and stage.resolved
                    else "case.stage_changed"
                )
            if kind is None:
                continue
            events.append(
                CaseEventDraft(
                    event_id=f"{self.state.case_id}:{self.state.changes_recorded}:{i}",
                    event_type=kind,
                    case_id=self.state.case_id,
                    sequence=self.state.changes_recorded * 1000 + i,
                    occurred_at=workflow.now(),
                    payload={
                        "action": entry.action,
                        "field": entry.field,
                        "old": entry.old_value,
                        "new": entry.new_value,
                        "cause": entry.cause,
                        "actor": f"{entry.actor_kind}:{entry.actor_id}",
                        "stage": self.state.stage,
                        "priority": self.state.priority,
                        "assignee": self.state.assignee,
                        "team": self.state.team,
                        "category": self.state.category,
                        "escalation_level": str(self.state.escalation_level),
                        **self._subtask_fields(entry.field),
                    },
                )
            )
        return events

    def _subtask_fields(self, field: str) -> dict[str, str]:
        if not field.startswith("subtasks."):
            return {}
        for task in self.state.subtasks:
            if task.subtask_id == field.removeprefix("subtasks."):
                return {
                    "subtask": json.dumps(
                        {
                            "title": task.title,
                            "assignee": task.assignee,
                            "team": task.team,
                            "due_at": _iso(task.due_at),
                            "state": task.state,
                        }
                    )
                }
        return {}

    def _start_draining(self) -> None:
        # The outbox is handed over beside the main loop, so that clocks keep
        # firing while services/followup is unavailable.
        if self.state.outbox and not self.draining:
            self.draining = True
            self.drainer = asyncio.create_task(self._drain_outbox())

    async def _drain_outbox(self) -> None:
        try:
            while self.state.outbox:
                # Whatever queued the item holds the lock until the case is
                # stored: take the item once it is, so a letter is rendered
                # from the case as it now stands.
                async with self.lock:
                    item = self.state.outbox[0]
                if item.message is not None:
                    await self._hand_over(item.message)
                elif item.events:
                    await workflow.execute_activity(
                        "followup.publish_events",
                        item.events,
                        task_queue=self._followup_queue(),
                        start_to_close_timeout=ACTIVITY_TIMEOUT,
                        retry_policy=FOLLOWUP_RETRY,
                    )
                    async with self.lock:
                        self.state.outbox.pop(0)
        finally:
            self.draining = False

    async def _hand_over(self, request: MessageRequest) -> None:
        try:
            queued = await workflow.execute_activity(
                "followup.queue_message",
                request,
                task_queue=self._followup_queue(),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=FOLLOWUP_RETRY,
                result_type=MessageQueued,
            )
        except ActivityError as err:
            cause = err.cause.message if isinstance(err.cause, ApplicationError) else str(err)
            async with self.lock:
                self.state.outbox.pop(0)
                self._rule_audit(
                    "message.failed",
                    "messages",
                    new=json.dumps({"template": request.template_name, "kind": request.kind}),
                    cause=f"could not prepare the {request.template_name} message: {cause}",
                    rule=f"followups.{request.kind}",
                )
                await self._persist()
            return
        async with self.lock:
            self.state.outbox.pop(0)
            self.state.followup_messages[queued.message_id] = request.kind
            self._rule_audit(
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
            await self._persist()

    def _followup_events(self) -> list[clk.ClockEvent]:
        if not self.followups_on:
            return []
        policy = self._policy()
        rules = policy.followups
        events: list[clk.ClockEvent] = []
        stage = policy.stages[self.state.stage]
        # A historic complaint gets no letters from the policy, only the ones
        # a person schedules.
        open_case = (
            self.state.closed_at is None
            and self.state.resolved_at is None
            and not self.input.submission.historic
        )
        progress = rules.get("progress_update")
        chasers = rules.get("chasers")
        in_chase = chasers is not None and self.state.stage == chasers.stage
        if progress and progress.every and open_case and not in_chase:
            since = self.state.last_progress_update_at or self.input.submission.received_at
            at = clk.advance(
                progress.every.basis,
                self._calendar(""),
                since,
                progress.every.duration.total_seconds(),
            )
            events.append(clk.ClockEvent(at, "followup:progress_update", "followup"))
        if chasers and chasers.every and in_chase and self.state.stage_entered_at and open_case:
            at = clk.advance(
                chasers.every.basis,
                self._calendar(""),
                self.state.stage_entered_at,
                chasers.every.duration.total_seconds() * (self.state.chasers_sent + 1),
            )
            events.append(clk.ClockEvent(at, "followup:chasers", "followup"))
        survey = rules.get("satisfaction_survey")
        if (
            survey
            and survey.after
            and not self.input.submission.historic
            and stage.closed
            and self.state.closed_at
            and not self.state.survey_sent
        ):
            at = clk.advance(
                survey.after.basis,
                self._calendar(""),
                self.state.closed_at,
                survey.after.duration.total_seconds(),
            )
            events.append(clk.ClockEvent(at, "followup:satisfaction_survey", "followup"))
        for item in self.state.scheduled:
            if item.state == "scheduled":
                events.append(
                    clk.ClockEvent(item.send_at, f"scheduled:{item.followup_id}", "followup")
                )
        return events

    def _fire_followup(self, event: clk.ClockEvent) -> None:
        kind = event.clock.split(":", 1)[1]
        now = workflow.now()
        if event.clock.startswith("scheduled:"):
            item = next(s for s in self.state.scheduled if s.followup_id == kind)
            item.state = "sent"
            self._request_message("scheduled", item.template_name, item.extra, item.scheduled_by)
            return
        if kind == "progress_update":
            self.state.last_progress_update_at = now
            self._send_followup("progress_update")
        elif kind == "chasers":
            rule = self._policy().followups["chasers"]
            if self.state.chasers_sent < rule.limit:
                self.state.chasers_sent += 1
                extra = {}
                if self.state.chasers_sent == rule.limit and rule.every:
                    close_at = clk.advance(
                        rule.every.basis,
                        self._calendar(""),
                        self.state.stage_entered_at or now,
                        rule.every.duration.total_seconds() * (rule.limit + 1),
                    )
                    extra["close_after"] = close_at.date().isoformat()
                self._send_followup("chasers", extra)
            else:
                self._auto_close(rule.limit)
        elif kind == "satisfaction_survey":
            self.state.survey_sent = True
            self._send_followup("satisfaction_survey")

    def _auto_close(self, reminders: int) -> None:
        policy = self._policy()
        closed = next(
            (n for n in policy.allowed_from(self.state.stage) if policy.stages[n].closed), ""
        )
        self.state.chasers_sent += 1  # no further chaser event
        open_tasks = [s for s in self.state.subtasks if s.state in ("open", "overdue")]
        if not closed or open_tasks:
            self._rule_audit(
                "case.auto_close_skipped",
                "stage",
                new=self.state.stage,
                cause=f"no reply after {reminders} reminders, but "
                + ("subtasks are open" if open_tasks else f"{self.state.stage} cannot close"),
                rule="followups.chasers",
            )
            return
        reason = f"no reply from the customer after {reminders} reminders"
        self._enter_stage(closed, "followups.chasers", reason, rule="followups.chasers")

    def _on_resolved(self) -> None:
        summary = self._clock(SUMMARY_RESOLUTION_CLOCK)
        # Resolved before the summary-resolution deadline passed (entering the
        # resolved stage has just stopped the clock).
        if (
            summary is not None
            and summary.breached_at is None
            and "summary_resolution" in self._policy().followups
        ):
            self._send_followup("summary_resolution")
        else:
            self._send_followup("final_response")

    def _cancel_scheduled(self, why: str) -> None:
        for item in self.state.scheduled:
            if item.state == "scheduled":
                item.state = "cancelled"
                self._rule_audit(
                    "followup.cancelled",
                    f"followups.{item.followup_id}",
                    old="scheduled",
                    new="cancelled",
                    cause=why,
                    rule="followups.scheduled",
                )

    def _reopen_until(self) -> datetime | None:
        if self.state.closed_at is None:
            return None
        return self.state.closed_at + self._policy().reopen_window.duration

    def _finished(self) -> bool:
        # A closed case keeps its workflow open for reopening until its window ends.
        until = self._reopen_until()
        return until is not None and workflow.now() >= until

    def _calendar(self, name: str):  # type: ignore[no-untyped-def]
        return self._policy().calendar_named(name)

    def _policy(self) -> Policy:
        assert self.policy is not None
        return self.policy

    def _start_clocks(self, received: datetime) -> None:
        policy = self._policy()
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
                clk.start(clock, received, self._calendar(clock.calendar))
            self.state.clocks.append(clock)
        regime = self.input.submission.regime
        calendar = self._calendar(policy.calendar)
        if workflow.patched("regime-calendars"):
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

    def _clock(self, name: str) -> clk.Clock | None:
        return next((c for c in self.state.clocks if c.name == name), None)

    def _ladder(self, clock: clk.Clock) -> tuple[EscalationStep, ...]:
        return self._policy().escalation_ladders.get(clock.ladder, ())

    def _upcoming(self) -> list[clk.ClockEvent]:
        events: list[clk.ClockEvent] = self._followup_events()
        for clock in self.state.clocks:
            events += clk.upcoming(clock, self._calendar(clock.calendar), self._ladder(clock))
        target = self._policy().stages[self.state.stage].target
        if (
            target
            and not self.state.stage_target_exceeded
            and self.state.stage_entered_at is not None
        ):
            at = clk.advance(
                target.basis,
                self._calendar(""),
                self.state.stage_entered_at,
                target.duration.total_seconds(),
            )
            events.append(clk.ClockEvent(at, f"stage:{self.state.stage}", "stage_target"))
        return sorted(events, key=lambda e: e.at)

    def _time_to_next_event(self) -> timedelta | None:
        instants = [e.at for e in self._upcoming()]
        until = self._reopen_until()
        if until is not None:
            instants.append(until)
        if not instants:
            return None
        # Durable timers are not precise below about a second; never ask for less.
        return max(min(instants) - workflow.now(), timedelta(seconds=1))

    async def _fire_due_events(self) -> None:
        now = workflow.now()
        fired = False
        for _ in range(100):
            due = [e for e in self._upcoming() if e.at <= now]
            if not due:
                break
            event = due[0]
            self._fire(event)
            fired = True
        if fired:
            await self._persist()

    def _fire(self, event: clk.ClockEvent) -> None:
        version = self._version()
        if event.kind == "followup":
            self._fire_followup(event)
            return
        if event.kind == "stage_target":
            self.state.stage_target_exceeded = True
            self._rule_audit(
                "stage.target_exceeded",
                "stage",
                new=self.state.stage,
                cause=f"stage {self.state.stage} target "
                f"{self._policy().stages[self.state.stage].target.describe()} "  # type: ignore[union-attr]
                f"passed at {event.at.isoformat()}",
                rule=f"stages.{self.state.stage}.target",
            )
            return
        clock = self._clock(event.clock)
        assert clock is not None
        clk.fire(clock, event)
        filed = self.state.filed_at
        if filed is not None and event.at <= filed:
            # A historic complaint: this deadline passed before it was filed.
            if event.kind == "breach":
                self._rule_audit(
                    "clock.breached",
                    f"clocks.{clock.name}",
                    old="running",
                    new="breached",
                    cause=f"{clock.name} deadline {_iso(clock.due_at)} had passed when the "
                    f"historic complaint was filed ({_iso(filed)}); no escalation",
                    rule=f"clocks.{clock.name}",
                )
            return
        if event.kind == "warning":
            self._rule_audit(
                "clock.warning",
                f"clocks.{clock.name}",
                new=json.dumps({"threshold": event.threshold, "due_at": _iso(clock.due_at)}),
                cause=f"{int(event.threshold * 100)}% of the {clock.name} budget used; "
                f"due {_iso(clock.due_at)}",
                rule=f"clocks.{clock.name}.warn_at",
            )
            if (
                clock.name == FINAL_RESPONSE_CLOCK.get(self.input.submission.regime)
                and clock.regulatory
                and event.threshold == max(clock.warn_at)
                and self.state.resolved_at is None
                and not self.state.holding_response_sent
            ):
                self.state.holding_response_sent = self._send_followup("holding_response")
        elif event.kind == "breach":
            self._rule_audit(
                "clock.breached",
                f"clocks.{clock.name}",
                old="running",
                new="breached",
                cause=f"{clock.name} deadline {_iso(clock.due_at)} passed"
                + (f" ({clock.regulation})" if clock.regulation else ""),
                rule=f"clocks.{clock.name}",
            )
        elif event.kind == "escalation" and event.step is not None:
            self._escalate(clock, event.step, version)

    def _escalate(self, clock: clk.Clock, step: EscalationStep, version: str) -> None:
        rule = f"escalation_ladders.{clock.ladder}[{step.level - 1}]"
        cause = f"{clock.name} breached; escalation step {step.level} of ladder {clock.ladder}"
        if step.level > self.state.escalation_level:
            self._rule_audit(
                "case.escalated",
                "escalation_level",
                old=str(self.state.escalation_level),
                new=str(step.level),
                cause=cause,
                rule=rule,
            )
            self.state.escalation_level = step.level
        if step.raise_priority and (
            PRIORITIES.index(step.raise_priority) > PRIORITIES.index(self.state.priority)
        ):
            self._rule_audit(
                "case.priority_changed",
                "priority",
                old=self.state.priority,
                new=step.raise_priority,
                cause=cause,
                rule=rule,
            )
            self.state.priority = step.raise_priority
        if step.assign_team and step.assign_team != self.state.team:
            self._rule_audit(
                "case.assigned",
                "team",
                old=self.state.team,
                new=step.assign_team,
                cause=cause,
                rule=rule,
            )
            self.state.team = step.assign_team
        if step.assign_to and step.assign_to != self.state.assignee:
            self._rule_audit(
                "case.assigned",
                "assignee",
                old=self.state.assignee,
                new=step.assign_to,
                cause=cause,
                rule=rule,
            )
            self.state.assignee = step.assign_to
        if step.notify:
            self._rule_audit(
                "notification.requested",
                "notify",
                new=json.dumps(list(step.notify)),
                cause=cause,
                rule=rule,
            )

    # -- recording -----------------------------------------------------------

    def _version(self) -> str:
        doc = self.state.policy
        return f"{doc.policy_id} {doc.version}" if doc else ""

    def _rule_audit(
        self,
        action: str,
        field: str,
        *,
        old: str = "",
        new: str = "",
        cause: str = "",
        rule: str = "",
    ) -> None:
        self.audit.append(
            AuditDraft(
                action=action,
                actor_kind="rule" if rule else "service",
                actor_id=rule or "complaint-workflow",
                field=field,
                old_value=old,
                new_value=new,
                cause=cause,
                rule_version=self._version() if rule else "",
            )
        )

    def _person_audit(
        self, actor: str, action: str, field: str, *, old: str = "", new: str = "", cause: str = ""
    ) -> None:
        self.audit.append(
            AuditDraft(
                action=action,
                actor_kind="person",
                actor_id=actor,
                field=field,
                old_value=old,
                new_value=new,
                cause=cause,
            )
        )

    async def _persist(self) -> None:
        """Records the new state and the audit entries that explain it."""
        if not self.audit and not self.notes:
            return
        self.state.changes_recorded += 1
        events = self._case_events()
        if events:
            self.state.outbox.append(OutboxItem(events=events))
            self._start_draining()
        change = RecordChangeInput(
            case_id=self.state.case_id,
            change_id=f"{workflow.info().workflow_id}#{self.state.changes_recorded}",
            # The policy document and the outbox stay out of each change.
            state=dataclasses.replace(self.state, policy=None, outbox=[]),
            audit=self.audit,
            notes=self.notes,
        )
        self.audit, self.notes = [], []
        await workflow.execute_local_activity_method(
            CaseActivities.record_change,
            change,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        self._publish_search_attributes()

    def next_deadline(self) -> datetime | None:
        dues = [c.due_at for c in self.state.clocks if c.state == clk.RUNNING and c.due_at]
        return min(dues) if dues else None

    def breached(self) -> bool:
        return any(c.breached_at is not None for c in self.state.clocks)

    def _publish_search_attributes(self) -> None:
        pairs: list[SearchAttributeUpdate[Any]] = [
            sa.CASE_ID.value_set(self.state.case_id),
            sa.STAGE.value_set(self.state.stage),
            sa.PRIORITY.value_set(self.state.priority),
            sa.ASSIGNEE.value_set(self.state.assignee),
            sa.TEAM.value_set(self.state.team),
            sa.CATEGORY.value_set(self.state.category),
            sa.ESCALATION_LEVEL.value_set(self.state.escalation_level),
            sa.BREACHED.value_set(self.breached()),
        ]
        deadline = self.next_deadline()
        pairs.append(
            sa.NEXT_DEADLINE.value_set(deadline) if deadline else sa.NEXT_DEADLINE.value_unset()
        )
        workflow.upsert_search_attributes(pairs)

    # -- stages --------------------------------------------------------------

    def _enter_stage(self, to: str, actor: str, reason: str, rule: str = "") -> None:
        policy = self._policy()
        now = workflow.now()
        old = policy.stages[self.state.stage]
        new = policy.stages[to]
        if rule:
            self._rule_audit(
                "case.stage_changed", "stage", old=old.name, new=to, cause=reason, rule=rule
            )
        else:
            self._person_audit(
                actor, "case.stage_changed", "stage", old=old.name, new=to, cause=reason
            )
        for clock in self.state.clocks:
            cal = self._calendar(clock.calendar)
            stops = clock.name in new.stops or (
                clock.regulatory and to in policy.regulatory.stops_on
            )
            # A breached clock is stopped too (it stays breached): its goal is
            # met, late, and its escalation ladder ends there.
            late = (
                clock.state == clk.BREACHED
                and clock.stopped_at is None
                and self.stop_breached_clocks
            )
            if (clock.open or late) and stops:
                clk.stop(clock, now)
                self._rule_audit(
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
                self._rule_audit(
                    "clock.resumed",
                    f"clocks.{clock.name}",
                    new=_iso(clock.due_at),
                    cause=f"left stage {old.name}",
                    rule=f"stages.{old.name}.pauses",
                )
            elif clock.state == clk.RUNNING and clock.name in new.pauses:
                clk.pause(clock, now, to, cal)
                self._rule_audit(
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
                self._rule_audit(
                    "clock.started",
                    f"clocks.{clock.name}",
                    new=_iso(clock.due_at),
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
        rule = self._policy().clock(clock)
        return rule.starts_on if rule else ""

    def _check_transition(self, to: str) -> None:
        policy = self._policy()
        if to not in policy.stages:
            raise invalid(f"unknown stage {to!r}; stages: {', '.join(policy.stages)}", "to_stage")
        allowed = policy.allowed_from(self.state.stage)
        if to not in allowed:
            raise refuse(
                f"cannot move from {self.state.stage} to {to}; allowed: "
                f"{', '.join(allowed) or 'none'}"
            )
        if policy.stages[to].closed:
            self._check_closable()
        if policy.stages[to].resolved and self.state.outcome is None:
            raise refuse("record the outcome (RecordOutcome) before resolving")

    def _check_closable(self) -> None:
        open_tasks = [s.subtask_id for s in self.state.subtasks if s.state in ("open", "overdue")]
        if open_tasks:
            raise refuse(
                f"cannot close while subtasks are open: {', '.join(open_tasks)}; "
                "complete or cancel them first"
            )

    def _ready(self) -> None:
        if not self.state.case_id or self.policy is None:
            raise refuse("the case is still being stored; try again in a moment")

    def _result(self, subtask_id: str = "") -> CommandResult:
        return CommandResult(self.state.case_id, self.state.stage, subtask_id)

    async def _apply(self) -> CommandResult:
        await self._persist()
        self.wake = True
        return self._result()

    # -- intake ----------------------------------------------------------------

    @workflow.update
    async def register_submission(
        self, request: RegisterSubmissionInput
    ) -> RegisterSubmissionResult:
        """Answers intake once the case is stored.

        An update rather than a query because the caller waits for the case
        to exist; the first submission is the one that started the workflow.
        """
        first = self.state.submissions_answered == 0
        self.state.submissions_answered += 1
        await workflow.wait_condition(lambda: bool(self.state.case_id))
        return RegisterSubmissionResult(case_id=self.state.case_id, created=first)

    @register_submission.validator
    def _check_submission(self, request: RegisterSubmissionInput) -> None:
        if request.fingerprint != self.input.submission.fingerprint:
            raise ApplicationError(
                "this idempotency key was already used for a different complaint "
                f"({self.state.case_id or 'being stored'}); use a new key for a new complaint",
                type=KEY_REUSED,
                non_retryable=True,
            )

    # -- commands ----------------------------------------------------------------

    @workflow.update
    async def assign(self, command: AssignCommand) -> CommandResult:
        async with self.lock:
            if command.team != self.state.team:
                self._person_audit(
                    command.actor,
                    "case.assigned",
                    "team",
                    old=self.state.team,
                    new=command.team,
                    cause=command.reason,
                )
                self.state.team = command.team
            if command.assignee != self.state.assignee:
                self._person_audit(
                    command.actor,
                    "case.assigned",
                    "assignee",
                    old=self.state.assignee,
                    new=command.assignee,
                    cause=command.reason,
                )
                self.state.assignee = command.assignee
            return await self._apply()

    @assign.validator
    def _check_assign(self, command: AssignCommand) -> None:
        self._ready()
        if not command.assignee and not command.team:
            raise invalid("give an assignee, a team or both", "assignee")
        if self.state.closed_at is not None:
            raise refuse("the case is closed; reopen it first")

    @workflow.update
    async def change_priority(self, command: PriorityCommand) -> CommandResult:
        async with self.lock:
            self._person_audit(
                command.actor,
                "case.priority_changed",
                "priority",
                old=self.state.priority,
                new=command.priority,
                cause=command.reason,
            )
            self.state.priority = command.priority
            return await self._apply()

    @change_priority.validator
    def _check_priority(self, command: PriorityCommand) -> None:
        self._ready()
        if command.priority not in PRIORITIES:
            raise invalid(f"priority must be one of {', '.join(PRIORITIES)}", "priority")
        if not command.reason.strip():
            raise invalid("say why the priority is overridden", "reason")
        if command.priority == self.state.priority:
            raise refuse(f"the priority is already {command.priority}")

    @workflow.update
    async def change_category(self, command: CategoryCommand) -> CommandResult:
        async with self.lock:
            self._person_audit(
                command.actor,
                "case.recategorised",
                "category",
                old=self.state.category,
                new=command.category,
                cause=command.reason,
            )
            self.state.category = command.category
            return await self._apply()

    @change_category.validator
    def _check_category(self, command: CategoryCommand) -> None:
        self._ready()
        categories = self._policy().categories
        if categories and command.category not in categories:
            raise invalid(f"category must be one of {', '.join(categories)}", "category")
        if not command.reason.strip():
            raise invalid("say why the category is changed", "reason")
        if command.category == self.state.category:
            raise refuse(f"the category is already {command.category}")

    @workflow.update
    async def transition(self, command: TransitionCommand) -> CommandResult:
        async with self.lock:
            self._check_transition(command.to_stage)
            self._enter_stage(command.to_stage, command.actor, command.reason)
            return await self._apply()

    @transition.validator
    def _check_transition_command(self, command: TransitionCommand) -> None:
        self._ready()
        self._check_transition(command.to_stage)

    @workflow.update
    async def pause_clock(self, command: ClockCommand) -> CommandResult:
        async with self.lock:
            clock = self._clock(command.clock)
            assert clock is not None
            clk.pause(clock, workflow.now(), command.reason, self._calendar(clock.calendar))
            self._person_audit(
                command.actor,
                "clock.paused",
                f"clocks.{clock.name}",
                old="running",
                new="paused",
                cause=command.reason,
            )
            return await self._apply()

    @pause_clock.validator
    def _check_pause(self, command: ClockCommand) -> None:
        self._ready()
        clock = self._check_clock(command.clock)
        if clock.regulatory or not clock.pausable:
            raise refuse(
                f"the {clock.name} clock cannot be paused"
                + (" (regulatory clocks never pause)" if clock.regulatory else "")
            )
        if clock.state != clk.RUNNING:
            raise refuse(f"the {clock.name} clock is {clock.state}, not running")
        reasons = self._policy().pause_reasons
        if command.reason not in reasons:
            raise invalid(f"reason must be one of {', '.join(reasons)}", "reason")

    @workflow.update
    async def resume_clock(self, command: ClockCommand) -> CommandResult:
        async with self.lock:
            clock = self._clock(command.clock)
            assert clock is not None
            clk.resume(clock, workflow.now(), self._calendar(clock.calendar))
            self._person_audit(
                command.actor,
                "clock.resumed",
                f"clocks.{clock.name}",
                old="paused",
                new=_iso(clock.due_at),
                cause=command.reason,
            )
            return await self._apply()

    @resume_clock.validator
    def _check_resume(self, command: ClockCommand) -> None:
        self._ready()
        clock = self._check_clock(command.clock)
        if clock.state != clk.PAUSED:
            raise refuse(f"the {clock.name} clock is {clock.state}, not paused")

    def _check_clock(self, name: str) -> clk.Clock:
        clock = self._clock(name)
        if clock is None:
            names = ", ".join(c.name for c in self.state.clocks)
            raise invalid(f"no clock {name!r} on this case; clocks: {names}", "clock")
        return clock

    @workflow.update
    async def record_customer_reply(self, command: ReplyCommand) -> CommandResult:
        async with self.lock:
            now = workflow.now()
            self._person_audit(
                command.actor, "customer.replied", "", new=command.channel, cause=command.summary
            )
            for clock in self.state.clocks:
                if clock.state == clk.PAUSED and clock.pause_reason in (
                    "awaiting_customer",
                    self.state.stage,
                ):
                    clk.resume(clock, now, self._calendar(clock.calendar))
                    self._rule_audit(
                        "clock.resumed",
                        f"clocks.{clock.name}",
                        new=_iso(clock.due_at),
                        cause="the customer replied",
                        rule=f"clocks.{clock.name}",
                    )
            stage = self._policy().stages[self.state.stage]
            if any(stage.name == s for s in ("awaiting_customer",)) and stage.next:
                back = "investigating" if "investigating" in stage.next else stage.next[0]
                self._enter_stage(back, command.actor, "the customer replied")
            return await self._apply()

    @record_customer_reply.validator
    def _check_reply(self, command: ReplyCommand) -> None:
        self._ready()

    @workflow.update
    async def add_subtask(self, command: AddSubtaskCommand) -> CommandResult:
        async with self.lock:
            self.state.subtasks_created += 1
            subtask_id = f"{self.state.case_id}-T{self.state.subtasks_created}"
            info = SubtaskInfo(
                subtask_id=subtask_id,
                title=command.title,
                description=command.description,
                assignee=command.assignee,
                team=command.team,
                due_at=command.due_at,
                created_at=workflow.now(),
            )
            self.state.subtasks.append(info)
            await workflow.start_child_workflow(
                SubtaskWorkflow.run,
                SubtaskInput(workflow.info().workflow_id, subtask_id, command.due_at),
                id=f"{workflow.info().workflow_id}/subtask/{subtask_id}",
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )
            self._person_audit(
                command.actor,
                "subtask.added",
                f"subtasks.{subtask_id}",
                new=json.dumps(
                    {
                        "title": command.title,
                        "assignee": command.assignee,
                        "due_at": _iso(command.due_at),
                    }
                ),
                cause=command.description,
            )
            await self._persist()
            return self._result(subtask_id)

    @add_subtask.validator
    def _check_add_subtask(self, command: AddSubtaskCommand) -> None:
        self._ready()
        if not command.title.strip():
            raise invalid("a subtask needs a title", "title")
        if command.due_at is not None and command.due_at <= workflow.now():
            raise invalid("due_at must be in the future", "due_at")
        if self.state.closed_at is not None:
            raise refuse("the case is closed; reopen it first")

    async def _finish_subtask(self, command: SubtaskCommand, state: str) -> CommandResult:
        async with self.lock:
            task = self._subtask(command.subtask_id)
            old = task.state
            task.state = state
            task.completed_at = workflow.now()
            child = workflow.get_external_workflow_handle(
                f"{workflow.info().workflow_id}/subtask/{task.subtask_id}"
            )
            try:
                await child.signal(SubtaskWorkflow.finish)
            except Exception:  # the child may have finished already
                workflow.logger.info("subtask workflow already finished")
            self._person_audit(
                command.actor,
                f"subtask.{state}",
                f"subtasks.{task.subtask_id}",
                old=old,
                new=state,
                cause=command.reason,
            )
            return await self._apply()

    def _subtask(self, subtask_id: str) -> SubtaskInfo:
        task = next((s for s in self.state.subtasks if s.subtask_id == subtask_id), None)
        if task is None:
            raise invalid(f"no subtask {subtask_id!r} on this case", "subtask_id")
        return task

    def _check_open_subtask(self, command: SubtaskCommand) -> None:
        self._ready()
        task = self._subtask(command.subtask_id)
        if task.state not in ("open", "overdue"):
            raise refuse(f"subtask {task.subtask_id} is already {task.state}")

    @workflow.update
    async def complete_subtask(self, command: SubtaskCommand) -> CommandResult:
        return await self._finish_subtask(command, "completed")

    @complete_subtask.validator
    def _check_complete(self, command: SubtaskCommand) -> None:
        self._check_open_subtask(command)

    @workflow.update
    async def cancel_subtask(self, command: SubtaskCommand) -> CommandResult:
        return await self._finish_subtask(command, "cancelled")

    @cancel_subtask.validator
    def _check_cancel(self, command: SubtaskCommand) -> None:
        self._check_open_subtask(command)

    @workflow.signal
    async def subtask_event(self, event: SubtaskEvent) -> None:
        """From a subtask's workflow: its reminder or overdue time came."""
        async with self.lock:
            task = next((s for s in self.state.subtasks if s.subtask_id == event.subtask_id), None)
            if task is None or task.state not in ("open", "overdue"):
                return
            if event.kind == "reminder":
                task.reminded = True
                self._rule_audit(
                    "subtask.reminder",
                    f"subtasks.{task.subtask_id}",
                    new=task.assignee,
                    cause=f"due {_iso(task.due_at)}",
                    rule="subtasks.remind_before",
                )
            elif event.kind == "overdue":
                task.state = "overdue"
                self._rule_audit(
                    "subtask.overdue",
                    f"subtasks.{task.subtask_id}",
                    old="open",
                    new="overdue",
                    cause=f"due {_iso(task.due_at)} passed; "
                    f"notify {task.assignee or task.team} and team lead",
                    rule="subtasks.overdue",
                )
            await self._persist()

    @workflow.signal
    async def personal_data_erased(self, erased: PersonalDataErased) -> None:
        """From services/cases: the customer's data was erased from the case
        store. The workflow forgets the customer's details, the complaint's
        words, subtask descriptions and the outcome's summary (the figures
        stay), so that its status query no longer shows them, and continues as
        new so that no later run carries them; services/cases then deletes
        the runs before."""
        async with self.lock:
            submission = self.input.submission
            submission.customer = CustomerInfo(
                full_name="", do_not_contact=list(erased.do_not_contact), no_surveys=True
            )
            submission.narrative = ""
            submission.desired_outcome = ""
            for subtask in self.state.subtasks:
                subtask.description = ""
            if self.state.outcome is not None:
                self.state.outcome.summary = ""
            self.fresh_run_wanted = True

    @workflow.signal
    async def message_event(self, event: MessageEvent) -> None:
        """From services/followup: a message a person sent was queued; a message
        was sent, handed off or given up; the mail gateway reported an email
        delivered or bounced. Each is recorded once, however often it is told."""
        async with self.lock:
            action = _message_action(event)
            recorded = self.state.message_log.setdefault(event.message_id, [])
            # A retried SendMessage says "queued" again, maybe after the send.
            if action in recorded or (action == "message.queued" and recorded):
                return
            recorded.append(action)
            if action == "message.queued":
                self._record_queued(event)
                await self._persist()
                return
            kind = self.state.followup_messages.get(event.message_id, event.kind)
            if event.reported:
                self.audit.append(
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
                await self._persist()
                return
            self._rule_audit(
                action,
                f"messages.{event.message_id}",
                old="queued",
                new=event.state,
                cause=f"{event.template_name} v{event.template_version} over {event.channel}"
                + (f": {event.detail}" if event.detail else ""),
                rule=f"followups.{kind}" if kind else "",
            )
            rule = self._policy().followups.get(kind) if kind else None
            # A letter counts once the mail relay accepted it or the print
            # room has it; a phone call handed off still has to be made.
            reached = event.state in ("sent", "delivered") or (
                event.state == "handed_off" and event.channel == "postal"
            )
            if (
                reached
                and rule is not None
                and rule.then_stage
                and self.state.stage == self._policy().initial_stage
                and rule.then_stage in self._policy().allowed_from(self.state.stage)
            ):
                self._enter_stage(
                    rule.then_stage,
                    f"followups.{kind}",
                    f"the {event.template_name} message was {event.state.replace('_', ' ')}",
                    rule=f"followups.{kind}.then_stage",
                )
            await self._persist()
            self.wake = True

    def _record_queued(self, event: MessageEvent) -> None:
        """A message a person sent (SendMessage), as the workflow records the
        ones it asks for itself."""
        self.state.followup_messages.setdefault(event.message_id, event.kind)
        self._person_audit(
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

    @workflow.update
    async def schedule_followup(self, command: ScheduleFollowupCommand) -> CommandResult:
        async with self.lock:
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
            self._person_audit(
                command.actor,
                "followup.scheduled",
                f"followups.{followup_id}",
                new=json.dumps(
                    {"template": command.template_name, "send_at": _iso(command.send_at)}
                ),
                cause=command.reason,
            )
            await self._persist()
            self.wake = True
            return self._result(followup_id)

    @schedule_followup.validator
    def _check_schedule_followup(self, command: ScheduleFollowupCommand) -> None:
        self._ready()
        if not self.followups_on:
            raise refuse("this case was started before follow-ups existed; send the message now")
        if not command.template_name.strip():
            raise invalid("name the template to send", "template_name")
        if command.send_at <= workflow.now():
            raise invalid("send_at must be in the future", "send_at")
        if self.state.closed_at is not None or self.state.resolved_at is not None:
            raise refuse(f"the case is {self.state.stage}; nothing can be scheduled")

    @workflow.update
    async def cancel_followup(self, command: SubtaskCommand) -> CommandResult:
        async with self.lock:
            item = next(s for s in self.state.scheduled if s.followup_id == command.subtask_id)
            item.state = "cancelled"
            self._person_audit(
                command.actor,
                "followup.cancelled",
                f"followups.{item.followup_id}",
                old="scheduled",
                new="cancelled",
                cause=command.reason,
            )
            return await self._apply()

    @cancel_followup.validator
    def _check_cancel_followup(self, command: SubtaskCommand) -> None:
        self._ready()
        item = next((s for s in self.state.scheduled if s.followup_id == command.subtask_id), None)
        if item is None:
            raise invalid(f"no scheduled follow-up {command.subtask_id!r}", "followup_id")
        if item.state != "scheduled":
            raise refuse(f"follow-up {item.followup_id} is already {item.state}")

    @workflow.update
    async def record_outcome(self, command: OutcomeCommand) -> CommandResult:
        async with self.lock:
            old = self.state.outcome.decision if self.state.outcome else ""
            self.state.outcome = OutcomeInfo(
                decision=command.decision,
                root_cause=command.root_cause,
                summary=command.summary,
                recorded_at=workflow.now(),
                recorded_by=command.actor,
                redress_currency=command.redress_currency,
                redress_minor=command.redress_minor,
                goodwill_currency=command.goodwill_currency,
                goodwill_minor=command.goodwill_minor,
            )
            self._person_audit(
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
            return await self._apply()

    @record_outcome.validator
    def _check_outcome(self, command: OutcomeCommand) -> None:
        self._ready()
        if command.decision not in DECISIONS:
            raise invalid(f"decision must be one of {', '.join(DECISIONS)}", "decision")
        causes = self._policy().root_causes
        if causes and command.root_cause not in causes:
            raise invalid(
                f"root_cause {command.root_cause!r} is not in the cause taxonomy: "
                f"{', '.join(causes)}",
                "root_cause",
            )
        if command.redress_minor < 0 or command.goodwill_minor < 0:
            raise invalid("amounts cannot be negative", "redress")
        if self.state.closed_at is not None:
            raise refuse("the case is closed; reopen it first")

    def _stage_with(self, flag: str) -> str:
        policy = self._policy()
        for name in policy.allowed_from(self.state.stage):
            if getattr(policy.stages[name], flag):
                return name
        kind = "resolve" if flag == "resolved" else "close"
        raise refuse(
            f"cannot {kind} from stage {self.state.stage}; allowed: "
            f"{', '.join(policy.allowed_from(self.state.stage)) or 'none'}"
        )

    @workflow.update
    async def resolve(self, command: ReasonCommand) -> CommandResult:
        async with self.lock:
            to = self._stage_with("resolved")
            self._check_transition(to)
            self._enter_stage(to, command.actor, command.reason or "resolved")
            return await self._apply()

    @resolve.validator
    def _check_resolve(self, command: ReasonCommand) -> None:
        self._ready()
        self._check_transition(self._stage_with("resolved"))

    @workflow.update
    async def close(self, command: ReasonCommand) -> CommandResult:
        async with self.lock:
            to = self._stage_with("closed")
            self._check_transition(to)
            self._enter_stage(to, command.actor, command.reason or "closed")
            return await self._apply()

    @close.validator
    def _check_close(self, command: ReasonCommand) -> None:
        self._ready()
        self._check_closable()
        self._stage_with("closed")

    @workflow.update
    async def reopen(self, command: ReasonCommand) -> CommandResult:
        async with self.lock:
            policy = self._policy()
            now = workflow.now()
            old = self.state.stage
            to = policy.reopen_stage or policy.initial_stage
            self._person_audit(
                command.actor, "case.reopened", "stage", old=old, new=to, cause=command.reason
            )
            self.state.stage = to
            self.state.stage_entered_at = now
            self.state.stage_target_exceeded = False
            self.state.resolved_at = None
            self.state.closed_at = None
            for clock in self.state.clocks:
                if clock.name in policy.reopen_restarts:
                    clk.start(clock, now, self._calendar(clock.calendar))
                    self._rule_audit(
                        "clock.started",
                        f"clocks.{clock.name}",
                        new=_iso(clock.due_at),
                        cause="case reopened",
                        rule="reopen.restarts",
                    )
            return await self._apply()

    @reopen.validator
    def _check_reopen(self, command: ReasonCommand) -> None:
        self._ready()
        if self.state.resolved_at is None and self.state.closed_at is None:
            raise refuse(
                f"only a resolved or closed case can be reopened; it is {self.state.stage}"
            )
        if not command.reason.strip():
            raise invalid("say why the case is reopened", "reason")

    # -- reading ---------------------------------------------------------------

    @workflow.query
    def status(self) -> ComplaintStatus:
        submission = self.input.submission
        now = workflow.now()
        clocks = [
            ClockStatus(
                name=c.name,
                state=c.state,
                regulatory=c.regulatory,
                basis=c.basis,
                due_at=c.due_at,
                time_left_seconds=clk.time_left(c, now, self._calendar(c.calendar))
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
