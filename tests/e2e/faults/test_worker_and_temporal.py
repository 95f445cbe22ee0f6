"""Faults in the engine room: the worker killed in the middle of lifecycles,
and the Temporal server restarted while complaints wait on their timers.

The platform here is a real one of its own (the Temporal dev server keeping
its state in a file, as `make run` does), so that killing and restarting its
processes disturbs no other test. Each fault is bounded: a fixed number of
complaints and deadlines of seconds.
"""

from __future__ import annotations

import functools
import mailbox
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.domain.reconciliation import TrailEntry, unexplained_messages
from redress.followup.v1 import followup_pb2
from redress.intake.v1 import intake_pb2
from tests.conftest import bearer, eventually, start_platform
from tests.e2e.faults.support import RETRYABLE, ROWS, complaint, file_until_answered, stub
from tests.followup_support import Receiver
from tests.policies import short_first_response

COMPLAINTS = 12
# Cases handled to their final response while the worker is killed again and again.
KILLED_CASES, WORKER_KILLS = 16, 5
WARN_AFTER, BREACH_AFTER = 20, 40


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    local = LocalPlatform(tmp_path_factory.mktemp("faults"), Ports.free(), log_format="json")
    try:
        # Webhook retries as a deployment would have them, shortened: a
        # receiver away for half a minute is waited for, not given up on.
        patient = {
            "REDRESS_WEBHOOK_RETRY_INITIAL_SECONDS": "1",
            "REDRESS_WEBHOOK_RETRY_MAX_SECONDS": "4",
            "REDRESS_WEBHOOK_MAX_ATTEMPTS": "15",
            "REDRESS_WEBHOOK_DISABLE_AFTER": "5",
        }
        start_platform(local, persist=True, followup=patient)
        yield local
    finally:
        local.stop()


def letters_for(site: LocalPlatform, case_id: str) -> list[str]:
    """The templates of the letters sent to the case's customer: staff alerts
    about the case (an urgent one nobody owns alerts its lead) have none."""
    box = mailbox.Maildir(site.maildir, create=False)
    # The header reads <template>/<language>/v<version>.
    return [
        str(m["X-Redress-Template"]).split("/")[0]
        for m in box
        if m["X-Redress-Case"] == case_id and m["X-Redress-Template"]
    ]


