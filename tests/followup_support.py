"""The follow-up side for tests that run their own complaint worker.

A complaint workflow hands its letters and case events to the follow-up task
queue; tests that run workflows in a time-skipping server run the real
follow-up activities and delivery workflows beside them, against the test's
services/cases and a real SMTP server on loopback.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
import ssl
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from temporalio.client import Client
from temporalio.worker import Worker

from redress.cases.v1 import cases_pb2_grpc
from redress.devstack.platform import LocalPlatform
from redress.devstack.processes import free_port
from redress.platform.mail import SmtpSettings
from redress.platform.staff import StaffDirectory
from services.followup.activities import FollowupActivities
from services.followup.context import Firm
from services.followup.messenger import Messenger
from services.followup.settings import DeliverySettings
from services.followup.store import FollowupStore
from services.followup.targets import parse_networks
from services.knowledge.activities import KnowledgeActivities
from services.knowledge.blobs import DiskBlobStore
from services.knowledge.indexer import Indexer, SearchIndex
from services.knowledge.servicer import KnowledgeServicer
from services.knowledge.store import KnowledgeStore
from tests.conftest import meilisearch_client
from workflows.followup import Backoff, MessageDeliveryWorkflow, WebhookDispatchWorkflow
from workflows.sandbox import workflow_runner

FIRM = Firm("Redress Test Bank", "complaints@bank.test", "+44 20 7946 0999", "", "{case_id}")


@dataclass(frozen=True)
class Arrival:
    """How a message reached the Inbox: over TLS or not, and whose login."""

    over_tls: bool
    login: str


class Inbox:
    """A real SMTP server on 127.0.0.1 that keeps every message it accepts.

    With `tls`, it offers STARTTLS and takes nothing before it; with
    `logins` (user: password), it takes mail only after AUTH with one of
    them, and only over TLS. With `refuse`, it answers every recipient with
    that line, e.g. "550 5.1.1 No such mailbox".
    """

    def __init__(
        self,
        tls: ssl.SSLContext | None = None,
        logins: dict[str, str] | None = None,
        refuse: str = "",
    ) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.arrivals: list[Arrival] = []
        self.logins = logins or {}
        self.refuse = refuse
        self.lock = threading.Lock()
        options: dict[str, Any] = {}
        if tls is not None:
            options.update(tls_context=tls, require_starttls=True)
        if logins is not None:
            options.update(authenticator=self._authenticate, auth_required=True)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        return AuthResult(
            success=self.logins.get(user) == password, handled=False, auth_data=auth_data
        )

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        login = session.login_data.decode() if session.login_data else ""
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.arrivals.append(Arrival(session.ssl is not None, login))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def for_case(self, case_id: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["X-Redress-Case"] == case_id]


def smtp_for(port: int) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", port, "none", "", "", "complaints@bank.test", 10.0, "")


QUICK = DeliverySettings(
    message_backoff=Backoff(max_attempts=3, initial_seconds=0.5, max_seconds=2.0),
    webhook_backoff=Backoff(max_attempts=3, initial_seconds=0.5, max_seconds=2.0),
    webhook_disable_after=3,
    admin_alerts_to="",
    webhook_timeout_seconds=5.0,
    # The receivers below listen on loopback: allowed here, as an administrator would.
    webhook_allowed_networks=parse_networks("127.0.0.0/8,::1/128"),
)


@asynccontextmanager
async def followup_worker(
    client: Client,
    task_queue: str,
    platform: LocalPlatform,
    smtp_port: int,
    staff: StaffDirectory | None = None,
) -> AsyncIterator[FollowupStore]:
    """Runs the follow-up queue of `task_queue` for the duration of the block
    (staff alerts addressed through `staff`, when given)."""
    async with followup_messenger(
        client, task_queue, platform, smtp_for(smtp_port), staff
    ) as messenger:
        yield messenger.store


@asynccontextmanager
async def followup_messenger(
    client: Client,
    task_queue: str,
    platform: LocalPlatform,
    smtp: SmtpSettings,
    staff: StaffDirectory | None = None,
) -> AsyncIterator[Messenger]:
    """Runs the follow-up queue of `task_queue`, sending email with `smtp`,
    for the duration of the block; the block queues messages with the
    Messenger it is given."""
    store = FollowupStore(platform.database_url)
    store.install_shipped()
    channel = grpc.aio.insecure_channel(platform.address("cases"))
    queue = f"{task_queue}-followup"
    messenger = Messenger(
        store,
        cases_pb2_grpc.CasesServiceStub(channel),
        platform.credentials.service_key,
        FIRM,
        client,
        queue,
        QUICK,
        staff,
    )
    activities = FollowupActivities(store, messenger, smtp, FIRM, QUICK)
    try:
        async with Worker(
            client,
            task_queue=queue,
            workflows=[MessageDeliveryWorkflow, WebhookDispatchWorkflow],
            activities=activities.all(),
            workflow_runner=workflow_runner(),
        ):
            yield messenger
    finally:
        await channel.close()
        store.close()


@asynccontextmanager
async def knowledge_worker(
    client: Client, task_queue: str, platform: LocalPlatform
) -> AsyncIterator[KnowledgeStore]:
    """Runs the knowledge queue of `task_queue` (suggestions for new cases)
    against the platform's Meilisearch, for the duration of the block."""
    store = KnowledgeStore(platform.database_url)
    index = SearchIndex(
        lambda: meilisearch_client(platform),
        "articles",
    )
    await asyncio.to_thread(index.ensure)
    channel = grpc.aio.insecure_channel(platform.address("cases"))
    servicer = KnowledgeServicer(
        store,
        index,
        Indexer(store, index),
        DiskBlobStore(platform.data_dir / "media"),
        cases_pb2_grpc.CasesServiceStub(channel),
        platform.credentials.service_key,
        1024 * 1024,
    )
    try:
        async with Worker(
            client,
            task_queue=f"{task_queue}-knowledge",
            activities=[KnowledgeActivities(servicer, store).suggest_for_case],
        ):
            yield store
    finally:
        await channel.close()
        store.close()


class Receiver:
    """A webhook receiver on loopback: checks signatures, counts events by
    idempotency key, and answers 503 to the first try of every third event."""

    def __init__(self, secret: str, always_fail: bool = False, port: int = 0) -> None:
        self.secret = secret
        self.always_fail = always_fail
        self.accepted: list[dict[str, Any]] = []
        self.tries: dict[str, int] = {}
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Redress-Timestamp"]
                expected = (
                    "v1="
                    + hmac.new(
                        receiver.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
                    ).hexdigest()
                )
                key = self.headers["Idempotency-Key"]
                with receiver.lock:
                    if not hmac.compare_digest(expected, self.headers["X-Redress-Signature"]):
                        receiver.bad_signatures += 1
                        self.send_response(401)
                        self.end_headers()
                        return
                    tries = receiver.tries[key] = receiver.tries.get(key, 0) + 1
                    fail = receiver.always_fail or (len(receiver.tries) % 3 == 0 and tries == 1)
                    if not fail and tries >= 1:
                        receiver.accepted.append(json.loads(body))
                self.send_response(503 if fail else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/redress"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def for_case(self, case_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.accepted if e["case_id"] == case_id]
