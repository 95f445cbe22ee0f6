"""Complaint-handling policies: the document an administrator writes.

A policy names the stages a case moves through and the transitions allowed,
the clocks that run (which stage starts, pauses and stops each; business or
calendar time; which calendar), the warning thresholds, the escalation
ladders, and the cause taxonomy. It is YAML or JSON, validated as a whole on
load (every problem reported with its path), and published with a version. A
running complaint keeps the version it started with.

Pure code: usable inside workflows.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import yaml

from redress.domain.calendars import PRESETS, BusinessCalendar, preset
from redress.domain.priority import PRIORITIES
from redress.domain.regime_packs import RegimeDefinition, RegimePackError, parse_regimes
from redress.domain.regulatory import DISP_CAUSE_CATEGORIES, REGIMES, regime_definition
from redress.domain.routing import STRATEGIES, Routing, RoutingRule, RoutingWhen

CHANNELS = (
    "phone",
    "web",
    "email",
    "social",
    "chat",
    "postal",
    "referral",
    "fax",
    "in_person",
)
NOTIFY_ROLES = ("assignee", "team_lead", "manager", "compliance")
# Whom a step of the `unowned` ladder alerts: the case's team's lead or
# manager (the staff directory's compliance people when the case has no
# team), the compliance people, or every member of the case's team.
UNOWNED_ROLES = ("lead", "manager", "compliance", "team")
UNITS = {
    # unit -> (basis, seconds per unit in that basis)
    "minutes": ("calendar", 60),
    "hours": ("calendar", 3600),
    "calendar_days": ("calendar", 86400),
    "weeks": ("calendar", 7 * 86400),
    "business_minutes": ("business", 60),
    "business_hours": ("business", 3600),
}


class PolicyError(ValueError):
    """The policy document has problems; `problems` lists each with its path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid policy:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Budget:
    """An amount of time in calendar or business time."""

    amount: float
    unit: str

    @property
    def basis(self) -> str:
        return UNITS[self.unit][0]

    @property
    def duration(self) -> timedelta:
        return timedelta(seconds=self.amount * UNITS[self.unit][1])

    def describe(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount} {self.unit.replace('_', ' ')}"


@dataclass(frozen=True)
class Stage:
    name: str
    next: tuple[str, ...]
    # How long a case should stay in this stage (for the stage timer).
    target: Budget | None = None
    # Clocks paused while the case is in this stage (reason: the stage's name).
    pauses: tuple[str, ...] = ()
    # Clocks met (stopped) when the case enters this stage.
    stops: tuple[str, ...] = ()
    # Clocks (re)started when the case enters this stage.
    starts: tuple[str, ...] = ()
    # Entering it means the case is resolved / closed.
    resolved: bool = False
    closed: bool = False
    description: str = ""


@dataclass(frozen=True)
class EscalationStep:
    level: int
    # Time after the breach at which this step is taken.
    after: Budget
    raise_priority: str = ""
    assign_team: str = ""
    assign_to: str = ""
    notify: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnownedStep:
    # Time since the case became unowned (or its priority was raised) at
    # which the step is taken.
    after: Budget
    notify: str


@dataclass(frozen=True)
class UnownedRule:
    """Alerts while a case of one of `priorities` has no assignee: each
    step's role is told once, in order, until someone takes the case."""

    priorities: tuple[str, ...]
    steps: tuple[UnownedStep, ...]


@dataclass(frozen=True)
class ClockRule:
    name: str
    budget: Budget
    calendar: str
    # "received" (the complaint's receipt) or a stage name.
    starts_on: str = "received"
    pausable: bool = False
    warn_at: tuple[float, ...] = (0.75, 0.9)
    escalation: str = ""
    description: str = ""


# What the complaint's workflow sends on its own, and when (see docs/followups.md).
FOLLOWUP_KINDS = {
    # On receipt.
    "acknowledgement": frozenset({"template", "then_stage"}),
    # Every `every` while the case is open and not waiting on the customer.
    "progress_update": frozenset({"template", "every"}),
    # In `stage`, every `every` without a reply; after `limit` reminders the
    # case is closed at the next interval.
    "chasers": frozenset({"template", "stage", "every", "limit"}),
    # At the regulatory final-response clock's last warning, if not resolved.
    "holding_response": frozenset({"template"}),
    # On resolution while the FCA summary-resolution clock still runs.
    "summary_resolution": frozenset({"template"}),
    # On resolution.
    "final_response": frozenset({"template"}),
    # `after` closing.
    "satisfaction_survey": frozenset({"template", "after"}),
}


@dataclass(frozen=True)
class FollowupRule:
    kind: str
    template: str
    every: Budget | None = None
    after: Budget | None = None
    limit: int = 0
    stage: str = ""
    then_stage: str = ""


# How an outcome counts in complaint figures and regulatory returns, whatever
# the policy calls it.
DECISIONS = ("upheld", "partly_upheld", "rejected", "withdrawn")


@dataclass(frozen=True)
class OutcomeValue:
    """One outcome a policy (or a complaint type) offers, e.g. "replacement_sent",
    and the decision it counts as (one of DECISIONS)."""

    name: str
    decision: str
    label: str = ""


