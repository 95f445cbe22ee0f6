"""What each command changes on a complaint and records on its audit trail.
Each assumes its check (complaint_refusals) passed when it was accepted; the
ones whose check may no longer hold by the time they run check again."""

from __future__ import annotations

import json
from datetime import datetime

from redress.domain import clocks as clk
from redress.domain.complaint_audit import iso
from redress.domain.complaint_commands import (
    AddSubtaskCommand,
    AssignCommand,
    CategoryCommand,
    ClockCommand,
    OutcomeCommand,
    PriorityCommand,
    ReasonCommand,
    ReplyCommand,
    ScheduleFollowupCommand,
    SubtaskCommand,
    TransitionCommand,
)
from redress.domain.complaint_core import OPEN_SUBTASK_STATES
from redress.domain.complaint_state import (
    CustomerInfo,
    OutcomeInfo,
    PersonalDataErased,
    ScheduledFollowup,
    SubtaskEvent,
    SubtaskInfo,
)
from redress.domain.complaint_typing import ComplaintTyping


class ComplaintHandling(ComplaintTyping):
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

    def route(
        self,
        *,
        occasion: str,
        team: str,
        assignee: str,
        rule_index: int,
        rule_name: str,
        strategy: str,
        policy_version: str,
        skipped: list[str],
    ) -> None:
        """Applies a routing decision (redress/domain/routing.py) as an
        assignment by the rule, and records the decision as `case.routed`.
        A team-only rule leaves the person as it is, unless the case is
        routed away from them because they are absent."""
        rule = f"routing.rules[{rule_index}]"
        cause = f"routing rule {rule_name} ({strategy}) on {occasion}, policy {policy_version}" + (
            f"; passed over: {'; '.join(skipped)}" if skipped else ""
        )
        team_changed = bool(team) and team != self.state.team
        if team_changed:
            self.trail.by_rule(
                "case.assigned", "team", old=self.state.team, new=team, cause=cause, rule=rule
            )
            self.state.team = team
        # Without a person chosen, whoever holds the case keeps it, unless it
        # is routed away from them (absent), or to another team.
        if assignee:
            new_assignee = assignee
        elif occasion == "absence" or (occasion == "reclassification" and team_changed):
            new_assignee = ""
        else:
            new_assignee = self.state.assignee
        if new_assignee != self.state.assignee:
            self.trail.by_rule(
                "case.assigned",
                "assignee",
                old=self.state.assignee,
                new=new_assignee,
                cause=cause,
                rule=rule,
            )
            self.state.assignee = new_assignee
        self.trail.by_rule(
            "case.routed",
            "routing",
            new=json.dumps(
                {
                    "occasion": occasion,
                    "rule": rule_name,
                    "rule_index": rule_index,
                    "strategy": strategy,
                    "policy_version": policy_version,
                    "team": team,
                    "assignee": assignee,
                    "skipped": skipped,
                },
                sort_keys=True,
            ),
            cause=cause,
            rule=rule,
        )

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

    def change_category(self, command: CategoryCommand, now: datetime | None = None) -> None:
        """`now`: when the case's complaint type is chosen again (None: it is
        not, as for complaints whose workflow passed no time)."""
        if now is not None:
            # Checked again, before anything changes: the case may have been
            # resolved since the validator ran.
            self.check_retype(command.category)
        self.trail.by_person(
            command.actor,
            "case.recategorised",
            "category",
            old=self.state.category,
            new=command.category,
            cause=command.reason,
        )
        old = self.state.category
        self.state.category = command.category
        if now is not None:
            self.retype(
                now,
                f"category changed from {old or 'none'} to {command.category} by {command.actor}",
            )

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
        # The validator has run in this process, but an update's handler may
        # run on replay without it: settle the decision the same way again.
        self.settle_outcome_value(command)
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
            outcome=command.outcome,
        )
        recorded: dict[str, object] = {
            "decision": command.decision,
            "root_cause": command.root_cause,
            "redress": [command.redress_currency, command.redress_minor],
            "goodwill": [command.goodwill_currency, command.goodwill_minor],
        }
        if command.outcome:
            recorded["outcome"] = command.outcome
        self.trail.by_person(
            command.actor,
            "outcome.recorded",
            "outcome",
            old=old,
            new=json.dumps(recorded),
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
        """The customer's details, the complaint's words, subtask descriptions,
        reminders' words and the outcome's summary are forgotten; the figures
        stay."""
        submission = self.submission
        submission.customer = CustomerInfo(
            full_name="", do_not_contact=list(erased.do_not_contact), no_surveys=True
        )
        submission.narrative = ""
        submission.desired_outcome = ""
        for subtask in self.state.subtasks:
            subtask.description = ""
        # Staff write reminders as they write notes ("call Jana back about
        # her passport"): a reminder still due is delivered without its words.
        for reminder in self.state.reminders:
            reminder.text = ""
        if self.state.outcome is not None:
            self.state.outcome.summary = ""
