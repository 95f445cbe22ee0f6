"""Staff alerts and digests, customers' replies through the mail gateway, and
contact opt-outs, on the whole platform over its real SMTP server.

The platform's staff directory is tests.conftest.STAFF_DIRECTORY: dana and
ravi in team "disputes" (ravi takes an hourly digest), lena its lead, mark
its manager.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import grpc
import pytest
from temporalio.client import Client

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform
from redress.followup.v1 import followup_pb2
from redress.platform.errors import field_violations
from tests.conftest import bearer, eventually
from tests.e2e.test_submit_end_to_end import complaint, get_case, submit
from tests.integration.test_followup import (
    ROWS,
    cases,
    file_complaint,
    followup,
    mail,
    mail_for,
    messages,
)


def mail_to(platform: LocalPlatform, address: str, case_id: str = "") -> list[EmailMessage]:
    return [
        m
        for m in mail(platform)
        if m["To"] == address and (not case_id or m["X-Redress-Case"] == case_id)
    ]


def test_assignment_and_urgency_alert_the_assignee_and_the_teams_lead(platform, channels, admin):
    case_id = file_complaint(channels, admin, ROWS[5])
    cases(channels).AssignCase(
        cases_pb2.AssignCaseRequest(
            case_id=case_id, assignee="dana", team="disputes", reason="card disputes"
        ),
        metadata=admin,
        timeout=30,
    )
    (to_dana,) = eventually(lambda: mail_to(platform, "dana@bank.test", case_id), timeout=30)
    assert to_dana["Subject"] == f"[Redress] Case {case_id} was assigned to you"
    assert to_dana["Auto-Submitted"] == "auto-generated"
    assert f"Case {case_id} (" in to_dana.get_content()  # with its stage, priority and link
    link = platform.env()["REDRESS_CASE_LINK"].replace("{case_id}", case_id)
    assert link.startswith("http") and link in to_dana.get_content()
    (to_lena,) = eventually(lambda: mail_to(platform, "lena@bank.test", case_id), timeout=30)
    assert to_lena["Subject"] == f"[Redress] Case {case_id} was assigned to team disputes"

    cases(channels).ChangePriority(
        cases_pb2.ChangePriorityRequest(
            case_id=case_id, priority=common_pb2.PRIORITY_URGENT, reason="customer is vulnerable"
        ),
        metadata=admin,
        timeout=30,
    )
    urgent = f"[Redress] Case {case_id} is now urgent priority"
    for person in ("dana", "lena"):
        eventually(
            lambda p=person: [
                m for m in mail_to(platform, f"{p}@bank.test", case_id) if m["Subject"] == urgent
            ],
            timeout=30,
        )
    # Each alert is recorded with the case's messages, addressed to staff.
    staff = [m for m in messages(channels, admin, case_id) if m.audience == "staff"]
    assert {m.purpose for m in staff} == {followup_pb2.MESSAGE_PURPOSE_STAFF_ALERT}
    assert sorted(m.recipient for m in staff) == [
        "dana@bank.test",
        "dana@bank.test",
        "lena@bank.test",
        "lena@bank.test",
    ]


def test_a_person_with_a_digest_gets_alerts_held_then_in_one_message(platform, channels, admin):
    first = file_complaint(channels, admin, ROWS[6])
    second = file_complaint(channels, admin, ROWS[7])
    for case_id in (first, second):
        cases(channels).AssignCase(
            cases_pb2.AssignCaseRequest(case_id=case_id, assignee="ravi", reason="rota"),
            metadata=admin,
            timeout=30,
        )
    for case_id in (first, second):
        (held,) = eventually(
            lambda c=case_id: [m for m in messages(channels, admin, c) if m.audience == "staff"],
            timeout=30,
        )
        assert held.state == followup_pb2.DELIVERY_STATE_HELD

    def digests_naming_these() -> list[EmailMessage]:
        # (The real hourly schedule may also send Ravi a digest of other
        # alerts while the test runs, at the top of the hour.)
        return [
            m
            for m in mail_to(platform, "ravi@bank.test")
            if first in m.get_content() or second in m.get_content()
        ]

    assert not digests_naming_these()

    async def trigger() -> None:
        client = await Client.connect(f"127.0.0.1:{platform.ports.temporal}")
        await client.get_schedule_handle("staff-digest-hourly").trigger()

    asyncio.run(trigger())
    (digest,) = eventually(digests_naming_these, timeout=60)
    assert digest["Subject"] == "[Redress] 2 alert(s): your hourly digest"
    body = digest.get_content()
    assert f"Case {first} was assigned to you" in body
    assert f"Case {second} was assigned to you" in body
    for case_id in (first, second):
        (alert,) = [m for m in messages(channels, admin, case_id) if m.audience == "staff"]
        assert alert.state == followup_pb2.DELIVERY_STATE_DIGESTED
        assert alert.attempts[-1].detail.startswith("carried by digest M-")


@pytest.fixture(scope="module")
def gateway(platform: LocalPlatform) -> tuple[tuple[str, str], ...]:
    """The mail gateway calls with the platform's service key."""
    return bearer(platform.credentials.service_key)


def reply(channels, gateway, **fields):  # type: ignore[no-untyped-def]
    return followup(channels).ReceiveCustomerMessage(
        followup_pb2.ReceiveCustomerMessageRequest(**fields), metadata=gateway, timeout=30
    )