def test_killing_the_worker_mid_lifecycles_loses_and_repeats_nothing(site: LocalPlatform) -> None:
    admin = bearer(site.credentials.admin_key)
    crm = Receiver(secret="the-crm-shares-this-secret")
    try:
        followup_stub = stub(site, "followup")
        hook = followup_stub.CreateWebhook(
            followup_pb2.CreateWebhookRequest(
                webhook=followup_pb2.Webhook(name="CRM", url=crm.url), secret=crm.secret
            ),
            metadata=admin,
            timeout=10,
        ).webhook
        marker = uuid.uuid4().hex[:10]
        requests = [complaint(ROWS[i], marker) for i in range(COMPLAINTS)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            filed = [pool.submit(file_until_answered, site, r) for r in requests]
            # Kill the worker while complaints are being filed and acknowledged:
            # SIGKILL, no graceful shutdown, activities in flight abandoned.
            eventually(lambda: sum(f.done() for f in filed) >= 3, timeout=60)
            site.processes["worker"].popen.kill()
            site.processes["worker"].popen.wait()
            time.sleep(3)
            site.start_worker()
            case_ids = [f.result(timeout=180) for f in filed]

        # One case per complaint, even for the retried submissions.
        assert len(set(case_ids)) == COMPLAINTS
        cases = stub(site, "cases")
        listed = cases.ListCases(
            cases_pb2.ListCasesRequest(text=marker), metadata=admin, timeout=30
        ).cases
        assert sorted(c.case_id for c in listed) == sorted(case_ids)

        # Every complaint reaches its expected state: acknowledged, with one
        # acknowledgement letter delivered and one case.created event at the CRM.
        def settled() -> bool:
            for case_id in case_ids:
                case = cases.GetCase(
                    cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=10
                ).case
                if case.stage != "acknowledged" or letters_for(site, case_id) != [
                    "acknowledgement"
                ]:
                    return False
                if not any(e["event_type"] == "case.created" for e in crm.for_case(case_id)):
                    return False
            return True

        eventually(settled, timeout=180, interval=2)
        for case_id in case_ids:
            case = cases.GetCase(
                cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=10
            ).case
            actions = Counter(e.action for e in case.audit_events)
            assert actions["case.created"] == 1, case_id
            assert actions["clocks.started"] == 1, case_id
            assert actions["message.sent"] == 1, case_id
            assert actions["knowledge.suggested"] <= 1, case_id
            events = crm.for_case(case_id)
            ids = [e["event_id"] for e in events]
            assert len(ids) == len(set(ids)), f"{case_id}: an event reached the CRM twice"
            sequences = [e["sequence"] for e in events]
            assert sequences == sorted(sequences), f"{case_id}: events out of order"
            verdict = cases.VerifyAuditTrail(
                cases_pb2.VerifyAuditTrailRequest(case_id=case_id), metadata=admin, timeout=10
            )
            assert verdict.intact, case_id
        followup_stub.DisableWebhook(
            followup_pb2.DisableWebhookRequest(webhook_id=hook.webhook_id),
            metadata=admin,
            timeout=10,
        )
    finally:
        crm.stop()


def test_events_wait_for_a_crm_that_is_down_and_arrive_once_in_order_when_it_is_back(
    site: LocalPlatform,
) -> None:
    admin = bearer(site.credentials.admin_key)
    followup_stub = stub(site, "followup")
    crm = Receiver(secret="the-crm-shares-this-secret")
    port = int(crm.server.server_address[1])
    hook = followup_stub.CreateWebhook(
        followup_pb2.CreateWebhookRequest(
            webhook=followup_pb2.Webhook(name="CRM down", url=crm.url), secret=crm.secret
        ),
        metadata=admin,
        timeout=10,
    ).webhook
    crm.stop()  # the receiver goes away: connections are refused
    case_ids = [
        file_until_answered(site, complaint(ROWS[i], uuid.uuid4().hex[:10])) for i in (13, 14)
    ]
    time.sleep(8)
    back = Receiver(secret="the-crm-shares-this-secret", port=port)
    try:

        def arrived() -> bool:
            return all(
                {"case.created", "message.sent"} <= {e["event_type"] for e in back.for_case(c)}
                for c in case_ids
            )

        eventually(arrived, timeout=90, interval=1)
        for case_id in case_ids:
            events = back.for_case(case_id)
            ids = [e["event_id"] for e in events]
            assert len(ids) == len(set(ids)), f"{case_id}: an event reached the CRM twice"
            assert [e["sequence"] for e in events] == sorted(e["sequence"] for e in events)
            assert events[0]["event_type"] == "case.created"
        deliveries = followup_stub.ListDeliveries(
            followup_pb2.ListDeliveriesRequest(webhook_id=hook.webhook_id),
            metadata=admin,
            timeout=10,
        ).deliveries
        # Refused while the CRM was away, delivered on a later attempt.
        assert any(len(d.attempts) > 1 for d in deliveries)
        still = followup_stub.ListWebhooks(
            followup_pb2.ListWebhooksRequest(), metadata=admin, timeout=10
        ).webhooks
        assert next(w for w in still if w.webhook_id == hook.webhook_id).enabled
    finally:
        back.stop()


def test_timers_fire_and_commands_work_after_the_temporal_server_restarts(
    site: LocalPlatform,
) -> None:
    admin = bearer(site.credentials.admin_key)
    cases = stub(site, "cases")
    cases.PublishPolicy(
        cases_pb2.PublishPolicyRequest(
            document=short_first_response("2026.11.3-fault-test", WARN_AFTER, BREACH_AFTER)
        ),
        metadata=admin,
        timeout=30,
    )
    case_id = file_until_answered(site, complaint(ROWS[20], uuid.uuid4().hex[:10]))
    started = time.monotonic()

    # Stop the server (its state is in its SQLite file) and start it again on
    # the same address, while the complaint's timers are pending.
    site.supervisor.stop(site.processes["temporal"])
    time.sleep(3)
    site.start_temporal(persist=True, ui=False)
    assert time.monotonic() - started < WARN_AFTER, "the restart took longer than the test allows"

    def audit() -> list[str]:
        return [
            e.action
            for e in cases.GetCase(
                cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=10
            ).case.audit_events
        ]

    # The warning and the breach fire on their durable timers after the restart.
    eventually(lambda: "clock.warning" in audit(), timeout=WARN_AFTER + 60, interval=2)
    eventually(lambda: "clock.breached" in audit(), timeout=BREACH_AFTER + 60, interval=2)
    # And the workflow takes commands again: a handler's assignment lands.
    deadline = time.monotonic() + 60
    while True:
        try:
            assigned = cases.AssignCase(
                cases_pb2.AssignCaseRequest(case_id=case_id, assignee="dana", team="disputes"),
                metadata=admin,
                timeout=15,
            ).case
            break
        except grpc.RpcError as err:
            assert err.code() in RETRYABLE, f"{err.code()}: {err.details()}"
            assert time.monotonic() < deadline
            time.sleep(1)
    assert assigned.assignee == "dana"
    assert audit().count("clock.breached") == 1


def _stored(site: LocalPlatform, case_id: str, done: Callable[[Any], bool], refusal: str) -> bool:
    case = (
        stub(site, "cases")
        .GetCase(
            cases_pb2.GetCaseRequest(case_id=case_id),
            metadata=bearer(site.credentials.admin_key),
            timeout=15,
        )
        .case
    )
    assert done(case), refusal
    return True


def _until_done(
    site: LocalPlatform, case_id: str, method: str, request: object, done: Callable[[Any], bool]
) -> None:
    """A command as a careful client sends it while the worker comes and goes:
    retried while unanswered; refused because an unanswered attempt already
    landed is done."""
    cases = stub(site, "cases")
    admin = bearer(site.credentials.admin_key)
    deadline = time.monotonic() + 180
    while True:
        try:
            getattr(cases, method)(request, metadata=admin, timeout=15)
            return
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.FAILED_PRECONDITION:
                refusal = f"{method} {case_id}: {err.details()}"
                # The workflow already holds the change from an attempt that
                # went unanswered; the case store has it once that attempt's
                # recording activity has run (the worker may be down still).
                eventually(
                    functools.partial(_stored, site, case_id, done, refusal),
                    timeout=120,
                    interval=1,
                )
                return
            assert err.code() in RETRYABLE, f"{method} {case_id}: {err.code()}: {err.details()}"
            assert time.monotonic() < deadline, f"{method} {case_id} never answered"
            time.sleep(1)


def _work_to_resolution(site: LocalPlatform, request: intake_pb2.SubmitComplaintRequest) -> str:
    """Files a complaint and handles it to its final response."""
    case_id = file_until_answered(site, request)
    steps: list[tuple[str, object, Callable[[Any], bool]]] = [
        (
            "AssignCase",
            cases_pb2.AssignCaseRequest(case_id=case_id, assignee="dana", team="disputes"),
            lambda c: c.assignee == "dana",
        ),
        # From received or acknowledged (the acknowledgement may land first).
        (
            "TransitionStage",
            cases_pb2.TransitionStageRequest(case_id=case_id, to_stage="triage", reason="triage"),
            lambda c: c.stage in ("triage", "assigned", "investigating", "resolved"),
        ),
        (
            "TransitionStage",
            cases_pb2.TransitionStageRequest(case_id=case_id, to_stage="assigned", reason="dana"),
            lambda c: c.stage in ("assigned", "investigating", "resolved"),
        ),
        (
            "TransitionStage",
            cases_pb2.TransitionStageRequest(
                case_id=case_id, to_stage="investigating", reason="looking into it"
            ),
            lambda c: c.stage in ("investigating", "resolved"),
        ),
        (
            "RecordOutcome",
            cases_pb2.RecordOutcomeRequest(
                case_id=case_id, decision=cases_pb2.DECISION_UPHELD, root_cause="process.error"
            ),
            lambda c: c.HasField("outcome"),
        ),
        (
            "ResolveCase",
            cases_pb2.ResolveCaseRequest(case_id=case_id, reason="final response given"),
            lambda c: c.stage == "resolved",
        ),
    ]
    for method, command, done in steps:
        _until_done(site, case_id, method, command, done)
    return case_id


def _whole_trail(site: LocalPlatform, case_id: str) -> list[TrailEntry]:
    admin = bearer(site.credentials.admin_key)
    events = stub(site, "cases").ListAuditEvents(
        cases_pb2.ListAuditEventsRequest(
            case_id=case_id, page=common_pb2.PageRequest(page_size=500)
        ),
        metadata=admin,
        timeout=15,
    )
    assert not events.page.next_page_token
    return [
        TrailEntry(e.sequence, e.action, e.field, e.old_value, e.new_value) for e in events.events
    ]


def _messages_of(site: LocalPlatform, case_id: str) -> dict[str, str]:
    admin = bearer(site.credentials.admin_key)
    listed = stub(site, "followup").ListMessages(
        followup_pb2.ListMessagesRequest(case_id=case_id), metadata=admin, timeout=15
    )
    return {
        m.message_id: followup_pb2.DeliveryState.Name(m.state)
        .removeprefix("DELIVERY_STATE_")
        .lower()
        for m in listed.messages
        if m.audience == "customer"
    }


def test_killing_the_worker_again_and_again_while_cases_are_worked_leaves_every_trail_whole(
    site: LocalPlatform,
) -> None:
    """Complaints are filed and handled to their final response while the
    worker is killed (SIGKILL) five times; afterwards every case's trail
    records each of its changes exactly once and explains the case."""
    admin = bearer(site.credentials.admin_key)
    marker = uuid.uuid4().hex[:10]
    requests = [complaint(ROWS[i % len(ROWS)], marker) for i in range(KILLED_CASES)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        worked = [pool.submit(_work_to_resolution, site, r) for r in requests]
        for _ in range(WORKER_KILLS):
            # Kill while workflow tasks and their activities are in flight.
            eventually(
                lambda: site.processes["worker"].popen.poll() is None, timeout=30, interval=0.5
            )
            time.sleep(4)
            site.processes["worker"].popen.kill()
            site.processes["worker"].popen.wait()
            time.sleep(1)
            site.start_worker()
        case_ids = [f.result(timeout=400) for f in worked]
    assert len(set(case_ids)) == KILLED_CASES
    cases = stub(site, "cases")

    def letters_sent() -> bool:
        # One acknowledgement and one final response each, none twice.
        # (Staff alerts about the case, which carry no template, aside.)
        letters = {c: sorted(t for t in letters_for(site, c) if t != "None") for c in case_ids}
        wrong = {
            c: got for c, got in letters.items() if got != ["acknowledgement", "final_response"]
        }
        assert wrong == {}
        return True

    eventually(letters_sent, timeout=180, interval=2)

    def explained(case_id: str) -> bool:
        trail = _whole_trail(site, case_id)
        messages = _messages_of(site, case_id)
        assert len(messages) == 2, (case_id, messages)
        assert unexplained_messages(messages, trail) == [], case_id
        return True

    for case_id in case_ids:
        # The last delivery reports travel to the case after the letters.
        eventually(functools.partial(explained, case_id), timeout=60, interval=1)
        verdict = cases.VerifyAuditTrail(
            cases_pb2.VerifyAuditTrailRequest(case_id=case_id), metadata=admin, timeout=15
        )
        assert verdict.intact, (case_id, verdict.detail)
        assert verdict.consistent, (case_id, list(verdict.disagreements))
        trail = _whole_trail(site, case_id)
        # Each change once: no entry of a stage move, a clock or a message twice.
        once = Counter(
            (e.action, e.field, e.old_value, e.new_value)
            for e in trail
            if e.action.startswith(("case.stage_changed", "message.", "clock.", "case.outcome"))
            or e.action == "outcome.recorded"
        )
        assert [k for k, n in once.items() if n > 1] == [], case_id
        moves = [(e.old_value, e.new_value) for e in trail if e.field == "stage"]
        assert moves[-1][1] == "resolved", (case_id, moves)
        actions = Counter(e.action for e in trail)
        assert actions["case.created"] == 1, case_id
        assert actions["message.sent"] == 2, (case_id, actions)
