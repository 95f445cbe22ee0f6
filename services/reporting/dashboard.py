"""The managers' dashboard: grouped counts in portable SQL, the same query on
SQLite and PostgreSQL, so there is no Python computation of it to choose."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from redress.db.tables.cases import AuditEvent, Case, Outcome, SatisfactionResponse
from redress.db.tables.knowledge import CaseArticle
from services.reporting.definitions import Filter, sql_open_now, sql_resolved_in
from services.reporting.store import ReportingStore

AGEING = (
    ("0-3 days", 0, 3),
    ("4-7 days", 4, 7),
    ("8-14 days", 8, 14),
    ("15-30 days", 15, 30),
    ("31-56 days", 31, 56),
    ("over 56 days", 57, None),
)


@dataclass
class Dashboard:
    received: int = 0
    resolved: int = 0
    closed: int = 0
    reopened: int = 0
    open_now: int = 0
    backlog_ageing: list[tuple[str, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_product: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    outcome_mix: list[tuple[str, int]] = field(default_factory=list)
    redress_paid: dict[str, int] = field(default_factory=dict)
    goodwill_paid: dict[str, int] = field(default_factory=dict)
    escalations: list[tuple[str, int]] = field(default_factory=list)
    by_assignee: list[tuple[str, int, int]] = field(default_factory=list)
    by_team: list[tuple[str, int, int]] = field(default_factory=list)
    categories: list[tuple[str, int, int, float, str]] = field(default_factory=list)
    resolving_articles: list[tuple[str, int]] = field(default_factory=list)
    satisfaction_scores: list[tuple[str, int]] = field(default_factory=list)
    # (source, answers, mean score): link, status_page, email_reply, staff.
    satisfaction_by_source: list[tuple[str, int, float]] = field(default_factory=list)


def direction(now: int, before: int) -> tuple[float, str]:
    if before == 0:
        return 0.0, "new" if now else "steady"
    change = (now - before) / before
    return change, "rising" if change > 0.1 else "falling" if change < -0.1 else "steady"


def dashboard(store: ReportingStore, f: Filter, now: datetime) -> Dashboard:
    """The managers' figures for a period [f.received_from, f.received_to)."""
    start, end = f.received_from, f.received_to
    assert start is not None and end is not None
    received = store.conditions(f)
    # The same filter without the period: for what happened in the period to
    # cases of any age, and for the backlog now.
    scope = store.conditions(f.within(None, None))
    previous = store.conditions(f.within(start - (end - start), start))
    d = Dashboard()

    def grouped(session: Any, column: Any, *where: Any) -> list[tuple[str, int]]:
        rows = session.execute(
            select(column, func.count()).select_from(Case).where(*where).group_by(column)
        ).all()
        return sorted(((str(k or ""), int(n)) for k, n in rows), key=lambda kv: (-kv[1], kv[0]))

    def flag(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    is_open = sql_open_now()
    in_period = and_(Case.received_at >= start, Case.received_at < end)
    resolved_in = sql_resolved_in(start, end)
    ages = []
    for _, low, high in AGEING:
        age = and_(is_open, Case.received_at <= now - timedelta(days=low))
        if high is not None:
            age = and_(age, Case.received_at > now - timedelta(days=high + 1))
        ages.append(age)
    with store.sessions() as session:
        # One pass over the cases in scope for every single figure.
        totals = session.execute(
            select(
                flag(in_period),
                flag(resolved_in),
                flag(and_(Case.closed_at >= start, Case.closed_at < end)),
                flag(is_open),
                *(flag(age) for age in ages),
            ).where(*scope)
        ).one()
        d.received, d.resolved, d.closed, d.open_now = (int(x or 0) for x in totals[:4])
        d.backlog_ageing = [
            (label, int(n or 0)) for (label, _, _), n in zip(AGEING, totals[4:], strict=True)
        ]
        d.reopened = int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .join(Case, Case.case_id == AuditEvent.case_id)
                .where(
                    AuditEvent.action == "case.reopened",
                    AuditEvent.recorded_at >= start,
                    AuditEvent.recorded_at < end,
                    *scope,
                )
            )
            or 0
        )
        d.by_channel = grouped(session, Case.channel, *received)
        d.by_product = grouped(session, Case.product, *received)
        d.by_category = grouped(session, Case.category, *received)
        # The outcomes of cases resolved in the period, in one pass.
        mix: Counter[str] = Counter()
        for decision, redress_cur, goodwill_cur, n, redress, goodwill in session.execute(
            select(
                Outcome.decision,
                Outcome.redress_currency,
                Outcome.goodwill_currency,
                func.count(),
                func.sum(Outcome.redress_minor),
                func.sum(Outcome.goodwill_minor),
            )
            .select_from(Case)
            .join(Outcome, Outcome.case_id == Case.case_id)
            .where(resolved_in, *scope)
            .group_by(Outcome.decision, Outcome.redress_currency, Outcome.goodwill_currency)
        ):
            mix[str(decision)] += int(n)
            for target, cur, total in (
                (d.redress_paid, redress_cur, redress),
                (d.goodwill_paid, goodwill_cur, goodwill),
            ):
                if total:
                    target[str(cur)] = target.get(str(cur), 0) + int(total)
        d.outcome_mix = sorted(mix.items(), key=lambda kv: (-kv[1], kv[0]))
        levels = dict(grouped(session, Case.escalation_level, Case.escalation_level > 0, *received))
        top = max((int(k) for k in levels), default=0)
        d.escalations = [
            (str(level), sum(n for k, n in levels.items() if int(k) >= level))
            for level in range(1, top + 1)
        ]
        # Workload per agent and per team from one pass.
        agents: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        teams: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for assignee, team, n_open, n_done in session.execute(
            select(Case.assignee, Case.team, flag(is_open), flag(resolved_in))
            .where(or_(is_open, resolved_in), *scope)
            .group_by(Case.assignee, Case.team)
        ):
            for counts, key in ((agents, assignee), (teams, team)):
                if key:
                    counts[str(key)][0] += int(n_open or 0)
                    counts[str(key)][1] += int(n_done or 0)
        d.by_assignee = [(k, o, r) for k, (o, r) in sorted(agents.items())]
        d.by_team = [(k, o, r) for k, (o, r) in sorted(teams.items())]
        before = dict(grouped(session, Case.category, *previous))
        for category, n in d.by_category:
            change, way = direction(n, before.get(category, 0))
            d.categories.append((category, n, before.get(category, 0), change, way))
        for category, n in sorted(before.items()):
            if category not in dict(d.by_category):
                d.categories.append((category, 0, n, -1.0, "falling"))
        d.resolving_articles = [
            (str(a), int(n))
            for a, n in session.execute(
                select(CaseArticle.article_id, func.count())
                .join(Case, Case.case_id == CaseArticle.case_id)
                .where(CaseArticle.kind == "resolved", *received)
                .group_by(CaseArticle.article_id)
                .order_by(func.count().desc(), CaseArticle.article_id)
                .limit(50)
            )
        ]
        answered = session.execute(
            select(SatisfactionResponse.score, func.count())
            .join(Case, Case.case_id == SatisfactionResponse.case_id)
            .where(
                SatisfactionResponse.received_at >= start,
                SatisfactionResponse.received_at < end,
                *scope,
            )
            .group_by(SatisfactionResponse.score)
        ).all()
        d.satisfaction_scores = [(str(score), int(n)) for score, n in sorted(answered)]
        by_source = session.execute(
            select(
                SatisfactionResponse.source,
                func.count(),
                func.avg(SatisfactionResponse.score),
            )
            .join(Case, Case.case_id == SatisfactionResponse.case_id)
            .where(
                SatisfactionResponse.received_at >= start,
                SatisfactionResponse.received_at < end,
                *scope,
            )
            .group_by(SatisfactionResponse.source)
        ).all()
        d.satisfaction_by_source = [
            (str(source), int(n), float(mean or 0)) for source, n, mean in sorted(by_source)
        ]
    return d
