"""Routing on the real platform: services/cases with a policy whose routing
rules send German complaints to a German desk (least loaded) and
vulnerable customers' complaints to a care team (round robin); complaint
workflows on Temporal's time-skipping server ask it on receipt and apply
the answer. An absent person and one who does not answer in German are
passed over, and said so on the case's audit trail with the rule and the
policy version.

The people and teams are put through the API (PutPerson, PutTeam,
RecordAbsence) on this module's own case database, so that no other test's
directory changes.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
import yaml
from temporalio.worker import Replayer, Worker

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.devstack.platform import LocalPlatform, Ports
from redress.platform.errors import field_violations
from redress.platform.wire import timestamp
from tests.conftest import bearer
from tests.integration.test_complaint_types import start
from tests.temporal_support import time_skipping
from workflows.activities import CaseActivities
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import CategoryCommand, ComplaintSubmission, CustomerInfo
from workflows.rerouting import RerouteAbsentWorkflow
from workflows.sandbox import workflow_runner
from workflows.subtask import SubtaskWorkflow

ROUTING = {
    "reroute_absent_after": {"hours": 4},
    "rules": [
        {
            "name": "german",
            "when": {"languages": ["de"]},
            "team": "de-desk",
            "assign": "least_loaded",
        },
        {
            "name": "vulnerable",
            "when": {"tags": ["vulnerable"]},
            "team": "care",
            "assign": "round_robin",
        },
        {
            "name": "card-disputes",
            "when": {"types": ["card_dispute"]},
            "team": "card-desk",
            "assign": "round_robin",
        },
        {"name": "everyone-else", "team": "general"},
    ],
}


EXAMPLE = Path(__file__).resolve().parents[2] / "examples/policy-with-types.yaml"


def routing_policy() -> str:
    """The example policy with two complaint types (card disputes and the
    rest), and routing rules."""
    document = yaml.safe_load(EXAMPLE.read_text())
    document["version"] = "routing-1"
    document["routing"] = ROUTING
    return yaml.safe_dump(document, sort_keys=False)


@pytest.fixture(scope="module")
def routed_cases(tmp_path_factory: pytest.TempPathFactory):
    """services/cases with the routing policy and its people and teams."""
    local = LocalPlatform(tmp_path_factory.mktemp("routed-cases"), Ports.free())
    try:
        local.start_service("cases")
        admin = bearer(local.credentials.admin_key)
        with grpc.insecure_channel(local.address("cases")) as channel:
            cases = cases_pb2_grpc.CasesServiceStub(channel)
            people = {
                "hans": ["de", "en"],
                "greta": ["de"],
                "uwe": ["en"],
                "karl": ["de"],
                "ann": ["en"],
                "ben": ["en"],
            }
            for name, languages in people.items():
                cases.PutPerson(
                    cases_pb2.PutPersonRequest(
                        person=cases_pb2.StaffPerson(
                            principal_id=name, languages=languages, active=True
                        )
                    ),
                    metadata=admin,
                    timeout=30,
                )
            for team, members in (
                ("de-desk", ["hans", "greta", "uwe", "karl"]),
                ("care", ["ann", "ben"]),
                ("general", ["uwe"]),
                ("card-desk", ["ben"]),
            ):
                cases.PutTeam(
                    cases_pb2.PutTeamRequest(
                        team=cases_pb2.StaffTeam(name=team, members=members, lead=members[0])
                    ),
                    metadata=admin,
                    timeout=30,
                )
            cases.RecordAbsence(
                cases_pb2.RecordAbsenceRequest(principal_id="greta", reason="leave"),
                metadata=admin,
                timeout=30,
            )
            # Published once its teams exist: a rule naming an unknown team is refused.
            cases.PublishPolicy(
                cases_pb2.PublishPolicyRequest(document=routing_policy()),
                metadata=admin,
                timeout=30,
            )
        yield local
    finally:
        local.stop()


def submission(language: str = "", tags: tuple[str, ...] = ()) -> ComplaintSubmission:
    return ComplaintSubmission(
        idempotency_key=f"routing-{uuid.uuid4()}",
        submitted_by="test",
        channel="web",
        customer=CustomerInfo(
            full_name="Ada Lovelace",
            email="ada@example.org",
            country="GB",
            preferred_language=language,
            tags=list(tags),
        ),
        narrative="I was charged a fee nobody told me about.",
        regime="uk_fca",
        received_at=datetime.now(UTC),
        fingerprint="f" * 64,
    )


def test_publish_refuses_bad_routing_rules_naming_each_problem(routed_cases) -> None:
    document = yaml.safe_load(routing_policy())
    document["version"] = "routing-broken"
    document["routing"]["rules"][0]["assign"] = "random"
    document["routing"]["rules"][1]["when"]["priorities"] = ["very"]
    document["routing"]["reroute_absent_after"] = {"business_hours": 4}
    document["routing"]["rules"][3]["team"] = "genral"
    with grpc.insecure_channel(routed_cases.address("cases")) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            cases_pb2_grpc.CasesServiceStub(channel).PublishPolicy(
                cases_pb2.PublishPolicyRequest(document=yaml.safe_dump(document)),
                metadata=bearer(routed_cases.credentials.admin_key),
                timeout=30,
            )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    text = refused.value.details() + " ".join(
        f"{v.field}: {v.description}" for v in field_violations(refused.value)
    )
    assert "routing.rules[0].assign" in text
    assert "routing.rules[1].when.priorities" in text
    assert "routing.reroute_absent_after" in text
    # Once the rules are otherwise sound, a team the directory lacks is named.
    document["routing"]["rules"][0]["assign"] = "least_loaded"
    document["routing"]["rules"][1]["when"]["priorities"] = ["urgent"]
    document["routing"]["reroute_absent_after"] = {"hours": 4}
    with grpc.insecure_channel(routed_cases.address("cases")) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            cases_pb2_grpc.CasesServiceStub(channel).PublishPolicy(
                cases_pb2.PublishPolicyRequest(document=yaml.safe_dump(document)),
                metadata=bearer(routed_cases.credentials.admin_key),
                timeout=30,
            )
    violations = {v.field: v.description for v in field_violations(refused.value)}
    assert "general" in violations["document.routing.rules[3].team"]


async def test_routing_by_language_least_loaded_and_round_robin_skipping_the_absent(
    routed_cases,
) -> None:
    env = await time_skipping()
    admin = bearer(routed_cases.credentials.admin_key)
    channel = grpc.insecure_channel(routed_cases.address("cases"))
    cases = cases_pb2_grpc.CasesServiceStub(channel)

    def get(case_id: str) -> cases_pb2.Case:
        return cases.GetCase(
            cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=30
        ).case

    def routed(case_id: str) -> list[dict[str, object]]:
        events = cases.ListAuditEvents(
            cases_pb2.ListAuditEventsRequest(case_id=case_id), metadata=admin, timeout=30
        ).events
        return [
            {**json.loads(e.new_value), "actor": e.actor.id, "version": e.actor.rule_version}
            for e in events
            if e.action == "case.routed"
        ]

    try:
        activities = CaseActivities(
            grpc.aio.insecure_channel(routed_cases.address("cases")),
            routed_cases.credentials.service_key,
        )
        task_queue = f"tq-{uuid.uuid4()}"
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[ComplaintWorkflow, SubtaskWorkflow, RerouteAbsentWorkflow],
            activities=[
                activities.store_case,
                activities.current_policy,
                activities.record_change,
                activities.route_case,
                activities.absent_assignments,
            ],
            workflow_runner=workflow_runner(),
        ):
            # German complaints: greta is absent and uwe answers in English
            # only; hans and karl take turns by load (ties: hans, listed first).
            started = [await start(env, task_queue, submission("de")) for _ in range(3)]
            german = [case_id for _, case_id in started]
            assert [(get(c).team, get(c).assignee) for c in german] == [
                ("de-desk", "hans"),
                ("de-desk", "karl"),
                ("de-desk", "hans"),
            ]
            (decision,) = routed(german[1])
            assert decision["rule"] == "german" and decision["strategy"] == "least_loaded"
            assert decision["actor"] == "routing.rules[0]"
            assert "routing-1" in str(decision["version"])
            skipped = [str(s) for s in decision["skipped"]]  # type: ignore[attr-defined]
            assert skipped[0].startswith("greta: absent until")
            assert skipped[1] == "uwe: does not answer in de"
            assigned = [
                e
                for e in get(german[1]).audit_events
                if e.action == "case.assigned" and e.field == "assignee"
            ]
            assert [(e.new_value, e.actor.id) for e in assigned] == [("karl", "routing.rules[0]")]

            # Vulnerable customers' complaints go to the care team in turn.
            care = [
                (await start(env, task_queue, submission("en", ("Vulnerable",))))[1]
                for _ in range(3)
            ]
            assert [get(c).assignee for c in care] == ["ann", "ben", "ann"]

            # Everyone else: the general team, no person.
            other_handle, other = await start(env, task_queue, submission("en"))
            assert (get(other).team, get(other).assignee) == ("general", "")
            assert routed(other)[0]["strategy"] == "none"

            # Reclassified as a card dispute, the complaint changes type and
            # is routed again, to the card desk.
            await other_handle.execute_update(
                ComplaintWorkflow.change_category,
                CategoryCommand("lena", "card_disputes", "a disputed card payment"),
            )
            moved_case = get(other)
            assert (moved_case.complaint_type, moved_case.team, moved_case.assignee) == (
                "card_dispute",
                "card-desk",
                "ben",
            )
            again = routed(other)[-1]
            assert (again["occasion"], again["rule"]) == ("reclassification", "card-disputes")

            # hans has been away for five hours, longer than the policy's
            # four: the absence sweep routes his cases to karl, the only
            # German speaker left (greta is still away).
            cases.RecordAbsence(
                cases_pb2.RecordAbsenceRequest(
                    principal_id="hans",
                    starts_at=timestamp(datetime.now(UTC) - timedelta(hours=5)),
                    reason="ill",
                ),
                metadata=admin,
                timeout=30,
            )
            sent = await env.client.execute_workflow(
                RerouteAbsentWorkflow.run, id=f"sweep-{uuid.uuid4()}", task_queue=task_queue
            )
            assert sent == 2

            def moved() -> bool:
                return all(get(c).assignee == "karl" for c in german)

            for _ in range(100):
                if moved():
                    break
                await env.sleep(timedelta(seconds=1))
            assert moved()
            again = routed(german[0])[-1]
            assert again["occasion"] == "absence" and again["assignee"] == "karl"
            assert str(again["skipped"][0]).startswith("hans: absent until")  # type: ignore[index]
            # The routed and re-routed complaint replays as it ran.
            history = await started[0][0].fetch_history()
            await Replayer(
                workflows=[ComplaintWorkflow], workflow_runner=workflow_runner()
            ).replay_workflow(history)
            if os.environ.get("REDRESS_SAVE_ROUTING_HISTORY"):
                Path(os.environ["REDRESS_SAVE_ROUTING_HISTORY"]).write_text(history.to_json())
            # The sweep finds nothing more to do.
            assert (
                await env.client.execute_workflow(
                    RerouteAbsentWorkflow.run, id=f"sweep-{uuid.uuid4()}", task_queue=task_queue
                )
                == 0
            )
    finally:
        channel.close()
        await env.shutdown()
