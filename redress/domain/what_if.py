"""What if: a case's recorded life replayed under another policy.

A case's audit trail records what happened to it that no policy decides:
when it was received, the stages people moved it to, the clocks they paused
and resumed (and why), the customer's replies, the outcome, resolving,
closing, reopening, and the acknowledgement's delivery. `replay` runs those
facts, in time order, through the same `Complaint` rules a live case's
workflow runs (receipt, stage entry, pauses, the clock timeline of
complaint_schedule, escalation, follow-ups), under any policy: its clocks'
deadlines, met or breached and when, the warnings and escalation steps that
fire, and the letters asked for. `compare` says what differs between two
replays of one case; `WhatIfTotals` adds them up over many.

Nothing is re-derived here: deadlines come from clocks.py, calendars.py and
regulatory.py through the Complaint, exactly as the workflow computes them.
Pure code: `as_of` (how far to run the clocks) comes from the caller.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from redress.domain import clocks as clk
from redress.domain import complaint_schedule as schedule
from redress.domain.complaint import Complaint, Features
from redress.domain.complaint_commands import (
    ClockCommand,
    OutcomeCommand,
    ReasonCommand,
    ReplyCommand,
)
from redress.domain.complaint_state import (
    AuditDraft,
    ComplaintState,
    ComplaintSubmission,
    CustomerInfo,
    HistoricClosure,
    MessageEvent,
    PolicyDocument,
)
from redress.domain.policy import Policy

# What a recorded event is (RecordedEvent.kind).
STAGE = "stage"  # a person moved the case to `stage`
PAUSE = "pause"  # a person paused `clock` (reason: `reason`)
RESUME = "resume"  # a person resumed `clock`
REPLY = "reply"  # the customer replied
OUTCOME = "outcome"  # an outcome (`decision`) was recorded
REOPEN = "reopen"  # the case was reopened
DELIVERED = "delivered"  # the `letter` (a follow-up kind) reached the customer
EVENT_KINDS = (STAGE, PAUSE, RESUME, REPLY, OUTCOME, REOPEN, DELIVERED)

# A replay stops working through a case's timeline after this many clock and
# follow-up events (a case open for years under a policy with frequent
# progress updates); it says so (`Replay.cut_short`).
MAX_TIMELINE_EVENTS = 5000


@dataclass(frozen=True)
class RecordedEvent:
    at: datetime
    kind: str
    stage: str = ""
    # The stage, as the case's own policy knew it, resolved or closed the
    # case (for a draft without a stage of that name).
    resolves: bool = False
    closes: bool = False
    clock: str = ""
    reason: str = ""
    decision: str = ""
    letter: str = ""
    actor: str = ""


@dataclass(frozen=True)
class RecordedClosure:
    """A historic complaint its source file recorded as closed."""

    closed_at: datetime
    decision: str
    source_status: str


@dataclass(frozen=True)
class RecordedCase:
    """What a case's records say happened, independent of any policy."""

    case_id: str
    received_at: datetime
    regime: str
    channel: str
    narrative: str = ""
    product: str = ""
    issue: str = ""
    sub_issue: str = ""
    category: str = ""
    priority: str = "normal"
    tags: tuple[str, ...] = ()
    language: str = ""
    # A record of a complaint filed after the fact (`redress import --historic`).
    historic: bool = False
    filed_at: datetime | None = None
    closure: RecordedClosure | None = None
    events: tuple[RecordedEvent, ...] = ()


@dataclass(frozen=True)
class ClockResult:
    name: str
    regulatory: bool
    # running, paused, met, breached, pending, not_applicable (clocks.py).
    state: str
    due_at: datetime | None
    stopped_at: datetime | None
    breached_at: datetime | None


@dataclass(frozen=True)
class Happening:
    """A warning, an escalation step or a letter, and when."""

    at: datetime
    # "warning" | "escalation" | "letter"
    kind: str
    # The clock (warning, escalation) or the follow-up kind (letter).
    name: str
    # The threshold (warning, e.g. "75%") or the ladder step ("step 2").
    detail: str = ""

    def describe(self) -> str:
        what = f"{self.name} {self.detail}".strip()
        return f"{what} at {self.at.isoformat()}"


