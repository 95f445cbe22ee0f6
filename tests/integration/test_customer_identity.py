"""A complaint never goes to the wrong person.

The details given with a complaint (name, addresses, opt-outs, language,
tags) belong to that complaint's case and are what its letters follow; a
customer record changes only by an explicit, audited merge; and a complaint
whose CRM reference or e-mail address leads to a customer it does not agree
with is kept apart from that customer and flagged for a person. Store-level
tests on SQLite and PostgreSQL, then the whole platform reading the letters
its mail server received.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform
from services.cases import convert, erasure
from services.cases.store import Actor, CaseStore, CustomerDetails, NewCase
from services.followup.erasure import FollowupPersonalData
from services.reporting.definitions import Filter
from services.reporting.store import ReportingStore
from tests.conftest import cfpb_rows, eventually
from tests.e2e.test_submit_end_to_end import complaint, get_case, submit
from tests.integration.test_followup import mail

WORKER = Actor("service", "redress-worker")
AGENT = Actor("person", "dana")
ROWS = cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 6)


def _new_case(n: int, customer: CustomerDetails) -> NewCase:
    return NewCase(
        workflow_id=f"complaint:test:identity-{n}",
        idempotency_key=f"identity-{n}",
        submitted_by="web-form",
        customer=customer,
        channel="web",
        priority=2,
        stage="received",
        regime="uk_fca",
        narrative="My card was charged twice.",
        received_at=datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=n),
    )


ADA = CustomerDetails(
    "Ada Quill",
    email="ada@mail.test",
    postal_address={"lines": ["1 High Street"], "locality": "Leeds", "postal_code": "LS1 1AA"},
    preferred_language="en",
)
# Ada again, months later: moved, a new phone, writing in German, not to be
# written to by post, no surveys, and now known to be vulnerable.
ADA_AGAIN = CustomerDetails(
    "Ada Quill-Berg",
    email="ADA@mail.test",
    phone="+44 113 496 0000",
    postal_address={"lines": ["9 Kirkgate"], "locality": "Otley", "postal_code": "LS21 3HN"},
    preferred_language="de",
    tags=("vulnerable",),
    do_not_contact=("postal",),
    no_surveys=True,
)


def _message(store: CaseStore, case_id: str) -> cases_pb2.Case:
    view = store.get_case(case_id)
    assert view is not None
    return convert.full_case_message(view)


def test_a_returning_customers_new_details_are_honoured_for_their_new_complaint(
    store: CaseStore,
):
    first, customer, _ = store.create_case(_new_case(1, ADA), WORKER)
    second, again, _ = store.create_case(_new_case(2, ADA_AGAIN), WORKER)
    assert again.id == customer.id  # the same customer, recognised by e-mail

    case = _message(store, second.case_id)
    assert case.customer_id == customer.id
    assert case.customer.full_name == "Ada Quill-Berg"
    assert case.customer.email == "ADA@mail.test"
    assert case.customer.phone == "+44 113 496 0000"
    assert list(case.customer.postal_address.lines) == ["9 Kirkgate"]
    assert case.customer.preferred_language == "de"
    assert list(case.customer.tags) == ["vulnerable"]
    assert list(case.customer.do_not_contact) == [common_pb2.CHANNEL_POSTAL]
    assert case.customer.no_surveys
    # The record is as it was: changing it is a person's explicit act.
    assert case.customer_record.full_name == "Ada Quill"
    assert list(case.customer_record.postal_address.lines) == ["1 High Street"]

    # The first complaint keeps the details it was given.
    earlier = _message(store, first.case_id)
    assert earlier.customer.full_name == "Ada Quill"
    assert list(earlier.customer.postal_address.lines) == ["1 High Street"]
    assert not earlier.customer.no_surveys and not earlier.customer.tags

    # Reports by customer tag count the tag given with the complaint.
    reporting = ReportingStore(store.engine.url.render_as_string(hide_password=False))
    try:
        tags = {r.case_id: r.tags for r in reporting.rows(Filter(), tags=True)}
    finally:
        reporting.close()
    assert tags == {first.case_id: (), second.case_id: ("vulnerable",)}


def test_a_crm_reference_of_another_customer_does_not_capture_their_complaints(
    store: CaseStore,
):
    # Someone files first with Ada's CRM reference and their own address.
    first, impostor, _ = store.create_case(
        _new_case(1, CustomerDetails("Mal Lory", email="mal@mail.test", external_ref="CRM-42")),
        WORKER,
    )
    # Then Ada files with her reference and her address.
    ada = CustomerDetails("Ada Quill", email="ada@mail.test", external_ref="CRM-42")
    second, customer, _ = store.create_case(_new_case(2, ada), WORKER)
    assert customer.id != impostor.id

    case = _message(store, second.case_id)
    assert case.customer.email == "ada@mail.test"
    assert case.customer_record.email == "ada@mail.test"
    (flag,) = [e for e in case.audit_events if e.action == "customer.identity_conflict"]
    assert json.loads(flag.new_value) == {
        "customer_id": customer.id,
        "conflicts": [{"identifier": "external_ref", "customer_id": impostor.id}],
    }
    assert f"belongs to customer {impostor.id}" in flag.cause
    assert store.verify_audit_trail(second.case_id).intact
    # The first filer's case is untouched and not flagged.
    earlier = _message(store, first.case_id)
    assert earlier.customer.email == "mal@mail.test"
    assert [e.action for e in earlier.audit_events] == ["case.created"]

    # Agreeing identifiers still find their customer, without a flag.
    third, same, _ = store.create_case(
        _new_case(3, CustomerDetails("Mal Lory", email="MAL@mail.test", external_ref="CRM-42")),
        WORKER,
    )
    assert same.id == impostor.id
    assert [e.action for e in _message(store, third.case_id).audit_events] == ["case.created"]


def test_an_email_address_with_another_crm_reference_is_flagged_for_a_person(store: CaseStore):
    _, bo, _ = store.create_case(
        _new_case(1, CustomerDetails("Bo Lind", email="bo@mail.test", external_ref="CRM-1")),
        WORKER,
    )
    second, other, _ = store.create_case(
        _new_case(2, CustomerDetails("Bo Lind", email="bo@mail.test", external_ref="CRM-2")),
        WORKER,
    )
    # The same mailbox (perhaps a second account at the firm): attached by
    # e-mail, but flagged, and the record keeps its own reference.
    assert other.id == bo.id
    case = _message(store, second.case_id)
    (flag,) = [e for e in case.audit_events if e.action == "customer.identity_conflict"]
    assert json.loads(flag.new_value)["conflicts"] == [
        {"identifier": "email", "customer_id": bo.id}
    ]
    assert "another CRM reference" in flag.cause
    assert case.customer_record.external_ref == "CRM-1"
    # Letters for this complaint go only where it said.
    assert case.customer.email == "bo@mail.test" and case.customer.external_ref == "CRM-2"


def test_a_cases_details_reach_the_customer_record_only_by_an_audited_merge(store: CaseStore):
    store.create_case(_new_case(1, ADA), WORKER)
    second, customer, _ = store.create_case(_new_case(2, ADA_AGAIN), WORKER)

    assert store.merge_case_contact(
        second.case_id, AGENT, ["postal_address", "phone"], "Ada confirmed her move by phone"
    )
    case = _message(store, second.case_id)
    assert list(case.customer_record.postal_address.lines) == ["9 Kirkgate"]
    assert case.customer_record.phone == "+44 113 496 0000"
    assert case.customer_record.full_name == "Ada Quill"  # not asked for
    (merged,) = [e for e in case.audit_events if e.action == "customer.merged_from_case"]
    assert merged.actor.id == "dana" and merged.cause == "Ada confirmed her move by phone"
    assert json.loads(merged.old_value) == {
        "phone": "",
        "postal_address": ADA.postal_address,
    }
    assert json.loads(merged.new_value) == {
        "phone": "+44 113 496 0000",
        "postal_address": ADA_AGAIN.postal_address,
    }
    assert not store.merge_case_contact(second.case_id, AGENT, ["phone"], "again")
    assert store.verify_audit_trail(second.case_id).intact

    # A later complaint matched to the record starts from nothing else: it
    # keeps its own details, whatever the record holds.
    third, same, _ = store.create_case(
        _new_case(3, CustomerDetails("Ada Quill", email="ada@mail.test")), WORKER
    )
    assert same.id == customer.id
    assert _message(store, third.case_id).customer.phone == ""

    # An opt-out asked on one case reaches the customer's other open cases,
    # each saying so in its trail.
    store.update_customer_preferences(
        second.case_id, AGENT, {"do_not_contact": ["email"]}, "Ada asked by phone"
    )
    later = _message(store, third.case_id)
    assert list(later.customer.do_not_contact) == [common_pb2.CHANNEL_EMAIL]
    (asked,) = [e for e in later.audit_events if e.action == "customer.preferences_changed"]
    assert asked.cause == f"Ada asked by phone (asked on {second.case_id})"
    assert store.verify_audit_trail(third.case_id).intact

    with pytest.raises(ValueError, match="not a customer detail"):
        store.merge_case_contact(second.case_id, AGENT, ["erased_at"], "no")


def test_erasure_blanks_and_export_includes_each_cases_own_details(store: CaseStore):
    first, customer, _ = store.create_case(_new_case(1, ADA), WORKER)
    second, _, _ = store.create_case(_new_case(2, ADA_AGAIN), WORKER)
    # A reason typed by staff quoting the new address only the case holds.
    store.add_note(second.case_id, AGENT, "Letters to 9 Kirkgate from now on", False)
    store.update_customer_preferences(
        second.case_id, AGENT, {"preferred_channel": "email"}, "asked at 9 Kirkgate"
    )

    exported = erasure.export_customer(store, customer.id)
    by_case = {c["case_id"]: c for c in exported["cases"]}
    assert by_case[second.case_id]["contact_full_name"] == "Ada Quill-Berg"
    assert by_case[second.case_id]["contact_postal_address"] == ADA_AGAIN.postal_address
    assert by_case[second.case_id]["contact_tags"] == ["vulnerable"]
    assert by_case[first.case_id]["contact_email"] == "ada@mail.test"

    result = erasure.erase_customer(
        store,
        customer.id,
        Actor("person", "admin"),
        "DSAR-9",
        "test",
        force=True,
        held_elsewhere=[FollowupPersonalData()],
    )
    assert result.erased["case.contact_full_name"] == 2
    for case_id in (first.case_id, second.case_id):
        case = _message(store, case_id)
        assert case.customer.full_name == case.customer.email == case.customer.phone == ""
        assert not case.customer.HasField("postal_address") and not case.customer.tags
        assert case.customer.no_surveys and len(case.customer.do_not_contact) > 3
        assert store.verify_audit_trail(case_id).intact
    case = _message(store, second.case_id)
    changed = next(e for e in case.audit_events if e.action == "customer.preferences_changed")
    assert changed.cause == ""
    blob = json.dumps(erasure.export_customer(store, customer.id))
    for value in ("Quill-Berg", "Kirkgate", "496 0000", "ada@mail.test", "vulnerable"):
        assert value not in blob


# -- the whole platform -------------------------------------------------------


def _file(channels, admin, row, **customer) -> str:  # type: ignore[no-untyped-def]
    request = complaint(row)
    request.customer.CopyFrom(common_pb2.Customer(**customer))
    request.regime = common_pb2.REGIME_UK_FCA
    return submit(channels, admin, request).case_id


def _letters_to(platform: LocalPlatform, address: str) -> list[str]:
    return [m["X-Redress-Case"] for m in mail(platform) if m["To"] == address]


def test_the_real_customers_acknowledgement_goes_to_their_own_address(platform, channels, admin):
    tag = uuid.uuid4().hex[:8]
    reference = f"CRM-{tag}"
    mallory, ada = f"mal-{tag}@mail.test", f"ada-{tag}@mail.test"
    first = _file(
        channels, admin, ROWS[0], full_name="Mal Lory", email=mallory, external_ref=reference
    )
    eventually(lambda: _letters_to(platform, mallory), timeout=30)

    second = _file(
        channels, admin, ROWS[1], full_name="Ada Quill", email=ada, external_ref=reference
    )
    assert eventually(lambda: _letters_to(platform, ada), timeout=30) == [second]
    # Nothing about Ada's complaint reached the first filer.
    assert _letters_to(platform, mallory) == [first]

    case = get_case(channels, admin, second)
    assert case.customer.email == ada
    assert case.customer_id != get_case(channels, admin, first).customer_id
    (flag,) = [e for e in case.audit_events if e.action == "customer.identity_conflict"]
    assert "CRM reference" in flag.cause

    # A person who has checked who Ada is merges nothing silently: the
    # record changes only when asked, and the case says who did it.
    merged = cases_pb2_grpc.CasesServiceStub(channels["cases"]).MergeCaseContact(
        cases_pb2.MergeCaseContactRequest(
            case_id=second, fields=["full_name"], reason="checked with Ada by phone"
        ),
        metadata=admin,
        timeout=30,
    )
    assert not merged.changed  # the record was made from this complaint
    trail = (
        cases_pb2_grpc.CasesServiceStub(channels["cases"])
        .GetCase(cases_pb2.GetCaseRequest(case_id=second), metadata=admin, timeout=30)
        .case.audit_events
    )
    assert [e.action for e in trail].count("customer.merged_from_case") == 0
