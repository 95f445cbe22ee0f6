"""Who is signed in to the console.

A person signs in with their API key, the same key and roles the APIs know
them by. The key stays on the server: the browser holds only a random session
token (HttpOnly, SameSite=Strict cookie), and each form carries a per-session
token against cross-site requests. Sessions end after a period of inactivity,
on sign-out, when the console restarts, and when their key is removed from
the keys file (or its principal or roles change).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from redress.platform.auth import Principal

# The cookie that holds the session token.
COOKIE = "redress_session"


@dataclass
class Session:
    token: str
    key: str
    principal: Principal
    csrf: str
    last_seen: float
    flashes: list[tuple[str, str]] = field(default_factory=list)
    # The hotline forms this person has filed, by idempotency key: a form sent
    # again goes to its case, not to the duplicates it now has itself.
    filed: dict[str, str] = field(default_factory=dict)

    def has_any(self, *roles: str) -> bool:
        return self.principal.has_any(frozenset(roles))


class Sessions:
    def __init__(self, idle_seconds: float) -> None:
        self._idle = idle_seconds
        self._lock = threading.Lock()
        self._by_token: dict[str, Session] = {}

    def open(self, key: str, principal: Principal) -> Session:
        session = Session(
            token=secrets.token_urlsafe(32),
            key=key,
            principal=principal,
            csrf=secrets.token_urlsafe(24),
            last_seen=time.monotonic(),
        )
        with self._lock:
            self._expire()
            self._by_token[session.token] = session
        return session

    def find(self, token: str) -> Session | None:
        now = time.monotonic()
        with self._lock:
            session = self._by_token.get(token)
            if session is None:
                return None
            if now - session.last_seen > self._idle:
                del self._by_token[token]
                return None
            session.last_seen = now
            return session

    def keep_only(self, valid: Callable[[Session], bool]) -> int:
        """Ends every session `valid` refuses (its key removed or changed); how many."""
        with self._lock:
            ended = [t for t, s in self._by_token.items() if not valid(s)]
            for token in ended:
                del self._by_token[token]
        return len(ended)

    def close(self, token: str) -> None:
        with self._lock:
            self._by_token.pop(token, None)

    def count(self) -> int:
        with self._lock:
            self._expire()
            return len(self._by_token)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, s in self._by_token.items() if now - s.last_seen > self._idle]:
            del self._by_token[token]


def same_token(expected: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())
