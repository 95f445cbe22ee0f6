"""Policy documents: the shipped default loads, and every problem in a bad one is named."""

from __future__ import annotations

import pytest

from redress.domain.policy import Policy, PolicyError


def test_the_shipped_policy_loads_with_its_stages_clocks_and_ladders():
    policy = Policy.load_default()
    assert policy.initial_stage == "received"
    assert policy.allowed_from("resolved") == ("closed", "investigating")
    assert [c.name for c in policy.clocks] == ["acknowledgement", "first_response", "resolution"]
    resolution = policy.clock("resolution")
    assert resolution is not None and resolution.pausable
    assert resolution.budget.basis == "business"
    assert policy.stages["awaiting_customer"].pauses == ("resolution",)
    assert [s.level for s in policy.escalation_ladders["regulatory"]] == [1, 2]
    assert policy.escalation_ladders["regulatory"][0].raise_priority == "urgent"
    assert policy.reopen_stage == "investigating"
    assert policy.reopen_window.duration.days == 56


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as err:
        Policy.load(text)
    return err.value.problems


def test_every_problem_is_reported_with_its_path():
    found = problems(
        """
id: broken
version: "1"
calendar: uk-england
initial_stage: nowhere
colour: blue
stages:
  open: {next: [gone], pauses: [resolution], target: {fortnights: 2}}
  done: {next: [], closed: yes}
clocks:
  - name: resolution
    budget: {business_hours: -4}
  - name: reply
    budget: {hours: 4}
    warn_at: [0.9, 0.5]
    escalation: missing
escalation_ladders:
  fast:
    - after: {hours: 1}
      raise_priority: critical
      notify: [everyone]
"""
    )
    joined = "\n".join(found)
    assert "colour: unknown key" in joined
    assert "initial_stage: 'nowhere' is not a stage" in joined
    assert "stages.open.next: 'gone' is not a stage" in joined
    assert "stages.open.target.fortnights: unknown key" in joined
    assert "clocks[0].budget.business_hours: expected a positive number" in joined
    assert "clocks[1].warn_at: thresholds must be increasing and distinct" in joined
    assert "clocks.reply.escalation: 'missing' is not an escalation ladder" in joined
    assert "escalation_ladders.fast[0].raise_priority: 'critical' is not one of" in joined
    assert "escalation_ladders.fast[0].notify: 'everyone' is not one of" in joined


def test_a_non_pausable_clock_cannot_be_paused_by_a_stage():
    found = problems(
        """
id: p
version: "1"
calendar: uk-england
initial_stage: a
stages:
  a: {next: [b], pauses: [ack]}
  b: {next: [], closed: true}
clocks:
  - {name: ack, budget: {business_hours: 8}}
"""
    )
    assert found == ["stages.a.pauses: clock 'ack' is not pausable"]


def test_yaml_that_does_not_parse_says_so():
    assert problems("id: [unclosed")[0].startswith("not valid YAML or JSON")


def test_a_policy_needs_a_closed_stage():
    found = problems(
        'id: p\nversion: "1"\ncalendar: c\ninitial_stage: a\nstages: {a: {next: []}}\n'
    )
    assert "stages: mark one stage `closed: true`" in found


def facts(text: str, **kw):  # type: ignore[no-untyped-def]
    from redress.domain.policy import ComplaintFacts

    return ComplaintFacts(text=text, **kw)


def test_the_shipped_rules_classify_real_cfpb_complaints():
    from tests.conftest import cfpb_rows

    policy = Policy.load_default()
    rows = cfpb_rows("cfpb_personal_loan_narratives_2025.csv", 200)
    results = [
        policy.classify(
            facts(
                "\n".join((r["Consumer complaint narrative"], r["Issue"], r["Sub-issue"])),
                product=r["Product"],
                tags=tuple(t for t in [r["Tags"]] if t not in ("", "None")),
                regime="us_cfpb",
                channel="web",
            )
        )
        for r in rows
    ]
    # Every row is a payday or personal loan; those that speak of fraud or a
    # scam are filed under fraud first, the rest under loans.
    for row, result in zip(rows, results, strict=True):
        text = row["Consumer complaint narrative"].lower()
        if "scam" in text.split() or "fraud" in text.split():
            assert result.category == "fraud_and_scams", text[:200]
        assert result.category in ("fraud_and_scams", "loans"), (result, row["Product"])
        if row["Tags"] in ("Servicemember", "Older American"):
            assert result.priority in ("high", "urgent")
            assert "vulnerable-customer" in result.matched


