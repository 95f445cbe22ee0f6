"""A complaints team's history in PostgreSQL: N cases with the rows the
platform writes for them, for the reporting benchmark.

Each case is filed at a time spread over the three years before now (a
little more each year), on the real CFPB products, issues and narratives of
../shared/data, classified by the shipped policy's own rules, and worked as a
team works it: acknowledged (late now and then), assigned to a team and a
handler, investigated, sometimes put on hold for the customer, resolved with
an outcome (decision, root cause, redress and goodwill in the regime's
currency), closed, and a few reopened and resolved again. Cases received in
the last weeks are still open in every stage. For every case it writes what
services/cases stores when the complaint's workflow reports it:

- the case row, and its customer (a third of the customers complain twice
  or more);
- the case's clocks as they stand now: acknowledgement, first response and
  resolution (business hours of the policy's calendar, the resolution clock
  paused while on hold) and the regime's regulatory clocks with their real
  deadlines (FCA 3 business days and 8 weeks with the bank holidays of
  England and Wales, CFPB 15 and 60 days, PSD2 15 and 35 business days,
  ASIC 30 days), met or breached, with when;
- the outcome of every resolved case, and a satisfaction answer for some;
- the audit trail, entry by entry as the workflow and the people write it:
  case.created, clocks.started, case.classified, case.prioritised,
  knowledge.suggested, message.queued and message.sent, case.stage_changed
  through every stage, case.assigned (team and handler), clock.warning,
  clock.breached, case.escalated, case.priority_changed, clock.paused,
  customer.replied, clock.resumed, clock.stopped, outcome.recorded,
  case.reopened and clock.started; chained (previous hash, hash) with
  scheme-2 commitments and salts of the real sizes, about 26 entries a case.

Everything is loaded with COPY with the secondary indexes and foreign keys
of those tables set aside, which are then rebuilt as the migrations define
them (the same schema as a real database, built faster), and VACUUM ANALYZE
is run, as autovacuum would in time. A million cases take about 19 minutes
on two cores and 25 GB (the audit trail 20 GB of it).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from bench.list_cases import real_rows
from redress.db.base import FAR_FUTURE
from redress.domain.calendars import BusinessCalendar
from redress.domain.policy import ComplaintFacts, Policy
from redress.domain.regulatory import regulatory_deadlines

POLICY = Policy.load_default()
Row = tuple[Any, ...]
# Cases filed in the last months run on the current version; earlier ones
# kept the version they started under.
POLICY_VERSIONS = ("2026.11.2", POLICY.version)
TABLES = ("customers", "cases", "case_clocks", "outcomes", "audit_events", "satisfaction_responses")
CAUSES = [
    # Most cases come from a few causes (a Pareto), as in practice.
    ("service.delay", 18),
    ("fees.unexpected", 14),
    ("service.communication", 12),
    ("credit_reporting.incorrect_information", 11),
    ("process.error", 10),
    ("fees.incorrectly_applied", 8),
    ("fraud.unauthorised_transaction", 7),
    ("product.terms_unclear", 6),
    ("collections.conduct", 5),
    ("service.staff_conduct", 4),
    ("product.unsuitable", 3),
    ("systems.outage", 2),
]
DECISIONS = [("rejected", 45), ("upheld", 28), ("partly_upheld", 17), ("withdrawn", 10)]
CURRENCY = {"uk_fca": "GBP", "us_cfpb": "USD", "eu_psd2": "EUR", "au_asic": "AUD"}
REGIMES = ["us_cfpb"] * 5 + ["uk_fca"] * 3 + ["eu_psd2", "au_asic"]
CHANNELS = ["web"] * 8 + ["phone"] * 3 + ["email"] * 2 + ["postal", "referral", "social"]
TEAMS = [f"team-{t}" for t in range(12)]
AGENTS = [f"agent-{a}" for a in range(300)]
ARTICLES = [f"KB-{a:05d}" for a in range(400)]
INTERNAL = (("acknowledgement", 8), ("first_response", 24), ("resolution", 80))
PRIORITIES = {"low": 1, "normal": 2, "high": 3, "urgent": 4}


@dataclass
class Clock:
    name: str
    regulatory: bool
    basis: str
    calendar: str
    regulation: str
    description: str
    started_at: datetime
    due_at: datetime
    state: str = "running"
    paused_seconds: float = 0.0
    pause_reason: str = ""
    stopped_at: datetime | None = None
    breached_at: datetime | None = None
    warned_at: datetime | None = None
    paused_at: datetime | None = None


@dataclass
class Trail:
    """A case's audit trail as the store chains it."""

    case_id: str
    rng: random.Random
    seals: list[tuple[str, str, str]]
    rows: list[Row] = field(default_factory=list)

    def add(
        self,
        at: datetime,
        actor: tuple[str, str],
        action: str,
        field_name: str = "",
        old: str = "",
        new: str = "",
        cause: str = "",
        rule_version: str = "",
    ) -> None:
        # The store numbers and chains the entries once they are in order;
        # hashes, commitments and salts are random values of the real sizes.
        digest, commitments, salts = self.seals[self.rng.getrandbits(12)]
        self.rows.append(
            (
                self.case_id,
                0,
                at,
                actor[0],
                actor[1],
                rule_version,
                action,
                field_name,
                old,
                new,
                cause,
                "",
                digest,
                2,
                commitments,
                salts,
            )
        )


