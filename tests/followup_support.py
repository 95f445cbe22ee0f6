"""The follow-up side for tests that run their own complaint worker.

A complaint workflow hands its letters and case events to the follow-up task
queue; tests that run workflows in a time-skipping server run the real
follow-up activities and delivery workflows beside them, against the test's
services/cases and a real SMTP server on loopback.
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from typing import Any

import grpc
from aiosmtpd.controller import Controller
from temporalio.client import Client
from temporalio.worker import Worker

from redress.cases.v1 import cases_pb2_grpc
from redress.devstack.platform import LocalPlatform
from redress.devstack.processes import free_port
from services.followup.context import Firm
from services.followup.delivery import (
    DeliverySettings,
    FollowupActivities,
    Messenger,
    SmtpSettings,
)
from services.followup.store import FollowupStore
from workflows.followup import Backoff, MessageDeliveryWorkflow, WebhookDispatchWorkflow
from workflows.sandbox import workflow_runner

FIRM = Firm("Redress Test Bank", "complaints@bank.test", "+44 20 7946 0999", "", "{case_id}")


class Inbox:
    """A real SMTP server on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
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
)


@asynccontextmanager
async def followup_worker(
    client: Client, task_queue: str, platform: LocalPlatform, smtp_port: int
) -> AsyncIterator[FollowupStore]:
    """Runs the follow-up queue of `task_queue` for the duration of the block."""
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
    )
    activities = FollowupActivities(store, messenger, smtp_for(smtp_port), FIRM, QUICK)
    try:
        async with Worker(
            client,
            task_queue=queue,
            workflows=[MessageDeliveryWorkflow, WebhookDispatchWorkflow],
            activities=activities.all(),
            workflow_runner=workflow_runner(),
        ):
            yield store
    finally:
        await channel.close()
        store.close()
