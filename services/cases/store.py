"""The case store: SQLAlchemy over SQLite or PostgreSQL.

Blocking code, called from the servicer through a thread. Every write
appends to the case's audit trail in the same transaction.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, literal, or_, select, text, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redress.db import Store, database_url
from redress.db.audit_seal import AuditKey, AuditKeyError, audit_key_from, head_seal, seals_match
from redress.db.base import FAR_FUTURE, Base
from redress.db.tables.cases import (
    AppliedChange,
    AuditEvent,
    AuditTrailHead,
    Case,
    CaseAttachment,
    CaseClock,
    CaseLink,
    Customer,
    Note,
    Outcome,
    PolicyVersion,
    SatisfactionResponse,
    Subtask,
    deadline_order,
)
from redress.domain.reconciliation import CaseFacts, TrailEntry, disagreements
from redress.platform.scope import Visible
from services.cases.audit import (
    CURRENT_SCHEME,
    GENESIS,
    AuditEntry,
    ChainVerdict,
    TrailHead,
    commitments_of,
    entry_hash,
    new_salts,
    seal_of,
    verify_chain,
)
from services.cases.reminders import ReminderRow, reminders_of

log = logging.getLogger(__name__)

INVERSE_LINK = {
    "duplicate_of": "duplicated_by",
    "duplicated_by": "duplicate_of",
    "related_to": "related_to",
    "parent_of": "child_of",
    "child_of": "parent_of",
}


class LinkRefused(ValueError):
    """A link the cases' existing links do not allow; the message says why."""


@dataclass
class LinkView:
    kind: str
    other_case_id: str
    linked_at: datetime
    linked_by: str


class InvalidPageToken(ValueError):
    pass


# What can grow on a case is capped, so that no case outgrows what reads
# return (GetCase, the commands' answers) and the workflow carries; the caps
# are documented in protos/redress/cases/v1/cases.proto ("Limits") and
# docs/lifecycle.md. Cases that grew past them before they existed stay
# readable: reads take only the most recent notes and audit entries
# (services/cases/reads.py).
#
# A case's notes together, in characters: about fifteen of the longest notes
# (32,000 each) or hundreds of ordinary ones.
MAX_CASE_NOTES_CHARACTERS = 500_000
# A case's notes, however short: each is a row the console lists and
# ListNotes pages through.
MAX_CASE_NOTES = 1_000
# Links on one case, counted from either side: a case related to hundreds of
# others is a pattern for reporting, not something to link case by case.
MAX_CASE_LINKS = 100


class ChangeConflict(ValueError):
    """A change reported under an id already recorded with other content:
    applying it would double entries, dropping it would lose them."""

    def __init__(self, change_id: str, recorded: str, reported: str) -> None:
        super().__init__(
            f"change {change_id} was recorded before with other content "
            f"(fingerprint {recorded[:12]}, now {reported[:12]}); nothing was applied"
        )
        self.change_id = change_id


class NotesFull(ValueError):
    """The case's notes would pass MAX_CASE_NOTES_CHARACTERS or MAX_CASE_NOTES;
    the message says so."""


@dataclass(frozen=True)
class CustomerDetails:
    full_name: str
    email: str = ""
    phone: str = ""
    postal_address: dict[str, Any] = field(default_factory=dict)
    preferred_channel: str = ""
    preferred_language: str = ""
    external_ref: str = ""
    tags: tuple[str, ...] = ()
    do_not_contact: tuple[str, ...] = ()
    no_surveys: bool = False
    social_handle: str = ""


@dataclass(frozen=True)
class NewCase:
    workflow_id: str
    idempotency_key: str
    submitted_by: str
    customer: CustomerDetails
    channel: str
    priority: int
    stage: str
    regime: str
    narrative: str
    received_at: datetime
    product: str = ""
    sub_product: str = ""
    issue: str = ""
    sub_issue: str = ""
    desired_outcome: str = ""
    company: str = ""
    external_ref: str = ""
    category: str = ""
    policy_id: str = ""
    policy_version: str = ""
    attachment_ids: tuple[str, ...] = ()
    complaint_type: str = ""


@dataclass(frozen=True)
class Actor:
    kind: str  # person | service | rule
    id: str
    rule_version: str = ""


@dataclass(frozen=True)
class AuditDraft:
    """An audit entry to append; the store numbers and chains it."""

    actor: Actor
    action: str
    field: str = ""
    old_value: str = ""
    new_value: str = ""
    cause: str = ""


@dataclass(frozen=True)
class CaseChange:
    """A change the case's workflow made: the new lifecycle state and why."""

    case_id: str
    change_id: str
    # SHA-256 of everything the change says (its id aside).
    fingerprint: str
    fields: dict[str, Any]
    clocks: list[dict[str, Any]]
    subtasks: list[dict[str, Any]]
    outcome: dict[str, Any] | None
    notes: list[dict[str, Any]]
    audit: list[AuditDraft]


@dataclass
class CaseView:
    case: Case
    customer: Customer
    events: list[AuditEvent]
    clocks: list[CaseClock]
    subtasks: list[Subtask]
    outcome: Outcome | None
    # The most recent notes and audit entries, oldest of them first, and how
    # many the case holds in all.
    notes: list[Note]
    links: list[LinkView] = field(default_factory=list)
    note_count: int = 0
    audit_event_count: int = 0


LIFECYCLE_FIELDS = (
    "stage",
    "priority",
    "assignee",
    "team",
    "category",
    "escalation_level",
    "next_deadline",
    "breached",
    "resolved_at",
    "closed_at",
    "complaint_type",
)


@dataclass
class CaseFilter:
    stages: Sequence[str] = ()
    priorities: Sequence[int] = ()
    assignees: Sequence[str] = ()
    teams: Sequence[str] = ()
    categories: Sequence[str] = ()
    channels: Sequence[str] = ()
    products: Sequence[str] = ()
    regimes: Sequence[str] = ()
    breached: bool | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    closed_from: datetime | None = None
    closed_to: datetime | None = None
    text: str = ""
    customer_id: str = ""
    # An e-mail address, phone number or CRM reference (ListCasesRequest.contact).
    contact: str = ""
    complaint_types: Sequence[str] = ()
    # Set for an agent limited to their teams' cases (redress/platform/scope.py).
    visible: Visible | None = None


SORTABLE = ("received_at", "next_deadline", "priority", "updated_at")


def refresh_search_text(session: Session, case: Case) -> None:
    """What the free-text filter searches: the narrative and the notes' bodies,
    one per line (no word of a query spans a line break)."""
    bodies = session.scalars(
        select(Note.body)
        .where(Note.case_id == case.case_id)
        .order_by(Note.created_at, Note.note_id)
    )
    case.search_text = "\n".join([case.narrative, *bodies])


def _now() -> datetime:
    return datetime.now(UTC)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _row_values(row: Base) -> dict[str, Any]:
    """The column values set on a new row object, for a multi-row INSERT."""
    return {k: v for k, v in vars(row).items() if not k.startswith("_")}


def _insert_rows(
    session: Session, model: type[Base], rows: list[dict[str, Any]], returning: Any = None
) -> list[Any]:
    """Inserts rows of column values, many per statement, through SQLAlchemy
    Core: bulk writes of new rows need none of the ORM's unit of work, which
    cost more than the database's own work. Rows are grouped by the columns
    they set (one statement needs the same columns in every row); with
    `returning`, that column of each row, in the order given."""
    table = cast(Table, model.__table__)
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(tuple(row), []).append(i)
    returned: list[Any] = [None] * len(rows)
    for keys, at in groups.items():
        chunk = [rows[i] for i in at]
        if returning is None:
            _insert_many(session, table, keys, chunk)
            continue
        statement = table.insert().returning(returning, sort_by_parameter_order=True)
        for i, value in zip(at, session.execute(statement, chunk).scalars(), strict=True):
            returned[i] = value
    return returned


