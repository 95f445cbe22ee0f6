"""What the public web form gets of a case: what its customer may see.

The web form (role web_form) reads a case only with the customer's status
link (redress/platform/status_links.py); even then it gets no notes, no
audit trail, no subtasks or links, no assignee, team, priority, category or
escalation, no rules or policy, no staff reminders, and only the regulatory
clocks; the customer's own survey answer, so that the page can thank them
for it rather than ask again. A web form
process that was broken into reveals no more than its customers' own pages.
"""

from __future__ import annotations

from redress.cases.v1 import cases_pb2
from redress.platform.auth import Principal
from redress.platform.status_links import WEB_FORM_ROLE

# The roles that read a case in full (services/cases/servicer.py, READERS).
_FULL_READERS = frozenset({"agent", "team_lead", "manager", "administrator", "auditor", "service"})


def for_customer_only(principal: Principal) -> bool:
    return WEB_FORM_ROLE in principal.roles and not principal.roles & _FULL_READERS


def customer_view(case: cases_pb2.Case) -> cases_pb2.Case:
    shown = cases_pb2.Case(
        case_id=case.case_id,
        stage=case.stage,
        channel=case.channel,
        customer=case.customer,
        product=case.product,
        sub_product=case.sub_product,
        issue=case.issue,
        sub_issue=case.sub_issue,
        narrative=case.narrative,
        desired_outcome=case.desired_outcome,
        regime=case.regime,
        company=case.company,
        attachment_ids=case.attachment_ids,
        clocks=[c for c in case.clocks if c.regulatory],
    )
    for name in (
        "received_at",
        "created_at",
        "updated_at",
        "resolved_at",
        "closed_at",
        "customer_erased_at",
        "satisfaction",
    ):
        if case.HasField(name):
            getattr(shown, name).CopyFrom(getattr(case, name))
    regulatory = [
        c.due_at for c in shown.clocks if c.HasField("due_at") and not c.HasField("stopped_at")
    ]
    if regulatory:
        shown.next_deadline.CopyFrom(min(regulatory, key=lambda t: (t.seconds, t.nanos)))
    for clock in shown.clocks:
        clock.ClearField("pause_reason")
        clock.ClearField("warned_at")
    return shown
