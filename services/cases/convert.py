"""Protobuf messages <-> the store's records, for the cases servicer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.db.tables.cases import (
    AuditEvent,
    Case,
    CaseAttachment,
    CaseClock,
    Customer,
    Note,
    Outcome,
    Subtask,
)
from redress.domain.calendars import BusinessCalendar, preset
from redress.domain.priority import DEFAULT_PRIORITY, priority_name, priority_rank
from redress.platform.enums import Channel, Priority, Regime, from_short_name, short_name
from redress.platform.wire import duration, from_timestamp
from redress.platform.wire import optional_timestamp as timestamp
from services.cases.store import (
    CONTACT_FIELDS,
    Actor,
    AuditDraft,
    CaseChange,
    CaseView,
    CustomerDetails,
    NewCase,
    audit_entry,
    case_contact,
)
from services.cases.vigilance import RegulatoryReportRow


def customer_details(message: common_pb2.Customer) -> CustomerDetails:
    address = message.postal_address
    return CustomerDetails(
        full_name=message.full_name,
        email=message.email,
        phone=message.phone,
        postal_address=(
            {
                "lines": list(address.lines),
                "locality": address.locality,
                "region": address.region,
                "postal_code": address.postal_code,
                "country": address.country,
            }
            if message.HasField("postal_address")
            else {}
        ),
        preferred_channel=short_name(Channel, message.preferred_channel),
        preferred_language=message.preferred_language,
        external_ref=message.external_ref,
        tags=tuple(message.tags),
        do_not_contact=tuple(short_name(Channel, x) for x in message.do_not_contact),
        no_surveys=message.no_surveys,
        social_handle=message.social_handle,
    )


def new_case(request: cases_pb2.CreateCaseRequest) -> NewCase:
    return NewCase(
        workflow_id=request.workflow_id,
        idempotency_key=request.idempotency_key,
        submitted_by=request.submitted_by,
        customer=customer_details(request.customer),
        channel=short_name(Channel, request.channel),
        priority=priority_rank(short_name(Priority, request.priority) or DEFAULT_PRIORITY),
        stage=request.stage or "received",
        regime=short_name(Regime, request.regime) or request.regime_name or "none",
        narrative=request.narrative,
        received_at=from_timestamp(request.received_at),
        product=request.product,
        sub_product=request.sub_product,
        issue=request.issue,
        sub_issue=request.sub_issue,
        desired_outcome=request.desired_outcome,
        company=request.company,
        external_ref=request.external_ref,
        category=request.category,
        policy_id=request.policy_id,
        policy_version=request.policy_version,
        attachment_ids=tuple(request.attachment_ids),
        complaint_type=request.complaint_type,
    )


def customer_message(customer: Customer) -> common_pb2.Customer:
    """The customer record as held."""
    return details_message({name: getattr(customer, name) for name in CONTACT_FIELDS})


def details_message(details: dict[str, Any]) -> common_pb2.Customer:
    """A customer's details (the record's, or a case's contact) by field name."""
    address = details["postal_address"] or {}
    message = common_pb2.Customer(
        full_name=details["full_name"],
        email=details["email"],
        phone=details["phone"],
        preferred_channel=from_short_name(Channel, details["preferred_channel"]),  # type: ignore[arg-type]
        preferred_language=details["preferred_language"],
        external_ref=details["external_ref"],
        tags=list(details["tags"] or []),
        do_not_contact=[from_short_name(Channel, x) for x in details["do_not_contact"] or []],  # type: ignore[misc]
        no_surveys=bool(details["no_surveys"]),
        social_handle=details.get("social_handle") or "",
    )
    if address:
        message.postal_address.CopyFrom(
            common_pb2.PostalAddress(
                lines=address.get("lines", []),
                locality=address.get("locality", ""),
                region=address.get("region", ""),
                postal_code=address.get("postal_code", ""),
                country=address.get("country", ""),
            )
        )
    return message


def audit_message(event: AuditEvent) -> cases_pb2.AuditEvent:
    return cases_pb2.AuditEvent(
        sequence=event.sequence,
        recorded_at=timestamp(event.recorded_at),
        actor=common_pb2.Actor(
            kind=from_short_name(common_pb2.ActorKind, event.actor_kind),  # type: ignore[arg-type]
            id=event.actor_id,
            rule_version=event.rule_version,
        ),
        action=event.action,
        field=event.field,
        old_value=event.old_value,
        new_value=event.new_value,
        cause=event.cause,
        hash=event.hash,
        previous_hash=event.previous_hash,
        hash_scheme=event.hash_scheme or 1,
        erased_values=audit_entry(event).erased(),
    )


def time_left(
    clock: CaseClock, now: datetime, calendars: Callable[[str], BusinessCalendar] | None = None
) -> float:
    """Seconds of the clock's own time left: business time in its calendar, or calendar time.

    `calendars` finds a calendar by name: the case's policy's own calendars,
    then the presets.
    """
    if clock.state == "paused":
        return clock.remaining_seconds
    if clock.state != "running" or clock.due_at is None or clock.due_at <= now:
        return 0.0
    if clock.basis == "business" and clock.calendar:
        calendar = (calendars or preset)(clock.calendar)
        return calendar.business_time_between(now, clock.due_at).total_seconds()
    return (clock.due_at - now).total_seconds()


