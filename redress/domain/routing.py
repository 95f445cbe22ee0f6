"""Routing: which team, and which person, a new or reclassified complaint goes to.

A policy's `routing:` section (docs/staff.md, "Routing") lists rules, tried
in order; the first whose `when` holds gives the case its team and, when it
says how (`assign`), a person of that team:

- none: the team only;
- round_robin: the team's members in turn (the turn is kept by the caller,
  one counter per team and rule, so that every replica takes the next one);
- least_loaded: the member holding the fewest open cases (ties: the one
  first in the team's member list);
- skill_match: among members with every skill the rule names, the least
  loaded.

Passed over, and said why: people absent now (an absence covers `now`),
inactive, at capacity (open cases >= capacity), who do not answer in the
complaint's language (only when the rule selects on language), or lack a
skill the rule names. When no one is left, the case goes to the team alone.

Pure: the caller gives the facts, the directory snapshot, the loads, the
turn and `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redress.domain.staff_directory import Directory, Person

STRATEGIES = ("none", "round_robin", "least_loaded", "skill_match")


@dataclass(frozen=True)
class RoutingFacts:
    """What routing rules select on."""

    complaint_type: str = ""
    language: str = ""
    tags: tuple[str, ...] = ()
    priority: str = ""
    category: str = ""
    product: str = ""
    channel: str = ""


@dataclass(frozen=True)
class RoutingWhen:
    """Every condition given must hold; within one, any listed value will do."""

    types: tuple[str, ...] = ()
    # Primary language tags: "de" matches de, de-AT.
    languages: tuple[str, ...] = ()
    # Customer tags marking vulnerability, e.g. "vulnerable", "Older American" (any case).
    tags: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # Matched at the start, in any case, as classification's.
    products: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def hold_for(self, facts: RoutingFacts) -> bool:
        if self.types and facts.complaint_type not in self.types:
            return False
        language = facts.language.split("-")[0].casefold()
        if self.languages and language not in {x.casefold() for x in self.languages}:
            return False
        tags = {t.casefold() for t in facts.tags}
        if self.tags and not any(t.casefold() in tags for t in self.tags):
            return False
        if self.priorities and facts.priority not in self.priorities:
            return False
        if self.categories and facts.category not in self.categories:
            return False
        product = facts.product.casefold()
        if self.products and not any(product.startswith(p.casefold()) for p in self.products):
            return False
        return not (self.channels and facts.channel not in self.channels)


@dataclass(frozen=True)
class RoutingRule:
    name: str
    when: RoutingWhen
    team: str
    assign: str = "none"
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Routing:
    rules: tuple[RoutingRule, ...] = ()
    # A case whose person has been absent this long goes to someone else.
    reroute_absent_after: timedelta | None = None


@dataclass(frozen=True)
class RoutingDecision:
    matched: bool
    team: str = ""
    assignee: str = ""
    rule_index: int = -1
    rule_name: str = ""
    strategy: str = ""
    # "alice: absent until ...", in the order considered.
    skipped: tuple[str, ...] = ()
    # Whether the decision used the round-robin turn (the caller advances it).
    took_turn: bool = False


@dataclass
class _Candidates:
    people: list[Person] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def matching_rule(routing: Routing, facts: RoutingFacts) -> tuple[int, RoutingRule] | None:
    for index, rule in enumerate(routing.rules):
        if rule.when.hold_for(facts):
            return index, rule
    return None


def cursor_key(rule: RoutingRule) -> str:
    """The round-robin counter a rule's turns are kept in."""
    return f"{rule.team}/{rule.name}"


def available(
    rule: RoutingRule,
    facts: RoutingFacts,
    directory: Directory,
    loads: dict[str, int],
    now: datetime,
) -> _Candidates:
    """The team's members who can take the case now, and who cannot and why."""
    team = directory.teams.get(rule.team)
    found = _Candidates()
    for name in team.members if team else ():
        person = directory.people.get(name)
        if person is None:
            found.skipped.append(f"{name}: not in the staff directory")
            continue
        if not person.active:
            found.skipped.append(f"{name}: inactive")
            continue
        absence = directory.absence_of(name, now)
        if absence is not None:
            until = absence.ends_at.isoformat() if absence.ends_at else "further notice"
            found.skipped.append(f"{name}: absent until {until}")
            continue
        load = loads.get(name, 0)
        if person.capacity and load >= person.capacity:
            found.skipped.append(f"{name}: at capacity ({load} of {person.capacity} open cases)")
            continue
        if rule.when.languages and facts.language and not person.speaks(facts.language):
            found.skipped.append(f"{name}: does not answer in {facts.language}")
            continue
        missing = [s for s in rule.skills if s not in person.skills]
        if missing:
            found.skipped.append(f"{name}: lacks {', '.join(missing)}")
            continue
        found.people.append(person)
    return found


def choose(
    routing: Routing,
    facts: RoutingFacts,
    directory: Directory,
    loads: dict[str, int],
    turn: int,
    now: datetime,
) -> RoutingDecision:
    """The team and person for a case. `turn` is the rule's round-robin
    counter as it stands (the caller advances it when `took_turn`)."""
    found = matching_rule(routing, facts)
    if found is None:
        return RoutingDecision(matched=False)
    index, rule = found
    decision = RoutingDecision(
        matched=True, team=rule.team, rule_index=index, rule_name=rule.name, strategy=rule.assign
    )
    if rule.assign == "none":
        return decision
    candidates = available(rule, facts, directory, loads, now)
    skipped = tuple(candidates.skipped)
    if not candidates.people:
        return _with(decision, "", skipped, False)
    if rule.assign == "round_robin":
        person = candidates.people[turn % len(candidates.people)]
        return _with(decision, person.principal_id, skipped, True)
    # least_loaded and skill_match (whose skills `available` checked): fewest
    # open cases; ties go to the one listed first in the team.
    person = min(candidates.people, key=lambda p: loads.get(p.principal_id, 0))
    return _with(decision, person.principal_id, skipped, False)


def _with(
    decision: RoutingDecision, assignee: str, skipped: tuple[str, ...], took_turn: bool
) -> RoutingDecision:
    return RoutingDecision(
        matched=True,
        team=decision.team,
        assignee=assignee,
        rule_index=decision.rule_index,
        rule_name=decision.rule_name,
        strategy=decision.strategy,
        skipped=skipped,
        took_turn=took_turn,
    )


def absent_too_long(routing: Routing, directory: Directory, assignee: str, now: datetime) -> bool:
    """Whether a case's person has been away longer than the policy allows."""
    if routing.reroute_absent_after is None or not assignee:
        return False
    absence = directory.absence_of(assignee, now)
    return absence is not None and now - absence.starts_at >= routing.reroute_absent_after
