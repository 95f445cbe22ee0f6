"""Complaint types: how a policy's `types` are read and checked, which type a
complaint gets, the rules each type runs under, and what a change of type
does to a case's stage and clocks (docs/lifecycle.md, "Complaint types")."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from redress.domain import clocks as clk
from redress.domain.complaint import Complaint
from redress.domain.complaint_commands import (
    CategoryCommand,
    InvalidCommand,
    Refused,
    TransitionCommand,
)
from redress.domain.complaint_state import ComplaintState, PolicyDocument
from redress.domain.policy import BASE_TYPE, ComplaintFacts, Policy, PolicyError
from redress.domain.reconciliation import CaseFacts, TrailEntry, disagreements
from tests.unit.complaints import CASE_ID, EVERYTHING, WORKFLOW_ID, london, submission

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/policy-with-types.yaml"
MONDAY = london(2027, 3, 1, 10, 0)  # no English bank holiday for weeks either side


def example() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return document


def problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(PolicyError) as refused:
        Policy.from_dict(document)
    return refused.value.problems


# -- reading and checking ------------------------------------------------------


def test_a_type_runs_under_the_base_rules_with_its_own_keys_in_place() -> None:
    policy = Policy.load(EXAMPLE.read_text())
    card = policy.for_type("card_dispute")
    assert card.type_name == "card_dispute"
    # Its own: the chargeback stage, its clocks, causes and reopen window.
    assert card.allowed_from("received") == ("investigating", "chargeback", "resolved", "closed")
    assert [c.name for c in card.clocks] == ["acknowledgement", "chargeback", "resolution"]
    assert card.clock("resolution").budget.describe() == "120 business hours"  # type: ignore[union-attr]
    assert "merchant.not_delivered" in card.root_causes
    assert card.reopen_window.describe() == "120 calendar days"
    # The base's, where the type says nothing.
    assert card.followups == policy.followups
    assert card.categories == policy.categories
    assert card.escalation_ladders == policy.escalation_ladders
    # The base rules are the policy's own, under "" and BASE_TYPE.
    assert policy.for_type("") is policy and policy.for_type(BASE_TYPE) is policy
    assert "chargeback" not in policy.stages
    with pytest.raises(KeyError):
        policy.for_type("mortgage_arrears")


def test_the_first_type_whose_conditions_all_hold_is_chosen() -> None:
    document = example()
    document["types"] = [
        {"name": "fca_card", "when": {"categories": ["card_disputes"], "regimes": ["uk_fca"]}},
        {"name": "card", "when": {"categories": ["card_disputes"]}},
        {"name": "german", "when": {"languages": ["de"], "channels": ["web", "email"]}},
        {"name": "general"},
    ]
    policy = Policy.from_dict(document)

    def chosen(**facts: Any) -> str:
        return policy.select_type(ComplaintFacts(text="", **facts)).name

    assert chosen(category="card_disputes", regime="uk_fca") == "fca_card"
    assert chosen(category="card_disputes", regime="us_cfpb") == "card"
    assert chosen(category="card_disputes", regime="uk_fca", language="de") == "fca_card"
    assert chosen(category="service", language="de-AT", channel="web") == "german"
    assert chosen(category="service", language="de", channel="postal") == "general"
    choice = policy.select_type(ComplaintFacts(text="", category="card_disputes"))
    assert choice.rule == "types.card"
    assert choice.reason == "its conditions hold: categories card_disputes"

    # Without a type that takes every complaint, the base rules apply.
    document["types"] = document["types"][:3]
    policy = Policy.from_dict(document)
    none = policy.select_type(ComplaintFacts(text="", category="service"))
    assert (none.name, none.rule) == (BASE_TYPE, "types")


def test_products_tags_and_channels_select_a_type_as_they_classify() -> None:
    document = example()
    document["types"] = [
        {"name": "vulnerable", "when": {"tags": ["Older American"]}},
        {"name": "mortgage", "when": {"products": ["Mortgage"], "channels": ["referral"]}},
    ]
    policy = Policy.from_dict(document)
    assert (
        policy.select_type(ComplaintFacts(text="", tags=("older american",))).name == "vulnerable"
    )
    referral = ComplaintFacts(text="", product="Mortgage servicing", channel="referral")
    assert policy.select_type(referral).name == "mortgage"
    by_post = ComplaintFacts(text="", product="Mortgage servicing", channel="postal")
    assert policy.select_type(by_post).name == BASE_TYPE


def test_a_policy_without_types_has_none_to_choose() -> None:
    shipped = Policy.load_default()
    assert shipped.types == ()
    assert shipped.select_type(ComplaintFacts(text="", category="cards")).name == ""


def test_every_problem_of_a_types_section_is_reported_with_its_path() -> None:
    document = example()
    card = document["types"][0]
    card["stages"]["chargeback"]["next"] = ["refunded"]
    card["clocks"][1]["budget"] = {"business_days": 10}
    card["when"]["categories"] = ["card_dispute"]
    card["when"]["channels"] = ["pigeon"]
    card["team"] = "disputes"
    document["types"] += [
        {"name": "everything"},
        {"name": "Card Dispute!", "when": {"regimes": ["uk_fca"]}},
        {"name": "default", "when": {"languages": ["german"]}},
        {"name": "card_dispute", "when": {"categories": ["service"]}},
    ]
    assert problems(document) == [
        "types.card_dispute.team: unknown key; expected one of calendar, clocks, "
        "description, disp_cause_categories, escalation_ladders, followups, initial_stage, "
        "name, outcomes, pause_reasons, regulatory, reopen, root_causes, routing, stages, unowned, when",
        "types.card_dispute.when.channels: 'pigeon' is not one of phone, web, email, social, "
        "chat, postal, referral, fax, in_person",
        "types.card_dispute.when.categories: 'card_dispute' is not in `categories`",
        "types.card_dispute.clocks[1].budget.business_days: unknown key; expected one of "
        "business_hours, business_minutes, calendar_days, hours, minutes, weeks",
        "types.card_dispute.stages.chargeback.next: 'refunded' is not a stage",
        "types.card_dispute.stages.chargeback.stops: 'chargeback' is not a clock",
        "types.card_dispute.stages.resolved.stops: 'chargeback' is not a clock",
        "types.card_dispute.stages.closed.stops: 'chargeback' is not a clock",
        "types.everything.when: a type without conditions takes every complaint: only the "
        "last type may have none",
        "types[2].name: a type name: lower case letters, digits, _ and -",
        "types[3].name: 'default' names the base rules (complaints no type matches)",
        "types.default.when.languages: 'german': a primary language tag such as en, de or es",
        "types: type 'card_dispute' is defined more than once",
    ]


def test_a_types_keys_are_checked_against_the_base_keys_it_keeps() -> None:
    document = example()
    # Its own stages, without "investigating", which the base's reopen names.
    document["types"][0].pop("reopen")
    document["types"][0]["stages"].pop("investigating")
    document["types"][0]["stages"]["received"]["next"].remove("investigating")
    document["types"][0]["stages"]["resolved"]["next"] = ["closed"]
    assert problems(document) == ["types.card_dispute.reopen.stage: 'investigating' is not a stage"]


def test_types_must_be_a_list_of_named_types() -> None:
    document = example()
    document["types"] = {"card_dispute": {}}
    assert problems(document) == ["types: expected a list of complaint types"]
    document["types"] = [{"when": {"categories": ["service"]}}]
    assert problems(document) == ["types[0].name: required"]


# -- a complaint's type ----------------------------------------------------------


def typed_document() -> PolicyDocument:
    return PolicyDocument("typed-example", "2026.12.1", EXAMPLE.read_text())


def received_typed(**changes: Any) -> Complaint:
    """As the workflow receives a complaint: classified, typed, then stored."""
    complaint = Complaint(submission(MONDAY, **changes), ComplaintState(), WORKFLOW_ID, EVERYTHING)
    complaint.adopt_policy(typed_document())
    classified, stored = complaint.classify(complaint.submission)
    chosen = complaint.choose_type()
    complaint.state.case_id = CASE_ID
    complaint.receive(stored, classified, MONDAY, regime_calendars=True, type_chosen=chosen)
    return complaint


def clocks(complaint: Complaint) -> dict[str, tuple[str, Any]]:
    """Internal clocks: state, and the deadline of those that run."""
    return {
        c.name: (c.state, c.due_at if c.state == clk.RUNNING else None)
        for c in complaint.state.clocks
        if not c.regulatory
    }


CARD = {"product": "Credit card", "narrative": "I disputed a payment for goods never delivered."}


def test_each_type_gets_its_own_stages_and_clocks_on_receipt() -> None:
    card = received_typed(**CARD)
    general = received_typed()
    assert card.state.complaint_type == "card_dispute"
    assert general.state.complaint_type == BASE_TYPE
    assert clocks(card) == {
        "acknowledgement": ("running", london(2027, 3, 2, 10, 0)),
        # 10 business days of 8 hours, from Monday 10:00.
        "chargeback": ("running", london(2027, 3, 15, 10, 0)),
        "resolution": ("running", london(2027, 3, 22, 10, 0)),
    }
    assert clocks(general) == {
        "acknowledgement": ("running", london(2027, 3, 2, 10, 0)),
        "first_response": ("running", london(2027, 3, 4, 10, 0)),
        "resolution": ("running", london(2027, 3, 15, 10, 0)),
    }
    status = card.status(MONDAY)
    assert status.complaint_type == "card_dispute"
    assert status.allowed_stages == ["investigating", "chargeback", "resolved", "closed"]
    assert general.status(MONDAY).allowed_stages == [
        "acknowledged",
        "investigating",
        "resolved",
        "closed",
    ]
    typed = next(d for d in card.trail.drafts if d.action == "case.typed")
    assert (typed.field, typed.new_value, typed.actor_id, typed.rule_version) == (
        "complaint_type",
        "card_dispute",
        "types.card_dispute",
        "typed-example 2026.12.1",
    )
    assert (
        typed.cause == "complaint type card_dispute: its conditions hold: categories card_disputes"
    )
    # The general complaint cannot take the card dispute's stage.
    with pytest.raises(InvalidCommand, match="unknown stage 'chargeback'; stages: received, ack"):
        general.check_transition_command(TransitionCommand("dana", "chargeback", ""))
    card.check_transition_command(TransitionCommand("dana", "chargeback", ""))


def recategorise(complaint: Complaint, category: str, at: Any) -> None:
    command = CategoryCommand("dana", category, "the customer disputes the payment")
    complaint.check_category(command)
    complaint.take_change(at)
    complaint.change_category(command, at)


def type_change(complaint: Complaint) -> Any:
    return next(d for d in complaint.trail.drafts if d.action == "case.type_changed")


def test_a_general_complaint_recategorised_as_a_card_dispute_moves_to_its_rules() -> None:
    complaint = received_typed()
    tuesday = MONDAY + timedelta(days=1)
    complaint.transition(TransitionCommand("dana", "acknowledged", ""), MONDAY + timedelta(hours=1))
    recategorise(complaint, "card_disputes", tuesday)

    assert complaint.state.complaint_type == "card_dispute"
    # "acknowledged" is not a card dispute's stage: it starts at the type's first.
    assert complaint.state.stage == "received"
    assert complaint.state.stage_entered_at == tuesday
    assert clocks(complaint) == {
        # Met on entering "acknowledged", and stays met.
        "acknowledgement": ("met", None),
        "first_response": ("not_applicable", None),
        # 8 of its 80 business hours used; 120 now, so 112 left from Tuesday 10:00.
        "resolution": ("running", london(2027, 3, 22, 10, 0)),
        # Only card disputes have it: counted from the complaint's receipt.
        "chargeback": ("running", london(2027, 3, 15, 10, 0)),
    }
    entry = type_change(complaint)
    assert (entry.field, entry.old_value, entry.actor_id) == (
        "complaint_type",
        "default",
        "types.card_dispute",
    )
    assert json.loads(entry.new_value) == {
        "type": "card_dispute",
        "stage": "received",
        "clocks": {
            "acknowledgement": "met",
            "first_response": "not_applicable",
            "resolution": "running",
            "chargeback": "running",
        },
    }
    assert entry.cause == (
        "category changed from fees_and_charges to card_disputes by dana; complaint type "
        "default -> card_dispute (its conditions hold: categories card_disputes); "
        "stage acknowledged -> received; clock acknowledgement kept (met); "
        "clock first_response not applicable; "
        "clock resolution kept (120 business hours, running 2027-03-22T10:00:00+00:00); "
        "clock chargeback started from receipt, due 2027-03-15T10:00:00+00:00"
    )
    assert complaint.status(tuesday).allowed_stages == [
        "investigating",
        "chargeback",
        "resolved",
        "closed",
    ]
    # One entry for the move; the category change before it is the person's.
    assert [d.action for d in complaint.trail.drafts] == ["case.recategorised", "case.type_changed"]
    # Webhooks hear of both, the stage the case is now in with the move.
    complaint.take_change(tuesday)
    events = complaint.state.outbox[-1].events
    assert [(e.event_type, e.payload["stage"]) for e in events] == [
        ("case.category_changed", "received"),
        ("case.type_changed", "received"),
    ]


def test_a_card_dispute_recategorised_as_service_keeps_a_stage_both_have() -> None:
    complaint = received_typed(**CARD)
    later = MONDAY + timedelta(days=2)
    complaint.transition(TransitionCommand("dana", "investigating", ""), MONDAY)
    recategorise(complaint, "service", later)
    assert complaint.state.complaint_type == BASE_TYPE
    assert complaint.state.stage == "investigating"
    assert complaint.state.stage_entered_at == MONDAY
    assert clocks(complaint) == {
        "acknowledgement": ("met", None),
        "chargeback": ("not_applicable", None),
        # 16 of 120 business hours used; 80 now: 64 left from Wednesday 10:00.
        "resolution": ("running", london(2027, 3, 15, 10, 0)),
        # Due 24 business hours after receipt, Thursday 10:00.
        "first_response": ("running", london(2027, 3, 4, 10, 0)),
    }
    # The stage graph is the general one from now on.
    assert complaint.status(later).allowed_stages == ["awaiting_customer", "resolved"]
    # Back again: the chargeback clock starts afresh from receipt, the
    # first-response clock is no longer applicable.
    recategorise(complaint, "card_disputes", later + timedelta(hours=1))
    assert clocks(complaint)["chargeback"] == ("running", london(2027, 3, 15, 10, 0))
    assert clocks(complaint)["first_response"][0] == "not_applicable"


def test_a_category_change_within_a_type_records_no_move() -> None:
    complaint = received_typed()
    recategorise(complaint, "service", MONDAY + timedelta(hours=1))
    assert complaint.state.complaint_type == BASE_TYPE
    assert [d.action for d in complaint.trail.drafts] == ["case.recategorised"]


def test_a_complaint_started_before_types_never_changes_type() -> None:
    # As a workflow that did not choose a type on receipt: its policy's base rules.
    complaint = Complaint(submission(MONDAY), ComplaintState(), WORKFLOW_ID, EVERYTHING)
    complaint.adopt_policy(typed_document())
    complaint.state.case_id = CASE_ID
    complaint.receive(complaint.submission, None, MONDAY, regime_calendars=True)
    recategorise(complaint, "card_disputes", MONDAY + timedelta(hours=1))
    assert complaint.state.complaint_type == ""
    assert "chargeback" not in clocks(complaint)
    assert [d.action for d in complaint.trail.drafts] == ["case.recategorised"]


def test_a_resolved_case_goes_to_a_resolved_stage_or_is_refused() -> None:
    document = example()
    # A type whose resolved stage has another name.
    card = document["types"][0]
    card["stages"]["answered"] = card["stages"].pop("resolved")
    for stage in card["stages"].values():
        stage["next"] = ["answered" if s == "resolved" else s for s in stage["next"]]
    card["regulatory"]["stops_on"] = ["answered", "closed"]
    text = yaml.safe_dump(document, sort_keys=False)
    complaint = Complaint(submission(MONDAY), ComplaintState(), WORKFLOW_ID, EVERYTHING)
    complaint.adopt_policy(PolicyDocument("typed-example", "2", text))
    complaint.classify(complaint.submission)
    complaint.choose_type()
    complaint.state.case_id = CASE_ID
    complaint.receive(complaint.submission, None, MONDAY, regime_calendars=True)
    for clock in complaint.state.clocks:
        clk.stop(clock, MONDAY)
    complaint.state.stage, complaint.state.resolved_at = "resolved", MONDAY
    recategorise(complaint, "card_disputes", MONDAY + timedelta(hours=1))
    assert (complaint.state.complaint_type, complaint.state.stage) == ("card_dispute", "answered")
    # Nothing starts running on a resolved case.
    assert clocks(complaint)["chargeback"] == ("pending", None)
    assert "clock chargeback not started: the case is resolved" in type_change(complaint).cause

    # Without any resolved stage, the move is refused before anything changes.
    del card["stages"]["answered"]
    for stage in card["stages"].values():
        stage["next"] = [s for s in stage["next"] if s != "answered"]
    card["regulatory"]["stops_on"] = ["closed"]
    text = yaml.safe_dump(document, sort_keys=False)
    complaint = Complaint(submission(MONDAY), ComplaintState(), WORKFLOW_ID, EVERYTHING)
    complaint.adopt_policy(PolicyDocument("typed-example", "3", text))
    complaint.classify(complaint.submission)
    complaint.choose_type()
    complaint.state.case_id = CASE_ID
    complaint.receive(complaint.submission, None, MONDAY, regime_calendars=True)
    complaint.state.stage, complaint.state.resolved_at = "resolved", MONDAY
    command = CategoryCommand("dana", "card_disputes", "it is a dispute")
    with pytest.raises(Refused, match="no resolved stage for this resolved case; reopen it first"):
        complaint.check_category(command)
    # The handler checks again (the case may have been resolved after the
    # validator ran) and changes nothing.
    complaint.take_change(MONDAY)
    with pytest.raises(Refused, match="reopen it first"):
        complaint.change_category(command, MONDAY + timedelta(hours=1))
    assert (complaint.state.category, complaint.state.complaint_type) == (
        "fees_and_charges",
        BASE_TYPE,
    )
    assert complaint.trail.drafts == []


def test_the_type_survives_continue_as_new() -> None:
    complaint = received_typed(**CARD)
    carried = Complaint(complaint.submission, complaint.state, WORKFLOW_ID, EVERYTHING)
    carried.load_carried_policy()
    assert carried.rules.type_name == "card_dispute"
    assert "chargeback" in carried.status(MONDAY).allowed_stages


def test_the_audit_check_reads_a_type_change_as_the_stage_and_clocks_it_records() -> None:
    complaint = received_typed()
    complaint.transition(TransitionCommand("dana", "acknowledged", ""), MONDAY)
    recategorise(complaint, "card_disputes", MONDAY + timedelta(days=1))
    trail = [
        TrailEntry(i, d.action, d.field, d.old_value, d.new_value)
        for i, d in enumerate(complaint.trail.drafts)
    ]
    facts = CaseFacts(
        stage=complaint.state.stage,
        clocks={c.name: c.state for c in complaint.state.clocks},
    )
    created = TrailEntry(-1, "case.created", "", "", json.dumps({"stage": "acknowledged"}))
    assert disagreements(facts, [created, *trail]) == []
    # A case left in another stage than the move recorded is caught.
    wrong = CaseFacts(stage="investigating", clocks=facts.clocks)
    assert disagreements(wrong, [created, *trail]) == [
        "the case is in stage 'investigating'; its trail ends in 'received'"
    ]


def test_a_clock_not_applicable_counts_neither_as_met_nor_in_the_time_taken() -> None:
    from redress.db.tables.cases import CaseClock
    from services.reporting.python_figures import clock_compliance

    def clock(state: str, hours: int) -> CaseClock:
        return CaseClock(
            case_id="C-1",
            name="first_response",
            state=state,
            started_at=MONDAY,
            stopped_at=MONDAY + timedelta(hours=hours),
            paused_seconds=0.0,
        )

    (figures,) = clock_compliance(
        [(None, clock("met", 2)), (None, clock("not_applicable", 30))],  # type: ignore[list-item]
        MONDAY + timedelta(days=3),
    )
    assert (figures.met, figures.breached, figures.running) == (1, 0, 0)
    assert figures.time_taken is not None
    assert (figures.time_taken.cases, figures.time_taken.max) == (1, 2 * 3600.0)


def test_regulatory_clocks_keep_their_deadlines_and_take_the_new_types_ladder() -> None:
    document = example()
    document["escalation_ladders"]["disputes"] = [{"after": {"minutes": 0}, "notify": ["manager"]}]
    document["types"][0]["regulatory"]["escalation"] = "disputes"
    document["types"][0]["regulatory"]["warn_at"] = [0.5]
    text = yaml.safe_dump(document, sort_keys=False)
    complaint = Complaint(submission(MONDAY), ComplaintState(), WORKFLOW_ID, EVERYTHING)
    complaint.adopt_policy(PolicyDocument("typed-example", "4", text))
    complaint.classify(complaint.submission)
    complaint.choose_type()
    complaint.state.case_id = CASE_ID
    complaint.receive(complaint.submission, None, MONDAY, regime_calendars=True)
    before = {
        c.name: (c.due_at, c.ladder, c.warn_at) for c in complaint.state.clocks if c.regulatory
    }
    assert {ladder for _, ladder, _ in before.values()} == {"regulatory"}
    recategorise(complaint, "card_disputes", MONDAY + timedelta(hours=1))
    after = {
        c.name: (c.due_at, c.ladder, c.warn_at) for c in complaint.state.clocks if c.regulatory
    }
    assert after == {name: (due, "disputes", [0.5]) for name, (due, _, _) in before.items()}
    assert set(after) == {"fca_summary_resolution", "fca_final_response"}


def test_every_stage_a_case_of_the_policy_can_be_in() -> None:
    policy = Policy.load(EXAMPLE.read_text())
    assert list(policy.every_stage()) == [
        "received",
        "acknowledged",
        "investigating",
        "awaiting_customer",
        "resolved",
        "closed",
        "chargeback",
    ]
    assert [n for n, s in policy.every_stage().items() if s.closed] == ["closed"]
    assert list(Policy.load_default().every_stage()) == list(Policy.load_default().stages)


def test_a_problem_of_the_base_rules_a_type_keeps_is_reported_once() -> None:
    document = example()
    document["escalation_ladders"]["internal"][0]["raise_priority"] = "critical"
    document["types"][0]["stages"]["chargeback"]["next"] = ["refunded"]
    assert problems(document) == [
        "escalation_ladders.internal[0].raise_priority: 'critical' is not one of low, normal, "
        "high, urgent",
        "types.card_dispute.stages.chargeback.next: 'refunded' is not a stage",
    ]


def test_a_type_sends_its_own_letters() -> None:
    document = example()
    document["types"][0]["followups"] = {"acknowledgement": {"template": "dispute-received"}}
    text = yaml.safe_dump(document, sort_keys=False)

    def letters(**changes: Any) -> list[str]:
        complaint = Complaint(
            submission(MONDAY, **changes), ComplaintState(), WORKFLOW_ID, EVERYTHING
        )
        complaint.adopt_policy(PolicyDocument("typed-example", "5", text))
        complaint.classify(complaint.submission)
        chosen = complaint.choose_type()
        complaint.state.case_id = CASE_ID
        complaint.receive(
            complaint.submission, None, MONDAY, regime_calendars=True, type_chosen=chosen
        )
        return [i.message.template_name for i in complaint.state.outbox if i.message]

    assert letters(**CARD) == ["dispute-received"]
    assert letters() == ["acknowledgement"]


# -- outcome values per type ----------------------------------------------------


def outcome(value: str = "", decision: str = "", cause: str = "merchant.not_delivered") -> Any:
    from redress.domain.complaint_commands import OutcomeCommand

    return OutcomeCommand("dana", decision, cause, "refund agreed", outcome=value)


def test_a_type_defines_its_own_outcome_values_each_counting_as_a_decision() -> None:
    policy = Policy.load(EXAMPLE.read_text())
    card = policy.for_type("card_dispute")
    assert {v.name: v.decision for v in card.outcomes.values()} == {
        "chargeback_won": "upheld",
        "refunded_by_merchant": "upheld",
        "partial_refund": "partly_upheld",
        "transaction_valid": "rejected",
        "dispute_withdrawn": "withdrawn",
    }
    assert card.outcomes["partial_refund"].label == "Part of the payment refunded"
    # The base rules define none: general complaints record a decision only.
    assert policy.outcomes == {}


def test_a_card_dispute_records_one_of_its_outcome_values_and_its_decision_follows() -> None:
    card = received_typed(**CARD)
    command = outcome("partial_refund")
    card.check_outcome(command)
    card.take_change(MONDAY + timedelta(hours=2))
    card.record_outcome(command, MONDAY + timedelta(hours=2))
    assert card.state.outcome is not None
    assert (card.state.outcome.outcome, card.state.outcome.decision) == (
        "partial_refund",
        "partly_upheld",
    )
    recorded = next(d for d in card.trail.drafts if d.action == "outcome.recorded")
    assert json.loads(recorded.new_value)["outcome"] == "partial_refund"
    assert json.loads(recorded.new_value)["decision"] == "partly_upheld"
    # The same again is a retry, not a second outcome.
    with pytest.raises(Refused, match="already recorded"):
        card.check_outcome(outcome("partial_refund"))


def test_an_outcome_value_is_checked_against_the_cases_own_type() -> None:
    card = received_typed(**CARD)
    general = received_typed()
    with pytest.raises(
        InvalidCommand, match="one of this case's outcome values: chargeback_won"
    ) as e:
        card.check_outcome(outcome("refund"))
    assert e.value.field == "outcome"
    # A card dispute must choose one of its values; a decision alone is not enough.
    with pytest.raises(InvalidCommand, match="outcome values") as e:
        card.check_outcome(outcome(decision="upheld"))
    assert e.value.field == "outcome"
    # A decision that disagrees with the value is refused, naming both.
    with pytest.raises(InvalidCommand, match="counts as rejected, not upheld") as e:
        card.check_outcome(outcome("transaction_valid", decision="upheld"))
    assert e.value.field == "decision"
    card.check_outcome(outcome("transaction_valid", decision="rejected"))
    # A general complaint's rules define no values: a decision only.
    with pytest.raises(InvalidCommand, match="defines no outcome values") as e:
        general.check_outcome(outcome("partial_refund", cause="service.delay"))
    general.check_outcome(outcome(decision="upheld", cause="service.delay"))


def test_publish_refuses_bad_outcome_values_with_their_paths() -> None:
    document = example()
    document["outcomes"] = {"Bad Name": {"decision": "upheld"}, "ok": {"decision": "maybe"}}
    document["types"][0]["outcomes"] = {"won": {"label": "no decision"}}
    found = problems(document)
    assert "outcomes.Bad Name: an outcome name: lower case letters, digits, _ and -" in found
    assert (
        "outcomes.ok.decision: 'maybe' is not one of upheld, partly_upheld, rejected, withdrawn"
        in found
    )
    assert any(p.startswith("types.card_dispute.outcomes.won") and "decision" in p for p in found)