@dataclass(frozen=True)
class RegulatoryRule:
    """How the regime's regulatory clocks behave (their deadlines come from the regime)."""

    stops_on: tuple[str, ...] = ()
    warn_at: tuple[float, ...] = (0.75, 0.9)
    escalation: str = ""
    # regime -> the calendar its deadlines are counted in (business days,
    # the end of a local day); a regime not named uses the policy's calendar.
    calendars: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Conditions:
    """When a classification rule applies: every condition given must hold;
    within one condition, any of the listed values will do."""

    # Words or phrases found in the narrative, issue or sub-issue (whole
    # words, any case; a * at either end stands for any letters there, for
    # languages that build compounds: "*gebühr*" finds "Kontoführungsgebühren").
    keywords: tuple[str, ...] = ()
    # Product names, matched at the start, in any case ("Credit reporting"
    # matches "Credit reporting, credit repair services, ...").
    products: tuple[str, ...] = ()
    # Customer tags such as "Older American" (any case).
    tags: tuple[str, ...] = ()
    regimes: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    # The complaint's language (stated, or detected from the narrative at
    # intake): "de" matches de, de-AT, de-CH. Keeps one language's words from
    # matching another's ("cargo" is a fee in Spanish, a freight in English).
    languages: tuple[str, ...] = ()
    # The case's category (complaint types only: classification sets it).
    categories: tuple[str, ...] = ()

    def hold_for(self, complaint: ComplaintFacts) -> bool:
        # The narrative is read last: the other conditions are cheap, and a
        # rule for another language or channel need not read it at all.
        product = complaint.product.casefold()
        if self.products and not any(product.startswith(p.casefold()) for p in self.products):
            return False
        tags = {t.casefold() for t in complaint.tags}
        if self.tags and not any(t.casefold() in tags for t in self.tags):
            return False
        if self.regimes and complaint.regime not in self.regimes:
            return False
        if self.categories and complaint.category not in self.categories:
            return False
        language = complaint.language.split("-")[0].casefold()
        if self.languages and language not in {x.casefold() for x in self.languages}:
            return False
        if self.channels and complaint.channel not in self.channels:
            return False
        return not self.keywords or _keyword_matcher(self.keywords).found_in(complaint)

    def describe(self) -> str:
        """The conditions in words, e.g. "categories card_disputes; channels web"."""
        parts = [
            f"{name} {', '.join(values)}"
            for name, values in (
                ("categories", self.categories),
                ("products", self.products),
                ("channels", self.channels),
                ("regimes", self.regimes),
                ("tags", self.tags),
                ("languages", self.languages),
                ("keywords", self.keywords),
            )
            if values
        ]
        return "; ".join(parts) or "no conditions (every complaint)"


@dataclass(frozen=True)
class ClassificationRule:
    id: str
    when: Conditions
    category: str = ""
    priority: str = ""
    description: str = ""

    def matches(self, complaint: ComplaintFacts) -> bool:
        return self.when.hold_for(complaint)


@dataclass(frozen=True)
class ComplaintFacts:
    """What classification looks at."""

    text: str
    product: str = ""
    tags: tuple[str, ...] = ()
    regime: str = ""
    channel: str = ""
    # A BCP 47 tag such as "de" or "es-MX"; "" when unknown.
    language: str = ""
    # The case's category (after classification); complaint types select on it.
    category: str = ""

    @functools.cached_property
    def folded_text(self) -> str:
        """The text as keywords are matched against it, folded once for every rule."""
        return self.text.casefold()

    @functools.cached_property
    def words(self) -> frozenset[str]:
        """The folded text's words (runs of word characters), found once for
        every rule: a keyword of one word is found whole exactly when it is one."""
        return frozenset(_WORD.findall(self.folded_text))


@dataclass(frozen=True)
class Classification:
    """The outcome: the category from the first matching rule that sets one,
    the highest priority any matching rule sets ("normal" if none), and which
    rule decided each."""

    category: str = ""
    category_rule: str = ""
    priority: str = "normal"
    priority_rule: str = ""
    matched: tuple[str, ...] = ()


def _phrase_pattern(phrase: str) -> str:
    """One keyword as a pattern over case-folded text: its words with any
    spacing between them, a * at either end standing for any letters."""
    phrase = phrase.casefold()
    before = r"\w*" if phrase.startswith("*") else ""
    after = r"\w*" if phrase.endswith("*") else ""
    words = r"\s+".join(re.escape(w) for w in phrase.strip("*").split())
    return f"{before}{words}{after}"


_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _KeywordMatcher:
    """A rule's keywords, found in a complaint's folded text as whole phrases.

    Every complaint is read against every rule, so each keyword is looked up
    the cheapest way that gives the same answer as its pattern: a keyword of
    one word as a member of the text's words; a phrase or a keyword with a *
    by its pattern, searched only when each of its words occurs in the text."""

    words: frozenset[str]
    # (the literal pieces the keyword's every match contains, its pattern)
    phrases: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...]

    def found_in(self, complaint: ComplaintFacts) -> bool:
        if not self.words.isdisjoint(complaint.words):
            return True
        text = complaint.folded_text
        return any(
            all(piece in text for piece in pieces) and pattern.search(text)
            for pieces, pattern in self.phrases
        )


@functools.lru_cache(maxsize=4096)
def _keyword_matcher(keywords: tuple[str, ...]) -> _KeywordMatcher:
    words = set()
    phrases = []
    for keyword in keywords:
        folded = keyword.casefold()
        if _WORD.fullmatch(folded):
            words.add(folded)
            continue
        pieces = tuple(folded.strip("*").split())
        pattern = re.compile(rf"(?<!\w)(?:{_phrase_pattern(keyword)})(?!\w)")
        phrases.append((pieces, pattern))
    return _KeywordMatcher(frozenset(words), tuple(phrases))


# What a complaint type may set for itself; each key it gives replaces the
# base policy's key of that name whole, the others are the base policy's.
TYPE_OVERRIDES = (
    "calendar",
    "initial_stage",
    "stages",
    "clocks",
    "escalation_ladders",
    "regulatory",
    "pause_reasons",
    "root_causes",
    "disp_cause_categories",
    "reopen",
    "followups",
    "outcomes",
    "routing",
    "unowned",
)
# What a case whose policy has types, and whose complaint matches none of
# them, records as its type: it runs under the base policy's rules.
BASE_TYPE = "default"


@dataclass(frozen=True)
class ComplaintType:
    """A kind of complaint with rules of its own: selected by `when`, its
    rules the base policy with the type's own keys put in place."""

    name: str
    when: Conditions
    rules: Policy
    description: str = ""


@dataclass(frozen=True)
class TypeChoice:
    """Which rules a complaint runs under, and why."""

    # A type's name, or BASE_TYPE when no type's conditions hold.
    name: str
    # The policy path that chose it ("types.card_dispute", or "types" for the base).
    rule: str
    reason: str


