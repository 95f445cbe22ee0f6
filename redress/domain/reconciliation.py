"""Does a case's audit trail explain the case as it stands?

A sealed trail proves that no entry was changed or cut; it cannot prove that
every change was recorded, or recorded once. This check replays the trail and
compares what it says with the case's stage, its clocks, its outcome, its
files and (when the caller has them from services/followup) its messages.
Each disagreement is one sentence saying what the trail lacks or repeats.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from redress.domain import clocks as clk

# What each clock entry leaves the clock as ("clock.stopped" says it itself).
CLOCK_STATE_AFTER = {
    "clock.started": clk.RUNNING,
    "clock.resumed": clk.RUNNING,
    "clock.paused": clk.PAUSED,
    "clock.breached": clk.BREACHED,
}
OUTCOME_ACTIONS = ("outcome.recorded", "case.outcome_recorded")
# A message's entries, each of which it can earn once.
MESSAGE_ACTIONS = (
    "message.queued",
    "message.sent",
    "message.failed",
    "message.delivered",
    "message.bounced",
)
# Message states after which the trail must say more than "queued".
MESSAGE_ENDED = {"sent", "delivered", "bounced", "failed", "handed_off"}


@dataclass(frozen=True)
class TrailEntry:
    sequence: int
    action: str
    field: str = ""
    old_value: str = ""
    new_value: str = ""


@dataclass(frozen=True)
class CaseFacts:
    """What the case record says now."""

    stage: str
    # Clock name -> its state (pending, running, paused, met, breached).
    clocks: Mapping[str, str] = field(default_factory=dict)
    outcome_recorded: bool = False
    # How many files the case holds; None when the caller does not say.
    attachments: int | None = None


def disagreements(facts: CaseFacts, trail: Sequence[TrailEntry]) -> list[str]:
    """What the trail fails to explain about the case; empty when it agrees."""
    found: list[str] = []
    found += _stage(facts, trail)
    found += _clocks(facts, trail)
    found += _outcome(facts, trail)
    found += _repeated_messages(trail)
    found += _attachments(facts, trail)
    return found


def _attachments(facts: CaseFacts, trail: Sequence[TrailEntry]) -> list[str]:
    """Every file on the case was added on the trail; files the trail added are
    all still there unless the customer's data was erased (which removes them)."""
    if facts.attachments is None:
        return []
    added = sum(1 for entry in trail if entry.action == "attachment.added")
    if facts.attachments > added:
        return [f"the case holds {facts.attachments} files but the trail records {added} added"]
    erased = any(entry.action == "customer.erased" for entry in trail)
    if facts.attachments < added and not erased:
        return [f"the trail records {added} files added but the case holds {facts.attachments}"]
    return []


def _created_stage(trail: Sequence[TrailEntry]) -> str:
    for entry in trail:
        if entry.action == "case.created":
            try:
                created = json.loads(entry.new_value)
            except ValueError:
                return ""
            return str(created.get("stage", "")) if isinstance(created, dict) else ""
    return ""


def _type_change(entry: TrailEntry) -> dict[str, Any]:
    """What a `case.type_changed` entry left the case as: its stage and its
    internal clocks' states (one entry records both)."""
    if entry.action != "case.type_changed":
        return {}
    try:
        said = json.loads(entry.new_value)
    except ValueError:
        return {}
    return said if isinstance(said, dict) else {}


def _stage(facts: CaseFacts, trail: Sequence[TrailEntry]) -> list[str]:
    found = []
    stage = _created_stage(trail)
    for entry in trail:
        retyped = _type_change(entry)
        if retyped.get("stage"):
            stage = str(retyped["stage"])
            continue
        if entry.field != "stage" or not entry.new_value:
            continue
        # Each move starts where the last one ended: a move missing from the
        # trail, or one recorded twice, breaks the chain.
        if stage and entry.old_value and entry.old_value != stage:
            found.append(
                f"entry {entry.sequence} ({entry.action}) moves the case from stage "
                f"{entry.old_value!r}, but the trail left it in {stage!r}"
            )
        stage = entry.new_value
    if stage and stage != facts.stage:
        found.append(f"the case is in stage {facts.stage!r}; its trail ends in {stage!r}")
    return found


def _clocks(facts: CaseFacts, trail: Sequence[TrailEntry]) -> list[str]:
    found = []
    said: dict[str, str] = {}
    for entry in trail:
        retyped = _type_change(entry).get("clocks")
        if isinstance(retyped, dict):
            said.update({str(k): str(v) for k, v in retyped.items()})
            continue
        name = entry.field.removeprefix("clocks.")
        if not entry.field.startswith("clocks.") or not name:
            continue
        if entry.action == "clock.stopped" and entry.new_value:
            said[name] = entry.new_value
        elif entry.action in CLOCK_STATE_AFTER:
            said[name] = CLOCK_STATE_AFTER[entry.action]
    for name, state in sorted(facts.clocks.items()):
        if name in said:
            if said[name] != state:
                found.append(f"clock {name} is {state}; its trail leaves it {said[name]}")
        elif state not in (clk.RUNNING, clk.PENDING):
            # A clock starts with the case unrecorded; anything after is recorded.
            found.append(f"clock {name} is {state}, and no entry of its trail says so")
    return found


def _outcome(facts: CaseFacts, trail: Sequence[TrailEntry]) -> list[str]:
    recorded = any(entry.action in OUTCOME_ACTIONS for entry in trail)
    if facts.outcome_recorded and not recorded:
        return ["the case has an outcome, and no entry of its trail records it"]
    if recorded and not facts.outcome_recorded:
        return ["the trail records an outcome the case does not have"]
    return []


def _message_entries(trail: Sequence[TrailEntry]) -> Counter[tuple[str, str]]:
    return Counter(
        (entry.field.removeprefix("messages."), entry.action)
        for entry in trail
        if entry.action in MESSAGE_ACTIONS and entry.field.startswith("messages.")
    )


def _repeated_messages(trail: Sequence[TrailEntry]) -> list[str]:
    return [
        f"message {message_id}: {action} is recorded {count} times"
        for (message_id, action), count in sorted(_message_entries(trail).items())
        if count > 1
    ]


def unexplained_messages(messages: Mapping[str, str], trail: Sequence[TrailEntry]) -> list[str]:
    """The case's messages (id -> delivery state, as services/followup holds
    them) that its trail does not record, or does not record as ended."""
    entries = _message_entries(trail)
    found = []
    for message_id, state in sorted(messages.items()):
        said = {action for (mid, action) in entries if mid == message_id}
        if "message.queued" not in said:
            found.append(f"message {message_id} ({state}): its trail has no message.queued")
        if state in MESSAGE_ENDED and not said - {"message.queued"}:
            found.append(f"message {message_id} is {state}; its trail does not say so")
    return found
