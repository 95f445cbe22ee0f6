"""Complaints for unit tests: the shipped policy, received at a known instant,
with nothing running but the domain code."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from redress.domain.complaint import Complaint, Features
from redress.domain.complaint_state import (
    AuditDraft,
    ComplaintState,
    ComplaintSubmission,
    CustomerInfo,
    PolicyDocument,
)
from redress.domain.policy import Policy

LONDON = ZoneInfo("Europe/London")
SHIPPED = Path(__file__).resolve().parents[2] / "redress/domain/default_policy.yaml"
EVERYTHING = Features(
    followups=True,
    alerts=True,
    suggestions=True,
    stop_breached_clocks=True,
    historic_closure=True,
    missed_warnings=True,
)
WORKFLOW_ID = "complaint-key-1"
CASE_ID = "CASE-1"


def policy_document(**changes: object) -> PolicyDocument:
    """The shipped policy, with top-level keys replaced by `changes`."""
    document = yaml.safe_load(SHIPPED.read_text())
    document.update(changes)
    text = yaml.safe_dump(document, sort_keys=False)
    Policy.load(text)  # the checks an administrator's policy goes through
    return PolicyDocument(document["id"], str(document["version"]), text)


SHIPPED_POLICY = PolicyDocument("standard", "2026.12.1", SHIPPED.read_text())


def submission(
    received: datetime, regime: str = "uk_fca", **changes: object
) -> ComplaintSubmission:
    fields: dict[str, object] = {
        "idempotency_key": "key-1",
        "submitted_by": "web-form",
        "channel": "web",
        "customer": CustomerInfo(full_name="Ada Lovelace", email="ada@example.org"),
        "narrative": "I was charged an arrangement fee I was never told about.",
        "regime": regime,
        "received_at": received,
        "fingerprint": "f" * 64,
    }
    fields.update(changes)
    return ComplaintSubmission(**fields)  # type: ignore[arg-type]


def received(
    at: datetime,
    regime: str = "uk_fca",
    *,
    features: Features = EVERYTHING,
    document: PolicyDocument = SHIPPED_POLICY,
    filed: datetime | None = None,
    **changes: object,
) -> Complaint:
    """A complaint received `at` (and, for a historic one, filed `filed`),
    stored as CASE-1 and its receipt recorded; the receipt's drafts are taken."""
    complaint = Complaint(
        submission(at, regime, **changes), ComplaintState(), WORKFLOW_ID, features
    )
    complaint.adopt_policy(document)
    complaint.state.case_id = CASE_ID
    complaint.receive(complaint.submission, None, filed or at, regime_calendars=True)
    complaint.take_change(filed or at)
    complaint.take_message_requested()
    return complaint


def audit(complaint: Complaint) -> list[AuditDraft]:
    """The audit drafts since the last look."""
    return complaint.trail.take()


def actions(complaint: Complaint) -> list[tuple[str, str]]:
    """(action, field) of each audit draft since the last look."""
    return [(d.action, d.field) for d in audit(complaint)]


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]