def _insert_many(
    session: Session, table: Table, keys: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    """Rows that set every column `keys` names, handed to the database
    driver's executemany (COPY on PostgreSQL) with each value converted by
    its column's own SQLAlchemy type, as SQLAlchemy would convert it, without
    its per-row bookkeeping (the larger part of a bulk import's cost in the
    case store). Rows that leave a column to its default, and drivers that
    take named parameters, go through SQLAlchemy."""
    connection = session.connection()
    compiled = table.insert().compile(dialect=connection.dialect, column_keys=list(keys))
    postgresql = connection.dialect.name == "postgresql"
    if compiled.insert_prefetch or not (postgresql or compiled.positiontup):
        session.execute(table.insert(), rows)
        return
    convert: dict[str, Any] = {
        name: _remembered(fn) for name, fn in compiled._bind_processors.items()
    }
    if postgresql:
        _copy_rows(connection, table, keys, rows, convert)
        return
    order = [(name, convert.get(name)) for name in compiled.positiontup or ()]
    parameters = [
        tuple(row[name] if fn is None else fn(row[name]) for name, fn in order) for row in rows
    ]
    connection.exec_driver_sql(compiled.string, parameters)


def _reserved_case_keys(session: Session, count: int) -> list[int] | None:
    """`count` new surrogate keys for cases, in order, where the database
    hands out keys before rows are written (PostgreSQL's sequence); None
    where a key exists only once its row does (SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return list(
        session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('cases', 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"count": count},
        ).scalars()
    )


def _copy_rows(
    connection: Connection,
    table: Table,
    keys: tuple[str, ...],
    rows: list[dict[str, Any]],
    convert: dict[str, Any],
) -> None:
    """Rows written to PostgreSQL with COPY: the server takes them as one
    stream instead of executing an INSERT per row (most of a bulk import's
    time on PostgreSQL), each value converted as for an INSERT."""
    order = [(name, convert.get(name)) for name in keys]
    quote = connection.dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in keys)
    statement = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
    driver: Any = connection.connection.dbapi_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] if fn is None else fn(row[name]) for name, fn in order])
    except connection.dialect.loaded_dbapi.IntegrityError as err:
        # As SQLAlchemy reports it, so that the store's callers tell a lost
        # race from a fault the same way on every database.
        raise IntegrityError(statement, None, err) from err


def _remembered(convert: Any) -> Any:
    """A column's conversion that converts each time only once: an import's
    rows share their times (when the write began)."""
    done: dict[datetime, Any] = {}

    def converted(value: Any) -> Any:
        if type(value) is not datetime:
            return convert(value)
        if value not in done:
            done[value] = convert(value)
        return done[value]

    return converted


def case_number(surrogate: int) -> str:
    return f"C-{surrogate:06d}"


IDENTITY_CONFLICT = "customer.identity_conflict"
CONTACT_MERGED = "customer.merged_from_case"
# The customer's details a case keeps as its complaint gave them: the
# customer record's field, and the case's column holding it.
CONTACT_FIELDS = {
    "full_name": "contact_full_name",
    "email": "contact_email",
    "phone": "contact_phone",
    "postal_address": "contact_postal_address",
    "preferred_channel": "contact_preferred_channel",
    "preferred_language": "contact_preferred_language",
    "external_ref": "contact_external_ref",
    "tags": "contact_tags",
    "do_not_contact": "contact_do_not_contact",
    "no_surveys": "contact_no_surveys",
    "social_handle": "contact_social_handle",
}


@dataclass(frozen=True)
class IdentityConflict:
    identifier: str  # the complaint's identifier that led elsewhere
    other_customer: str
    explanation: str


def contact_columns(details: CustomerDetails) -> dict[str, Any]:
    """The case's columns for the customer's details given with its complaint."""
    return {
        "contact_full_name": details.full_name,
        "contact_email": details.email,
        "contact_phone": details.phone,
        "contact_postal_address": dict(details.postal_address),
        "contact_preferred_channel": details.preferred_channel,
        "contact_preferred_language": details.preferred_language,
        "contact_external_ref": details.external_ref,
        "contact_tags": list(details.tags),
        "contact_do_not_contact": list(details.do_not_contact),
        "contact_no_surveys": details.no_surveys,
        "contact_social_handle": details.social_handle,
    }


def case_contact(case: Case) -> dict[str, Any]:
    """The customer's details as the case holds them, by the record's field names."""
    return {name: getattr(case, column) for name, column in CONTACT_FIELDS.items()}


def identity_conflicts(
    details: CustomerDetails, by_ref: Customer | None, by_email: Customer | None
) -> tuple[Customer | None, list[IdentityConflict]]:
    """The customer a complaint belongs to (None: a new one), and where its
    CRM reference and e-mail address point at customers they disagree with.

    A CRM reference that belongs to a customer with another e-mail address
    never attaches the complaint to them: the one who files it reads another
    mailbox, and would otherwise see that customer's cases in their own data
    (the capture of someone else's complaints). An e-mail address that
    belongs to a customer with another CRM reference attaches it to them,
    flagged: the same mailbox, perhaps a second account at the firm. An
    identifier either side lacks is no conflict: a customer first known by
    e-mail may give their reference later."""
    email = details.email.lower()
    found: list[IdentityConflict] = []
    if by_ref is not None:
        if not (email and by_ref.email_normalized and by_ref.email_normalized != email):
            return by_ref, []
        found.append(
            IdentityConflict(
                "external_ref",
                by_ref.id,
                f"the CRM reference given belongs to customer {by_ref.id}, who has another "
                "e-mail address: the complaint was kept apart from them",
            )
        )
    if by_email is not None:
        if details.external_ref and by_email.external_ref != details.external_ref:
            if by_email.external_ref or found:
                found.append(
                    IdentityConflict(
                        "email",
                        by_email.id,
                        f"the e-mail address given belongs to customer {by_email.id}, "
                        + (
                            "who has another CRM reference"
                            if by_email.external_ref
                            else "who has no CRM reference"
                        )
                        + ": the complaint was attached to them by e-mail",
                    )
                )
        return by_email, found
    return None, found


class CaseStore(Store):
    def __init__(self, url: str | None = None, audit_key: AuditKey | None = None) -> None:
        super().__init__(url or database_url())
        # Seals every audit entry and trail head (redress/db/audit_seal.py);
        # without it the store reads but neither appends nor verifies.
        self.audit_key = audit_key or audit_key_from(os.environ)

    def sealing_key(self) -> AuditKey:
        if self.audit_key is None:
            raise AuditKeyError(
                "the case service holds no audit key, so audit trails can be neither "
                "extended nor verified: set REDRESS_AUDIT_KEY_FILE (docs/configuration.md)"
            )
        return self.audit_key

    # -- writes ----------------------------------------------------------

    def create_case(self, new: NewCase, actor: Actor) -> tuple[Case, Customer, bool]:
        """Stores the case, or returns the one already stored for its workflow."""
        existing = self._case_by_workflow(new.workflow_id)
        if existing is not None:
            return (*existing, False)
        try:
            with self.sessions.begin() as session:
                customer, conflicts = self._match_or_add_customer(session, new.customer)
                case = self._case_row(new, customer, _now())
                session.add(case)
                session.flush()
                case.case_id = case_number(case.id)
                session.flush()
                entries = self._creation_entries(new, customer, conflicts)
                self._append_all(
                    session, case.case_id, [AuditDraft(actor, **entry) for entry in entries]
                )
                return case, customer, True
        except IntegrityError:
            # Another call stored the same workflow's case first.
            existing = self._case_by_workflow(new.workflow_id)
            if existing is None:
                raise
            return (*existing, False)

    @staticmethod
    def _case_row(new: NewCase, customer: Customer, now: datetime) -> Case:
        """A new case's row; its case_id is set from its surrogate once flushed."""
        return Case(**CaseStore._case_values(new, customer.id, now))

    @staticmethod
    def _case_values(new: NewCase, customer_id: str, now: datetime) -> dict[str, Any]:
        """A new case's columns (bulk imports write them without a row object)."""
        return dict(
            case_id=f"pending-{uuid.uuid4().hex[:12]}",
            workflow_id=new.workflow_id,
            idempotency_key=new.idempotency_key,
            submitted_by=new.submitted_by,
            customer_id=customer_id,
            channel=new.channel,
            priority=new.priority,
            stage=new.stage,
            product=new.product,
            sub_product=new.sub_product,
            issue=new.issue,
            sub_issue=new.sub_issue,
            narrative=new.narrative,
            search_text=new.narrative,
            desired_outcome=new.desired_outcome,
            regime=new.regime,
            company=new.company,
            external_ref=new.external_ref,
            category=new.category,
            assignee="",
            team="",
            escalation_level=0,
            policy_id=new.policy_id,
            policy_version=new.policy_version,
            complaint_type=new.complaint_type,
            attachment_ids=list(new.attachment_ids),
            received_at=new.received_at,
            created_at=now,
            updated_at=now,
            resolved_at=None,
            closed_at=None,
            next_deadline=None,
            breached=False,
            **contact_columns(new.customer),
        )

    @staticmethod
    def _creation_entries(
        new: NewCase, customer: Customer, conflicts: list[IdentityConflict]
    ) -> list[dict[str, str]]:
        """The audit entries that open a new case's trail: the case as received."""
        entries = [
            {
                "action": "case.created",
                "new_value": _json(
                    {
                        "channel": new.channel,
                        "customer_id": customer.id,
                        "priority": new.priority,
                        "stage": new.stage,
                        "regime": new.regime,
                        "product": new.product,
                        "issue": new.issue,
                        "received_at": new.received_at.isoformat(),
                        "idempotency_key": new.idempotency_key,
                    }
                ),
                "cause": f"complaint submitted by {new.submitted_by}",
            }
        ]
        if conflicts:
            entries.append(
                {
                    "action": IDENTITY_CONFLICT,
                    "field": "customer",
                    "new_value": _json(
                        {
                            "customer_id": customer.id,
                            "conflicts": [
                                {"identifier": c.identifier, "customer_id": c.other_customer}
                                for c in conflicts
                            ],
                        }
                    ),
                    "cause": "; ".join(c.explanation for c in conflicts)
                    + ". Letters for this case go only to the details given with it; a "
                    "person should check who it is from (MergeCaseContact, or link the "
                    "cases)",
                }
            )
        return entries

    def _match_or_add_customer(
        self, session: Session, details: CustomerDetails
    ) -> tuple[Customer, list[IdentityConflict]]:
        """The customer this complaint's identifiers agree on, or a new one.

        Where the identifiers disagree (identity_conflicts), the caller
        flags the case for a person; its letters follow the details given
        with it whichever customer it is attached to."""
        by_ref = by_email = None
        email = details.email.lower()
        if details.external_ref:
            by_ref = session.scalars(
                select(Customer)
                .where(Customer.external_ref == details.external_ref)
                .order_by(Customer.created_at, Customer.id)
                .limit(1)
            ).first()
        if email:
            by_email = session.scalars(
                select(Customer)
                .where(Customer.email_normalized == email)
                .order_by(Customer.created_at, Customer.id)
                .limit(1)
            ).first()
        match, conflicts = identity_conflicts(details, by_ref, by_email)
        if match is not None:
            return match, conflicts
        customer = self._customer_row(details, _now())
        session.add(customer)
        session.flush()
        return customer, conflicts

    @staticmethod
    def _customer_row(details: CustomerDetails, now: datetime) -> Customer:
        return Customer(
            id=f"CU-{uuid.uuid4().hex[:20]}",
            full_name=details.full_name,
            email=details.email,
            email_normalized=details.email.lower(),
            phone=details.phone,
            postal_address=dict(details.postal_address),
            preferred_channel=details.preferred_channel,
            preferred_language=details.preferred_language,
            external_ref=details.external_ref,
            tags=list(details.tags),
            do_not_contact=list(details.do_not_contact),
            no_surveys=details.no_surveys,
            social_handle=details.social_handle,
            created_at=now,
            updated_at=now,
        )

    def _append(
        self,
        session: Session,
        case_id: str,
        actor: Actor,
        *,
        action: str,
        field: str = "",
        old_value: str = "",
        new_value: str = "",
        cause: str = "",
    ) -> AuditEvent:
        draft = AuditDraft(actor, action, field, old_value, new_value, cause)
        return self._append_all(session, case_id, [draft])[-1]

    def _append_all(
        self, session: Session, case_id: str, entries: Sequence[AuditDraft]
    ) -> list[AuditEvent]:
        """Appends `entries` to the case's trail in order, the trail's end read
        and its head sealed once for all of them."""
        if not entries:
            return []
        # The case's row, then the trail's head, are locked first, so that
        # appends to one trail take turns, always taking the two in the
        # order every write to a case does (a writer holding the head could
        # otherwise wait on the case's row held by one waiting for the head:
        # PostgreSQL's deadlock). A caller that locked the case already
        # loses nothing. SQLite has no row locks, and its driver starts a
        # write transaction only at the first write, so a read before it could
        # see an end another writer is about to move: there the head's row is
        # written (to itself) first, which takes the database's write lock
        # before the end is read.
        session.execute(select(Case.id).where(Case.case_id == case_id).with_for_update())
        if self.engine.dialect.name == "sqlite":
            session.execute(
                update(AuditTrailHead)
                .where(AuditTrailHead.case_id == case_id)
                .values(entries=AuditTrailHead.entries)
                .execution_options(synchronize_session=False)
            )
        head = session.get(AuditTrailHead, case_id, with_for_update=True)
        last = session.execute(
            select(AuditEvent.sequence, AuditEvent.hash)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.sequence.desc())
            .limit(1)
        ).first()
        sequence, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
        events = []
        for draft in entries:
            sealed = self._sealed_values(
                case_id,
                sequence,
                previous,
                draft.actor,
                action=draft.action,
                field=draft.field,
                old_value=draft.old_value,
                new_value=draft.new_value,
                cause=draft.cause,
            )
            event = AuditEvent(**sealed)
            session.add(event)
            events.append(event)
            sequence, previous = sequence + 1, event.hash
        if (head is None and last is None) or (
            head is not None and last is not None and self._head_holds(head, last[0], last[1])
        ):
            self.seal_head(session, case_id, sequence - 1, previous, head)
        else:
            # The trail no longer ends where it was sealed: the head is left
            # as it is, so that verifying keeps showing the break.
            log.error(
                "audit trail of %s does not end where it was sealed; appended entries "
                "%d to %d without moving its sealed head",
                case_id,
                events[0].sequence,
                sequence - 1,
            )
        return events

    def _sealed_values(
        self,
        case_id: str,
        sequence: int,
        previous: str,
        actor: Actor,
        *,
        action: str,
        field: str = "",
        old_value: str = "",
        new_value: str = "",
        cause: str = "",
        recorded_at: datetime | None = None,
    ) -> dict[str, Any]:
        """An audit_events row: the trail's entry number `sequence` after the one
        hashed `previous`, hashed, committed to its values and sealed with the
        audit key; recorded now, or when the write that records it began."""
        key = self.sealing_key()
        salts = new_salts()
        entry = AuditEntry(
            case_id=case_id,
            sequence=sequence,
            recorded_at=recorded_at or _now(),
            actor_kind=actor.kind,
            actor_id=actor.id,
            rule_version=actor.rule_version,
            action=action,
            field=field,
            old_value=old_value,
            new_value=new_value,
            cause=cause,
            scheme=CURRENT_SCHEME,
            commitments=commitments_of(
                {"old_value": old_value, "new_value": new_value, "cause": cause}, salts
            ),
            salts=salts,
        )
        digest = entry_hash(previous, entry)
        return dict(
            case_id=case_id,
            sequence=sequence,
            recorded_at=entry.recorded_at,
            actor_kind=entry.actor_kind,
            actor_id=entry.actor_id,
            rule_version=entry.rule_version,
            action=action,
            field=field,
            old_value=old_value,
            new_value=new_value,
            cause=cause,
            previous_hash=previous,
            hash=digest,
            hash_scheme=entry.scheme,
            commitments=dict(entry.commitments),
            value_salts=dict(entry.salts),
            seal=seal_of(key, entry, digest),
        )

    def _head_holds(self, head: AuditTrailHead, entries: int, head_hash: str) -> bool:
        key = self.sealing_key()
        return (
            head.key_id == key.key_id
            and head.entries == entries
            and head.head_hash == head_hash
            and seals_match(head.seal, head_seal(key, head.case_id, entries, head_hash))
        )

    def seal_head(
        self,
        session: Session,
        case_id: str,
        entries: int,
        head_hash: str,
        head: AuditTrailHead | None = None,
    ) -> None:
        """Seals the trail as ending at `entries` with `head_hash`. Only for a
        trail just extended or resealed by this store, never to cover a break."""
        if head is None:
            head = session.get(AuditTrailHead, case_id)
        if head is None:
            head = AuditTrailHead(case_id=case_id)
            session.add(head)
        for name, value in self._head_values(case_id, entries, head_hash).items():
            setattr(head, name, value)

    def _head_values(
        self, case_id: str, entries: int, head_hash: str, sealed_at: datetime | None = None
    ) -> dict[str, Any]:
        """An audit_trail_heads row: the trail sealed as ending at `entries`."""
        key = self.sealing_key()
        return {
            "case_id": case_id,
            "entries": entries,
            "head_hash": head_hash,
            "key_id": key.key_id,
            "seal": head_seal(key, case_id, entries, head_hash),
            "sealed_at": sealed_at or _now(),
        }

    # -- reads -----------------------------------------------------------

    def _case_by_workflow(self, workflow_id: str) -> tuple[Case, Customer] | None:
        with self.sessions() as session:
            row = session.execute(
                select(Case, Customer)
                .join(Customer, Customer.id == Case.customer_id)
                .where(Case.workflow_id == workflow_id)
            ).first()
            return (row[0], row[1]) if row else None

    def case_of_workflow(self, workflow_id: str) -> str | None:
        """The id of the case `workflow_id` owns; None when none is stored."""
        with self.sessions() as session:
            return session.scalar(select(Case.case_id).where(Case.workflow_id == workflow_id))

    def case_policy(self, workflow_id: str) -> tuple[str, str] | None:
        """The policy id and version the case of `workflow_id` was stored
        under; None when no case is stored for it."""
        with self.sessions() as session:
            row = session.execute(
                select(Case.policy_id, Case.policy_version).where(Case.workflow_id == workflow_id)
            ).first()
            return (row[0], row[1]) if row else None

    def get_case(
        self, case_id: str, notes: int | None = None, audit_events: int | None = None
    ) -> CaseView | None:
        """The case with its clocks, subtasks, outcome and links, its `notes`
        most recent notes and its `audit_events` most recent audit entries
        (each oldest first; None: all), and how many of each it holds."""
        with self.sessions() as session:
            row = session.execute(
                select(Case, Customer)
                .join(Customer, Customer.id == Case.customer_id)
                .where(Case.case_id == case_id)
            ).first()
            if row is None:
                return None
            events = list(
                session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.case_id == case_id)
                    .order_by(AuditEvent.sequence.desc())
                    .limit(audit_events)
                )
            )[::-1]
            event_count = session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case_id)
            )
            clocks = list(
                session.scalars(
                    select(CaseClock).where(CaseClock.case_id == case_id).order_by(CaseClock.due_at)
                )
            )
            subtasks = list(
                session.scalars(
                    select(Subtask).where(Subtask.case_id == case_id).order_by(Subtask.created_at)
                )
            )
            recent_notes = list(
                session.scalars(
                    select(Note)
                    .where(Note.case_id == case_id)
                    .order_by(Note.created_at.desc(), Note.note_id.desc())
                    .limit(notes)
                )
            )[::-1]
            note_count = session.scalar(
                select(func.count()).select_from(Note).where(Note.case_id == case_id)
            )
            outcome = session.get(Outcome, case_id)
            links = self._links(session, case_id)
            return CaseView(
                row[0],
                row[1],
                events,
                clocks,
                subtasks,
                outcome,
                recent_notes,
                links,
                note_count=int(note_count or 0),
                audit_event_count=int(event_count or 0),
            )

    def notes_page(self, case_id: str, limit: int, page_token: str) -> tuple[list[Note], str]:
        """Up to `limit` of the case's notes, most recent first, after the
        page `page_token` ended; and the token of the next page ("" at the end)."""
        query = select(Note).where(Note.case_id == case_id)
        if page_token:
            created_at, note_id = _decode_note_token(page_token)
            before = tuple_(Note.created_at, Note.note_id)
            query = query.where(
                before
                < tuple_(
                    literal(created_at, Note.created_at.type), literal(note_id, Note.note_id.type)
                )
            )
        query = query.order_by(Note.created_at.desc(), Note.note_id.desc()).limit(limit + 1)
        with self.sessions() as session:
            found = list(session.scalars(query))
        if len(found) <= limit:
            return found, ""
        found = found[:limit]
        return found, note_token(found[-1])

    def subtask(self, case_id: str, subtask_id: str) -> Subtask | None:
        with self.sessions() as session:
            found = session.get(Subtask, subtask_id)
            return found if found is not None and found.case_id == case_id else None

    def clocks_of(self, case_ids: Sequence[str]) -> dict[str, list[CaseClock]]:
        """The clocks of a page of cases, in one query, each case's by deadline."""
        found: dict[str, list[CaseClock]] = {case_id: [] for case_id in case_ids}
        if not case_ids:
            return found
        with self.sessions() as session:
            for clock in session.scalars(
                select(CaseClock)
                .where(CaseClock.case_id.in_(list(case_ids)))
                .order_by(CaseClock.case_id, CaseClock.due_at)
            ):
                found[clock.case_id].append(clock)
        return found

    @staticmethod
    def _links(session: Session, case_id: str) -> list[LinkView]:
        rows = session.scalars(
            select(CaseLink)
            .where(or_(CaseLink.case_id == case_id, CaseLink.other_case_id == case_id))
            .order_by(CaseLink.id)
        )
        return [
            LinkView(r.kind, r.other_case_id, r.created_at, r.created_by)
            if r.case_id == case_id
            else LinkView(INVERSE_LINK[r.kind], r.case_id, r.created_at, r.created_by)
            for r in rows
        ]

    def link_cases(self, case_id: str, kind: str, other_case_id: str, actor: Actor) -> bool:
        """Links two existing cases; False if they were already linked this way.

        Raises LinkRefused for a second, different link between the same pair,
        a case marked a duplicate of two cases, or a parent/child cycle.
        """
        try:
            with self.sessions.begin() as session:
                existing = self._links(session, case_id)
                same_pair = [x for x in existing if x.other_case_id == other_case_id]
                if same_pair:
                    if same_pair[0].kind == kind:
                        return False
                    raise LinkRefused(
                        f"{case_id} is already linked to {other_case_id} as "
                        f"{same_pair[0].kind}; one link per pair of cases"
                    )
                for this, links in (
                    (case_id, existing),
                    (other_case_id, self._links(session, other_case_id)),
                ):
                    if len(links) >= MAX_CASE_LINKS:
                        raise LinkRefused(
                            f"{this} holds {len(links):,} links, the most a case may hold "
                            f"({MAX_CASE_LINKS:,}); unlink one first"
                        )
                if kind == "duplicate_of":
                    original = [x for x in existing if x.kind == "duplicate_of"]
                    if original:
                        raise LinkRefused(
                            f"{case_id} is already a duplicate of {original[0].other_case_id}"
                        )
                if kind in ("parent_of", "child_of"):
                    parent, child = (
                        (case_id, other_case_id)
                        if kind == "parent_of"
                        else (other_case_id, case_id)
                    )
                    if parent in self._descendants(session, child):
                        raise LinkRefused(
                            f"{child} is already above {parent}: the link would make a cycle"
                        )
                session.add(
                    CaseLink(
                        case_id=case_id,
                        other_case_id=other_case_id,
                        kind=kind,
                        created_at=_now(),
                        created_by=actor.id,
                    )
                )
                self._audit_link(session, actor, "case.linked", case_id, other_case_id, kind)
                return True
        except IntegrityError:
            # The same link made at the same moment by another call.
            with self.sessions() as session:
                if any(
                    x.other_case_id == other_case_id and x.kind == kind
                    for x in self._links(session, case_id)
                ):
                    return False
            raise

    def unlink_cases(self, case_id: str, other_case_id: str, actor: Actor, reason: str) -> bool:
        """Removes the link between two cases; False if there was none."""
        with self.sessions.begin() as session:
            row = session.scalars(
                select(CaseLink).where(
                    or_(
                        and_(CaseLink.case_id == case_id, CaseLink.other_case_id == other_case_id),
                        and_(CaseLink.case_id == other_case_id, CaseLink.other_case_id == case_id),
                    )
                )
            ).first()
            if row is None:
                return False
            session.delete(row)
            self._audit_link(
                session, actor, "case.unlinked", row.case_id, row.other_case_id, row.kind, reason
            )
            return True

    def _audit_link(
        self,
        session: Session,
        actor: Actor,
        action: str,
        case_id: str,
        other_case_id: str,
        kind: str,
        reason: str = "",
    ) -> None:
        """Records a link made or removed on both cases' trails, each from its own side."""
        for this, that, how in (
            (case_id, other_case_id, kind),
            (other_case_id, case_id, INVERSE_LINK[kind]),
        ):
            value = _json({"kind": how, "other_case_id": that})
            removed = action == "case.unlinked"
            self._append(
                session,
                this,
                actor,
                action=action,
                field="links",
                old_value=value if removed else "",
                new_value="" if removed else value,
                cause=reason,
            )

    def _descendants(self, session: Session, case_id: str) -> set[str]:
        """Every case below `case_id` through parent/child links."""
        found: set[str] = set()
        frontier = [case_id]
        while frontier:
            current = frontier.pop()
            for link in self._links(session, current):
                if link.kind == "parent_of" and link.other_case_id not in found:
                    found.add(link.other_case_id)
                    frontier.append(link.other_case_id)
        return found

    def holder_of(self, case_id: str) -> tuple[str, str] | None:
        """The case's team and assignee, which decide who may see it."""
        with self.sessions() as session:
            row = session.execute(
                select(Case.team, Case.assignee).where(Case.case_id == case_id)
            ).first()
        return (row[0] or "", row[1] or "") if row else None

    def workflow_of(self, case_id: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(select(Case.workflow_id).where(Case.case_id == case_id))

    def record_change(self, change: CaseChange) -> bool:
        """Applies a workflow's change once; False if it was applied before.
        Raises ChangeConflict if its id was recorded with other content."""
        try:
            with self.sessions.begin() as session:
                if self._seen_change(session, change):
                    return False
                case = session.scalars(
                    select(Case).where(Case.case_id == change.case_id).with_for_update()
                ).first()
                if case is None:
                    raise KeyError(change.case_id)
                now = _now()
                session.add(
                    AppliedChange(
                        change_id=change.change_id,
                        case_id=case.case_id,
                        applied_at=now,
                        fingerprint=change.fingerprint,
                    )
                )
                for name, value in change.fields.items():
                    if name in LIFECYCLE_FIELDS:
                        setattr(case, name, value)
                case.updated_at = now
                existing = {
                    c.name: c
                    for c in session.scalars(
                        select(CaseClock).where(CaseClock.case_id == case.case_id)
                    )
                }
                for clock in change.clocks:
                    row = existing.get(clock["name"])
                    if row is None:
                        session.add(CaseClock(case_id=case.case_id, **clock))
                    else:
                        if row.started_at != clock.get("started_at"):
                            row.warned_at = None  # started again: not warned this time
                        for key, value in clock.items():
                            setattr(row, key, value)
                # The workflow reports its whole state each time: text erased
                # with the customer's data must not come back from it.
                erased = session.scalar(
                    select(Customer.erased_at).where(Customer.id == case.customer_id)
                )
                kept_erased = ("description", "summary") if erased is not None else ()
                for subtask in change.subtasks:
                    row_s = session.get(Subtask, subtask["subtask_id"])
                    if row_s is None:
                        session.add(Subtask(case_id=case.case_id, **subtask))
                    else:
                        for key, value in subtask.items():
                            if key not in kept_erased:
                                setattr(row_s, key, value)
                if change.outcome is not None:
                    row_o = session.get(Outcome, case.case_id)
                    if row_o is None:
                        session.add(Outcome(case_id=case.case_id, **change.outcome))
                    else:
                        for key, value in change.outcome.items():
                            if key not in kept_erased:
                                setattr(row_o, key, value)
                for note in change.notes:
                    session.add(Note(case_id=case.case_id, **note))
                session.flush()
                if change.notes:
                    refresh_search_text(session, case)
                for draft in change.audit:
                    if draft.action == "clock.warning" and draft.field.startswith("clocks."):
                        warned = session.scalars(
                            select(CaseClock).where(
                                CaseClock.case_id == case.case_id,
                                CaseClock.name == draft.field.removeprefix("clocks."),
                            )
                        ).first()
                        if warned is not None and warned.warned_at is None:
                            warned.warned_at = now
                self._append_all(session, case.case_id, change.audit)
                session.flush()
                return True
        except IntegrityError:
            # The same change applied concurrently by a retried activity.
            with self.sessions() as session:
                if self._seen_change(session, change):
                    return False
            raise

    def store_closed_cases(
        self, items: Sequence[tuple[NewCase, CaseChange]], actor: Actor
    ) -> list[tuple[str, bool, bool]]:
        """Stores closed cases that need no workflow (historic imports), each
        with the change its rules made on receipt: what create_case and
        record_change do one case at a time, in one transaction and a few
        statements for the whole batch. (case_id, created, reused_key) per
        item, in order; a case already stored for its workflow answers as it
        is, and its change is not applied again. `reused_key` says that it
        was filed by an import of other content: an import's change id
        names its content (`<workflow id>/import/<fingerprint>`)."""
        for attempt in range(3):
            try:
                return self._store_closed_batch(items, actor)
            except IntegrityError:
                # Another importer stored some of the same cases first: the
                # next attempt finds them stored.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _store_closed_batch(
        self, items: Sequence[tuple[NewCase, CaseChange]], actor: Actor
    ) -> list[tuple[str, bool, bool]]:
        now = _now()
        with self.sessions.begin() as session:
            stored: dict[str, str] = {
                workflow_id: case_id
                for workflow_id, case_id in session.execute(
                    select(Case.workflow_id, Case.case_id).where(
                        Case.workflow_id.in_([new.workflow_id for new, _ in items])
                    )
                ).all()
            }
            # The import changes of the cases stored before: a case filed
            # again from other content under the same key is told apart.
            imported: dict[str, set[str]] = {}
            if stored:
                for workflow_id, change_id in session.execute(
                    select(Case.workflow_id, AppliedChange.change_id)
                    .join(AppliedChange, AppliedChange.case_id == Case.case_id)
                    .where(
                        Case.workflow_id.in_(list(stored)),
                        AppliedChange.change_id.like("%/import/%"),
                    )
                ).all():
                    imported.setdefault(workflow_id, set()).add(change_id)
            by_ref, by_email = self._customers_named(session, [new.customer for new, _ in items])
            # Per item: the case stored before, or the index of a new one.
            answers: list[tuple[str | int, bool, bool]] = []
            first_of: dict[str, int] = {}
            # (the case's columns, its customer, identity conflicts, as received, its change)
            fresh: list[
                tuple[dict[str, Any], Customer, list[IdentityConflict], NewCase, CaseChange]
            ] = []
            customers: list[dict[str, Any]] = []
            for new, change in items:
                if new.workflow_id in stored or new.workflow_id in first_of:
                    earlier = imported.get(new.workflow_id, set())
                    reused = bool(earlier) and change.change_id not in earlier
                    found: str | int = stored.get(new.workflow_id) or first_of[new.workflow_id]
                    answers.append((found, False, reused))
                    continue
                details = new.customer
                email = details.email.lower()
                customer, conflicts = identity_conflicts(
                    details,
                    by_ref.get(details.external_ref) if details.external_ref else None,
                    by_email.get(email) if email else None,
                )
                if customer is None:
                    customer = self._customer_row(details, now)
                    customers.append(_row_values(customer))
                    if details.external_ref:
                        by_ref.setdefault(details.external_ref, customer)
                    if email:
                        by_email.setdefault(email, customer)
                first_of[new.workflow_id] = len(fresh)
                imported[new.workflow_id] = {change.change_id}
                answers.append((len(fresh), True, False))
                values = self._case_values(new, customer.id, now)
                fresh.append((values, customer, conflicts, new, change))
            case_ids = self._insert_closed(session, fresh, customers, actor, now)
            return [
                (case_ids[found] if isinstance(found, int) else found, created, reused)
                for found, created, reused in answers
            ]

    @staticmethod
    def _customers_named(
        session: Session, details: Sequence[CustomerDetails]
    ) -> tuple[dict[str, Customer], dict[str, Customer]]:
        """The customers the details' CRM references and e-mail addresses name,
        the earliest of each, as _match_or_add_customer finds them one by one."""
        by_ref: dict[str, Customer] = {}
        by_email: dict[str, Customer] = {}
        refs = {d.external_ref for d in details if d.external_ref}
        emails = {d.email.lower() for d in details if d.email}
        order = (Customer.created_at, Customer.id)
        if refs:
            for c in session.scalars(
                select(Customer).where(Customer.external_ref.in_(refs)).order_by(*order)
            ):
                by_ref.setdefault(c.external_ref, c)
        if emails:
            for c in session.scalars(
                select(Customer).where(Customer.email_normalized.in_(emails)).order_by(*order)
            ):
                by_email.setdefault(c.email_normalized, c)
        return by_ref, by_email

    def _insert_closed(
        self,
        session: Session,
        fresh: list[tuple[dict[str, Any], Customer, list[IdentityConflict], NewCase, CaseChange]],
        customers: list[dict[str, Any]],
        actor: Actor,
        now: datetime,
    ) -> list[str]:
        """Writes new closed cases with one multi-row statement per table;
        their case ids, in order. A case's row is written with its change
        applied, then given its number (made from its surrogate key)."""
        if not fresh:
            return []
        if customers:
            _insert_rows(session, Customer, customers)
        # Each row is written with the lifecycle fields of its change (the
        # trail opens with the case as received).
        cases = []
        for received, *_, new, change in fresh:
            values = received | {k: v for k, v in change.fields.items() if k in LIFECYCLE_FIELDS}
            values["deadline_order"] = deadline_order(values.get("next_deadline"))
            values["updated_at"] = now
            if change.notes:
                notes = sorted(change.notes, key=lambda n: (n["created_at"], n["note_id"]))
                values["search_text"] = "\n".join([new.narrative, *(n["body"] for n in notes)])
            cases.append(values)
        reserved = _reserved_case_keys(session, len(cases))
        if reserved is not None:
            # Numbered before they are written: one COPY, no UPDATE.
            for values, surrogate in zip(cases, reserved, strict=True):
                values["id"], values["case_id"] = surrogate, case_number(surrogate)
            _insert_rows(session, Case, cases)
            surrogates = reserved
        else:
            surrogates = _insert_rows(session, Case, cases, returning=Case.__table__.c.id)
        case_ids = [case_number(surrogate) for surrogate in surrogates]
        clocks: list[dict[str, Any]] = []
        children: dict[type[Base], list[dict[str, Any]]] = {
            Subtask: [],
            Outcome: [],
            Note: [],
            AppliedChange: [],
            AuditEvent: [],
            AuditTrailHead: [],
        }
        for (_, customer, conflicts, new, change), case_id in zip(fresh, case_ids, strict=True):
            # The trail opens with the case as received, before its change.
            opening = self._creation_entries(new, customer, conflicts)
            entries: list[tuple[Actor, dict[str, str]]] = [(actor, e) for e in opening]
            entries += [
                (
                    d.actor,
                    {
                        "action": d.action,
                        "field": d.field,
                        "old_value": d.old_value,
                        "new_value": d.new_value,
                        "cause": d.cause,
                    },
                )
                for d in change.audit
            ]
            warned = {
                d.field.removeprefix("clocks.")
                for d in change.audit
                if d.action == "clock.warning" and d.field.startswith("clocks.")
            }
            for clock in change.clocks:
                clocks.append(
                    {
                        "case_id": case_id,
                        "warned_at": now if clock["name"] in warned else None,
                        **clock,
                    }
                )
            children[Subtask] += [{"case_id": case_id, **t} for t in change.subtasks]
            if change.outcome is not None:
                children[Outcome].append({"case_id": case_id, **change.outcome})
            children[Note] += [{"case_id": case_id, **n} for n in change.notes]
            children[AppliedChange].append(
                {
                    "change_id": change.change_id,
                    "case_id": case_id,
                    "applied_at": now,
                    "fingerprint": change.fingerprint,
                }
            )
            # Every entry of an import is recorded when its write began.
            previous = GENESIS
            for sequence, (who, entry) in enumerate(entries, start=1):
                values = self._sealed_values(
                    case_id, sequence, previous, who, **entry, recorded_at=now
                )
                children[AuditEvent].append(values)
                previous = values["hash"]
            head = self._head_values(case_id, len(entries), previous, sealed_at=now)
            children[AuditTrailHead].append(head)
        if reserved is None:
            cases_table = cast(Table, Case.__table__)
            session.execute(
                update(cases_table)
                .where(cases_table.c.id == bindparam("surrogate"))
                .values(case_id=bindparam("number")),
                [
                    {"surrogate": surrogate, "number": number}
                    for surrogate, number in zip(surrogates, case_ids, strict=True)
                ],
            )
        if clocks:
            _insert_rows(session, CaseClock, clocks)
        for table, rows in children.items():
            if rows:
                _insert_rows(session, table, rows)
        return case_ids

    @staticmethod
    def _seen_change(session: Session, change: CaseChange) -> bool:
        applied = session.get(AppliedChange, change.change_id)
        if applied is None:
            return False
        if applied.fingerprint is not None and applied.fingerprint != change.fingerprint:
            raise ChangeConflict(change.change_id, applied.fingerprint, change.fingerprint)
        return True

    def update_customer_preferences(
        self,
        case_id: str,
        actor: Actor,
        preferences: dict[str, Any],
        reason: str,
    ) -> bool:
        """Replaces how the customer wants to be contacted, on the case (which
        its letters follow) and on the customer record; an audit entry on the
        case says what changed. False when nothing did."""
        with self.sessions.begin() as session:
            case = session.scalars(
                select(Case).where(Case.case_id == case_id).with_for_update()
            ).first()
            if case is None:
                raise KeyError(case_id)
            customer = session.get(Customer, case.customer_id, with_for_update=True)
            assert customer is not None
            old = {name: getattr(case, CONTACT_FIELDS[name]) for name in preferences}
            held = {name: getattr(customer, name) for name in preferences}
            if old == preferences and held == preferences:
                return False
            now = _now()
            for name, value in preferences.items():
                setattr(case, CONTACT_FIELDS[name], value)
                setattr(customer, name, value)
            case.updated_at = now
            customer.updated_at = now
            self._append(
                session,
                case_id,
                actor,
                action="customer.preferences_changed",
                field="customer",
                old_value=_json(old),
                new_value=_json(preferences),
                cause=reason,
            )
            # How the customer wants to be contacted is theirs, not one
            # complaint's: their other cases still being handled follow it
            # too, each saying so in its own trail.
            others = session.scalars(
                select(Case)
                .where(
                    Case.customer_id == case.customer_id,
                    Case.case_id != case_id,
                    Case.resolved_at.is_(None),
                    Case.closed_at.is_(None),
                )
                .order_by(Case.id)
                .with_for_update()
            )
            for other in others:
                before = {name: getattr(other, CONTACT_FIELDS[name]) for name in preferences}
                if before == preferences:
                    continue
                for name, value in preferences.items():
                    setattr(other, CONTACT_FIELDS[name], value)
                other.updated_at = now
                self._append(
                    session,
                    other.case_id,
                    actor,
                    action="customer.preferences_changed",
                    field="customer",
                    old_value=_json(before),
                    new_value=_json(preferences),
                    cause=f"{reason} (asked on {case_id})",
                )
            return True

    def merge_case_contact(
        self, case_id: str, actor: Actor, fields: Sequence[str], reason: str
    ) -> bool:
        """Copies the customer's details as the case holds them (all, or the
        fields named) onto the customer record, so that later complaints
        matched to it start from them. Only ever asked for by a person; an
        audit entry on the case names the record and each field's old and
        new value. False when the record held them already."""
        unknown = [f for f in fields if f not in CONTACT_FIELDS]
        if unknown:
            raise ValueError(f"not a customer detail: {', '.join(unknown)}")
        with self.sessions.begin() as session:
            case = session.scalars(
                select(Case).where(Case.case_id == case_id).with_for_update()
            ).first()
            if case is None:
                raise KeyError(case_id)
            customer = session.get(Customer, case.customer_id, with_for_update=True)
            assert customer is not None
            if customer.erased_at is not None:
                raise ValueError("the customer's personal data was erased; nothing is merged")
            contact = case_contact(case)
            changed = {
                name: contact[name]
                for name in (fields or CONTACT_FIELDS)
                if getattr(customer, name) != contact[name]
            }
            if not changed:
                return False
            old = {name: getattr(customer, name) for name in changed}
            for name, value in changed.items():
                setattr(customer, name, value)
            if "email" in changed:
                customer.email_normalized = str(changed["email"]).lower()
            now = _now()
            customer.updated_at = now
            case.updated_at = now
            self._append(
                session,
                case_id,
                actor,
                action=CONTACT_MERGED,
                field="customer",
                old_value=_json(old),
                new_value=_json(changed),
                cause=reason,
            )
            return True

    def reminders_and_satisfaction(
        self, case_id: str
    ) -> tuple[list[ReminderRow], SatisfactionResponse | None]:
        """The case's staff reminders (from its trail) and its survey answer."""
        with self.sessions() as session:
            answer = session.get(SatisfactionResponse, case_id)
            if answer is not None:
                session.expunge(answer)
            return reminders_of(session, case_id), answer

    def record_satisfaction(
        self, case_id: str, actor: Actor, score: int, comment: str, source: str = "staff"
    ) -> bool:
        """The case's one survey answer; False if it had one already."""
        try:
            with self.sessions.begin() as session:
                if session.get(SatisfactionResponse, case_id) is not None:
                    return False
                session.add(
                    SatisfactionResponse(
                        case_id=case_id,
                        score=score,
                        comment=comment,
                        recorded_by=actor.id,
                        received_at=_now(),
                        source=source,
                    )
                )
                session.flush()
                self._append(
                    session,
                    case_id,
                    actor,
                    action="satisfaction.recorded",
                    field="satisfaction",
                    new_value=str(score),
                    cause=f"source {source}" + (f": {comment[:1000]}" if comment else ""),
                )
                return True
        except IntegrityError:
            return False

    def add_note(self, case_id: str, actor: Actor, body: str, customer_visible: bool) -> Note:
        with self.sessions.begin() as session:
            # The case row locked (on PostgreSQL), so that two notes added at
            # once cannot both pass the limit.
            session.scalars(select(Case.case_id).where(Case.case_id == case_id).with_for_update())
            count, held = session.execute(
                select(func.count(), func.coalesce(func.sum(func.length(Note.body)), 0)).where(
                    Note.case_id == case_id
                )
            ).one()
            if int(count or 0) >= MAX_CASE_NOTES:
                raise NotesFull(
                    f"case {case_id} holds {int(count):,} notes, the most a case may hold "
                    f"({MAX_CASE_NOTES:,})"
                )
            if int(held or 0) + len(body) > MAX_CASE_NOTES_CHARACTERS:
                raise NotesFull(
                    f"case {case_id} holds {int(held or 0):,} characters of notes; with this "
                    f"note of {len(body):,} it would pass the limit of "
                    f"{MAX_CASE_NOTES_CHARACTERS:,} characters of notes a case may hold"
                )
            note = Note(
                note_id=f"N-{uuid.uuid4().hex[:16]}",
                case_id=case_id,
                author=actor.id,
                customer_visible=customer_visible,
                body=body,
                created_at=_now(),
            )
            session.add(note)
            session.flush()
            case = session.scalars(select(Case).where(Case.case_id == case_id)).one()
            refresh_search_text(session, case)
            self._append(
                session,
                case_id,
                actor,
                action="note.added",
                field="notes",
                new_value=_json({"note_id": note.note_id, "customer_visible": customer_visible}),
                cause="customer-visible note" if customer_visible else "internal note",
            )
            return note

    def publish_policy(
        self, policy_id: str, version: str, document: str, published_by: str
    ) -> tuple[PolicyVersion, bool]:
        """Stores a policy version; (existing, False) if this version exists already."""
        with self.sessions() as session:
            existing = session.get(PolicyVersion, (policy_id, version))
            if existing is not None:
                return existing, False
        try:
            with self.sessions.begin() as session:
                row = PolicyVersion(
                    policy_id=policy_id,
                    version=version,
                    document=document,
                    published_at=_now(),
                    published_by=published_by,
                )
                session.add(row)
                return row, True
        except IntegrityError:
            with self.sessions() as session:
                found = session.get(PolicyVersion, (policy_id, version))
                assert found is not None
                return found, False

    def get_policy(self, policy_id: str = "", version: str = "") -> PolicyVersion | None:
        with self.sessions() as session:
            query = select(PolicyVersion)
            if policy_id:
                query = query.where(PolicyVersion.policy_id == policy_id)
            if version:
                query = query.where(PolicyVersion.version == version)
            return session.scalars(
                query.order_by(PolicyVersion.published_at.desc()).limit(1)
            ).first()

    def published_document(self, policy_id: str, version: str) -> str | None:
        row = self.get_policy(policy_id, version)
        return row.document if row is not None else None

    def audit_events(self, case_id: str, after_sequence: int, limit: int) -> list[AuditEvent]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.case_id == case_id, AuditEvent.sequence > after_sequence)
                    .order_by(AuditEvent.sequence)
                    .limit(limit)
                )
            )

    def case_exists(self, case_id: str) -> bool:
        with self.sessions() as session:
            return session.scalar(select(Case.id).where(Case.case_id == case_id)) is not None

    def verify_audit_trail(self, case_id: str) -> ChainVerdict:
        """The trail's verdict; an AuditKeyError when this store holds no key,
        or not the one the trail was sealed with."""
        key = self.sealing_key()
        with self.sessions() as session:
            # The entries and the sealed head in one statement, so that both are
            # read from one snapshot: read apart, an entry appended in between
            # (a letter's, while someone verifies) would look like one cut off.
            rows = session.execute(
                select(AuditEvent, AuditTrailHead)
                .outerjoin(AuditTrailHead, AuditTrailHead.case_id == AuditEvent.case_id)
                .where(AuditEvent.case_id == case_id)
                .order_by(AuditEvent.sequence)
            ).all()
            events = [event for event, _ in rows]
            head = sealed_head(rows[0][1]) if rows else trail_head(session, case_id)
            return verify_chain(case_id, sealed_entries(events), key, head)

    def reconcile(self, case_id: str) -> list[str]:
        """What the case's trail fails to explain about its stage, clocks,
        outcome and files (redress.domain.reconciliation); empty when they agree."""
        with self.sessions() as session:
            case = session.scalars(select(Case).where(Case.case_id == case_id)).first()
            if case is None:
                raise KeyError(case_id)
            clocks = {
                c.name: c.state
                for c in session.scalars(select(CaseClock).where(CaseClock.case_id == case_id))
            }
            has_outcome = session.get(Outcome, case_id) is not None
            files = session.scalar(
                select(func.count())
                .select_from(CaseAttachment)
                .where(CaseAttachment.case_id == case_id)
            )
            trail = [
                TrailEntry(row.sequence, row.action, row.field, row.old_value, row.new_value)
                for row in session.execute(
                    select(
                        AuditEvent.sequence,
                        AuditEvent.action,
                        AuditEvent.field,
                        AuditEvent.old_value,
                        AuditEvent.new_value,
                    )
                    .where(AuditEvent.case_id == case_id)
                    .order_by(AuditEvent.sequence)
                )
            ]
        facts = CaseFacts(
            stage=case.stage,
            clocks=clocks,
            outcome_recorded=has_outcome,
            attachments=int(files or 0),
        )
        return disagreements(facts, trail)

    def list_cases(
        self, filters: CaseFilter, sort_by: str, ascending: bool, limit: int, page_token: str
    ) -> tuple[list[tuple[Case, Customer]], str]:
        """One page of cases and the token for the next page ("" at the end).

        Keyset pagination on (sort key, id): stable while cases are added, and
        as fast on the millionth page as on the first.
        """
        if sort_by not in SORTABLE:
            raise ValueError(f"cannot sort by {sort_by}")
        key = Case.deadline_order if sort_by == "next_deadline" else getattr(Case, sort_by)
        query = select(Case, Customer).join(Customer, Customer.id == Case.customer_id)
        query = query.where(*self._conditions(filters))
        if page_token:
            last_key, last_id = _decode_token(page_token, sort_by)
            # A row-value comparison, which both backends answer with a range
            # scan of the (key, id) index.
            after = tuple_(key, Case.id)
            after_last = tuple_(literal(last_key, key.type), literal(last_id, Case.id.type))
            query = query.where(after > after_last if ascending else after < after_last)
        order = (key.asc(), Case.id.asc()) if ascending else (key.desc(), Case.id.desc())
        query = query.order_by(*order).limit(limit + 1)
        with self.sessions() as session:
            rows: list[tuple[Case, Customer]] = [(r[0], r[1]) for r in session.execute(query)]
        if len(rows) <= limit:
            return rows, ""
        rows = rows[:limit]
        return rows, case_page_token(rows[-1][0], sort_by)

    @staticmethod
    def _conditions(f: CaseFilter) -> list[Any]:
        conditions: list[Any] = []
        for column, values in (
            (Case.stage, f.stages),
            (Case.priority, f.priorities),
            (Case.assignee, f.assignees),
            (Case.team, f.teams),
            (Case.category, f.categories),
            (Case.complaint_type, f.complaint_types),
            (Case.channel, f.channels),
            (Case.product, f.products),
            (Case.regime, f.regimes),
        ):
            if values:
                conditions.append(column.in_(list(values)))
        if f.breached is not None:
            conditions.append(Case.breached.is_(f.breached))
        if f.received_from:
            conditions.append(Case.received_at >= f.received_from)
        if f.received_to:
            conditions.append(Case.received_at < f.received_to)
        if f.closed_from:
            conditions.append(Case.closed_at >= f.closed_from)
        if f.closed_to:
            conditions.append(Case.closed_at < f.closed_to)
        if f.customer_id:
            conditions.append(Case.customer_id == f.customer_id)
        if f.contact:
            # The customer records it identifies, e-mail addresses matched as
            # intake matches them (in any case). Phone numbers have no index:
            # the customers, far fewer than the cases, are read through.
            email = f.contact.lower()
            owners = select(Customer.id).where(
                or_(
                    Customer.email_normalized == email,
                    Customer.phone == f.contact,
                    Customer.external_ref == f.contact,
                )
            )
            conditions.append(Case.customer_id.in_(owners))
        if f.visible is not None:
            # An agent limited to their teams' cases and their own.
            conditions.append(
                or_(Case.team.in_(sorted(f.visible.teams)), Case.assignee == f.visible.person)
            )
        if f.text:
            # Each word must appear in the narrative or in one of the case's
            # notes, both held in search_text: on PostgreSQL all the words
            # are looked up together in its trigram index. LIKE wildcards in
            # the words are literal.
            for word in f.text.split():
                escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                conditions.append(Case.search_text.ilike(f"%{escaped}%", escape="\\"))
        return conditions


