"""The hotline's "new complaint" form: an agent files what a caller tells them.

Filing looks first: a submit looks up the caller's open complaints
(ListCases by e-mail, phone and CRM reference, within what the agent's scope
lets them see) and, when there are any, shows them with the form as filled
in; only a submit that confirms "file as a new complaint", or one that found
none, calls SubmitComplaint. The form carries an idempotency key made when it
is first shown, so a double click, a reload or a resubmit after a refusal
files one case.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, g, redirect, request
from werkzeug.wrappers.response import Response

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain.regulatory import REGIMES as DATA_REGIMES
from redress.intake.v1 import intake_pb2
from redress.platform.enums import from_short_name
from services.console.apis import Caller, Refusal
from services.console.pages import caller, flash, form, me, page, policy_of
from services.console.queue import CHANNELS, REGIMES

blueprint = Blueprint("hotline", __name__)

# Who takes calls; intake's ACCESS table lets each of them file.
HOTLINE_ROLES = ("agent", "team_lead", "administrator")
# The tag the policy's vulnerable-customer rule looks for, and the one that
# carries the caller's own words (Customer.tags, at most 100 characters each).
VULNERABLE_TAG = "Vulnerable"
VULNERABILITY_PREFIX = "Vulnerability: "
MAX_VULNERABILITY = 100 - len(VULNERABILITY_PREFIX)
DUPLICATES_SHOWN = 20
# The API fields the form has a box for, so that a refusal of any other is listed.
SHOWN = [
    "customer.full_name",
    "customer.email",
    "customer.phone",
    "customer.postal_address",
    "customer.preferred_channel",
    "customer.preferred_language",
    "customer.external_ref",
    "customer.tags",
    "customer",
    "product",
    "sub_product",
    "issue",
    "narrative",
    "desired_outcome",
    "regime",
    "idempotency_key",
]


def complaint_request(problems: dict[str, str]) -> intake_pb2.SubmitComplaintRequest:
    """The complaint as the form holds it; what the console itself cannot read
    goes into `problems`, under the API field it would be."""
    tags = []
    words = " ".join(form("vulnerability").split())
    if words or request.form.get("vulnerable") == "on":
        tags.append(VULNERABLE_TAG)
    if len(words) > MAX_VULNERABILITY:
        problems["customer.tags"] = g.t("at most {n} characters").format(n=MAX_VULNERABILITY)
    elif words:
        tags.append(VULNERABILITY_PREFIX + words)
    lines = [line.strip() for line in request.form.get("address_lines", "").splitlines()]
    address = common_pb2.PostalAddress(
        lines=[line for line in lines if line],
        locality=form("locality"),
        postal_code=form("postal_code"),
        country=form("country").upper(),
    )
    customer = common_pb2.Customer(
        full_name=form("full_name"),
        email=form("email"),
        phone=form("phone"),
        preferred_channel=from_short_name(common_pb2.Channel, form("preferred_channel")),  # type: ignore[arg-type]
        preferred_language=form("preferred_language"),
        external_ref=form("crm_ref"),
        tags=tags,
    )
    if address.lines or address.locality or address.postal_code:
        customer.postal_address.CopyFrom(address)
    return intake_pb2.SubmitComplaintRequest(
        idempotency_key=form("idempotency_key"),
        channel=common_pb2.CHANNEL_PHONE,
        customer=customer,
        product=form("product"),
        sub_product=form("sub_product"),
        issue=form("issue"),
        narrative=request.form.get("narrative", "").strip(),
        desired_outcome=request.form.get("desired_outcome", "").strip(),
        regime=from_short_name(common_pb2.Regime, form("regime")),  # type: ignore[arg-type]
        # Regimes defined as data (e.g. fda_mdr) have no enum value.
        regime_name="" if from_short_name(common_pb2.Regime, form("regime")) else form("regime"),
    )


def open_complaints(person: Caller, customer: common_pb2.Customer) -> list[cases_pb2.Case]:
    """The open cases of the customers the caller's e-mail, phone or CRM
    reference belongs to, newest first, as far as the person may see them."""
    policy = policy_of()
    open_stages = [n for n, s in policy.every_stage().items() if not s.closed] if policy else []
    found: dict[str, cases_pb2.Case] = {}
    for contact in (customer.email, customer.phone, customer.external_ref):
        if not contact:
            continue
        listed = person.cases(
            "ListCases",
            cases_pb2.ListCasesRequest(
                contact=contact,
                stages=open_stages,
                page=common_pb2.PageRequest(page_size=DUPLICATES_SHOWN),
            ),
        )
        for case in listed.cases:
            # Without the policy, a case that was closed is known by its date.
            if open_stages or not case.HasField("closed_at"):
                found.setdefault(case.case_id, case)
    return sorted(found.values(), key=lambda c: c.received_at.seconds, reverse=True)[
        :DUPLICATES_SHOWN
    ]


def form_page(status: int = 200, **context: Any) -> Response:
    policy = policy_of()
    products = sorted(
        {p for rule in policy.classification for p in rule.when.products} if policy else set()
    )
    values = dict(request.form) if request.method == "POST" else {}
    values.setdefault("idempotency_key", f"hotline-{secrets.token_hex(16)}")
    return page(
        "new_complaint.html",
        status,
        values=values,
        products=products,
        channels=[c for c in CHANNELS],
        regimes=list(dict.fromkeys([*REGIMES, *DATA_REGIMES[1:]])),
        shown=SHOWN,
        refusal=context.pop("refusal", None),
        duplicates=context.pop("duplicates", None),
        **context,
    )


def allowed() -> None:
    if not me().has_any(*HOTLINE_ROLES):
        abort(403)


@blueprint.route("/complaints/new")
def new_complaint() -> Response:
    allowed()
    return form_page()


@blueprint.route("/complaints/new", methods=["POST"])
def file_complaint() -> Response:
    allowed()
    problems: dict[str, str] = {}
    complaint = complaint_request(problems)
    if problems:
        return form_page(422, refusal=Refusal.of_fields(problems))
    person = caller()
    confirmed = request.form.get("confirm_new") == "yes" or complaint.idempotency_key in me().filed
    if not confirmed:
        try:
            duplicates = open_complaints(person, complaint.customer)
        except Refusal as err:
            return form_page(422, refusal=err)
        if duplicates or request.form.get("action") == "check":
            return form_page(duplicates=duplicates)
    try:
        filed = person.intake("SubmitComplaint", complaint)
    except Refusal as err:
        return form_page(422, refusal=err)
    me().filed[complaint.idempotency_key] = filed.case_id
    if filed.created:
        flash(
            "ok",
            g.t("Complaint {case_id} filed. Its deadlines are below.").format(
                case_id=filed.case_id
            ),
        )
    else:
        flash("ok", g.t("This form had already filed {case_id}.").format(case_id=filed.case_id))
    return redirect(f"/cases/{filed.case_id}")
