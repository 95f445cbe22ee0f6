"""A case's timeline as a handler reads it: each audit entry and message as a
sentence ("Stage changed from Received to Acknowledged by rule
followups.acknowledgement"), never as raw identifiers or JSON.

The sentences are interface text (translated in services/console/i18n.py);
the values in them (stage, clock and template names) are the policy's and are
shown as words, with underscores as spaces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.followup.v1 import followup_pb2
from redress.platform.enums import short_name

Translate = Callable[[str], str]

LANGUAGE_NAMES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French"}
CHANNEL_NAMES = {"email": "e-mail", "sms": "text message", "postal": "post", "web": "web"}

# action -> the sentence, its placeholders filled from the entry:
# {old}/{new}: the values in words, {what}: the clock, subtask or message named by the field.
SENTENCES = {
    "case.created": "Complaint received",
    "case.filed_historic": "Filed as a historic complaint",
    "case.stage_changed": "Stage changed from {old} to {new}",
    "case.reopened": "Reopened: stage changed from {old} to {new}",
    "case.assigned/assignee": "Assigned to {new}",
    "case.assigned/team": "Given to team {new}",
    "case.prioritised": "Priority set from {old} to {new}",
    "case.priority_changed": "Priority changed from {old} to {new}",
    "case.classified": "Category set to {new}",
    "case.recategorised": "Category changed from {old} to {new}",
    "case.typed": "Complaint type set to {new}",
    "case.type_changed": "Complaint type changed from {old} to {new}",
    "case.escalated": "Escalated to level {new}",
    "case.linked": "Linked to another case: {new}",
    "case.unlinked": "Link removed: {old}",
    "clocks.started": "Clocks started: {new}",
    "clock.started": "Clock {what} started",
    "clock.paused": "Clock {what} paused ({new})",
    "clock.resumed": "Clock {what} resumed",
    "clock.stopped": "Clock {what} stopped: {new}",
    "clock.warning": "Clock {what} warned: {new}",
    "clock.breached": "Clock {what} breached its deadline",
    "subtask.added": "Subtask added: {new}",
    "subtask.completed": "Subtask completed",
    "subtask.cancelled": "Subtask cancelled",
    "subtask.overdue": "Subtask overdue",
    "subtask.reminder": "Subtask reminder sent",
    "note.added": "Note added",
    "attachment.added": "File added: {new}",
    "attachment.refused": "File not kept: {new}",
    "outcome.recorded": "Outcome recorded: {new}",
    "customer.replied": "The customer replied ({new})",
    "message.queued": "{new} queued",
    "message.sent": "Message sent",
    "message.delivered": "Message delivered",
    "message.bounced": "Message bounced",
    "message.failed": "Message could not be sent",
    "followup.scheduled": "Follow-up scheduled: {new}",
    "followup.cancelled": "Follow-up cancelled",
    "notification.requested": "Staff notified: {new}",
    "knowledge.suggested": "Knowledge articles suggested",
    "knowledge.not_suggested": "No knowledge articles suggested",
    "satisfaction.recorded": "Satisfaction survey answered: {new}",
    "unowned.alerted": "Nobody owns the case: alert sent ({new})",
    "reminder.set": "Reminder set: {new}",
    "reminder.delivered": "Reminder delivered: {new}",
    "reminder.cancelled": "Reminder cancelled",
    "customer.erased": "Personal data erased",
}


UTC_INSTANT = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(?:\+00:00|Z)")


def instants(text: str) -> str:
    """ISO instants in UTC as the rest of the page shows times: "2026-12-07 17:00 UTC"."""
    return UTC_INSTANT.sub(r"\1 \2 UTC", text)


def words(value: str) -> str:
    """An identifier as words: "first_response" -> "first response"."""
    if UTC_INSTANT.search(value):
        return instants(value)
    return value.replace("_", " ").strip()


def stage_words(value: str) -> str:
    return words(value).capitalize() if value else "—"


def _parsed(value: str) -> Any:
    if not value or value[0] not in "[{":
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def letter(details: dict[str, Any], t: Translate) -> str:
    """ "Acknowledgement letter (v3, English, e-mail)" from a queued message's details."""
    name = words(str(details.get("template") or t("message"))).capitalize()
    if not name.lower().endswith(("letter", "response", "notice", "message")):
        name = f"{name} {t('letter')}"
    facts = []
    if details.get("version"):
        facts.append(f"v{details['version']}")
    if details.get("language"):
        facts.append(t(LANGUAGE_NAMES.get(str(details["language"]), str(details["language"]))))
    if details.get("channel"):
        facts.append(t(CHANNEL_NAMES.get(str(details["channel"]), words(str(details["channel"])))))
    return f"{name} ({', '.join(facts)})" if facts else name


