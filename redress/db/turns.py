"""One process at a time, among the replicas that share a database.

Some jobs may be done by any replica but by only one at once: draining the
knowledge base's index outbox (two drainers would write the same change
twice, and an older reading of an article could land after a newer one),
rebuilding the search index, migrating the schema. On PostgreSQL a turn is a
session-level advisory lock held on a connection of its own: it is released
when the turn ends, and by the server when the process holding it dies (its
connection closes), so a killed replica never keeps it.

SQLite is the embedded default of a single machine: there a turn is always
granted, and the process's own locks keep its tasks apart. Replicas of a
service need PostgreSQL (docs/deployment.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text


def lock_key(name: str) -> int:
    """The advisory lock's number for a job's name: a signed 64-bit integer."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@dataclass
class Turn:
    """A job's turn, held until released."""

    name: str
    connection: Connection | None = None

    def release(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(self.name)}
            )
            connection.commit()
        except Exception:
            # Not returned to the pool still holding the lock: dropped, the
            # server releases it with the session.
            connection.invalidate()
        finally:
            connection.close()


def take_turn(engine: Engine, name: str) -> Turn | None:
    """The turn of the job `name`; None, at once, when another process has it."""
    if engine.dialect.name != "postgresql":
        return Turn(name)
    connection = engine.connect()
    try:
        key = {"key": lock_key(name)}
        taken = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), key))
        # Ends the statement's transaction; a session-level lock outlives it.
        connection.commit()
    except BaseException:
        connection.invalidate()
        connection.close()
        raise
    if not taken:
        connection.close()
        return None
    return Turn(name, connection)


def wait_for_turn_in(connection: Connection, name: str) -> None:
    """Within `connection`'s transaction: waits for the job's turn, which the
    transaction's end gives back (PostgreSQL; nothing on SQLite)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
