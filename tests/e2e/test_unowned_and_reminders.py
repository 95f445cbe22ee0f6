"""Unowned urgent cases alerting up the ladder, and reminders staff set, on
the real ComplaintWorkflow in the time-skipping server with the real
follow-up activities sending alerts over SMTP to the staff directory's
people (tests.conftest.STAFF_DIRECTORY: lena leads team disputes, mark is
its manager and compliance)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.platform.staff import StaffDirectory
from tests.conftest import STAFF_DIRECTORY
from tests.e2e.test_lifecycle import (  # noqa: F401 (the lifecycle suite's fixtures)
    Harness,
    cases_service,
    env,
)
from tests.followup_support import Inbox, followup_worker, knowledge_worker
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import (
    AssignCommand,
    CancelReminderCommand,
    OutcomeCommand,
    PriorityCommand,
    ReasonCommand,
    SetReminderCommand,
)

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
async def staffed(env, cases_service):  # type: ignore[no-untyped-def]  # noqa: F811
    """The lifecycle harness, its alerts addressed through the staff directory."""
    h = Harness(env, cases_service)
    inbox = Inbox()
    inbox.start()
    h.inbox = inbox
    staff = StaffDirectory.parse(STAFF_DIRECTORY)
    try:
        async with (
            h.worker,
            followup_worker(env.client, h.task_queue, cases_service, inbox.port, staff) as store,
            knowledge_worker(env.client, h.task_queue, cases_service),
        ):
            h.followups = store
            yield h
            await h.assert_trails_explain_their_cases()
    finally:
        inbox.stop()
        await h.close()


async def trail(h: Harness, case_id: str) -> list[cases_pb2.AuditEvent]:
    events: list[cases_pb2.AuditEvent] = []
    token = ""
    while True:
        response = await h.stub.ListAuditEvents(
            cases_pb2.ListAuditEventsRequest(
                case_id=case_id, page=common_pb2.PageRequest(page_size=500, page_token=token)
            ),
            metadata=h.metadata,
        )
        events += response.events
        token = response.page.next_page_token
        if not token:
            return events


async def until(check: Callable[[], Any], tries: int = 120) -> Any:
    """Polls `check` without blocking the workers that run in this loop."""
    for _ in range(tries):
        found = check()
        if found:
            return found
        await asyncio.sleep(0.25)
    raise AssertionError("not seen in time")


def mail_to(h: Harness, address: str, case_id: str) -> list[EmailMessage]:
    return [m for m in h.inbox.for_case(case_id) if address in str(m["To"])]


async def unowned_steps(h: Harness, case_id: str) -> list[tuple[int, str, str]]:
    return [
        (said["step"], said["notify"], said["priority"])
        for e in await trail(h, case_id)
        if e.action == "unowned.alerted"
        for said in [json.loads(e.new_value)]
    ]


async def test_an_urgent_case_nobody_owns_alerts_its_lead_then_up_the_ladder_until_taken(
    staffed: Harness,
):
    h = staffed
    received = datetime(2027, 3, 3, 11, 10, tzinfo=LONDON)
    await h.skip_to(received)
    handle, case_id = await h.file(received)
    await h.skip_to_act(handle, received + timedelta(minutes=5))
    await handle.execute_update(
        ComplaintWorkflow.assign, AssignCommand("ana.agent", "", "disputes", "triage")
    )
    # A normal-priority case nobody owns alerts nobody.
    assert await unowned_steps(h, case_id) == []

    await h.skip_to_act(handle, received + timedelta(minutes=10))
    await handle.execute_update(
        ComplaintWorkflow.change_priority, PriorityCommand("ana.agent", "high", "bereavement")
    )
    # At once: the team's lead.
    nobody = f"[Redress] Case {case_id} is high priority and nobody owns it"
    await until(
        lambda: [m for m in mail_to(h, "lena@bank.test", case_id) if m["Subject"] == nobody]
    )
    assert await unowned_steps(h, case_id) == [(1, "lead", "high")]

    # Thirty minutes on, still unowned: the manager.
    await h.skip_to_act(handle, received + timedelta(minutes=45))
    assert await unowned_steps(h, case_id) == [(1, "lead", "high"), (2, "manager", "high")]
    await until(
        lambda: [
            m for m in mail_to(h, "mark@bank.test", case_id) if "nobody owns it" in m["Subject"]
        ]
    )

    # Raised to urgent while unowned: the ladder starts again.
    await handle.execute_update(
        ComplaintWorkflow.change_priority, PriorityCommand("ana.agent", "urgent", "regulator")
    )
    await h.skip_to_act(handle, received + timedelta(minutes=50))
    assert await unowned_steps(h, case_id) == [
        (1, "lead", "high"),
        (2, "manager", "high"),
        (1, "lead", "urgent"),
    ]

    # Taken: nothing more, however long it waits.
    await handle.execute_update(
        ComplaintWorkflow.assign, AssignCommand("lena", "dana", "", "taking it")
    )
    await h.skip_to_act(handle, received + timedelta(hours=5))
    steps = [e for e in await trail(h, case_id) if e.action == "unowned.alerted"]
    assert len(steps) == 3
    assert steps[0].actor.id == "unowned.steps[0]"
    assert steps[1].actor.id == "unowned.steps[1]"
    assert steps[0].actor.rule_version == "standard 2026.12.1"
    assert json.loads(steps[0].new_value)["policy_version"] == "standard 2026.12.1"


async def test_a_reminder_reaches_its_person_at_its_time_even_after_the_case_is_resolved(
    staffed: Harness,
):
    h = staffed
    received = datetime(2027, 3, 10, 11, 10, tzinfo=LONDON)
    await h.skip_to(received)
    handle, case_id = await h.file(received)
    await h.skip_to_act(handle, received + timedelta(minutes=5))
    call_back = received + timedelta(days=6)  # Tuesday
    set_one = await handle.execute_update(
        ComplaintWorkflow.set_reminder,
        SetReminderCommand("dana", "dana", call_back, "Call Morgan back about the refund", "k1"),
    )
    again = await handle.execute_update(
        ComplaintWorkflow.set_reminder,
        SetReminderCommand("dana", "dana", call_back, "Call Morgan back about the refund", "k1"),
    )
    assert set_one.subtask_id == again.subtask_id == f"{case_id}-R1"
    other = await handle.execute_update(
        ComplaintWorkflow.set_reminder,
        SetReminderCommand("dana", "lena", call_back, "Check Dana called", "k2"),
    )
    await handle.execute_update(
        ComplaintWorkflow.cancel_reminder,
        CancelReminderCommand("dana", other.subtask_id, "not needed"),
    )
    await handle.execute_update(
        ComplaintWorkflow.record_outcome,
        OutcomeCommand("dana", "upheld", "fees.unexpected", "refund agreed", "GBP", 2500),
    )
    await handle.execute_update(ComplaintWorkflow.resolve, ReasonCommand("dana", "refunded"))

    await h.skip_to_act(handle, call_back + timedelta(minutes=1))
    reminder = f"[Redress] Case {case_id}: reminder: Call Morgan back about the refund"
    await until(
        lambda: [m for m in mail_to(h, "dana@bank.test", case_id) if m["Subject"] == reminder]
    )
    assert not [m for m in mail_to(h, "lena@bank.test", case_id) if "reminder" in m["Subject"]]
    case = await h.case(case_id)
    assert case.stage == "resolved"
    assert [(r.reminder_id, r.person, r.state) for r in case.reminders] == [
        (f"{case_id}-R1", "dana", "delivered"),
        (f"{case_id}-R2", "lena", "cancelled"),
    ]
    actions = [e.action for e in await trail(h, case_id) if e.action.startswith("reminder.")]
    assert actions == ["reminder.set", "reminder.set", "reminder.cancelled", "reminder.delivered"]