def sealed_entries(events: Sequence[AuditEvent]) -> list[tuple[AuditEntry, str, str, str]]:
    return [(audit_entry(e), e.previous_hash, e.hash, e.seal or "") for e in events]


def trail_head(session: Session, case_id: str) -> TrailHead | None:
    return sealed_head(session.get(AuditTrailHead, case_id))


def sealed_head(head: AuditTrailHead | None) -> TrailHead | None:
    if head is None:
        return None
    return TrailHead(head.entries, head.head_hash, head.key_id, head.seal)


def audit_entry(e: AuditEvent) -> AuditEntry:
    """A stored audit row as the hash chain sees it."""
    return AuditEntry(
        case_id=e.case_id,
        sequence=e.sequence,
        recorded_at=e.recorded_at,
        actor_kind=e.actor_kind,
        actor_id=e.actor_id,
        rule_version=e.rule_version,
        action=e.action,
        field=e.field,
        old_value=e.old_value,
        new_value=e.new_value,
        cause=e.cause,
        scheme=e.hash_scheme or 1,
        commitments=dict(e.commitments or {}),
        salts=dict(e.value_salts or {}),
    )


def case_page_token(last: Case, sort_by: str) -> str:
    """The token of the page of cases that comes after `last`."""
    value = getattr(last, sort_by)
    if sort_by == "next_deadline" and value is None:
        value = FAR_FUTURE
    return _encode_token(sort_by, value, last.id)


def note_token(note: Note) -> str:
    """The page token of the notes that come after `note` (older ones)."""
    raw = json.dumps(["notes", note.created_at.isoformat(), note.note_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_note_token(token: str) -> tuple[datetime, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        kind, created_at, note_id = json.loads(base64.urlsafe_b64decode(padded))
        if kind != "notes" or not isinstance(note_id, str):
            raise ValueError(kind)
        return datetime.fromisoformat(created_at), note_id
    except Exception as err:
        raise InvalidPageToken("the page token is not one this service issued") from err


def _encode_token(sort_by: str, value: Any, last_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort_by, value, last_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, sort_by: str) -> tuple[Any, int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        kind, value, last_id = json.loads(base64.urlsafe_b64decode(padded))
        if kind != sort_by or not isinstance(last_id, int):
            raise InvalidPageToken("the page token belongs to a listing sorted differently")
        if sort_by == "priority":
            return int(value), last_id
        return datetime.fromisoformat(value), last_id
    except InvalidPageToken:
        raise
    except Exception as err:
        raise InvalidPageToken("the page token is not one this service issued") from err
