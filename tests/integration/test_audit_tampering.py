"""Tampering with a case's audit trail in the database is reported by
VerifyAuditTrail with the first entry it affects, including what the hash
chain alone cannot show: entries removed from the end, values blanked as an
erasure would blank them when none happened, and a value rewritten with the
rest of the chain re-hashed. The case store on SQLite and PostgreSQL; the
tampering is done directly on the database, as someone holding it could."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime

import grpc
import pytest
import sqlalchemy

from redress.cases.v1 import cases_pb2
from redress.db.audit_seal import AuditKey
from redress.db.migrate import upgrade
from redress.db.tables.cases import AuditEvent
from redress.platform.errors import ServiceError
from services.cases import erasure
from services.cases.audit import entry_hash
from services.cases.servicer import CasesServicer
from services.cases.store import Actor, CaseStore, CustomerDetails, NewCase, audit_entry
from services.followup.erasure import FollowupPersonalData

ADMIN = Actor("person", "local-admin")


def verify(store: CaseStore, case_id: str) -> cases_pb2.VerifyAuditTrailResponse:
    servicer = CasesServicer(store)
    return asyncio.run(
        servicer.VerifyAuditTrail(cases_pb2.VerifyAuditTrailRequest(case_id=case_id), None)  # type: ignore[arg-type]
    )


def sql(store: CaseStore, statement: str, **params: object) -> None:
    engine = sqlalchemy.create_engine(store.engine.url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(statement), params)
    engine.dispose()


def a_case(store: CaseStore, n: int = 1) -> tuple[str, str]:
    """A case with five audit entries: created, preferences changed (quoting
    the customer), three notes. Its id and its customer's."""
    customer = CustomerDetails("Ada Quill", email=f"ada{n}@mail.test")
    case, cust, _ = store.create_case(
        NewCase(
            workflow_id=f"complaint:test:tamper-{n}",
            idempotency_key=f"tamper-{n}",
            submitted_by="importer",
            customer=customer,
            channel="web",
            priority=2,
            stage="resolved",
            regime="us_cfpb",
            narrative="I was charged twice for the same loan payment.",
            received_at=datetime(2026, 3, 2, tzinfo=UTC),
        ),
        ADMIN,
    )
    store.update_customer_preferences(
        case.case_id, ADMIN, {"preferred_channel": "postal"}, "Ada Quill asked for letters by post"
    )
    for body in ("Called the customer back", "Refund approved", "Letter sent"):
        store.add_note(case.case_id, ADMIN, body, False)
    assert verify(store, case.case_id).intact
    assert verify(store, case.case_id).events_checked == 5
    return case.case_id, cust.id


def rewrite_and_rehash(store: CaseStore, case_id: str, sequence: int, cause: str) -> None:
    """What someone holding the database and the code, but not the key, can
    do: change an entry's value and re-hash it and every entry after it."""
    from services.cases.audit import commitments_of

    with store.sessions.begin() as session:
        events = list(
            session.scalars(
                sqlalchemy.select(AuditEvent)
                .where(AuditEvent.case_id == case_id)
                .order_by(AuditEvent.sequence)
            )
        )
        previous = events[sequence - 2].hash
        for e in events[sequence - 1 :]:
            if e.sequence == sequence:
                e.cause = cause
                values = {"old_value": e.old_value, "new_value": e.new_value, "cause": cause}
                e.commitments = commitments_of(values, dict(e.value_salts))
            e.previous_hash = previous
            e.hash = entry_hash(previous, audit_entry(e))
            previous = e.hash


