"""The tokens each form carries against cross-site posts, and its idempotency key.

Every form the service renders carries a token signed with itsdangerous
(time-limited, REDRESS_WEBFORM_FORM_MAX_AGE_SECONDS) that binds together:

- the form's idempotency key, made when the form is first shown, so that a
  double submit, a reload or a resubmit after a refusal files one complaint
  (or records one reply);
- a random value also kept in the browser's cookie (HttpOnly, SameSite=Lax):
  a page of another site can make a browser post our form, but cannot read
  the cookie's value nor a token made for it (a double-submit token);
- for the status page, the case the form is about.

No server-side session is kept: any process of the service can check a token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

COOKIE = "redress_form"
_SALT = "redress.webform.form-token.v1"


class FormRefused(Exception):
    """The form's token is missing, forged, from another browser or too old."""


@dataclass(frozen=True)
class FormToken:
    key: str
    case_id: str = ""


def new_browser_value() -> str:
    return secrets.token_urlsafe(24)


def _bind(browser_value: str) -> str:
    return hashlib.sha256(browser_value.encode()).hexdigest()[:32]


class FormTokens:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.max_age = max_age_seconds

    def issue(self, browser_value: str, key: str, case_id: str = "") -> str:
        return str(self._serializer.dumps({"k": key, "b": _bind(browser_value), "c": case_id}))

    def check(self, token: str, browser_value: str, case_id: str = "") -> FormToken:
        if not token or not browser_value:
            raise FormRefused("the form carries no token, or the browser sent no cookie")
        try:
            data = self._serializer.loads(token, max_age=self.max_age)
        except SignatureExpired as err:
            raise FormRefused("the form is too old") from err
        except BadSignature as err:
            raise FormRefused("the form's token is not valid") from err
        if not isinstance(data, dict) or not isinstance(data.get("k"), str):
            raise FormRefused("the form's token is not valid")
        if not hmac.compare_digest(str(data.get("b", "")), _bind(browser_value)):
            raise FormRefused("the form was made for another browser")
        if str(data.get("c", "")) != case_id:
            raise FormRefused("the form was made for another case")
        return FormToken(data["k"], case_id)


def new_key(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(16)}"
