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
from dataclasses import dataclass
from pathlib import Path

ROLES = (
    "intake_client",
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


def key_from_metadata(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str | None:
    """The API key a call carries, as `authorization: Bearer <key>` or `x-api-key`."""
    for name, value in metadata or ():
        text = value.decode() if isinstance(value, bytes) else value
        if name == "authorization" and text.lower().startswith("bearer "):
            return text[7:].strip()
        if name == "x-api-key":
            return text.strip()
    return None
