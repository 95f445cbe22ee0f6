"""A closed historic complaint as its workflow would have stored it, made
without one (ImportClosedComplaints, and SubmitComplaint for such a
complaint).

A complaint its source records as closed has no timer left to run: its
workflow's whole life would be its first step (classification, complaint
type, clocks from receipt, breaches at their deadlines, the outcome, the
closed stage) and then ending, its reopening window long gone. The same
domain rules run here, on the same policy in force, and give the same case
and the same audit trail (docs/lifecycle.md, "Historic complaints"); what a
workflow would also do, hand a case.created event to the webhooks, is not
done for records of the past.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from redress.cases.v1 import cases_pb2
from redress.domain.complaint import Complaint, Features
from redress.domain.complaint_state import ComplaintState, ComplaintSubmission, PolicyDocument
from workflows.activities import case_request, change_request
from workflows.complaint_types import RecordChangeInput, StoreCaseInput

# The features of a complaint whose workflow starts today (each of its
# `workflow.patched` answers is True).
TODAY = Features(
    followups=True,
    alerts=True,
    suggestions=True,
    stop_breached_clocks=True,
    historic_closure=True,
    missed_warnings=True,
    unowned=True,
)


def is_closed_history(submission: ComplaintSubmission) -> bool:
    return submission.historic and submission.closure is not None


def import_change_id(workflow_id: str, submission: ComplaintSubmission) -> str:
    """The change that files a closed complaint, named by its content, so that
    a key filed again with other content is told apart from a retry."""
    return f"{workflow_id}/import/{submission.fingerprint[:32]}"


def closed_case(
    workflow_id: str, submission: ComplaintSubmission, policy: PolicyDocument, now: datetime
) -> cases_pb2.ClosedCase:
    """The case and its first change, as ComplaintWorkflow's receipt makes
    them (workflows/complaint.py, `_receive`), for a closed historic complaint."""
    assert is_closed_history(submission)
    state = ComplaintState(priority=submission.priority)
    complaint = Complaint(submission, state, workflow_id, dataclasses.replace(TODAY))
    complaint.adopt_policy(policy)
    complaint.features.vigilance = complaint.is_awareness_regime()
    classified, submission = complaint.classify(submission)
    chosen = complaint.choose_type() if complaint.base_rules.types else None
    case = case_request(
        StoreCaseInput(
            workflow_id=workflow_id,
            submission=submission,
            stage=state.stage,
            policy_id=policy.policy_id,
            policy_version=policy.version,
            complaint_type=state.complaint_type,
        )
    )
    complaint.receive(submission, classified, now, regime_calendars=True, type_chosen=chosen)
    change = complaint.take_change(now)
    assert change is not None  # a receipt always records its clocks
    recorded = change_request(
        RecordChangeInput(
            case_id="",
            change_id=import_change_id(workflow_id, submission),
            state=change.state,
            audit=change.audit,
            notes=change.notes,
        )
    )
    return cases_pb2.ClosedCase(case=case, change=recorded)
