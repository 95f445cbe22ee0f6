"""Staff reminders through CasesService, and the satisfaction survey's
answers coming back from the customer (a signed link in the letter, the
status page, a reply to the letter), on the whole platform over its real
SMTP server. The staff directory is tests.conftest.STAFF_DIRECTORY."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2
from redress.platform.errors import field_violations
from tests.conftest import eventually
from tests.integration.test_followup import ROWS, cases, file_complaint
from tests.integration.test_staff_and_replies import mail_to


def stamp(moment: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(moment)
    return out


def remind(channels, admin, case_id: str, at: datetime, **fields):  # type: ignore[no-untyped-def]
    return cases(channels).SetReminder(
        cases_pb2.SetReminderRequest(case_id=case_id, at=stamp(at), **fields),
        metadata=admin,
        timeout=30,
    )


def test_a_reminder_is_set_shown_on_the_case_and_delivered_to_its_person(platform, channels, admin):
    case_id = file_complaint(channels, admin, ROWS[8])
    now = datetime.now(UTC)
    for at, why in [
        (now - timedelta(minutes=1), "must be in the future"),
        (now + timedelta(days=400), "at most a year ahead"),
    ]:
        with pytest.raises(grpc.RpcError) as err:
            remind(channels, admin, case_id, at, text="Call back", person="dana")
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        (violation,) = field_violations(err.value)
        assert (violation.field, violation.description) == ("at", why)
    with pytest.raises(grpc.RpcError) as err:
        remind(channels, admin, case_id, now + timedelta(hours=1), text=" ")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    soon = datetime.now(UTC) + timedelta(seconds=3)
    made = remind(
        channels,
        admin,
        case_id,
        soon,
        text="Call back Tuesday",
        person="dana",
        idempotency_key="r1",
    )
    again = remind(
        channels,
        admin,
        case_id,
        soon,
        text="Call back Tuesday",
        person="dana",
        idempotency_key="r1",
    )
    assert made.reminder.reminder_id == again.reminder.reminder_id == f"{case_id}-R1"
    assert made.reminder.state == "open" and made.reminder.person == "dana"
    subject = f"[Redress] Case {case_id}: reminder: Call back Tuesday"
    eventually(
        lambda: [
            m for m in mail_to(platform, "dana@bank.test", case_id) if m["Subject"] == subject
        ],
        timeout=30,
    )
    (shown,) = (
        cases(channels)
        .GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=30)
        .case.reminders
    )
    assert (shown.reminder_id, shown.state, shown.text) == (
        f"{case_id}-R1",
        "delivered",
        "Call back Tuesday",
    )

    # Twenty open reminders at most; cancelling one makes room.
    later = datetime.now(UTC) + timedelta(days=30)
    made_ids = [
        remind(
            channels, admin, case_id, later, text=f"Check {i}", person="dana"
        ).reminder.reminder_id
        for i in range(20)
    ]
    with pytest.raises(grpc.RpcError) as err:
        remind(channels, admin, case_id, later, text="one too many", person="dana")
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "20 open reminders" in (err.value.details() or "")
    cancel = cases_pb2.CancelReminderRequest(case_id=case_id, reminder_id=made_ids[0])
    cases(channels).CancelReminder(cancel, metadata=admin, timeout=30)
    with pytest.raises(grpc.RpcError) as err:
        cases(channels).CancelReminder(cancel, metadata=admin, timeout=30)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert remind(channels, admin, case_id, later, text="now it fits", person="dana")
