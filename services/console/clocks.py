"""How the console shows a case's clocks: time left, the marks and the nearest deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.platform.enums import short_name
from redress.platform.wire import time_or_none


def span(seconds: float) -> str:
    """A duration for people: "2 d 3 h", "3 h 20 min", "12 min"."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{max(minutes, 1) if seconds else 0} min"


def clock_view(clock: cases_pb2.Clock, now: datetime) -> dict[str, Any]:
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
        "left_text": span(left) if left is not None else "",
        "business_left": clock.business_time_left.ToTimedelta().total_seconds(),
        "basis": clock.basis,
        "calendar": clock.calendar,
        "pause_reason": clock.pause_reason,
        "paused_for": clock.paused_for.ToTimedelta().total_seconds(),
        "breached_at": time_or_none(clock.breached_at),
        "warned_at": warned,
        "stopped_at": time_or_none(clock.stopped_at),
    }


def next_deadline(case: cases_pb2.Case, now: datetime) -> dict[str, Any]:
    """What the queue shows of a case's clocks: the nearest deadline and the worst mark."""
    clocks = [clock_view(c, now) for c in case.clocks]
    running = [c for c in clocks if c["state"] == "running" and c["due"]]
    nearest = min(running, key=lambda c: c["due"]) if running else None
    marks = {c["mark"] for c in clocks}
    worst = (
        "breached"
        if case.breached or "breached" in marks
        else ("warned" if "warned" in marks else "")
    )
    return {"clock": nearest, "mark": worst}