def seals(rng: random.Random) -> list[tuple[str, str, str]]:
    """Hashes with commitments and salts as scheme 2 stores them."""

    def hex64() -> str:
        return f"{rng.getrandbits(256):064x}"

    return [
        (
            hex64(),
            json.dumps({"old_value": hex64(), "new_value": hex64(), "cause": hex64()}),
            json.dumps(
                {"old_value": hex64()[:32], "new_value": hex64()[:32], "cause": hex64()[:32]}
            ),
        )
        for _ in range(4096)
    ]


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Deadlines:
    """The deadlines of a receipt, worked out with the real calendars once
    per local day (regulatory) or hour (business hours)."""

    def __init__(self) -> None:
        self.regulatory: dict[tuple[str, date], list[tuple[str, datetime, str, str, str]]] = {}
        self.business: dict[tuple[datetime, int], timedelta] = {}
        self.calendars: dict[str, BusinessCalendar] = {}
        self.internal = POLICY.calendar_named("")

    def regime(self, regime: str, received: datetime) -> list[tuple[str, datetime, str, str, str]]:
        calendar_name = POLICY.regulatory.calendars.get(regime, POLICY.calendar)
        calendar = self.calendars.get(calendar_name)
        if calendar is None:
            calendar = self.calendars[calendar_name] = POLICY.calendar_named(calendar_name)
        key = (regime, calendar.local_date(received))
        found = self.regulatory.get(key)
        if found is None:
            found = self.regulatory[key] = [
                (d.name, d.due_at, d.description, d.regulation, calendar_name)
                for d in regulatory_deadlines(regime, received, calendar)
            ]
        return found

    def after_business_hours(self, start: datetime, hours: int) -> datetime:
        hour = start.replace(minute=0, second=0, microsecond=0)
        key = (hour, hours)
        offset = self.business.get(key)
        if offset is None:
            offset = self.business[key] = (
                self.internal.add_business_time(hour, timedelta(hours=hours)) - hour
            )
        return start + offset


def weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def history(
    i: int,
    now: datetime,
    rng: random.Random,
    sources: list[dict[str, str]],
    classified: dict[tuple[int, str], tuple[str, str, str, str]],
    deadlines: Deadlines,
    sealed: list[tuple[str, str, str]],
    customers: int,
) -> tuple[Row, list[Row], Row | None, Trail, Row | None]:
    """One case: its row, clocks, outcome, audit trail and survey answer."""
    case_id = f"C-{i + 1:07d}"
    # More complaints each year: the density of receipt grows linearly.
    age = timedelta(seconds=3 * 365 * 86400 * (1 - (rng.random() ** 0.8)))
    received = (now - age).replace(microsecond=0)
    source_index = i % len(sources)
    source = sources[source_index]
    channel = rng.choice(CHANNELS)
    regime = rng.choice(REGIMES)
    # Of the channel, only these decide a classification rule.
    key = (source_index, channel if channel in ("referral", "social") else "")
    if key not in classified:
        found = POLICY.classify(
            ComplaintFacts(
                text=source["Consumer complaint narrative"],
                product=source["Product"],
                regime=regime,
                channel=channel,
            )
        )
        classified[key] = (
            found.category,
            found.category_rule,
            found.priority,
            found.priority_rule,
        )
    category, category_rule, priority, priority_rule = classified[key]
    version = POLICY_VERSIONS[1] if age < timedelta(days=60) else POLICY_VERSIONS[0]
    rule_version = f"standard {version}"
    trail = Trail(case_id, rng, sealed)
    customer_id = f"CU-{rng.randrange(customers):08d}"
    workflow = ("service", "complaint-workflow")
    worker = ("service", "redress-worker")

    def rule(name: str) -> tuple[str, str]:
        return ("rule", name)

    clocks: list[Clock] = []
    for name, hours in INTERNAL:
        clocks.append(
            Clock(
                name,
                False,
                "business",
                POLICY.calendar,
                "",
                "",
                received,
                deadlines.after_business_hours(received, hours),
            )
        )
    for name, due, description, regulation, calendar_name in deadlines.regime(regime, received):
        clocks.append(
            Clock(name, True, "calendar", calendar_name, regulation, description, received, due)
        )
    by_name = {c.name: c for c in clocks}

    trail.add(
        received,
        worker,
        "case.created",
        new=json.dumps(
            {
                "channel": channel,
                "customer_id": customer_id,
                "priority": PRIORITIES[priority],
                "stage": "received",
                "regime": regime,
                "product": source["Product"],
                "issue": source["Issue"],
                "received_at": received.isoformat(),
                "idempotency_key": f"bench-{i}",
            }
        ),
        cause="complaint submitted by local-intake",
    )
    trail.add(
        received,
        workflow,
        "clocks.started",
        "clocks",
        new=json.dumps({c.name: iso(c.due_at) for c in clocks}),
        cause=f"policy standard {version} and regime {regime} at receipt {received.isoformat()}",
    )
    if category:
        trail.add(
            received,
            rule(f"classification.{category_rule}"),
            "case.classified",
            "category",
            new=category,
            cause=f"classification rules matched: {category_rule}",
            rule_version=rule_version,
        )
    if priority != "normal":
        trail.add(
            received,
            rule(f"classification.{priority_rule}"),
            "case.prioritised",
            "priority",
            old="normal",
            new=priority,
            cause=f"classification rules matched: {priority_rule}",
            rule_version=rule_version,
        )
    suggested = rng.sample(ARTICLES, 3)
    trail.add(
        received,
        workflow,
        "knowledge.suggested",
        "knowledge",
        new=json.dumps(
            [{"article_id": a, "title": f"How we handle {a}", "score": 0.5} for a in suggested]
        ),
    )
    message = f"MSG-{i:08d}"
    trail.add(
        received,
        rule("followups.acknowledgement"),
        "message.queued",
        f"messages.{message}a",
        new='{"template": "acknowledgement", "version": 1, "kind": "acknowledgement"}',
        rule_version=rule_version,
    )

    stage = "received"
    escalation = 0
    assignee = team = ""

    def move(at: datetime, to: str, actor: tuple[str, str], reason: str = "") -> None:
        nonlocal stage
        trail.add(at, actor, "case.stage_changed", "stage", old=stage, new=to, cause=reason)
        stage = to

    def stop(at: datetime, names: tuple[str, ...]) -> None:
        for name in names:
            c = by_name.get(name)
            if (
                c is None
                or c.stopped_at is not None
                or c.state not in ("running", "paused", "breached")
            ):
                continue
            breach(c, at)
            if c.state == "paused" and c.paused_at is not None:
                c.paused_seconds += (at - c.paused_at).total_seconds()
            if c.state in ("running", "paused"):
                c.state = "met"
            c.stopped_at = at
            trail.add(
                at,
                rule(f"stages.{stage}.stops"),
                "clock.stopped",
                f"clocks.{name}",
                new=c.state,
                cause=f"entered stage {stage}"
                + (" (after its deadline)" if c.state == "breached" else ""),
                rule_version=rule_version,
            )

    def breach(c: Clock, at: datetime) -> None:
        """The warnings and the breach the workflow records before `at`."""
        nonlocal escalation, priority
        if c.state not in ("running", "paused") or c.breached_at is not None:
            return
        total = (c.due_at - c.started_at).total_seconds()
        warn = c.started_at + timedelta(seconds=0.75 * total)
        if c.warned_at is None and warn < at and c.state == "running":
            c.warned_at = warn
            trail.add(
                warn,
                rule(f"clocks.{c.name}.warn_at"),
                "clock.warning",
                f"clocks.{c.name}",
                new=json.dumps({"threshold": 0.75, "due_at": iso(c.due_at)}),
                cause=f"75% of the {c.name} budget used; due {iso(c.due_at)}",
                rule_version=rule_version,
            )
        if c.due_at < at and c.state == "running":
            c.state = "breached"
            c.breached_at = c.due_at
            trail.add(
                c.due_at,
                rule(f"clocks.{c.name}"),
                "clock.breached",
                f"clocks.{c.name}",
                old="running",
                new="breached",
                cause=f"{c.name} deadline {iso(c.due_at)} passed"
                + (f" ({c.regulation})" if c.regulation else ""),
                rule_version=rule_version,
            )
            ladder = "regulatory" if c.regulatory else "internal"
            raised = "urgent" if c.regulatory else "high"
            if escalation < 1:
                trail.add(
                    c.due_at,
                    rule(f"escalation.{ladder}.1"),
                    "case.escalated",
                    "escalation_level",
                    old=str(escalation),
                    new="1",
                    cause=f"{c.name} breached",
                    rule_version=rule_version,
                )
                escalation = 1
            if PRIORITIES[raised] > PRIORITIES[priority]:
                trail.add(
                    c.due_at,
                    rule(f"escalation.{ladder}.1"),
                    "case.priority_changed",
                    "priority",
                    old=priority,
                    new=raised,
                    cause=f"{c.name} breached",
                    rule_version=rule_version,
                )
                priority = raised
            if c.regulatory and escalation < 2 and c.due_at + timedelta(hours=24) < at:
                second = c.due_at + timedelta(hours=24)
                trail.add(
                    second,
                    rule("escalation.regulatory.2"),
                    "case.escalated",
                    "escalation_level",
                    old=str(escalation),
                    new="2",
                    cause=f"{c.name} breached 24 hours ago",
                    rule_version=rule_version,
                )
                trail.add(
                    second,
                    rule("escalation.regulatory.2"),
                    "case.assigned",
                    "team",
                    old=team,
                    new="complaints-escalations",
                    rule_version=rule_version,
                )
                escalation = 2

    def breaches_until(at: datetime) -> None:
        for c in sorted(clocks, key=lambda c: c.due_at):
            if c.stopped_at is None:
                breach(c, at)

    # How this case goes: delays drawn as a complaints team's are.
    ack_after = timedelta(hours=rng.lognormvariate(1.0, 1.2))
    assign_after = ack_after + timedelta(hours=rng.lognormvariate(2.5, 1.0))
    start_after = assign_after + timedelta(hours=rng.lognormvariate(2.0, 1.2))
    roll = rng.random()
    if roll < 0.3:
        resolve_after = timedelta(days=rng.uniform(0.2, 3))  # summary resolution
    elif roll < 0.88:
        resolve_after = timedelta(days=rng.lognormvariate(2.2, 0.6))  # about 9 days
    elif roll < 0.98:
        resolve_after = timedelta(days=rng.uniform(56, 120))  # past 8 weeks
    else:
        resolve_after = timedelta(days=rng.uniform(120, 400))  # the long tail
    resolve_after = max(resolve_after, start_after + timedelta(minutes=30))
    close_after = resolve_after + timedelta(days=rng.choice((0, 0, 1, 3, 7, 14)) + rng.random())
    on_hold = rng.random() < 0.15
    reopened = rng.random() < 0.04
    manual_priority = rng.random() < 0.05

    def happened(after: timedelta) -> datetime | None:
        at = received + after
        return at if at < now else None

    at = happened(ack_after)
    breaches_until(at or now)
    if at is not None:
        trail.add(
            at,
            rule("followups.acknowledgement"),
            "message.sent",
            f"messages.{message}a",
            old="queued",
            new="delivered",
            cause="acknowledgement v1 over email",
            rule_version=rule_version,
        )
        move(at, "acknowledged", rule("followups.acknowledgement"))
        stop(at, ("acknowledgement",))
    at = happened(assign_after)
    if at is not None:
        breaches_until(at)
        lead = ("person", f"lead-{rng.randrange(12)}")
        team = team or rng.choice(TEAMS)
        assignee = rng.choice(AGENTS)
        trail.add(at, lead, "case.assigned", "team", old="", new=team, cause="routing")
        trail.add(at, lead, "case.assigned", "assignee", old="", new=assignee, cause="routing")
        move(at, "assigned", lead)
        if manual_priority:
            new_priority = rng.choice([p for p in PRIORITIES if p != priority])
            trail.add(
                at,
                lead,
                "case.priority_changed",
                "priority",
                old=priority,
                new=new_priority,
                cause="reassessed",
            )
            priority = new_priority
    at = happened(start_after)
    if at is not None:
        breaches_until(at)
        move(at, "investigating", ("person", assignee))
        stop(at, ("first_response",))
    hold_from = received + start_after + (resolve_after - start_after) * 0.3
    hold_until = hold_from + (resolve_after - start_after) * 0.4
    if on_hold and hold_from < now and stage == "investigating":
        breaches_until(hold_from)
        move(hold_from, "awaiting_customer", ("person", assignee), "asked for statements")
        c = by_name["resolution"]
        if c.state == "running":
            c.state = "paused"
            c.pause_reason = "awaiting_customer"
            c.paused_at = hold_from
            trail.add(
                hold_from,
                rule("stages.awaiting_customer.pauses"),
                "clock.paused",
                "clocks.resolution",
                new="awaiting_customer",
                cause="entered stage awaiting_customer",
                rule_version=rule_version,
            )
        if hold_until < now:
            trail.add(
                hold_until,
                ("person", assignee),
                "customer.replied",
                "",
                new="email",
                cause="statements sent",
            )
            if c.state == "paused":
                c.paused_seconds += (hold_until - hold_from).total_seconds()
                c.due_at += hold_until - hold_from
                c.state = "running"
                c.pause_reason = ""
                c.paused_at = None
                trail.add(
                    hold_until,
                    rule("clocks.resolution"),
                    "clock.resumed",
                    "clocks.resolution",
                    new=iso(c.due_at),
                    cause="the customer replied",
                    rule_version=rule_version,
                )
            move(hold_until, "investigating", ("person", assignee))
    outcome = None
    resolved_at = closed_at = None
    cause = weighted(rng, CAUSES)
    decision = weighted(rng, DECISIONS)
    currency = CURRENCY[regime]
    redress = (
        rng.choice((2500, 5000, 10000, 15000, 25000, 50000, 120000))
        if decision in ("upheld", "partly_upheld") and rng.random() < 0.6
        else 0
    )
    goodwill = rng.choice((2500, 5000, 7500)) if rng.random() < 0.12 else 0

    def resolve(at: datetime) -> None:
        nonlocal outcome, resolved_at
        breaches_until(at)
        handler = ("person", assignee or rng.choice(AGENTS))
        trail.add(
            at,
            handler,
            "outcome.recorded",
            "outcome",
            new=json.dumps(
                {
                    "decision": decision,
                    "root_cause": cause,
                    "redress_minor": redress,
                    "goodwill_minor": goodwill,
                }
            ),
            cause="final response",
        )
        trail.add(
            at,
            rule("followups.final_response"),
            "message.queued",
            f"messages.{message}f",
            new='{"template": "final_response", "version": 1, "kind": "final_response"}',
            rule_version=rule_version,
        )
        move(at, "resolved", handler, "final response sent")
        stop(at, tuple(c.name for c in clocks))
        trail.add(
            at + timedelta(seconds=4),
            rule("followups.final_response"),
            "message.sent",
            f"messages.{message}f",
            old="queued",
            new="delivered",
            cause="final_response v1 over email",
            rule_version=rule_version,
        )
        resolved_at = at
        outcome = (
            case_id,
            decision,
            currency if redress else "",
            redress,
            currency if goodwill else "",
            goodwill,
            cause,
            "Resolved after review of the account.",
            at,
            handler[1],
        )

    at = happened(resolve_after)
    if at is not None and stage in ("investigating", "assigned", "acknowledged", "received"):
        resolve(at)
        at = happened(close_after)
        if at is not None:
            move(at, "closed", ("person", assignee or "lead-0"))
            closed_at = at
            if reopened:
                back = happened(close_after + timedelta(days=rng.uniform(2, 40)))
                if back is not None:
                    trail.add(
                        back,
                        ("person", f"lead-{rng.randrange(12)}"),
                        "case.reopened",
                        "stage",
                        old="closed",
                        new="investigating",
                        cause="the customer disputes the outcome",
                    )
                    stage = "investigating"
                    closed_at = resolved_at = None
                    c = by_name["resolution"]
                    c.state, c.started_at, c.stopped_at, c.breached_at, c.warned_at = (
                        "running",
                        back,
                        None,
                        None,
                        None,
                    )
                    c.due_at = deadlines.after_business_hours(back, 80)
                    trail.add(
                        back,
                        rule("reopen.restarts"),
                        "clock.started",
                        "clocks.resolution",
                        new=iso(c.due_at),
                        cause="case reopened",
                        rule_version=rule_version,
                    )
                    again = happened(close_after + timedelta(days=rng.uniform(45, 80)))
                    if again is not None:
                        resolve(again)
                        done = happened(close_after + timedelta(days=rng.uniform(81, 90)))
                        if done is not None:
                            move(done, "closed", ("person", assignee or "lead-0"))
                            closed_at = done
    breaches_until(now)
    running = [c for c in clocks if c.state in ("running", "paused") and c.stopped_at is None]
    next_deadline = min((c.due_at for c in running if c.state == "running"), default=None)
    survey = None
    if closed_at is not None and rng.random() < 0.1:
        answered = closed_at + timedelta(days=rng.uniform(0.5, 6))
        if answered < now:
            score = rng.choices([1, 2, 3, 4, 5], [10, 10, 20, 30, 30])[0]
            survey = (case_id, score, "", "survey-page", answered)
            trail.add(
                answered,
                ("service", "survey-page"),
                "satisfaction.recorded",
                "satisfaction",
                new=str(score),
            )
    narrative = source["Consumer complaint narrative"]
    updated = max(r[2] for r in trail.rows)  # type: ignore[type-var]
    case_row = (
        case_id,
        f"complaint:bench:{i}",
        f"bench-{i}",
        "local-intake",
        customer_id,
        channel,
        PRIORITIES[priority],
        stage,
        source["Product"],
        source.get("Sub-product", ""),
        source["Issue"],
        source.get("Sub-issue", ""),
        narrative,
        narrative,
        "",
        regime,
        "",
        "",
        category,
        assignee,
        team,
        escalation,
        "standard",
        version,
        "[]",
        received,
        received,
        updated,
        resolved_at,
        closed_at,
        next_deadline,
        next_deadline or FAR_FUTURE,
        any(c.state == "breached" and c.stopped_at is None for c in clocks),
    )
    clock_rows = [
        (
            case_id,
            c.name,
            c.state,
            c.regulatory,
            c.basis,
            c.calendar,
            c.regulation,
            c.description,
            c.started_at,
            c.due_at,
            0.0 if c.stopped_at else max(0.0, (c.due_at - now).total_seconds()),
            c.paused_seconds,
            c.pause_reason,
            c.stopped_at,
            c.breached_at,
            c.warned_at,
        )
        for c in clocks
    ]
    trail.rows.sort(key=lambda r: r[2])  # type: ignore[arg-type, return-value]
    # Entries are numbered and chained in the order they were recorded.
    previous = "0" * 64
    for n, r in enumerate(trail.rows):
        trail.rows[n] = (r[0], n + 1, *r[2:11], previous, *r[12:])
        previous = r[12]  # type: ignore[assignment]
    return case_row, clock_rows, outcome, trail, survey


