"""Faults below the workflows: services/cases down, and the PostgreSQL
database dropping every connection while complaints are filed and worked.

A platform of its own on a fresh PostgreSQL database, as production runs it.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import grpc
import pytest
import sqlalchemy

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.devstack.platform import LocalPlatform, Ports
from redress.intake.v1 import intake_pb2_grpc
from tests.conftest import (
    POSTGRES_ADMIN_URL,
    bearer,
    eventually,
    fresh_postgres_database,
    start_platform,
)
from tests.e2e.faults.support import RETRYABLE, ROWS, complaint, file_until_answered

# What a client may see while a dependency is away: a clear "try again".
CLEAR = {*RETRYABLE, grpc.StatusCode.ABORTED}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with fresh_postgres_database() as url:
        local = LocalPlatform(
            tmp_path_factory.mktemp("faults-db"), Ports.free(), database_url=url, log_format="json"
        )
        try:
            start_platform(local)
            yield local
        finally:
            local.stop()


def cases_stub(site: LocalPlatform) -> cases_pb2_grpc.CasesServiceStub:
    return cases_pb2_grpc.CasesServiceStub(grpc.insecure_channel(site.address("cases")))


def test_with_the_case_store_down_intake_accepts_durably_and_nothing_is_lost(
    site: LocalPlatform,
) -> None:
    admin = bearer(site.credentials.admin_key)
    marker = uuid.uuid4().hex[:10]
    request = complaint(ROWS[5], marker)
    site.supervisor.stop(site.processes["cases"])
    try:
        intake = intake_pb2_grpc.IntakeServiceStub(grpc.insecure_channel(site.address("intake")))
        with pytest.raises(grpc.RpcError) as err:
            intake.SubmitComplaint(request, metadata=admin, timeout=8)
        # Not a silent loss: the caller is told the complaint is accepted and
        # how to get its case.
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED, err.value.details()
        assert "the complaint is accepted" in err.value.details()
        assert "call again with the same idempotency key" in err.value.details()
    finally:
        site.start_service("cases")
    # The workflow's activities retried meanwhile; the same key now gives the case.
    case_id = file_until_answered(site, request)
    cases = cases_stub(site)
    listed = cases.ListCases(cases_pb2.ListCasesRequest(text=marker), metadata=admin, timeout=30)
    assert [c.case_id for c in listed.cases] == [case_id]
    eventually(
        lambda: (
            cases.GetCase(
                cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=10
            ).case.stage
            == "acknowledged"
        ),
        timeout=90,
        interval=1,
    )


def drop_connections(database: str) -> int:
    """What a database failover or network blip does: every session ends at once."""
    engine = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            return len(
                connection.execute(
                    sqlalchemy.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": database},
                ).all()
            )
    finally:
        engine.dispose()


def test_a_database_blip_gives_clear_errors_and_leaves_every_audit_chain_intact(
    site: LocalPlatform,
) -> None:
    admin = bearer(site.credentials.admin_key)
    database = site.database_url.rsplit("/", 1)[1]
    cases = cases_stub(site)
    marker = uuid.uuid4().hex[:10]
    stop = threading.Event()
    dropped: list[int] = []

    def blips() -> None:
        while True:
            dropped.append(drop_connections(database))
            if stop.wait(0.7):
                return

    seen: Counter[str] = Counter()
    case_ids: list[str] = []
    blipping = threading.Thread(target=blips, daemon=True)
    blipping.start()
    try:
        # File and work complaints until several blips have hit (at least
        # six complaints, at most as many as there are rows).
        for number, row in enumerate(ROWS[6:30]):
            if number >= 6 and sum(1 for d in dropped if d) >= 4:
                break
            case_ids.append(file_until_answered(site, complaint(row, marker)))
            for case_id in case_ids:
                for method, request, timeout in (
                    ("GetCase", cases_pb2.GetCaseRequest(case_id=case_id), 10),
                    ("ListCases", cases_pb2.ListCasesRequest(text=marker), 10),
                    (
                        "AddNote",
                        cases_pb2.AddNoteRequest(case_id=case_id, body="checked during a blip"),
                        15,
                    ),
                ):
                    try:
                        getattr(cases, method)(request, metadata=admin, timeout=timeout)
                        seen["OK"] += 1
                    except grpc.RpcError as err:
                        seen[err.code().name] += 1
                        assert err.code() in CLEAR, f"{method}: {err.code()}: {err.details()}"
                        assert err.details(), "a refusal must say what happened"
    finally:
        stop.set()
        blipping.join()
    assert sum(1 for d in dropped if d) >= 4, f"too few blips ended sessions: {dropped}"
    assert seen["OK"] > 0

    # Afterwards: one case per complaint, every chain verifies, nothing half-written.
    assert len(set(case_ids)) == len(case_ids)

    def listed() -> list[str]:
        found = cases.ListCases(cases_pb2.ListCasesRequest(text=marker), metadata=admin, timeout=30)
        return sorted(c.case_id for c in found.cases)

    assert eventually(lambda: listed() == sorted(case_ids), timeout=60)
    for case_id in case_ids:
        case = cases.GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=10)
        sequences = [e.sequence for e in case.case.audit_events]
        assert sequences == list(range(1, len(sequences) + 1)), case_id
        verdict = cases.VerifyAuditTrail(
            cases_pb2.VerifyAuditTrailRequest(case_id=case_id), metadata=admin, timeout=10
        )
        assert verdict.intact, case_id
    # A note whose call was answered OK is on its case once.
    # (Those refused may or may not have landed: the caller was told to retry.)
