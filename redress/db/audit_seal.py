"""Seals over the audit trail, made with a key the database does not hold.

The hash chain (services/cases/audit.py) shows a change to an entry that
was not followed by re-hashing every later entry; anyone who can write the
database can re-hash, and nothing in a chain shows that its last entries
were removed. So each entry and each case's trail head are also sealed with
an HMAC-SHA256 under the audit key, which lives outside the database
(REDRESS_AUDIT_KEY_FILE or REDRESS_AUDIT_KEY; docs/deployment.md):

- an entry's seal covers its case, sequence, hash and the values erased from
  it: an entry re-hashed, or whose values were blanked as an erasure would
  blank them, no longer matches its seal;
- the head seal covers the case, how many entries its trail has and the last
  entry's hash: a trail cut short no longer matches it.

Only the case service writes seals (and the migration that sealed the
trails already recorded at upgrade, 0017); it lives here so that both can.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

KEY_VARIABLE = "REDRESS_AUDIT_KEY"
KEY_FILE_VARIABLE = "REDRESS_AUDIT_KEY_FILE"
MIN_KEY_LENGTH = 32
# An audit entry's values that carry what changed; an erasure may blank them.
VALUE_FIELDS = ("old_value", "new_value", "cause")


class AuditKeyError(ValueError):
    """The audit key is missing, unreadable or not the one the trail was sealed with."""


@dataclass(frozen=True)
class AuditKey:
    secret: bytes = b""

    @property
    def key_id(self) -> str:
        """Names the key without revealing it: stored with each head seal,
        so that verifying with another key says so instead of "tampered"."""
        return hashlib.sha256(b"redress-audit-key-id\n" + self.secret).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"AuditKey(key_id={self.key_id!r})"

    @classmethod
    def of(cls, text: str) -> AuditKey:
        text = text.strip()
        if len(text) < MIN_KEY_LENGTH:
            raise AuditKeyError(
                f"the audit key must be at least {MIN_KEY_LENGTH} characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        return cls(text.encode())


def audit_key_from(environ: Mapping[str, str]) -> AuditKey | None:
    """The key from REDRESS_AUDIT_KEY_FILE (a file holding it) or
    REDRESS_AUDIT_KEY; None when neither is set."""
    path = environ.get(KEY_FILE_VARIABLE, "")
    text = environ.get(KEY_VARIABLE, "")
    if path and text:
        raise AuditKeyError(f"set {KEY_FILE_VARIABLE} or {KEY_VARIABLE}, not both")
    if path:
        try:
            return AuditKey.of(Path(path).read_text())
        except OSError as err:
            raise AuditKeyError(f"{KEY_FILE_VARIABLE}={path!r}: {err.strerror}") from err
        except AuditKeyError as err:
            raise AuditKeyError(f"{KEY_FILE_VARIABLE}={path!r}: {err}") from err
    if text:
        try:
            return AuditKey.of(text)
        except AuditKeyError as err:
            raise AuditKeyError(f"{KEY_VARIABLE}: {err}") from err
    return None


def hashed_json(content: list[object]) -> str:
    """Content as hashes and seals cover it: compact JSON, text as written.

    The standard library's `json.dumps(ensure_ascii=False, separators=(",",
    ":"))` defines it, for every trail ever sealed. orjson writes the same
    characters for every string, integer and list (a string is escaped one
    character at a time, and every character agrees:
    tests/unit/test_audit_hashing.py) several times faster, which matters
    when an import seals millions of entries; what orjson refuses (a lone
    surrogate, an integer beyond 64 bits) is written by the standard library."""
    try:
        return orjson.dumps(content).decode()
    except orjson.JSONEncodeError:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def _mac(key: AuditKey, kind: str, content: list[object]) -> str:
    message = kind + "\n" + hashed_json(content)
    return hmac.digest(key.secret, message.encode(), "sha256").hex()


def entry_seal(
    key: AuditKey, case_id: str, sequence: int, entry_hash: str, erased: Iterable[str]
) -> str:
    return _mac(key, "redress-audit-entry/1", [case_id, sequence, entry_hash, sorted(erased)])


def head_seal(key: AuditKey, case_id: str, entries: int, head_hash: str) -> str:
    return _mac(key, "redress-audit-head/1", [case_id, entries, head_hash])


def seals_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