TAMPERINGS = {
    "edit a value": (
        lambda store, case_id: sql(
            store,
            "UPDATE audit_events SET cause = 'nothing happened' "
            "WHERE case_id = :c AND sequence = 3",
            c=case_id,
        ),
        3,
        "entry 3 (note.added) was altered after it was recorded",
    ),
    "delete a middle entry": (
        lambda store, case_id: sql(
            store, "DELETE FROM audit_events WHERE case_id = :c AND sequence = 3", c=case_id
        ),
        3,
        "entry 3 is missing: found sequence 4",
    ),
    "swap two entries": (
        lambda store, case_id: [
            sql(
                store,
                f"UPDATE audit_events SET sequence = {to} WHERE case_id = :c AND sequence = {fro}",
                c=case_id,
            )
            for fro, to in ((2, 100), (3, 2), (100, 3))
        ],
        2,
        "entry 2 does not follow entry 1",
    ),
    "delete the last entry": (
        lambda store, case_id: sql(
            store, "DELETE FROM audit_events WHERE case_id = :c AND sequence = 5", c=case_id
        ),
        5,
        "entry 5 is missing: the trail ends at entry 4 but was sealed with 5 entries "
        "(entries were removed from its end)",
    ),
    "fake an erasure": (
        lambda store, case_id: sql(
            store,
            "UPDATE audit_events SET old_value = '', new_value = '', cause = '', "
            "value_salts = '{}' WHERE case_id = :c AND sequence = 2",
            c=case_id,
        ),
        2,
        "entry 2 (customer.preferences_changed) has its old_value, new_value, cause blanked "
        "and salts removed as an erasure would, but no erasure erased them",
    ),
    "rewrite a value and re-hash the rest": (
        lambda store, case_id: rewrite_and_rehash(store, case_id, 3, "nothing happened"),
        3,
        "entry 3 (note.added) does not match its seal: the trail was rewritten from this "
        "entry and re-hashed",
    ),
}


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_each_tampering_is_reported_at_the_first_entry_it_affects(store: CaseStore, tampering: str):
    tamper, first, detail = TAMPERINGS[tampering]
    case_id, _ = a_case(store)
    tamper(store, case_id)
    verdict = verify(store, case_id)
    assert not verdict.intact
    assert (verdict.first_broken_sequence, verdict.detail) == (first, detail)


def test_a_trail_cut_short_stays_broken_after_the_case_changes_again(store: CaseStore):
    case_id, _ = a_case(store)
    sql(store, "DELETE FROM audit_events WHERE case_id = :c AND sequence = 5", c=case_id)
    store.add_note(case_id, ADMIN, "A new note", False)
    verdict = verify(store, case_id)
    assert not verdict.intact
    assert verdict.first_broken_sequence == 5
    assert "not the entry the trail was sealed with" in verdict.detail


def test_an_altered_or_removed_sealed_head_is_reported(store: CaseStore):
    case_id, _ = a_case(store)
    sql(store, "DELETE FROM audit_events WHERE case_id = :c AND sequence = 5", c=case_id)
    sql(store, "UPDATE audit_trail_heads SET entries = 4 WHERE case_id = :c", c=case_id)
    verdict = verify(store, case_id)
    assert (verdict.intact, verdict.first_broken_sequence) == (False, 5)
    assert "sealed head was altered" in verdict.detail
    sql(store, "DELETE FROM audit_trail_heads WHERE case_id = :c", c=case_id)
    verdict = verify(store, case_id)
    assert (verdict.intact, verdict.first_broken_sequence) == (False, 4)
    assert "no sealed head" in verdict.detail


def test_a_real_erasure_still_verifies_and_lists_what_it_erased(store: CaseStore):
    case_id, customer_id = a_case(store)
    result = erasure.erase_customer(
        store,
        customer_id,
        ADMIN,
        "DSAR-9",
        "test",
        force=True,
        held_elsewhere=[FollowupPersonalData()],
    )
    assert result.case_ids == [case_id]
    verdict = verify(store, case_id)
    assert verdict.intact and verdict.events_checked == 6
    view = store.get_case(case_id)
    assert view is not None
    record = json.loads(view.events[-1].new_value)
    assert record["audit_entries"] == {"2": ["old_value", "new_value", "cause"]}

    # After a real erasure, another entry's values blanked are still reported.
    sql(
        store,
        "UPDATE audit_events SET old_value = '', new_value = '', cause = '', "
        "value_salts = '{}' WHERE case_id = :c AND sequence = 4",
        c=case_id,
    )
    verdict = verify(store, case_id)
    assert (verdict.intact, verdict.first_broken_sequence) == (False, 4)
    assert "no erasure erased them" in verdict.detail


