"""ComplaintWorkflow: one durable workflow per complaint, from intake to close.

It owns the complaint's time. Its clocks (acknowledgement, first response,
resolution, and the regime's regulatory deadlines) are durable timers that
fire at the exact instant a warning, breach or escalation step is due; the
workflow sleeps in between and nothing polls. Lifecycle commands arrive as
Updates with validators, so a caller gets an answer or a clear refusal. Every
change is recorded in services/cases, with the person or rule that caused it.

The complaint's rules (stages, clocks, escalations, follow-ups, refusals,
what each change records) are in `redress.domain.complaint`; this class is
the Temporal plumbing around them: locks, timers, activities, the outbox,
search attributes, continue-as-new and patching.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from redress.domain.complaint import Complaint, Features
    from redress.domain.policy import Classification, TypeChoice
    from redress.domain.vigilance_state import RegulatoryReportCommand, ReportabilityCommand
    from redress.platform import search_attributes as sa
    from workflows.activities import CaseActivities
    from workflows.complaint_retries import (
        ACTIVITY_TIMEOUT,
        FOLLOWUP_RETRY,
        LETTER_HANDOVER_RETRY,
        STORE_RETRY,
        SUGGEST_RETRY,
        SUGGESTIONS,
    )
    from workflows.complaint_types import (
        AddSubtaskCommand,
        AssignCommand,
        CancelReminderCommand,
        CategoryCommand,
        ClockCommand,
        CommandResult,
        ComplaintInput,
        ComplaintState,
        ComplaintStatus,
        MessageEvent,
        MessageQueued,
        MessageRequest,
        OutcomeCommand,
        PersonalDataErased,
        PriorityCommand,
        ReasonCommand,
        RecordChangeInput,
        RegisterSubmissionInput,
        RegisterSubmissionResult,
        ReplyCommand,
        RerouteCommand,
        RouteCaseInput,
        RoutedCase,
        ScheduleFollowupCommand,
        SetReminderCommand,
        StoreCaseInput,
        SubtaskCommand,
        SubtaskEvent,
        SubtaskInput,
        SuggestedArticle,
        SuggestInput,
        TransitionCommand,
    )
    from workflows.refusals import (
        CHANGE_CONFLICT,
        ChangeNotRecorded,
        error_type,
        failure_cause,
        refusals_as_errors,
        refuse_as_errors,
    )
    from workflows.subtask import SubtaskWorkflow

# The patches every complaint started since 2026-12-06 has. A run started
# since asks for this one patch alone, and has them all: one marker (and the
# search attribute upsert Temporal adds to each) in its history instead of
# one pair for each of them, in every run. Runs started before recorded them
# one by one, and replay finds them so.
BASELINE_PATCH = "baseline-2026-12-06"
IN_BASELINE = frozenset(
    {
        "followups",
        "staff-alerts",
        "knowledge-suggestions",
        "stop-breached-clocks",
        "missed-warnings",
        "unowned-alerts",
        "classification-on-receipt",
        "regime-calendars",
        "answer-once-receipt-recorded",
        "changes-recorded-by-activities",
    }
)


@workflow.defn
class ComplaintWorkflow:
    @workflow.init
    def __init__(self, input: ComplaintInput) -> None:
        # Taken here, not in run(), so that the update validator that arrives
        # with the start can already compare fingerprints.
        self.input = input
        self.state = input.state or ComplaintState(priority=input.submission.priority)
        self.complaint = Complaint(input.submission, self.state, workflow.info().workflow_id)
        self.lock = asyncio.Lock()
        self.wake = False
        self.suggester: asyncio.Task[None] | None = None
        self.draining = False
        self.drainer: asyncio.Task[None] | None = None
        # Whether this run has BASELINE_PATCH; asked at its first patch.
        self.baseline: bool | None = None
        # Continue as new as soon as nothing is in hand: set by
        # personal_data_erased, and after the receipt where intake asks for it.
        self.fresh_run_wanted = False
        # The receipt (clocks, classification) is in the case store: intake
        # answers then, so that the case it names reads whole.
        self.receipt_recorded = False
        if input.state is not None:
            # A run continued as new is ready here, not in run(): the updates
            # that reached the workflow while it continued come with this
            # run's first task, and the SDK validates them before run() starts.
            # Patch notices are applied before this, so the patches answer as
            # they would in run().
            self._adopt_features(input)
            self.complaint.load_carried_policy()
            self._vigilance()
            self.receipt_recorded = True

    # -- the life of the complaint -------------------------------------------

    @workflow.run
    async def run(self, input: ComplaintInput) -> str:
        if not self.receipt_recorded:
            self._adopt_features(input)
            await self._receive()
            # The complaint's life goes on in a run whose history starts from
            # its state: replayed when its next event comes, it is a few events
            # instead of the receipt's and its hand-overs' dozens.
            self.fresh_run_wanted = input.fresh_run_after_receipt
            self.receipt_recorded = True
        if self.complaint.features.suggestions and self.state.suggestions_pending:
            self.suggester = asyncio.create_task(self._suggest_articles())
        while not self.complaint.finished(workflow.now()):
            async with self.lock:
                if self.complaint.fire_due_events(workflow.now()):
                    await self._persist()
            self._start_draining()
            self.wake = False
            try:
                await workflow.wait_condition(
                    lambda: self.wake or self._history_full() or self.fresh_run_wanted,
                    timeout=self.complaint.time_to_next_event(workflow.now()),
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

    def _adopt_features(self, input: ComplaintInput) -> None:
        # Follow-ups (messages the workflow sends, events for webhooks) exist
        # for workflows started by a worker that knows them.
        followups = self._patched("followups")
        self.complaint.features = Features(
            followups=followups,
            alerts=followups and self._patched("staff-alerts"),
            suggestions=self._patched("knowledge-suggestions"),
            stop_breached_clocks=self._patched("stop-breached-clocks"),
            # Asked only of a complaint that carries a closure, so that no
            # other complaint's history gains a marker for it.
            historic_closure=input.submission.closure is not None
            and workflow.patched("historic-closure"),
            missed_warnings=self._patched("missed-warnings"),
            # Needs staff alerts: its steps reach people as alerts.
            unowned=followups and self._patched("unowned-alerts"),
        )

    def _patched(self, patch_id: str) -> bool:
        """`workflow.patched`, answered by the baseline for the patches in it."""
        if patch_id in IN_BASELINE:
            if self.baseline is None:
                self.baseline = workflow.patched(BASELINE_PATCH)
            if self.baseline:
                return True
        return workflow.patched(patch_id)

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
        self.complaint.adopt_policy(document)
        self._vigilance()
        classified: Classification | None = None
        if self._patched("classification-on-receipt"):
            classified, submission = self.complaint.classify(submission)
        chosen: TypeChoice | None = None
        # Asked only of a complaint whose policy has types, so that no other
        # complaint's history gains a marker for it.
        if self.complaint.base_rules.types and workflow.patched("complaint-types"):
            chosen = self.complaint.choose_type()
        stored = await workflow.execute_local_activity_method(
            CaseActivities.store_case,
            StoreCaseInput(
                workflow_id=workflow.info().workflow_id,
                submission=submission,
                stage=self.state.stage,
                policy_id=document.policy_id,
                policy_version=document.version,
                complaint_type=self.state.complaint_type,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        self.state.case_id = stored.case_id
        # The receipt's change is recorded in this first workflow task, dated
        # when the case was stored: done again after a worker stopped half-way,
        # the task reads the same policy (current_policy) and the same time,
        # and so records the very same change, which the store takes once.
        # Intake's answer then needs no further trip through the server.
        in_first_task = stored.created_at is not None and workflow.patched("receipt-in-first-task")
        stored_at = stored.created_at if in_first_task else None
        async with self.lock:
            self.complaint.receive(
                submission,
                classified,
                stored_at or workflow.now(),
                regime_calendars=self._patched("regime-calendars"),
                type_chosen=chosen,
            )
            await self._persist(stored_at)
        if self._routes():
            await self._route("receipt")

    def _routes(self) -> bool:
        """Whether the case's rules route it (docs/staff.md). Asked only of a
        complaint whose policy has routing rules, so that no other
        complaint's history gains a marker for it."""
        return bool(self.complaint.rules.routing.rules) and workflow.patched("routing")

    async def _route(self, occasion: str) -> None:
        """Asks services/cases who should hold the case, and applies the
        answer as an assignment by the rule (the same alerts follow)."""
        decided: RoutedCase = await workflow.execute_activity_method(
            CaseActivities.route_case,
            RouteCaseInput(case_id=self.state.case_id, occasion=occasion),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        if not decided.matched:
            return
        async with self.lock:
            self.complaint.route(
                occasion=occasion,
                team=decided.team,
                assignee=decided.assignee,
                rule_index=decided.rule_index,
                rule_name=decided.rule_name,
                strategy=decided.strategy,
                policy_version=decided.policy_version,
                skipped=list(decided.skipped),
            )
            await self._apply()

    def _vigilance(self) -> None:
        # Asked only of a complaint under an awareness regime (device
        # vigilance), so that no other complaint's history gains a marker.
        self.complaint.features.vigilance = self.complaint.is_awareness_regime() and (
            workflow.patched("reportability-decisions")
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
            async with self.lock:
                self.complaint.articles_not_suggested(failure_cause(err))
                await self._persist()
            return
        async with self.lock:
            self.complaint.articles_suggested(found)
            await self._persist()

    # -- the outbox ------------------------------------------------------------

    def _followup_queue(self) -> str:
        return f"{workflow.info().task_queue}-followup"

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
                retry_policy=LETTER_HANDOVER_RETRY,
                result_type=MessageQueued,
            )
        except ActivityError as err:
            async with self.lock:
                self.complaint.message_not_queued(request, failure_cause(err))
                await self._persist()
            return
        async with self.lock:
            self.complaint.message_queued(request, queued)
            await self._persist()

    # -- recording -----------------------------------------------------------

    async def _persist(self, receipt_at: datetime | None = None) -> None:
        """Records the new state and the audit entries that explain it.

        `receipt_at`: the receipt's change, dated then and recorded by a local
        activity in the first workflow task (see _receive)."""
        if self.complaint.take_message_requested():
            self._start_draining()
        change = self.complaint.take_change(receipt_at or workflow.now())
        if change is None:
            return
        if change.events_queued:
            self._start_draining()
        info = workflow.info()
        by_activity = self._patched("changes-recorded-by-activities")
        recorded = RecordChangeInput(
            case_id=self.state.case_id,
            # By activity, the run is in the id: a reset or a new run never
            # reuses one. (Workflows started before keep their ids.)
            change_id=f"{info.workflow_id}/{info.run_id}#{change.number}"
            if by_activity
            else f"{info.workflow_id}#{change.number}",
            state=change.state,
            audit=change.audit,
            notes=change.notes,
        )
        try:
            if by_activity and receipt_at is None:
                # A regular activity: its input is in the history before it
                # runs, so a change's id always names the same content.
                await workflow.execute_activity_method(
                    CaseActivities.record_change,
                    recorded,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=STORE_RETRY,
                )
            else:
                # A local activity, inside a workflow task not yet committed.
                # The receipt in the first task: its content follows from the
                # stored case alone (its policy, its time), so a task done
                # again records the same content. Workflows started before
                # changes were recorded by activities: a crash can replay the
                # change with other content; the store refuses that loudly.
                await workflow.execute_local_activity_method(
                    CaseActivities.record_change,
                    recorded,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=STORE_RETRY,
                )
        except ActivityError as err:
            if error_type(err) == CHANGE_CONFLICT:
                # Not a workflow failure: the workflow task fails and is
                # retried, visible in the Temporal UI, and nothing of the
                # change is lost or applied twice.
                raise ChangeNotRecorded(failure_cause(err)) from None
            raise
        self._publish_search_attributes()

    def _publish_search_attributes(self) -> None:
        deadline = self.complaint.next_deadline()
        pairs: list[SearchAttributeUpdate[Any]] = [
            sa.CASE_ID.value_set(self.state.case_id),
            sa.STAGE.value_set(self.state.stage),
            sa.PRIORITY.value_set(self.state.priority),
            sa.ASSIGNEE.value_set(self.state.assignee),
            sa.TEAM.value_set(self.state.team),
            sa.CATEGORY.value_set(self.state.category),
            sa.ESCALATION_LEVEL.value_set(self.state.escalation_level),
            sa.BREACHED.value_set(self.complaint.breached()),
            sa.NEXT_DEADLINE.value_set(deadline) if deadline else sa.NEXT_DEADLINE.value_unset(),
        ]
        workflow.upsert_search_attributes(pairs)

    def _result(self, subtask_id: str = "") -> CommandResult:
        return CommandResult(self.state.case_id, self.state.stage, subtask_id)

    async def _apply(self, made: str = "") -> CommandResult:
        await self._persist()
        self.wake = True
        return self._result(made)

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
        if self._patched("answer-once-receipt-recorded"):
            # Changes are recorded by activities after the case is stored: a
            # caller reading the case at once must find its clocks.
            await workflow.wait_condition(lambda: self.receipt_recorded)
        else:
            await workflow.wait_condition(lambda: bool(self.state.case_id))
        return RegisterSubmissionResult(case_id=self.state.case_id, created=first)

    @register_submission.validator
    def _check_submission(self, request: RegisterSubmissionInput) -> None:
        refuse_as_errors(self.complaint.check_submission, request.fingerprint)

    # -- commands: each validator asks the complaint's check; each handler
    # changes the complaint under the lock and records the change. Handlers
    # that re-check (the case may have moved since the validator ran) refuse
    # the same way.

    async def _command(self, change: Callable[[], str | None]) -> CommandResult:
        """`change` may answer the id of what it made (a follow-up)."""
        async with self.lock:
            with refusals_as_errors():
                made = change()
            return await self._apply(made or "")

    @workflow.update
    async def assign(self, command: AssignCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.assign(command))

    @assign.validator
    def _check_assign(self, command: AssignCommand) -> None:
        refuse_as_errors(self.complaint.check_assign, command)

    @workflow.update
    async def change_priority(self, command: PriorityCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.change_priority(command))

    @change_priority.validator
    def _check_priority(self, command: PriorityCommand) -> None:
        refuse_as_errors(self.complaint.check_priority, command)

    @workflow.update
    async def change_category(self, command: CategoryCommand) -> CommandResult:
        # The time is for a change of complaint type, which only complaints
        # that chose a type on receipt make.
        typed = self.state.complaint_type
        result = await self._command(
            lambda: self.complaint.change_category(command, workflow.now())
        )
        if typed and self.state.complaint_type != typed and self._routes():
            await self._route("reclassification")
        return result

    @change_category.validator
    def _check_category(self, command: CategoryCommand) -> None:
        refuse_as_errors(self.complaint.check_category, command)

    @workflow.update
    async def transition(self, command: TransitionCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.transition(command, workflow.now()))

    @transition.validator
    def _check_transition_command(self, command: TransitionCommand) -> None:
        refuse_as_errors(self.complaint.check_transition_command, command)

    @workflow.update
    async def pause_clock(self, command: ClockCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.pause_clock(command, workflow.now()))

    @pause_clock.validator
    def _check_pause(self, command: ClockCommand) -> None:
        refuse_as_errors(self.complaint.check_pause, command)

    @workflow.update
    async def resume_clock(self, command: ClockCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.resume_clock(command, workflow.now()))

    @resume_clock.validator
    def _check_resume(self, command: ClockCommand) -> None:
        refuse_as_errors(self.complaint.check_resume, command)

    @workflow.update
    async def record_customer_reply(self, command: ReplyCommand) -> CommandResult:
        return await self._command(
            lambda: self.complaint.record_customer_reply(command, workflow.now())
        )

    @record_customer_reply.validator
    def _check_reply(self, command: ReplyCommand) -> None:
        refuse_as_errors(self.complaint.check_reply, command)

    @workflow.update
    async def add_subtask(self, command: AddSubtaskCommand) -> CommandResult:
        async with self.lock:
            info = self.complaint.add_subtask(command, workflow.now())
            await workflow.start_child_workflow(
                SubtaskWorkflow.run,
                SubtaskInput(workflow.info().workflow_id, info.subtask_id, command.due_at),
                id=f"{workflow.info().workflow_id}/subtask/{info.subtask_id}",
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )
            self.complaint.record_subtask_added(command, info.subtask_id)
            await self._persist()
            return self._result(info.subtask_id)

    @add_subtask.validator
    def _check_add_subtask(self, command: AddSubtaskCommand) -> None:
        refuse_as_errors(self.complaint.check_add_subtask, command, workflow.now())

    async def _finish_subtask(self, command: SubtaskCommand, state: str) -> CommandResult:
        async with self.lock:
            with refusals_as_errors():
                self.complaint.finish_subtask(command, state, workflow.now())
            child = workflow.get_external_workflow_handle(
                f"{workflow.info().workflow_id}/subtask/{command.subtask_id}"
            )
            try:
                await child.signal(SubtaskWorkflow.finish)
            except Exception:  # the child may have finished already
                workflow.logger.info("subtask workflow already finished")
            return await self._apply()

    @workflow.update
    async def complete_subtask(self, command: SubtaskCommand) -> CommandResult:
        return await self._finish_subtask(command, "completed")

    @complete_subtask.validator
    def _check_complete(self, command: SubtaskCommand) -> None:
        refuse_as_errors(self.complaint.check_finish_subtask, command)

    @workflow.update
    async def cancel_subtask(self, command: SubtaskCommand) -> CommandResult:
        return await self._finish_subtask(command, "cancelled")

    @cancel_subtask.validator
    def _check_cancel(self, command: SubtaskCommand) -> None:
        refuse_as_errors(self.complaint.check_finish_subtask, command)

    @workflow.update
    async def schedule_followup(self, command: ScheduleFollowupCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.schedule_followup(command))

    @schedule_followup.validator
    def _check_schedule_followup(self, command: ScheduleFollowupCommand) -> None:
        refuse_as_errors(self.complaint.check_schedule_followup, command, workflow.now())

    @workflow.update
    async def cancel_followup(self, command: SubtaskCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.cancel_followup(command))

    @cancel_followup.validator
    def _check_cancel_followup(self, command: SubtaskCommand) -> None:
        refuse_as_errors(self.complaint.check_cancel_followup, command)

    @workflow.update
    async def set_reminder(self, command: SetReminderCommand) -> CommandResult:
        """Answers the reminder's id in `subtask_id`."""
        return await self._command(lambda: self.complaint.set_reminder(command))

    @set_reminder.validator
    def _check_set_reminder(self, command: SetReminderCommand) -> None:
        refuse_as_errors(self.complaint.check_set_reminder, command, workflow.now())

    @workflow.update
    async def cancel_reminder(self, command: CancelReminderCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.cancel_reminder(command))

    @cancel_reminder.validator
    def _check_cancel_reminder(self, command: CancelReminderCommand) -> None:
        refuse_as_errors(self.complaint.check_cancel_reminder, command)

    @workflow.update
    async def record_outcome(self, command: OutcomeCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.record_outcome(command, workflow.now()))

    @record_outcome.validator
    def _check_outcome(self, command: OutcomeCommand) -> None:
        refuse_as_errors(self.complaint.check_outcome, command)

    @workflow.update
    async def resolve(self, command: ReasonCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.resolve(command, workflow.now()))

    @resolve.validator
    def _check_resolve(self, command: ReasonCommand) -> None:
        refuse_as_errors(self.complaint.check_resolve, command)

    @workflow.update
    async def close(self, command: ReasonCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.close(command, workflow.now()))

    @close.validator
    def _check_close(self, command: ReasonCommand) -> None:
        refuse_as_errors(self.complaint.check_close, command)

    @workflow.update
    async def reopen(self, command: ReasonCommand) -> CommandResult:
        return await self._command(lambda: self.complaint.reopen(command, workflow.now()))

    @reopen.validator
    def _check_reopen(self, command: ReasonCommand) -> None:
        refuse_as_errors(self.complaint.check_reopen, command)

    @workflow.update
    async def record_reportability(self, command: ReportabilityCommand) -> CommandResult:
        return await self._command(
            lambda: self.complaint.record_reportability(command, workflow.now())
        )

    @record_reportability.validator
    def _check_reportability(self, command: ReportabilityCommand) -> None:
        refuse_as_errors(self.complaint.check_reportability, command, workflow.now())

    @workflow.update
    async def record_regulatory_report(self, command: RegulatoryReportCommand) -> CommandResult:
        return await self._command(
            lambda: self.complaint.record_regulatory_report(command, workflow.now())
        )

    @record_regulatory_report.validator
    def _check_regulatory_report(self, command: RegulatoryReportCommand) -> None:
        refuse_as_errors(self.complaint.check_regulatory_report, command, workflow.now())

    # -- signals -------------------------------------------------------------

    @workflow.signal
    async def reroute(self, command: RerouteCommand) -> None:
        """Routes the case again, away from a person absent too long (the
        absence sweep, workflows/rerouting.py). A signal: the sweep is a
        workflow, which can signal another but not wait on its update."""
        # A signal can come before a new run has loaded the carried policy.
        await workflow.wait_condition(lambda: self.receipt_recorded)
        if self.state.closed_at is not None or not self._routes():
            return
        await self._route("absence")

    @workflow.signal
    async def subtask_event(self, event: SubtaskEvent) -> None:
        """From a subtask's workflow: its reminder or overdue time came."""
        async with self.lock:
            if self.complaint.subtask_event(event):
                await self._persist()

    @workflow.signal
    async def personal_data_erased(self, erased: PersonalDataErased) -> None:
        """From services/cases: the customer's data was erased from the case
        store. The workflow forgets it too, so that its status query no longer
        shows it, and continues as new so that no later run carries it;
        services/cases then deletes the runs before."""
        async with self.lock:
            self.complaint.forget_personal_data(erased)
            self.fresh_run_wanted = True

    @workflow.signal
    async def message_event(self, event: MessageEvent) -> None:
        """From services/followup: a message a person sent was queued; a message
        was sent, handed off or given up; the mail gateway reported an email
        delivered or bounced. Each is recorded once, however often it is told."""
        async with self.lock:
            outcome = self.complaint.message_event(event, workflow.now())
            if outcome == "repeated":
                return
            await self._persist()
            if outcome == "delivery":
                self.wake = True

    # -- reading ---------------------------------------------------------------

    @workflow.query
    def status(self) -> ComplaintStatus:
        return self.complaint.status(workflow.now())
