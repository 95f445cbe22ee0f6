"""The complaint's audit drafts and the case events they become.

Every change to a complaint is explained by an audit entry: who or what made
it (a person, a service, or a policy rule with its version), the field, the
old and new value, and the cause. Some entries are also case events that
services/followup pushes to webhooks.
"""

from __future__ import annotations

import json
from datetime import datetime

from redress.domain.complaint_state import (
    AuditDraft,
    CaseEventDraft,
    ComplaintState,
    MessageEvent,
)
from redress.domain.policy import Policy

# Audit actions that are case events for webhooks, and the event type.
EVENT_TYPES = {
    "case.assigned": "case.assigned",
    "case.prioritised": "case.priority_changed",
    "case.priority_changed": "case.priority_changed",
    "case.classified": "case.category_changed",
    "case.recategorised": "case.category_changed",
    # Only cases of a policy with complaint types record it.
    "case.type_changed": "case.type_changed",
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
# Case events that exist for staff alerts; recorded by complaints whose
# workflow knows them (workflow.patched("staff-alerts")).
ALERT_EVENT_TYPES = {
    "notification.requested": "case.notification_requested",
    "subtask.reminder": "subtask.reminder",
    # Recorded only by complaints whose workflow knows them (unowned alerts:
    # workflow.patched("unowned-alerts"); reminders: set by SetReminder).
    "unowned.alerted": "case.unowned",
    "reminder.delivered": "case.reminder",
}


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def message_action(event: MessageEvent) -> str:
    """The audit action for what services/followup says about a message."""
    if event.state == "queued":
        return "message.queued"
    if event.reported:
        return "message.delivered" if event.state == "delivered" else "message.bounced"
    reached = event.state in ("sent", "delivered", "handed_off")
    return "message.sent" if reached else "message.failed"


class AuditTrail:
    """The audit entries drafted since the complaint's last recorded change."""

    def __init__(self) -> None:
        self.drafts: list[AuditDraft] = []
        # "policy-id version" of the policy whose rules act on the complaint.
        self.rule_version = ""

    def by_rule(
        self,
        action: str,
        field: str,
        *,
        old: str = "",
        new: str = "",
        cause: str = "",
        rule: str = "",
    ) -> None:
        """A change a policy rule made (or, without `rule`, the workflow itself)."""
        self.drafts.append(
            AuditDraft(
                action=action,
                actor_kind="rule" if rule else "service",
                actor_id=rule or "complaint-workflow",
                field=field,
                old_value=old,
                new_value=new,
                cause=cause,
                rule_version=self.rule_version if rule else "",
            )
        )

    def by_service(
        self,
        service: str,
        action: str,
        field: str,
        *,
        old: str = "",
        new: str = "",
        cause: str = "",
    ) -> None:
        """A change a service made before the workflow began (intake, say)."""
        self.drafts.append(
            AuditDraft(
                action=action,
                actor_kind="service",
                actor_id=service,
                field=field,
                old_value=old,
                new_value=new,
                cause=cause,
            )
        )

    def by_person(
        self, actor: str, action: str, field: str, *, old: str = "", new: str = "", cause: str = ""
    ) -> None:
        self.drafts.append(
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

    def take(self) -> list[AuditDraft]:
        drafts, self.drafts = self.drafts, []
        return drafts


def case_events(
    drafts: list[AuditDraft],
    state: ComplaintState,
    policy: Policy,
    now: datetime,
    *,
    alerts: bool,
) -> list[CaseEventDraft]:
    """The case events among `drafts`, the entries of change number
    `state.changes_recorded`, with the case as it stands after the change."""
    events = []
    for i, entry in enumerate(drafts):
        kind = EVENT_TYPES.get(entry.action) or (
            ALERT_EVENT_TYPES.get(entry.action) if alerts else None
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
                event_id=f"{state.case_id}:{state.changes_recorded}:{i}",
                event_type=kind,
                case_id=state.case_id,
                sequence=state.changes_recorded * 1000 + i,
                occurred_at=now,
                payload={
                    "action": entry.action,
                    "field": entry.field,
                    "old": entry.old_value,
                    "new": entry.new_value,
                    "cause": entry.cause,
                    "actor": f"{entry.actor_kind}:{entry.actor_id}",
                    "stage": state.stage,
                    "priority": state.priority,
                    "assignee": state.assignee,
                    "team": state.team,
                    "category": state.category,
                    "escalation_level": str(state.escalation_level),
                    **_subtask_fields(state, entry.field),
                },
            )
        )
    return events


def _subtask_fields(state: ComplaintState, field: str) -> dict[str, str]:
    if not field.startswith("subtasks."):
        return {}
    for task in state.subtasks:
        if task.subtask_id == field.removeprefix("subtasks."):
            return {
                "subtask": json.dumps(
                    {
                        "title": task.title,
                        "assignee": task.assignee,
                        "team": task.team,
                        "due_at": iso(task.due_at),
                        "state": task.state,
                    }
                )
            }
    return {}
