"""A webhook whose deliveries keep being given up is disabled once, with the
count of deliveries given up in a row that it really had when it was disabled,
and its administrators are alerted once, even when the worker giving up the
delivery stopped half-way and the give-up is done again."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from redress.cases.v1 import cases_pb2_grpc
from redress.db.migrate import upgrade
from services.followup.activities import FollowupActivities
from services.followup.messenger import Messenger
from services.followup.store import CaseEvent, FollowupStore, message_id_for
from tests.followup_support import FIRM, QUICK, smtp_for
from tests.temporal_support import time_skipping


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FollowupStore]:
    url = f"sqlite:///{tmp_path / 'redress.db'}"
    upgrade(url)
    store = FollowupStore(url)
    store.install_shipped()
    try:
        yield store
    finally:
        store.close()


def reason(count: int) -> str:
    return f"disabled after {count} deliveries in a row were given up"


def test_deliveries_given_up_at_once_disable_the_webhook_once_with_the_true_count(
    store: FollowupStore,
) -> None:
    hook = store.create_webhook(
        "CRM", "https://crm.bank.test/hook", "a-secret-of-16+chars", ["case.created"], "admin"
    )
    events = [CaseEvent(f"E-{n}", "case.created", f"C-{n}", 1, {}) for n in range(6)]
    store.enqueue_events(events)
    deliveries = [store.next_delivery(hook.webhook_id, e.case_id) for e in events]
    assert all(deliveries)

    # One failure is below the threshold of two: nothing is disabled.
    first = deliveries[0]
    assert first is not None
    store.record_delivery_attempt(first.delivery_id, False, "given up", "failed")
    assert store.disable_failing_webhook(hook.webhook_id, 2, reason, "D-test") is None

    # Two more given up before either disables it (the one that saw two
    # is slower): the reason says three, as the webhook then had.
    for delivery in deliveries[1:3]:
        assert delivery is not None
        store.record_delivery_attempt(delivery.delivery_id, False, "given up", "failed")
    assert store.disable_failing_webhook(hook.webhook_id, 2, reason, "D-test") == reason(3)
    store.set_webhook_enabled(hook.webhook_id, True, "")

    # Enabled again (its count back to none), three more are given up by
    # three callers at once, each then trying to disable it, as three
    # delivery workflows do: one disables it, and one alert is sent.
    barrier = threading.Barrier(3)
    outcomes: list[str | None] = []

    def give_up(delivery_id: str) -> None:
        barrier.wait()
        store.record_delivery_attempt(delivery_id, False, "given up", "failed")
        outcomes.append(store.disable_failing_webhook(hook.webhook_id, 2, reason, delivery_id))

    threads = [
        threading.Thread(target=give_up, args=(d.delivery_id,))
        for d in deliveries[3:]
        if d is not None
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    disabled = [o for o in outcomes if o is not None]
    assert len(disabled) == 1, outcomes
    stored = store.get_webhook(hook.webhook_id)
    assert stored is not None and not stored.enabled
    assert stored.disabled_reason == disabled[0]
    assert stored.disabled_by_delivery in {d.delivery_id for d in deliveries[3:] if d}
    # The count it names is the one the webhook had when it was disabled:
    # at least the threshold, at most every delivery given up by then.
    count = int(disabled[0].split()[2])
    assert 2 <= count <= 3
    assert store.disable_failing_webhook(hook.webhook_id, 2, reason, "D-test") is None


ADMINS = "integrations@bank.test"


async def test_a_give_up_done_again_after_the_worker_stopped_disables_and_alerts_once(
    store: FollowupStore,
) -> None:
    env = await time_skipping()
    settings = dataclasses.replace(QUICK, webhook_disable_after=2, admin_alerts_to=ADMINS)
    channel = grpc.aio.insecure_channel("127.0.0.1:9")  # never called: alerts name no case
    messenger = Messenger(
        store,
        cases_pb2_grpc.CasesServiceStub(channel),
        "unused-key",
        FIRM,
        env.client,
        "redress-followup",
        settings,
    )
    activities = FollowupActivities(store, messenger, smtp_for(9), FIRM, settings)
    alert = messenger.queue_staff_alert
    stops: list[str] = []

    async def stopping_once(**fields: Any) -> Any:
        # The worker stops after the webhook was disabled, before the alert.
        if not stops:
            stops.append(fields["idempotency_key"])
            raise ConnectionError("the worker stopped")
        return await alert(**fields)

    messenger.queue_staff_alert = stopping_once  # type: ignore[method-assign]
    try:
        hook = store.create_webhook(
            "CRM", "https://crm.bank.test/hook", "a-secret-of-16+chars", ["case.created"], "admin"
        )
        store.enqueue_events(
            [CaseEvent(f"E-{n}", "case.created", f"C-{n}", 1, {}) for n in range(3)]
        )
        first, second, third = (store.next_delivery(hook.webhook_id, f"C-{n}") for n in range(3))
        assert first and second and third
        for delivery in (first, second, third):
            store.record_delivery_attempt(delivery.delivery_id, False, "HTTP 503", "retrying")

        await activities.give_up_delivery(first.delivery_id)
        with pytest.raises(ConnectionError):
            await activities.give_up_delivery(second.delivery_id)
        disabled = store.get_webhook(hook.webhook_id)
        assert disabled is not None and not disabled.enabled
        assert disabled.disabled_reason == (
            "disabled after 2 deliveries in a row were given up; last: HTTP 503"
        )
        key = f"webhook-disabled/{hook.webhook_id}/{second.delivery_id}"
        assert store.get_message(message_id_for(key)) is None

        # Done again: the delivery is not given up twice, the alert goes.
        await activities.give_up_delivery(second.delivery_id)
        again = store.get_delivery(second.delivery_id)
        assert again is not None and again.state == "failed"
        assert [a["detail"] for a in again.attempts] == [
            "HTTP 503",
            "given up after 1 attempts; last: HTTP 503",
        ]
        sent = store.get_message(message_id_for(key))
        assert sent is not None and sent.recipient == ADMINS
        assert "disabled after 2 deliveries in a row were given up" in sent.body_text
        # And again, or a third delivery given up after it: still one alert.
        await activities.give_up_delivery(second.delivery_id)
        await activities.give_up_delivery(third.delivery_id)
        assert (
            store.get_message(
                message_id_for(f"webhook-disabled/{hook.webhook_id}/{third.delivery_id}")
            )
            is None
        )
        assert store.get_webhook(hook.webhook_id).failures_in_a_row == 3  # type: ignore[union-attr]

        # Enabled again; a give-up that stopped after it was recorded, before
        # the webhook was disabled: done again, it disables it and alerts.
        store.set_webhook_enabled(hook.webhook_id, True, "")
        store.enqueue_events(
            [CaseEvent(f"F-{n}", "case.created", f"D-{n}", 1, {}) for n in range(2)]
        )
        fourth, fifth = (store.next_delivery(hook.webhook_id, f"D-{n}") for n in range(2))
        assert fourth and fifth
        for delivery in (fourth, fifth):
            store.record_delivery_attempt(delivery.delivery_id, False, "HTTP 500", "retrying")
        await activities.give_up_delivery(fourth.delivery_id)
        store.record_delivery_attempt(
            fifth.delivery_id, False, "given up after 1 attempts; last: HTTP 500", "failed"
        )
        await activities.give_up_delivery(fifth.delivery_id)
        disabled = store.get_webhook(hook.webhook_id)
        assert disabled is not None and not disabled.enabled
        assert disabled.disabled_reason == (
            "disabled after 2 deliveries in a row were given up; last: HTTP 500"
        )
        assert store.get_message(
            message_id_for(f"webhook-disabled/{hook.webhook_id}/{fifth.delivery_id}")
        )
    finally:
        await channel.close()
        await env.shutdown()
