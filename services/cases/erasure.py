"""A customer's rights over their data: erasure and export (docs/privacy.md).

Erasure removes the customer's personal data from every table Redress keeps
it in, in one transaction, so a customer is never half erased: the customer
record, the details given with each of their complaints (the case's
contact: name, addresses, phone, CRM reference, tags), the free text of
their cases (narrative, desired outcome, notes,
subtask descriptions, outcome summary, survey comment), the files on their
cases (and each file's content once no other case carries it), the letters sent to
them and the replies they sent and webhook deliveries' copies of audit
values (services/followup's tables, erased by its own code in this
transaction: redress/db/personal_data.py). The case figures reports and
regulatory returns count (dates, stages, product, issue, category, channel,
regime, clocks, decisions and amounts, survey scores) stay.

Audit values that carry personal data are erased too, leaving their salted
commitments in place, so every trail still verifies (services/cases/audit.py).
Each entry whose values are erased is sealed again under the audit key with
the values it now lacks, and the erasure's own entry lists those entries and
values ("audit_entries"), so that values blanked outside an erasure are
reported. An entry whose seal no longer held before the erasure keeps its
broken seal: an erasure never covers a break. A trail still sealed under hash
scheme 1 is first verified, then resealed under scheme 2; the erasure's own
entry records the old head hash.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redress.db.audit_seal import seals_match
from redress.db.personal_data import PersonalDataHolder, exported_row, plain_value
from redress.db.tables.cases import (
    AuditEvent,
    Case,
    CaseClock,
    Customer,
    Note,
    Outcome,
    SatisfactionResponse,
    Subtask,
)
from redress.domain.privacy import count_erased, identifiers_of, is_personal
from redress.platform.enums import Channel, choices
from services.cases.attachments import (
    erase_case_attachments,
    exported_attachments,
    prune_contents,
)
from services.cases.audit import (
    CURRENT_SCHEME,
    GENESIS,
    VALUE_FIELDS,
    commitments_of,
    entry_hash,
    new_salts,
    seal_of,
    verify_chain,
)
from services.cases.store import (
    CONTACT_FIELDS,
    Actor,
    CaseStore,
    audit_entry,
    case_contact,
    refresh_search_text,
    sealed_entries,
    trail_head,
)

EXPORT_FORMAT = "redress.customer-export/1"
ERASED_ACTION = "customer.erased"
# The customer record's personal fields and their erased value.
CUSTOMER_BLANKS: dict[str, Any] = {
    "full_name": "",
    "email": "",
    "phone": "",
    "postal_address": {},
    "preferred_channel": "",
    "preferred_language": "",
    "external_ref": "",
    "tags": [],
    "social_handle": "",
}


class CustomerNotFound(KeyError):
    pass


class ErasureRefused(ValueError):
    """The erasure cannot go ahead as asked; the message says why and what to do."""


@dataclass
class ErasureResult:
    customer_id: str
    erased_at: datetime
    # False when an earlier erasure had left nothing more to erase.
    changed: bool
    case_ids: list[str]
    # What was erased, by kind ("customer.email", "notes", "audit_values"...):
    # how many values. Never the values.
    erased: dict[str, int] = field(default_factory=dict)
    # Cases still being handled that were erased because the request forced it.
    open_case_ids: list[str] = field(default_factory=list)
    # The workflows of all the customer's cases, erased now or before.
    workflow_ids: list[str] = field(default_factory=list)


def _blank(row: Any, names: tuple[str, ...], erased: dict[str, int], kind: str) -> None:
    for name in names:
        if getattr(row, name):
            setattr(row, name, "")
            count_erased(erased, f"{kind}.{name}")


def erase_customer(
    store: CaseStore,
    customer_id: str,
    actor: Actor,
    reference: str,
    reason: str,
    force: bool,
    held_elsewhere: Sequence[PersonalDataHolder] = (),
) -> ErasureResult:
    now = datetime.now(UTC)
    with store.sessions.begin() as session:
        customer = session.get(Customer, customer_id, with_for_update=True)
        if customer is None:
            raise CustomerNotFound(customer_id)
        # Locked as the workflows' change reports lock them, so that a report
        # in flight cannot write erased text back once this commits.
        cases = list(
            session.scalars(
                select(Case)
                .where(Case.customer_id == customer_id)
                .order_by(Case.id)
                .with_for_update()
            )
        )
        open_ids = [c.case_id for c in cases if c.resolved_at is None and c.closed_at is None]
        # Once erased, a repeated request needs no force: the decision to
        # erase while cases are handled was made, and recorded, the first time.
        if open_ids and not force and customer.erased_at is None:
            raise ErasureRefused(
                f"the customer's cases {', '.join(open_ids)} are still being handled; "
                "erase once they are resolved, or force the erasure with a reason"
            )
        identifiers = identifiers_of(
            customer.full_name,
            customer.email,
            customer.phone,
            customer.external_ref,
            customer.postal_address or {},
            customer.social_handle,
        )
        result = ErasureResult(customer_id, customer.erased_at or now, False, [])
        result.workflow_ids = [c.workflow_id for c in cases]

        customer_erased: dict[str, int] = {}
        for name, blank in CUSTOMER_BLANKS.items():
            if getattr(customer, name) != blank:
                setattr(customer, name, blank)
                count_erased(customer_erased, f"customer.{name}")
        customer.email_normalized = ""
        # Nothing may be sent to a customer whose addresses are gone, even
        # if one is given again to a case still being handled.
        customer.do_not_contact = choices(Channel)
        customer.no_surveys = True
        if customer.erased_at is None:
            customer.erased_at = now
            customer.erasure_reference = reference
        if customer_erased:
            customer.updated_at = now

        # The files on the customer's cases; their content goes once no
        # other case carries it (the same letter sent about two customers).
        contents: set[str] = set()
        for case in cases:
            erased = dict(customer_erased)
            files, used = erase_case_attachments(session, case.case_id)
            count_erased(erased, "attachments", files)
            contents |= used
            resealed, audit_entries = _erase_case(
                session, store, case, identifiers, erased, held_elsewhere
            )
            if not erased:
                continue
            case.updated_at = now
            entry: dict[str, Any] = {"request_reference": reference, "erased": erased}
            if audit_entries:
                entry["audit_entries"] = audit_entries
            if case.case_id in open_ids:
                entry["case_open"] = True
            if resealed:
                entry["resealed"] = resealed
            session.flush()
            store._append(
                session,
                case.case_id,
                actor,
                action=ERASED_ACTION,
                field="customer",
                new_value=json.dumps(entry, sort_keys=True),
                cause=reason or "the customer asked for their personal data to be erased",
            )
            session.flush()
            result.case_ids.append(case.case_id)
            for kind, n in erased.items():
                count_erased(result.erased, kind, n)
        count_erased(result.erased, "attachment_contents", prune_contents(session, contents))
        if customer_erased and not cases:
            result.erased.update(customer_erased)
        result.changed = bool(result.erased)
        result.open_case_ids = [c for c in open_ids if c in result.case_ids]
        return result


def _erase_case(
    session: Session,
    store: CaseStore,
    case: Case,
    identifiers: list[str],
    erased: dict[str, int],
    held_elsewhere: Sequence[PersonalDataHolder],
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Erases one case's personal data; what a reseal of its trail did, if
    any, and the audit entries whose values were erased (by sequence)."""
    # The details given with this complaint identify the customer too, even
    # where they differ from the record's (a new address, another name).
    contact = case_contact(case)
    identifiers = list(
        dict.fromkeys(
            identifiers
            + identifiers_of(
                contact["full_name"],
                contact["email"],
                contact["phone"],
                contact["external_ref"],
                contact["postal_address"] or {},
                contact["social_handle"],
            )
        )
    )
    for name, blank in CUSTOMER_BLANKS.items():
        if contact[name] != blank:
            setattr(case, CONTACT_FIELDS[name], blank)
            count_erased(erased, f"case.contact_{name}")
    # As on the record: nothing more is sent for this case.
    case.contact_do_not_contact = choices(Channel)
    case.contact_no_surveys = True
    _blank(case, ("narrative", "desired_outcome"), erased, "case")
    for note in session.scalars(select(Note).where(Note.case_id == case.case_id)):
        _blank(note, ("body",), erased, "notes")
    session.flush()
    refresh_search_text(session, case)
    for subtask in session.scalars(select(Subtask).where(Subtask.case_id == case.case_id)):
        _blank(subtask, ("description",), erased, "subtasks")
    outcome = session.get(Outcome, case.case_id)
    if outcome is not None:
        _blank(outcome, ("summary",), erased, "outcome")
    survey = session.get(SatisfactionResponse, case.case_id)
    if survey is not None:
        _blank(survey, ("comment",), erased, "satisfaction")
    for holder in held_elsewhere:
        holder.erase_case(session, case.case_id, identifiers, erased)
    return _erase_audit_values(session, store, case.case_id, identifiers, erased)


