"""Regulatory complaint deadlines by regime. Pure: computed from the receipt time.

Conventions:
- Business-day deadlines end at close of business (the end of the last working
  interval) on the n-th business day after receipt, the receipt day being day 0.
- Calendar-day and week deadlines end at midnight at the end of the last
  local day of the period (the instant the next day begins), in the calendar's
  time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from redress.domain.calendars import BusinessCalendar

REGIMES = ("none", "uk_fca", "eu_psd2", "us_cfpb", "au_asic")

# The clock whose deadline is the final response's, per regime; "resolution"
# is the policy's internal clock, used where no regulator sets one.
FINAL_RESPONSE_CLOCK = {
    "uk_fca": "fca_final_response",
    "eu_psd2": "psd2_response",
    "us_cfpb": "cfpb_final_response",
    "au_asic": "asic_idr_response",
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
    regime: str, received_at: datetime, calendar: BusinessCalendar
) -> list[RegulatoryDeadline]:
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}; known: {', '.join(REGIMES)}")
    received = received_at.astimezone(UTC)
    if regime == "uk_fca":
        return [
            RegulatoryDeadline(
                "fca_summary_resolution",
                calendar.end_of_business_day(received, 3),
                "Summary resolution communication by close of business on the third "
                "business day after receipt (receipt day is day 0)",
                "FCA DISP 1.5.1R",
            ),
            RegulatoryDeadline(
                "fca_final_response",
                calendar.end_of_local_day(received, 8 * 7),
                "Final or holding response by the end of eight weeks after receipt",
                "FCA DISP 1.6.2R",
            ),
        ]
    if regime == "eu_psd2":
        return [
            RegulatoryDeadline(
                "psd2_response",
                calendar.end_of_business_day(received, 15),
                "Reply within 15 business days of receipt (or a holding reply giving the "
                "reasons for delay)",
                "PSD2 Art. 101(2)",
            ),
            RegulatoryDeadline(
                "psd2_exceptional_response",
                calendar.end_of_business_day(received, 35),
                "Final reply within 35 business days in exceptional situations",
                "PSD2 Art. 101(2)",
            ),
        ]
    if regime == "us_cfpb":
        return [
            RegulatoryDeadline(
                "cfpb_response",
                calendar.end_of_local_day(received, 15),
                "Respond to the consumer within 15 calendar days",
                "CFPB company response expectations (15 days)",
            ),
            RegulatoryDeadline(
                "cfpb_final_response",
                calendar.end_of_local_day(received, 60),
                "Final response within 60 calendar days when the first was not final",
                "CFPB company response expectations (60 days)",
            ),
        ]
    if regime == "au_asic":
        return [
            RegulatoryDeadline(
                "asic_idr_response",
                calendar.end_of_local_day(received, 30),
                "IDR response within 30 calendar days of receipt",
                "ASIC RG 271.57",
            ),
        ]
    return []
