"""The case store on SQLite and PostgreSQL: migrations, idempotent creation,
customer matching, the audit hash chain and keyset pagination."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from redress.cases.v1 import cases_pb2
from redress.db.migrate import upgrade
from redress.db.schema import Base
from redress.db.tables.cases import Case
from redress.platform.channels import MAX_MESSAGE_BYTES
from redress.platform.errors import ServiceError
from services.cases.convert import case_change, full_case_message
from services.cases.convert import new_case as convert_new_case
from services.cases.servicer import CasesServicer
from services.cases.store import (
    MAX_CASE_LINKS,
    MAX_CASE_NOTES,
    MAX_CASE_NOTES_CHARACTERS,
    Actor,
    CaseFilter,
    CaseStore,
    ChangeConflict,
    CustomerDetails,
    LinkRefused,
    NewCase,
    NotesFull,
)
from tests.conftest import cfpb_rows

WORKER = Actor("service", "redress-worker")
ROWS = cfpb_rows("cfpb_personal_loan_narratives_2025.csv", 60)


def new_case(row: dict[str, str], n: int, **overrides: object) -> NewCase:
    received = datetime.strptime(row["Date received"], "%m/%d/%y").replace(tzinfo=UTC)
    values: dict[str, object] = dict(
        workflow_id=f"complaint:test:{row['Complaint ID']}-{n}",
        idempotency_key=f"cfpb-{row['Complaint ID']}-{n}",
        submitted_by="importer",
        customer=CustomerDetails(full_name=f"Customer {n}", email=f"c{n}@example.com"),
        channel={"Web": "web", "Phone": "phone", "Referral": "referral"}.get(
            row["Submitted via"], "postal"
        ),
        priority=2,
        stage="received",
        regime="us_cfpb",
        narrative=row["Consumer complaint narrative"],
        received_at=received + timedelta(minutes=n),
        product=row["Product"],
        issue=row["Issue"],
        company=row["Company"],
    )
    values.update(overrides)
    return NewCase(**values)  # type: ignore[arg-type]


def test_migrations_build_exactly_the_models(database_url: str):
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        dialect = connection.dialect.name
    engine.dispose()
    # PostgreSQL's pg_trgm GIN indexes for free-text search and the covering
    # indexes for reporting are made by the migrations only (the models are
    # backend-neutral); they must be there.
    trigram = [
        d
        for d in differences
        if d[0] == "remove_index" and d[1].name.startswith(("ix_trgm_", "ix_reporting_"))
    ]
    assert sorted(d[1].name for d in trigram) == (
        [
            "ix_reporting_cases_closed_at",
            "ix_reporting_cases_received_at",
            "ix_reporting_cases_resolved_at",
            "ix_trgm_cases_search_text",
        ]
        if dialect == "postgresql"
        else []
    )
    assert [d for d in differences if d not in trigram] == []


def test_creating_a_case_twice_for_one_workflow_stores_it_once(store: CaseStore):
    first, customer, created = store.create_case(new_case(ROWS[0], 0), WORKER)
    again, _, created_again = store.create_case(new_case(ROWS[0], 0), WORKER)
    assert created and not created_again
    assert first.case_id == again.case_id == "C-000001"
    assert customer.full_name == "Customer 0"
    view = store.get_case(first.case_id)
    assert view is not None
    case, events = view.case, view.events
    assert case.narrative == ROWS[0]["Consumer complaint narrative"]
    assert [e.action for e in events] == ["case.created"]


def test_a_returning_customer_is_recognised_by_email_or_crm_reference(store: CaseStore):
    _, first, _ = store.create_case(new_case(ROWS[0], 0), WORKER)
    _, same_email, _ = store.create_case(
        new_case(ROWS[1], 1, customer=CustomerDetails("C. Zero", email="C0@Example.com")), WORKER
    )
    _, by_ref, _ = store.create_case(
        new_case(
            ROWS[2], 2, customer=CustomerDetails("Ref", email="r@example.com", external_ref="crm-7")
        ),
        WORKER,
    )
    _, same_ref, _ = store.create_case(
        new_case(
            ROWS[3], 3, customer=CustomerDetails("Ref", phone="+1 555 0100", external_ref="crm-7")
        ),
        WORKER,
    )
    assert same_email.id == first.id
    assert same_ref.id == by_ref.id != first.id


def test_an_altered_audit_entry_is_detected(store: CaseStore, database_url: str):
    case, _, _ = store.create_case(new_case(ROWS[0], 0), WORKER)
    assert store.verify_audit_trail(case.case_id).intact

    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                "UPDATE audit_events SET cause = 'nothing happened' "
                "WHERE case_id = :c AND sequence = 1"
            ),
            {"c": case.case_id},
        )
    engine.dispose()
    verdict = store.verify_audit_trail(case.case_id)
    assert not verdict.intact
    assert verdict.first_broken_sequence == 1
    assert "altered" in verdict.detail


def test_a_removed_audit_entry_is_detected(store: CaseStore, database_url: str):
    case, _, _ = store.create_case(new_case(ROWS[0], 0), WORKER)
    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text("DELETE FROM audit_events WHERE case_id = :c"), {"c": case.case_id}
        )
    engine.dispose()
    verdict = store.verify_audit_trail(case.case_id)
    assert not verdict.intact
    assert verdict.first_broken_sequence == 1
    assert "missing" in verdict.detail


def test_listing_pages_through_every_case_once_in_order(store: CaseStore):
    for n, row in enumerate(ROWS[:45]):
        store.create_case(new_case(row, n), WORKER)
    seen: list[str] = []
    token = ""
    while True:
        rows, token = store.list_cases(CaseFilter(), "received_at", False, 10, token)
        seen += [case.case_id for case, _ in rows]
        if not token:
            break
    assert len(seen) == len(set(seen)) == 45
    received = [store.get_case(c).case.received_at for c in seen]  # type: ignore[union-attr]
    assert received == sorted(received, reverse=True)


def test_listing_filters_by_product_channel_and_words(store: CaseStore):
    for n, row in enumerate(ROWS[:30]):
        store.create_case(new_case(row, n), WORKER)
    product = ROWS[0]["Product"]
    rows, _ = store.list_cases(CaseFilter(products=[product]), "received_at", True, 100, "")
    assert rows and all(case.product == product for case, _ in rows)
    assert len(rows) == sum(r["Product"] == product for r in ROWS[:30])

    word = "payday"
    expected = sum(word in r["Consumer complaint narrative"].lower() for r in ROWS[:30])
    rows, _ = store.list_cases(CaseFilter(text=word), "received_at", True, 100, "")
    assert len(rows) == expected

    # A LIKE wildcard in the words is taken literally.
    rows, _ = store.list_cases(CaseFilter(text="%"), "received_at", True, 100, "")
    assert len(rows) == sum("%" in r["Consumer complaint narrative"] for r in ROWS[:30])


def test_soonest_deadline_first_pages_through_cases_with_and_without_deadlines(store: CaseStore):
    from redress.db.tables.cases import Case

    for n, row in enumerate(ROWS[:25]):
        store.create_case(new_case(row, n), WORKER)
    base = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    with store.sessions.begin() as session:
        for i, case in enumerate(session.scalars(sqlalchemy.select(Case).order_by(Case.id))):
            # Every third case has no open clock; two share each deadline.
            if i % 3:
                case.next_deadline = base + timedelta(hours=i // 2)
    seen, token = [], ""
    while True:
        rows, token = store.list_cases(CaseFilter(), "next_deadline", True, 4, token)
        seen += [case for case, _ in rows]
        if not token:
            break
    assert len({c.case_id for c in seen}) == len(seen) == 25
    deadlines = [c.next_deadline for c in seen]
    dated = [d for d in deadlines if d is not None]
    # Soonest first, cases without a deadline last, each case once.
    assert deadlines == dated + [None] * (25 - len(dated))
    assert dated == sorted(dated) and len(dated) == 16


def test_free_text_finds_words_in_notes_too(store: CaseStore):
    first, _, _ = store.create_case(new_case(ROWS[0], 0), WORKER)
    store.create_case(new_case(ROWS[1], 1), WORKER)
    store.add_note(first.case_id, WORKER, "Customer called: the lender said zebracrossing.", False)
    rows, _ = store.list_cases(CaseFilter(text="ZebraCrossing"), "received_at", True, 10, "")
    assert [case.case_id for case, _ in rows] == [first.case_id]
    rows, _ = store.list_cases(CaseFilter(text="zebra%"), "received_at", True, 10, "")
    assert rows == []  # a wildcard typed by a caller is a literal character
    # Every word must be somewhere in the case: one in the narrative, one in a note.
    word = next(w for w in ROWS[0]["Consumer complaint narrative"].split() if len(w) > 5)
    rows, _ = store.list_cases(
        CaseFilter(text=f"zebracrossing {word}"), "received_at", True, 10, ""
    )
    assert [case.case_id for case, _ in rows] == [first.case_id]
    rows, _ = store.list_cases(
        CaseFilter(text="zebracrossing giraffe"), "received_at", True, 10, ""
    )
    assert rows == []


def test_upgrading_a_store_with_notes_makes_them_searchable(database_url: str):
    """Cases and notes written before the searchable text existed are found after
    the upgrade that adds it (down to the revision before it, and up again)."""
    from alembic import command

    from redress.db.migrate import alembic_config

    store = CaseStore(database_url)
    try:
        first, _, _ = store.create_case(new_case(ROWS[0], 0), WORKER)
        store.create_case(new_case(ROWS[1], 1), WORKER)
        store.add_note(first.case_id, WORKER, "Escalated: ombudsmanquokka referral.", False)
        store.add_note(first.case_id, WORKER, "Second note: platypusletter sent.", True)
    finally:
        store.close()
    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
        assert "search_text" not in {
            c["name"] for c in sqlalchemy.inspect(connection).get_columns("cases")
        }
    engine.dispose()
    upgrade(database_url)
    store = CaseStore(database_url)
    try:
        rows, _ = store.list_cases(
            CaseFilter(text="OmbudsmanQuokka platypusletter"), "received_at", True, 10, ""
        )
        assert [case.case_id for case, _ in rows] == [first.case_id]
        word = ROWS[1]["Consumer complaint narrative"].split()[-1]
        rows, _ = store.list_cases(CaseFilter(text=word), "received_at", True, 10, "")
        assert any(case.narrative == ROWS[1]["Consumer complaint narrative"] for case, _ in rows)
    finally:
        store.close()


def test_a_case_holds_at_most_a_thousand_notes_and_a_hundred_links(store: CaseStore):
    case, _, _ = store.create_case(new_case(ROWS[0], 0), WORKER)
    for n in range(MAX_CASE_NOTES):
        store.add_note(case.case_id, WORKER, f"call {n}", False)
    with pytest.raises(NotesFull) as err:
        store.add_note(case.case_id, WORKER, "one more", False)
    assert str(err.value) == (
        f"case {case.case_id} holds 1,000 notes, the most a case may hold (1,000)"
    )
    view = store.get_case(case.case_id, notes=20, audit_events=10)
    assert view is not None and view.note_count == 1_000 and len(view.notes) == 20
    assert [n.body for n in view.notes] == [f"call {n}" for n in range(980, 1_000)]
    assert len(view.events) == 10 and view.audit_event_count == 1_001
    # Paged, most recent first, every note once.
    seen, token = [], ""
    while True:
        page, token = store.notes_page(case.case_id, 300, token)
        seen += [n.body for n in page]
        if not token:
            break
    assert seen == [f"call {n}" for n in reversed(range(1_000))]

    others = [store.create_case(new_case(ROWS[0], n), WORKER)[0] for n in range(1, 102)]
    for other in others[:MAX_CASE_LINKS]:
        store.link_cases(case.case_id, "related_to", other.case_id, WORKER)
    with pytest.raises(LinkRefused) as refused:
        store.link_cases(others[-1].case_id, "related_to", case.case_id, WORKER)
    assert str(refused.value) == (
        f"{case.case_id} holds 100 links, the most a case may hold (100); unlink one first"
    )


def test_a_case_holds_notes_up_to_a_limit_that_keeps_it_inside_a_grpc_message(store: CaseStore):
    case, _, _ = store.create_case(new_case(ROWS[0], 0), WORKER)
    longest = "€" * 32_000  # the longest note AddNote takes, three bytes a character
    for _ in range(MAX_CASE_NOTES_CHARACTERS // len(longest)):
        store.add_note(case.case_id, WORKER, longest, False)
    room = MAX_CASE_NOTES_CHARACTERS % len(longest)
    with pytest.raises(NotesFull) as err:
        store.add_note(case.case_id, WORKER, "x" * (room + 1), False)
    assert str(err.value) == (
        f"case {case.case_id} holds {MAX_CASE_NOTES_CHARACTERS - room:,} characters of notes; "
        f"with this note of {room + 1:,} it would pass the limit of 500,000 characters of "
        "notes a case may hold"
    )
    store.add_note(case.case_id, WORKER, "x" * room, False)  # exactly full
    with pytest.raises(NotesFull):
        store.add_note(case.case_id, WORKER, "x", True)
    view = store.get_case(case.case_id)
    assert view is not None
    assert sum(len(n.body) for n in view.notes) == MAX_CASE_NOTES_CHARACTERS
    # Nothing of a refused note was kept, not even its audit entry.
    assert [e.action for e in view.events].count("note.added") == len(view.notes)
    # The whole case, as GetCase and every lifecycle command answer it.
    assert full_case_message(view).ByteSize() < MAX_MESSAGE_BYTES // 4


def _stage_change(case_id: str, change_id: str, to: str) -> cases_pb2.RecordCaseChangeRequest:
    return cases_pb2.RecordCaseChangeRequest(
        case_id=case_id,
        change_id=change_id,
        stage=to,
        audit=[
            cases_pb2.AuditRecord(
                action="case.stage_changed", field="stage", old_value="received", new_value=to
            )
        ],
    )


def test_a_change_is_applied_once_and_a_different_one_under_its_id_is_refused(
    store: CaseStore,
) -> None:
    """The workflow's change ids name one content: a retry of it is a no-op, and
    another change reported under the same id is a conflict, never dropped in
    silence (its entries would be lost) nor applied (they would be doubled)."""
    case, _, _ = store.create_case(new_case(ROWS[5], 5), WORKER)
    first = _stage_change(case.case_id, "complaint:x/run-1#3", "acknowledged")
    assert store.record_change(case_change(first, WORKER)) is True
    assert store.record_change(case_change(first, WORKER)) is False
    other = _stage_change(case.case_id, "complaint:x/run-1#3", "triage")
    with pytest.raises(ChangeConflict, match="complaint:x/run-1#3 was recorded before"):
        store.record_change(case_change(other, WORKER))
    view = store.get_case(case.case_id)
    assert view is not None and view.case.stage == "acknowledged"
    moves = [e.new_value for e in store.audit_events(case.case_id, 0, 100) if e.field == "stage"]
    assert moves == ["acknowledged"]
    # Over the API: ALREADY_EXISTS, saying what happened.
    servicer = CasesServicer(store)
    with pytest.raises(ServiceError) as refused:
        asyncio.run(servicer.RecordCaseChange(other, None))  # type: ignore[arg-type]
    assert refused.value.code == grpc.StatusCode.ALREADY_EXISTS
    assert "recorded before with other content" in str(refused.value)


def test_the_trail_check_finds_a_change_that_was_never_recorded(store: CaseStore) -> None:
    case, _, _ = store.create_case(new_case(ROWS[6], 6), WORKER)
    assert store.reconcile(case.case_id) == []
    # The stage moved without its entry, as a change dropped in silence left it.
    store.record_change(
        case_change(
            cases_pb2.RecordCaseChangeRequest(
                case_id=case.case_id, change_id="complaint:y/run-1#1", stage="resolved"
            ),
            WORKER,
        )
    )
    assert store.reconcile(case.case_id) == [
        "the case is in stage 'resolved'; its trail ends in 'received'"
    ]
    assert store.verify_audit_trail(case.case_id).intact


def test_writers_appending_to_one_trail_at_once_each_get_their_turn(
    store: CaseStore, database_url: str
) -> None:
    """Two processes' worth of writers (each its own store and connections)
    adding to one case's trail at the same time: every entry lands, once, in
    one unbroken chain."""
    from concurrent.futures import ThreadPoolExecutor

    case, _, _ = store.create_case(new_case(ROWS[0], 900), WORKER)
    other = CaseStore(database_url)
    try:

        def add(i: int) -> None:
            writer = store if i % 2 else other
            if i % 4 < 2:
                writer.add_note(case.case_id, WORKER, f"note {i} from writer {i % 2}", False)
                return
            # A write that reads before it appends, as recording a refused
            # file does: its read must not see an end another writer moves.
            with writer.sessions.begin() as session:
                session.execute(select(Case.stage).where(Case.case_id == case.case_id))
                writer._append(session, case.case_id, WORKER, action="note.added", cause=str(i))

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(add, range(40)))
    finally:
        other.close()
    verdict = store.verify_audit_trail(case.case_id)
    assert verdict.intact, verdict
    events = store.audit_events(case.case_id, 0, 500)
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert sum(e.action == "note.added" for e in events) == 40


def _closed_history(suffix: str, rows: int = 4) -> list[cases_pb2.ClosedCase]:
    """Closed historic CFPB complaints as intake files them (its own code)."""
    from pathlib import Path

    from redress.importers.cfpb import CLOSED_RESPONSES, build_request, read_rows
    from services.intake.closed_history import closed_case
    from services.intake.validation import validate_submission
    from tests.conftest import SHARED_DATA
    from tests.unit.complaints import SHIPPED_POLICY

    now = datetime.now(UTC)
    made = []
    _, lines = read_rows(Path(SHARED_DATA / "cfpb_complaints_2023_variant_format.csv"))
    for line in lines:
        if line.values.get("company_response", "").lower() not in CLOSED_RESPONSES:
            continue
        _, request, _ = build_request(line.values, None, historic=True)
        assert request is not None
        submission = validate_submission(request, "importer", "us_cfpb", now, ())
        workflow_id = f"complaint:importer:{submission.idempotency_key}{suffix}"
        made.append(closed_case(workflow_id, submission, SHIPPED_POLICY, now))
        if len(made) == rows:
            return made
    raise AssertionError("too few closed rows")


def test_closed_cases_stored_in_bulk_are_the_cases_their_workflows_would_store(
    store: CaseStore,
) -> None:
    """A closed historic complaint filed in a batch (one statement per table)
    is the case, clocks, outcome and audit trail that creating it and then
    recording its change one at a time gives; its trail verifies; the batch
    again stores nothing twice. On SQLite and on PostgreSQL."""
    importer = Actor("service", "redress-intake")
    bulk = [(c.case, c.change) for c in _closed_history("")]
    items = [(convert_new_case(c), case_change(ch, importer)) for c, ch in bulk]
    stored = store.store_closed_cases(items, importer)
    assert [created for _, created, _ in stored] == [True] * len(items)
    assert len({case_id for case_id, _, _ in stored}) == len(items)

    def shown(case_id: str) -> tuple[object, ...]:
        view = store.get_case(case_id)
        assert view is not None
        c = view.case
        entries = store.audit_events(case_id, 0, 1000)
        return (
            (c.stage, c.priority, c.category, c.breached, c.escalation_level),
            (c.next_deadline, c.deadline_order, c.resolved_at, c.closed_at, c.received_at),
            c.search_text,
            sorted((k.name, k.state, k.due_at, k.breached_at, k.stopped_at) for k in view.clocks),
            view.outcome and (view.outcome.decision, view.outcome.recorded_at),
            [(e.actor_kind, e.actor_id, e.action, e.field, e.new_value) for e in entries][1:],
            [e.sequence for e in entries],
        )

    for (case_id, _, _), (case, change) in zip(stored, bulk, strict=True):
        live_case = cases_pb2.CreateCaseRequest()
        live_case.CopyFrom(case)
        live_case.workflow_id += "-one-at-a-time"
        made, _, created = store.create_case(convert_new_case(live_case), importer)
        assert created
        live_change = cases_pb2.RecordCaseChangeRequest()
        live_change.CopyFrom(change)
        live_change.case_id = made.case_id
        live_change.change_id += "-one-at-a-time"
        assert store.record_change(case_change(live_change, importer))
        assert shown(case_id) == shown(made.case_id)
        view = store.get_case(case_id)
        assert view is not None and view.case.stage == "closed" and view.outcome is not None
        assert store.verify_audit_trail(case_id).intact

    trails = [len(store.audit_events(c, 0, 1000)) for c, _, _ in stored]
    again = store.store_closed_cases(items, importer)
    assert again == [(case_id, False, False) for case_id, _, _ in stored]
    assert [len(store.audit_events(c, 0, 1000)) for c, _, _ in stored] == trails


def test_two_importers_storing_the_same_closed_cases_at_once_store_each_once(
    store: CaseStore,
) -> None:
    """Two replicas handed the same batch at the same moment (a retried call,
    two importers of one file): each case is stored once, both are told its
    case id, and its trail is written once."""
    import threading

    importer = Actor("service", "redress-intake")
    protos = _closed_history("", rows=40)
    items = [(convert_new_case(c.case), case_change(c.change, importer)) for c in protos]
    answers: list[list[tuple[str, bool, bool]]] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        try:
            answers.append(store.store_closed_cases(items, importer))
        except BaseException as err:  # the assertion below names it
            failures.append(err)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    first, second = answers
    assert [c for c, _, _ in first] == [c for c, _, _ in second]
    assert sorted(created for _, created, _ in first + second) == [False] * 40 + [True] * 40
    for case_id, _, _ in first:
        assert store.verify_audit_trail(case_id).intact
    with store.sessions() as session:
        stored = session.scalar(select(sqlalchemy.func.count()).select_from(Case))
    assert stored == 40
