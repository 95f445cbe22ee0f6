"""More processes, same guarantees: two worker processes and two replicas of
intake, cases, followup, knowledge and reporting against one PostgreSQL
database and one Temporal server.

The replicas of each service start at the same moment on a fresh database.
Real CFPB complaints are filed through both intake replicas at once (each
sent twice with its key, through both), assigned and written to through both
cases and followup replicas while the mail relay is away, scheduled
follow-up letters are set, and knowledge articles are created, published and
edited through both knowledge replicas (whose indexers drain one outbox).
Then a worker process and a followup replica are killed without warning and
the relay comes back. What users see is then checked: every letter reached
the mail server once, every staff alert once, a held alert in one digest
however often its schedule fires, every webhook event reached the receiver
once, every article is in Meilisearch once at its latest revision, written no
more often than it changed, and no schedule or workflow exists twice. A
scheduled report saved through both reporting replicas at once is one
schedule and one letter; a knowledge replica killed last leaves the outbox to
the other.
"""

from __future__ import annotations

import asyncio
import json
import mailbox
import subprocess
import time
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
from redress.common.v1 import common_pb2
from redress.db.migrate import upgrade
from redress.devstack import binaries
from redress.devstack.platform import LocalPlatform, Ports
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.intake.v1 import intake_pb2_grpc
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.knowledge.indexer import Indexer, SearchIndex
from services.knowledge.store import KnowledgeStore
from tests.conftest import bearer, cfpb_rows, eventually, followup_env, fresh_postgres_database
from tests.e2e.test_submit_end_to_end import complaint, temporal_list
from tests.followup_support import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(900)]

ROWS = cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 10)
REPLICATED = ("cases", "intake", "followup", "knowledge", "reporting")
ARTICLES = 6
# Edits of each article after it is created and published.
EDITS = 6
REVISIONS = 2 + EDITS
# Every process but the one being checked: searches by meaning are not what
# this test is about, and loading the model twice costs a minute here.
EVERY = {"REDRESS_KNOWLEDGE_SEMANTIC": "0"}


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    """The platform with a second process of each replicated service and of
    the worker, all on a PostgreSQL database of their own, made for them."""
    with fresh_postgres_database() as url:
        local = LocalPlatform(tmp_path_factory.mktemp("replicas"), Ports.free(), database_url=url)
        try:
            local.start_temporal(persist=False, ui=False)
            local.start_meilisearch()
            local.start_mail()
            # Both replicas of a service start at the same moment, as an
            # orchestrator starts them: on a fresh database, the two of cases
            # migrate it, the two of followup install the shipped letters and
            # the digest schedules, the two of knowledge make the search index.
            for name in REPLICATED:
                extra = {**EVERY, **(followup_env(local) if name == "followup" else {})}
                with ThreadPoolExecutor(2) as pool:
                    started = [pool.submit(local.start_service, name, extra, r) for r in (1, 2)]
                    for future in started:
                        future.result()
            with ThreadPoolExecutor(2) as pool:
                for future in [pool.submit(local.start_worker, EVERY, r) for r in (1, 2)]:
                    future.result()
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


