"""Signing in with an API key and signing out."""

from __future__ import annotations

from flask import Blueprint, g, redirect, request
from prometheus_client import Counter
from werkzeug.wrappers.response import Response

from services.console.pages import console, page
from services.console.sessions import COOKIE

SIGN_INS = Counter("redress_console_sign_ins_total", "Console sign-in attempts", ["result"])

blueprint = Blueprint("signin", __name__)


@blueprint.route("/signin", methods=["GET", "POST"])
def signin() -> Response:
    target = request.values.get("next", "/cases")
    if not target.startswith("/") or target.startswith("//"):
        target = "/cases"
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
