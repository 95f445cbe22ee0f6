"""One clock at a time: a budget counted in business or calendar time, its
warnings and breach, pausing and resuming, stopping, and its escalation
ladder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from redress.domain import clocks as clk
from redress.domain.calendars import preset
from redress.domain.policy import Budget, EscalationStep

LONDON = ZoneInfo("Europe/London")
ENGLAND = preset("uk-england")
MONDAY = datetime(2027, 3, 1, 10, 0, tzinfo=LONDON)
LADDER = (
    EscalationStep(1, Budget(0, "minutes"), raise_priority="high", notify=("team_lead",)),
    EscalationStep(2, Budget(8, "business_hours"), notify=("manager",)),
)


def business_clock(hours: float, warn_at: tuple[float, ...] = (0.75,)) -> clk.Clock:
    return clk.budget_clock(
        "resolution",
        Budget(hours, "business_hours"),
        "uk-england",
        pausable=True,
        warn_at=warn_at,
        ladder="internal",
    )


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def test_a_clock_waits_until_started() -> None:
    clock = business_clock(16)
    assert clock.state == clk.PENDING and clock.due_at is None
    assert clk.upcoming(clock, ENGLAND, LADDER) == []
    clk.start(clock, MONDAY, ENGLAND)
    assert clock.state == clk.RUNNING
    assert clock.due_at == london(2027, 3, 3, 10, 0)


def test_warnings_then_breach() -> None:
    clock = business_clock(16, warn_at=(0.5, 0.75))
    clk.start(clock, MONDAY, ENGLAND)
    events = clk.upcoming(clock, ENGLAND, LADDER)
    assert [(e.at, e.kind, e.threshold) for e in events] == [
        (london(2027, 3, 2, 10, 0), "warning", 0.5),  # 8 of 16 business hours
        (london(2027, 3, 2, 14, 0), "warning", 0.75),
        (london(2027, 3, 3, 10, 0), "breach", 0.0),
    ]
    clk.fire(clock, events[0])
    assert [e.threshold for e in clk.upcoming(clock, ENGLAND, LADDER)][:1] == [0.75]


def test_pausing_over_a_weekend_moves_the_deadline_by_business_time_only() -> None:
    clock = business_clock(16)
    clk.start(clock, MONDAY, ENGLAND)
    # Monday 14:00: 4 business hours used, 12 left.
    clk.pause(clock, london(2027, 3, 1, 14, 0), "awaiting_customer", ENGLAND)
    assert clock.state == clk.PAUSED and clock.remaining_seconds == 12 * 3600
    assert clk.time_left(clock, london(2027, 3, 4, 9, 0), ENGLAND) == 12 * 3600
    assert clk.upcoming(clock, ENGLAND, LADDER) == []
    # Resumed Friday 16:00: 1 hour on Friday, 8 on Monday, 3 on Tuesday.
    clk.resume(clock, london(2027, 3, 5, 16, 0), ENGLAND)
    assert clock.due_at == london(2027, 3, 9, 12, 0)
    assert (
        clock.paused_seconds
        == (london(2027, 3, 5, 16, 0) - london(2027, 3, 1, 14, 0)).total_seconds()
    )
    assert clock.pause_reason == ""


def test_resuming_over_the_easter_bank_holidays() -> None:
    clock = business_clock(16)
    clk.start(clock, london(2027, 3, 22, 9, 0), ENGLAND)
    clk.pause(clock, london(2027, 3, 22, 17, 0), "awaiting_customer", ENGLAND)  # 8 used
    # Resumed Maundy Thursday 13:00: 4 hours that day, none on Good Friday,
    # the weekend or Easter Monday, 4 on Tuesday.
    clk.resume(clock, london(2027, 3, 25, 13, 0), ENGLAND)
    assert clock.due_at == london(2027, 3, 30, 13, 0)


def test_a_calendar_clock_pauses_by_the_hour() -> None:
    clock = clk.budget_clock(
        "cfpb", Budget(15, "calendar_days"), "", pausable=True, warn_at=(), ladder=""
    )
    clk.start(clock, MONDAY, ENGLAND)
    clk.pause(clock, MONDAY + timedelta(days=1), "x", ENGLAND)
    clk.resume(clock, MONDAY + timedelta(days=4), ENGLAND)
    assert clock.due_at == MONDAY + timedelta(days=18)


def test_stopping_before_the_deadline_meets_it_and_after_keeps_the_breach() -> None:
    met = business_clock(16)
    clk.start(met, MONDAY, ENGLAND)
    clk.stop(met, london(2027, 3, 2, 9, 0))
    assert met.state == clk.MET
    late = business_clock(16)
    clk.start(late, MONDAY, ENGLAND)
    [breach] = [e for e in clk.upcoming(late, ENGLAND, LADDER) if e.kind == "breach"]
    clk.fire(late, breach)
    assert late.state == clk.BREACHED and late.breached_at == london(2027, 3, 3, 10, 0)
    clk.stop(late, london(2027, 3, 4, 9, 0))
    assert late.state == clk.BREACHED and late.stopped_at == london(2027, 3, 4, 9, 0)
    assert clk.upcoming(late, ENGLAND, LADDER) == []


def test_the_escalation_ladder_after_a_breach() -> None:
    clock = business_clock(16)
    clk.start(clock, MONDAY, ENGLAND)
    [breach] = [e for e in clk.upcoming(clock, ENGLAND, LADDER) if e.kind == "breach"]
    clk.fire(clock, breach)
    [first] = clk.upcoming(clock, ENGLAND, LADDER)
    assert (first.at, first.kind, first.step) == (breach.at, "escalation", LADDER[0])
    clk.fire(clock, first)
    [second] = clk.upcoming(clock, ENGLAND, LADDER)
    # Eight business hours after Wednesday 10:00.
    assert (second.at, second.step) == (london(2027, 3, 4, 10, 0), LADDER[1])
    clk.fire(clock, second)
    assert clk.upcoming(clock, ENGLAND, LADDER) == []


def test_a_regulatory_clock_has_a_fixed_deadline() -> None:
    due = datetime(2027, 4, 26, 23, 0, tzinfo=UTC)
    clock = clk.fixed_clock(
        "fca_final_response",
        MONDAY,
        due,
        warn_at=(0.9,),
        ladder="regulatory",
        description="",
        regulation="DISP 1.6.2R",
    )
    assert clock.regulatory and not clock.pausable and clock.state == clk.RUNNING
    [warning, breach] = clk.upcoming(clock, ENGLAND, ())
    assert breach.at == due
    assert warning.at == MONDAY + (due - MONDAY) * 0.9
