"""Real servers for the tests: each fixture starts what it needs and stops exactly that."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import grpc
import pytest
import sqlalchemy
import yaml

from redress.db.migrate import upgrade
from redress.devstack import platform as devstack_platform
from redress.devstack.platform import SERVICES, LocalPlatform, Ports
from services.cases.store import CaseStore

# The tests' audit key: every case store and platform the tests start, and the
# migrations that seal trails, use this one (docs/deployment.md, Security notes).
if not (os.environ.get("REDRESS_AUDIT_KEY") or os.environ.get("REDRESS_AUDIT_KEY_FILE")):
    os.environ["REDRESS_AUDIT_KEY"] = secrets.token_hex(32)

T = TypeVar("T")
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POSTGRES_ADMIN_URL = os.environ.get(
    "REDRESS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def eventually(check: Callable[[], T], timeout: float = 20.0, interval: float = 0.25) -> T:
    """Polls `check` until it returns a truthy value without raising AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        error: AssertionError | None = None
        try:
            result = check()
            if result:
                return result
        except AssertionError as err:
            error = err
        if time.monotonic() >= deadline:
            if error is not None:
                raise error
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        time.sleep(interval)


# Retries within seconds, not minutes, so that outages in tests are short.
FOLLOWUP_TEST_ENV = {
    "REDRESS_MESSAGE_RETRY_INITIAL_SECONDS": "0.5",
    "REDRESS_MESSAGE_RETRY_MAX_SECONDS": "2",
    "REDRESS_WEBHOOK_RETRY_INITIAL_SECONDS": "0.3",
    "REDRESS_WEBHOOK_RETRY_MAX_SECONDS": "1",
    "REDRESS_WEBHOOK_MAX_ATTEMPTS": "3",
    "REDRESS_WEBHOOK_DISABLE_AFTER": "2",
    # The tests' webhook receivers listen on loopback, which webhooks may not
    # reach unless an administrator allows it.
    "REDRESS_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
}


# The staff directory of the test platforms (tests/staff.yaml), in place of
# the one `make run` starts with: every person and team the tests assign work
# to, since the case service refuses names it does not know. The team
# "disputes" is used by no policy rule, so only tests that assign to it raise
# staff alerts.
TEST_STAFF_FILE = Path(__file__).with_name("staff.yaml")
STAFF_DIRECTORY = yaml.safe_load(TEST_STAFF_FILE.read_text(encoding="utf-8"))
# The one `make run` starts with, for tests of `make run`'s own platform.
LOCAL_STAFF_FILE = devstack_platform.LOCAL_STAFF
devstack_platform.LOCAL_STAFF = TEST_STAFF_FILE


def followup_env(platform: LocalPlatform) -> dict[str, str]:
    """The follow-up service's settings in tests: quick retries, the staff directory."""
    staff = platform.data_dir / "staff.yaml"
    staff.write_text(yaml.safe_dump(STAFF_DIRECTORY), encoding="utf-8")
    return {**FOLLOWUP_TEST_ENV, "REDRESS_STAFF_FILE": str(staff)}


def start_platform(
    local: LocalPlatform,
    *,
    persist: bool = False,
    followup: dict[str, str] | None = None,
    every: dict[str, str] | None = None,
) -> LocalPlatform:
    """Starts what `make run` starts but the console and the Temporal UI.

    `persist` keeps Temporal's state in a file (so that it can be restarted),
    `followup` adds to the follow-up service's test settings, `every` goes to
    every service and the worker."""
    local.start_temporal(persist=persist, ui=False)
    local.start_meilisearch()
    local.start_mail()
    for name in SERVICES:
        extra = {**followup_env(local), **(followup or {})} if name == "followup" else {}
        local.start_service(name, {**(every or {}), **extra})
    local.start_worker(every)
    return local


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    """The whole platform as `make run` starts it, on free ports and a scratch directory."""
    local = LocalPlatform(tmp_path_factory.mktemp("platform"), Ports.free(), log_format="json")
    try:
        yield start_platform(local)
    finally:
        local.stop()


