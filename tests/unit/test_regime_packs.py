"""Regulatory regimes as data: the shipped packs, the medical-device clocks
worked by hand, a regime a firm adds without code, and every problem in a
definition reported with its path."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from redress.domain.calendars import preset
from redress.domain.policy import Policy, PolicyError
from redress.domain.regime_packs import (
    PACK_DIR,
    RegimePackError,
    load_pack,
    parse_regimes,
    shipped_regimes,
)
from redress.domain.regulatory import (
    FINAL_RESPONSE_CLOCK,
    REGIMES,
    awareness_deadlines,
    regulatory_deadlines,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT_POLICY = (Path(PACK_DIR).parent / "default_policy.yaml").read_text()


def due(regime: str, kind: str, aware: datetime, calendar: str) -> dict[str, datetime]:
    found = awareness_deadlines(regime, kind, aware, preset(calendar))
    return {d.name: d.due_at for d in found}


def test_the_shipped_packs_hold_the_financial_and_device_regimes() -> None:
    assert REGIMES == ("none", "uk_fca", "eu_psd2", "us_cfpb", "au_asic", "fda_mdr", "eu_mdr")
    assert FINAL_RESPONSE_CLOCK == {
        "uk_fca": "fca_final_response",
        "eu_psd2": "psd2_response",
        "us_cfpb": "cfpb_final_response",
        "au_asic": "asic_idr_response",
        "none": "resolution",
    }


def test_device_regimes_start_no_clock_on_receipt() -> None:
    received = datetime(2027, 3, 1, 10, tzinfo=UTC)
    assert regulatory_deadlines("fda_mdr", received, preset("us-federal")) == []
    assert regulatory_deadlines("eu_mdr", received, preset("eu-germany")) == []


@pytest.mark.parametrize("kind", ["death", "serious_injury", "malfunction"])
def test_fda_mdr_report_is_due_30_calendar_days_after_awareness(kind: str) -> None:
    # Aware Friday 5 March 2027 at 16:00 New York: day 30 is Sunday 4 April
    # (weekends and holidays count), due at midnight ending it.
    found = due("fda_mdr", kind, datetime(2027, 3, 5, 16, tzinfo=NEW_YORK), "us-federal")
    assert found == {"fda_mdr_report": datetime(2027, 4, 5, 0, 0, tzinfo=NEW_YORK)}


def test_fda_five_day_report_counts_work_days_in_the_federal_calendar() -> None:
    # Aware Thursday 1 July 2027: Fri 2 (1), Mon 5 July is Independence Day
    # observed, Tue 6 (2), Wed 7 (3), Thu 8 (4), Fri 9 (5) -> close of business.
    found = due(
        "fda_mdr", "remedial_action", datetime(2027, 7, 1, 9, tzinfo=NEW_YORK), "us-federal"
    )
    assert found == {"fda_mdr_five_day_report": datetime(2027, 7, 9, 17, 0, tzinfo=NEW_YORK)}


@pytest.mark.parametrize(
    ("kind", "clock", "days"),
    [
        ("serious_incident", "eu_mdr_serious_incident", 15),
        ("death", "eu_mdr_death_or_deterioration", 10),
        ("unexpected_serious_deterioration", "eu_mdr_death_or_deterioration", 10),
        ("serious_public_health_threat", "eu_mdr_public_health_threat", 2),
    ],
)
def test_eu_mdr_vigilance_deadlines_run_from_awareness(kind: str, clock: str, days: int) -> None:
    # Aware Wednesday 10 March 2027, 11:00 Berlin.
    found = due("eu_mdr", kind, datetime(2027, 3, 10, 11, tzinfo=BERLIN), "eu-germany")
    assert found == {clock: datetime(2027, 3, 11 + days, 0, 0, tzinfo=BERLIN)}


def test_an_event_kind_the_regime_does_not_know_is_refused_with_the_known_ones() -> None:
    with pytest.raises(
        ValueError, match="'explosion' is not an event kind of fda_mdr; known: death"
    ):
        awareness_deadlines(
            "fda_mdr", "explosion", datetime(2027, 3, 1, tzinfo=UTC), preset("us-federal")
        )
    with pytest.raises(ValueError, match="unknown regime 'us_fda'; known: none, uk_fca"):
        regulatory_deadlines("us_fda", datetime(2027, 3, 1, tzinfo=UTC), preset("us-federal"))


def test_a_pack_file_a_firm_adds_works_without_code(tmp_path: Path) -> None:
    pack = tmp_path / "food.yaml"
    pack.write_text(
        textwrap.dedent(
            """\
            us_fsis:
              title: Food-safety consumer complaints
              calendar: us-federal
              event_kinds: [illness]
              clocks:
                - name: fsis_acknowledgement
                  length: 2
                  unit: business_days
                  from: receipt
                  regulation: Firm's FSIS commitment 4.2
                  description: Acknowledge within 2 business days
                - name: fsis_illness_report
                  length: 1
                  unit: weeks
                  from: awareness
                  applies_to: [illness]
                  regulation: 9 CFR 417 (illustrative)
                  description: Report a suspected illness within a week
            """
        )
    )
    defined = load_pack(pack)
    received = datetime(2027, 3, 5, 15, tzinfo=NEW_YORK)  # a Friday
    [ack] = regulatory_deadlines("us_fsis", received, preset("us-federal"), defined)
    assert (ack.name, ack.due_at) == (
        "fsis_acknowledgement",
        datetime(2027, 3, 9, 17, 0, tzinfo=NEW_YORK),
    )
    assert ack.regulation == "Firm's FSIS commitment 4.2"
    [report] = awareness_deadlines("us_fsis", "illness", received, preset("us-federal"), defined)
    assert report.due_at == datetime(2027, 3, 13, 0, 0, tzinfo=NEW_YORK)


FIRM_REGIME = """
regimes:
  ca_health:
    title: Health Canada mandatory problem reporting
    calendar: ontario
    event_kinds: [death]
    clocks:
      - name: hc_acknowledgement
        length: 3
        unit: business_days
        from: receipt
        regulation: Medical Devices Regulations s. 59
        description: Acknowledge within 3 business days
