"""The case database: schema (SQLAlchemy models), migrations and engines.

SQLite under ./var is the embedded default; PostgreSQL in production
(`REDRESS_DATABASE_URL=postgresql+psycopg://...`). Only services/cases writes
the case tables; services/followup owns its own (templates, messages,
webhooks); reporting reads them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from redress.platform.settings import data_dir


def default_url() -> str:
    return f"sqlite:///{data_dir() / 'redress.db'}"


def database_url() -> str:
    return os.environ.get("REDRESS_DATABASE_URL") or default_url()


def json_text(value: Any) -> str:
    """A JSON column's value as stored. orjson writes it several times faster
    than the standard library (an audit entry carries two); what orjson
    refuses (a lone surrogate, an integer beyond 64 bits) is written by the
    standard library as before."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def json_value(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        # JSON orjson refuses that the standard library reads (NaN, lone
        # surrogates written before).
        return json.loads(text)


def make_engine(url: str | None = None, **kwargs: object) -> Engine:
    """An engine with the connection settings Redress relies on."""
    url = url or database_url()
    parsed = make_url(url)
    kwargs.setdefault("json_serializer", json_text)
    kwargs.setdefault("json_deserializer", json_value)
    # A failed statement's error would otherwise quote its values (customers'
    # names, narratives) into the logs.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)  # type: ignore[arg-type]

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)  # type: ignore[arg-type]


class Store:
    """What every store of a service shares: its engine, sessions that keep
    loaded rows usable after commit, close and a readiness ping."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> bool:
        try:
            with self.sessions() as session:
                session.execute(select(1))
            return True
        except Exception:
            return False
