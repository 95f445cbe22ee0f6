"""A webhook whose deliveries keep being given up is disabled once, with the
count of deliveries given up in a row that it really had when it was disabled."""

from __future__ import annotations

import threading
from pathlib import Path

from redress.db.migrate import upgrade
from services.followup.store import CaseEvent, FollowupStore


def reason(count: int) -> str:
    return f"disabled after {count} deliveries in a row were given up"


def test_deliveries_given_up_at_once_disable_the_webhook_once_with_the_true_count(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'redress.db'}"
    upgrade(url)
    store = FollowupStore(url)
    try:
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
        assert store.disable_failing_webhook(hook.webhook_id, 2, reason) is None

        # Two more given up before either disables it (the one that saw two
        # is slower): the reason says three, as the webhook then had.
        for delivery in deliveries[1:3]:
            assert delivery is not None
            store.record_delivery_attempt(delivery.delivery_id, False, "given up", "failed")
        assert store.disable_failing_webhook(hook.webhook_id, 2, reason) == reason(3)
        store.set_webhook_enabled(hook.webhook_id, True, "")

        # Enabled again (its count back to none), three more are given up by
        # three callers at once, each then trying to disable it, as three
        # delivery workflows do: one disables it, and one alert is sent.
        barrier = threading.Barrier(3)
        outcomes: list[str | None] = []

        def give_up(delivery_id: str) -> None:
            barrier.wait()
            store.record_delivery_attempt(delivery_id, False, "given up", "failed")
            outcomes.append(store.disable_failing_webhook(hook.webhook_id, 2, reason))

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
        # The count it names is the one the webhook had when it was disabled:
        # at least the threshold, at most every delivery given up by then.
        count = int(disabled[0].split()[2])
        assert 2 <= count <= 3
        assert store.disable_failing_webhook(hook.webhook_id, 2, reason) is None
    finally:
        store.close()