@dataclass(frozen=True)
class Policy:
    id: str
    version: str
    calendar: str
    initial_stage: str
    stages: dict[str, Stage]
    clocks: tuple[ClockRule, ...]
    escalation_ladders: dict[str, tuple[EscalationStep, ...]]
    regulatory: RegulatoryRule
    pause_reasons: tuple[str, ...]
    root_causes: tuple[str, ...]
    # Clocks that start again when a resolved or closed case is reopened.
    reopen_restarts: tuple[str, ...]
    reopen_stage: str
    # How long after closing a case can still be reopened.
    reopen_window: Budget = Budget(56.0, "calendar_days")
    # The category taxonomy cases are classified into (empty: any category).
    categories: tuple[str, ...] = ()
    # Evaluated in order on every new complaint.
    classification: tuple[ClassificationRule, ...] = ()
    # Calendars the policy defines itself, by name; other names are presets.
    calendars: dict[str, BusinessCalendar] = field(default_factory=dict, compare=False)
    # Messages the workflow sends by itself, by kind (FOLLOWUP_KINDS).
    followups: dict[str, FollowupRule] = field(default_factory=dict, compare=False)
    # Root cause -> its cause category in the FCA complaints return (a key of
    # DISP_CAUSE_CATEGORIES); causes not here are "other".
    disp_causes: dict[str, str] = field(default_factory=dict, compare=False)
    # Kinds of complaint with rules of their own, tried in order (see for_type).
    types: tuple[ComplaintType, ...] = field(default=(), compare=False, repr=False)
    # Regimes the policy defines itself (its `regimes` section), beside the
    # shipped packs' (regime_packs.shipped_regimes).
    regimes: dict[str, RegimeDefinition] = field(default_factory=dict, compare=False)
    # The outcome values handlers choose from, by name, each counting as one
    # of DECISIONS; empty: handlers record a decision only.
    outcomes: dict[str, OutcomeValue] = field(default_factory=dict, compare=False)
    # Which team and person a new or reclassified case goes to (docs/staff.md).
    routing: Routing = field(default_factory=Routing, compare=False)
    # Alerts while an urgent or high-priority case has no assignee (None: none).
    unowned: UnownedRule | None = field(default=None, compare=False)
    # For a type's rules (for_type): the type's name; "" for the policy itself.
    type_name: str = ""
    source: str = field(default="", compare=False, repr=False)

    def for_type(self, name: str) -> Policy:
        """The rules a complaint of type `name` runs under: the type's, or the
        policy's own for "" (a policy without types) and BASE_TYPE. KeyError
        for a name the policy does not define."""
        if name in ("", BASE_TYPE):
            return self
        for kind in self.types:
            if kind.name == name:
                return kind.rules
        raise KeyError(f"policy {self.id} {self.version} has no complaint type {name!r}")

    def every_stage(self) -> dict[str, Stage]:
        """The stages of the base rules and of every type, by name (the first
        definition of a name, base rules first): what cases of this policy can
        be in, for lists and filters over all of them."""
        found = dict(self.stages)
        for kind in self.types:
            for name, stage in kind.rules.stages.items():
                found.setdefault(name, stage)
        return found

    def select_type(self, complaint: ComplaintFacts) -> TypeChoice:
        """The first type whose conditions all hold; the base rules when none
        does. A policy without types answers "" (the base rules, unnamed)."""
        if not self.types:
            return TypeChoice("", "", "the policy defines no complaint types")
        for kind in self.types:
            if kind.when.hold_for(complaint):
                return TypeChoice(
                    kind.name, f"types.{kind.name}", f"its conditions hold: {kind.when.describe()}"
                )
        return TypeChoice(
            BASE_TYPE,
            "types",
            "no complaint type's conditions hold: the policy's base rules apply",
        )

    def calendar_named(self, name: str = "") -> BusinessCalendar:
        """The policy's own calendar of that name, else the preset; "" is the default."""
        name = name or self.calendar
        return self.calendars.get(name) or preset(name)

    def disp_cause_category(self, root_cause: str) -> str:
        """The FCA complaints return's cause category for a root cause, e.g.
        "Terms and disputed sums/charges"; "Other" when the policy maps it to
        none (or none was recorded)."""
        return DISP_CAUSE_CATEGORIES[self.disp_causes.get(root_cause, "other")]

    def regime_calendar(self, regime: str) -> BusinessCalendar:
        """The calendar the policy names for the regime, else the one its
        definition names, else the policy's own."""
        named = self.regulatory.calendars.get(regime, "")
        if not named and regime != "none":
            named = regime_definition(regime, self.regimes).calendar
        return self.calendar_named(named)

    def classify(self, complaint: ComplaintFacts) -> Classification:
        category = category_rule = priority_rule = ""
        priority = "normal"
        matched = []
        for rule in self.classification:
            if not rule.matches(complaint):
                continue
            matched.append(rule.id)
            if rule.category and not category:
                category, category_rule = rule.category, rule.id
            if rule.priority and (
                not priority_rule or PRIORITIES.index(rule.priority) > PRIORITIES.index(priority)
            ):
                priority, priority_rule = rule.priority, rule.id
        return Classification(category, category_rule, priority, priority_rule, tuple(matched))

    def clock(self, name: str) -> ClockRule | None:
        return next((c for c in self.clocks if c.name == name), None)

    def allowed_from(self, stage: str) -> tuple[str, ...]:
        return self.stages[stage].next

    @classmethod
    def load_default(cls) -> Policy:
        from pathlib import Path

        return cls.load((Path(__file__).parent / "default_policy.yaml").read_text())

    @classmethod
    def load(cls, text: str) -> Policy:
        # Every complaint's workflow loads its policy version, and loads it
        # again whenever it is replayed; a Policy is immutable, so one parse
        # per distinct document serves them all.
        return _load_cached(text)

    @classmethod
    def from_dict(cls, document: Any, source: str = "") -> Policy:
        return _Reader(document).policy(source)

    def to_json(self) -> str:
        return json.dumps(_parse_yaml(self.source), sort_keys=True)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)


