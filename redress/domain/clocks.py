"""Complaint clocks: deadlines that run, pause, warn, breach and escalate.

A clock counts either calendar time or business time in a calendar. While it
runs, its deadline is `advance(anchor, remaining)`; pausing freezes
`remaining` (measured in the clock's own time), resuming moves the deadline
out by exactly the time spent paused. Regulatory clocks have a fixed deadline
set by the regime and never pause.

Pure code: `upcoming` says what a clock does next and when (its warnings,
breach and escalation steps) and `fire` records that it happened; the workflow
sleeps on a durable timer until the earliest instant; nothing polls.

No `from __future__ import annotations` here: a Clock travels in the workflow's
state across continue-as-new, and the workflow sandbox decodes it without this
module in its module table, so its field types must be real objects rather
than names to look up.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from redress.domain.policy import Budget, EscalationStep

RUNNING, PAUSED, MET, BREACHED, PENDING = "running", "paused", "met", "breached", "pending"
# Stopped because the case's complaint type changed to one without this clock:
# neither met nor breached, and never counted as either.
NOT_APPLICABLE = "not_applicable"


class Calendar(Protocol):
    def add_business_time(self, start: datetime, amount: timedelta) -> datetime: ...

    def business_time_between(self, start: datetime, end: datetime) -> timedelta: ...


@dataclass
class Clock:
    """One clock's whole state; a plain dataclass so a workflow can carry it."""

    name: str
    # "business" or "calendar"
    basis: str
    calendar: str
    regulatory: bool
    pausable: bool
    total_seconds: float
    warn_at: list[float]
    ladder: str
    description: str = ""
    regulation: str = ""
    state: str = PENDING
    started_at: datetime | None = None
    # The instant `remaining_seconds` was measured at.
    anchor: datetime | None = None
    remaining_seconds: float = 0.0
    due_at: datetime | None = None
    paused_at: datetime | None = None
    paused_seconds: float = 0.0
    pause_reason: str = ""
    stopped_at: datetime | None = None
    breached_at: datetime | None = None
    warned: list[float] = field(default_factory=list)
    escalation_steps_taken: int = 0

    @property
    def open(self) -> bool:
        return self.state in (RUNNING, PAUSED)


@dataclass(frozen=True)
class ClockEvent:
    """Something a clock does at an instant: warn, breach or take an escalation step."""

    at: datetime
    clock: str
    kind: str  # "warning" | "breach" | "escalation"
    threshold: float = 0.0
    step: EscalationStep | None = None


def advance(basis: str, calendar: Calendar, start: datetime, seconds: float) -> datetime:
    if basis == "business":
        return calendar.add_business_time(start, timedelta(seconds=seconds))
    return start + timedelta(seconds=seconds)


def elapsed(basis: str, calendar: Calendar, start: datetime, end: datetime) -> float:
    if end <= start:
        return 0.0
    if basis == "business":
        return calendar.business_time_between(start, end).total_seconds()
    return (end - start).total_seconds()


def budget_clock(
    name: str,
    budget: Budget,
    calendar: str,
    *,
    pausable: bool,
    warn_at: tuple[float, ...],
    ladder: str,
    description: str = "",
) -> Clock:
    return Clock(
        name=name,
        basis=budget.basis,
        calendar=calendar,
        regulatory=False,
        pausable=pausable,
        total_seconds=budget.duration.total_seconds(),
        warn_at=list(warn_at),
        ladder=ladder,
        description=description,
    )


def fixed_clock(
    name: str,
    started_at: datetime,
    due_at: datetime,
    *,
    warn_at: tuple[float, ...],
    ladder: str,
    description: str,
    regulation: str,
) -> Clock:
    """A regulatory clock: a fixed deadline, calendar time, never paused."""
    total = (due_at - started_at).total_seconds()
    return Clock(
        name=name,
        basis="calendar",
        calendar="",
        regulatory=True,
        pausable=False,
        total_seconds=total,
        warn_at=list(warn_at),
        ladder=ladder,
        description=description,
        regulation=regulation,
        state=RUNNING,
        started_at=started_at,
        anchor=started_at,
        remaining_seconds=total,
        due_at=due_at,
    )


def start(clock: Clock, now: datetime, calendar: Calendar) -> None:
    """Starts (or, after a reopen, restarts) the clock with its whole budget."""
    clock.state = RUNNING
    clock.started_at = now
    clock.anchor = now
    clock.remaining_seconds = clock.total_seconds
    clock.due_at = advance(clock.basis, calendar, now, clock.total_seconds)
    clock.paused_at = None
    clock.pause_reason = ""
    clock.stopped_at = None
    clock.breached_at = None
    clock.warned = []
    clock.escalation_steps_taken = 0


def pause(clock: Clock, now: datetime, reason: str, calendar: Calendar) -> None:
    assert clock.state == RUNNING and clock.due_at is not None and clock.pausable
    clock.remaining_seconds = elapsed(clock.basis, calendar, now, clock.due_at)
    clock.anchor = now
    clock.state = PAUSED
    clock.paused_at = now
    clock.pause_reason = reason