def clock_message(
    clock: CaseClock, now: datetime, calendars: Callable[[str], BusinessCalendar] | None = None
) -> cases_pb2.Clock:
    return cases_pb2.Clock(
        name=clock.name,
        state=from_short_name(common_pb2.ClockState, clock.state),  # type: ignore[arg-type]
        regulatory=clock.regulatory,
        started_at=timestamp(clock.started_at),
        due_at=timestamp(clock.due_at),
        business_time_left=duration(time_left(clock, now, calendars)),
        paused_for=duration(clock.paused_seconds),
        pause_reason=clock.pause_reason,
        stopped_at=timestamp(clock.stopped_at),
        calendar=clock.calendar,
        basis=clock.basis,
        breached_at=timestamp(clock.breached_at),
        regulation=clock.regulation,
        description=clock.description,
        remaining=duration(clock.remaining_seconds),
        warned_at=timestamp(clock.warned_at),
    )


def subtask_message(subtask: Subtask) -> cases_pb2.Subtask:
    return cases_pb2.Subtask(
        subtask_id=subtask.subtask_id,
        title=subtask.title,
        description=subtask.description,
        assignee=subtask.assignee,
        team=subtask.team,
        due_at=timestamp(subtask.due_at),
        state=from_short_name(cases_pb2.SubtaskState, subtask.state),  # type: ignore[arg-type]
        created_at=timestamp(subtask.created_at),
        completed_at=timestamp(subtask.completed_at),
    )


def outcome_message(outcome: Outcome) -> cases_pb2.Outcome:
    return cases_pb2.Outcome(
        decision=from_short_name(cases_pb2.Decision, outcome.decision),  # type: ignore[arg-type]
        redress=common_pb2.Money(
            currency=outcome.redress_currency, minor_units=outcome.redress_minor
        ),
        goodwill=common_pb2.Money(
            currency=outcome.goodwill_currency, minor_units=outcome.goodwill_minor
        ),
        root_cause=outcome.root_cause,
        summary=outcome.summary,
        recorded_at=timestamp(outcome.recorded_at),
        recorded_by=outcome.recorded_by,
        outcome=outcome.outcome,
    )


def attachment_message(row: CaseAttachment) -> cases_pb2.Attachment:
    return cases_pb2.Attachment(
        attachment_id=row.attachment_id,
        case_id=row.case_id,
        filename=row.filename,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        source=row.source,
        added_by=row.added_by,
        added_at=timestamp(row.added_at),
    )


def note_message(note: Note) -> cases_pb2.Note:
    return cases_pb2.Note(
        note_id=note.note_id,
        author=note.author,
        customer_visible=note.customer_visible,
        body=note.body,
        created_at=timestamp(note.created_at),
    )


def full_case_message(
    view: CaseView, calendars: Callable[[str], BusinessCalendar] | None = None
) -> cases_pb2.Case:
    message = case_message(view.case, view.customer, view.events)
    now = datetime.now(UTC)
    message.clocks.extend(clock_message(c, now, calendars) for c in view.clocks)
    message.subtasks.extend(subtask_message(s) for s in view.subtasks)
    message.notes.extend(note_message(n) for n in view.notes)
    message.links.extend(
        cases_pb2.CaseLink(
            kind=cases_pb2.LinkKind.Value("LINK_KIND_" + link.kind.upper()),  # type: ignore[arg-type]
            other_case_id=link.other_case_id,
            linked_at=timestamp(link.linked_at),
            linked_by=link.linked_by,
        )
        for link in view.links
    )
    if view.outcome is not None:
        message.outcome.CopyFrom(outcome_message(view.outcome))
    message.note_count = view.note_count
    message.audit_event_count = view.audit_event_count
    message.subtask_count = len(view.subtasks)
    message.link_count = len(view.links)
    return message


def case_message(
    case: Case, customer: Customer, events: list[AuditEvent] | None = None
) -> cases_pb2.Case:
    return cases_pb2.Case(
        case_id=case.case_id,
        workflow_id=case.workflow_id,
        stage=case.stage,
        priority=from_short_name(Priority, priority_name(case.priority)),  # type: ignore[arg-type]
        channel=from_short_name(Channel, case.channel),  # type: ignore[arg-type]
        customer_id=customer.id,
        # Whom this case writes to and how: the details its complaint gave.
        customer=details_message(case_contact(case)),
        customer_record=customer_message(customer),
        product=case.product,
        sub_product=case.sub_product,
        issue=case.issue,
        sub_issue=case.sub_issue,
        narrative=case.narrative,
        desired_outcome=case.desired_outcome,
        regime=from_short_name(Regime, case.regime),  # type: ignore[arg-type]
        regime_name=case.regime,
        company=case.company,
        external_ref=case.external_ref,
        category=case.category,
        assignee=case.assignee,
        team=case.team,
        escalation_level=case.escalation_level,
        policy_id=case.policy_id,
        policy_version=case.policy_version,
        complaint_type=case.complaint_type,
        received_at=timestamp(case.received_at),
        created_at=timestamp(case.created_at),
        updated_at=timestamp(case.updated_at),
        resolved_at=timestamp(case.resolved_at),
        closed_at=timestamp(case.closed_at),
        next_deadline=timestamp(case.next_deadline),
        breached=case.breached,
        attachment_ids=list(case.attachment_ids or []),
        audit_events=[audit_message(e) for e in events or []],
        idempotency_key=case.idempotency_key,
        customer_erased_at=timestamp(customer.erased_at),
    )


