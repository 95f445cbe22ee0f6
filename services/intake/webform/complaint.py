"""The complaint form's fields, the SubmitComplaint request made from them,
and intake's refusals put back next to the fields they are about."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from redress.common.v1 import common_pb2
from redress.intake.v1 import intake_pb2

# The tag the policy's vulnerable-customer rule looks for, and the one that
# carries the start of the customer's own words (Customer.tags hold at most
# 100 characters each); the whole of their words goes with the narrative.
VULNERABLE_TAG = "Vulnerable"
VULNERABILITY_PREFIX = "Vulnerability: "
MAX_VULNERABILITY = 2_000
CONTACT_CHANNELS = {
    "email": common_pb2.CHANNEL_EMAIL,
    "post": common_pb2.CHANNEL_POSTAL,
    "phone": common_pb2.CHANNEL_PHONE,
}
REGIMES = {
    "uk_fca": common_pb2.REGIME_UK_FCA,
    "eu_psd2": common_pb2.REGIME_EU_PSD2,
    "us_cfpb": common_pb2.REGIME_US_CFPB,
    "au_asic": common_pb2.REGIME_AU_ASIC,
}
# The form's fields in the order they appear (the error summary follows it).
FIELDS = (
    "narrative",
    "desired_outcome",
    "product",
    "regime",
    "full_name",
    "email",
    "phone",
    "address_lines",
    "postal_code",
    "locality",
    "contact",
    "preferred_channel",
    "vulnerability",
    "documents",
)
# Intake's field paths (intake.proto) -> the form's field.
API_FIELDS = {
    "narrative": "narrative",
    "desired_outcome": "desired_outcome",
    "product": "product",
    "regime": "regime",
    "customer.full_name": "full_name",
    "customer.email": "email",
    "customer.phone": "phone",
    "customer.postal_address.postal_code": "postal_code",
    "customer.postal_address.locality": "locality",
    "customer.postal_address": "address_lines",
    "customer.preferred_channel": "preferred_channel",
    "customer.tags": "vulnerability",
    "customer": "contact",
}


@dataclass
class FormProblems:
    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, text: str) -> None:
        self.by_field.setdefault(name, text)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def ordered(self) -> list[tuple[str, str]]:
        known = [(f, self.by_field[f]) for f in FIELDS if f in self.by_field]
        return known + [(f, t) for f, t in self.by_field.items() if f not in FIELDS]


def _text(values: Mapping[str, str], name: str) -> str:
    return " ".join(str(values.get(name, "")).split())


def _long_text(values: Mapping[str, str], name: str) -> str:
    return str(values.get(name, "")).replace("\r\n", "\n").strip()


def complaint_request(
    values: Mapping[str, str], key: str, language: str, products: list[str]
) -> tuple[intake_pb2.SubmitComplaintRequest, FormProblems]:
    """The complaint as the form holds it, and what the form itself can tell
    is wrong before intake is asked (choices not offered, a contact channel
    chosen without its address). Everything else is intake's to check."""
    problems = FormProblems()
    narrative = _long_text(values, "narrative")
    words = _long_text(values, "vulnerability")
    if len(words) > MAX_VULNERABILITY:
        problems.add("vulnerability", f"too_long:{MAX_VULNERABILITY}")
    tags = []
    if words:
        tags = [VULNERABLE_TAG, (VULNERABILITY_PREFIX + " ".join(words.split()))[:100]]
        # The customer's own words, whole, where staff read the complaint.
        narrative = f"{narrative}\n\n[The customer's circumstances, in their words]\n{words}"
    product = _text(values, "product")
    if product and product not in products:
        problems.add("product", "choice")
    regime = _text(values, "regime")
    if regime and regime not in REGIMES:
        problems.add("regime", "choice")
    preferred = _text(values, "preferred_channel")
    if preferred and preferred not in CONTACT_CHANNELS:
        problems.add("preferred_channel", "choice")
    lines = [
        " ".join(line.split())
        for line in str(values.get("address_lines", "")).splitlines()
        if line.strip()
    ]
    address = common_pb2.PostalAddress(
        lines=lines, postal_code=_text(values, "postal_code"), locality=_text(values, "locality")
    )
    email, phone = _text(values, "email"), _text(values, "phone")
    if preferred == "email" and not email:
        problems.add("email", "needed_for_email")
    if preferred == "phone" and not phone:
        problems.add("phone", "needed_for_phone")
    if preferred == "post" and not (lines and address.postal_code):
        problems.add("address_lines", "needed_for_post")
    customer = common_pb2.Customer(
        full_name=_text(values, "full_name"),
        email=email,
        phone=phone,
        preferred_channel=CONTACT_CHANNELS.get(preferred, 0),  # type: ignore[arg-type]
        preferred_language=language,
        tags=tags,
    )
    if lines or address.postal_code or address.locality:
        customer.postal_address.CopyFrom(address)
    request = intake_pb2.SubmitComplaintRequest(
        idempotency_key=key,
        channel=common_pb2.CHANNEL_WEB,
        customer=customer,
        product=product,
        narrative=narrative if _long_text(values, "narrative") else "",
        desired_outcome=_long_text(values, "desired_outcome"),
        regime=REGIMES.get(regime, 0),  # type: ignore[arg-type]
    )
    return request, problems


_AT_MOST = re.compile(r"at most (\d+) characters")


def customer_wording(form_field: str, description: str) -> str:
    """Intake's description of a problem as a code `message_for` turns into
    the customer's words."""
    lowered = description.lower()
    if lowered.startswith("required"):
        return f"required:{form_field}"
    found = _AT_MOST.search(lowered)
    if found:
        return f"too_long:{found.group(1)}"
    if "control characters" in lowered:
        return "plain_text"
    if form_field == "email":
        return "email"
    if form_field == "phone":
        return "phone"
    if form_field == "contact":
        return "contact"
    return "check"


def from_violations(violations: list[tuple[str, str]]) -> FormProblems:
    """Intake's field violations, each on the form field it is about; a field
    the form has no box for is reported on the form as a whole."""
    problems = FormProblems()
    for api_field, description in violations:
        name = API_FIELDS.get(api_field)
        if name is None:
            prefix = next((p for p in API_FIELDS if api_field.startswith(p + ".")), None)
            prefix = prefix or next((p for p in API_FIELDS if api_field.startswith(p + "[")), None)
            name = API_FIELDS[prefix] if prefix else "form"
        problems.add(name, customer_wording(name, description))
    return problems


REQUIRED_WORDS = {
    "narrative": "Tell us what happened.",
    "full_name": "Enter your full name.",
}


def message_for(code: str, t: Callable[[str], str]) -> str:
    """A problem code (from this form or intake) in the customer's words."""
    kind, _, detail = code.partition(":")
    if kind == "required":
        return t(REQUIRED_WORDS.get(detail, "Please check this answer."))
    if kind == "too_long":
        return t("This is too long: at most {n} characters.").format(n=detail)
    if kind == "text":
        return detail
    return t(
        {
            "plain_text": "Please use plain text.",
            "email": "Enter an email address like name@example.com.",
            "phone": "Enter a phone number using digits, with + and spaces if you like.",
            "contact": "Give an email address, a phone number or a postal address.",
            "needed_for_email": "To be contacted by email, give your email address.",
            "needed_for_phone": "To be contacted by phone, give your phone number.",
            "needed_for_post": "To be contacted by post, give your postal address and postcode.",
            "form": "We could not accept this form as sent.",
        }.get(kind, "Please check this answer.")
    )
