"""services/cases' tables: the store of record of complaints.

Owner: services/cases, the only writer. Read by services/reporting as its
declared read model (docs/architecture.md); no other service imports this
module (import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from redress.db.base import FAR_FUTURE, Base


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="")
    # Lower-cased, for matching a returning customer.
    email_normalized: Mapped[str] = mapped_column(String(320), default="", index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    postal_address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    preferred_channel: Mapped[str] = mapped_column(String(20), default="")
    preferred_language: Mapped[str] = mapped_column(String(35), default="")
    external_ref: Mapped[str] = mapped_column(String(100), default="", index=True)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # Channels the customer asked not to be contacted on ("email", "phone"...).
    do_not_contact: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    no_surveys: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # "<platform>:<handle>" from a social or chat channel adapter: who wrote,
    # never an address letters go to (docs/social.md).
    social_handle: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Set when the customer's personal data was erased on their request
    # (docs/privacy.md); the request's reference, e.g. the DSAR ticket.
    erased_at: Mapped[datetime | None] = mapped_column(default=None)
    erasure_reference: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # The agents' queue: open cases in a stage, newest first.
        Index("ix_cases_stage_received_at", "stage", "received_at"),
        Index("ix_cases_assignee_stage", "assignee", "stage"),
        Index("ix_cases_team_stage", "team", "stage"),
        Index("ix_cases_customer_id", "customer_id"),
        # One per sort order of ListCases, ending in id for keyset pagination:
        # a page is one index range scan, however deep.
        Index("ix_cases_received_at_id", "received_at", "id"),
        Index("ix_cases_deadline_order_id", "deadline_order", "id"),
        Index("ix_cases_priority_id", "priority", "id"),
        Index("ix_cases_updated_at_id", "updated_at", "id"),
    )

    # Internal surrogate key; case_id is what people and APIs use.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    case_id: Mapped[str] = mapped_column(String(20), unique=True)
    workflow_id: Mapped[str] = mapped_column(String(200), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    submitted_by: Mapped[str] = mapped_column(String(100), default="")
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(SmallInteger)
    stage: Mapped[str] = mapped_column(String(50))
    product: Mapped[str] = mapped_column(String(200), default="")
    sub_product: Mapped[str] = mapped_column(String(200), default="")
    issue: Mapped[str] = mapped_column(String(500), default="")
    sub_issue: Mapped[str] = mapped_column(String(500), default="")
    narrative: Mapped[str] = mapped_column(Text)
    # The narrative and every note's body, one per line: what ListCases' free
    # text searches, so that all of a query's words are looked up in one
    # trigram index (services/cases/store.py keeps it in step).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    desired_outcome: Mapped[str] = mapped_column(Text, default="")
    regime: Mapped[str] = mapped_column(String(20))
    company: Mapped[str] = mapped_column(String(200), default="")
    external_ref: Mapped[str] = mapped_column(String(100), default="", index=True)
    category: Mapped[str] = mapped_column(String(100), default="")
    assignee: Mapped[str] = mapped_column(String(100), default="")
    team: Mapped[str] = mapped_column(String(100), default="")
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    policy_id: Mapped[str] = mapped_column(String(100), default="")
    policy_version: Mapped[str] = mapped_column(String(50), default="")
    # The complaint type whose rules the case runs under ("" when its policy
    # has none); set by its workflow on receipt and when the category changes.
    complaint_type: Mapped[str] = mapped_column(String(64), default="", server_default="")
    attachment_ids: Mapped[list[Any]] = mapped_column(default=list)
    # The customer as this complaint gave them: how to address them, what
    # they asked (opt-outs, language) and their tags (docs/privacy.md).
    # Letters, channel choice, surveys and reports by tag for this case
    # follow these, never another complaint's details; the customer record
    # changes only by an explicit, audited merge (MergeCaseContact).
    contact_full_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    contact_postal_address: Mapped[dict[str, Any]] = mapped_column(
        default=dict, server_default="{}"
    )
    contact_preferred_channel: Mapped[str] = mapped_column(
        String(20), default="", server_default=""
    )
    contact_preferred_language: Mapped[str] = mapped_column(
        String(35), default="", server_default=""
    )
    contact_external_ref: Mapped[str] = mapped_column(String(100), default="", server_default="")
    contact_tags: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    contact_do_not_contact: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    contact_no_surveys: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    contact_social_handle: Mapped[str] = mapped_column(String(200), default="", server_default="")
    received_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    next_deadline: Mapped[datetime | None]
    # next_deadline, or FAR_FUTURE for none: what "soonest deadline first"
    # sorts and pages on, so that one plain index serves it on every backend.
    deadline_order: Mapped[datetime] = mapped_column(default=FAR_FUTURE)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)

    @validates("next_deadline")
    def _keep_deadline_order(self, _key: str, value: datetime | None) -> datetime | None:
        self.deadline_order = deadline_order(value)
        return value


def deadline_order(next_deadline: datetime | None) -> datetime:
    """A case's deadline_order for its next deadline (rows written without a
    row object keep it with this too)."""
    return next_deadline or FAR_FUTURE


class AuditEvent(Base):
    """One entry of a case's append-only, hash-chained audit trail."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("case_id", "sequence"),
        # The entries of one action (in a period), counted from the index
        # alone: reopened cases on the dashboard, clock breaches in the metrics.
        Index("ix_audit_events_action_recorded_at", "action", "recorded_at", "case_id", "field"),
        # Stage changes by the stage entered: closures for the metrics.
        Index(
            "ix_audit_events_stage_entered",
            "new_value",
            "case_id",
            "recorded_at",
            postgresql_where=text("action = 'case.stage_changed'"),
            sqlite_where=text("action = 'case.stage_changed'"),
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    sequence: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(200))
    rule_version: Mapped[str] = mapped_column(String(50), default="")
    action: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(100), default="")
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # How the entry was hashed (services/cases/audit.py): 1 over its values,
    # 2 over salted commitments to them, so that a value can be erased.
    hash_scheme: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    # Scheme 2: {"old_value"|"new_value"|"cause": sha256 commitment}, and the
    # salt of each value still held (an erased value loses its salt).
    commitments: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    value_salts: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # HMAC under the audit key over the case, sequence, hash and the values
    # erased from the entry (redress/db/audit_seal.py).
    seal: Mapped[str] = mapped_column(String(64), default="", server_default="")


