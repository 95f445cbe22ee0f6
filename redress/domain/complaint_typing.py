"""Which complaint type's rules a case runs under, and what changes when
the type changes (docs/lifecycle.md, "Complaint types").

A policy with `types` gives each kind of complaint rules of its own. The type
is chosen on receipt, after classification, from the complaint's category,
product, channel, regime, customer tags and language; it is chosen again when
the category changes. Moving to another type is one audited step:

- the stage is kept if the new type has a stage of that name; otherwise a
  closed case goes to the new type's closed stage, a resolved one to its
  resolved stage (refused if it has none), any other to its initial stage;
- an internal clock of a name both types have keeps the time it has used and
  takes the new type's budget, calendar, thresholds and ladder; a met or
  breached one stays so;
- an open or pending clock the new type lacks stops as "not applicable";
- a clock only the new type has starts from the complaint's receipt (or,
  if it starts on a stage, now if the case is in that stage, else later);
  on a resolved or closed case it waits, pending, for a reopening;
- the regime's regulatory clocks keep their deadlines and take the new
  type's regulatory thresholds and ladder.

Pure code: `now` comes from the caller.
"""

from __future__ import annotations

import json
from datetime import datetime

from redress.domain import clocks as clk
from redress.domain.complaint_audit import iso
from redress.domain.complaint_commands import Refused
from redress.domain.complaint_core import ComplaintCore
from redress.domain.complaint_state import ComplaintSubmission
from redress.domain.policy import ComplaintFacts, Policy, TypeChoice


def complaint_facts(submission: ComplaintSubmission, category: str) -> ComplaintFacts:
    """What classification and type selection look at."""
    return ComplaintFacts(
        text="\n".join((submission.narrative, submission.issue, submission.sub_issue)),
        product=submission.product,
        tags=tuple(submission.customer.tags),
        regime=submission.regime,
        channel=submission.channel,
        language=submission.customer.preferred_language,
        category=category,
    )


