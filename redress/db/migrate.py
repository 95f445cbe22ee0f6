"""Running the schema migrations (Alembic) programmatically."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from redress.db import database_url, make_engine
from redress.db.turns import wait_for_turn_in

log = logging.getLogger("redress.db")

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATIONS_TURN = "redress.db.migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    url = url or database_url()
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            # Replicas of services/cases starting together migrate one after
            # the other: the later ones find the schema current.
            wait_for_turn_in(connection, MIGRATIONS_TURN)
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def current(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


async def wait_for_schema(url: str, seconds: float) -> None:
    """services/cases migrates the database; the other services wait until it is current."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            revision = await asyncio.to_thread(current, url)
        except Exception:
            revision = None
        if revision == head:
            return
        if loop.time() > deadline:
            raise SystemExit(
                f"the database schema is at {revision or 'nothing'}, not {head}: start "
                "services/cases (it migrates on start) or run `python -m redress.db upgrade`"
            )
        log.info("waiting for the database schema", extra={"fields": {"at": revision}})
        await asyncio.sleep(1.0)
