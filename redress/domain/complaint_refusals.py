"""What each command refuses, and why: the checks a command's validator
runs before it is accepted. Each raises `Refused` (the case's state does not
allow it now) or `InvalidCommand` (a field is wrong, and which)."""

from __future__ import annotations

from datetime import datetime

from redress.domain import clocks as clk
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
from redress.domain.complaint_core import OPEN_SUBTASK_STATES
from redress.domain.complaint_typing import ComplaintTyping
from redress.domain.policy import DECISIONS, PRIORITIES

# A case's subtasks, finished ones included: the workflow carries them all
# in its state and in every change it records, and the case's page lists
# them. Documented in protos/redress/cases/v1/cases.proto ("Limits").
MAX_SUBTASKS = 50


class ComplaintRefusals(ComplaintTyping):
    def check_submission(self, fingerprint: str) -> None:
        if fingerprint != self.submission.fingerprint:
            raise KeyReused(
                "this idempotency key was already used for a different complaint "
                f"({self.state.case_id or 'being stored'}); use a new key for a new complaint"
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
        # A resolved case cannot go to a type with no stage to hold it.
        self.check_retype(command.category)

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
        if len(self.state.subtasks) >= MAX_SUBTASKS:
            raise Refused(
                f"the case holds {len(self.state.subtasks)} subtasks, the most a case may "
                f"hold ({MAX_SUBTASKS}, finished ones included)"
            )

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
        self.settle_outcome_value(command)
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
        recorded = self.state.outcome
        if recorded is not None and (
            recorded.decision,
            recorded.root_cause,
            recorded.summary,
            recorded.redress_currency,
            recorded.redress_minor,
            recorded.goodwill_currency,
            recorded.goodwill_minor,
            recorded.outcome,
        ) == (
            command.decision,
            command.root_cause,
            command.summary,
            command.redress_currency,
            command.redress_minor,
            command.goodwill_currency,
            command.goodwill_minor,
            command.outcome,
        ):
            # As for priority and category: the same outcome again (a
            # retried call) changes nothing and is not recorded twice.
            raise Refused(
                f"this outcome is already recorded ({command.decision}, "
                f"root cause {command.root_cause or 'none'})"
            )

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