def trigger(platform: LocalPlatform, schedule_id: str) -> None:
    subprocess.run(
        [
            str(binaries.temporal_cli()),
            "schedule",
            "trigger",
            "--address",
            f"127.0.0.1:{platform.ports.temporal}",
            "--schedule-id",
            schedule_id,
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )


def file_all(stubs: Stubs, admin: Any, rows: list[dict[str, str]]) -> list[str]:
    """Files the rows at once, each sent twice with its idempotency key,
    through both intake replicas at the same moment: one case each."""

    def submit(row: dict[str, str], replica: int, key: str) -> str:
        request = complaint(row, key=key)
        request.customer.email = f"customer-{row['Complaint ID']}@example.com"
        stub = intake_pb2_grpc.IntakeServiceStub(stubs.of("intake", replica))
        return str(stub.SubmitComplaint(request, metadata=admin, timeout=60).case_id)

    keys = [f"replicas-{uuid.uuid4()}" for _ in rows]
    with ThreadPoolExecutor(4) as pool:
        both = [
            [pool.submit(submit, row, replica, key) for replica in (1, 2)]
            for row, key in zip(rows, keys, strict=True)
        ]
        case_ids = [{f.result() for f in pair} for pair in both]
    assert all(len(ids) == 1 for ids in case_ids), case_ids
    return [ids.pop() for ids in case_ids]


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
    """Creates, publishes and edits each article EDITS times, in rounds: in
    each round every article changes at once, half of them through each
    replica, so that both replicas' indexers are woken to drain the same
    outbox at the same moments."""

    def kb(n: int, step: int) -> knowledge_pb2_grpc.KnowledgeServiceStub:
        return knowledge_pb2_grpc.KnowledgeServiceStub(stubs.of("knowledge", 1 + (n + step) % 2))

    def create(n: int) -> knowledge_pb2.Article:
        request = knowledge_pb2.CreateArticleRequest(article=article(n))
        return kb(n, 0).CreateArticle(request, metadata=admin, timeout=30).article

    def publish(n: int, made: knowledge_pb2.Article) -> knowledge_pb2.Article:
        request = knowledge_pb2.PublishArticleRequest(article_id=made.article_id)
        return kb(n, 1).PublishArticle(request, metadata=admin, timeout=30).article

    def edit(n: int, current: knowledge_pb2.Article, edition: int) -> knowledge_pb2.Article:
        changed = knowledge_pb2.Article()
        changed.CopyFrom(current)
        changed.body = f"{current.body} Edit {edition}."
        changed.title = f"Replica handbook {n}: disputed card charges, edition {edition}"
        request = knowledge_pb2.UpdateArticleRequest(article=changed)
        return kb(n, edition).UpdateArticle(request, metadata=admin, timeout=30).article

    with ThreadPoolExecutor(ARTICLES) as pool:
        numbers = range(ARTICLES)
        current = list(pool.map(create, numbers))
        current = list(pool.map(publish, numbers, current))
        for edition in range(2, EDITS + 2):
            # A moment between rounds, for the indexers to start draining.
            time.sleep(0.5)
            current = list(pool.map(edit, numbers, current, [edition] * ARTICLES))
    return current


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
        # The first half with everything running, while the mail relay is
        # away: letters and alerts wait, retrying, on both followup replicas.
        first = file_all(stubs, admin, ROWS[:5])
        platform.supervisor.stop(platform.processes.pop("mail"))
        for case_id in first[:3]:
            work_on(stubs, admin, case_id, (1, 2))
        articles = edit_articles(stubs, admin)

        # Killed without warning while letters, alerts, events and the
        # scheduled follow-ups are on their way; then the relay is back.
        platform.kill("worker")
        platform.kill("followup-2")
        platform.start_mail()

        # The second half with what is left: one worker process, one followup.
        second = file_all(stubs, admin, ROWS[5:])
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
                if case_id in worked:
                    # Waits for the very alerts asserted below: the unowned
                    # ladder's alerts may arrive first and must not stand in
                    # for them in a count.
                    alerted = {str(m["To"]) for m in staff}
                    assert {"dana@bank.test", "lena@bank.test"} <= alerted, (case_id, alerted)
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
                # The assignment alerts the assignee and the team's lead (an
                # urgent or high-priority case may also have alerted up its
                # unowned ladder before it was assigned), each once.
                assert {"dana@bank.test", "lena@bank.test"} <= {to for to, _ in alerts}

        # The followup service records each message as sent, once.
        followup = followup_pb2_grpc.FollowupServiceStub(stubs.of("followup", 1))
        waited = 0
        for case_id in worked:
            # Compared with the mailbox as it stands once they are listed: an
            # alert up the unowned ladder may still have been on its way when
            # the letters above were first all there.
            def listed_and_arrived(case_id: str = case_id) -> Any:
                listed = followup.ListMessages(
                    followup_pb2.ListMessagesRequest(case_id=case_id), metadata=admin, timeout=30
                ).messages
                arrived = [str(m["X-Redress-Message"]) for m in letters()[case_id]]
                return sorted(m.message_id for m in listed) == sorted(arrived) and listed

            listed = eventually(listed_and_arrived, timeout=60, interval=1.0)
            assert all(m.state == followup_pb2.DELIVERY_STATE_SENT for m in listed), listed
            waited += sum(1 for m in listed if not m.attempts[0].succeeded)
        # Some of them were waiting out the relay's absence when the
        # processes were killed, and were finished by the others.
        assert waited

        # Every webhook event reached the receiver once, none left behind.
        def delivered() -> list[followup_pb2.Delivery]:
            found: list[followup_pb2.Delivery] = []
            token = ""
            while True:
                page = followup.ListDeliveries(
                    followup_pb2.ListDeliveriesRequest(
                        webhook_id=hook.webhook_id,
                        page=common_pb2.PageRequest(page_size=100, page_token=token),
                    ),
                    metadata=admin,
                    timeout=30,
                )
                found += page.deliveries
                token = page.page.next_page_token
                if not token:
                    break
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

        # Compared with the mailbox as it stands once they are listed, for the
        # same reason as the followup service's list above.
        def one_run_per_arrived_message() -> bool:
            deliveries_run = temporal_list(platform, "WorkflowType='MessageDelivery'")
            runs = Counter(w["execution"]["workflowId"] for w in deliveries_run)
            assert max(runs.values()) == 1, runs
            arrived = Counter(
                f"message/{m['X-Redress-Message']}" for ms in letters().values() for m in ms
            )
            assert runs == arrived, (runs - arrived, arrived - runs)
            return True

        eventually(one_run_per_arrived_message, timeout=60, interval=1.0)

        # Each schedule once (the digests the followup replicas keep, the
        # absence sweep the workers keep), whatever they all did at start.
        assert sorted(schedules(platform)) == [
            "reroute-absent",
            "staff-digest-daily",
            "staff-digest-hourly",
        ]

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
            assert latest.revision == REVISIONS
            document = meilisearch(platform, f"/indexes/articles/documents/{latest.article_id}")
            assert document["revision"] == REVISIONS, document
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
        assert written <= ARTICLES * REVISIONS, [t["details"] for t in tasks]

        # An alert held for a digest goes out in one digest, however often
        # its schedule fires: ravi reads his alerts hourly.
        digest_case = second[-1]
        cases_pb2_grpc.CasesServiceStub(stubs.of("cases", 2)).AssignCase(
            cases_pb2.AssignCaseRequest(case_id=digest_case, assignee="ravi"),
            metadata=admin,
            timeout=60,
        )

        def held() -> list[followup_pb2.Message]:
            return [
                m
                for m in followup.ListMessages(
                    followup_pb2.ListMessagesRequest(case_id=digest_case),
                    metadata=admin,
                    timeout=30,
                ).messages
                if m.state == followup_pb2.DELIVERY_STATE_HELD
            ]

        (alert,) = eventually(held, timeout=120, interval=1.0)
        for _ in range(2):
            trigger(platform, "staff-digest-hourly")

        def digests() -> list[EmailMessage]:
            found = [
                m
                for m in mail(platform)
                if m["To"] == "ravi@bank.test" and "hourly digest" in str(m["Subject"])
            ]
            runs = temporal_list(platform, "WorkflowType='StaffDigest'")
            assert runs and all(r["status"] != "WORKFLOW_EXECUTION_STATUS_RUNNING" for r in runs)
            return found

        (digest,) = eventually(digests, timeout=120, interval=1.0)
        assert alert.subject.removeprefix("[Redress] ") in digest.get_content()
        assert not held()

        # A scheduled report saved through both reporting replicas at the
        # same moment: two versions, one schedule, one letter when it fires.
        report = reporting_pb2.ReportDefinition(
            name="replicas-volume",
            title="Complaints received per month",
            kind=reporting_pb2.REPORT_KIND_TRENDS,
            period=reporting_pb2.RELATIVE_PERIOD_LAST_30_DAYS,
            granularity=reporting_pb2.GRANULARITY_MONTH,
            schedule="0 8 * * 1",
            email_to=["board@bank.test"],
        )

        def save(replica: int) -> int:
            stub = reporting_pb2_grpc.ReportingServiceStub(stubs.of("reporting", replica))
            request = reporting_pb2.SaveReportRequest(definition=report)
            return int(stub.SaveReport(request, metadata=admin, timeout=60).definition.version)

        with ThreadPoolExecutor(2) as pool:
            assert sorted(pool.map(save, (1, 2))) == [1, 2]
        assert schedules(platform).count("report-replicas-volume") == 1
        trigger(platform, "report-replicas-volume")

        def reports() -> list[EmailMessage]:
            found = [
                m
                for m in mail(platform)
                if str(m["X-Redress-Report"] or "").startswith("replicas-volume/")
            ]
            runs = temporal_list(platform, "WorkflowType='ReportDelivery'")
            assert runs and all(r["status"] != "WORKFLOW_EXECUTION_STATUS_RUNNING" for r in runs)
            return found

        (sent,) = eventually(reports, timeout=120, interval=1.0)
        assert sent["To"] == "board@bank.test"

        # A knowledge replica killed, perhaps at its turn on the outbox: the
        # other drains what comes after.
        platform.kill("knowledge-2")
        changed = knowledge_pb2.Article()
        changed.CopyFrom(articles[0])
        changed.body += " Edit after a replica was lost."
        kb = knowledge_pb2_grpc.KnowledgeServiceStub(stubs.of("knowledge", 1))
        kb.UpdateArticle(knowledge_pb2.UpdateArticleRequest(article=changed), metadata=admin)
        eventually(
            lambda: (
                meilisearch(platform, f"/indexes/articles/documents/{changed.article_id}")[
                    "revision"
                ]
                == REVISIONS + 1
            ),
            timeout=60,
        )

        # Nothing was left to a process that is gone: both killed processes'
        # work was finished by the others (checked above), and what is left
        # runs.
        assert all(p.running() for p in platform.processes.values())
    finally:
        stubs.close()
        receiver.stop()


def test_replicas_have_ports_and_logs_of_their_own(replicas: LocalPlatform) -> None:
    names = {f"{name}-2" for name in REPLICATED} | {"worker-2"}
    assert set(replicas.replica_ports) == names
    assert {"cases-2", "intake-2", "reporting-2"} <= set(replicas.processes)
    ports = [p for ports in replicas.replica_ports.values() for p in ports.values()]
    assert len(ports) == len(set(ports))
    assert not set(ports) & set(replicas.ports.all().values())
    for name in names:
        assert Path(replicas.supervisor.log_dir / f"{name}.log").exists()


class RecordingIndex(SearchIndex):
    """The real index, noting each (article, revision) it is given to write."""

    def __init__(self, connect: Any, uid: str, written: list[tuple[str, int]]) -> None:
        super().__init__(connect, uid)
        self.written = written

    def write(self, documents: list[dict[str, Any]], uid: str | None = None) -> None:
        self.written += [(d["article_id"], d["revision"]) for d in documents]
        super().write(documents, uid)


def test_indexers_of_two_replicas_drain_one_outbox_each_change_once(
    replicas: LocalPlatform,
) -> None:
    """Two replicas' indexers woken by the same changes at the same moment:
    one drains them, the other leaves them to it, and the index ends at each
    article's latest revision."""
    with fresh_postgres_database() as url:
        upgrade(url)
        stores = [KnowledgeStore(url), KnowledgeStore(url)]
        written: list[tuple[str, int]] = []
        uid = f"turns_{uuid.uuid4().hex[:8]}"

        def connect() -> Any:
            import meilisearch as meili

            return meili.Client(
                f"http://127.0.0.1:{replicas.ports.meilisearch}",
                replicas.credentials.meilisearch_key,
            )

        indexers = [Indexer(store, RecordingIndex(connect, uid, written)) for store in stores]
        indexers[0].index.ensure()
        try:

            async def rounds() -> None:
                ids = []
                for n in range(ARTICLES):
                    made, _ = stores[n % 2].create_article(
                        {
                            "title": f"Turns {n}",
                            "body": "Step one.",
                            "summary": "",
                            "language": "en",
                            "audience": "internal",
                            "category": "handling",
                            "products": [],
                            "tags": [],
                            "media_ids": [],
                        },
                        "tester",
                    )
                    ids.append(made.article_id)
                for edition in range(2, 6):
                    await asyncio.gather(*(indexer.drain_once() for indexer in indexers))
                    for n, article_id in enumerate(ids):
                        stores[n % 2].update_article(
                            article_id, edition - 1, {"title": f"Turns {n} ed. {edition}"}, "t"
                        )
                while any(await asyncio.gather(*(i.drain_once() for i in indexers))):
                    pass
                while stores[0].backlog().pending:
                    await asyncio.gather(*(indexer.drain_once() for indexer in indexers))

            asyncio.run(rounds())
            copies = Counter(written)
            assert max(copies.values()) == 1, [w for w, n in copies.items() if n > 1]
            index = indexers[0].index
            assert index.count() == ARTICLES
            for document in index.client.index(uid).get_documents({"limit": 100}).results:
                assert document.revision == 5, document
        finally:
            indexers[0].index.drop(uid)
            for store in stores:
                store.close()


def test_saves_of_one_report_at_the_same_moment_each_become_a_version() -> None:
    """As two reporting replicas (or two administrators) saving it at once."""
    from services.reporting.store import ReportingStore, SavedReports

    with fresh_postgres_database() as url:
        upgrade(url)
        stores = [ReportingStore(url) for _ in range(4)]
        definition = reporting_pb2.ReportDefinition(
            name="same-moment",
            title="Complaints received per month",
            kind=reporting_pb2.REPORT_KIND_TRENDS,
            period=reporting_pb2.RELATIVE_PERIOD_LAST_30_DAYS,
            granularity=reporting_pb2.GRANULARITY_MONTH,
        )
        try:
            with ThreadPoolExecutor(8) as pool:
                versions = list(
                    pool.map(
                        lambda n: (
                            SavedReports(stores[n % 4]).save(definition, f"admin-{n}").version
                        ),
                        range(16),
                    )
                )
            assert sorted(versions) == list(range(1, 17))
        finally:
            for store in stores:
                store.close()
