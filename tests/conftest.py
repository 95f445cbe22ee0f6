"""Real servers for the tests: each fixture starts what it needs and stops exactly that."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import grpc
import pytest
import sqlalchemy

from redress.devstack.platform import SERVICES, LocalPlatform, Ports

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
}


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    """The whole platform as `make run` starts it, on free ports and a scratch directory."""
    local = LocalPlatform(tmp_path_factory.mktemp("platform"), Ports.free(), log_format="json")
    try:
        local.start_temporal(persist=False, ui=False)
        local.start_meilisearch()
        local.start_mail()
        for name in SERVICES:
            local.start_service(name, FOLLOWUP_TEST_ENV if name == "followup" else None)
        local.start_worker()
        yield local
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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end.

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
