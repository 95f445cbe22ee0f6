"""The check that a case's audit trail explains the case: the kinds of gap a
change lost or recorded twice leaves, each found and said in a sentence."""

from __future__ import annotations

import json

from redress.domain.reconciliation import (
    CaseFacts,
    TrailEntry,
    disagreements,
    unexplained_messages,
)

CREATED = TrailEntry(1, "case.created", "", "", json.dumps({"stage": "received"}))


def trail(*entries: tuple[str, str, str, str]) -> list[TrailEntry]:
    return [CREATED] + [TrailEntry(i + 2, *e) for i, e in enumerate(entries)]


HANDLED = trail(
    ("case.stage_changed", "stage", "received", "acknowledged"),
    ("clock.stopped", "clocks.acknowledgement", "", "met"),
    ("message.queued", "messages.M-1", "", "{}"),
    ("message.sent", "messages.M-1", "queued", "sent"),
    ("case.stage_changed", "stage", "acknowledged", "investigating"),
    ("clock.stopped", "clocks.first_response", "", "met"),
    ("outcome.recorded", "outcome", "", "upheld"),
    ("case.stage_changed", "stage", "investigating", "resolved"),
    ("clock.stopped", "clocks.resolution", "", "breached"),
)
FACTS = CaseFacts(
    stage="resolved",
    clocks={
        "acknowledgement": "met",
        "first_response": "met",
        "resolution": "breached",
        "fca_final_response": "running",
    },
    outcome_recorded=True,
)


def test_a_trail_that_explains_its_case_has_nothing_to_say() -> None:
    assert disagreements(FACTS, HANDLED) == []
    assert unexplained_messages({"M-1": "sent"}, HANDLED) == []


def test_a_stage_change_missing_from_the_trail_is_found() -> None:
    lost = [e for e in HANDLED if e.new_value != "resolved"]
    found = disagreements(FACTS, lost)
    assert found == ["the case is in stage 'resolved'; its trail ends in 'investigating'"]


def test_a_stage_move_missing_in_the_middle_breaks_the_chain() -> None:
    lost = [e for e in HANDLED if e.new_value != "investigating"]
    found = disagreements(FACTS, lost)
    assert found == [
        "entry 9 (case.stage_changed) moves the case from stage 'investigating', "
        "but the trail left it in 'acknowledged'"
    ]


def test_a_stage_move_recorded_twice_is_found() -> None:
    twice = [*HANDLED, TrailEntry(99, "case.stage_changed", "stage", "investigating", "resolved")]
    assert disagreements(FACTS, twice) == [
        "entry 99 (case.stage_changed) moves the case from stage 'investigating', "
        "but the trail left it in 'resolved'"
    ]


def test_a_clock_stopped_or_breached_without_an_entry_is_found() -> None:
    lost = [e for e in HANDLED if e.field != "clocks.resolution"]
    assert disagreements(FACTS, lost) == [
        "clock resolution is breached, and no entry of its trail says so"
    ]
    paused = CaseFacts("resolved", {**FACTS.clocks, "first_response": "paused"}, True)
    assert disagreements(paused, HANDLED) == [
        "clock first_response is paused; its trail leaves it met"
    ]


def test_an_outcome_without_its_entry_and_an_entry_without_its_outcome_are_found() -> None:
    lost = [e for e in HANDLED if e.action != "outcome.recorded"]
    assert disagreements(FACTS, lost) == [
        "the case has an outcome, and no entry of its trail records it"
    ]
    no_outcome = CaseFacts(FACTS.stage, FACTS.clocks, outcome_recorded=False)
    assert disagreements(no_outcome, HANDLED) == [
        "the trail records an outcome the case does not have"
    ]


def test_a_message_entry_recorded_twice_is_found() -> None:
    twice = [*HANDLED, TrailEntry(99, "message.queued", "messages.M-1", "", "{}")]
    assert disagreements(FACTS, twice) == ["message M-1: message.queued is recorded 2 times"]


def test_a_message_sent_without_its_entries_is_found() -> None:
    assert unexplained_messages({"M-1": "sent", "M-2": "delivered"}, HANDLED) == [
        "message M-2 (delivered): its trail has no message.queued",
        "message M-2 is delivered; its trail does not say so",
    ]
    only_queued = [e for e in HANDLED if e.action != "message.sent"]
    assert unexplained_messages({"M-1": "sent"}, only_queued) == [
        "message M-1 is sent; its trail does not say so"
    ]
    # A message still on its way needs no more than its queued entry.
    assert unexplained_messages({"M-1": "queued"}, only_queued) == []


def test_a_file_on_the_case_without_its_entry_and_an_entry_without_its_file_are_found() -> None:
    added = trail(("attachment.added", "attachments", "", "{}"))
    with_files = CaseFacts(stage="received", attachments=1)
    assert disagreements(with_files, added) == []
    assert disagreements(CaseFacts(stage="received", attachments=2), added) == [
        "the case holds 2 files but the trail records 1 added"
    ]
    assert disagreements(CaseFacts(stage="received", attachments=0), added) == [
        "the trail records 1 files added but the case holds 0"
    ]
    # An erasure removes the customer's files; their entries stay.
    erased = trail(
        ("attachment.added", "attachments", "", ""),
        ("customer.erased", "customer", "", "{}"),
    )
    assert disagreements(CaseFacts(stage="received", attachments=0), erased) == []