CASE_COLUMNS = (
    "case_id, workflow_id, idempotency_key, submitted_by, customer_id, channel, priority, stage,"
    " product, sub_product, issue, sub_issue, narrative, search_text, desired_outcome, regime,"
    " company, external_ref, category, assignee, team, escalation_level, policy_id,"
    " policy_version, attachment_ids, received_at, created_at, updated_at, resolved_at,"
    " closed_at, next_deadline, deadline_order, breached"
)
CLOCK_COLUMNS = (
    "case_id, name, state, regulatory, basis, calendar, regulation, description, started_at,"
    " due_at, remaining_seconds, paused_seconds, pause_reason, stopped_at, breached_at, warned_at"
)
OUTCOME_COLUMNS = (
    "case_id, decision, redress_currency, redress_minor, goodwill_currency, goodwill_minor,"
    " root_cause, summary, recorded_at, recorded_by"
)
AUDIT_COLUMNS = (
    "case_id, sequence, recorded_at, actor_kind, actor_id, rule_version, action, field,"
    " old_value, new_value, cause, previous_hash, hash, hash_scheme, commitments, value_salts"
)
SURVEY_COLUMNS = "case_id, score, comment, recorded_by, received_at"


def set_aside(cur: psycopg.Cursor) -> list[str]:
    """Drops the secondary indexes and foreign keys of the loaded tables;
    returns the statements that make them again."""
    again: list[str] = []
    cur.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
        (list(TABLES),),
    )
    for table, name, definition in cur.fetchall():
        cur.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
        again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        (list(TABLES),),
    )
    indexes = cur.fetchall()
    for name, _ in indexes:
        cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    # Indexes first: the foreign keys are checked through them.
    return [d for _, d in indexes] + again