def resume(clock: Clock, now: datetime, calendar: Calendar) -> None:
    assert clock.state == PAUSED and clock.paused_at is not None
    clock.paused_seconds += (now - clock.paused_at).total_seconds()
    clock.anchor = now
    clock.due_at = advance(clock.basis, calendar, now, clock.remaining_seconds)
    clock.state = RUNNING
    clock.paused_at = None
    clock.pause_reason = ""


def stop(clock: Clock, now: datetime) -> None:
    """Met if it stops before breaching; a breached clock stays breached."""
    if clock.state == PAUSED and clock.paused_at is not None:
        clock.paused_seconds += (now - clock.paused_at).total_seconds()
        clock.paused_at = None
    if clock.state in (RUNNING, PAUSED):
        clock.state = MET
    clock.stopped_at = now


def not_applicable(clock: Clock, now: datetime) -> None:
    """Stops an open or pending clock the case's rules no longer have."""
    if clock.state == PAUSED and clock.paused_at is not None:
        clock.paused_seconds += (now - clock.paused_at).total_seconds()
        clock.paused_at = None
    clock.state = NOT_APPLICABLE
    clock.stopped_at = now


def rebudget(
    clock: Clock,
    budget: Budget,
    calendar_name: str,
    calendar: Calendar,
    now: datetime,
    *,
    pausable: bool,
    warn_at: tuple[float, ...],
    ladder: str,
    description: str = "",
) -> None:
    """Puts the clock under another rule of its name (another complaint type's).

    An open clock keeps the time it has used and gets the new budget: the
    time left is the new budget less the time used, measured in the clock's
    own time (business or calendar) while the basis and calendar stay the same,
    otherwise from its start to `now` in the new rule's time (time paused
    counting as used). No time left: its deadline is `now`. A met or breached
    clock stays so; warnings already given are not given again."""
    basis = budget.basis
    total = budget.duration.total_seconds()
    if clock.state in (RUNNING, PAUSED) and clock.started_at is not None:
        if basis == clock.basis and calendar_name == clock.calendar:
            left = (
                clock.remaining_seconds
                if clock.state == PAUSED
                else time_left(clock, now, calendar)
            )
            used = clock.total_seconds - left
        else:
            used = elapsed(basis, calendar, clock.started_at, now)
        clock.basis, clock.calendar = basis, calendar_name
        clock.anchor = now
        clock.remaining_seconds = max(total - used, 0.0)
        clock.due_at = advance(basis, calendar, now, clock.remaining_seconds)
    else:
        clock.basis, clock.calendar = basis, calendar_name
    clock.total_seconds = total
    clock.pausable = pausable
    clock.warn_at = list(warn_at)
    clock.warned = (
        list(warn_at) if clock.state == BREACHED else [t for t in clock.warned if t in warn_at]
    )
    clock.ladder = ladder
    clock.description = description or clock.description


def time_left(clock: Clock, now: datetime, calendar: Calendar) -> float:
    """Seconds of the clock's own time (business or calendar) left before the deadline."""
    if clock.state == PAUSED:
        return clock.remaining_seconds
    if clock.state != RUNNING or clock.due_at is None:
        return 0.0
    return elapsed(clock.basis, calendar, now, clock.due_at)


def upcoming(
    clock: Clock, calendar: Calendar, ladder: tuple[EscalationStep, ...]
) -> list[ClockEvent]:
    """What this clock will do next, in time order (nothing while paused or met)."""
    events: list[ClockEvent] = []
    if clock.state == RUNNING and clock.anchor is not None and clock.due_at is not None:
        for threshold in clock.warn_at:
            if threshold in clock.warned:
                continue
            # The warning fires when (1 - threshold) of the budget is left.
            until = clock.remaining_seconds - (1 - threshold) * clock.total_seconds
            at = advance(clock.basis, calendar, clock.anchor, max(until, 0.0))
            events.append(ClockEvent(at, clock.name, "warning", threshold=threshold))
        events.append(ClockEvent(clock.due_at, clock.name, "breach"))
    elif clock.state == BREACHED and clock.breached_at is not None and clock.stopped_at is None:
        if clock.escalation_steps_taken < len(ladder):
            step = ladder[clock.escalation_steps_taken]
            at = advance(
                step.after.basis, calendar, clock.breached_at, step.after.duration.total_seconds()
            )
            events.append(ClockEvent(at, clock.name, "escalation", step=step))
    return sorted(events, key=lambda e: e.at)


def fire(clock: Clock, event: ClockEvent) -> None:
    """Records that `event` happened."""
    if event.kind == "warning":
        clock.warned.append(event.threshold)
    elif event.kind == "breach":
        clock.state = BREACHED
        clock.breached_at = event.at
        clock.warned = list(clock.warn_at)
    elif event.kind == "escalation":
        clock.escalation_steps_taken += 1