def test_a_customers_emailed_reply_reaches_its_case_once_and_resumes_its_clock(
    platform, channels, admin, gateway
):
    case_id = file_complaint(channels, admin, ROWS[8])
    (ack,) = eventually(lambda: mail_for(platform, case_id), timeout=30)
    customer = get_case(channels, admin, case_id).customer.email
    cases(channels).PauseClock(
        cases_pb2.PauseClockRequest(
            case_id=case_id, clock="resolution", reason="awaiting_customer"
        ),
        metadata=admin,
        timeout=30,
    )
    answer = dict(
        message_id_header="<reply-1@mail.test>",
        sender=customer,
        subject=f"Re: {ack['Subject']}",
        body_text="Here are the statements you asked for.\n\n> earlier text",
        in_reply_to=ack["Message-ID"],
    )
    first = reply(channels, gateway, **answer)
    assert (first.case_id, first.matched_by) == (case_id, "in_reply_to")
    assert first.message.state == followup_pb2.DELIVERY_STATE_RECEIVED
    assert first.message.purpose == followup_pb2.MESSAGE_PURPOSE_CUSTOMER_REPLY
    assert first.message.sender == customer

    again = reply(channels, gateway, **answer)  # the gateway retries
    assert again.message.message_id == first.message.message_id
    case = get_case(channels, admin, case_id)
    replies = [e for e in case.audit_events if e.action == "customer.replied"]
    assert len(replies) == 1
    assert "Here are the statements you asked for." in replies[0].cause
    resolution = next(c for c in case.clocks if c.name == "resolution")
    assert resolution.state == common_pb2.CLOCK_STATE_RUNNING
    inbound = [m for m in messages(channels, admin, case_id) if m.sender]
    assert [m.message_id for m in inbound] == [first.message.message_id]


def test_an_email_that_names_no_case_or_comes_from_a_stranger_is_refused(channels, admin, gateway):
    case_id = file_complaint(channels, admin, ROWS[9])
    with pytest.raises(grpc.RpcError) as err:
        reply(
            channels,
            gateway,
            message_id_header="<x-1@mail.test>",
            sender="someone@mail.test",
            subject="hello",
            in_reply_to="<M-000000000000000000000000@example.com>",
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert "no case matches" in (err.value.details() or "")

    with pytest.raises(grpc.RpcError) as err:
        reply(
            channels,
            gateway,
            message_id_header="<x-2@mail.test>",
            sender="someone@mail.test",
            subject=f"About {case_id}",
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "is not that case's customer's address" in (err.value.details() or "")

    with pytest.raises(grpc.RpcError) as err:
        reply(channels, gateway, message_id_header="", sender="not an address")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {"message_id_header", "sender"}


def test_letters_avoid_the_channels_a_customer_opted_out_of(platform, channels, admin):
    request = complaint(ROWS[10])
    request.customer.CopyFrom(
        common_pb2.Customer(
            full_name="Jo Private",
            email="jo.private@mail.test",
            postal_address=common_pb2.PostalAddress(
                lines=["1 High Street"], locality="Leeds", postal_code="LS1 1AA", country="GB"
            ),
            do_not_contact=[common_pb2.CHANNEL_EMAIL],
            no_surveys=True,
        )
    )
    request.regime = common_pb2.REGIME_UK_FCA
    case_id = submit(channels, admin, request).case_id

    (ack,) = eventually(
        lambda: [m for m in messages(channels, admin, case_id) if m.audience == "customer"],
        timeout=30,
    )
    assert ack.channel == common_pb2.CHANNEL_POSTAL
    assert ack.recipient == "1 High Street, Leeds, LS1 1AA, GB"
    assert not mail_for(platform, case_id)
    assert get_case(channels, admin, case_id).customer.no_surveys

    with pytest.raises(grpc.RpcError) as err:
        followup(channels).SendMessage(
            followup_pb2.SendMessageRequest(
                idempotency_key=f"{case_id}-survey",
                case_id=case_id,
                template_name="satisfaction_survey",
            ),
            metadata=admin,
            timeout=30,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "declined satisfaction surveys" in field_violations(err.value)[0].description

    changed = (
        cases(channels)
        .UpdateCustomerPreferences(
            cases_pb2.UpdateCustomerPreferencesRequest(
                case_id=case_id,
                do_not_contact=[common_pb2.CHANNEL_EMAIL, common_pb2.CHANNEL_POSTAL],
                reason="asked by phone not to be written to",
            ),
            metadata=admin,
            timeout=30,
        )
        .case
    )
    assert list(changed.customer.do_not_contact) == [
        common_pb2.CHANNEL_EMAIL,
        common_pb2.CHANNEL_POSTAL,
    ]
    # Commands answer without the trail; the case as read has it.
    trail = (
        cases(channels)
        .GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=30)
        .case.audit_events
    )
    assert [e.cause for e in trail if e.action == "customer.preferences_changed"] == [
        "asked by phone not to be written to"
    ]
    with pytest.raises(grpc.RpcError) as err:
        followup(channels).SendMessage(
            followup_pb2.SendMessageRequest(
                idempotency_key=f"{case_id}-update",
                case_id=case_id,
                template_name="progress_update",
            ),
            metadata=admin,
            timeout=30,
        )
    (violation,) = field_violations(err.value)
    assert violation.field == "channel"
    assert "opted out of email, postal" in violation.description


def test_a_preferred_channel_the_customer_opted_out_of_is_refused_at_intake(channels, admin):
    request = complaint(ROWS[11])
    request.customer.preferred_channel = common_pb2.CHANNEL_EMAIL
    request.customer.do_not_contact.extend([common_pb2.CHANNEL_EMAIL, common_pb2.CHANNEL_EMAIL])
    with pytest.raises(grpc.RpcError) as err:
        submit(channels, admin, request)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {
        "customer.do_not_contact[1]",
        "customer.preferred_channel",
    }
