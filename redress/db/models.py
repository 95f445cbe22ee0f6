"""The case database's tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


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
    attachment_ids: Mapped[list[Any]] = mapped_column(default=list)
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
        self.deadline_order = value or FAR_FUTURE
        return value


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


class Note(Base):
    __tablename__ = "notes"

    note_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    customer_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AppliedChange(Base):
    """Changes already recorded, so that a retried workflow activity is applied once."""

    __tablename__ = "applied_changes"

    change_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(20))
    applied_at: Mapped[datetime]


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


# -- follow-up: owned and written by services/followup -------------------------


class MessageTemplate(Base):
    """One version of a letter template in one language; versions are never edited."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("name", "language", "version"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    name: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(35))
    version: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class Message(Base):
    """A message to a customer or a member of staff, rendered once and kept as sent."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_case_id_created_at", "case_id", "created_at"),
        Index("ix_messages_state_created_at", "state", "created_at"),
    )

    message_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # The request's fingerprint, to refuse a key reused for a different message.
    fingerprint: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(20), default="")
    audience: Mapped[str] = mapped_column(String(20))  # customer | staff
    purpose: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(35), default="")
    template_name: Mapped[str] = mapped_column(String(64), default="")
    template_version: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20))
    # [{"at": iso, "succeeded": bool, "detail": str}], oldest first.
    attempts: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # Who sent an inbound message (a customer's reply); empty for outbound.
    sender: Mapped[str] = mapped_column(String(320), default="", server_default="")


class Webhook(Base):
    __tablename__ = "webhooks"

    webhook_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    event_types: Mapped[list[Any]] = mapped_column(default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Deliveries given up in a row; the webhook is disabled at the limit.
    failures_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    disabled_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    # Set by DeleteWebhook; the row stays for the delivery log.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_by: Mapped[str] = mapped_column(String(100), default="", server_default="")


class Delivery(Base):
    """One case event on its way to one webhook."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        Index(
            "ix_webhook_deliveries_webhook_id_case_id_sequence", "webhook_id", "case_id", "sequence"
        ),
        Index("ix_webhook_deliveries_state_created_at", "state", "created_at"),
    )

    delivery_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.webhook_id"))
    event_id: Mapped[str] = mapped_column(String(120))
    event_type: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[str] = mapped_column(String(20))
    # Orders a case's events: deliveries to one webhook go out in this order.
    sequence: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class Article(Base):
    """A knowledge-base article as it now stands; every change is also an ArticleRevision."""

    __tablename__ = "kb_articles"
    __table_args__ = (Index("ix_kb_articles_updated_at_article_id", "updated_at", "article_id"),)

    article_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(35))
    status: Mapped[str] = mapped_column(String(20))  # draft | published | archived
    audience: Mapped[str] = mapped_column(String(20))  # internal | customer
    category: Mapped[str] = mapped_column(String(100), default="")
    products: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    media_ids: Mapped[list[Any]] = mapped_column(default=list)
    # The article's id in the system it was imported from, for re-runs.
    external_ref: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]


class ArticleRevision(Base):
    """One revision of an article: its content then, who made it and when."""

    __tablename__ = "kb_article_revisions"

    article_id: Mapped[str] = mapped_column(ForeignKey("kb_articles.article_id"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What the change was: created, updated, published, archived.
    change: Mapped[str] = mapped_column(String(20))
    # The fields that differ from the revision before.
    changed_fields: Mapped[list[Any]] = mapped_column(default=list)
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime]


class MediaFile(Base):
    """A stored attachment; its content is in the blob store under its sha256."""

    __tablename__ = "kb_media"

    media_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class IndexOutbox(Base):
    """An article whose search document must be written or removed.

    Written in the same transaction as the article, so that the index
    converges on the database after any crash or search-engine outage."""

    __tablename__ = "kb_index_outbox"
    __table_args__ = (Index("ix_kb_index_outbox_next_attempt_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    article_id: Mapped[str] = mapped_column(String(40))
    enqueued_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class CaseArticle(Base):
    """An article suggested for a case, or marked as the one that resolved it."""

    __tablename__ = "kb_case_articles"
    __table_args__ = (Index("ix_kb_case_articles_article_id_kind", "article_id", "kind"),)

    case_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    article_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # suggested | resolved
    rank: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime]


class SavedReport(Base):
    """One version of a saved report definition (the ReportDefinition message as JSON)."""

    __tablename__ = "report_definitions"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime]


class SatisfactionResponse(Base):
    """A customer's answer to the satisfaction survey; one per case."""

    __tablename__ = "satisfaction_responses"
    __table_args__ = (Index("ix_satisfaction_responses_received_at", "received_at"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]


class KeptReturn(Base):
    """A regulatory return as first computed for a period that had ended."""

    __tablename__ = "regulatory_returns"

    regime: Mapped[str] = mapped_column(String(20), primary_key=True)
    period_start: Mapped[datetime] = mapped_column(primary_key=True)
    period_end: Mapped[datetime] = mapped_column(primary_key=True)
    # [{"reference", "description", "breakdown", "value", "case_ids"}], in order.
    lines: Mapped[list[Any]] = mapped_column(default=list)
    generated_at: Mapped[datetime]
    generated_by: Mapped[str] = mapped_column(String(100))
