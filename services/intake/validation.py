"""Checking a submitted complaint field by field.

Pure code: a request in, a ComplaintSubmission or every violation out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain.regulatory import REGIMES
from redress.intake.v1 import intake_pb2
from redress.platform.enums import Channel, Regime, choices, short_name
from redress.platform.errors import Violations, checked_time
from redress.platform.requests import EMAIL, LANGUAGE, check_opt_outs, has_control_characters
from workflows.complaint_types import ComplaintSubmission, CustomerInfo, HistoricClosure

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{8,128}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{4,38}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
ATTACHMENT_ID = re.compile(r"^[0-9a-f]{64}$")
SOCIAL_HANDLE = re.compile(r"^[a-z0-9_.-]{1,40}:[^\s\x00-\x1f\x7f]{1,159}$")

LIMITS = {
    "customer.full_name": 200,
    "customer.email": 320,
    "customer.external_ref": 100,
    "product": 200,
    "sub_product": 200,
    "issue": 500,
    "sub_issue": 500,
    "narrative": 32_000,
    "desired_outcome": 4_000,
    "company": 200,
    "external_ref": 100,
    "historic_closure.source_status": 200,
    "historic_closure.closed_at_source": 200,
}
MAX_TAGS, MAX_TAG_LENGTH, MAX_ATTACHMENTS = 20, 100, 50
MAX_ADDRESS_LINES, MAX_ADDRESS_FIELD = 6, 200
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _text(
    violations: Violations,
    field: str,
    value: str,
    *,
    required: bool = False,
    multiline: bool = False,
) -> None:
    if required and not value.strip():
        violations.add(field, "required")
        return
    limit = LIMITS.get(field)
    if limit and len(value) > limit:
        violations.add(field, f"at most {limit} characters (got {len(value)})")
    if has_control_characters(value, multiline):
        violations.add(field, "contains control characters; send plain text")


def fingerprint(request: intake_pb2.SubmitComplaintRequest) -> str:
    """Identifies the complaint's content, independent of field order on the wire."""
    return hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()


