"""What every console page shares: the console's state, the person signed in, rendering.

Each request is served as the person signed in, through the gRPC APIs only
(`caller()`). Forms post back to the page they are on; a refusal re-renders the
page with the service's field-level errors next to the fields (`Refusal.field`
in the templates), a success redirects (so a reload never repeats an action)
and says what happened (`flash`).
"""

from __future__ import annotations

import time as monotonic
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import abort, current_app, g, make_response, render_template, request
from google.protobuf.timestamp_pb2 import Timestamp
from markupsafe import Markup, escape
from werkzeug.wrappers.response import Response

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain import money
from redress.domain.policy import Policy, PolicyError
from redress.followup.v1 import followup_pb2
from redress.knowledge.v1 import knowledge_pb2
from redress.platform import highlights
from redress.platform.auth import ApiKeys, KeysFile
from redress.platform.enums import short_name
from redress.platform.wire import time_or_none
from services.console import i18n, timeline
from services.console.apis import Apis, Caller, Refusal
from services.console.clocks import span
from services.console.queue import SavedViews
from services.console.sessions import Session, Sessions

# Where the app keeps its `Console` among Flask's extensions.
EXTENSION = "redress.console"
IN_FORCE_SECONDS = 30.0


@dataclass(frozen=True)
class ConsoleConfig:
    keys_file: Path
    views_file: Path
    workflow_link: str
    idle_seconds: float
    secure_cookies: bool


class Console:
    """What the console keeps between requests: its settings, the channels to the
    services, who is signed in, people's saved views and the policies read so far."""

    def __init__(self, config: ConsoleConfig, apis: Apis) -> None:
        self.config = config
        self.apis = apis
        self.sessions = Sessions(config.idle_seconds)
        self.views = SavedViews(config.views_file)
        self._policies: dict[tuple[str, str], Policy] = {}
        self._in_force: Policy | None = None
        self._in_force_at = -IN_FORCE_SECONDS
        # Read again when the file changes, as every service does (redress/platform/auth.py).
        self.keys = KeysFile(config.keys_file)
        self.keys_seen = self.keys.generation

    def api_keys(self) -> ApiKeys:
        return self.keys.current()

    def policy_of(self, person: Caller, case: cases_pb2.Case | None) -> Policy | None:
        """The policy a case was opened under, or the one in force without a case;
        None when the person may not read it or it cannot be read."""
        policy_id = case.policy_id if case else ""
        version = case.policy_version if case else ""
        cached = self._policies.get((policy_id, version))
        if cached is not None:
            return cached
        if not policy_id and monotonic.monotonic() - self._in_force_at < IN_FORCE_SECONDS:
            return self._in_force
        try:
            document = person.cases(
                "GetPolicy", cases_pb2.GetPolicyRequest(policy_id=policy_id, version=version)
            ).policy.document
            policy = Policy.load(document)
        except (Refusal, PolicyError):
            return None
        if policy_id:
            self._policies[(policy_id, version)] = policy
        else:
            # The policy in force changes only when an administrator publishes
            # one: asked for again at most every IN_FORCE_SECONDS, not per page.
            self._in_force, self._in_force_at = policy, monotonic.monotonic()
        return policy


def console() -> Console:
    found: Console = current_app.extensions[EXTENSION]
    return found


def me() -> Session:
    session: Session | None = g.get("session")
    if session is None:
        abort(401)
    return session


def caller() -> Caller:
    """The services, called with the signed-in person's own key."""
    return console().apis.as_person(me().key)


def policy_of(case: cases_pb2.Case | None = None) -> Policy | None:
    """The rules a case runs under: its policy version, and within it the
    rules of its complaint type; without a case, the policy in force."""
    policy = console().policy_of(caller(), case)
    if policy is None or case is None:
        return policy
    try:
        return policy.for_type(case.complaint_type)
    except KeyError:
        return None


def flash(kind: str, text: str) -> None:
    me().flashes.append((kind, text))


def page(template: str, status: int = 200, **context: Any) -> Response:
    session: Session | None = g.get("session")
    flashes = list(session.flashes) if session else []
    if session:
        session.flashes.clear()
    body = render_template(template, flashes=flashes, **context)
    return make_response(body, status)


def refusal_text(err: Refusal) -> str:
    """A refusal in one line, for an error page or a flash: what it means, then the
    service's own message."""
    return f"{g.t(err.summary)} {err.message}"


def form(name: str) -> str:
    return request.form.get(name, "").strip()


def local_datetime(value: str, field: str, problems: dict[str, str]) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems[field] = g.t("a date and time")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def globals_for_pages() -> dict[str, Any]:
    """What every template may use besides its own page's values."""
    session: Session | None = g.get("session")
    return {
        "_": g.t,
        "lang": g.lang,
        "languages": i18n.LANGUAGES,
        "session": session,
        "csrf": session.csrf if session else "",
        "can": (lambda *roles: bool(session and session.has_any(*roles))),
        "now": datetime.now(UTC),
        "span": lambda seconds: span(seconds, g.t),
        "audit_sentence": timeline.audit_sentence,
        "cause_words": timeline.cause_words,
        "message_sentence": timeline.message_sentence,
        "short": short_name,
        "common": common_pb2,
        "followup": followup_pb2,
        "knowledge": knowledge_pb2,
        "here": request.full_path.rstrip("?"),
    }


def format_money(value: Any) -> str:
    """The `money` filter: a Money (minor units and currency) as money in
    the page's language ("£1,250.00", "1.250,00 €")."""
    if not value.currency:
        return ""
    return money.shown(value.minor_units, value.currency, g.get("lang", "en"))


def highlight(marked: str) -> Markup:
    """The `highlight` filter: a search snippet with its matches in <mark>.
    Every piece of the article's text is escaped; only the service's match
    markers become markup (redress/platform/highlights.py)."""
    return Markup("").join(
        Markup("<mark>{}</mark>").format(text) if hit else escape(text)
        for text, hit in highlights.pieces(marked)
    )


def format_size(size: int) -> str:
    """The `filesize` filter: bytes as people read them (1.2 MB, 340 KB, 12 bytes)."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} KB"
    return f"{size} bytes"


def format_dt(value: Any) -> str:
    """The `dt` filter: a Timestamp or datetime as people read it, in UTC."""
    moment = time_or_none(value) if isinstance(value, Timestamp) else value
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""
