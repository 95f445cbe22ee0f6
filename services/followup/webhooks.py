"""Case events to the firm's webhooks: signed, posted, and dispatched in order per case.

Each (webhook, case) pair has one WebhookDispatchWorkflow that hands its
events over one at a time, so a receiver sees a case's events in the order
they happened; `WebhookDispatch` starts or wakes those workflows.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
import urllib.parse
from typing import Any

from prometheus_client import Counter
from temporalio.client import Client

from redress.db.tables.followup import Delivery
from services.followup.store import FollowupStore
from services.followup.targets import Network, checked_addresses
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
    "case.type_changed",
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


# What the delivery log says when no HTTP answer came: one text for a refused
# connection, a timeout, a reset or a failed TLS handshake, so that the log of
# a webhook does not tell which ports of a network are open.
NO_ANSWER = "no HTTP answer (connection failed, timed out or TLS failed)"


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever DNS says by now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As _PinnedHTTP, with TLS checked against the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post_event(
    url: str,
    secret: str,
    delivery: Delivery,
    timeout: float,
    allowed_networks: tuple[Network, ...] = (),
    case: dict[str, Any] | None = None,
) -> str:
    """Posts one event; "HTTP <status>" when the receiver took it.

    TargetRefused when the host resolves to an address webhooks may not reach,
    ReceiverRefused for an answer that retrying cannot change (4xx, and 3xx:
    redirects are not followed), ConnectionError otherwise. Error texts hold the
    HTTP status at most, never the receiver's body or the socket's error.
    `case` is the case's fields the webhook asked for (event_case.py)."""
    event: dict[str, Any] = {
        "schema": EVENT_SCHEMA,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "case_id": delivery.case_id,
        "sequence": delivery.sequence,
        **delivery.payload,
    }
    if case is not None:
        event["case"] = case
    body = json.dumps(event, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Redress-Webhooks/1",
        "X-Redress-Event": delivery.event_type,
        "X-Redress-Event-Id": delivery.event_id,
        "Idempotency-Key": delivery.event_id,
        "X-Redress-Delivery": delivery.delivery_id,
        "X-Redress-Timestamp": timestamp,
        "X-Redress-Signature": sign(secret, timestamp, body),
    }
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        addresses = checked_addresses(host, port, allowed_networks)
    except (OSError, UnicodeError) as err:  # the name does not resolve (now)
        raise ConnectionError(NO_ANSWER) from err
    status = 0
    for address in addresses:
        kind = _PinnedHTTPS if tls else _PinnedHTTP
        connection = kind(host, port, str(address), timeout)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            status = response.status
            response.read(64 * 1024)  # the body is the receiver's business, not the log's
            break
        except (OSError, http.client.HTTPException):
            continue
        finally:
            connection.close()
    if not status:
        raise ConnectionError(NO_ANSWER)
    detail = f"HTTP {status}"
    if 200 <= status < 300:
        return detail
    if 300 <= status < 400:
        raise ReceiverRefused(f"{detail} (redirects are not followed)")
    if 400 <= status < 500 and status not in (408, 409, 425, 429):
        raise ReceiverRefused(detail)
    raise ConnectionError(detail)


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