def validate_submission(
    request: intake_pb2.SubmitComplaintRequest,
    submitted_by: str,
    default_regime: str,
    now: datetime,
    policy_regimes: Collection[str] = (),
) -> ComplaintSubmission:
    """`policy_regimes`: the regimes the policy in force defines beside the
    shipped ones, which `regime_name` may also name."""
    v = Violations()
    if not request.idempotency_key:
        v.add("idempotency_key", "required: a key unique to this complaint, e.g. a UUID")
    elif not IDEMPOTENCY_KEY.match(request.idempotency_key):
        v.add("idempotency_key", "8 to 128 printable ASCII characters without spaces")

    channel = short_name(Channel, request.channel)
    if not channel:
        v.add("channel", "required: one of " + ", ".join(choices(Channel)))

    if not request.HasField("customer"):
        v.add("customer", "required: the customer's name and a way to contact them")
    c = request.customer
    _text(v, "customer.full_name", c.full_name, required=True)
    has_address = c.HasField("postal_address") and any(
        (c.postal_address.lines, c.postal_address.postal_code)
    )
    if request.HasField("customer") and not (c.email or c.phone or has_address or c.social_handle):
        v.add("customer", "give at least one of email, phone, postal_address or social_handle")
    if c.social_handle and not SOCIAL_HANDLE.match(c.social_handle):
        v.add(
            "customer.social_handle",
            "a platform and a handle, e.g. twitter:@jane_doe: 3 to 200 printable characters "
            "without spaces",
        )
    if c.email:
        _text(v, "customer.email", c.email)
        if not EMAIL.match(c.email):
            v.add("customer.email", f"{c.email[:80]!r} is not an email address")
    if c.phone and not PHONE.match(c.phone):
        v.add("customer.phone", "digits with optional +, spaces, dots, dashes or brackets")
    if c.preferred_language and not LANGUAGE.match(c.preferred_language):
        v.add("customer.preferred_language", "a BCP 47 tag such as en, de or es-MX")
    if c.preferred_channel and not short_name(Channel, c.preferred_channel):
        v.add("customer.preferred_channel", "unknown channel")
    check_opt_outs(v, "customer", c.preferred_channel, c.do_not_contact)
    _text(v, "customer.external_ref", c.external_ref)
    if len(c.tags) > MAX_TAGS:
        v.add("customer.tags", f"at most {MAX_TAGS} tags")
    for i, tag in enumerate(c.tags):
        if not tag.strip() or len(tag) > MAX_TAG_LENGTH or has_control_characters(tag, False):
            v.add(f"customer.tags[{i}]", f"1 to {MAX_TAG_LENGTH} characters of plain text")
    if c.HasField("postal_address"):
        a = c.postal_address
        if len(a.lines) > MAX_ADDRESS_LINES:
            v.add("customer.postal_address.lines", f"at most {MAX_ADDRESS_LINES} lines")
        for name, value in [
            *((f"lines[{i}]", x) for i, x in enumerate(a.lines)),
            ("locality", a.locality),
            ("region", a.region),
            ("postal_code", a.postal_code),
        ]:
            if len(value) > MAX_ADDRESS_FIELD or has_control_characters(value, False):
                v.add(
                    f"customer.postal_address.{name}",
                    f"at most {MAX_ADDRESS_FIELD} characters of plain text",
                )
        if a.country and not COUNTRY.match(a.country):
            v.add("customer.postal_address.country", "an ISO 3166-1 alpha-2 code such as GB")

    for name in ("product", "sub_product", "issue", "sub_issue", "company", "external_ref"):
        _text(v, name, getattr(request, name))
    _text(v, "narrative", request.narrative, required=True, multiline=True)
    _text(v, "desired_outcome", request.desired_outcome, multiline=True)

    regime = short_name(Regime, request.regime) or request.regime_name or default_regime
    if request.regime and not short_name(Regime, request.regime):
        v.add("regime", "unknown regime; one of " + ", ".join(choices(Regime)))
    if request.regime_name and request.regime:
        v.add("regime_name", "give the regime either as `regime` or as `regime_name`, not both")
    elif request.regime_name and request.regime_name not in (*REGIMES, *policy_regimes):
        v.add("regime_name", "unknown regime; one of " + ", ".join((*REGIMES, *policy_regimes)))

    received_at = now
    if request.HasField("received_at"):
        try:
            received_at = request.received_at.ToDatetime(tzinfo=UTC)
        except (ValueError, OverflowError):
            v.add("received_at", "not a valid time")
        else:
            if received_at > now + CLOCK_SKEW:
                v.add("received_at", "is in the future; leave unset for now")
            elif received_at < EARLIEST:
                v.add("received_at", f"before {EARLIEST.date()}; check the date")

    if len(request.attachment_ids) > MAX_ATTACHMENTS:
        v.add("attachment_ids", f"at most {MAX_ATTACHMENTS} attachments")
    for i, attachment in enumerate(request.attachment_ids):
        if not ATTACHMENT_ID.match(attachment):
            v.add(f"attachment_ids[{i}]", "a sha256 content address: 64 lowercase hex digits")

    closure = _closure(v, request, received_at, now)
    v.raise_if_any()
    address = c.postal_address
    return ComplaintSubmission(
        idempotency_key=request.idempotency_key,
        submitted_by=submitted_by,
        channel=channel,
        customer=CustomerInfo(
            full_name=c.full_name.strip(),
            email=c.email.strip(),
            phone=c.phone.strip(),
            address_lines=list(address.lines),
            locality=address.locality,
            region=address.region,
            postal_code=address.postal_code,
            country=address.country,
            preferred_channel=short_name(Channel, c.preferred_channel),
            preferred_language=c.preferred_language,
            external_ref=c.external_ref,
            tags=list(c.tags),
            do_not_contact=[short_name(Channel, x) for x in c.do_not_contact],
            no_surveys=c.no_surveys,
            social_handle=c.social_handle.strip(),
        ),
        narrative=request.narrative,
        regime=regime,
        received_at=received_at,
        fingerprint=fingerprint(request),
        product=request.product,
        sub_product=request.sub_product,
        issue=request.issue,
        sub_issue=request.sub_issue,
        desired_outcome=request.desired_outcome,
        company=request.company,
        external_ref=request.external_ref,
        historic=request.historic,
        closure=closure,
        attachment_ids=list(request.attachment_ids),
        priority=short_name(common_pb2.Priority, common_pb2.PRIORITY_NORMAL),
    )


def _closure(
    v: Violations, request: intake_pb2.SubmitComplaintRequest, received_at: datetime, now: datetime
) -> HistoricClosure | None:
    if not request.HasField("historic_closure"):
        return None
    field = "historic_closure"
    closure = request.historic_closure
    if not request.historic:
        v.add(field, "only for a historic complaint (historic: true)")
    _text(v, f"{field}.source_status", closure.source_status, required=True)
    _text(v, f"{field}.closed_at_source", closure.closed_at_source)
    decision = short_name(cases_pb2.Decision, closure.decision)
    if not decision:
        v.add(f"{field}.decision", "required: one of " + ", ".join(choices(cases_pb2.Decision)))
    closed_at = None
    if not closure.HasField("closed_at"):
        v.add(f"{field}.closed_at", "required: when the complaint was closed")
    else:
        closed_at = checked_time(v, f"{field}.closed_at", closure.closed_at)
        if closed_at is not None and closed_at < received_at:
            v.add(f"{field}.closed_at", "is before received_at")
        elif closed_at is not None and closed_at > now + CLOCK_SKEW:
            v.add(f"{field}.closed_at", "is in the future")
    if closed_at is None or not decision:
        return None
    return HistoricClosure(
        decision=decision,
        source_status=closure.source_status,
        closed_at=closed_at,
        closed_at_source=closure.closed_at_source,
    )
