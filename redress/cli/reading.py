"""How the CLI says things to a person: decisions in words, money as money,
clocks' time left in the calendar's terms."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain.money import minor_units as money_minor_units
from redress.domain.money import shown
from redress.domain.policy import Policy
from redress.platform.enums import short_name
from redress.platform.time_left import business_time, calendar_of, calendar_time, working_day


def money(amount: common_pb2.Money) -> str:
    """ "£1,250.00": an amount as money (redress/domain/money.py)."""
    return shown(amount.minor_units, amount.currency) if amount.currency else ""


def minor_units(amount: str, currency: str) -> int:
    """ "25" or "25.50" in the currency's major unit, as minor units."""
    try:
        value = Decimal(amount.strip())
        if not value.is_finite() or value < 0:
            raise InvalidOperation
        return money_minor_units(value, currency)
    except (InvalidOperation, ValueError):
        raise ValueError(f"an amount in {currency} such as 125.50, not {amount!r}") from None


def decision(value: int) -> str:
    """ "partly upheld", "rejected": the decision as the policy and letters say it."""
    return short_name(cases_pb2.Decision, value).replace("_", " ") or "none"


def outcome_lines(outcome: cases_pb2.Outcome) -> list[str]:
    paid = [
        f"{what} {money(amount)}"
        for what, amount in (("redress", outcome.redress), ("goodwill", outcome.goodwill))
        if amount.minor_units
    ]
    chosen = f"{outcome.outcome} ({decision(outcome.decision)})" if outcome.outcome else ""
    lines = [
        f"{chosen or decision(outcome.decision)}, root cause {outcome.root_cause or '-'}; "
        + (", ".join(paid) if paid else "nothing paid")
    ]
    if outcome.summary:
        lines.append(outcome.summary)
    if outcome.recorded_by:
        lines.append(f"recorded by {outcome.recorded_by}")
    return lines


def clock_line(clock: cases_pb2.Clock, policy: Policy | None, now: datetime | None = None) -> str:
    """One clock: its state, deadline, calendar time to it and, for a
    business-time clock, the business time left in its calendar's working days."""
    now = now or datetime.now(UTC)
    state = short_name(common_pb2.ClockState, clock.state)
    kind = "regulatory" if clock.regulatory else f"{clock.basis or 'calendar'} time"
    regulation = f", {clock.regulation}" if clock.regulation else ""
    line = f"  {clock.name:<24} {state:<8} ({kind}{regulation})"
    if clock.due_at.seconds:
        due = clock.due_at.ToDatetime(tzinfo=UTC)
        line += f"\n      due {due:%Y-%m-%d %H:%M} UTC"
        if state in ("running", "paused", "breached"):
            left = due - now
            line += (
                f", in {calendar_time(left)}"
                if left.total_seconds() >= 0
                else f", overdue by {calendar_time(left)}"
            )
    if state in ("running", "paused") and clock.basis == "business":
        calendar = calendar_of(clock.calendar, policy)
        day = working_day(calendar, now.date())
        left = clock.business_time_left.ToTimedelta()
        hours = round(day.total_seconds() / 3600, 1)
        line += (
            f"\n      business time left {business_time(left, day)}"
            f" ({clock.calendar or 'default'} calendar, working day {hours:g} h)"
        )
    if clock.pause_reason:
        line += f"\n      paused: {clock.pause_reason}"
    return line
