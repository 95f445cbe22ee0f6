"""Business metrics for Prometheus, read from the case database.

The reporting service's /metrics carries, besides its own process metrics:

    redress_complaints_received_total{channel, category}   complaints ever received
    redress_complaints_open{stage}                         complaints open (unresolved), by stage
    redress_clock_breaches_total{clock}                    clock deadlines passed
    redress_escalations_total{level}                       complaints that reached each level
    redress_time_to_close_seconds (histogram)              receipt to each closure

Breaches and closures are counted from the audit trail (clock.breached
entries; stage changes into a closed stage of the case's policy), which only
grows, so a reopen, which restarts clocks and clears the case's closure, never
lowers a counter: Prometheus would read a fall as a restart.

They are counted from the database when Prometheus scrapes, at most once per
REDRESS_BUSINESS_METRICS_TTL seconds (30 by default; earlier results are
served in between), so every reporting replica reports the same figures and
a restart loses nothing. Labels are bounded: channels, categories, stages and
clocks come from the policy, never from customers' text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from redress.db.tables.cases import AuditEvent, Case, PolicyVersion
from redress.domain.policy import Policy
from services.reporting.definitions import sql_open_now
from services.reporting.store import ReportingStore, utc

# Seconds: an hour, a day, 3 days, 8 days, 15, 30, 56 (8 weeks), 90, a year.
BUCKETS = (
    3600,
    86400,
    3 * 86400,
    8 * 86400,
    15 * 86400,
    30 * 86400,
    56 * 86400,
    90 * 86400,
    365 * 86400,
)


@dataclass
class Snapshot:
    received: list[tuple[str, str, int]]
    open_by_stage: list[tuple[str, int]]
    breaches: list[tuple[str, int]]
    escalations: list[tuple[int, int]]
    close_buckets: list[int]
    close_count: int
    close_sum: float


class ClosedStages:
    """The closed stages of each policy version. Published versions never
    change, so each is read once per process; a case under a version that was
    never published as a document follows the shipped policy."""

    def __init__(self) -> None:
        self.shipped = self._closed(Policy.load_default())
        self.published: dict[tuple[str, str], frozenset[str]] = {}

    @staticmethod
    def _closed(policy: Policy) -> frozenset[str]:
        """Closed under the policy's base rules or its complaint types'."""
        return frozenset(name for name, stage in policy.every_stage().items() if stage.closed)

    def refresh(self, session: Session) -> None:
        for policy_id, version in session.execute(
            select(PolicyVersion.policy_id, PolicyVersion.version)
        ):
            if (policy_id, version) not in self.published:
                row = session.get(PolicyVersion, (policy_id, version))
                assert row is not None
                self.published[(policy_id, version)] = self._closed(Policy.load(row.document))

    def of(self, policy_id: str, version: str) -> frozenset[str]:
        return self.published.get((policy_id, version), self.shipped)

    def any(self) -> list[str]:
        return sorted(self.shipped.union(*self.published.values()))

    def the_same_for_all(self) -> bool:
        return all(stages == self.shipped for stages in self.published.values())


def _entered(closing: ClosedStages) -> tuple[Any, ...]:
    """Stage changes into a stage that is closed under some policy version."""
    return (
        AuditEvent.action == "case.stage_changed",
        AuditEvent.new_value.in_(closing.any()),
    )


def closures(session: Session, closing: ClosedStages) -> tuple[list[int], int, float]:
    """The time-to-close histogram (cumulative buckets, count, sum of seconds),
    one row per closure read from the database."""
    buckets = [0] * len(BUCKETS)
    count, total = 0, 0.0
    found = session.execute(
        select(
            Case.policy_id,
            Case.policy_version,
            AuditEvent.new_value,
            Case.received_at,
            AuditEvent.recorded_at,
        )
        .join(Case, Case.case_id == AuditEvent.case_id)
        .where(*_entered(closing))
        .execution_options(yield_per=10_000)
    )
    for policy_id, version, stage, received_at, closed_at in found:
        if stage not in closing.of(policy_id, version):
            continue
        seconds = (utc(closed_at) - utc(received_at)).total_seconds()  # type: ignore[operator]
        count += 1
        total += seconds
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                buckets[i] += 1
    return buckets, count, total


def closures_in_sql(session: Session, closing: ClosedStages) -> tuple[list[int], int, float]:
    """`closures` counted by PostgreSQL: a few rows instead of one per
    closure (a million of them at a million cases).
    Grouped by policy version and stage entered only when versions differ in
    which stages are closed; otherwise the cases' policies need not be read,
    and their receipt times come from a reporting index alone."""
    buckets = [0] * len(BUCKETS)
    count, total = 0, 0.0
    seconds = func.extract("epoch", AuditEvent.recorded_at - Case.received_at)
    per_policy = not closing.the_same_for_all()
    keys = [Case.policy_id, Case.policy_version, AuditEvent.new_value] if per_policy else []
    for row in session.execute(
        select(
            *keys,
            func.count(),
            func.sum(seconds),
            *(func.sum(case((seconds <= bound, 1), else_=0)) for bound in BUCKETS),
        )
        .select_from(AuditEvent)
        .join(Case, Case.case_id == AuditEvent.case_id)
        .where(*_entered(closing))
        .group_by(*keys)
    ):
        key, (n, spent, *within) = row[: len(keys)], row[len(keys) :]
        if per_policy and key[2] not in closing.of(key[0], key[1]):
            continue
        count += int(n)
        total += float(spent or 0)
        buckets = [b + int(w or 0) for b, w in zip(buckets, within, strict=True)]
    return buckets, count, total


def snapshot(store: ReportingStore, closing: ClosedStages | None = None) -> Snapshot:
    closing = ClosedStages() if closing is None else closing
    with store.sessions() as session:
        received = [
            (channel or "", category or "", int(n))
            for channel, category, n in session.execute(
                select(Case.channel, Case.category, func.count()).group_by(
                    Case.channel, Case.category
                )
            )
        ]
        open_by_stage = [
            (stage, int(n))
            for stage, n in session.execute(
                # Open as every figure counts it (docs/reporting.md):
                # a resolved complaint awaiting closure is not open.
                select(Case.stage, func.count()).where(sql_open_now()).group_by(Case.stage)
            )
        ]
        # Counted from the audit trail, which only grows: a reopen restarts
        # clocks and clears the case's closure, but its breaches and
        # closures stay recorded, so these counters never go down.
        breaches = [
            (field.removeprefix("clocks."), int(n))
            for field, n in session.execute(
                select(AuditEvent.field, func.count())
                .where(AuditEvent.action == "clock.breached")
                .group_by(AuditEvent.field)
            )
        ]
        levels = dict(
            session.execute(
                select(Case.escalation_level, func.count())
                .where(Case.escalation_level > 0)
                .group_by(Case.escalation_level)
            ).all()
        )
        closing.refresh(session)
        closed = closures_in_sql(session, closing) if store.in_sql else closures(session, closing)
    # A case that reached level 3 also reached levels 1 and 2.
    top = max(levels, default=0)
    escalations = [
        (lvl, sum(n for k, n in levels.items() if k >= lvl)) for lvl in range(1, top + 1)
    ]
    return Snapshot(received, open_by_stage, breaches, escalations, *closed)


class BusinessMetrics(Collector):
    def __init__(self, store: ReportingStore, ttl_seconds: float = 30.0) -> None:
        self.store = store
        self.ttl = ttl_seconds
        self.lock = threading.Lock()
        self.taken_at = 0.0
        self.last: Snapshot | None = None
        self.closing = ClosedStages()

    def current(self) -> Snapshot | None:
        with self.lock:
            if self.last is None or time.monotonic() - self.taken_at >= self.ttl:
                try:
                    self.last = snapshot(self.store, self.closing)
                    self.taken_at = time.monotonic()
                except Exception:
                    pass  # the database is away: serve the last figures, if any
            return self.last

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        s = self.current()
        if s is None:
            return
        received = CounterMetricFamily(
            "redress_complaints_received",
            "Complaints received, by channel and category.",
            labels=["channel", "category"],
        )
        for channel, category, n in s.received:
            received.add_metric([channel, category], n)
        yield received
        open_now = GaugeMetricFamily(
            "redress_complaints_open",
            "Complaints open (received and not resolved), by stage.",
            labels=["stage"],
        )
        for stage, n in s.open_by_stage:
            open_now.add_metric([stage], n)
        yield open_now
        breaches = CounterMetricFamily(
            "redress_clock_breaches",
            "Clock deadlines passed, by clock; a clock restarted by a reopen that "
            "passes its deadline again counts again.",
            labels=["clock"],
        )
        for clock, n in s.breaches:
            breaches.add_metric([clock], n)
        yield breaches
        escalations = CounterMetricFamily(
            "redress_escalations",
            "Complaints that reached each escalation level.",
            labels=["level"],
        )
        for level, n in s.escalations:
            escalations.add_metric([str(level)], n)
        yield escalations
        cumulative: list[tuple[str, float]] = [
            (str(bound), float(n)) for bound, n in zip(BUCKETS, s.close_buckets, strict=True)
        ]
        cumulative.append(("+Inf", float(s.close_count)))
        histogram = HistogramMetricFamily(
            "redress_time_to_close_seconds",
            "Time from receipt to each closure; a complaint reopened and closed "
            "again counts once per closure.",
        )
        histogram.add_metric([], cumulative, sum_value=s.close_sum)
        yield histogram


def metric_names() -> list[str]:
    """The series the Grafana dashboard may use (checked by the tests)."""
    return [
        "redress_complaints_received_total",
        "redress_complaints_open",
        "redress_clock_breaches_total",
        "redress_escalations_total",
        "redress_time_to_close_seconds_bucket",
        "redress_time_to_close_seconds_count",
        "redress_time_to_close_seconds_sum",
    ]
