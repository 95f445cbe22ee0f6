"""Case events to the firm's webhooks: signed, posted, and dispatched in order per case.

Each (webhook, case) pair has one WebhookDispatchWorkflow that hands its
events over one at a time, so a receiver sees a case's events in the order
they happened; `WebhookDispatch` starts or wakes those workflows.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from prometheus_client import Counter
from temporalio.client import Client

from redress.db.tables.followup import Delivery
from services.followup.store import FollowupStore
from workflows.followup import Backoff, DispatchInput, WebhookDispatchWorkflow

WEBHOOK_ATTEMPTS = Counter(
    "redress_webhook_attempts_total", "Webhook delivery attempts by outcome", ["outcome"]
)
EVENT_SCHEMA = "redress.case-event/1"
# The case events a webhook can subscribe to.
EVENT_TYPES = (
    "case.created",
    "case.assigned",
    "case.priority_changed",
    "case.category_changed",
    "case.stage_changed",
    "case.escalated",
    "case.outcome_recorded",
    "case.resolved",
    "case.closed",
    "case.reopened",
    "clock.warning",
    "clock.breached",
    "customer.replied",
    "message.sent",
    "message.failed",
    "message.delivered",
    "message.bounced",
    "subtask.added",
    "subtask.overdue",
    "subtask.completed",
    "subtask.reminder",
    "case.notification_requested",
    "staff.alert",
)
# Dispatch workflows started or woken at once.
WAKE_CONCURRENCY = 16


class ReceiverRefused(Exception):
    """The receiver answered with a 4xx that says the request is wrong: retrying cannot help."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def post_event(url: str, secret: str, delivery: Delivery, timeout: float) -> str:
    body = json.dumps(
        {
            "schema": EVENT_SCHEMA,
            "event_id": delivery.event_id,
            "event_type": delivery.event_type,
            "case_id": delivery.case_id,
            "sequence": delivery.sequence,
            **delivery.payload,
        },
        sort_keys=True,
    ).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Redress-Webhooks/1",
            "X-Redress-Event": delivery.event_type,
            "X-Redress-Event-Id": delivery.event_id,
            "Idempotency-Key": delivery.event_id,
            "X-Redress-Delivery": delivery.delivery_id,
            "X-Redress-Timestamp": timestamp,
            "X-Redress-Signature": sign(secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as err:
        detail = f"HTTP {err.code}"
        if 400 <= err.code < 500 and err.code not in (408, 409, 425, 429):
            raise ReceiverRefused(detail) from err
        raise ConnectionError(detail) from err


class WebhookDispatch:
    """Starts, or wakes, the dispatch workflows that deliver case events."""

    def __init__(
        self, store: FollowupStore, client: Client, task_queue: str, backoff: Backoff
    ) -> None:
        self.store = store
        self.client = client
        self.task_queue = task_queue
        self.backoff = backoff

    async def wake(self, pairs: list[tuple[str, str]]) -> None:
        """Starts, or wakes, the dispatch workflow of each (webhook, case) pair.

        A few at a time: re-enabling a webhook after an outage can wake
        thousands of cases at once."""
        gate = asyncio.Semaphore(WAKE_CONCURRENCY)

        async def wake(webhook_id: str, case_id: str) -> None:
            async with gate:
                await self.client.start_workflow(
                    WebhookDispatchWorkflow.run,
                    DispatchInput(webhook_id, case_id, self.backoff),
                    id=f"webhook/{webhook_id}/{case_id}",
                    task_queue=self.task_queue,
                    start_signal="wake",
                )

        await asyncio.gather(*(wake(w, c) for w, c in pairs))

    async def wake_waiting(self, webhook_id: str = "") -> int:
        """Wakes the dispatch of every case with events waiting for `webhook_id`
        (empty: for every enabled webhook); how many (webhook, case) pairs."""
        pairs = await asyncio.to_thread(self.store.waiting_pairs, webhook_id)
        await self.wake(pairs)
        return len(pairs)
