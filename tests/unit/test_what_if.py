"""What if: a case's recorded events replayed under a draft policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from redress.domain import what_if as wi
from redress.domain.policy import Policy

SHIPPED_TEXT = (Path(__file__).parents[2] / "redress/domain/default_policy.yaml").read_text()
SHIPPED = Policy.load(SHIPPED_TEXT)
FAR = datetime(2026, 1, 1, tzinfo=UTC)
# Monday 4 March 2024, 10:00 London (GMT).
MONDAY = datetime(2024, 3, 4, 10, tzinfo=UTC)


def draft(*replacements: tuple[str, str]) -> Policy:
    text = SHIPPED_TEXT.replace('version: "2026.12.1"', 'version: "draft"')
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return Policy.load(text)


SHORTER_FIRST_RESPONSE = (
    "    budget: {business_hours: 24}\n    warn_at: [0.75, 0.9]",
    "    budget: {business_hours: 8}\n    warn_at: [0.75, 0.9]",
)


def case(*events: wi.RecordedEvent, regime: str = "uk_fca") -> wi.RecordedCase:
    return wi.RecordedCase("C-1", MONDAY, regime, "web", narrative="my card", events=events)


def at(days: float = 0, hours: float = 0) -> datetime:
    return MONDAY + timedelta(days=days, hours=hours)


def resolved(when: datetime) -> tuple[wi.RecordedEvent, ...]:
    return (
        wi.RecordedEvent(when, wi.OUTCOME, decision="upheld"),
        wi.RecordedEvent(when, wi.STAGE, stage="resolved", resolves=True),
    )


def test_a_shorter_first_response_target_turns_a_met_clock_into_a_breach() -> None:
    # Investigated on Wednesday 10:00: 16 business hours after receipt.
    worked = case(wi.RecordedEvent(at(days=2), wi.STAGE, stage="investigating"), *resolved(at(3)))
    before = wi.replay(worked, SHIPPED, FAR)
    after = wi.replay(worked, draft(SHORTER_FIRST_RESPONSE), FAR)

    assert before.clock("first_response").state == "met"  # type: ignore[union-attr]
    shorter = after.clock("first_response")
    assert shorter is not None and shorter.state == "breached"
    # 8 business hours from Monday 10:00: Tuesday 10:00.
    assert shorter.breached_at == at(days=1)
    difference = wi.compare(worked, before, after)
    assert difference is not None
    [clock] = difference.clocks
    assert clock.name == "first_response" and clock.newly_breached
    totals = wi.WhatIfTotals()
    totals.add(before, after, difference)
    assert totals.more_breaches["first_response"] == 1
    assert totals.baseline_clocks["first_response"].met == 1
    assert totals.draft_clocks["first_response"].breached == 1


def test_the_same_policy_changes_nothing() -> None:
    worked = case(wi.RecordedEvent(at(days=2), wi.STAGE, stage="investigating"), *resolved(at(3)))
    assert (
        wi.compare(worked, wi.replay(worked, SHIPPED, FAR), wi.replay(worked, SHIPPED, FAR)) is None
    )


def test_a_pause_stretches_an_internal_clock_but_never_a_regulatory_one() -> None:
    paused = case(
        wi.RecordedEvent(at(days=1), wi.STAGE, stage="assigned"),
        wi.RecordedEvent(at(days=1, hours=1), wi.STAGE, stage="investigating"),
        wi.RecordedEvent(at(days=1, hours=2), wi.STAGE, stage="awaiting_customer"),
        # Away for a week; back on Wednesday 13 March.
        wi.RecordedEvent(at(days=9, hours=2), wi.REPLY),
    )
    not_paused = case(
        wi.RecordedEvent(at(days=1), wi.STAGE, stage="assigned"),
        wi.RecordedEvent(at(days=1, hours=1), wi.STAGE, stage="investigating"),
    )
    with_pause = wi.replay(paused, SHIPPED, MONDAY + timedelta(days=10))
    without = wi.replay(not_paused, SHIPPED, MONDAY + timedelta(days=10))

    stretched, plain = with_pause.clock("resolution"), without.clock("resolution")
    assert stretched is not None and plain is not None
    # Waiting on the customer from Tuesday 12:00 to the next Wednesday 12:00:
    # 48 business hours (5 + 5 x 8 + 3), six working days later.
    assert plain.due_at == datetime(2024, 3, 18, 10, tzinfo=UTC)
    assert stretched.due_at == datetime(2024, 3, 26, 10, tzinfo=UTC)
    for name in ("fca_summary_resolution", "fca_final_response"):
        assert with_pause.clock(name).due_at == without.clock(name).due_at  # type: ignore[union-attr]
        assert with_pause.clock(name).state != "paused"  # type: ignore[union-attr]


def test_a_pause_a_person_made_is_replayed_and_refused_where_the_clock_cannot_pause() -> None:
    held = case(
        wi.RecordedEvent(
            at(hours=1), wi.PAUSE, clock="resolution", reason="customer_requested_delay"
        ),
        wi.RecordedEvent(at(days=7, hours=1), wi.RESUME, clock="resolution"),
        wi.RecordedEvent(at(hours=1), wi.PAUSE, clock="fca_final_response", reason="x"),
    )
    replayed = wi.replay(held, SHIPPED, at(days=8))
    assert replayed.clock("resolution").due_at == (  # type: ignore[union-attr]
        wi.replay(case(), SHIPPED, at(days=8)).clock("resolution").due_at  # type: ignore[union-attr, operator]
        + timedelta(days=7)
    )
    assert any("fca_final_response" in s for s in replayed.skipped)


def test_escalations_fire_at_the_draft_ladders_steps() -> None:
    # Nobody ever touched it: the acknowledgement clock breaches on Tuesday 10:00.
    untouched = case()
    ladder = draft(
        (
            "    - after: {business_hours: 8}\n      notify: [manager]",
            "    - after: {hours: 2}\n      notify: [manager]\n"
            "    - after: {hours: 5}\n      assign_team: seniors",
        )
    )
    before = wi.replay(untouched, SHIPPED, at(days=1, hours=6))
    after = wi.replay(untouched, ladder, at(days=1, hours=6))

    def steps(replayed: wi.Replay) -> list[tuple[datetime, str]]:
        return [(h.at, h.detail) for h in replayed.escalations if h.name == "acknowledgement"]

    breach = at(days=1)
    assert steps(before) == [(breach, "step 1")]  # step 2 waits 8 business hours
    assert steps(after) == [
        (breach, "step 1"),
        (breach + timedelta(hours=2), "step 2"),
        (breach + timedelta(hours=5), "step 3"),
    ]
    difference = wi.compare(untouched, before, after)
    assert difference is not None
    assert any("acknowledgement step 3" in e for e in difference.escalations_only_draft)


def test_warnings_and_letters_follow_the_draft() -> None:
    # A 60% warning added to the acknowledgement clock, no acknowledgement letter.
    changed = draft(
        (
            "    budget: {business_hours: 8}\n    warn_at: [0.75]",
            "    budget: {business_hours: 8}\n    warn_at: [0.5, 0.75]",
        ),
        ("  acknowledgement:\n    template: acknowledgement\n", ""),
        ("    then_stage: acknowledged\n", ""),
    )
    untouched = case()
    before = wi.replay(untouched, SHIPPED, at(days=1, hours=1))
    after = wi.replay(untouched, changed, at(days=1, hours=1))
    assert [h.detail for h in after.warnings if h.name == "acknowledgement"] == ["50%", "75%"]
    assert [h.at for h in after.warnings if h.detail == "50%"] == [at(hours=4)]
    assert "acknowledgement" in [h.name for h in before.letters]
    assert "acknowledgement" not in [h.name for h in after.letters]


def test_a_historic_complaint_gets_no_letters_or_escalations_in_a_replay() -> None:
    filed = datetime(2026, 6, 1, tzinfo=UTC)
    old = wi.RecordedCase(
        "C-2",
        MONDAY,
        "us_cfpb",
        "web",
        historic=True,
        filed_at=filed,
        closure=wi.RecordedClosure(at(days=3), "rejected", "Closed with explanation"),
    )
    replayed = wi.replay(old, draft(SHORTER_FIRST_RESPONSE), FAR)
    assert replayed.letters == () and replayed.escalations == ()
    assert replayed.clock("first_response").state == "breached"  # type: ignore[union-attr]
    assert replayed.clock("cfpb_response").state == "met"  # type: ignore[union-attr]
