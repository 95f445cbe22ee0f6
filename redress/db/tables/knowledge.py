"""services/knowledge's tables: articles, their revisions, media, the search
index's outbox and the articles suggested for cases.

Owner: services/knowledge.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from redress.db.base import Base


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


class Deflection(Base):
    """A customer's answer about a customer article shown to them on the
    public web form or status page: it answered their question (they left
    without filing), or it did not (they went on to file). One row per
    idempotency key; no customer is named."""

    __tablename__ = "kb_deflections"
    __table_args__ = (Index("ix_kb_deflections_recorded_at", "recorded_at"),)

    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    article_id: Mapped[str] = mapped_column(String(40))
    answered: Mapped[bool]
    query: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(35), default="")
    source: Mapped[str] = mapped_column(String(20))  # web_form | status_page
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime]
