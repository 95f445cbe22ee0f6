"""Signing in with an API key and signing out."""

from __future__ import annotations

import unicodedata
import urllib.parse

from flask import Blueprint, g, redirect, request
from prometheus_client import Counter
from werkzeug.wrappers.response import Response

from services.console.pages import console, page
from services.console.sessions import COOKIE

SIGN_INS = Counter("redress_console_sign_ins_total", "Console sign-in attempts", ["result"])

blueprint = Blueprint("signin", __name__)


def same_site_path(text: str) -> str | None:
    """`text` if it is a path on this site (`/cases?page=2`), else None.

    Browsers forgive a great deal in a Location header: they drop tabs and line
    breaks, read `\\` as `/` and `/<tab>/evil.example` as `//evil.example`, another
    site. So the text is read as a browser would, decoded as often as it is
    encoded, and refused if any reading of it is not a plain absolute path: it
    must start with one `/`, and hold no second `/` or `\\` after it, no
    backslash, scheme, host, control, format or space-like character."""
    readings = [text]
    while len(readings) < 4 and "%" in readings[-1]:
        decoded = urllib.parse.unquote(readings[-1])
        if decoded == readings[-1]:
            break
        readings.append(decoded)
    for reading in readings:
        if not reading.startswith("/") or reading[1:2] in ("/", "\\") or "\\" in reading:
            return None
        if any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in reading):
            return None  # tabs, line breaks, NUL, zero-width and odd spaces
        parts = urllib.parse.urlsplit(reading)
        if parts.scheme or parts.netloc:
            return None
    if text != text.strip():
        return None
    return text


@blueprint.route("/signin", methods=["GET", "POST"])
def signin() -> Response:
    target = same_site_path(request.values.get("next", "")) or "/cases"
    if request.method == "GET":
        return page("signin.html", next=target, error="")
    key = request.form.get("key", "").strip()
    principal = console().api_keys().authenticate(key) if key else None
    if principal is None:
        SIGN_INS.labels("refused").inc()
        message = g.t("This key is not known. Use the API key you were given.")
        return page("signin.html", 401, next=target, error=message)
    SIGN_INS.labels("signed_in").inc()
    session = console().sessions.open(key, principal)
    response = redirect(target)
    response.set_cookie(
        COOKIE,
        session.token,
        httponly=True,
        samesite="Strict",
        secure=console().config.secure_cookies,
    )
    return response


@blueprint.route("/signout", methods=["POST"])
def signout() -> Response:
    console().sessions.close(request.cookies.get(COOKIE, ""))
    response = redirect("/signin")
    response.delete_cookie(COOKIE)
    return response


@blueprint.route("/")
def home() -> Response:
    return redirect("/cases")
