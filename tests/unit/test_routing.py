"""The routing chooser (redress/domain/routing.py): round-robin fairness,
least-loaded ties, skill match, capacity and absence windows."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from redress.domain.policy import Policy, PolicyError
from redress.domain.routing import (
    Routing,
    RoutingFacts,
    RoutingRule,
    RoutingWhen,
    absent_too_long,
    choose,
)
from redress.domain.staff_directory import Absence, Directory, Person, Team

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def directory(*absences: Absence, **capacity: int) -> Directory:
    people = {
        "ann": Person("ann", languages=("en",), skills=("mortgages",)),
        "ben": Person("ben", languages=("en", "de"), skills=("mortgages", "cards")),
        "cy": Person("cy", languages=("de",), skills=("cards",)),
    }
    people = {
        name: Person(
            p.principal_id,
            languages=p.languages,
            skills=p.skills,
            capacity=capacity.get(name, 0),
        )
        for name, p in people.items()
    }
    return Directory(people, {"desk": Team("desk", members=("ann", "ben", "cy"))}, absences)


def rule(assign: str, **when: tuple[str, ...]) -> Routing:
    skills = when.pop("skills", ())
    return Routing(
        (RoutingRule("r", RoutingWhen(**when), "desk", assign, skills),),
        reroute_absent_after=timedelta(hours=4),
    )


def test_round_robin_gives_each_member_the_same_share() -> None:
    given = Counter(
        choose(rule("round_robin"), RoutingFacts(), directory(), {}, turn, NOW).assignee
        for turn in range(30)
    )
    assert given == {"ann": 10, "ben": 10, "cy": 10}


def test_round_robin_passes_over_the_absent_without_losing_the_order() -> None:
    away = Absence("AB-1", "ben", NOW - timedelta(days=1), NOW + timedelta(days=1))
    picks = [
        choose(rule("round_robin"), RoutingFacts(), directory(away), {}, t, NOW).assignee
        for t in range(4)
    ]
    assert picks == ["ann", "cy", "ann", "cy"]


def test_least_loaded_takes_the_fewest_open_cases_and_ties_go_to_the_first_listed() -> None:
    routing = rule("least_loaded")
    assert choose(routing, RoutingFacts(), directory(), {}, 0, NOW).assignee == "ann"
    loads = {"ann": 2, "ben": 1, "cy": 1}
    assert choose(routing, RoutingFacts(), directory(), loads, 0, NOW).assignee == "ben"
    assert choose(routing, RoutingFacts(), directory(), {"ann": 1}, 0, NOW).assignee == "ben"


def test_skill_match_keeps_only_those_with_every_skill() -> None:
    routing = rule("skill_match", skills=("mortgages", "cards"))
    decision = choose(routing, RoutingFacts(), directory(), {"ben": 9}, 0, NOW)
    assert decision.assignee == "ben"
    assert decision.skipped == ("ann: lacks cards", "cy: lacks mortgages")


def test_people_at_capacity_are_passed_over_and_a_full_team_gets_the_case_alone() -> None:
    routing = rule("least_loaded")
    full = directory(ann=2, ben=1, cy=3)
    decision = choose(routing, RoutingFacts(), full, {"ann": 2, "ben": 1, "cy": 0}, 0, NOW)
    assert decision.assignee == "cy"
    assert decision.skipped[0] == "ann: at capacity (2 of 2 open cases)"
    nobody = choose(routing, RoutingFacts(), full, {"ann": 2, "ben": 1, "cy": 3}, 0, NOW)
    assert (nobody.matched, nobody.team, nobody.assignee) == (True, "desk", "")
    assert len(nobody.skipped) == 3


def test_language_rules_pass_over_those_who_do_not_answer_in_it() -> None:
    routing = rule("least_loaded", languages=("de",))
    decision = choose(routing, RoutingFacts(language="de-AT"), directory(), {}, 0, NOW)
    assert decision.assignee == "ben"
    assert decision.skipped == ("ann: does not answer in de-AT",)
    assert not choose(routing, RoutingFacts(language="fr"), directory(), {}, 0, NOW).matched


def test_absence_windows_cover_from_their_start_until_their_end() -> None:
    routing = rule("least_loaded")
    later = Absence("AB-2", "ann", NOW + timedelta(hours=1), NOW + timedelta(days=2))
    assert choose(routing, RoutingFacts(), directory(later), {}, 0, NOW).assignee == "ann"
    ended = Absence("AB-3", "ann", NOW - timedelta(days=2), NOW)
    assert choose(routing, RoutingFacts(), directory(ended), {}, 0, NOW).assignee == "ann"
    open_ended = Absence("AB-4", "ann", NOW - timedelta(hours=5), None)
    decision = choose(routing, RoutingFacts(), directory(open_ended), {}, 0, NOW)
    assert decision.assignee == "ben"
    assert decision.skipped == ("ann: absent until further notice",)
    assert absent_too_long(routing, directory(open_ended), "ann", NOW)
    recent = Absence("AB-5", "ann", NOW - timedelta(hours=3), None)
    assert not absent_too_long(routing, directory(recent), "ann", NOW)


def test_rules_are_tried_in_order_on_every_condition() -> None:
    routing = Routing(
        (
            RoutingRule("urgent", RoutingWhen(priorities=("urgent",), tags=("vulnerable",)), "a"),
            RoutingRule("typed", RoutingWhen(types=("card_dispute",)), "b"),
            RoutingRule("rest", RoutingWhen(), "c"),
        )
    )
    facts = RoutingFacts(priority="urgent", tags=("Vulnerable",), complaint_type="card_dispute")
    assert choose(routing, facts, Directory(), {}, 0, NOW).rule_name == "urgent"
    facts = RoutingFacts(priority="high", complaint_type="card_dispute")
    assert choose(routing, facts, Directory(), {}, 0, NOW).team == "b"
    assert choose(routing, RoutingFacts(), Directory(), {}, 0, NOW).rule_index == 2


def test_a_routing_section_is_checked_on_publish_with_paths() -> None:
    import yaml

    document = yaml.safe_load(Policy.load_default().source)
    document["routing"] = {
        "reroute_absent_after": {"business_hours": 2},
        "rules": [
            {"team": "x", "assign": "skill_match"},
            {"team": "y", "when": {"types": ["nope"], "channels": ["pigeon"]}},
            {"name": "dup", "team": "z"},
            {"name": "dup", "team": "z", "extra": 1},
        ],
    }
    with pytest.raises(PolicyError) as err:
        Policy.from_dict(document)
    problems = "\n".join(err.value.problems)
    for path in (
        "routing.reroute_absent_after",
        "routing.rules[0].skills",
        "routing.rules[1].when.types",
        "routing.rules[1].when.channels",
        "routing.rules[3].extra",
        "routing.rules: rule 'dup'",
    ):
        assert path in problems, problems


def test_a_complaint_type_may_route_by_rules_of_its_own() -> None:
    from pathlib import Path

    import yaml

    example = Path(__file__).resolve().parents[2] / "examples/policy-with-types.yaml"
    document = yaml.safe_load(example.read_text())
    document["routing"] = {"rules": [{"team": "complaints"}]}
    document["types"][0]["routing"] = {
        "rules": [{"name": "chargebacks", "team": "card-desk", "assign": "round_robin"}]
    }
    policy = Policy.from_dict(document)
    assert policy.routing.rules[0].team == "complaints"
    assert policy.for_type("card_dispute").routing.rules[0].name == "chargebacks"
    document["types"][0]["routing"]["rules"][0]["assign"] = "lottery"
    with pytest.raises(PolicyError) as err:
        Policy.from_dict(document)
    assert any(
        p.startswith("types.card_dispute.routing.rules[0].assign") for p in err.value.problems
    ), err.value.problems
