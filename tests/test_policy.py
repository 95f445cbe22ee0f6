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
