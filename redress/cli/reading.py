"""How the CLI says things to a person: decisions in words, money as money,
clocks' time left in the calendar's terms."""

from __future__ import annotations

from datetime import UTC, datetime

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain.policy import Policy
from redress.platform.enums import short_name
from redress.platform.time_left import business_time, calendar_of, calendar_time, working_day

# Currencies whose minor unit is not a hundredth (ISO 4217). Formatting money
# by locale belongs to redress/domain/money.py (Babel); a terminal shows the
# amount with its currency code, which no reader mistakes.
MINOR_DIGITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3}


def money(amount: common_pb2.Money) -> str:
    """ "1,250.00 GBP": minor units shown in the currency's major unit."""
    digits = MINOR_DIGITS.get(amount.currency, 2)
    value = amount.minor_units / 10**digits
    return f"{value:,.{digits}f} {amount.currency}".strip()


def minor_units(amount: str, currency: str) -> int:
    """ "25" or "25.50" in the currency's major unit, as minor units."""
    digits = MINOR_DIGITS.get(currency.upper(), 2)
    whole, _, fraction = amount.strip().partition(".")
    if not whole.isdigit() or len(fraction) > digits or (fraction and not fraction.isdigit()):
        example = "125" if not digits else "125." + "5" * digits
        raise ValueError(f"an amount such as {example}, not {amount!r}")
    return int(whole) * 10**digits + int(fraction.ljust(digits, "0") or 0)


def decision(value: int) -> str:
    """ "partly upheld", "rejected": the decision as the policy and letters say it."""
    return short_name(cases_pb2.Decision, value).replace("_", " ") or "none"


def outcome_lines(outcome: cases_pb2.Outcome) -> list[str]:
    paid = [
        f"{what} {money(amount)}"
        for what, amount in (("redress", outcome.redress), ("goodwill", outcome.goodwill))
        if amount.minor_units
    ]
    lines = [
        f"{decision(outcome.decision)}, root cause {outcome.root_cause or '-'}; "
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