def value_words(value: str, t: Translate) -> str:
    """A recorded value as words: JSON lists and objects read as phrases."""
    parsed = _parsed(value)
    if parsed is None:
        return words(value)
    if isinstance(parsed, list):
        return ", ".join(words(str(v)) for v in parsed) or "—"
    if isinstance(parsed, dict):
        if "decision" in parsed:
            return words(str(parsed["decision"]))
        if "threshold" in parsed:
            return t("{share} % of its time used").format(
                share=round(float(parsed["threshold"]) * 100)
            )
        if "title" in parsed:
            return str(parsed["title"])
        shown = {k: v for k, v in parsed.items() if v not in ("", None, [], {}) and "_id" not in k}
        return ", ".join(f"{t(words(k))} {words(str(v))}" for k, v in shown.items())
    return words(str(parsed))


def actor_words(actor: common_pb2.Actor, t: Translate) -> str:
    kind = short_name(common_pb2.ActorKind, actor.kind)
    if kind == "rule":
        return t("by rule {rule}").format(rule=actor.id)
    if kind == "person":
        return t("by {person}").format(person=actor.id)
    return t("by the platform")


def audit_sentence(e: cases_pb2.AuditEvent, t: Translate) -> str:
    """One audit entry as a sentence, its actor last."""
    key = f"{e.action}/{e.field}" if f"{e.action}/{e.field}" in SENTENCES else e.action
    what = words(e.field.split(".", 1)[1]) if "." in e.field else ""
    if e.action in ("case.stage_changed", "case.reopened"):
        old, new = stage_words(e.old_value), stage_words(e.new_value)
    elif e.action.startswith("attachment."):
        details = _parsed(e.new_value)
        old = ""
        new = str(details.get("filename", "")) if isinstance(details, dict) else ""
    elif e.action == "case.type_changed":
        # The entry's value also holds the stage and clocks it left; the cause says them.
        details = _parsed(e.new_value)
        old = words(e.old_value)
        new = words(str(details.get("type", ""))) if isinstance(details, dict) else ""
    elif e.action == "message.queued":
        details = _parsed(e.new_value)
        old, new = "", letter(details if isinstance(details, dict) else {}, t)
    else:
        old, new = value_words(e.old_value, t), value_words(e.new_value, t)
    template = SENTENCES.get(key)
    if template is None:
        # An action this console does not know yet still reads as words.
        sentence = words(e.action.replace(".", " ")).capitalize()
        if new:
            sentence += f": {new}"
    else:
        sentence = t(template).format(old=old or "—", new=new or "—", what=what)
    return f"{sentence} {actor_words(e.actor, t)}"


def cause_words(e: cases_pb2.AuditEvent, t: Translate) -> str:
    parsed = _parsed(e.cause)
    return value_words(e.cause, t) if parsed is not None else instants(e.cause)


def message_sentence(m: followup_pb2.Message, t: Translate) -> str:
    """A message the case sent or received: what it is, to whom, where it stands."""
    name = m.template_name or short_name(followup_pb2.MessagePurpose, m.purpose)
    details = {
        "template": name,
        "version": m.template_version,
        "language": m.language,
        "channel": short_name(common_pb2.Channel, m.channel),
    }
    state = t(words(short_name(followup_pb2.DeliveryState, m.state)))
    who = m.recipient or m.sender
    if m.audience == "staff":
        return t("Staff alert to {who} {state}").format(who=who or "—", state=state)
    return f"{letter(details, t)} {state}" + (f" · {who}" if who else "")