@functools.lru_cache(maxsize=64)
def _load_cached(text: str) -> Policy:
    try:
        document = _parse_yaml(text)
    except yaml.YAMLError as err:
        raise PolicyError([f"not valid YAML or JSON: {err}"]) from None
    return Policy.from_dict(document, source=text)


class _Reader:
    """Reads a policy document, collecting every problem with its path."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.problems: list[str] = []
        self.known_regimes: tuple[str, ...] = REGIMES
        # Reading a complaint type's rules: the types routing selects on are
        # checked once, by the policy's own reader.
        self.within_type = False

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def mapping(
        self,
        value: Any,
        path: str,
        allowed: set[str],
        required: frozenset[str] | set[str] = frozenset(),
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path or "policy", "expected a mapping")
            return {}
        for key in sorted(set(value) - allowed, key=str):
            self.fail(
                f"{path}.{key}" if path else str(key),
                f"unknown key; expected one of {', '.join(sorted(allowed))}",
            )
        for key in sorted(required - set(value)):
            self.fail(f"{path}.{key}" if path else key, "required")
        return value

    def text(self, value: Any, path: str, default: str = "") -> str:
        if value is None:
            return default
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail(path, "expected text")
            return default
        return str(value)

    def names(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(path, "expected a list of names")
            return ()
        return tuple(value)

    def budget(self, value: Any, path: str, allow_zero: bool = False) -> Budget | None:
        if value is None:
            return None
        m = self.mapping(value, path, set(UNITS))
        if len(m) != 1:
            if m:
                self.fail(path, "give exactly one unit, e.g. {business_hours: 8}")
            return None
        ((unit, amount),) = m.items()
        if unit not in UNITS:
            return None
        if (
            isinstance(amount, bool)
            or not isinstance(amount, (int, float))
            or amount < 0
            or (amount == 0 and not allow_zero)
        ):
            self.fail(
                f"{path}.{unit}",
                "expected a number >= 0" if allow_zero else "expected a positive number",
            )
            return None
        return Budget(float(amount), unit)

    def fractions(self, value: Any, path: str) -> tuple[float, ...]:
        if value is None:
            return (0.75, 0.9)
        if not isinstance(value, list):
            self.fail(path, "expected a list of fractions such as [0.75, 0.9]")
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (int, float)) or not 0 < item < 1:
                self.fail(f"{path}[{i}]", "expected a fraction between 0 and 1")
            else:
                out.append(float(item))
        if out != sorted(set(out)):
            self.fail(path, "thresholds must be increasing and distinct")
        return tuple(out)

    def policy(self, source: str) -> Policy:
        top = self.mapping(
            self.document,
            "",
            {
                "id",
                "version",
                "calendar",
                "initial_stage",
                "stages",
                "clocks",
                "escalation_ladders",
                "regulatory",
                "pause_reasons",
                "root_causes",
                "reopen",
                "categories",
                "classification",
                "calendars",
                "followups",
                "disp_cause_categories",
                "types",
                "regimes",
                "outcomes",
                "routing",
                "unowned",
            },
            {"id", "version", "calendar", "initial_stage", "stages"},
        )
        regimes = self.regimes(top.get("regimes"))
        policy_id = self.text(top.get("id"), "id")
        version = self.text(top.get("version"), "version")
        calendar = self.text(top.get("calendar"), "calendar")
        calendars = self.calendars(top.get("calendars"))
        stages = self.stages(top.get("stages"))
        ladders = self.ladders(top.get("escalation_ladders"))
        clocks = self.clocks(top.get("clocks"), calendar)
        regulatory = self.regulatory(top.get("regulatory"))
        pause_reasons = self.names(top.get("pause_reasons"), "pause_reasons")
        root_causes = self.names(top.get("root_causes"), "root_causes")
        disp_causes = self.disp_causes(top.get("disp_cause_categories"), root_causes)
        reopen = self.mapping(top.get("reopen") or {}, "reopen", {"stage", "restarts", "window"})
        window = self.budget(reopen.get("window"), "reopen.window")
        reopen_stage = self.text(reopen.get("stage"), "reopen.stage")
        reopen_restarts = self.names(reopen.get("restarts"), "reopen.restarts")
        initial = self.text(top.get("initial_stage"), "initial_stage")
        categories = self.names(top.get("categories"), "categories")
        classification = self.classification(top.get("classification"), categories)
        followups = self.followups(top.get("followups"))
        outcomes = self.outcomes(top.get("outcomes"))
        unowned = self.unowned(top.get("unowned"))
        self.cross_check(
            stages, clocks, ladders, regulatory, initial, reopen_stage, reopen_restarts
        )
        for rule in followups.values():
            for key in ("stage", "then_stage"):
                name = getattr(rule, key)
                if name and name not in stages:
                    self.fail(f"followups.{rule.kind}.{key}", f"{name!r} is not a stage")
        known = set(PRESETS) | set(calendars)
        named = [("calendar", calendar)]
        named += [(f"clocks.{c.name}.calendar", c.calendar) for c in clocks]
        named += [(f"regulatory.calendars.{r}", n) for r, n in regulatory.calendars.items()]
        named += [(f"regimes.{r.name}.calendar", r.calendar) for r in regimes.values()]
        for path, name in named:
            if name and name not in known:
                self.fail(path, f"no calendar {name!r}; known: {', '.join(sorted(known))}")
        routing = self.routing(top.get("routing"), categories)
        types = self.types(top.get("types"), categories)
        self.routing_types(routing, top.get("types"))
        if self.problems:
            raise PolicyError(self.problems)
        return Policy(
            id=policy_id,
            version=version,
            calendar=calendar,
            initial_stage=initial,
            stages=stages,
            clocks=clocks,
            escalation_ladders=ladders,
            regulatory=regulatory,
            pause_reasons=pause_reasons,
            root_causes=root_causes,
            reopen_restarts=reopen_restarts,
            reopen_stage=reopen_stage,
            reopen_window=window or Budget(56.0, "calendar_days"),
            categories=categories,
            classification=classification,
            calendars=calendars,
            followups=followups,
            disp_causes=disp_causes,
            types=types,
            regimes=regimes,
            outcomes=outcomes,
            routing=routing,
            unowned=unowned,
            source=source,
        )

    def routing_types(self, routing: Routing, types: Any) -> None:
        """Types a routing rule selects on must be ones the policy names
        (a type with problems of its own is reported as such, not here)."""
        if self.within_type:
            return
        given = [t.get("name") for t in types or [] if isinstance(t, dict)]
        names = {str(n) for n in given if n} | {BASE_TYPE} if given else {""}
        for i, rule in enumerate(routing.rules):
            for kind in rule.when.types:
                if kind not in names:
                    self.fail(
                        f"routing.rules[{i}].when.types",
                        f"{kind!r} is not a complaint type"
                        + (f"; known: {', '.join(sorted(names))}" if given else " (none defined)"),
                    )

    def routing(self, value: Any, categories: tuple[str, ...]) -> Routing:
        """`routing`: ordered rules (when, team, assign, skills) and
        reroute_absent_after (calendar time)."""
        if value is None:
            return Routing()
        r = self.mapping(value, "routing", {"rules", "reroute_absent_after"}, {"rules"})
        after = self.budget(r.get("reroute_absent_after"), "routing.reroute_absent_after")
        if after is not None and after.basis != "calendar":
            self.fail(
                "routing.reroute_absent_after",
                "calendar time: minutes, hours, calendar_days or weeks",
            )
            after = None
        raw_rules = r.get("rules")
        if raw_rules is None:
            raw_rules = []
        if not isinstance(raw_rules, list):
            self.fail("routing.rules", "expected a list of rules")
            raw_rules = []
        rules: list[RoutingRule] = []
        names: list[str] = []
        for i, body in enumerate(raw_rules):
            path = f"routing.rules[{i}]"
            b = self.mapping(body, path, {"name", "when", "team", "assign", "skills"}, {"team"})
            name = self.text(b.get("name"), f"{path}.name", default=f"rule-{i + 1}")
            names.append(name)
            team = self.text(b.get("team"), f"{path}.team")
            if team and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", team):
                self.fail(f"{path}.team", "a team's name: letters, digits, '.', '_', '-'")
            assign = self.text(b.get("assign"), f"{path}.assign", default="none")
            if assign not in STRATEGIES:
                self.fail(f"{path}.assign", f"one of {', '.join(STRATEGIES)}, not {assign!r}")
            skills = self.names(b.get("skills"), f"{path}.skills")
            if assign == "skill_match" and not skills:
                self.fail(f"{path}.skills", "skill_match needs the skills to match")
            w = self.mapping(
                b.get("when") or {},
                f"{path}.when",
                {
                    "types",
                    "languages",
                    "tags",
                    "priorities",
                    "categories",
                    "products",
                    "channels",
                },
            )
            when = RoutingWhen(
                types=self.names(w.get("types"), f"{path}.when.types"),
                languages=self.names(w.get("languages"), f"{path}.when.languages"),
                tags=self.names(w.get("tags"), f"{path}.when.tags"),
                priorities=self.names(w.get("priorities"), f"{path}.when.priorities"),
                categories=self.names(w.get("categories"), f"{path}.when.categories"),
                products=self.names(w.get("products"), f"{path}.when.products"),
                channels=self.names(w.get("channels"), f"{path}.when.channels"),
            )
            self.condition_values(
                Conditions(languages=when.languages, channels=when.channels), f"{path}.when"
            )
            for priority in when.priorities:
                if priority not in PRIORITIES:
                    self.fail(
                        f"{path}.when.priorities",
                        f"{priority!r} is not one of {', '.join(PRIORITIES)}",
                    )
            for category in when.categories:
                if categories and category not in categories:
                    self.fail(f"{path}.when.categories", f"{category!r} is not in `categories`")
            rules.append(RoutingRule(name, when, team, assign, skills))
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.fail("routing.rules", f"rule {name!r} is named more than once")
        return Routing(tuple(rules), after.duration if after else None)

    def types(self, value: Any, categories: tuple[str, ...]) -> tuple[ComplaintType, ...]:
        """`types`: each type's name, conditions and own keys; its rules are
        the base document with its keys in place, read (and checked) whole,
        every problem reported under the type's path."""
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail("types", "expected a list of complaint types")
            return ()
        base = {k: v for k, v in self.document.items() if k != "types"}
        # A problem of a key the type keeps from the base is reported once, as the base's.
        known = set(self.problems)
        found: list[ComplaintType] = []
        names: list[str] = []
        for i, body in enumerate(value):
            raw = body.get("name") if isinstance(body, dict) else None
            # A problem's path names the type when its name is good to read.
            good = isinstance(raw, str) and re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", raw)
            path = f"types.{raw}" if good else f"types[{i}]"
            b = self.mapping(body, path, {"name", "description", "when", *TYPE_OVERRIDES}, {"name"})
            name = self.text(b.get("name"), f"{path}.name")
            if name and not good:
                self.fail(f"{path}.name", "a type name: lower case letters, digits, _ and -")
            elif name == BASE_TYPE:
                self.fail(
                    f"types[{i}].name",
                    f"{BASE_TYPE!r} names the base rules (complaints no type matches)",
                )
            names.append(name)
            when = self.type_conditions(b.get("when"), f"{path}.when", categories)
            if not any(getattr(when, f) for f in when.__dataclass_fields__) and i < len(value) - 1:
                self.fail(
                    f"{path}.when",
                    "a type without conditions takes every complaint: only the last type "
                    "may have none",
                )
            merged = {**base, **{k: v for k, v in b.items() if k in TYPE_OVERRIDES}}
            reader = _Reader(merged)
            reader.within_type = True
            try:
                rules = reader.policy("")
            except PolicyError as err:
                self.problems += [f"{path}.{p}" for p in err.problems if p not in known]
                continue
            found.append(
                ComplaintType(
                    name=name,
                    when=when,
                    rules=dataclasses.replace(rules, type_name=name),
                    description=self.text(b.get("description"), f"{path}.description"),
                )
            )
        for name in sorted({n for n in names if n and names.count(n) > 1}):
            self.fail("types", f"type {name!r} is defined more than once")
        return tuple(found)

    def type_conditions(self, value: Any, path: str, categories: tuple[str, ...]) -> Conditions:
        w = self.mapping(
            value or {},
            path,
            {"categories", "products", "tags", "regimes", "channels", "languages"},
        )
        when = Conditions(
            categories=self.names(w.get("categories"), f"{path}.categories"),
            products=self.names(w.get("products"), f"{path}.products"),
            tags=self.names(w.get("tags"), f"{path}.tags"),
            regimes=self.names(w.get("regimes"), f"{path}.regimes"),
            channels=self.names(w.get("channels"), f"{path}.channels"),
            languages=self.names(w.get("languages"), f"{path}.languages"),
        )
        self.condition_values(when, path)
        for category in when.categories:
            if categories and category not in categories:
                self.fail(f"{path}.categories", f"{category!r} is not in `categories`")
        return when

    def condition_values(self, when: Conditions, path: str) -> None:
        """Languages, regimes and channels a condition names must exist."""
        for language in when.languages:
            if not re.fullmatch(r"[a-z]{2,3}", language):
                self.fail(
                    f"{path}.languages",
                    f"{language!r}: a primary language tag such as en, de or es",
                )
        for regime in when.regimes:
            if regime not in self.known_regimes:
                known = ", ".join(self.known_regimes)
                self.fail(f"{path}.regimes", f"{regime!r} is not one of {known}")
        for channel in when.channels:
            if channel not in CHANNELS:
                self.fail(f"{path}.channels", f"{channel!r} is not one of {', '.join(CHANNELS)}")

    def outcomes(self, value: Any) -> dict[str, OutcomeValue]:
        """`outcomes`: name -> {decision, label}; every decision one of DECISIONS."""
        if value is None:
            return {}
        if not isinstance(value, dict) or not value:
            self.fail("outcomes", "expected a mapping of outcome names to {decision, label}")
            return {}
        found: dict[str, OutcomeValue] = {}
        for name, body in value.items():
            path = f"outcomes.{name}"
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", name):
                self.fail(path, "an outcome name: lower case letters, digits, _ and -")
                continue
            b = self.mapping(body, path, {"decision", "label"}, {"decision"})
            decision = self.text(b.get("decision"), f"{path}.decision")
            if decision and decision not in DECISIONS:
                self.fail(f"{path}.decision", f"{decision!r} is not one of {', '.join(DECISIONS)}")
                continue
            label = self.text(b.get("label"), f"{path}.label") if "label" in b else ""
            if decision:
                found[name] = OutcomeValue(name, decision, label)
        return found

    def disp_causes(self, value: Any, root_causes: tuple[str, ...]) -> dict[str, str]:
        """`disp_cause_categories`: DISP category key -> the root causes it
        counts; each cause of the taxonomy at most once."""
        if value is None:
            return {}
        found: dict[str, str] = {}
        for key, causes in self.mapping(
            value, "disp_cause_categories", set(DISP_CAUSE_CATEGORIES)
        ).items():
            if key not in DISP_CAUSE_CATEGORIES:
                continue
            path = f"disp_cause_categories.{key}"
            for cause in self.names(causes, path):
                if root_causes and cause not in root_causes:
                    self.fail(path, f"{cause!r} is not in `root_causes`")
                elif cause in found:
                    self.fail(path, f"{cause!r} is already under {found[cause]}")
                else:
                    found[cause] = key
        return found

    def followups(self, value: Any) -> dict[str, FollowupRule]:
        if value is None:
            return {}
        rules: dict[str, FollowupRule] = {}
        for kind, body in self.mapping(value, "followups", set(FOLLOWUP_KINDS)).items():
            if kind not in FOLLOWUP_KINDS:
                continue
            path = f"followups.{kind}"
            needed = {"template"} | ({"every"} if kind in ("progress_update", "chasers") else set())
            if kind == "chasers":
                needed |= {"stage", "limit"}
            if kind == "satisfaction_survey":
                needed.add("after")
            m = self.mapping(body, path, set(FOLLOWUP_KINDS[kind]), needed)
            template = self.text(m.get("template"), f"{path}.template")
            if template and not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", template):
                self.fail(
                    f"{path}.template", "a template name: lower case letters, digits, _ and -"
                )
            limit = m.get("limit", 0)
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                self.fail(f"{path}.limit", "expected a whole number >= 0")
                limit = 0
            rules[kind] = FollowupRule(
                kind=kind,
                template=template,
                every=self.budget(m.get("every"), f"{path}.every"),
                after=self.budget(m.get("after"), f"{path}.after", allow_zero=True),
                limit=limit,
                stage=self.text(m.get("stage"), f"{path}.stage"),
                then_stage=self.text(m.get("then_stage"), f"{path}.then_stage"),
            )
        return rules

    def unowned(self, value: Any) -> UnownedRule | None:
        """`unowned`: the priorities it watches and its ladder of steps."""
        if value is None:
            return None
        m = self.mapping(value, "unowned", {"priorities", "steps"}, {"priorities", "steps"})
        priorities = self.names(m.get("priorities"), "unowned.priorities")
        for priority in priorities:
            if priority not in PRIORITIES:
                self.fail(
                    "unowned.priorities", f"{priority!r} is not one of {', '.join(PRIORITIES)}"
                )
        if "priorities" in m and not priorities:
            self.fail("unowned.priorities", "name at least one priority, e.g. [urgent, high]")
        raw = m.get("steps")
        if "steps" in m and (not isinstance(raw, list) or not raw):
            self.fail(
                "unowned.steps",
                "expected a list of steps such as {after: {minutes: 0}, notify: lead}",
            )
            raw = []
        steps: list[UnownedStep] = []
        for i, body in enumerate(raw or []):
            path = f"unowned.steps[{i}]"
            b = self.mapping(body, path, {"after", "notify"}, {"after", "notify"})
            notify = self.text(b.get("notify"), f"{path}.notify")
            if "notify" in b and notify not in UNOWNED_ROLES:
                self.fail(f"{path}.notify", f"{notify!r} is not one of {', '.join(UNOWNED_ROLES)}")
            after = self.budget(b.get("after"), f"{path}.after", allow_zero=True)
            if after is not None:
                steps.append(UnownedStep(after=after, notify=notify))
        afters = [step.after.duration for step in steps]
        if afters != sorted(afters):
            self.fail("unowned.steps", "steps must come in order of their 'after' times")
        return UnownedRule(priorities=priorities, steps=tuple(steps))

    def stages(self, value: Any) -> dict[str, Stage]:
        stages: dict[str, Stage] = {}
        m = self.mapping(value, "stages", set(value) if isinstance(value, dict) else set())
        if isinstance(value, dict) and not value:
            self.fail("stages", "define at least one stage")
        for name, body in m.items():
            path = f"stages.{name}"
            b = self.mapping(
                body or {},
                path,
                {
                    "next",
                    "target",
                    "pauses",
                    "stops",
                    "starts",
                    "resolved",
                    "closed",
                    "description",
                },
            )
            for flag in ("resolved", "closed"):
                if flag in b and not isinstance(b[flag], bool):
                    self.fail(f"{path}.{flag}", "expected true or false")
            stages[str(name)] = Stage(
                name=str(name),
                next=self.names(b.get("next"), f"{path}.next"),
                target=self.budget(b.get("target"), f"{path}.target"),
                pauses=self.names(b.get("pauses"), f"{path}.pauses"),
                stops=self.names(b.get("stops"), f"{path}.stops"),
                starts=self.names(b.get("starts"), f"{path}.starts"),
                resolved=b.get("resolved") is True,
                closed=b.get("closed") is True,
                description=self.text(b.get("description"), f"{path}.description"),
            )
        return stages

    def ladders(self, value: Any) -> dict[str, tuple[EscalationStep, ...]]:
        ladders: dict[str, tuple[EscalationStep, ...]] = {}
        if value is None:
            return ladders
        m = self.mapping(
            value, "escalation_ladders", set(value) if isinstance(value, dict) else set()
        )
        for name, steps in m.items():
            path = f"escalation_ladders.{name}"
            if not isinstance(steps, list) or not steps:
                self.fail(path, "expected a list of steps")
                continue
            parsed = []
            for i, step in enumerate(steps):
                p = f"{path}[{i}]"
                s = self.mapping(
                    step,
                    p,
                    {"after", "raise_priority", "assign_team", "assign_to", "notify"},
                    {"after"},
                )
                priority = self.text(s.get("raise_priority"), f"{p}.raise_priority")
                if priority and priority not in PRIORITIES:
                    self.fail(
                        f"{p}.raise_priority", f"{priority!r} is not one of {', '.join(PRIORITIES)}"
                    )
                notify = self.names(s.get("notify"), f"{p}.notify")
                for role in notify:
                    if role not in NOTIFY_ROLES:
                        self.fail(
                            f"{p}.notify", f"{role!r} is not one of {', '.join(NOTIFY_ROLES)}"
                        )
                after = self.budget(s.get("after"), f"{p}.after", allow_zero=True)
                parsed.append(
                    EscalationStep(
                        level=i + 1,
                        after=after or Budget(0.0, "minutes"),
                        raise_priority=priority,
                        assign_team=self.text(s.get("assign_team"), f"{p}.assign_team"),
                        assign_to=self.text(s.get("assign_to"), f"{p}.assign_to"),
                        notify=notify,
                    )
                )
            afters = [step.after.duration for step in parsed]
            if afters != sorted(afters):
                self.fail(path, "steps must come in order of their 'after' times")
            ladders[str(name)] = tuple(parsed)
        return ladders

    def clocks(self, value: Any, default_calendar: str) -> tuple[ClockRule, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail("clocks", "expected a list of clocks")
            return ()
        clocks = []
        for i, body in enumerate(value):
            path = f"clocks[{i}]"
            b = self.mapping(
                body,
                path,
                {
                    "name",
                    "budget",
                    "calendar",
                    "starts_on",
                    "pausable",
                    "warn_at",
                    "escalation",
                    "description",
                },
                {"name", "budget"},
            )
            budget = self.budget(b.get("budget"), f"{path}.budget")
            if "pausable" in b and not isinstance(b["pausable"], bool):
                self.fail(f"{path}.pausable", "expected true or false")
            if budget is None:
                continue
            clocks.append(
                ClockRule(
                    name=self.text(b.get("name"), f"{path}.name"),
                    budget=budget,
                    calendar=self.text(b.get("calendar"), f"{path}.calendar", default_calendar),
                    starts_on=self.text(b.get("starts_on"), f"{path}.starts_on", "received"),
                    pausable=b.get("pausable") is True,
                    warn_at=self.fractions(b.get("warn_at"), f"{path}.warn_at"),
                    escalation=self.text(b.get("escalation"), f"{path}.escalation"),
                    description=self.text(b.get("description"), f"{path}.description"),
                )
            )
        names = [c.name for c in clocks]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.fail("clocks", f"clock {name!r} is defined more than once")
        return tuple(clocks)

    def classification(
        self, value: Any, categories: tuple[str, ...]
    ) -> tuple[ClassificationRule, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail("classification", "expected a list of rules")
            return ()
        rules = []
        for i, body in enumerate(value):
            path = f"classification[{i}]"
            b = self.mapping(body, path, {"id", "description", "when", "set"}, {"id", "set"})
            rule_id = self.text(b.get("id"), f"{path}.id")
            w = self.mapping(
                b.get("when") or {},
                f"{path}.when",
                {"keywords", "products", "tags", "regimes", "channels", "languages"},
            )
            when = Conditions(
                keywords=self.names(w.get("keywords"), f"{path}.when.keywords"),
                products=self.names(w.get("products"), f"{path}.when.products"),
                tags=self.names(w.get("tags"), f"{path}.when.tags"),
                regimes=self.names(w.get("regimes"), f"{path}.when.regimes"),
                channels=self.names(w.get("channels"), f"{path}.when.channels"),
                languages=self.names(w.get("languages"), f"{path}.when.languages"),
            )
            self.condition_values(when, f"{path}.when")
            for keyword in when.keywords:
                if "*" in keyword.strip("*") or not keyword.strip("* "):
                    self.fail(
                        f"{path}.when.keywords",
                        f"{keyword!r}: a * stands only at a keyword's start or end",
                    )
            if not any((when.keywords, when.products, when.tags, when.regimes, when.channels)):
                self.fail(f"{path}.when", "give at least one condition")
            sets = self.mapping(b.get("set") or {}, f"{path}.set", {"category", "priority"})
            category = self.text(sets.get("category"), f"{path}.set.category")
            priority = self.text(sets.get("priority"), f"{path}.set.priority")
            if not category and not priority:
                self.fail(f"{path}.set", "set a category, a priority or both")
            if priority and priority not in PRIORITIES:
                self.fail(f"{path}.set.priority", f"one of {', '.join(PRIORITIES)}")
            if category and categories and category not in categories:
                self.fail(f"{path}.set.category", f"{category!r} is not in `categories`")
            rules.append(
                ClassificationRule(
                    id=rule_id,
                    when=when,
                    category=category,
                    priority=priority,
                    description=self.text(b.get("description"), f"{path}.description"),
                )
            )
        ids = [r.id for r in rules]
        for name in sorted({n for n in ids if ids.count(n) > 1}):
            self.fail("classification", f"rule id {name!r} is used more than once")
        return tuple(rules)

    def regulatory(self, value: Any) -> RegulatoryRule:
        if value is None:
            return RegulatoryRule()
        r = self.mapping(value, "regulatory", {"stops_on", "warn_at", "escalation", "calendars"})
        calendars = self.mapping(
            r.get("calendars") or {}, "regulatory.calendars", set(self.known_regimes)
        )
        return RegulatoryRule(
            stops_on=self.names(r.get("stops_on"), "regulatory.stops_on"),
            warn_at=self.fractions(r.get("warn_at"), "regulatory.warn_at"),
            escalation=self.text(r.get("escalation"), "regulatory.escalation"),
            calendars={
                str(k): self.text(v, f"regulatory.calendars.{k}") for k, v in calendars.items()
            },
        )

    def regimes(self, value: Any) -> dict[str, RegimeDefinition]:
        """`regimes`: regulatory regimes the policy defines, as a pack file
        does; a shipped regime's name cannot be taken."""
        if value is None:
            return {}
        try:
            found = parse_regimes(value, "regimes")
        except RegimePackError as err:
            self.problems.extend(err.problems)
            return {}
        for name in sorted(set(found) & set(REGIMES)):
            self.fail(f"regimes.{name}", "a shipped regime has that name; choose another")
            del found[name]
        self.known_regimes = (*REGIMES, *found)
        return found

    def calendars(self, value: Any) -> dict[str, BusinessCalendar]:
        """Calendars written in the policy: timezone and effective-dated versions of
        working hours (split shifts allowed), public holidays, closed and opened days."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail("calendars", "expected a mapping of calendar names to calendars")
            return {}
        found = {}
        for name, body in value.items():
            path = f"calendars.{name}"
            if not isinstance(body, dict):
                self.fail(path, "expected a mapping with timezone and versions")
                continue
            try:
                found[str(name)] = BusinessCalendar.from_dict({**body, "name": str(name)})
            except ValueError as err:
                for line in str(err).splitlines()[1:]:
                    self.problems.append(f"{path}.{line.strip().removeprefix('- ')}")
        return found

    def cross_check(
        self,
        stages: dict[str, Stage],
        clocks: tuple[ClockRule, ...],
        ladders: dict[str, tuple[EscalationStep, ...]],
        regulatory: RegulatoryRule,
        initial: str,
        reopen_stage: str,
        reopen_restarts: tuple[str, ...],
    ) -> None:
        clock_names = {c.name for c in clocks}
        if stages and initial not in stages:
            self.fail("initial_stage", f"{initial!r} is not a stage")
        if reopen_stage and reopen_stage not in stages:
            self.fail("reopen.stage", f"{reopen_stage!r} is not a stage")
        for name in reopen_restarts:
            if name not in clock_names:
                self.fail("reopen.restarts", f"{name!r} is not a clock")
        for stage in stages.values():
            for target in stage.next:
                if target not in stages:
                    self.fail(f"stages.{stage.name}.next", f"{target!r} is not a stage")
            for key in ("pauses", "stops", "starts"):
                for clock in getattr(stage, key):
                    if clock not in clock_names:
                        self.fail(f"stages.{stage.name}.{key}", f"{clock!r} is not a clock")
            for clock in stage.pauses:
                rule = next((c for c in clocks if c.name == clock), None)
                if rule is not None and not rule.pausable:
                    self.fail(f"stages.{stage.name}.pauses", f"clock {clock!r} is not pausable")
        for clock in clocks:
            if clock.starts_on != "received" and clock.starts_on not in stages:
                self.fail(
                    f"clocks.{clock.name}.starts_on",
                    f"{clock.starts_on!r} is neither 'received' nor a stage",
                )
            if clock.escalation and clock.escalation not in ladders:
                self.fail(
                    f"clocks.{clock.name}.escalation",
                    f"{clock.escalation!r} is not an escalation ladder",
                )
        if regulatory.escalation and regulatory.escalation not in ladders:
            self.fail(
                "regulatory.escalation", f"{regulatory.escalation!r} is not an escalation ladder"
            )
        for stop in regulatory.stops_on:
            if stop not in stages:
                self.fail("regulatory.stops_on", f"{stop!r} is not a stage")
        if stages and not any(s.closed for s in stages.values()):
            self.fail("stages", "mark one stage `closed: true`")
