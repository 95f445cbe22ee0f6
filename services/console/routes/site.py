"""What belongs to no one area: the console's own files, its health check and its error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, g, make_response
from werkzeug.wrappers.response import Response

from services.console.pages import page

STATIC = Path(__file__).parent.parent / "static"

blueprint = Blueprint("site", __name__)
KINDS = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


@blueprint.route("/favicon.ico")
def favicon() -> Response:
    """Browsers and tools that ignore the pages' <link rel="icon"> ask here."""
    return static_file("favicon.svg")


@blueprint.route("/static/<path:name>")
def static_file(name: str) -> Response:
    if name not in KINDS:
        abort(404)
    response = make_response((STATIC / name).read_bytes())
    response.headers["Content-Type"] = KINDS[name]
    response.headers["Cache-Control"] = "max-age=3600"
    return response


@blueprint.route("/healthz")
def healthz() -> Response:
    return make_response("ok\n", 200, {"Content-Type": "text/plain"})


# Registered for the whole app, so that URLs matching no page get them too.
@blueprint.app_errorhandler(400)
def bad_request(err: Any) -> Response:
    return page("error.html", 400, message=str(err.description))


@blueprint.app_errorhandler(404)
def not_found(err: Any) -> Response:
    return page("error.html", 404, message=g.t("Not found."))


@blueprint.app_errorhandler(413)
def too_large(err: Any) -> Response:
    return page("error.html", 413, message=g.t("The file is too large."))
