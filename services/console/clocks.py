"""How the console shows a case's clocks: time left, the marks and the nearest deadline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain.policy import Policy
from redress.platform.enums import short_name
from redress.platform.time_left import business_time, calendar_of, calendar_time, working_day
from redress.platform.wire import time_or_none


def span(seconds: float, words: Callable[[str], str] = str) -> str:
    """Calendar time for people: "2 days 3 h", "3 h 20 min", "12 min"."""
    return calendar_time(timedelta(seconds=seconds), words)


def clock_view(
    clock: cases_pb2.Clock,
    now: datetime,
    policy: Policy | None = None,
    words: Callable[[str], str] = str,
) -> dict[str, Any]:
    state = short_name(common_pb2.ClockState, clock.state)
    due = time_or_none(clock.due_at)
    warned = time_or_none(clock.warned_at)
    left = (due - now).total_seconds() if due else None
    mark = state
    if state == "running" and warned:
        mark = "warned"
    if state == "running" and left is not None and left < 0:
        mark = "breached"
    return {
        "name": clock.name,
        "state": state,
        "mark": mark,
        "regulatory": clock.regulatory,
        "regulation": clock.regulation,
        "description": clock.description,
        "due": due,
        "left": left,
        "left_text": span(left, words) if left is not None else "",
        "business_left": clock.business_time_left.ToTimedelta().total_seconds(),
        # In the calendar's working days: 24 business hours of office hours
        # are three working days, not one day.
        "business_left_text": business_time(
            clock.business_time_left.ToTimedelta(),
            working_day(calendar_of(clock.calendar, policy), now.date()),
            words,
        ),
        "basis": clock.basis,
        "calendar": clock.calendar,
        "pause_reason": clock.pause_reason,
        "paused_for": clock.paused_for.ToTimedelta().total_seconds(),
        "breached_at": time_or_none(clock.breached_at),
        "warned_at": warned,
        "stopped_at": time_or_none(clock.stopped_at),
    }


def next_deadline(
    case: cases_pb2.Case, now: datetime, words: Callable[[str], str] = str
) -> dict[str, Any]:
    """What the queue shows of a case's clocks: the nearest deadline and the worst mark."""
    clocks = [clock_view(c, now, words=words) for c in case.clocks]
    running = [c for c in clocks if c["state"] == "running" and c["due"]]
    nearest = min(running, key=lambda c: c["due"]) if running else None
    marks = {c["mark"] for c in clocks}
    worst = (
        "breached"
        if case.breached or "breached" in marks
        else ("warned" if "warned" in marks else "")
    )
    return {"clock": nearest, "mark": worst}
