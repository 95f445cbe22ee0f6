"""The console's web application: settings, what every request goes through, and the pages.

Every request picks its language, finds its session (or is sent to sign in)
and, for a form, checks the session's token against cross-site posts; every
response carries the security headers. The pages themselves live by area in
`services/console/routes/`.
"""

from __future__ import annotations

import time as monotonic
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, abort, g, redirect, request
from prometheus_client import Counter, Histogram
from werkzeug.wrappers.response import Response

from services.console import i18n
from services.console.apis import Apis
from services.console.pages import (
    EXTENSION,
    Console,
    ConsoleConfig,
    format_dt,
    format_money,
    format_size,
    globals_for_pages,
    highlight,
)
from services.console.routes import (
    cases,
    hotline,
    knowledge,
    policy,
    queue,
    reports,
    signin,
    site,
    staff,
)
from services.console.sessions import COOKIE, same_token

__all__ = ["ConsoleConfig", "create_app"]

LANG_COOKIE = "redress_lang"
TEMPLATES = Path(__file__).parent / "templates"
# Pages anybody may open without signing in.
OPEN_PATHS = ("/signin", "/healthz", "/static/", "/favicon.ico")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)

REQUESTS = Counter(
    "redress_console_requests_total", "Console pages served", ["route", "method", "status"]
)
LATENCY = Histogram(
    "redress_console_request_seconds", "Time to serve a console page", ["route", "method"]
)


def create_app(config: ConsoleConfig, apis: Apis) -> Flask:
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    console = Console(config, apis)
    app.extensions[EXTENSION] = console

    @app.before_request
    def before() -> Response | None:
        g.started = monotonic.perf_counter()
        g.lang = i18n.choose(
            request.args.get("lang") or request.cookies.get(LANG_COOKIE, ""),
            request.headers.get("Accept-Language", ""),
        )
        g.t = i18n.translator(g.lang)
        keys = console.api_keys()
        if console.keys.generation != console.keys_seen:
            # The keys file changed: a session lives no longer than its key.
            console.keys_seen = console.keys.generation
            console.sessions.keep_only(lambda s: keys.authenticate(s.key) == s.principal)
        g.session = console.sessions.find(request.cookies.get(COOKIE, ""))
        if g.session is None and not request.path.startswith(OPEN_PATHS):
            if request.method == "GET":
                return redirect("/signin?" + urlencode({"next": request.full_path.rstrip("?")}))
            return redirect("/signin")
        if request.method == "POST" and g.session is not None:
            if not same_token(g.session.csrf, request.form.get("csrf", "")):
                abort(400, "the form is out of date; reload the page and try again")
        return None

    @app.after_request
    def after(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        LATENCY.labels(route, request.method).observe(monotonic.perf_counter() - g.started)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        # A download sets a stricter policy of its own (a sandbox).
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.args.get("lang") in i18n.LANGUAGES:
            response.set_cookie(
                LANG_COOKIE, g.lang, max_age=365 * 86400, samesite="Lax", httponly=True
            )
        return response

    app.context_processor(globals_for_pages)
    app.template_filter("dt")(format_dt)
    app.template_filter("money")(format_money)
    app.template_filter("filesize")(format_size)
    app.template_filter("highlight")(highlight)
    for area in (site, signin, queue, cases, hotline, knowledge, reports, policy, staff):
        app.register_blueprint(area.blueprint)
    return app
