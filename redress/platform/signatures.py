"""HMAC-SHA256 signatures over a webhook's raw body, both ways.

The scheme Redress signs its own webhooks with (docs/followups.md), and
checks on webhooks it receives (docs/social.md):

    X-Redress-Timestamp: <unix seconds>
    X-Redress-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">

The timestamp is signed with the body, so an old request cannot be replayed
with a new time; a receiver refuses timestamps outside its window.
"""

from __future__ import annotations

import hashlib
import hmac


class BadSignature(Exception):
    """The request is not signed by a holder of the secret, or too old or new;
    the message says which, without anything that helps a forger."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(
    secret: str, timestamp: str, signature: str, body: bytes, now: float, window_seconds: float
) -> None:
    """Raises BadSignature unless `signature` is `sign(secret, timestamp, body)`
    and `timestamp` is within `window_seconds` of `now` either way."""
    try:
        sent = int(timestamp)
    except ValueError:
        raise BadSignature(
            "X-Redress-Timestamp must be the time of sending in unix seconds"
        ) from None
    if abs(now - sent) > window_seconds:
        raise BadSignature(
            f"X-Redress-Timestamp is more than {int(window_seconds)} seconds from now: "
            "sign each request when sending it"
        )
    # Several versions may be given (a secret being rotated); any may match.
    given = [p.strip()[3:] for p in signature.split(",") if p.strip().startswith("v1=")]
    expected = sign(secret, timestamp, body)[3:]
    if not any(hmac.compare_digest(expected.encode(), g.encode()) for g in given):
        raise BadSignature("the signature does not match the body and timestamp")
