"""The case as a webhook event carries it, for a CRM to create its own record.

A webhook names the groups of case fields it wants (Webhook.case_fields);
the values are read from the case when the event is sent, so a CRM that
receives an old event late still gets the case as it stands, and nothing
personal is kept in the delivery log. Personal data is minimised by default:
the customer's contact details and the narrative (the customer's own words,
often health or money troubles) go only to webhooks that name them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.platform.enums import Channel, Priority, Regime, short_name

CASE_FIELD_GROUPS = (
    "reference",
    "stage",
    "priority",
    "product",
    "issue",
    "regime",
    "deadlines",
    "link",
    "customer",
    "narrative",
)
# Sent only to a webhook that names them.
PERSONAL_GROUPS = ("customer", "narrative")
DEFAULT_GROUPS = tuple(g for g in CASE_FIELD_GROUPS if g not in PERSONAL_GROUPS)
NONE = "none"


def case_field_problems(groups: Sequence[str]) -> list[tuple[int, str]]:
    """(index, what to fix) for each group a webhook may not ask for."""
    problems = []
    for i, group in enumerate(groups):
        if group == NONE and len(groups) > 1:
            problems.append((i, '"none" stands alone: it sends no case fields at all'))
        elif group not in (*CASE_FIELD_GROUPS, NONE):
            problems.append((i, "one of " + ", ".join((*CASE_FIELD_GROUPS, NONE))))
    if len(set(groups)) != len(groups):
        problems.append((len(groups) - 1, "each group once"))
    return problems


def chosen_groups(configured: Sequence[str]) -> tuple[str, ...]:
    if list(configured) == [NONE]:
        return ()
    return tuple(configured) or DEFAULT_GROUPS


def _time(stamp: Timestamp) -> str | None:
    if not stamp.seconds and not stamp.nanos:
        return None
    return stamp.ToDatetime().strftime("%Y-%m-%dT%H:%M:%SZ")


def event_case(case: cases_pb2.Case, configured: Sequence[str], link: str) -> dict[str, Any]:
    """The "case" object of an event for a webhook configured with `configured`."""
    groups = chosen_groups(configured)
    out: dict[str, Any] = {}
    if "reference" in groups:
        out["case_id"] = case.case_id
        out["external_ref"] = case.external_ref
        out["company"] = case.company
        out["channel"] = short_name(Channel, case.channel)
        out["received_at"] = _time(case.received_at)
    if "stage" in groups:
        out["stage"] = case.stage
        out["resolved_at"] = _time(case.resolved_at)
        out["closed_at"] = _time(case.closed_at)
    if "priority" in groups:
        out["priority"] = short_name(Priority, case.priority)
        out["escalation_level"] = case.escalation_level
    if "product" in groups:
        out["product"] = case.product
        out["sub_product"] = case.sub_product
    if "issue" in groups:
        out["issue"] = case.issue
        out["sub_issue"] = case.sub_issue
        out["category"] = case.category
        if case.complaint_type:
            out["complaint_type"] = case.complaint_type
    if "regime" in groups:
        out["regime"] = case.regime_name or short_name(Regime, case.regime)
    if "deadlines" in groups:
        out["next_deadline"] = _time(case.next_deadline)
        out["breached"] = case.breached
        out["clocks"] = [
            {
                "name": clock.name,
                "state": short_name(common_pb2.ClockState, clock.state),
                "regulatory": clock.regulatory,
                "regulation": clock.regulation,
                "due_at": _time(clock.due_at),
                "breached_at": _time(clock.breached_at),
            }
            for clock in case.clocks
        ]
    if "link" in groups:
        out["link"] = link
    if "customer" in groups:
        # After an erasure the case holds no contact details: none are sent.
        out["customer"] = {
            "full_name": case.customer.full_name,
            "email": case.customer.email,
            "phone": case.customer.phone,
            "customer_id": case.customer_id,
            "preferred_language": case.customer.preferred_language,
        }
    if "narrative" in groups:
        out["narrative"] = case.narrative
        out["desired_outcome"] = case.desired_outcome
    return out
