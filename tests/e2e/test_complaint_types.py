"""Complaint types on the whole platform as `make run` starts it (the Temporal
dev server, the services and the worker, as processes): complaints filed
through intake under a policy with a card dispute type, worked through the
cases service's RPCs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc
import pytest
import yaml

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.domain.policy import Policy
from redress.domain.regulatory import regulatory_deadlines
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform.enums import short_name
from redress.platform.errors import field_violations
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from tests.conftest import bearer, start_platform

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/policy-with-types.yaml"


@pytest.fixture(scope="module")
def typed_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    """A platform of its own, the example policy with complaint types in force."""
    local = LocalPlatform(tmp_path_factory.mktemp("typed"), Ports.free(), log_format="json")
    try:
        start_platform(local)
        with grpc.insecure_channel(local.address("cases")) as channel:
            cases_pb2_grpc.CasesServiceStub(channel).PublishPolicy(
                cases_pb2.PublishPolicyRequest(document=EXAMPLE.read_text()),
                metadata=bearer(local.credentials.admin_key),
                timeout=30,
            )
        yield local
    finally:
        local.stop()


def file(platform: LocalPlatform, narrative: str, product: str = "") -> str:
    with grpc.insecure_channel(platform.address("intake")) as channel:
        return (
            intake_pb2_grpc.IntakeServiceStub(channel)
            .SubmitComplaint(
                intake_pb2.SubmitComplaintRequest(
                    idempotency_key=f"types-{uuid.uuid4()}",
                    channel=common_pb2.CHANNEL_WEB,
                    customer=common_pb2.Customer(
                        full_name="Ada Lovelace", email=f"{uuid.uuid4().hex[:8]}@mail.test"
                    ),
                    product=product,
                    narrative=narrative,
                    regime=common_pb2.REGIME_UK_FCA,
                ),
                metadata=bearer(platform.credentials.admin_key),
                timeout=60,
            )
            .case_id
        )


def clock_states(case: cases_pb2.Case) -> dict[str, str]:
    return {
        c.name: short_name(common_pb2.ClockState, c.state) for c in case.clocks if not c.regulatory
    }


def test_filed_complaints_get_their_types_rules_and_a_recategorised_one_moves(typed_platform):
    admin = bearer(typed_platform.credentials.admin_key)
    dispute_id = file(
        typed_platform, "I disputed a card payment for a delivery that never came.", "Credit card"
    )
    general_id = file(typed_platform, "You charged me a fee that was never explained.")
    with grpc.insecure_channel(typed_platform.address("cases")) as channel:
        cases = cases_pb2_grpc.CasesServiceStub(channel)

        def get(case_id: str) -> cases_pb2.Case:
            request = cases_pb2.GetCaseRequest(case_id=case_id)
            return cases.GetCase(request, metadata=admin, timeout=10).case

        dispute, general = get(dispute_id), get(general_id)
        assert (dispute.complaint_type, dispute.category) == ("card_dispute", "card_disputes")
        assert clock_states(dispute) == {
            "acknowledgement": "running",
            "chargeback": "running",
            "resolution": "running",
        }
        assert (general.complaint_type, general.category) == ("default", "fees_and_charges")
        assert set(clock_states(general)) == {"acknowledgement", "first_response", "resolution"}

        # The chargeback stage is the card dispute's; a general complaint is
        # told which stages its rules have.
        moved = cases.TransitionStage(
            cases_pb2.TransitionStageRequest(case_id=dispute_id, to_stage="chargeback"),
            metadata=admin,
            timeout=30,
        ).case
        assert (moved.stage, clock_states(moved)["chargeback"]) == ("chargeback", "met")
        with pytest.raises(grpc.RpcError) as refused:
            cases.TransitionStage(
                cases_pb2.TransitionStageRequest(case_id=general_id, to_stage="chargeback"),
                metadata=admin,
                timeout=30,
            )
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        ((field, description),) = [
            (v.field, v.description) for v in field_violations(refused.value)
        ]
        assert field == "to_stage"
        assert description.startswith("unknown stage 'chargeback'; stages: received, acknowledged")

        # Recategorised as a card dispute, it answers as one at once.
        answered = cases.ChangeCategory(
            cases_pb2.ChangeCategoryRequest(
                case_id=general_id, category="card_disputes", reason="a disputed card payment"
            ),
            metadata=admin,
            timeout=30,
        ).case
        assert (answered.complaint_type, answered.category) == ("card_dispute", "card_disputes")
        assert clock_states(answered) == {
            "acknowledgement": "running",
            "first_response": "not_applicable",
            "resolution": "running",
            "chargeback": "running",
        }
        trail = cases.ListAuditEvents(
            cases_pb2.ListAuditEventsRequest(case_id=general_id), metadata=admin, timeout=10
        ).events
        ((entry,),) = [[e for e in trail if e.action == "case.type_changed"]]
        assert (entry.old_value, entry.actor.id, entry.actor.rule_version) == (
            "default",
            "types.card_dispute",
            "typed-example 2026.12.1",
        )
        assert "stage received kept" in entry.cause
        moved = cases.TransitionStage(
            cases_pb2.TransitionStageRequest(case_id=general_id, to_stage="chargeback"),
            metadata=admin,
            timeout=30,
        ).case
        assert moved.stage == "chargeback"

        listed = cases.ListCases(
            cases_pb2.ListCasesRequest(complaint_types=["card_dispute"]), metadata=admin, timeout=10
        ).cases
        assert {c.case_id for c in listed} == {dispute_id, general_id}
        verified = cases.VerifyAuditTrail(
            cases_pb2.VerifyAuditTrailRequest(case_id=general_id), metadata=admin, timeout=10
        )
        assert verified.intact and verified.consistent, list(verified.disagreements)


def test_a_card_dispute_records_its_types_outcome_value_and_reports_its_decision(typed_platform):
    admin = bearer(typed_platform.credentials.admin_key)
    dispute_id = file(
        typed_platform, "I disputed a card payment for a parcel that never arrived.", "Credit card"
    )
    general_id = file(typed_platform, "Your branch was closed when it said it would be open.")
    with grpc.insecure_channel(typed_platform.address("cases")) as channel:
        cases = cases_pb2_grpc.CasesServiceStub(channel)

        def record(case_id: str, **fields: object) -> cases_pb2.Case:
            request = cases_pb2.RecordOutcomeRequest(case_id=case_id, summary="agreed", **fields)
            return cases.RecordOutcome(request, metadata=admin, timeout=30).case

        def refusal(case_id: str, **fields: object) -> tuple[grpc.StatusCode, dict[str, str]]:
            with pytest.raises(grpc.RpcError) as refused:
                record(case_id, **fields)
            violations = {v.field: v.description for v in field_violations(refused.value)}
            return refused.value.code(), violations

        # A card dispute chooses one of its type's values: a bare decision,
        # a value of no type and a disagreeing decision are each refused.
        code, problems = refusal(
            dispute_id, decision=cases_pb2.DECISION_UPHELD, root_cause="merchant.not_delivered"
        )
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert problems["outcome"].startswith(
            "one of this case's outcome values: chargeback_won, refunded_by_merchant"
        )
        code, problems = refusal(
            dispute_id, outcome="goodwill_paid", root_cause="merchant.not_delivered"
        )
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert problems["outcome"].endswith("(not 'goodwill_paid')")
        code, problems = refusal(
            dispute_id,
            outcome="transaction_valid",
            decision=cases_pb2.DECISION_UPHELD,
            root_cause="card.unrecognised",
        )
        assert problems["decision"].startswith("outcome 'transaction_valid' counts as rejected")

        recorded = record(
            dispute_id, outcome="partial_refund", root_cause="merchant.not_delivered"
        ).outcome
        assert (recorded.outcome, recorded.decision) == (
            "partial_refund",
            cases_pb2.DECISION_PARTLY_UPHELD,
        )
        trail = cases.ListAuditEvents(
            cases_pb2.ListAuditEventsRequest(case_id=dispute_id), metadata=admin, timeout=10
        ).events
        (entry,) = [e for e in trail if e.action == "outcome.recorded"]
        assert json.loads(entry.new_value)["outcome"] == "partial_refund"

        # A general complaint's rules define no values: it records a decision.
        code, problems = refusal(general_id, outcome="partial_refund", root_cause="service.delay")
        assert problems["outcome"].startswith("this case's policy defines no outcome values")
        general = record(
            general_id, decision=cases_pb2.DECISION_REJECTED, root_cause="service.delay"
        ).outcome
        assert (general.outcome, general.decision) == ("", cases_pb2.DECISION_REJECTED)


# A regime no pack ships, defined by a policy with a calendar of its own.
HEALTH_CANADA = """
calendars:
  ontario:
    timezone: America/Toronto
    versions:
      - effective_from: 2020-01-01
        working_hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"],
                        thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
        holidays: {country: CA, subdivision: "ON"}
