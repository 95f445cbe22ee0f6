"""The signed, expiring links that take a customer to their case's status page.

The letters a customer receives (services/followup) carry a link to the
public web form's status page (services/intake/webform); the link holds the
case id signed with a secret that the letter renderer, the web form and the
services that answer the web form for a case (cases, followup) share
(REDRESS_STATUS_LINK_SECRET or REDRESS_STATUS_LINK_SECRET_FILE). A link that
was changed, or signed with another secret, is refused; one older than
REDRESS_STATUS_LINK_MAX_AGE_DAYS (90 by default) has expired.

The web form calls services/cases and services/followup with its own key
(role `web_form`) and passes the customer's link in the call's metadata
(`x-redress-status-link`); `CustomerCaseAccess`, an admission check of the
serving harness (redress/platform/serving.py), lets a `web_form` caller read
or act on a case only when the link it passes names that case. A key of the
web form alone therefore reads no case whose link no customer holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from redress.platform.auth import Principal
from redress.platform.errors import Violations
from redress.platform.scope import case_not_found
from redress.platform.settings import Env

# The metadata key the web form sends a customer's link under.
METADATA_KEY = "x-redress-status-link"
# The role of the public web form's own key.
WEB_FORM_ROLE = "web_form"
DEFAULT_MAX_AGE_DAYS = 90
MIN_SECRET_LENGTH = 32
_SALT = "redress.status-link.v1"


class LinkRefused(Exception):
    """The link is not one Redress signed, or not for this case."""


class LinkExpired(LinkRefused):
    """The link was signed by Redress but is older than the links may be;
    `case_id` is the case it named, so that the customer can be told their
    reference and ask for a new link."""

    def __init__(self, message: str, case_id: str = "") -> None:
        super().__init__(message)
        self.case_id = case_id


@dataclass(frozen=True)
class StatusLinks:
    """Signs and checks status links; builds their URLs when the web form's
    public address is known."""

    secret: str
    max_age_seconds: int = DEFAULT_MAX_AGE_DAYS * 86400
    # e.g. "https://complaints.example.com"; "" when the form is not published.
    public_url: str = ""

    def _serializer(self, signed_at: float | None = None) -> URLSafeTimedSerializer:
        if signed_at is None:
            return URLSafeTimedSerializer(self.secret, salt=_SALT)
        at = int(signed_at)

        class Dated(TimestampSigner):
            def get_timestamp(self) -> int:
                return at

        return URLSafeTimedSerializer(self.secret, salt=_SALT, signer=Dated)

    def sign(self, case_id: str, *, signed_at: float | None = None) -> str:
        """A link to the case's status page; `signed_at` (seconds since the
        epoch) dates it other than now, e.g. to try an expired link."""
        return str(self._serializer(signed_at).dumps({"c": case_id}))

    def case_of(self, token: str, *, now: float | None = None) -> str:
        """The case id a link names; LinkExpired or LinkRefused otherwise."""
        serializer = self._serializer()
        try:
            if now is None:
                data = serializer.loads(token, max_age=self.max_age_seconds)
            else:
                # Tests and callers that know the time pass it: itsdangerous
                # reads the clock itself, so the check is done here.
                data, signed_at = serializer.loads(token, return_timestamp=True)
                if now - signed_at.timestamp() > self.max_age_seconds:
                    raise LinkExpired("the link has expired", _case_in(None, data))
        except SignatureExpired as err:
            raise LinkExpired("the link has expired", _case_in(serializer, err.payload)) from err
        except BadSignature as err:
            raise LinkRefused("the link is not valid") from err
        case_id = data.get("c") if isinstance(data, dict) else None
        if not isinstance(case_id, str) or not case_id:
            raise LinkRefused("the link is not valid")
        return case_id

    def url(self, case_id: str) -> str:
        """The status page's address for a case; "" when the web form's public
        address is not configured, so that a letter carries no broken link."""
        if not self.public_url:
            return ""
        return f"{self.public_url.rstrip('/')}/status/{self.sign(case_id)}"

    def survey_urls(self, case_id: str) -> list[dict[str, str]]:
        """One link per score (1 to 5) to the web form's survey page for the
        case, each carrying the case's signed link; [] when the web form's
        public address is not configured."""
        if not self.public_url:
            return []
        base = f"{self.public_url.rstrip('/')}/survey/{self.sign(case_id)}"
        return [{"score": str(n), "url": f"{base}/{n}"} for n in range(1, 6)]

    @staticmethod
    def fingerprint(token: str) -> str:
        """How a link is named in logs: never the link itself."""
        return "link:" + hashlib.sha256(token.encode()).hexdigest()[:10]


def _case_in(serializer: URLSafeTimedSerializer | None, payload: Any) -> str:
    """The case an expired link named (its signature was checked)."""
    try:
        data = serializer.load_payload(payload) if serializer is not None else payload
    except Exception:
        return ""
    case_id = data.get("c") if isinstance(data, dict) else None
    return case_id if isinstance(case_id, str) else ""


def status_links(env: Env, *, public_url_variable: str = "") -> StatusLinks | None:
    """The status-link settings of a process, or None when no secret is set.

    REDRESS_STATUS_LINK_SECRET (or REDRESS_STATUS_LINK_SECRET_FILE, a file
    holding it) of at least 32 characters, REDRESS_STATUS_LINK_MAX_AGE_DAYS;
    `public_url_variable` names the variable with the web form's public URL
    (REDRESS_WEBFORM_PUBLIC_URL) for those that build links."""
    secret = env.string("REDRESS_STATUS_LINK_SECRET", "")
    secret_file = env.readable_file("REDRESS_STATUS_LINK_SECRET_FILE")
    if not secret and secret_file is not None:
        secret = Path(secret_file).read_text(encoding="utf-8").strip()
    days = env.integer("REDRESS_STATUS_LINK_MAX_AGE_DAYS", DEFAULT_MAX_AGE_DAYS, minimum=1)
    public_url = env.string(public_url_variable, "") if public_url_variable else ""
    if public_url and not public_url.startswith(("https://", "http://")):
        env.problems.append(
            f"{public_url_variable}={public_url!r}: expected the form's address, "
            "e.g. https://complaints.example.com"
        )
        public_url = ""
    if not secret:
        return None
    if len(secret) < MIN_SECRET_LENGTH:
        env.problems.append(
            f"REDRESS_STATUS_LINK_SECRET: at least {MIN_SECRET_LENGTH} characters "
            "(e.g. `openssl rand -hex 32`)"
        )
        return None
    return StatusLinks(secret, days * 86400, public_url)


def link_from_metadata(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str:
    for name, value in metadata or ():
        if name == METADATA_KEY:
            return value.decode() if isinstance(value, bytes) else value
    return ""


class CustomerCaseAccess:
    """An admission check for the calls the public web form makes about one
    case (redress/platform/serving.py, `ServiceSpec.admit_request`).

    `methods` maps each method to whether it must name a case: a caller whose
    only role allowing the method is `web_form` must then pass a status link
    for the very case the request names (`case_id`), else the case is
    answered as not found. A method whose case is optional (knowledge's
    SuggestArticles) is checked only when a case is named. Without `links`
    (no secret configured) a web form caller can name no case."""

    def __init__(self, links: StatusLinks | None, methods: Mapping[str, bool]) -> None:
        self.links = links
        self.methods = dict(methods)

    def __call__(
        self,
        principal: Principal,
        method: str,
        allowed: frozenset[str],
        request: Any,
        metadata: tuple[tuple[str, str | bytes], ...],
    ) -> None:
        if WEB_FORM_ROLE not in principal.roles or (principal.roles & allowed) - {WEB_FORM_ROLE}:
            return
        if method not in self.methods:
            return
        case_id = str(getattr(request, "case_id", "") or "")
        if not case_id:
            if self.methods[method]:
                v = Violations()
                v.add(
                    "case_id",
                    f"required: {principal.id} may call {method} only for the case whose "
                    "status link the customer holds",
                )
                v.raise_if_any()
            return
        token = link_from_metadata(metadata)
        if self.links is None or not token:
            raise case_not_found(case_id)
        try:
            linked = self.links.case_of(token)
        except LinkRefused:
            raise case_not_found(case_id) from None
        if linked != case_id:
            raise case_not_found(case_id)