def load(url: str, count: int, now: datetime) -> None:
    started = time.perf_counter()
    rng = random.Random(7)
    sources = real_rows()
    # The CSV rows carry sub-products and sub-issues too.
    sealed = seals(rng)
    deadlines = Deadlines()
    classified: dict[tuple[int, str], tuple[str, str, str, str]] = {}
    customers = max(1, count * 2 // 3)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as admin, admin.cursor() as cur:
        rebuild = set_aside(cur)
    connections = [psycopg.connect(dsn) for _ in range(3)]
    try:
        for c in connections:
            c.execute("SET synchronous_commit = off")
        with (
            connections[0]
            .cursor()
            .copy(
                "COPY customers (id, full_name, email, email_normalized, phone,"
                " postal_address, preferred_channel, preferred_language, external_ref, tags,"
                " created_at, updated_at) FROM STDIN"
            ) as copy
        ):
            for n in range(customers):
                email = f"customer{n}@example.com"
                tags = (
                    '["Older American"]'
                    if n % 23 == 0
                    else '["Servicemember"]'
                    if n % 37 == 0
                    else "[]"
                )
                copy.write_row(
                    (
                        f"CU-{n:08d}",
                        f"Customer {n}",
                        email,
                        email,
                        "",
                        "{}",
                        "email",
                        "en",
                        "",
                        tags,
                        now - timedelta(days=3 * 365),
                        now,
                    )
                )
        connections[0].commit()
        entries = 0
        chunk = 5000
        for first in range(0, count, chunk):
            cases, clocks, outcomes, audit, surveys = [], [], [], [], []
            for i in range(first, min(count, first + chunk)):
                case_row, clock_rows, outcome, trail, survey = history(
                    i, now, rng, sources, classified, deadlines, sealed, customers
                )
                cases.append(case_row)
                clocks += clock_rows
                if outcome is not None:
                    outcomes.append(outcome)
                if survey is not None:
                    surveys.append(survey)
                audit += trail.rows
            entries += len(audit)
            with connections[0].cursor().copy(f"COPY cases ({CASE_COLUMNS}) FROM STDIN") as copy:
                for r in cases:
                    copy.write_row(r)
            with (
                connections[1]
                .cursor()
                .copy(f"COPY audit_events ({AUDIT_COLUMNS}) FROM STDIN") as copy
            ):
                for r in audit:
                    copy.write_row(r)
            with (
                connections[2]
                .cursor()
                .copy(f"COPY case_clocks ({CLOCK_COLUMNS}) FROM STDIN") as copy
            ):
                for r in clocks:
                    copy.write_row(r)
            with (
                connections[2]
                .cursor()
                .copy(f"COPY outcomes ({OUTCOME_COLUMNS}) FROM STDIN") as copy
            ):
                for r in outcomes:
                    copy.write_row(r)
            with (
                connections[2]
                .cursor()
                .copy(f"COPY satisfaction_responses ({SURVEY_COLUMNS}) FROM STDIN") as copy
            ):
                for r in surveys:
                    copy.write_row(r)
            for c in connections:
                c.commit()
            done = min(count, first + chunk)
            if done % 100_000 == 0 or done == count:
                print(
                    f"  {done:,} cases, {entries:,} audit entries, "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
    finally:
        for c in connections:
            c.close()
    print(
        f"loaded in {time.perf_counter() - started:.0f} s; rebuilding indexes and foreign keys",
        flush=True,
    )
    with psycopg.connect(dsn, autocommit=True) as admin, admin.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        for statement in rebuild:
            began = time.perf_counter()
            cur.execute(statement)  # type: ignore[arg-type]
            print(f"  {time.perf_counter() - began:5.0f} s  {statement[:110]}", flush=True)
        began = time.perf_counter()
        # What autovacuum does in time: the statistics, and the visibility
        # map that lets the reporting indexes answer without reading tables.
        cur.execute("VACUUM ANALYZE")
        print(f"  {time.perf_counter() - began:5.0f} s  VACUUM ANALYZE", flush=True)
        cur.execute(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class"
            " WHERE relname = ANY(%s) ORDER BY relname",
            (list(TABLES),),
        )
        sizes = ", ".join(f"{n} {s}" for n, s in cur.fetchall())
    print(f"seeded {count:,} cases in {time.perf_counter() - started:.0f} s: {sizes}", flush=True)