def test_classification_takes_the_first_category_and_the_highest_priority():
    policy = Policy.load_default()
    result = policy.classify(
        facts(
            "They started foreclosure and charged me a fee for identity theft protection",
            product="Mortgage",
            tags=("Older American",),
            channel="web",
        )
    )
    assert result.category == "fraud_and_scams" and result.category_rule == "fraud"
    assert result.priority == "urgent" and result.priority_rule == "loss-of-home"
    assert result.matched == ("fraud", "loss-of-home", "vulnerable-customer", "mortgages", "fees")


def test_keywords_match_whole_words_in_any_case_and_products_by_their_start():
    policy = Policy.load_default()
    assert policy.classify(facts("The FEES were never explained")).category == "fees_and_charges"
    # "feedback" and "discharge" contain a keyword but are other words.
    assert policy.classify(facts("I gave feedback after the discharge")).category == ""
    reporting = policy.classify(
        facts(
            "Wrong address on file",
            product="Credit reporting, credit repair services, or other personal consumer reports",
        )
    )
    assert reporting.category == "credit_reporting"
    plain = policy.classify(facts("Nothing in particular", channel="phone"))
    assert (plain.category, plain.priority, plain.matched) == ("", "normal", ())
    referral = policy.classify(facts("Nothing in particular", channel="referral"))
    assert referral.priority == "high" and referral.priority_rule == "regulator-referral"


def test_bad_classification_rules_are_named_with_their_paths():
    base = Policy.load_default().source
    extra = """
  - id: fees
    when: {}
    set: {category: no_such_category, priority: critical}
  - id: by-channel
    when: {channels: [pigeon], regimes: [mars]}
    set: {}
"""
    # The shipped classification list ends just before the cause taxonomy.
    bad = base.replace("\n\n# The cause taxonomy", extra + "\n# The cause taxonomy")
    found = problems(bad)
    first, second = (
        len(Policy.load_default().classification),
        len(Policy.load_default().classification) + 1,
    )
    assert f"classification[{first}].when: give at least one condition" in found
    assert f"classification[{first}].set.priority: one of low, normal, high, urgent" in found
    assert (
        f"classification[{first}].set.category: 'no_such_category' is not in `categories`" in found
    )
    assert any(p.startswith(f"classification[{second}].when.channels: 'pigeon'") for p in found)
    assert any(p.startswith(f"classification[{second}].when.regimes: 'mars'") for p in found)
    assert f"classification[{second}].set: set a category, a priority or both" in found
    assert "classification: rule id 'fees' is used more than once" in found


def test_root_causes_map_to_the_fca_returns_cause_categories():
    shipped = Policy.load_default()
    assert shipped.disp_cause_category("fees.unexpected") == "Terms and disputed sums/charges"
    assert shipped.disp_cause_category("product.unsuitable") == "Advising, selling and arranging"
    assert shipped.disp_cause_category("service.delay") == "General admin/customer service"
    assert shipped.disp_cause_category("collections.conduct") == "Arrears related"
    # Not mapped, or no cause recorded: "Other".
    assert shipped.disp_cause_category("fraud.unauthorised_transaction") == "Other"
    assert shipped.disp_cause_category("") == "Other"

    found = problems(
        shipped.source.replace(
            "  arrears_related: [collections.conduct]\n",
            "  arrears_related: [collections.conduct, fees.unexpected, loans.missing]\n"
            "  complaints_handling: [service.delay]\n",
        )
    )
    assert found == [
        "disp_cause_categories.complaints_handling: unknown key; expected one of "
        "advising_selling_arranging, arrears_related, general_admin_customer_service, other, "
        "terms_disputed_sums_charges",
        "disp_cause_categories.arrears_related: 'fees.unexpected' is already under "
        "terms_disputed_sums_charges",
        "disp_cause_categories.arrears_related: 'loans.missing' is not in `root_causes`",
    ]


