"""What a letter sees of a case: the values behind `VARIABLES`, in the letter's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain.money import shown
from redress.platform.enums import short_name
from redress.platform.settings import Env
from redress.platform.status_links import StatusLinks, status_links
from redress.platform.wire import from_timestamp
from services.followup.regulators import FINAL_CLOCK, SUMMARY_CLOCK, referral

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre "
    "noviembre diciembre",
}
# Letters give dates in the regime's home time zone.
ZONES = {
    "uk_fca": "Europe/London",
    "eu_psd2": "Europe/Berlin",
    "us_cfpb": "America/New_York",
    "au_asic": "Australia/Sydney",
    "none": "UTC",
}


@dataclass(frozen=True)
class Firm:
    name: str
    complaints_email: str
    complaints_phone: str
    address: str
    # Link to a case for staff, e.g. "https://console.example.com/cases/{case_id}";
    # {case_id} and {workflow_id} are replaced.
    case_link: str
    # Signs the links to the customer's status page on the public web form;
    # None, or without the form's public URL, letters carry no link.
    status_links: StatusLinks | None = None

    @classmethod
    def from_env(cls, env: Env) -> Firm:
        return cls(
            name=env.string("REDRESS_FIRM_NAME", "Redress Demo Bank"),
            complaints_email=env.string("REDRESS_FIRM_COMPLAINTS_EMAIL", "complaints@example.com"),
            complaints_phone=env.string("REDRESS_FIRM_COMPLAINTS_PHONE", ""),
            address=env.string("REDRESS_FIRM_ADDRESS", ""),
            case_link=env.string("REDRESS_CASE_LINK", "http://127.0.0.1:8090/cases/{case_id}"),
            status_links=status_links(env, public_url_variable="REDRESS_WEBFORM_PUBLIC_URL"),
        )

    def survey_urls(self, case: cases_pb2.Case) -> list[dict[str, str]]:
        if self.status_links is None or not case.case_id:
            return []
        return self.status_links.survey_urls(case.case_id)

    def status_url(self, case: cases_pb2.Case) -> str:
        if self.status_links is None or not case.case_id:
            return ""
        return self.status_links.url(case.case_id)

    def link(self, case: cases_pb2.Case) -> str:
        return self.case_link.replace("{case_id}", case.case_id).replace(
            "{workflow_id}", case.workflow_id
        )


def letter_date(at: datetime, language: str, regime: str, *, end_of_period: bool = False) -> str:
    """A date as a letter writes it. A deadline that ends at local midnight is
    the end of the day before, so it is written as that day."""
    local = at.astimezone(ZoneInfo(ZONES.get(regime, "UTC")))
    if end_of_period and local.hour == 0 and local.minute == 0 and local.second == 0:
        local -= timedelta(microseconds=1)
    return written_day(local.date(), language)


def written_day(day: date, language: str) -> str:
    """A calendar day in the words of the letter's language: 22 June 2027,
    22. Juni 2027, 22 de junio de 2027."""
    months = MONTHS.get(language.split("-")[0], MONTHS["en"]).split()
    month = months[day.month - 1]
    if language.startswith("de"):
        return f"{day.day}. {month} {day.year}"
    if language.startswith("es"):
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"


# `extra` values given as ISO dates (the last reminder's `close_after`, a
# holding response's `expected_by`): a letter writes them like its other
# dates, never 2027-06-22.
DATE_EXTRAS = frozenset({"close_after", "expected_by"})


def _extra_values(extra: dict[str, str], language: str) -> dict[str, str]:
    out = dict(extra)
    for name in DATE_EXTRAS & out.keys():
        try:
            out[name] = written_day(date.fromisoformat(out[name]), language)
        except ValueError:
            pass  # a person's own wording, e.g. "the end of the month"
    return out


def money(value: common_pb2.Money, language: str) -> str:
    """An amount as a reader of the letter's language writes it: £1,250.00,
    1.250,00 €, 45,99 €; "" for none, so that a letter can leave it out."""
    if not value.currency or not value.minor_units:
        return ""
    return shown(value.minor_units, value.currency, language)


def case_context(
    case: cases_pb2.Case, language: str, firm: Firm, extra: dict[str, str]
) -> dict[str, Any]:
    regime = short_name(common_pb2.Regime, case.regime) or "none"
    received = from_timestamp(case.received_at)
    due = {c.name: from_timestamp(c.due_at) for c in case.clocks if c.HasField("due_at")}
    # The regime's final-response clock, else the internal resolution clock.
    final = due.get(FINAL_CLOCK.get(regime, "resolution")) or due.get("resolution")
    deadlines = {
        name: letter_date(at, language, regime, end_of_period=True)
        for name, at in (("final_response", final), ("summary_resolution", due.get(SUMMARY_CLOCK)))
        if at is not None
    }
    ref = referral(regime, language)
    outcome = case.outcome if case.HasField("outcome") else None
    return {
        "case": {
            "case_id": case.case_id,
            "received_at": received.isoformat(),
            "received_date": letter_date(received, language, regime),
            "product": case.product,
            "issue": case.issue,
            "narrative": case.narrative,
            "stage": case.stage,
            "category": case.category,
            "regime": regime,
            "assignee": case.assignee,
            "team": case.team,
            "outcome": outcome.summary if outcome else "",
            # Amounts the outcome recorded, as money in the letter's language.
            "redress": money(outcome.redress, language) if outcome else "",
            "goodwill": money(outcome.goodwill, language) if outcome else "",
            "url": firm.link(case),
            # The customer's own page about the case: "" when the web form is
            # not published, so that a letter leaves the link out.
            "status_url": firm.status_url(case),
            # The satisfaction survey's answer links, one per score (1 to 5):
            # [] when the web form is not published.
            "survey_urls": firm.survey_urls(case),
        },
        "customer": {
            "full_name": case.customer.full_name,
            "email": case.customer.email,
            "preferred_language": case.customer.preferred_language,
        },
        "firm": {
            "name": firm.name,
            "complaints_email": firm.complaints_email,
            "complaints_phone": firm.complaints_phone,
            "address": firm.address,
        },
        "regulator": {
            "name": ref.name,
            "referral_text": ref.referral_text,
            "deadline_text": ref.deadline_text,
        },
        "deadlines": deadlines,
        "extra": _extra_values(extra, language),
    }