class AuditTrailHead(Base):
    """Where each case's audit trail ends, sealed under the audit key, so that
    a trail cut short or re-hashed does not match it (redress/db/audit_seal.py)."""

    __tablename__ = "audit_trail_heads"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True)
    entries: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    seal: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime]


class CaseClock(Base):
    """The latest state of one clock of a case, as its workflow reported it."""

    __tablename__ = "case_clocks"
    __table_args__ = (Index("ix_case_clocks_state_due_at", "state", "due_at"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    regulatory: Mapped[bool] = mapped_column(Boolean, default=False)
    basis: Mapped[str] = mapped_column(String(20))
    calendar: Mapped[str] = mapped_column(String(100), default="")
    regulation: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    remaining_seconds: Mapped[float] = mapped_column(default=0.0)
    paused_seconds: Mapped[float] = mapped_column(default=0.0)
    pause_reason: Mapped[str] = mapped_column(String(100), default="")
    stopped_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]


class Subtask(Base):
    __tablename__ = "subtasks"
    __table_args__ = (Index("ix_subtasks_assignee_state", "assignee", "state"),)

    subtask_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    assignee: Mapped[str] = mapped_column(String(100), default="")
    team: Mapped[str] = mapped_column(String(100), default="")
    due_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class Outcome(Base):
    __tablename__ = "outcomes"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True)
    decision: Mapped[str] = mapped_column(String(20))
    redress_currency: Mapped[str] = mapped_column(String(3), default="")
    redress_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    goodwill_currency: Mapped[str] = mapped_column(String(3), default="")
    goodwill_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    root_cause: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))
    # The policy's outcome value ("" when the case's policy defines none).
    outcome: Mapped[str] = mapped_column(String(64), default="")


class Note(Base):
    __tablename__ = "notes"

    note_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    customer_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AppliedChange(Base):
    """Changes already recorded, so that a retried workflow activity is applied
    once; the fingerprint of what each said tells a repeat from a conflict."""

    __tablename__ = "applied_changes"

    change_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(20))
    applied_at: Mapped[datetime]
    # SHA-256 of the change's content; NULL for changes recorded before 0019.
    fingerprint: Mapped[str | None] = mapped_column(String(64), default=None)


class PolicyVersion(Base):
    """A published complaint-handling policy document; versions are never changed."""

    __tablename__ = "policies"

    policy_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(50), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(index=True)
    published_by: Mapped[str] = mapped_column(String(100))


class CaseLink(Base):
    """Two cases linked by a person: one row per pair, read from both sides."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_id", "other_case_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    other_case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    # duplicate_of, related_to, parent_of or child_of, as seen from case_id.
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))


class AttachmentContent(Base):
    """A file's bytes, stored once by their SHA-256 however many cases carry
    them (docs/attachments.md); removed when no case carries them any more."""

    __tablename__ = "attachment_contents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime]


class CaseAttachment(Base):
    """A file on a case: the name it was sent with, what its content is, where
    it came from and who added it."""

    __tablename__ = "case_attachments"
    __table_args__ = (
        # A retried upload finds the attachment it made (services/cases/attachments.py).
        UniqueConstraint("case_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    attachment_id: Mapped[str] = mapped_column(String(20), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_contents.sha256"), index=True)
    # email, web_form, status_page, chat, social, console or api.
    source: Mapped[str] = mapped_column(String(20))
    # A principal, or "customer" for files the customer sent.
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime]
    # "key:<the caller's key>", or "file:<sha256>:<digest of the name>" for an
    # upload without one.
    idempotency_key: Mapped[str] = mapped_column(String(210))


# -- the staff directory (docs/staff.md) ----------------------------------------


class StaffPersonRow(Base):
    """A member of staff, by the principal id they sign in with."""

    __tablename__ = "staff_people"

    principal_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    # The person as the domain describes it (redress/domain/staff_directory.py).
    content: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class StaffTeamRow(Base):
    __tablename__ = "staff_teams"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    content: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class StaffAbsenceRow(Base):
    __tablename__ = "staff_absences"
    __table_args__ = (Index("ix_staff_absences_principal_id", "principal_id"),)

    absence_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None, unique=True)


class StaffChangeRow(Base):
    """The directory's trail, hash-chained: sequence numbers are given one after
    another, so two writers cannot both append after the same entry."""

    __tablename__ = "staff_changes"

    sequence: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(150), index=True)
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    hash: Mapped[str] = mapped_column(String(64))


class RoutingCursor(Base):
    """Whose turn is next under a round-robin rule: one row per team and rule,
    advanced by one UPDATE so that two replicas never hand out the same turn."""

    __tablename__ = "routing_cursors"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    turns: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)


# -- follow-up: owned and written by services/followup -------------------------


class SatisfactionResponse(Base):
    """A customer's answer to the satisfaction survey; one per case."""

    __tablename__ = "satisfaction_responses"
    __table_args__ = (Index("ix_satisfaction_responses_received_at", "received_at"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]
    # link | status_page | email_reply | staff (migration 0027).
    source: Mapped[str] = mapped_column(String(20), default="staff", server_default="staff")