def bearer(key: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {key}"),)


@pytest.fixture(scope="session")
def admin(platform: LocalPlatform) -> tuple[tuple[str, str], ...]:
    return bearer(platform.credentials.admin_key)


@pytest.fixture(scope="session")
def channels(platform: LocalPlatform) -> Iterator[dict[str, grpc.Channel]]:
    opened = {name: grpc.insecure_channel(platform.address(name)) for name in SERVICES}
    yield opened
    for channel in opened.values():
        channel.close()


def postgres_available() -> str | None:
    """None if reachable, else why not."""
    try:
        engine = sqlalchemy.create_engine(POSTGRES_ADMIN_URL)
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("select 1"))
        engine.dispose()
        return None
    except Exception as err:
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {err.__class__.__name__}"


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new PostgreSQL database, dropped afterwards: its URL.

    Mandatory in CI; elsewhere the PostgreSQL tests are skipped with the reason.
    """
    problem = postgres_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}; PostgreSQL is required when CI is set")
        pytest.skip(problem)
    name = f"redress_test_{uuid.uuid4().hex[:12]}"
    admin_engine = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin_engine.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A case database at the newest migration, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cases.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        # A schema-less fresh database per test: the session database, emptied.
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text("DROP SCHEMA public CASCADE"))
            connection.execute(sqlalchemy.text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[CaseStore]:
    """The case store on `database_url`, with the session's audit key."""
    s = CaseStore(database_url)
    yield s
    s.close()


def cfpb_rows(filename: str, limit: int, with_narrative: bool = True) -> list[dict[str, Any]]:
    import csv

    rows = []
    with (SHARED_DATA / filename).open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if with_narrative and not row.get("Consumer complaint narrative"):
                continue
            rows.append(row)
            if len(rows) == limit:
                break
    return rows


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    encoding: str = "utf-8",
    fieldnames: list[str] | None = None,
) -> Path:
    """`rows` as a CSV file with a header, as a spreadsheet or export writes it."""
    import csv

    with path.open("w", newline="", encoding=encoding) as f:
        out = csv.DictWriter(f, fieldnames=fieldnames or list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    return path


FAQ = SHARED_DATA / "bank_faqs_shared.csv"


def meilisearch_client(platform: LocalPlatform) -> Any:
    """A Meilisearch client for the platform's engine, with its key."""
    import meilisearch

    return meilisearch.Client(
        f"http://{devstack_platform.HOST}:{platform.ports.meilisearch}",
        platform.credentials.meilisearch_key,
    )


def indexed(channels: dict[str, grpc.Channel], admin: Any) -> Any:
    """Waits until the knowledge base's search index has caught up with its database."""
    from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc

    stub = knowledge_pb2_grpc.KnowledgeServiceStub(channels["knowledge"])
    return eventually(
        lambda: (
            (
                s := stub.GetIndexStatus(
                    knowledge_pb2.GetIndexStatusRequest(), metadata=admin, timeout=10
                )
            ).pending
            == 0
            and s.search_engine_up
            and s
        ),
        timeout=60,
    )


@pytest.fixture(scope="session")
def faq(platform: LocalPlatform, channels: dict[str, grpc.Channel], admin: Any) -> int:
    """The real bank FAQ, imported through the API as `redress kb import` does;
    the number of distinct articles it holds."""
    import csv

    from redress.importers.faq import run_import

    assert run_import(FAQ, platform.address("knowledge"), platform.credentials.admin_key) == 0
    indexed(channels, admin)
    with FAQ.open(newline="", encoding="utf-8") as f:
        return len({(r["Question"], r["Answer"], r["Class"]) for r in csv.DictReader(f)})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make run`'s own test runs first. It needs the default ports, and 50051-50055
    lie in the kernel's ephemeral range: once other tests hold client connections,
    one of those ports can be the local end of one of them for the whole session."""
    items.sort(key=lambda item: 0 if item.nodeid.startswith("tests/e2e/test_make_run.py") else 1)