def test_without_the_audit_key_or_with_another_one_a_trail_is_not_judged(store: CaseStore):
    case_id, _ = a_case(store)
    original = store.audit_key
    for key, says in (
        (None, "holds no audit key"),
        (AuditKey.of(secrets.token_hex(32)), "was sealed with audit key"),
    ):
        store.audit_key = key
        with pytest.raises(ServiceError) as err:
            verify(store, case_id)
        assert err.value.code == grpc.StatusCode.FAILED_PRECONDITION
        assert says in str(err.value)
    store.audit_key = original
    assert verify(store, case_id).intact


def test_the_upgrade_seals_trails_as_they_stand_and_needs_the_key(
    store: CaseStore, database_url: str, monkeypatch: pytest.MonkeyPatch
):
    from alembic import command

    from redress.db.migrate import alembic_config

    case_id, _ = a_case(store)
    store.close()

    def downgrade() -> None:
        engine = sqlalchemy.create_engine(database_url)
        with engine.begin() as connection:
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            command.downgrade(config, "0016")
        engine.dispose()

    downgrade()
    key = store.audit_key
    monkeypatch.delenv("REDRESS_AUDIT_KEY", raising=False)
    monkeypatch.delenv("REDRESS_AUDIT_KEY_FILE", raising=False)
    with pytest.raises(RuntimeError, match="needs the audit key"):
        upgrade(database_url)
    assert key is not None
    monkeypatch.setenv("REDRESS_AUDIT_KEY", key.secret.decode())
    upgrade(database_url)
    sealed = CaseStore(database_url, key)
    try:
        assert verify(sealed, case_id).intact
        sealed.add_note(case_id, ADMIN, "After the upgrade", False)
        assert verify(sealed, case_id).events_checked == 6
    finally:
        sealed.close()


def test_sealing_trails_already_recorded_goes_in_batches_and_seals_every_case(
    store: CaseStore, database_url: str
):
    """What the upgrade does to the trails it finds, with batches far smaller
    than the cases, so that a batch ends inside a case and between cases."""
    from redress.db.trail_sealing import seal_existing_trails

    case_ids = [a_case(store, n)[0] for n in range(1, 5)]
    # As they stood before seals existed.
    sql(store, "UPDATE audit_events SET seal = ''")
    sql(store, "DELETE FROM audit_trail_heads")
    assert not verify(store, case_ids[0]).intact
    key = store.audit_key
    assert key is not None
    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:
        seal_existing_trails(connection, key, batch=3)
        heads = connection.execute(
            sqlalchemy.text("SELECT case_id, entries FROM audit_trail_heads ORDER BY case_id")
        ).all()
    engine.dispose()
    assert [(c, n) for c, n in heads] == [(c, 5) for c in sorted(case_ids)]
    for case_id in case_ids:
        verdict = verify(store, case_id)
        assert verdict.intact and verdict.events_checked == 5, verdict.detail


def test_a_trail_verified_while_entries_are_appended_is_never_reported_cut(store: CaseStore):
    """Letters and notes arrive while someone verifies: the verdict is read from
    one snapshot of the entries and the sealed head, never a mix of the two."""
    import threading

    case_id, _ = a_case(store)
    stop = threading.Event()
    appended = 0

    def append() -> None:
        nonlocal appended
        while not stop.is_set() and appended < 400:
            store.add_note(case_id, ADMIN, f"note {appended}", False)
            appended += 1

    writer = threading.Thread(target=append)
    writer.start()
    verdicts = []
    try:
        while writer.is_alive() and len(verdicts) < 400:
            verdicts.append(verify(store, case_id))
    finally:
        stop.set()
        writer.join()
    assert appended > 10 and len(verdicts) > 10
    broken = [v.detail for v in verdicts if not v.intact]
    assert not broken, broken[:3]
    assert verify(store, case_id).events_checked == 5 + appended
