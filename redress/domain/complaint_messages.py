"""What becomes of a complaint's messages: handed to services/followup or
refused by it, sent, handed off, failed, delivered or bounced. Each is
recorded once however often it is told; a delivered acknowledgement may move
the case on (the follow-up's `then_stage`)."""

from __future__ import annotations

import json
from datetime import datetime

from redress.domain.complaint_audit import message_action
from redress.domain.complaint_core import ComplaintCore
from redress.domain.complaint_state import (
    AuditDraft,
    MessageEvent,
    MessageQueued,
    MessageRequest,
)


class ComplaintMessages(ComplaintCore):
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