@dataclass(frozen=True)
class Replay:
    complaint_type: str
    clocks: tuple[ClockResult, ...]
    warnings: tuple[Happening, ...]
    escalations: tuple[Happening, ...]
    letters: tuple[Happening, ...]
    # Recorded events the policy has no place for, each with why.
    skipped: tuple[str, ...] = ()
    cut_short: bool = False

    def clock(self, name: str) -> ClockResult | None:
        return next((c for c in self.clocks if c.name == name), None)


def replay(
    case: RecordedCase, policy: Policy, as_of: datetime, *, policy_id: str = "", version: str = ""
) -> Replay:
    """The case's recorded events under `policy` (the whole document, with
    its complaint types), its clocks run until `as_of`."""
    submission = _submission(case)
    complaint = Complaint(
        submission, ComplaintState(priority=case.priority), f"what-if/{case.case_id}"
    )
    # What a complaint started today does: every behaviour the workflow has.
    complaint.features = Features(
        followups=True,
        alerts=True,
        stop_breached_clocks=True,
        historic_closure=case.closure is not None,
    )
    complaint.adopt_policy(
        PolicyDocument(policy_id or policy.id, version or policy.version, policy.source)
    )
    complaint.state.case_id = case.case_id
    run = _Run(complaint)
    classified, submission = complaint.classify(submission)
    chosen = complaint.choose_type() if complaint.base_rules.types else None
    complaint.receive(
        submission,
        classified,
        case.filed_at or case.received_at,
        regime_calendars=True,
        type_chosen=chosen,
    )
    run.collect(case.received_at)
    for event in sorted(case.events, key=lambda e: e.at):
        if event.at > as_of:
            break
        run.until(event.at)
        run.apply(event)
        run.collect(event.at)
    run.until(as_of)
    state = complaint.state
    return Replay(
        complaint_type=state.complaint_type,
        clocks=tuple(
            ClockResult(
                name=c.name,
                regulatory=c.regulatory,
                state=c.state,
                due_at=c.due_at,
                stopped_at=c.stopped_at,
                breached_at=c.breached_at,
            )
            for c in state.clocks
        ),
        warnings=tuple(run.warnings),
        escalations=tuple(run.escalations),
        letters=tuple(run.letters),
        skipped=tuple(run.skipped),
        cut_short=run.cut_short,
    )


def _submission(case: RecordedCase) -> ComplaintSubmission:
    closure = (
        HistoricClosure(
            decision=case.closure.decision,
            source_status=case.closure.source_status,
            closed_at=case.closure.closed_at,
        )
        if case.closure is not None
        else None
    )
    return ComplaintSubmission(
        idempotency_key=f"what-if/{case.case_id}",
        submitted_by="what-if",
        channel=case.channel,
        customer=CustomerInfo(full_name="", tags=list(case.tags), preferred_language=case.language),
        narrative=case.narrative,
        regime=case.regime,
        received_at=case.received_at,
        fingerprint="",
        product=case.product,
        issue=case.issue,
        sub_issue=case.sub_issue,
        priority=case.priority,
        category=case.category,
        historic=case.historic,
        closure=closure,
    )


