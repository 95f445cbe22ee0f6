"""The knowledge base's tables: articles and their revisions, media, the
search-index outbox, the articles linked to cases and the self-service
answers customers said helped them or not (deflections).

Every change to an article writes, in one transaction, the article, a
revision saying who changed which fields, and an outbox row; the indexer
(services/knowledge/indexer.py) turns outbox rows into search documents.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redress.db import Store
from redress.db.tables.knowledge import (
    Article,
    ArticleRevision,
    CaseArticle,
    Deflection,
    IndexOutbox,
    MediaFile,
)

CONTENT = (
    "title",
    "summary",
    "body",
    "language",
    "audience",
    "category",
    "products",
    "tags",
    "media_ids",
)


class Conflict(ValueError):
    """The article changed since the revision the caller read."""


class InvalidPageToken(ValueError):
    pass


def now() -> datetime:
    return datetime.now(UTC)


def _encode(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def article_token(last: Article) -> str:
    """The token of an article listing's page that ends at `last`."""
    return _encode([last.updated_at.isoformat(), last.article_id])


def revision_token(last: ArticleRevision) -> str:
    """The token of a revision listing's page that ends at `last`."""
    return _encode(last.revision)


def _decode(token: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        raise InvalidPageToken("page_token is not one this service returned") from None


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest: datetime | None
    last_error: str


def content_of(article: Article) -> dict[str, Any]:
    return {name: getattr(article, name) for name in CONTENT}


class KnowledgeStore(Store):
    # -- articles ------------------------------------------------------------

    def _revise(
        self, session: Session, article: Article, change: str, fields: list[str], actor: str
    ) -> None:
        session.add(
            ArticleRevision(
                article_id=article.article_id,
                revision=article.revision,
                change=change,
                changed_fields=fields,
                content={**content_of(article), "status": article.status},
                changed_by=actor,
                changed_at=article.updated_at,
            )
        )
        at = article.updated_at
        session.add(IndexOutbox(article_id=article.article_id, enqueued_at=at, next_attempt_at=at))

    def create_article(
        self, content: dict[str, Any], actor: str, external_ref: str = ""
    ) -> tuple[Article, bool]:
        if external_ref:
            existing = self.by_external_ref(external_ref)
            if existing is not None:
                return existing, False
        at = now()
        article = Article(
            article_id=f"KB-{uuid.uuid4().hex[:16]}",
            revision=1,
            status="draft",
            external_ref=external_ref or None,
            created_by=actor,
            created_at=at,
            updated_by=actor,
            updated_at=at,
            **content,
        )
        try:
            with self.sessions.begin() as session:
                session.add(article)
                session.flush()
                self._revise(session, article, "created", sorted(content), actor)
        except IntegrityError:
            existing = self.by_external_ref(external_ref) if external_ref else None
            if existing is None:
                raise
            return existing, False
        return article, True

    def by_external_ref(self, external_ref: str) -> Article | None:
        with self.sessions() as session:
            return session.scalar(select(Article).where(Article.external_ref == external_ref))

    def update_article(
        self, article_id: str, expected_revision: int, content: dict[str, Any], actor: str
    ) -> Article:
        with self.sessions.begin() as session:
            article = session.get(Article, article_id, with_for_update=True)
            if article is None:
                raise KeyError(article_id)
            if article.revision != expected_revision:
                raise Conflict(
                    f"article {article_id} is at revision {article.revision}, not "
                    f"{expected_revision}: read it again and reapply your change"
                )
            changed = [k for k, v in content.items() if getattr(article, k) != v]
            if not changed:
                return article
            for name in changed:
                setattr(article, name, content[name])
            article.revision += 1
            article.updated_by = actor
            article.updated_at = now()
            self._revise(session, article, "updated", changed, actor)
            return article

    def set_status(self, article_id: str, status: str, actor: str) -> Article:
        with self.sessions.begin() as session:
            article = session.get(Article, article_id, with_for_update=True)
            if article is None:
                raise KeyError(article_id)
            if article.status == status:
                return article
            article.status = status
            article.revision += 1
            article.updated_by = actor
            article.updated_at = now()
            self._revise(session, article, status, ["status"], actor)
            return article

    def get_article(self, article_id: str) -> Article | None:
        with self.sessions() as session:
            return session.get(Article, article_id)

    def get_articles(self, article_ids: list[str]) -> dict[str, Article]:
        if not article_ids:
            return {}
        with self.sessions() as session:
            rows = session.scalars(select(Article).where(Article.article_id.in_(article_ids)))
            return {a.article_id: a for a in rows}

    def get_revision(self, article_id: str, revision: int) -> ArticleRevision | None:
        with self.sessions() as session:
            return session.get(ArticleRevision, (article_id, revision))

    def list_revisions(
        self, article_id: str, limit: int, token: str
    ) -> tuple[list[ArticleRevision], str]:
        before = int(_decode(token)) if token else None
        with self.sessions() as session:
            query = select(ArticleRevision).where(ArticleRevision.article_id == article_id)
            if before is not None:
                query = query.where(ArticleRevision.revision < before)
            rows = list(
                session.scalars(query.order_by(ArticleRevision.revision.desc()).limit(limit + 1))
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, revision_token(rows[-1]) if more else ""

    def list_articles(
        self, status: str, product: str, tag: str, limit: int, token: str, audience: str = ""
    ) -> tuple[list[Article], str]:
        """Most recently changed first; product and tag are matched in Python
        over a bounded page window (JSON containment differs per database)."""
        conditions = []
        if status:
            conditions.append(Article.status == status)
        if audience:
            conditions.append(Article.audience == audience)
        if token:
            at, article_id = _decode(token)
            at = datetime.fromisoformat(at)
            conditions.append(
                or_(
                    Article.updated_at < at,
                    and_(Article.updated_at == at, Article.article_id < article_id),
                )
            )
        out: list[Article] = []
        with self.sessions() as session:
            query = (
                select(Article)
                .where(*conditions)
                .order_by(Article.updated_at.desc(), Article.article_id.desc())
                .execution_options(yield_per=500)
            )
            for article in session.scalars(query):
                if product and product not in (article.products or []):
                    continue
                if tag and tag not in (article.tags or []):
                    continue
                out.append(article)
                if len(out) > limit:
                    break
        more = len(out) > limit
        out = out[:limit]
        last = out[-1] if out else None
        token = article_token(last) if more and last else ""
        return out, token

    def count_articles(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(Article)) or 0)

    def all_articles(self, batch: int = 1000) -> Iterator[list[Article]]:
        after = ""
        while True:
            with self.sessions() as session:
                rows = list(
                    session.scalars(
                        select(Article)
                        .where(Article.article_id > after)
                        .order_by(Article.article_id)
                        .limit(batch)
                    )
                )
            if not rows:
                return
            yield rows
            after = rows[-1].article_id

    # -- the index outbox ----------------------------------------------------

    def due_outbox(self, limit: int) -> list[IndexOutbox]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(IndexOutbox)
                    .where(IndexOutbox.next_attempt_at <= now())
                    .order_by(IndexOutbox.id)
                    .limit(limit)
                )
            )

    def outbox_done(self, ids: list[int]) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_(ids)))

    def outbox_failed(self, ids: list[int], error: str, retry_in: timedelta) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(IndexOutbox)
                .where(IndexOutbox.id.in_(ids))
                .values(
                    attempts=IndexOutbox.attempts + 1,
                    last_error=error[:2000],
                    next_attempt_at=now() + retry_in,
                )
            )

    def outbox_ids(self) -> list[int]:
        """The rows waiting now: a rebuild that reads the articles after this
        sees every change they stand for."""
        with self.sessions() as session:
            return list(session.scalars(select(IndexOutbox.id).order_by(IndexOutbox.id)))

    def outbox_clear(self, ids: list[int]) -> None:
        """After a rebuild: exactly the rows it saw. Rows written since, even
        with a smaller id (ids are drawn before commit), stay to be drained."""
        with self.sessions.begin() as session:
            for start in range(0, len(ids), 1000):
                chunk = ids[start : start + 1000]
                session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_(chunk)))

    def backlog(self) -> Backlog:
        with self.sessions() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(IndexOutbox.enqueued_at))
            ).one()
            error = session.scalar(
                select(IndexOutbox.last_error)
                .where(IndexOutbox.last_error != "")
                .order_by(IndexOutbox.id.desc())
                .limit(1)
            )
        if isinstance(oldest, datetime) and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return Backlog(int(count), oldest, error or "")

    # -- media -----------------------------------------------------------------

    def add_media(self, row: MediaFile) -> MediaFile:
        try:
            with self.sessions.begin() as session:
                existing = session.get(MediaFile, row.media_id)
                if existing is not None:
                    return existing
                session.add(row)
                return row
        except IntegrityError:
            found = self.get_media(row.media_id)
            assert found is not None
            return found

    def get_media(self, media_id: str) -> MediaFile | None:
        with self.sessions() as session:
            return session.get(MediaFile, media_id)

    def media_is_public(self, media_id: str) -> bool:
        """Whether a published customer article uses this media."""
        with self.sessions() as session:
            query = select(Article.media_ids).where(
                Article.status == "published", Article.audience == "customer"
            )
            return any(media_id in (ids or []) for ids in session.scalars(query))

    # -- articles and cases ----------------------------------------------------

    def record_case_articles(
        self, case_id: str, kind: str, ranked: list[tuple[str, float]], actor: str
    ) -> None:
        """Idempotent: an article already recorded for the case this way stays as it was."""
        with self.sessions.begin() as session:
            known = set(
                session.scalars(
                    select(CaseArticle.article_id).where(
                        CaseArticle.case_id == case_id, CaseArticle.kind == kind
                    )
                )
            )
            for rank, (article_id, score) in enumerate(ranked, start=1):
                if article_id in known:
                    continue
                session.add(
                    CaseArticle(
                        case_id=case_id,
                        article_id=article_id,
                        kind=kind,
                        rank=rank,
                        score=score,
                        recorded_by=actor,
                        recorded_at=now(),
                    )
                )

    def case_articles(
        self, case_id: str, customer_only: bool = False
    ) -> list[tuple[CaseArticle, str]]:
        """The articles linked to a case; with customer_only, only those a
        customer may read (published, for customers)."""
        query = (
            select(CaseArticle, Article.title)
            .join(Article, Article.article_id == CaseArticle.article_id)
            .where(CaseArticle.case_id == case_id)
            .order_by(CaseArticle.kind.desc(), CaseArticle.rank, CaseArticle.recorded_at)
        )
        if customer_only:
            query = query.where(Article.status == "published", Article.audience == "customer")
        with self.sessions() as session:
            rows = session.execute(query).all()
        return [(row[0], row[1]) for row in rows]

    # -- self-service answers ------------------------------------------------

    def record_deflection(self, row: Deflection) -> bool:
        """False when a row with this idempotency key is already recorded
        (a repeat is not counted twice)."""
        try:
            with self.sessions.begin() as session:
                if session.get(Deflection, row.idempotency_key) is not None:
                    return False
                session.add(row)
        except IntegrityError:
            return False
        return True