calendars:
  ontario:
    timezone: America/Toronto
    versions:
      - effective_from: 2020-01-01
        working_hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"],
                        thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
        holidays: {country: CA, subdivision: "ON"}
"""


def test_a_policy_defines_a_regime_with_its_calendar_and_conditions_may_name_it() -> None:
    policy = Policy.load(DEFAULT_POLICY + FIRM_REGIME)
    assert list(policy.regimes) == ["ca_health"]
    calendar = policy.regime_calendar("ca_health")
    assert calendar.name == "ontario"
    received = datetime(2027, 3, 5, 15, tzinfo=ZoneInfo("America/Toronto"))  # a Friday
    [ack] = regulatory_deadlines("ca_health", received, calendar, policy.regimes)
    assert ack.due_at == datetime(2027, 3, 10, 17, 0, tzinfo=ZoneInfo("America/Toronto"))
    # The financial regimes keep the policy's calendar, as before.
    assert policy.regime_calendar("uk_fca").name == policy.calendar


def with_rule_for(regime: str) -> str:
    rule = f"""  - id: health-canada
    description: Device complaints under Health Canada's rules.
    when:
      regimes: [{regime}]
    set: {{priority: high}}
"""
    return DEFAULT_POLICY.replace("classification:\n", "classification:\n" + rule, 1)


def test_a_policy_classifies_by_the_regime_it_defines_and_refuses_unknown_ones() -> None:
    Policy.load(with_rule_for("ca_health") + FIRM_REGIME)
    with pytest.raises(PolicyError) as err:
        Policy.load(with_rule_for("ca_health"))
    assert any(
        p.endswith(
            ".regimes: 'ca_health' is not one of none, uk_fca, eu_psd2, us_cfpb, "
            "au_asic, fda_mdr, eu_mdr"
        )
        for p in err.value.problems
    ), err.value.problems


def test_a_policy_may_not_redefine_a_shipped_regime() -> None:
    text = DEFAULT_POLICY + FIRM_REGIME.replace("ca_health:", "uk_fca:")
    with pytest.raises(PolicyError) as err:
        Policy.load(text)
    assert "regimes.uk_fca: a shipped regime has that name; choose another" in err.value.problems


def test_every_problem_in_a_regime_definition_is_reported_with_its_path() -> None:
    document = {
        "Bad Name": {"title": "x", "clocks": []},
        "eu_x": {
            "colour": "blue",
            "event_kinds": ["death"],
            "final_response_clock": "nope",
            "clocks": [
                {
                    "name": "a",
                    "length": 0,
                    "unit": "fortnights",
                    "from": "decision",
                    "pausable": True,
                    "regulation": "Art. 1",
                    "description": "d",
                },
                {
                    "name": "b",
                    "length": 2,
                    "unit": "calendar_days",
                    "from": "awareness",
                    "applies_to": ["fire"],
                    "description": "d",
                },
                {
                    "name": "c",
                    "length": 1,
                    "unit": "weeks",
                    "from": "awareness",
                    "regulation": "Art. 3",
                    "description": "d",
                },
                "not a clock",
            ],
        },
    }
    with pytest.raises(RegimePackError) as err:
        parse_regimes(document, "regimes")
    assert err.value.problems == [
        "regimes.Bad Name: a regime's name is lower-case letters, digits and _, not none",
        "regimes.eu_x.colour: unknown field; one of calendar, clocks, event_kinds, "
        "final_response_clock, title",
        "regimes.eu_x.clocks[0].length: expected a whole number of at least 1",
        "regimes.eu_x.clocks[0].unit: 'fortnights' is not one of calendar_days, "
        "business_days, weeks",
        "regimes.eu_x.clocks[0].from: 'decision' is not one of receipt, awareness",
        "regimes.eu_x.clocks[0].pausable: a regulatory clock never pauses: the regulator's "
        "deadline runs whatever the case is waiting on",
        "regimes.eu_x.clocks[1].applies_to: 'fire' is not one of the regime's event_kinds",
        "regimes.eu_x.clocks[1].regulation: required",
        "regimes.eu_x.clocks[2].applies_to: required for a clock that runs from awareness",
        "regimes.eu_x.clocks[3]: expected a mapping with name, length, unit, from and regulation",
        "regimes.eu_x.final_response_clock: 'nope' is not one of its clocks",
        "regimes.eu_x.title: required",
    ]


def test_a_policy_reports_regime_problems_among_its_own() -> None:
    text = DEFAULT_POLICY + FIRM_REGIME.replace("unit: business_days", "unit: hours")
    with pytest.raises(PolicyError) as err:
        Policy.load(text)
    assert (
        "regimes.ca_health.clocks[0].unit: 'hours' is not one of calendar_days, business_days, weeks"
        in err.value.problems
    )


def test_a_pack_that_is_not_yaml_says_which_file(tmp_path: Path) -> None:
    pack = tmp_path / "broken.yaml"
    pack.write_text("us_x: [unclosed\n")
    with pytest.raises(RegimePackError, match=r"broken\.yaml: not valid YAML"):
        load_pack(pack)


def test_shipped_regimes_are_the_pack_files() -> None:
    files = sorted(p.name for p in PACK_DIR.glob("*.yaml"))
    assert files == ["financial.yaml", "medical_devices.yaml"]
    assert shipped_regimes()["fda_mdr"].calendar == "us-federal"
