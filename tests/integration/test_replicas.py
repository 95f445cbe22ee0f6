"""More processes, same guarantees: two worker processes and two replicas of
intake, cases, followup and knowledge against one PostgreSQL database and one
Temporal server.

Real CFPB complaints are filed through both intake replicas, assigned and
written to through both cases and followup replicas, scheduled follow-up
letters are set, and knowledge articles are created, published and edited
through both knowledge replicas (whose indexers drain one outbox). Half-way a
worker process and a followup replica are killed without warning. What users
see is then checked: every letter reached the mail server once, every staff
alert once, every webhook event reached the receiver once, every article is in
Meilisearch once at its latest revision, written no more often than it changed,
and no schedule or workflow exists twice.
"""

from __future__ import annotations

import json
import mailbox
import subprocess
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.devstack import binaries
from redress.devstack.platform import LocalPlatform, Ports
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.intake.v1 import intake_pb2_grpc
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from tests.conftest import bearer, cfpb_rows, eventually, followup_env
from tests.e2e.test_submit_end_to_end import complaint, temporal_list
from tests.followup_support import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(900)]

ROWS = cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 10)
REPLICATED = ("cases", "intake", "followup", "knowledge")
ARTICLES = 6
# Every process but the one being checked: searches by meaning are not what
# this test is about, and loading the model twice costs a minute here.
EVERY = {"REDRESS_KNOWLEDGE_SEMANTIC": "0"}


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str
) -> Iterator[LocalPlatform]:
    """The platform with a second process of each replicated service and of
    the worker, all on the test session's PostgreSQL database."""
    local = LocalPlatform(
        tmp_path_factory.mktemp("replicas"), Ports.free(), database_url=postgres_url
    )
    try:
        local.start_temporal(persist=False, ui=False)
        local.start_meilisearch()
        local.start_mail()
        for name in ("cases", "intake", "followup", "knowledge", "reporting"):
            extra = {**EVERY, **(followup_env(local) if name == "followup" else {})}
            local.start_service(name, extra)
            if name in REPLICATED:
                local.start_service(name, extra, replica=2)
        local.start_worker(EVERY)
        local.start_worker(EVERY, replica=2)
        yield local
    finally:
        local.stop()


class Stubs:
    """One client channel per replica; calls alternate between them."""

    def __init__(self, platform: LocalPlatform) -> None:
        self.channels = {
            (name, replica): grpc.insecure_channel(platform.address(name, replica))
            for name in REPLICATED
            for replica in (1, 2)
        }
        self.turn = 0

    def of(self, name: str, replica: int) -> grpc.Channel:
        return self.channels[(name, replica)]

    def next(self, name: str, alive: tuple[int, ...] = (1, 2)) -> grpc.Channel:
        self.turn += 1
        return self.of(name, alive[self.turn % len(alive)])

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()


def mail(platform: LocalPlatform) -> list[EmailMessage]:
    box = mailbox.Maildir(platform.maildir, create=True)
    import email
    import email.policy

    return [
        email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)  # type: ignore[misc]
        for key in box.keys()
    ]


def in_future(seconds: float) -> Timestamp:
    at = Timestamp()
    at.FromDatetime(datetime.now(UTC) + timedelta(seconds=seconds))
    return at