def _ts_or_none(holder: object, name: str) -> datetime | None:
    return from_timestamp(getattr(holder, name)) if holder.HasField(name) else None  # type: ignore[attr-defined]


def case_change(request: cases_pb2.RecordCaseChangeRequest, caller: Actor) -> CaseChange:
    """A workflow's report of a change, as the store applies it."""
    fields = {
        "stage": request.stage,
        "priority": priority_rank(short_name(Priority, request.priority)),
        "assignee": request.assignee,
        "team": request.team,
        "category": request.category,
        "escalation_level": request.escalation_level,
        "next_deadline": _ts_or_none(request, "next_deadline"),
        "breached": request.breached,
        "resolved_at": _ts_or_none(request, "resolved_at"),
        "closed_at": _ts_or_none(request, "closed_at"),
    }
    if request.complaint_type:
        fields["complaint_type"] = request.complaint_type
    clocks = [
        {
            "name": c.name,
            "state": short_name(common_pb2.ClockState, c.state) or "running",
            "regulatory": c.regulatory,
            "basis": c.basis,
            "calendar": c.calendar,
            "regulation": c.regulation,
            "description": c.description,
            "started_at": _ts_or_none(c, "started_at"),
            "due_at": _ts_or_none(c, "due_at"),
            "remaining_seconds": c.remaining.ToTimedelta().total_seconds(),
            "paused_seconds": c.paused_for.ToTimedelta().total_seconds(),
            "pause_reason": c.pause_reason,
            "stopped_at": _ts_or_none(c, "stopped_at"),
            "breached_at": _ts_or_none(c, "breached_at"),
        }
        for c in request.clocks
    ]
    subtasks = [
        {
            "subtask_id": t.subtask_id,
            "title": t.title,
            "description": t.description,
            "assignee": t.assignee,
            "team": t.team,
            "due_at": _ts_or_none(t, "due_at"),
            "state": short_name(cases_pb2.SubtaskState, t.state) or "open",
            "created_at": from_timestamp(t.created_at),
            "completed_at": _ts_or_none(t, "completed_at"),
        }
        for t in request.subtasks
    ]
    outcome = None
    if request.HasField("outcome"):
        o = request.outcome
        outcome = {
            "decision": short_name(cases_pb2.Decision, o.decision),
            "redress_currency": o.redress.currency,
            "redress_minor": o.redress.minor_units,
            "goodwill_currency": o.goodwill.currency,
            "goodwill_minor": o.goodwill.minor_units,
            "root_cause": o.root_cause,
            "summary": o.summary,
            "recorded_at": from_timestamp(o.recorded_at),
            "recorded_by": o.recorded_by,
            "outcome": o.outcome,
        }
    notes = [
        {
            "note_id": n.note_id,
            "author": n.author,
            "customer_visible": n.customer_visible,
            "body": n.body,
            "created_at": from_timestamp(n.created_at),
        }
        for n in request.notes
    ]
    audit = [
        AuditDraft(
            actor=Actor(
                short_name(common_pb2.ActorKind, a.actor.kind) or caller.kind,
                a.actor.id or caller.id,
                a.actor.rule_version,
            ),
            action=a.action,
            field=a.field,
            old_value=a.old_value,
            new_value=a.new_value,
            cause=a.cause,
        )
        for a in request.audit
    ]
    return CaseChange(
        request.case_id,
        request.change_id,
        change_fingerprint(request),
        fields,
        clocks,
        subtasks,
        outcome,
        notes,
        audit,
    )


def change_fingerprint(request: cases_pb2.RecordCaseChangeRequest) -> str:
    """What a change says, its id aside, as a SHA-256: a retry of the same
    change has the same one; a different change under the same id does not."""
    content = cases_pb2.RecordCaseChangeRequest()
    content.CopyFrom(request)
    content.ClearField("change_id")
    return hashlib.sha256(content.SerializeToString(deterministic=True)).hexdigest()


def regulatory_report(row: RegulatoryReportRow) -> cases_pb2.RegulatoryReport:
    return cases_pb2.RegulatoryReport(
        case_id=row.case_id,
        regime=row.regime,
        clock=row.clock,
        regulation=row.regulation,
        event_kind=row.event_kind,
        aware_at=timestamp(row.aware_at),
        due_at=timestamp(row.due_at),
        status=row.status,
        reported_at=timestamp(row.reported_at),
        reference=row.reference,
        device_name=row.device_name,
        **row.form,
    )