class ComplaintTyping(ComplaintCore):
    def choose_type(self) -> TypeChoice:
        """On receipt, once classified: the type whose rules the case runs
        under from now on (its stage becomes that type's initial stage)."""
        choice = self.base_rules.select_type(complaint_facts(self.submission, self.state.category))
        self.state.complaint_type = choice.name
        self.policy = self.base_rules.for_type(choice.name)
        self.state.stage = self.rules.initial_stage
        return choice

    def record_type_chosen(self, choice: TypeChoice) -> None:
        self.trail.by_rule(
            "case.typed",
            "complaint_type",
            new=choice.name,
            cause=f"complaint type {choice.name}: {choice.reason}",
            rule=choice.rule,
        )

    def type_for(self, category: str) -> TypeChoice | None:
        """The type the case would run under with this category; None when
        its policy has no types or the complaint started before they existed."""
        if not self.state.complaint_type:
            return None
        return self.base_rules.select_type(complaint_facts(self.submission, category))

    def check_retype(self, category: str) -> None:
        choice = self.type_for(category)
        if choice is not None and choice.name != self.state.complaint_type:
            self._stage_under(self.base_rules.for_type(choice.name), choice.name)

    def _stage_under(self, rules: Policy, type_name: str) -> str:
        """The stage the case takes under another type's rules."""
        stage = self.state.stage
        if stage in rules.stages:
            return stage
        if self.state.closed_at is not None:
            return next(name for name, s in rules.stages.items() if s.closed)
        if self.state.resolved_at is not None:
            resolved = [name for name, s in rules.stages.items() if s.resolved and not s.closed]
            if not resolved:
                raise Refused(
                    f"complaint type {type_name} has no stage {stage!r} and no resolved stage "
                    "for this resolved case; reopen it first"
                )
            return resolved[0]
        return rules.initial_stage

    def retype(self, now: datetime, why: str) -> None:
        """After the category changed: moves the case to the type it now
        selects, if that is another, and records what became of its stage and
        clocks in one `case.type_changed` entry."""
        choice = self.type_for(self.state.category)
        old_name = self.state.complaint_type
        if choice is None or choice.name == old_name:
            return
        rules = self.base_rules.for_type(choice.name)
        old_stage = self.state.stage
        stage = self._stage_under(rules, choice.name)
        said = [f"stage {stage} kept" if stage == old_stage else f"stage {old_stage} -> {stage}"]
        if stage != old_stage:
            self.state.stage = stage
            self.state.stage_entered_at = now
            self.state.stage_target_exceeded = False
            self.state.chasers_sent = 0
        self.policy = rules
        self.state.complaint_type = choice.name
        said += self._retype_clocks(rules, stage, now)
        self.trail.by_rule(
            "case.type_changed",
            "complaint_type",
            old=old_name,
            new=json.dumps(
                {
                    "type": choice.name,
                    "stage": stage,
                    "clocks": {c.name: c.state for c in self.state.clocks if not c.regulatory},
                }
            ),
            cause=f"{why}; complaint type {old_name} -> {choice.name} ({choice.reason}); "
            + "; ".join(said),
            rule=choice.rule,
        )

    def _retype_clocks(self, rules: Policy, stage: str, now: datetime) -> list[str]:
        said = []
        names = set()
        for clock in self.state.clocks:
            if clock.regulatory:
                # The regime's deadline stands; the type's thresholds and ladder apply.
                clock.warn_at = list(rules.regulatory.warn_at)
                clock.warned = [t for t in clock.warned if t in clock.warn_at]
                if clock.state == clk.BREACHED:
                    clock.warned = list(clock.warn_at)
                clock.ladder = rules.regulatory.escalation
                continue
            if clock.state == clk.NOT_APPLICABLE:
                # A clock stopped as not applicable by an earlier move starts
                # afresh (below) if this type has it.
                continue
            names.add(clock.name)
            rule = rules.clock(clock.name)
            if rule is None:
                if clock.state in (clk.RUNNING, clk.PAUSED, clk.PENDING):
                    clk.not_applicable(clock, now)
                    said.append(f"clock {clock.name} not applicable")
                elif clock.state == clk.BREACHED and clock.stopped_at is None:
                    clock.stopped_at = now
                    said.append(f"clock {clock.name} stays breached; its escalation ends")
                continue
            calendar = self.calendar(rule.calendar)
            clk.rebudget(
                clock,
                rule.budget,
                rule.calendar,
                calendar,
                now,
                pausable=rule.pausable,
                warn_at=rule.warn_at,
                ladder=rule.escalation,
                description=rule.description,
            )
            if clock.state == clk.PAUSED and not clock.pausable:
                clk.resume(clock, now, calendar)
            if clock.state in (clk.RUNNING, clk.PAUSED):
                said.append(
                    f"clock {clock.name} kept ({rule.budget.describe()}, "
                    f"{clock.state} {iso(clock.due_at)})"
                )
            else:
                said.append(f"clock {clock.name} kept ({clock.state})")
        for rule in rules.clocks:
            if rule.name in names:
                continue
            clock = clk.budget_clock(
                rule.name,
                rule.budget,
                rule.calendar,
                pausable=rule.pausable,
                warn_at=rule.warn_at,
                ladder=rule.escalation,
                description=rule.description,
            )
            if self.state.resolved_at is not None or self.state.closed_at is not None:
                # Nothing runs on a resolved case; a reopening can start it.
                said.append(f"clock {rule.name} not started: the case is resolved")
            elif rule.starts_on == "received":
                clk.start(clock, self.submission.received_at, self.calendar(rule.calendar))
                said.append(f"clock {rule.name} started from receipt, due {iso(clock.due_at)}")
            elif rule.starts_on == stage:
                clk.start(clock, now, self.calendar(rule.calendar))
                said.append(f"clock {rule.name} started, due {iso(clock.due_at)}")
            else:
                said.append(f"clock {rule.name} starts on stage {rule.starts_on}")
            place = next((i for i, c in enumerate(self.state.clocks) if c.name == rule.name), None)
            if place is None:
                self.state.clocks.append(clock)
            else:
                self.state.clocks[place] = clock
        return said