def _erase_audit_values(
    session: Session,
    store: CaseStore,
    case_id: str,
    identifiers: list[str],
    erased: dict[str, int],
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.sequence)
            .with_for_update()
        )
    )
    key = store.sealing_key()
    resealed: dict[str, Any] = {}
    erased_entries: dict[str, list[str]] = {}
    wanted = [
        e
        for e in events
        if e.action != ERASED_ACTION
        and is_personal(e.action, [e.old_value, e.new_value, e.cause], identifiers)
        and any((e.old_value, e.new_value, e.cause))
    ]
    if not wanted:
        return resealed, erased_entries
    if any((e.hash_scheme or 1) < CURRENT_SCHEME for e in events):
        verdict = verify_chain(case_id, sealed_entries(events), key, trail_head(session, case_id))
        if not verdict.intact:
            raise ErasureRefused(
                f"the audit trail of {case_id} is broken ({verdict.detail}); it is not "
                "resealed over a break: have it investigated, then erase again"
            )
        resealed = {"from_scheme": 1, "entries": len(events), "previous_head": events[-1].hash}
        previous = GENESIS
        for e in events:
            salts = new_salts()
            values = {name: str(getattr(e, name)) for name in VALUE_FIELDS}
            e.hash_scheme = CURRENT_SCHEME
            e.value_salts = salts
            e.commitments = commitments_of(values, salts)
            e.previous_hash = previous
            e.hash = entry_hash(previous, audit_entry(e))
            e.seal = seal_of(key, audit_entry(e), e.hash)
            previous = e.hash
        store.seal_head(session, case_id, len(events), previous)
    for e in wanted:
        sealed = seals_match(e.seal or "", seal_of(key, audit_entry(e), e.hash))
        salts = dict(e.value_salts or {})
        for name in VALUE_FIELDS:
            if getattr(e, name):
                setattr(e, name, "")
                count_erased(erased, "audit_values")
            if salts.pop(name, None) is not None:
                erased_entries.setdefault(str(e.sequence), []).append(name)
        e.value_salts = salts
        if sealed:
            e.seal = seal_of(key, audit_entry(e), e.hash)
    return resealed, erased_entries