class _Run:
    """One replay in progress: the complaint, and what it has done so far."""

    def __init__(self, complaint: Complaint) -> None:
        self.complaint = complaint
        self.warnings: list[Happening] = []
        self.escalations: list[Happening] = []
        self.letters: list[Happening] = []
        self.skipped: list[str] = []
        self.fired = 0
        self.cut_short = False

    def until(self, now: datetime) -> None:
        """Every timeline event due by `now`, each at its own instant, as the
        workflow's durable timers would have fired them."""
        while not self.cut_short:
            due = schedule.upcoming(self.complaint)
            if not due or due[0].at > now:
                return
            event = due[0]
            schedule.fire(self.complaint, event, event.at)
            drafts = self.collect(event.at)
            # A step recorded nothing when it changed nothing, or when a
            # historic complaint's deadline had passed before it was filed.
            if event.kind == "escalation" and event.step is not None and drafts:
                self.escalations.append(
                    Happening(event.at, "escalation", event.clock, f"step {event.step.level}")
                )
            self.fired += 1
            if self.fired >= MAX_TIMELINE_EVENTS:
                self.cut_short = True

    def collect(self, at: datetime) -> list[AuditDraft]:
        """The warnings and letters since the last look, at `at`."""
        drafts = self.complaint.trail.take()
        for draft in drafts:
            if draft.action == "clock.warning":
                threshold = json.loads(draft.new_value)["threshold"]
                self.warnings.append(
                    Happening(
                        at, "warning", draft.field.removeprefix("clocks."), f"{threshold:.0%}"
                    )
                )
        state = self.complaint.state
        for item in state.outbox:
            if item.message is not None:
                self.letters.append(Happening(at, "letter", item.message.kind))
        state.outbox = []
        self.complaint.notes = []
        return drafts

    def apply(self, event: RecordedEvent) -> None:
        complaint = self.complaint
        state = complaint.state
        rules = complaint.rules
        actor = event.actor or "recorded"
        if event.kind == STAGE:
            to = event.stage if event.stage in rules.stages else ""
            if not to and (event.resolves or event.closes):
                flag = "closed" if event.closes else "resolved"
                to = next((n for n, s in rules.stages.items() if getattr(s, flag)), "")
            if not to:
                self.skipped.append(f"{event.at.isoformat()}: no stage {event.stage!r}")
            elif to != state.stage:
                # What happened, happened: the move is replayed even where
                # this policy's stage graph would not have allowed it.
                complaint.enter_stage(to, actor, event.reason or "recorded move", event.at)
        elif event.kind in (PAUSE, RESUME):
            clock = complaint.clock(event.clock)
            wanted = clk.RUNNING if event.kind == PAUSE else clk.PAUSED
            if (
                clock is None
                or clock.state != wanted
                or (event.kind == PAUSE and not clock.pausable)
            ):
                self.skipped.append(
                    f"{event.at.isoformat()}: {event.kind} {event.clock!r}: "
                    + ("no such clock" if clock is None else f"the clock is {clock.state}")
                )
                return
            command = ClockCommand(actor, event.clock, event.reason)
            if event.kind == PAUSE:
                complaint.pause_clock(command, event.at)
            else:
                complaint.resume_clock(command, event.at)
        elif event.kind == REPLY:
            complaint.record_customer_reply(ReplyCommand(actor, ""), event.at)
        elif event.kind == OUTCOME:
            complaint.record_outcome(OutcomeCommand(actor, event.decision, "", ""), event.at)
        elif event.kind == REOPEN:
            if state.resolved_at is not None or state.closed_at is not None:
                complaint.reopen(ReasonCommand(actor, event.reason), event.at)
        elif event.kind == DELIVERED:
            # The letter's delivery, as the mail gateway reported it: the
            # policy's own follow-up rule decides what it moves (then_stage).
            if event.letter in rules.followups:
                complaint.message_event(
                    MessageEvent(
                        message_id=f"recorded/{event.at.isoformat()}/{event.letter}",
                        state="delivered",
                        kind=event.letter,
                        template_name=rules.followups[event.letter].template,
                    ),
                    event.at,
                )


# -- comparing -----------------------------------------------------------------


@dataclass(frozen=True)
class ClockDifference:
    name: str
    baseline: ClockResult | None
    draft: ClockResult | None

    @property
    def newly_breached(self) -> bool:
        return _breached(self.draft) and not _breached(self.baseline)

    @property
    def no_longer_breached(self) -> bool:
        return _breached(self.baseline) and not _breached(self.draft)


@dataclass(frozen=True)
class CaseDifference:
    case_id: str
    received_at: datetime
    baseline_type: str
    draft_type: str
    clocks: tuple[ClockDifference, ...]
    # What fired under one policy and not the other, as "name detail at time".
    warnings_only_baseline: tuple[str, ...] = ()
    warnings_only_draft: tuple[str, ...] = ()
    escalations_only_baseline: tuple[str, ...] = ()
    escalations_only_draft: tuple[str, ...] = ()
    letters_only_baseline: tuple[str, ...] = ()
    letters_only_draft: tuple[str, ...] = ()


def _ended(result: ClockResult) -> str:
    return "breached" if result.breached_at is not None else result.state


def _breached(result: ClockResult | None) -> bool:
    return result is not None and result.breached_at is not None


