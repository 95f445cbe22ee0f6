"""API keys, the roles they carry, and who is calling.

Keys come from a file (`REDRESS_API_KEYS_FILE`), one per line:

    <key> <principal> <role>[,<role>...]

A key may be written as `sha256:<hex digest of the key>` so that the file
holds no usable secret. Lines starting with `#` are comments. Keys are never
logged: a caller is known in logs and the audit trail by its principal.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("redress.auth")

# How often a process looks at the keys file for a change: a key removed
# from the file stops working within about this long, in every process.
RELOAD_SECONDS = 1.0

ROLES = (
    "intake_client",
    # A process that turns messages from a channel (social networks, chat)
    # into complaints and replies: intake, and customer replies on cases.
    "channel_adapter",
    # The public web form and status page (services/intake/webform): files
    # complaints, reads and answers a case only with the customer's signed
    # status link (redress/platform/status_links.py), searches customer
    # articles and records whether they answered the customer's question.
    "web_form",
    "agent",
    "team_lead",
    "manager",
    "administrator",
    "auditor",
    "reporting_reader",
    "service",
)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    id: str
    roles: frozenset[str]

    def has_any(self, roles: frozenset[str]) -> bool:
        return bool(self.roles & roles)

    @property
    def actor_kind(self) -> str:
        """How the audit trail names this caller: a service or a person."""
        return "service" if "service" in self.roles else "person"


ANONYMOUS = Principal("anonymous", frozenset())

current_principal: contextvars.ContextVar[Principal] = contextvars.ContextVar(
    "current_principal", default=ANONYMOUS
)


class ApiKeyFileError(Exception):
    pass


class ApiKeys:
    """The keys a process accepts, held as sha256 digests."""

    def __init__(self, entries: dict[str, Principal]) -> None:
        self._by_digest = entries

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def parse(cls, text: str, source: str = "api keys") -> ApiKeys:
        entries: dict[str, Principal] = {}
        problems = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 3:
                problems.append(f"{source}:{number}: expected `<key> <principal> <roles>`")
                continue
            key, principal, role_list = parts
            roles = frozenset(r for r in role_list.split(",") if r)
            unknown = sorted(roles - set(ROLES))
            if unknown:
                problems.append(
                    f"{source}:{number}: unknown role(s) {', '.join(unknown)}; "
                    f"known roles: {', '.join(ROLES)}"
                )
                continue
            if key.startswith("sha256:"):
                digest = key.removeprefix("sha256:").lower()
                if len(digest) != 64:
                    problems.append(f"{source}:{number}: a sha256 digest has 64 hex digits")
                    continue
            else:
                if len(key) < 16:
                    problems.append(f"{source}:{number}: keys must be at least 16 characters")
                    continue
                digest = cls.digest(key)
            entries[digest] = Principal(principal, roles)
        if problems:
            raise ApiKeyFileError("\n".join(problems))
        if not entries:
            raise ApiKeyFileError(f"{source}: no API keys defined")
        return cls(entries)

    @classmethod
    def load(cls, path: Path) -> ApiKeys:
        try:
            text = path.read_text()
        except OSError as err:
            raise ApiKeyFileError(
                f"cannot read the API keys file {path} ({err.strerror}); "
                "set REDRESS_API_KEYS_FILE or run `make run`, which creates one"
            ) from err
        return cls.parse(text, str(path))

    def authenticate(self, key: str) -> Principal | None:
        digest = self.digest(key)
        for known, principal in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return principal
        return None


class KeysFile:
    """The keys file of a running process, read again whenever it changes.

    Every call to `authenticate` looks at the file's size, inode and modification
    time at most once every `check_seconds`; a change reloads it. A file that no
    longer parses (half written, a typo) is reported in the log and the keys
    read before stay in force until it is fixed: one bad edit must not lock
    every caller out. `generation` counts the reloads, for those who keep
    something derived from a key (the console's sessions)."""

    def __init__(self, path: Path, check_seconds: float = RELOAD_SECONDS) -> None:
        self.path = path
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._keys = ApiKeys.load(path)
        self._checked = time.monotonic()
        self.generation = 0

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def current(self) -> ApiKeys:
        now = time.monotonic()
        if now - self._checked < self.check_seconds:
            return self._keys
        with self._lock:
            if now - self._checked < self.check_seconds:
                return self._keys
            self._checked = now
            stamp = self._stat()
            if stamp == self._stamp:
                return self._keys
            try:
                keys = ApiKeys.load(self.path)
            except ApiKeyFileError as err:
                log.error(
                    "the API keys file changed and is not valid; the keys read before "
                    "stay in force until it is fixed: %s",
                    err,
                )
                self._stamp = stamp
                return self._keys
            self._keys, self._stamp = keys, stamp
            self.generation += 1
            log.info("API keys file %s read again", self.path)
            return keys

    def authenticate(self, key: str) -> Principal | None:
        return self.current().authenticate(key)


def fingerprint(key: str) -> str:
    """Who an unknown key is in logs: 8 hex digits of its SHA-256, never the key."""
    return "key:" + ApiKeys.digest(key)[:8]


def key_from_metadata(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str | None:
    """The API key a call carries, as `authorization: Bearer <key>` or `x-api-key`."""
    for name, value in metadata or ():
        text = value.decode() if isinstance(value, bytes) else value
        if name == "authorization" and text.lower().startswith("bearer "):
            return text[7:].strip()
        if name == "x-api-key":
            return text.strip()
    return None