def export_customer(
    store: CaseStore,
    customer_id: str,
    held_elsewhere: Sequence[PersonalDataHolder] = (),
    placeholder: str = "",
) -> dict[str, Any]:
    """Everything held on one customer, as JSON-ready data; each file's content
    stands as `placeholder` + its sha256 (services/cases/attachments.py)."""
    with store.sessions() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        cases = []
        for case in session.scalars(
            select(Case).where(Case.customer_id == customer_id).order_by(Case.id)
        ):
            cid = case.case_id

            def rows(model: Any, *order: Any, case_id: str = cid) -> list[dict[str, Any]]:
                return [
                    exported_row(r, ("case_id",))
                    for r in session.scalars(
                        select(model).where(model.case_id == case_id).order_by(*order)
                    )
                ]

            outcome = session.get(Outcome, cid)
            survey = session.get(SatisfactionResponse, cid)
            events = []
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.case_id == cid).order_by(AuditEvent.sequence)
            ):
                event = exported_row(e, ("case_id",))
                event["erased_values"] = audit_entry(e).erased()
                events.append(event)
            cases.append(
                {
                    **exported_row(case),
                    "clocks": rows(CaseClock, CaseClock.name),
                    "notes": rows(Note, Note.created_at),
                    "subtasks": rows(Subtask, Subtask.created_at),
                    "outcome": exported_row(outcome, ("case_id",)) if outcome else None,
                    "satisfaction": exported_row(survey, ("case_id",)) if survey else None,
                    "attachments": exported_attachments(session, cid, placeholder),
                    "links": [
                        {
                            "kind": link.kind,
                            "other_case_id": link.other_case_id,
                            "linked_at": plain_value(link.linked_at),
                            "linked_by": link.linked_by,
                        }
                        for link in store._links(session, cid)
                    ],
                    **{
                        kind: rows
                        for holder in held_elsewhere
                        for kind, rows in holder.export_case(session, cid).items()
                    },
                    "audit_events": events,
                }
            )
        return {
            "format": EXPORT_FORMAT,
            "exported_at": datetime.now(UTC).isoformat(),
            "customer": exported_row(customer),
            "cases": cases,
        }