def _only(a: tuple[Happening, ...], b: tuple[Happening, ...]) -> tuple[str, ...]:
    left = Counter(a) - Counter(b)
    return tuple(h.describe() for h in sorted(left.elements(), key=lambda h: (h.at, h.name)))


def compare(case: RecordedCase, baseline: Replay, draft: Replay) -> CaseDifference | None:
    """What the draft would have done differently with the case; None: nothing."""
    names = [c.name for c in baseline.clocks]
    names += [c.name for c in draft.clocks if c.name not in names]
    clocks = []
    for name in names:
        before, after = baseline.clock(name), draft.clock(name)
        # An outcome that differs, not a deadline that moved: a changed
        # target moves every case's deadline (WhatIfTotals.deadlines_moved).
        if before is None or after is None or _ended(before) != _ended(after):
            clocks.append(ClockDifference(name, before, after))
    found = CaseDifference(
        case_id=case.case_id,
        received_at=case.received_at,
        baseline_type=baseline.complaint_type,
        draft_type=draft.complaint_type,
        clocks=tuple(clocks),
        warnings_only_baseline=_only(baseline.warnings, draft.warnings),
        warnings_only_draft=_only(draft.warnings, baseline.warnings),
        escalations_only_baseline=_only(baseline.escalations, draft.escalations),
        escalations_only_draft=_only(draft.escalations, baseline.escalations),
        letters_only_baseline=_only(baseline.letters, draft.letters),
        letters_only_draft=_only(draft.letters, baseline.letters),
    )
    same = not clocks and baseline.complaint_type == draft.complaint_type
    if same and not any(
        (
            found.warnings_only_baseline,
            found.warnings_only_draft,
            found.escalations_only_baseline,
            found.escalations_only_draft,
            found.letters_only_baseline,
            found.letters_only_draft,
        )
    ):
        return None
    return found


@dataclass
class ClockTotals:
    """One clock's figures over the cases replayed, under one policy."""

    met: int = 0
    breached: int = 0
    running: int = 0


@dataclass
class WhatIfTotals:
    """Figures over every case replayed (not only those that differ)."""

    cases: int = 0
    cases_differing: int = 0
    baseline_clocks: dict[str, ClockTotals] = field(default_factory=dict)
    draft_clocks: dict[str, ClockTotals] = field(default_factory=dict)
    # Cases where the clock breaches under the draft and not the baseline,
    # and the other way round.
    more_breaches: Counter[str] = field(default_factory=Counter)
    fewer_breaches: Counter[str] = field(default_factory=Counter)
    # Cases where the clock's deadline is another under the draft.
    deadlines_moved: Counter[str] = field(default_factory=Counter)
    baseline_warnings: int = 0
    draft_warnings: int = 0
    baseline_escalations: int = 0
    draft_escalations: int = 0
    baseline_letters: Counter[str] = field(default_factory=Counter)
    draft_letters: Counter[str] = field(default_factory=Counter)
    # Cases whose replay stopped early (MAX_TIMELINE_EVENTS).
    cut_short: int = 0

    def add(self, baseline: Replay, draft: Replay, difference: CaseDifference | None) -> None:
        self.cases += 1
        self.cases_differing += difference is not None
        for replayed, clocks in ((baseline, self.baseline_clocks), (draft, self.draft_clocks)):
            for c in replayed.clocks:
                totals = clocks.setdefault(c.name, ClockTotals())
                if c.breached_at is not None:
                    totals.breached += 1
                elif c.state == clk.MET:
                    totals.met += 1
                elif c.state in (clk.RUNNING, clk.PAUSED):
                    totals.running += 1
        for c in baseline.clocks:
            other = draft.clock(c.name)
            self.deadlines_moved[c.name] += other is not None and other.due_at != c.due_at
        for d in difference.clocks if difference else ():
            self.more_breaches[d.name] += d.newly_breached
            self.fewer_breaches[d.name] += d.no_longer_breached
        self.baseline_warnings += len(baseline.warnings)
        self.draft_warnings += len(draft.warnings)
        self.baseline_escalations += len(baseline.escalations)
        self.draft_escalations += len(draft.escalations)
        self.baseline_letters.update(h.name for h in baseline.letters)
        self.draft_letters.update(h.name for h in draft.letters)
        self.cut_short += baseline.cut_short or draft.cut_short