def test_the_unowned_ladder_is_checked_with_its_paths_and_may_differ_per_type():
    shipped = Policy.load_default()
    assert shipped.unowned is not None
    assert shipped.unowned.priorities == ("urgent", "high")
    assert [(s.after.duration.total_seconds(), s.notify) for s in shipped.unowned.steps] == [
        (0, "lead"),
        (1800, "manager"),
        (7200, "compliance"),
    ]
    start = shipped.source.index("unowned:")
    end = shipped.source.index("pause_reasons:")
    bad = (
        shipped.source[:start]
        + """unowned:
  priorities: [urgent, critical]
  steps:
    - {after: {hours: 2}, notify: lead}
    - {after: {minutes: 30}, notify: janitor}
    - {notify: manager, when: later}

"""
        + shipped.source[end:]
    )
    found = problems(bad)
    assert "unowned.priorities: 'critical' is not one of low, normal, high, urgent" in found
    assert (
        "unowned.steps[1].notify: 'janitor' is not one of lead, manager, compliance, team" in found
    )
    assert any(p.startswith("unowned.steps[2].when: unknown key") for p in found)
    assert "unowned.steps[2].after: required" in found
    assert "unowned.steps: steps must come in order of their 'after' times" in found
    # A complaint type may have a ladder of its own; the others keep the base's.
    typed = (
        shipped.source
        + """
types:
  - name: card_dispute
    when: {categories: [cards]}
    unowned:
      priorities: [urgent]
      steps: [{after: {minutes: 5}, notify: team}]
"""
    )
    policy = Policy.load(typed)
    card = policy.for_type("card_dispute").unowned
    assert card is not None and card.priorities == ("urgent",)
    assert card.steps[0].notify == "team"
    assert policy.for_type("default").unowned == shipped.unowned
    with pytest.raises(PolicyError) as err:
        Policy.load(typed.replace("notify: team}", "notify: nobody}"))
    assert any(
        p.startswith("types.card_dispute.unowned.steps[0].notify: 'nobody'")
        for p in err.value.problems
    )


def test_keywords_are_found_exactly_where_their_whole_phrase_pattern_finds_them() -> None:
    """Keywords of one word are looked up among the text's words, others
    searched only when their words occur: the answer is the pattern's, for the
    shipped keywords and for words, phrases and * forms taken from real
    complaints in English and German (ß, umlauts, hyphens, apostrophes)."""
    import random
    import re

    from redress.domain.policy import Conditions, _phrase_pattern
    from tests.conftest import cfpb_rows

    texts = [
        f"{row['Issue']}\n{row['Consumer complaint narrative']}"
        for row in cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 300)
    ]
    texts += [
        "Die Kontoführungsgebühren wurden doppelt abgebucht; Betrüger haben meine EC-Karte "
        "benutzt. Straße, MAẞNAHME, Grundschuld-Eintrag, l'intérêt d'un prêt",
        "charged\ttwice   for one   purchase, e-mail didn't arrive: fee/fees (FEE)",
        "",
    ]
    shipped = tuple(k for rule in Policy.load_default().classification for k in rule.when.keywords)
    rng = random.Random(7)
    words = sorted({w for t in texts for w in re.findall(r"\w+", t)})
    made = [*shipped, "e-mail", "didn't", "STRASSE", "straße", "fee/fees", "charged twice"]
    for _ in range(150):
        picked = rng.sample(words, rng.choice([1, 1, 2]))
        made.append(rng.choice(["", "*"]) + " ".join(picked) + rng.choice(["", "*"]))
        made.append(rng.choice(words)[1:-1] or "x")
    read = [(facts(text), text.casefold()) for text in texts]
    for keyword in made:
        pattern = re.compile(rf"(?<!\w)(?:{_phrase_pattern(keyword)})(?!\w)")
        rule = Conditions(keywords=(keyword,))
        for complaint, folded in read:
            expected = pattern.search(folded) is not None
            assert rule.hold_for(complaint) is expected, (keyword, folded[:80])
    # Several keywords in one rule: any of them will do.
    rule = Conditions(keywords=("zzz-not-there", "charged twice", "*gebühr*"))
    assert rule.hold_for(facts(texts[-2]))
    assert rule.hold_for(facts(texts[-3]))
    assert not rule.hold_for(facts(texts[-1]))