def meilisearch(platform: LocalPlatform, path: str) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{platform.ports.meilisearch}{path}",
        headers={"Authorization": f"Bearer {platform.credentials.meilisearch_key}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def schedules(platform: LocalPlatform) -> list[str]:
    out = subprocess.run(
        [
            str(binaries.temporal_cli()),
            "schedule",
            "list",
            "--address",
            f"127.0.0.1:{platform.ports.temporal}",
            "--output",
            "json",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return [s["scheduleId"] for s in (json.loads(out) if out.strip() else [])]


def file(stubs: Stubs, admin: Any, row: dict[str, str], alive: tuple[int, ...]) -> str:
    request = complaint(row, key=f"replicas-{uuid.uuid4()}")
    request.customer.email = f"customer-{row['Complaint ID']}@example.com"
    stub = intake_pb2_grpc.IntakeServiceStub(stubs.next("intake", alive))
    return str(stub.SubmitComplaint(request, metadata=admin, timeout=60).case_id)


def work_on(stubs: Stubs, admin: Any, case_id: str, followups: tuple[int, ...]) -> None:
    """Assigns the case (two staff alerts), sends a progress update and
    schedules a follow-up letter a few seconds ahead."""
    cases_pb2_grpc.CasesServiceStub(stubs.next("cases")).AssignCase(
        cases_pb2.AssignCaseRequest(case_id=case_id, assignee="dana", team="disputes"),
        metadata=admin,
        timeout=60,
    )
    followup = followup_pb2_grpc.FollowupServiceStub(stubs.next("followup", followups))
    followup.SendMessage(
        followup_pb2.SendMessageRequest(
            idempotency_key=f"update-{case_id}",
            case_id=case_id,
            template_name="progress_update",
            extra={"progress": "We have asked the card network for the records."},
        ),
        metadata=admin,
        timeout=60,
    )
    followup = followup_pb2_grpc.FollowupServiceStub(stubs.next("followup", followups))
    followup.ScheduleFollowup(
        followup_pb2.ScheduleFollowupRequest(
            case_id=case_id,
            template_name="progress_update",
            send_at=in_future(8),
            extra={"progress": "Our disputes team is reviewing the statements."},
            reason="promised the customer a word this week",
        ),
        metadata=admin,
        timeout=60,
    )


def article(n: int) -> knowledge_pb2.Article:
    return knowledge_pb2.Article(
        title=f"Replica handbook {n}: disputed card charges",
        body=f"Step {n}: ask the card network for the transaction records.",
        summary=f"How handlers dispute charge number {n}.",
        language="en",
        audience=knowledge_pb2.AUDIENCE_INTERNAL,
        category="handling",
        products=["Credit card"],
        tags=["replicas"],
    )


def edit_articles(stubs: Stubs, admin: Any) -> list[knowledge_pb2.Article]:
    """Creates, publishes and edits twice each article, the steps of one
    article through alternating replicas, the articles at once: both
    replicas' indexers have changes to drain at the same moments."""

    def one(n: int) -> knowledge_pb2.Article:
        def kb(step: int) -> knowledge_pb2_grpc.KnowledgeServiceStub:
            return knowledge_pb2_grpc.KnowledgeServiceStub(
                stubs.of("knowledge", 1 + (n + step) % 2)
            )

        made = (
            kb(0)
            .CreateArticle(knowledge_pb2.CreateArticleRequest(article=article(n)), metadata=admin)
            .article
        )
        current = (
            kb(1)
            .PublishArticle(
                knowledge_pb2.PublishArticleRequest(article_id=made.article_id), metadata=admin
            )
            .article
        )
        for edit in (1, 2):
            changed = knowledge_pb2.Article()
            changed.CopyFrom(current)
            changed.body = f"{current.body} Edit {edit}."
            changed.title = f"Replica handbook {n}: disputed card charges, edition {edit + 1}"
            current = (
                kb(1 + edit)
                .UpdateArticle(knowledge_pb2.UpdateArticleRequest(article=changed), metadata=admin)
                .article
            )
        return current

    with ThreadPoolExecutor(ARTICLES) as pool:
        return list(pool.map(one, range(ARTICLES)))


def test_two_of_everything_send_each_letter_alert_event_and_index_write_once(
    replicas: LocalPlatform,
) -> None:
    platform = replicas
    admin = bearer(platform.credentials.admin_key)
    stubs = Stubs(platform)
    receiver = Receiver(secret="replicas-crm-secret-16")
    try:
        hook = (
            followup_pb2_grpc.FollowupServiceStub(stubs.of("followup", 1))
            .CreateWebhook(
                followup_pb2.CreateWebhookRequest(
                    webhook=followup_pb2.Webhook(name="CRM", url=receiver.url),
                    secret=receiver.secret,
                ),
                metadata=admin,
                timeout=30,
            )
            .webhook
        )
        # The first half with everything running.
        first = [file(stubs, admin, row, (1, 2)) for row in ROWS[:5]]
        for case_id in first[:3]:
            work_on(stubs, admin, case_id, (1, 2))
        articles = edit_articles(stubs, admin)

        # Killed without warning while letters, alerts, events and the
        # scheduled follow-ups are on their way.
        platform.kill("worker")
        platform.kill("followup-2")

        # The second half with what is left: one worker process, one followup.
        second = [file(stubs, admin, row, (1, 2)) for row in ROWS[5:]]
        for case_id in second[:3]:
            work_on(stubs, admin, case_id, (1,))
        case_ids = first + second
        worked = first[:3] + second[:3]

        # Every letter, once: the acknowledgement of every case, and the
        # progress update and the scheduled follow-up of those worked on.
        def letters() -> dict[str, list[EmailMessage]]:
            out: dict[str, list[EmailMessage]] = {c: [] for c in case_ids}
            for m in mail(platform):
                if m["X-Redress-Case"] in out:
                    out[m["X-Redress-Case"]].append(m)
            return out

        def all_arrived() -> dict[str, list[EmailMessage]] | None:
            got = letters()
            for case_id, messages in got.items():
                customer = [m for m in messages if m["X-Redress-Template"]]
                staff = [m for m in messages if not m["X-Redress-Template"]]
                assert len(customer) >= (3 if case_id in worked else 1), case_id
                assert len(staff) >= (2 if case_id in worked else 0), case_id
            return got

        got = eventually(all_arrived, timeout=240, interval=1.0)
        for case_id, messages in got.items():
            copies = Counter(str(m["X-Redress-Message"]) for m in messages)
            assert max(copies.values()) == 1, (case_id, copies)
            templates = Counter(
                str(m["X-Redress-Template"]).split("/")[0]
                for m in messages
                if m["X-Redress-Template"]
            )
            expected = {"acknowledgement": 1}
            if case_id in worked:
                expected["progress_update"] = 2  # sent by hand, and the scheduled one
            assert templates == expected, (case_id, templates)
            alerts = Counter(
                (str(m["To"]), str(m["Subject"])) for m in messages if not m["X-Redress-Template"]
            )
            assert max(alerts.values(), default=1) == 1, (case_id, alerts)
            if case_id in worked:
                assert {to for to, _ in alerts} == {"dana@bank.test", "lena@bank.test"}

        # The followup service records each message as sent, once.
        followup = followup_pb2_grpc.FollowupServiceStub(stubs.of("followup", 1))
        for case_id in worked:
            listed = followup.ListMessages(
                followup_pb2.ListMessagesRequest(case_id=case_id), metadata=admin, timeout=30
            ).messages
            assert len(listed) == len(got[case_id]), case_id
            assert all(m.state == followup_pb2.DELIVERY_STATE_SENT for m in listed), listed

        # Every webhook event reached the receiver once, none left behind.
        def delivered() -> list[followup_pb2.Delivery]:
            found = followup.ListDeliveries(
                followup_pb2.ListDeliveriesRequest(webhook_id=hook.webhook_id),
                metadata=admin,
                timeout=30,
            ).deliveries
            pending = [d for d in found if d.state != followup_pb2.DELIVERY_STATE_DELIVERED]
            assert not pending, pending
            return list(found)

        deliveries = eventually(delivered, timeout=180, interval=1.0)
        with receiver.lock:
            received = Counter(e["event_id"] for e in receiver.accepted)
        assert max(received.values()) == 1, [e for e, n in received.items() if n > 1]
        assert set(received) == {d.event_id for d in deliveries}
        for case_id in case_ids:
            assert any(e["event_type"] == "case.created" for e in receiver.for_case(case_id)), (
                case_id
            )
        assert receiver.bad_signatures == 0

        # One complaint workflow per case, one delivery workflow per message.
        complaints = temporal_list(platform, "WorkflowType='ComplaintWorkflow'")
        ids = Counter(w["execution"]["workflowId"] for w in complaints)
        assert len(ids) == len(case_ids) and max(ids.values()) == 1
        deliveries_run = temporal_list(platform, "WorkflowType='MessageDelivery'")
        runs = Counter(w["execution"]["workflowId"] for w in deliveries_run)
        assert max(runs.values()) == 1
        assert len(runs) == sum(len(m) for m in got.values())

        # Each digest schedule once, whatever the followup replicas did at start.
        assert sorted(schedules(platform)) == ["staff-digest-daily", "staff-digest-hourly"]

        # Each article in Meilisearch once, at its latest revision, found
        # through both replicas, and written no more often than it changed.
        for replica in (1, 2):
            kb = knowledge_pb2_grpc.KnowledgeServiceStub(stubs.of("knowledge", replica))
            eventually(
                lambda kb=kb: (
                    kb.GetIndexStatus(
                        knowledge_pb2.GetIndexStatusRequest(), metadata=admin, timeout=10
                    ).pending
                    == 0
                ),
                timeout=60,
            )
        for latest in articles:
            assert latest.revision == 4
            document = meilisearch(platform, f"/indexes/articles/documents/{latest.article_id}")
            assert document["revision"] == 4, document
            assert document["title_en"] == latest.title
        assert meilisearch(platform, "/indexes/articles/stats")["numberOfDocuments"] == ARTICLES
        for replica in (1, 2):
            found = (
                knowledge_pb2_grpc.KnowledgeServiceStub(stubs.of("knowledge", replica))
                .SearchArticles(
                    knowledge_pb2.SearchArticlesRequest(
                        query="Replica handbook", tags=["replicas"]
                    ),
                    metadata=admin,
                    timeout=30,
                )
                .hits
            )
            assert {h.article_id for h in found} >= {a.article_id for a in articles}
        tasks = meilisearch(
            platform, "/tasks?indexUids=articles&types=documentAdditionOrUpdate&limit=1000"
        )["results"]
        written = sum(t["details"]["receivedDocuments"] for t in tasks)
        assert written <= ARTICLES * 4, [t["details"] for t in tasks]

        # Nothing was left to a process that is gone: both killed processes'
        # work was finished by the others (checked above), and what is left
        # runs.
        assert all(p.running() for p in platform.processes.values())
    finally:
        stubs.close()
        receiver.stop()


def test_replicas_have_ports_and_logs_of_their_own(replicas: LocalPlatform) -> None:
    names = set(replicas.processes)
    assert {"cases-2", "intake-2", "knowledge-2", "worker-2"} <= names
    ports = [p for ports in replicas.replica_ports.values() for p in ports.values()]
    assert len(ports) == len(set(ports))
    assert not set(ports) & set(replicas.ports.all().values())
    for name in ("cases-2", "worker-2"):
        assert Path(replicas.supervisor.log_dir / f"{name}.log").exists()