regimes:
  ca_health:
    title: Health Canada mandatory problem reporting
    calendar: ontario
    event_kinds: [death, serious_deterioration]
    clocks:
      - name: hc_acknowledgement
        length: 3
        unit: business_days
        from: receipt
        regulation: Medical Devices Regulations s. 59
        description: Acknowledge within 3 business days
      - name: hc_death_report
        length: 10
        unit: calendar_days
        from: awareness
        applies_to: [death, serious_deterioration]
        regulation: Medical Devices Regulations s. 60(1)(a)
        description: Report within 10 days of becoming aware
"""


def test_a_regime_the_policy_defines_is_accepted_at_intake_with_its_clocks(typed_platform):
    admin = bearer(typed_platform.credentials.admin_key)
    document = yaml.safe_load(EXAMPLE.read_text())
    document["version"] = "2026.12.2-ca"
    document.update(yaml.safe_load(HEALTH_CANADA))
    with grpc.insecure_channel(typed_platform.address("cases")) as channel:
        cases_pb2_grpc.CasesServiceStub(channel).PublishPolicy(
            cases_pb2.PublishPolicyRequest(document=yaml.safe_dump(document)),
            metadata=admin,
            timeout=30,
        )

    def submit(regime_name: str) -> intake_pb2.SubmitComplaintResponse:
        with grpc.insecure_channel(typed_platform.address("intake")) as channel:
            return intake_pb2_grpc.IntakeServiceStub(channel).SubmitComplaint(
                intake_pb2.SubmitComplaintRequest(
                    idempotency_key=f"regime-{uuid.uuid4()}",
                    channel=common_pb2.CHANNEL_WEB,
                    customer=common_pb2.Customer(
                        full_name="Marie Tremblay", email=f"{uuid.uuid4().hex[:8]}@mail.test"
                    ),
                    product="Glucose meter GM-5",
                    narrative="The meter read 4.2 when my blood sugar was 14; I was taken ill.",
                    regime_name=regime_name,
                ),
                metadata=admin,
                timeout=60,
            )

    # A name neither the packs nor the policy define is refused, listing both.
    with pytest.raises(grpc.RpcError) as refused:
        submit("ca_healht")
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    [(field, description)] = [(v.field, v.description) for v in field_violations(refused.value)]
    assert field == "regime_name"
    assert "fda_mdr" in description and description.endswith("ca_health")

    case_id = submit("ca_health").case_id
    with grpc.insecure_channel(typed_platform.address("cases")) as channel:
        case = (
            cases_pb2_grpc.CasesServiceStub(channel)
            .GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=10)
            .case
        )
    assert (case.regime_name, case.policy_version) == ("ca_health", "2026.12.2-ca")
    [clock] = [c for c in case.clocks if c.regulatory]
    assert (clock.name, clock.regulation) == (
        "hc_acknowledgement",
        "Medical Devices Regulations s. 59",
    )
    # The close of business on the third Ontario working day after receipt.
    policy = Policy.load(yaml.safe_dump(document))
    received = case.received_at.ToDatetime(tzinfo=UTC)
    [deadline] = regulatory_deadlines(
        "ca_health", received, policy.regime_calendar("ca_health"), policy.regimes
    )
    assert clock.due_at.ToDatetime(tzinfo=UTC) == deadline.due_at
    due_local = deadline.due_at.astimezone(ZoneInfo("America/Toronto"))
    assert due_local.hour == 17 and due_local.weekday() < 5


def test_reports_split_and_filter_by_complaint_type(typed_platform):
    admin = bearer(typed_platform.credentials.admin_key)
    disputes = [
        file(
            typed_platform, f"I disputed card payment {i} for goods never received.", "Credit card"
        )
        for i in range(2)
    ]
    general = file(typed_platform, "Your branch staff were rude to me at the counter.")
    with grpc.insecure_channel(typed_platform.address("reporting")) as channel:
        reporting = reporting_pb2_grpc.ReportingServiceStub(channel)

        def received(**filter_fields: object) -> dict[str, int]:
            points = reporting.GetTrends(
                reporting_pb2.GetTrendsRequest(
                    filter=reporting_pb2.CaseFilter(**filter_fields),
                    granularity=reporting_pb2.GRANULARITY_YEAR,
                    split_by=reporting_pb2.DIMENSION_COMPLAINT_TYPE,
                ),
                metadata=admin,
                timeout=30,
            ).points
            counts: dict[str, int] = {}
            for p in points:
                counts[p.key] = counts.get(p.key, 0) + p.received
            return counts

        every = received()
        assert every.get("card_dispute", 0) >= len(disputes)
        assert every.get("default", 0) >= 1
        # Only card disputes, by the filter: the general complaint is not counted.
        only = received(complaint_types=["card_dispute"])
        assert set(only) == {"card_dispute"} and only["card_dispute"] == every["card_dispute"]
        with pytest.raises(grpc.RpcError) as refused:
            received(regime_names=["Not A Regime"])
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [v.field for v in field_violations(refused.value)] == ["filter.regime_names[0]"]
    assert general not in disputes
