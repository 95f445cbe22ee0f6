"""A customer's rights over their data: everything held on them exported, and
their personal data erased while the case figures, the reports and every
audit trail stay as they were.

Real CFPB complaints filed through intake on the whole platform, letters
over its SMTP server, a reply through the mail gateway; the audit hash
schemes on the case store over SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import mailbox
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy
from temporalio.client import Client, RPCError, RPCStatusCode

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.cli import main as cli
from redress.common.v1 import common_pb2
from redress.db.tables.cases import SatisfactionResponse
from redress.db.tables.followup import Delivery, Webhook
from redress.devstack.platform import LocalPlatform
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.platform.errors import field_violations
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.cases import erasure
from services.cases.audit import GENESIS, entry_hash, seal_of
from services.cases.store import Actor, CaseStore, CustomerDetails, NewCase, audit_entry
from services.followup.erasure import FollowupPersonalData
from tests.conftest import bearer, cfpb_rows, eventually
from tests.e2e.test_submit_end_to_end import complaint, get_case, submit

ROWS = cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 14)[10:14]
ADMIN = Actor("person", "local-admin")

# Letters and webhook deliveries are erased with the case data, as the case
# service's entry point wires it.
FOLLOWUP = [FollowupPersonalData()]


def cases(channels):  # type: ignore[no-untyped-def]
    return cases_pb2_grpc.CasesServiceStub(channels["cases"])


def followup(channels):  # type: ignore[no-untyped-def]
    return followup_pb2_grpc.FollowupServiceStub(channels["followup"])


def mail_to(platform: LocalPlatform, address: str) -> list[EmailMessage]:
    box = mailbox.Maildir(platform.maildir, create=True)
    found = []
    for key in box.keys():
        with box.get_file(key) as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
        if message["To"] == address:
            found.append(message)
    return found  # type: ignore[return-value]


def messages(channels, admin, case_id: str) -> list[followup_pb2.Message]:  # type: ignore[no-untyped-def]
    return list(
        followup(channels)
        .ListMessages(followup_pb2.ListMessagesRequest(case_id=case_id), metadata=admin, timeout=10)
        .messages
    )


def export(channels, metadata, customer_id: str) -> tuple[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    parts = cases(channels).ExportCustomerData(
        cases_pb2.ExportCustomerDataRequest(customer_id=customer_id), metadata=metadata, timeout=30
    )
    text = b"".join(p.chunk for p in parts).decode()
    return text, json.loads(text)


def erase(channels, admin, customer_id: str, **fields: Any) -> cases_pb2.EraseCustomerResponse:  # type: ignore[no-untyped-def]
    return cases(channels).EraseCustomer(
        cases_pb2.EraseCustomerRequest(customer_id=customer_id, **fields),
        metadata=admin,
        timeout=30,
    )


def file(channels, admin, row, name: str, address: str) -> str:  # type: ignore[no-untyped-def]
    request = complaint(row)
    request.customer.CopyFrom(
        common_pb2.Customer(
            full_name=name,
            email=address,
            phone="+1 202 555 0147",
            external_ref=f"crm-{uuid.uuid4().hex[:10]}",
            tags=["Older American"],
            postal_address=common_pb2.PostalAddress(
                lines=["12 Quayside Lane"], locality="Arlington", postal_code="22201", country="US"
            ),
        )
    )
    return str(submit(channels, admin, request).case_id)


async def _terminate(platform: LocalPlatform, workflow_id: str) -> None:
    client = await Client.connect(f"127.0.0.1:{platform.ports.temporal}")
    await client.get_workflow_handle(workflow_id).terminate("its reopen window ended")


async def _history(platform: LocalPlatform, workflow_id: str) -> tuple[bytes, str]:
    """The workflow's current run: its whole event history as stored, and
    the subtasks its status query shows."""
    client = await Client.connect(f"127.0.0.1:{platform.ports.temporal}")
    handle = client.get_workflow_handle(workflow_id)
    history = await handle.fetch_history()
    status = await handle.query("status")
    stored = b"".join(event.SerializeToString() for event in history.events)
    return stored, json.dumps(status["subtasks"])


async def _runs(platform: LocalPlatform, held: list[Any]) -> list[tuple[str, str]]:
    """The cases' workflows' current runs."""
    client = await Client.connect(f"127.0.0.1:{platform.ports.temporal}")
    return [
        (c.workflow_id, (await client.get_workflow_handle(c.workflow_id).describe()).run_id)
        for c in held
    ]


async def _statuses(
    platform: LocalPlatform, workflows: list[str] | list[tuple[str, str]]
) -> list[Any]:
    """Each workflow's (or run's) status in Temporal, None once it is gone."""
    client = await Client.connect(f"127.0.0.1:{platform.ports.temporal}")
    found: list[Any] = []
    for workflow in workflows:
        workflow_id, run_id = workflow if isinstance(workflow, tuple) else (workflow, None)
        try:
            handle = client.get_workflow_handle(workflow_id, run_id=run_id)
            found.append((await handle.describe()).status)
        except RPCError as err:
            assert err.status == RPCStatusCode.NOT_FOUND
            found.append(None)
    return found


def figures(channels, admin, start: datetime, end: datetime) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]
    stub = reporting_pb2_grpc.ReportingServiceStub(channels["reporting"])
    period = common_pb2.TimeRange()
    period.start.FromDatetime(start)
    period.end.FromDatetime(end)
    dashboard = stub.GetDashboard(
        reporting_pb2.GetDashboardRequest(filter=reporting_pb2.CaseFilter(received=period)),
        metadata=admin,
        timeout=30,
    )
    returned = stub.GetRegulatoryReturn(
        reporting_pb2.GetRegulatoryReturnRequest(
            regime=common_pb2.REGIME_US_CFPB, period=period, recompute=True
        ),
        metadata=admin,
        timeout=30,
    )
    return dashboard, list(returned.lines)


def test_a_customers_data_is_exported_then_erased_and_the_figures_stay(
    platform: LocalPlatform, channels, admin, tmp_path: Path
):
    started = datetime.now(UTC) - timedelta(hours=1)
    tag = uuid.uuid4().hex[:8]
    name, address = f"Ada Quill-{tag}", f"ada.{tag}@mail.test"
    other_name, other_address = f"Bea Stone-{tag}", f"bea.{tag}@mail.test"
    ids = [file(channels, admin, row, name, address) for row in ROWS[:3]]
    kept_id = file(channels, admin, ROWS[3], other_name, other_address)
    customer_id = get_case(channels, admin, ids[0]).customer_id
    assert {get_case(channels, admin, c).customer_id for c in ids} == {customer_id}

    # Letters reach the customer: three acknowledgements and one sent by hand.
    eventually(lambda: len(mail_to(platform, address)) >= 3, timeout=60)
    followup(channels).SendMessage(
        followup_pb2.SendMessageRequest(
            idempotency_key=f"gdpr-{tag}", case_id=ids[0], template_name="progress_update"
        ),
        metadata=admin,
        timeout=30,
    )
    eventually(lambda: len(mail_to(platform, address)) >= 4, timeout=60)
    ack = next(m for m in mail_to(platform, address) if m["X-Redress-Case"] == ids[1])
    # The customer answers one of them by email.
    followup(channels).ReceiveCustomerMessage(
        followup_pb2.ReceiveCustomerMessageRequest(
            message_id_header=f"<{tag}@mail.test>",
            sender=address,
            subject=f"Re: {ack['Subject']}",
            body_text=f"My account number is 99-{tag}. {name}",
            in_reply_to=ack["Message-ID"],
        ),
        metadata=bearer(platform.credentials.service_key),
        timeout=30,
    )
    for case_id in ids:
        cases(channels).AddNote(
            cases_pb2.AddNoteRequest(
                case_id=case_id, body=f"Spoke to {name} on the phone about statement {tag}"
            ),
            metadata=admin,
            timeout=30,
        )
    # Two cases resolved with redress; the third is still being handled.
    for case_id in ids[:2]:
        cases(channels).RecordOutcome(
            cases_pb2.RecordOutcomeRequest(
                case_id=case_id,
                decision=cases_pb2.DECISION_UPHELD,
                root_cause="fees.unexpected",
                redress=common_pb2.Money(currency="USD", minor_units=2500),
                summary=f"Refunded the fee charged to {name}",
            ),
            metadata=admin,
            timeout=30,
        )
        cases(channels).ResolveCase(
            cases_pb2.ResolveCaseRequest(case_id=case_id), metadata=admin, timeout=30
        )
    cases(channels).AddSubtask(
        cases_pb2.AddSubtaskRequest(
            case_id=ids[2],
            title="Call back",
            description=f"Ring {name} on {address} about the refund",
            team="disputes",
        ),
        metadata=admin,
        timeout=30,
    )
    cases(channels).RecordOutcome(
        cases_pb2.RecordOutcomeRequest(
            case_id=ids[2],
            decision=cases_pb2.DECISION_PARTLY_UPHELD,
            root_cause="service.delay",
            summary=f"Partial refund agreed with {name}",
        ),
        metadata=admin,
        timeout=30,
    )

    # The export holds all of it.
    text, held = export(channels, admin, customer_id)
    assert held["format"] == "redress.customer-export/1"
    assert held["customer"]["full_name"] == name
    assert held["customer"]["email"] == address
    assert held["customer"]["postal_address"]["postal_code"] == "22201"
    assert [c["case_id"] for c in held["cases"]] == ids
    for case, row in zip(held["cases"], ROWS, strict=False):
        assert case["narrative"] == row["Consumer complaint narrative"]
        assert [n["body"] for n in case["notes"]] == [
            f"Spoke to {name} on the phone about statement {tag}"
        ]
        assert case["clocks"] and case["audit_events"][0]["action"] == "case.created"
        assert any(m["recipient"] == address for m in case["messages"])
    assert held["cases"][0]["outcome"]["redress_minor"] == 2500
    replies = [m for c in held["cases"] for m in c["messages"] if m["sender"]]
    assert [r["sender"] for r in replies] == [address]
    assert f"99-{tag}" in replies[0]["body_text"]
    assert other_name not in text

    def settled() -> bool:
        # Letters delivered and the acknowledged cases moved on, so that
        # nothing changes the figures between the two readings but erasure.
        pending = (followup_pb2.DELIVERY_STATE_QUEUED, followup_pb2.DELIVERY_STATE_RETRYING)
        return (
            len(mail_to(platform, address)) >= 4
            and not [m for c in ids for m in messages(channels, admin, c) if m.state in pending]
            and all(get_case(channels, admin, c).stage != "received" for c in ids)
        )

    eventually(settled, timeout=60)
    end = datetime.now(UTC) + timedelta(hours=1)
    before = figures(channels, admin, started, end)
    trails = {c: len(get_case(channels, admin, c).audit_events) for c in ids}

    def searched(text: str) -> list[str]:
        listed = cases(channels).ListCases(
            cases_pb2.ListCasesRequest(text=text), metadata=admin, timeout=30
        )
        return sorted(c.case_id for c in listed.cases)

    # The queue's free text finds the cases by what their notes say.
    assert searched(f"statement {tag}") == sorted(ids)

    # The first case's workflow has finished (as when its reopen window ends).
    asyncio.run(_terminate(platform, get_case(channels, admin, ids[0]).workflow_id))

    # Erasure waits for the case still being handled, unless forced.
    with pytest.raises(grpc.RpcError) as refused:
        erase(channels, admin, customer_id, request_reference=f"DSAR-{tag}")
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert ids[2] in (refused.value.details() or "")
    assert get_case(channels, admin, ids[0]).customer.full_name == name

    first_runs = asyncio.run(_runs(platform, [get_case(channels, admin, c) for c in ids[1:]]))
    done = erase(
        channels,
        admin,
        customer_id,
        request_reference=f"DSAR-{tag}",
        reason="the customer withdrew consent; the open case continues without contact",
        force=True,
    )
    assert done.changed
    assert list(done.case_ids) == ids
    assert list(done.open_case_ids) == [ids[2]]
    assert done.erased["case.narrative"] == 3
    assert done.erased["notes.body"] == 3
    assert done.erased["messages"] >= 5
    assert done.erased["audit_values"] >= 3
    # The finished workflow's history, which holds the complaint as submitted,
    # is deleted from Temporal; the running ones forget the customer and go on
    # in a fresh run, and their runs before are deleted too.
    assert done.workflow_runs_deleted == 3
    fresh_runs = asyncio.run(_runs(platform, [get_case(channels, admin, c) for c in ids[1:]]))
    assert [w for w, _ in fresh_runs] == [w for w, _ in first_runs]
    assert not {r for _, r in fresh_runs} & {r for _, r in first_runs}
    for case_id in ids[1:]:
        held_now, subtasks = asyncio.run(
            _history(platform, get_case(channels, admin, case_id).workflow_id)
        )
        narrative = ROWS[ids.index(case_id)]["Consumer complaint narrative"]
        for secret in (name, address, "Quayside", narrative[:40]):
            assert secret.encode() not in held_now, (case_id, secret)
    assert "Call back" in subtasks and name not in subtasks

    for case_id in ids:
        case = get_case(channels, admin, case_id)
        assert case.HasField("customer_erased_at")
        assert (case.customer.full_name, case.customer.email, case.customer.phone) == ("", "", "")
        assert not case.customer.HasField("postal_address") and not case.customer.tags
        assert case.narrative == "" and all(n.body == "" for n in case.notes)
        assert case.outcome.summary == ""
        everything = str(case)
        for secret in (name, address, "Quayside", f"99-{tag}"):
            assert secret not in everything
        # The figures stay.
        assert case.product and case.issue and case.clocks
        assert case.regime == common_pb2.REGIME_US_CFPB
        verdict = cases(channels).VerifyAuditTrail(
            cases_pb2.VerifyAuditTrailRequest(case_id=case_id), metadata=admin, timeout=30
        )
        assert verdict.intact, verdict.detail
        assert verdict.events_checked > trails[case_id]
        (entry,) = [e for e in case.audit_events if e.action == "customer.erased"]
        assert entry.actor.id == "local-admin"
        recorded = json.loads(entry.new_value)
        assert recorded["request_reference"] == f"DSAR-{tag}"
        assert recorded["erased"]["case.narrative"] == 1
        assert name not in entry.new_value and address not in entry.new_value
        assert "withdrew consent" in entry.cause
        erased_entries = [e for e in case.audit_events if e.erased_values]
        assert erased_entries and all(e.hash_scheme == 2 for e in erased_entries)
        for m in messages(channels, admin, case_id):
            assert address not in str(m) and name not in str(m)
            if m.audience == "customer":
                assert (m.recipient, m.sender, m.subject, m.body_text) == ("", "", "", "")
    assert get_case(channels, admin, ids[0]).outcome.redress.minor_units == 2500
    # ... and no longer after erasure.
    assert searched(f"statement {tag}") == []

    after = figures(channels, admin, started, end)
    assert after == before

    text, held = export(channels, admin, customer_id)
    for secret in (name, address, "Quayside", f"99-{tag}", ROWS[0]["Consumer complaint narrative"]):
        assert secret not in text
    assert held["customer"]["erasure_reference"] == f"DSAR-{tag}"
    assert len(held["cases"]) == 3

    # Nothing more reaches the customer, by hand or from the open case's
    # workflow, and what it reports back does not bring the erased text back.
    letters = len(mail_to(platform, address))
    with pytest.raises(grpc.RpcError) as refused:
        followup(channels).SendMessage(
            followup_pb2.SendMessageRequest(
                idempotency_key=f"gdpr-after-{tag}", case_id=ids[2], template_name="reminder"
            ),
            metadata=admin,
            timeout=30,
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "erased" in (refused.value.details() or "")
    cases(channels).AssignCase(
        cases_pb2.AssignCaseRequest(case_id=ids[2], team="disputes-2", reason="rota"),
        metadata=admin,
        timeout=30,
    )
    open_case = get_case(channels, admin, ids[2])
    assert open_case.team == "disputes-2" and open_case.outcome.summary == ""
    assert len(mail_to(platform, address)) == letters

    # Temporal deletes the finished workflow's history shortly after.
    workflows = [get_case(channels, admin, c).workflow_id for c in ids]
    eventually(lambda: asyncio.run(_statuses(platform, workflows))[0] is None, timeout=90)
    assert None not in asyncio.run(_statuses(platform, workflows))[1:]

    # A repeated request changes nothing and says so (here through the CLI).
    count = len(get_case(channels, admin, ids[0]).audit_events)  # its workflow has finished
    again = erase(channels, admin, customer_id, request_reference=f"DSAR-{tag}-retry")
    assert not again.changed and not again.case_ids and not again.erased
    # Nothing is left to delete but the runs before the fresh ones, if Temporal
    # has not finished deleting them yet (it does so asynchronously).
    assert again.workflow_runs_deleted <= len(first_runs)
    assert again.erased_at == done.erased_at
    common = [
        "--api-key",
        platform.credentials.admin_key,
        "--cases-address",
        platform.address("cases"),
    ]
    assert cli([*common, "customer", "erase", customer_id, "--reference", "DSAR-cli"]) == 0
    assert len(get_case(channels, admin, ids[0]).audit_events) == count
    for case_id in ids:
        erasures = [
            e
            for e in get_case(channels, admin, case_id).audit_events
            if e.action == "customer.erased"
        ]
        assert len(erasures) == 1

    # The other customer is untouched.
    kept = get_case(channels, admin, kept_id)
    assert (kept.customer.full_name, kept.customer.email) == (other_name, other_address)
    assert kept.narrative == ROWS[3]["Consumer complaint narrative"]
    assert not kept.HasField("customer_erased_at")
    out = tmp_path / "export.json"
    assert cli([*common, "customer", "export", kept.customer_id, "--out", str(out)]) == 0
    theirs = json.loads(out.read_text())
    assert theirs["customer"]["full_name"] == other_name
    assert [c["case_id"] for c in theirs["cases"]] == [kept_id]


def test_bad_requests_name_the_field_or_the_missing_customer(channels, admin):
    stub = cases(channels)
    with pytest.raises(grpc.RpcError) as err:
        stub.EraseCustomer(cases_pb2.EraseCustomerRequest(), metadata=admin, timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {"customer_id", "request_reference"}

    with pytest.raises(grpc.RpcError) as err:
        stub.EraseCustomer(
            cases_pb2.EraseCustomerRequest(
                customer_id="C-000001", request_reference="x\x00", force=True
            ),
            metadata=admin,
            timeout=10,
        )
    assert {v.field for v in field_violations(err.value)} == {
        "customer_id",
        "request_reference",
        "reason",
    }

    unknown = "CU-" + "0" * 20
    with pytest.raises(grpc.RpcError) as err:
        stub.EraseCustomer(
            cases_pb2.EraseCustomerRequest(customer_id=unknown, request_reference="DSAR-1"),
            metadata=admin,
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert unknown in (err.value.details() or "")

    for customer_id, code in (("", "INVALID_ARGUMENT"), (unknown, "NOT_FOUND")):
        with pytest.raises(grpc.RpcError) as err:
            export(channels, admin, customer_id)
        assert err.value.code().name == code


# -- the audit hash schemes, on the store -------------------------------------


def _new_case(n: int, customer: CustomerDetails) -> NewCase:
    return NewCase(
        workflow_id=f"complaint:test:gdpr-{n}",
        idempotency_key=f"gdpr-{n}",
        submitted_by="importer",
        customer=customer,
        channel="web",
        priority=2,
        stage="resolved",
        regime="us_cfpb",
        narrative="I was charged twice.",
        received_at=datetime(2026, 3, 2, tzinfo=UTC),
    )


def _reseal_as_scheme_1(store: CaseStore, case_id: str) -> None:
    """Rewrites a trail as entries recorded before erasure existed were
    hashed, then seals it under the audit key as the upgrade that brought
    the seals (migration 0017) sealed the trails it found."""
    from redress.db.tables.cases import AuditEvent

    key = store.sealing_key()
    with store.sessions.begin() as session:
        previous, count = GENESIS, 0
        for e in session.scalars(
            sqlalchemy.select(AuditEvent)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.sequence)
        ):
            e.hash_scheme, e.commitments, e.value_salts = 1, {}, {}
            e.previous_hash = previous
            e.hash = entry_hash(previous, audit_entry(e))
            e.seal = seal_of(key, audit_entry(e), e.hash)
            previous, count = e.hash, e.sequence
        store.seal_head(session, case_id, count, previous)


def _webhook_copies(store: CaseStore, case_id: str) -> None:
    """Two case events on their way to a CRM: one quoting the customer, one not."""
    now = datetime.now(UTC)
    with store.sessions.begin() as session:
        session.add(
            Webhook(
                webhook_id="W-1",
                name="crm",
                url="https://crm.test/hook",
                secret="s",
                created_by="local-admin",
                created_at=now,
            )
        )
        session.flush()
        for n, payload in enumerate(
            [
                {"action": "customer.replied", "new": "email", "cause": "I want my money back"},
                {"action": "case.assigned", "new": "dana", "cause": "rota"},
            ]
        ):
            session.add(
                Delivery(
                    delivery_id=f"D-{n}",
                    webhook_id="W-1",
                    event_id=f"{case_id}:{n}",
                    event_type=payload["action"],
                    case_id=case_id,
                    sequence=n,
                    payload=payload,
                    state="delivered",
                    created_at=now,
                )
            )


def test_an_old_trail_is_verified_resealed_and_still_detects_tampering(store: CaseStore):
    ada = CustomerDetails("Ada Quill", email="ada@mail.test")
    case, customer, _ = store.create_case(_new_case(1, ada), ADMIN)
    store.update_customer_preferences(
        case.case_id,
        ADMIN,
        {"preferred_channel": "postal"},
        "Ada Quill asked for letters by post",
    )
    store.add_note(case.case_id, ADMIN, "Ada prefers mornings", False)
    store.record_satisfaction(case.case_id, ADMIN, 4, "Quick and kind, thank you")
    _webhook_copies(store, case.case_id)
    _reseal_as_scheme_1(store, case.case_id)
    view = store.get_case(case.case_id)
    assert view is not None
    old_head = view.events[-1].hash
    assert {e.hash_scheme for e in view.events} == {1}
    assert store.verify_audit_trail(case.case_id).intact

    result = erasure.erase_customer(
        store, customer.id, ADMIN, "DSAR-7", "test", force=True, held_elsewhere=FOLLOWUP
    )
    assert result.changed and result.case_ids == [case.case_id]
    view = store.get_case(case.case_id)
    assert view is not None
    assert {e.hash_scheme for e in view.events} == {2}
    assert store.verify_audit_trail(case.case_id).intact
    preferences = next(e for e in view.events if e.action == "customer.preferences_changed")
    assert (preferences.old_value, preferences.new_value, preferences.cause) == ("", "", "")
    record = json.loads(view.events[-1].new_value)
    assert record["resealed"] == {"from_scheme": 1, "entries": 4, "previous_head": old_head}
    assert view.notes[0].body == ""
    with store.sessions() as session:
        survey = session.get(SatisfactionResponse, case.case_id)
        assert survey is not None and (survey.score, survey.comment) == (4, "")
        payloads = {d.event_type: d.payload for d in session.scalars(sqlalchemy.select(Delivery))}
    assert payloads["customer.replied"]["cause"] == "" and payloads["customer.replied"]["erased"]
    assert payloads["case.assigned"] == {"action": "case.assigned", "new": "dana", "cause": "rota"}

    again = erasure.erase_customer(
        store, customer.id, ADMIN, "DSAR-7", "test", force=True, held_elsewhere=FOLLOWUP
    )
    assert not again.changed

    engine = sqlalchemy.create_engine(store.engine.url)
    for statement in (
        # An erased value put back, or a value still held altered.
        "UPDATE audit_events SET cause = 'Ada Quill' WHERE action = 'customer.preferences_changed'",
        "UPDATE audit_events SET cause = 'nothing' WHERE action = 'customer.erased'",
    ):
        with engine.begin() as connection:
            original = connection.execute(
                sqlalchemy.text("SELECT sequence, cause FROM audit_events ORDER BY sequence")
            ).all()
            connection.execute(sqlalchemy.text(statement))
        verdict = store.verify_audit_trail(case.case_id)
        assert not verdict.intact and "altered" in verdict.detail
        with engine.begin() as connection:
            for sequence, cause in original:
                connection.execute(
                    sqlalchemy.text("UPDATE audit_events SET cause = :c WHERE sequence = :s"),
                    {"c": cause, "s": sequence},
                )
        assert store.verify_audit_trail(case.case_id).intact
    engine.dispose()


def test_a_broken_old_trail_is_not_resealed(store: CaseStore):
    case, customer, _ = store.create_case(
        _new_case(2, CustomerDetails("Bo Lind", email="bo@mail.test")), ADMIN
    )
    store.update_customer_preferences(
        case.case_id, ADMIN, {"preferred_channel": "postal"}, "by post"
    )
    _reseal_as_scheme_1(store, case.case_id)
    engine = sqlalchemy.create_engine(store.engine.url)
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text("UPDATE audit_events SET cause = 'x' WHERE sequence = 1")
        )
    engine.dispose()
    with pytest.raises(erasure.ErasureRefused, match="is broken"):
        erasure.erase_customer(
            store, customer.id, ADMIN, "DSAR-8", "test", force=True, held_elsewhere=FOLLOWUP
        )
    view = store.get_case(case.case_id)
    assert view is not None and view.customer.full_name == "Bo Lind"
