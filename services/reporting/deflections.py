"""Self-service answers: how often a customer article shown on the public web
form or status page answered the customer's question, so that they did not
file a complaint (a deflection).

Read from services/knowledge's `kb_deflections` (written by
KnowledgeService.RecordDeflection, one row per customer answer) as part of
reporting's declared read model, with the articles' titles from
`kb_articles`; never written here. Grouped counts in portable SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from redress.db.tables.knowledge import Article, Deflection
from services.reporting.store import ReportingStore


@dataclass(frozen=True)
class DeflectionCount:
    key: str
    title: str
    shown: int
    answered: int

    @property
    def went_on_to_file(self) -> int:
        return self.shown - self.answered

    @property
    def rate(self) -> float:
        return self.answered / self.shown if self.shown else 0.0


@dataclass(frozen=True)
class Deflections:
    total: DeflectionCount
    by_article: list[DeflectionCount]
    by_language: list[DeflectionCount]


def deflections(
    store: ReportingStore, start: datetime, end: datetime, source: str = ""
) -> Deflections:
    """The customers' answers recorded in [start, end), from `source` if given."""
    conditions = [Deflection.recorded_at >= start, Deflection.recorded_at < end]
    if source:
        conditions.append(Deflection.source == source)
    answered = func.sum(case((Deflection.answered, 1), else_=0))
    with store.sessions() as session:
        shown, yes = session.execute(
            select(func.count(), answered).select_from(Deflection).where(*conditions)
        ).one()
        articles = session.execute(
            select(Deflection.article_id, func.max(Article.title), func.count(), answered)
            .join(Article, Article.article_id == Deflection.article_id, isouter=True)
            .where(*conditions)
            .group_by(Deflection.article_id)
            .order_by(func.count().desc(), Deflection.article_id)
        ).all()
        languages = session.execute(
            select(Deflection.language, func.count(), answered)
            .where(*conditions)
            .group_by(Deflection.language)
            .order_by(func.count().desc(), Deflection.language)
        ).all()
    return Deflections(
        total=DeflectionCount("", "", int(shown or 0), int(yes or 0)),
        by_article=[DeflectionCount(a, t or "", int(n), int(y or 0)) for a, t, n, y in articles],
        by_language=[DeflectionCount(lang, "", int(n), int(y or 0)) for lang, n, y in languages],
    )
