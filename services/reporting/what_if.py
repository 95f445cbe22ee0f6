"""What if: the cases of a period replayed under a draft policy.

Reads (part of reporting's declared read model, never written): `cases` and
their `audit_events`, in batches in the order the cases were stored, so that
a period of many cases never sits in memory at once. Each case's recorded
events come from its audit trail (see `recorded_case`); the replaying and
comparing is redress/domain/what_if.py, the same complaint rules the live
workflow runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from redress.db.tables.cases import AuditEvent, Case
from redress.domain import what_if as wi
from redress.domain.policy import Policy
from redress.domain.priority import priority_name
from services.reporting.store import ReportingStore, utc

# Cases one call replays at most, and how many are read at a time.
MAX_CASES = 100_000
BATCH = 500
# Who changed a stage on the case's trail without being a policy's own timeline.
ACKNOWLEDGEMENT_DELIVERED = "followups.acknowledgement.then_stage"
HISTORIC_CLOSURE = "historic.closure"


@dataclass
class WhatIfResult:
    totals: wi.WhatIfTotals
    # (the case's policy "id version", its difference), the first `limit`.
    cases: list[tuple[str, wi.CaseDifference]] = field(default_factory=list)
    truncated: bool = False
    regulatory: set[str] = field(default_factory=set)


def count_cases(store: ReportingStore, start: datetime, end: datetime) -> int:
    with store.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Case)
                .where(Case.received_at >= start, Case.received_at < end)
            )
            or 0
        )


def what_if(
    store: ReportingStore,
    draft: Policy,
    start: datetime,
    end: datetime,
    as_of: datetime,
    limit: int,
) -> WhatIfResult:
    """Every case received in [start, end) replayed under its own policy
    version and under the draft."""
    result = WhatIfResult(wi.WhatIfTotals())
    for version, case in recorded_cases(store, start, end):
        policy_id, _, number = version.partition(" ")
        baseline = wi.replay(
            case, store.policy(policy_id, number), as_of, policy_id=policy_id, version=number
        )
        drafted = wi.replay(case, draft, as_of)
        difference = wi.compare(case, baseline, drafted)
        result.totals.add(baseline, drafted, difference)
        result.regulatory |= {c.name for c in (*baseline.clocks, *drafted.clocks) if c.regulatory}
        if difference is not None:
            if len(result.cases) < limit:
                result.cases.append((version, difference))
            else:
                result.truncated = True
    return result


CASE_COLUMNS = (
    Case.id,
    Case.case_id,
    Case.received_at,
    Case.resolved_at,
    Case.closed_at,
    Case.regime,
    Case.channel,
    Case.narrative,
    Case.product,
    Case.issue,
    Case.sub_issue,
    Case.category,
    Case.priority,
    Case.contact_tags,
    Case.contact_preferred_language,
    Case.policy_id,
    Case.policy_version,
)


def recorded_cases(
    store: ReportingStore, start: datetime, end: datetime, batch: int = BATCH
) -> Iterator[tuple[str, wi.RecordedCase]]:
    """("policy-id version", the case as recorded) for each case received in
    [start, end), in the order they were stored, read `batch` at a time."""
    after = 0
    while True:
        with store.sessions() as session:
            rows = list(
                session.execute(
                    select(*CASE_COLUMNS)
                    .where(Case.id > after, Case.received_at >= start, Case.received_at < end)
                    .order_by(Case.id)
                    .limit(batch)
                ).all()
            )
            if not rows:
                return
            trails: dict[str, list[Any]] = {r.case_id: [] for r in rows}
            for entry in session.execute(
                select(
                    AuditEvent.case_id,
                    AuditEvent.recorded_at,
                    AuditEvent.actor_kind,
                    AuditEvent.actor_id,
                    AuditEvent.action,
                    AuditEvent.field,
                    AuditEvent.new_value,
                    AuditEvent.cause,
                )
                .where(AuditEvent.case_id.in_(list(trails)))
                .order_by(AuditEvent.case_id, AuditEvent.sequence)
            ):
                trails[entry.case_id].append(entry)
        for r in rows:
            policy = store.policy(r.policy_id or "", r.policy_version or "")
            yield (
                f"{policy.id} {policy.version}",
                recorded_case(r, trails[r.case_id], policy),
            )
        if len(rows) < batch:
            return
        after = rows[-1].id


def _decision(value: str) -> str:
    try:
        return str(json.loads(value).get("decision", ""))
    except (ValueError, AttributeError):
        return ""


def recorded_case(row: Any, trail: list[Any], policy: Policy) -> wi.RecordedCase:
    """The facts of a case's life from its audit trail, leaving out what
    its policy did by itself (clocks, warnings, escalations, letters asked
    for, automatic closes): those are what a replay works out anew.

    - a stage a person moved the case to (with whether the case's own rules
      made that stage a resolving or closing one);
    - a clock a person paused or resumed, and why;
    - the customer's replies; the outcome; a reopening;
    - the acknowledgement's delivery (which may move the case on);
    - for a historic complaint: when it was filed, and the closing its
      source file records (at the case's resolved time)."""
    stages = policy.every_stage()
    events: list[wi.RecordedEvent] = []
    historic = False
    filed_at: datetime | None = None
    closure: wi.RecordedClosure | None = None
    for e in trail:
        at = utc(e.recorded_at)
        assert at is not None
        person = e.actor_kind == "person"
        if e.action == "case.filed_historic":
            historic, filed_at = True, at
        elif e.action == "outcome.recorded" and e.actor_id == HISTORIC_CLOSURE:
            closed = utc(row.resolved_at) or utc(row.closed_at)
            if closed is not None:
                try:
                    source = str(json.loads(e.new_value).get("source", ""))
                except (ValueError, AttributeError):
                    source = ""
                closure = wi.RecordedClosure(closed, _decision(e.new_value), source)
        elif e.action == "case.stage_changed" and person:
            stage = stages.get(e.new_value)
            events.append(
                wi.RecordedEvent(
                    at,
                    wi.STAGE,
                    stage=e.new_value,
                    resolves=bool(stage and stage.resolved),
                    closes=bool(stage and stage.closed),
                    reason=e.cause,
                    actor=e.actor_id,
                )
            )
        elif e.action == "case.stage_changed" and e.actor_id == ACKNOWLEDGEMENT_DELIVERED:
            events.append(wi.RecordedEvent(at, wi.DELIVERED, letter="acknowledgement"))
        elif e.action in ("clock.paused", "clock.resumed") and person:
            events.append(
                wi.RecordedEvent(
                    at,
                    wi.PAUSE if e.action == "clock.paused" else wi.RESUME,
                    clock=e.field.removeprefix("clocks."),
                    reason=e.cause,
                    actor=e.actor_id,
                )
            )
        elif e.action == "customer.replied":
            events.append(wi.RecordedEvent(at, wi.REPLY, actor=e.actor_id))
        elif e.action == "outcome.recorded" and person:
            events.append(
                wi.RecordedEvent(at, wi.OUTCOME, decision=_decision(e.new_value), actor=e.actor_id)
            )
        elif e.action == "case.reopened":
            events.append(wi.RecordedEvent(at, wi.REOPEN, reason=e.cause, actor=e.actor_id))
    received = utc(row.received_at)
    assert received is not None
    return wi.RecordedCase(
        case_id=row.case_id,
        received_at=received,
        regime=row.regime,
        channel=row.channel,
        narrative=row.narrative or "",
        product=row.product or "",
        issue=row.issue or "",
        sub_issue=row.sub_issue or "",
        category=row.category or "",
        priority=priority_name(row.priority),
        tags=tuple(str(t) for t in row.contact_tags or ()),
        language=row.contact_preferred_language or "",
        historic=historic,
        filed_at=filed_at,
        closure=closure if historic else None,
        events=tuple(events),
    )
