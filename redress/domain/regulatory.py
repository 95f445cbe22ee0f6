"""Regulatory complaint deadlines by regime. Pure: computed from the receipt time.

Conventions:
- Business-day deadlines end at close of business (the end of the last working
  interval) on the n-th business day after receipt, the receipt day being day 0.
- Calendar-day and week deadlines end at midnight at the end of the last
  local day of the period (the instant the next day begins), in the calendar's
  time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from redress.domain.calendars import BusinessCalendar
from redress.domain.regime_packs import RegimeClock, RegimeDefinition, shipped_regimes

# The regimes of the packs shipped with Redress (redress/domain/regimes/*.yaml);
# a policy may define more in its `regimes` section.
REGIMES = ("none", *shipped_regimes())

# The clock whose deadline is the final response's, per regime; "resolution"
# is the policy's internal clock, used where no regulator sets one.
FINAL_RESPONSE_CLOCK = {
    **{
        name: regime.final_response_clock
        for name, regime in shipped_regimes().items()
        if regime.final_response_clock
    },
    "none": "resolution",
}
SUMMARY_RESOLUTION_CLOCK = "fca_summary_resolution"

# The cause categories of the FCA complaints return (DISP 1 Annex 1R), by
# the key a policy's `disp_cause_categories` names them with. A root cause a
# policy does not map, or none recorded, is "other".
DISP_CAUSE_CATEGORIES = {
    "advising_selling_arranging": "Advising, selling and arranging",
    "terms_disputed_sums_charges": "Terms and disputed sums/charges",
    "general_admin_customer_service": "General admin/customer service",
    "arrears_related": "Arrears related",
    "other": "Other",
}


@dataclass(frozen=True)
class RegulatoryDeadline:
    name: str
    due_at: datetime
    description: str
    regulation: str


def regulatory_deadlines(
    regime: str,
    received_at: datetime,
    calendar: BusinessCalendar,
    defined: Mapping[str, RegimeDefinition] | None = None,
) -> list[RegulatoryDeadline]:
    """The deadlines a complaint's receipt starts under its regime; `defined`
    adds the regimes a policy defines to those shipped."""
    if regime == "none":
        return []
    return [
        _deadline(clock, received_at, calendar)
        for clock in regime_definition(regime, defined).clocks_from("receipt")
    ]


def awareness_deadlines(
    regime: str,
    event_kind: str,
    aware_at: datetime,
    calendar: BusinessCalendar,
    defined: Mapping[str, RegimeDefinition] | None = None,
) -> list[RegulatoryDeadline]:
    """The reporting deadlines that becoming aware of an event of `event_kind`
    starts (e.g. a device malfunction under fda_mdr: 30 calendar days); the
    awareness day is day 0, as the receipt day is for receipt clocks."""
    definition = regime_definition(regime, defined)
    if event_kind not in definition.event_kinds:
        known = ", ".join(definition.event_kinds) or "none"
        raise ValueError(f"{event_kind!r} is not an event kind of {regime}; known: {known}")
    return [
        _deadline(clock, aware_at, calendar)
        for clock in definition.clocks_from("awareness", event_kind)
    ]


def regime_definition(
    regime: str, defined: Mapping[str, RegimeDefinition] | None = None
) -> RegimeDefinition:
    known = {**shipped_regimes(), **(defined or {})}
    if regime not in known:
        raise ValueError(f"unknown regime {regime!r}; known: {', '.join(['none', *known])}")
    return known[regime]


def _deadline(
    clock: RegimeClock, start: datetime, calendar: BusinessCalendar
) -> RegulatoryDeadline:
    start = start.astimezone(UTC)
    if clock.unit == "business_days":
        due = calendar.end_of_business_day(start, clock.length)
    else:
        days = clock.length * 7 if clock.unit == "weeks" else clock.length
        due = calendar.end_of_local_day(start, days)
    return RegulatoryDeadline(clock.name, due, clock.description, clock.regulation)
