"""The policy page: the policy in force, a draft's what-if over the cases of
a past period, and publishing the draft (administrators), side by side so
that the difference is read before the draft applies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, g, redirect, request
from werkzeug.wrappers.response import Response

from redress.cases.v1 import cases_pb2
from redress.reporting.v1 import reporting_pb2
from services.console.apis import Refusal
from services.console.pages import caller, flash, page, refusal_text
from services.console.routes.reports import time_range

blueprint = Blueprint("policy", __name__)

# The people who read a draft's effect (WhatIfPolicy's roles).
READERS = ("administrator", "manager", "auditor")
# A what-if over a long period takes a while.
WHAT_IF_SECONDS = 600.0
# The period a what-if looks at unless told: the last 90 days.
DEFAULT_DAYS = 90
MAX_UPLOAD = 256_000


def _in_force() -> tuple[cases_pb2.Policy | None, Refusal | None]:
    try:
        return caller().cases("GetPolicy", cases_pb2.GetPolicyRequest()).policy, None
    except Refusal as err:
        return None, err


def _draft_text(problems: dict[str, str]) -> str:
    """The draft as pasted, or as uploaded (an upload wins)."""
    upload = request.files.get("draft_file")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            problems["draft_document"] = g.t("at most 256,000 characters")
            return ""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            problems["draft_document"] = g.t("a YAML or JSON file in UTF-8")
            return ""
    return request.form.get("draft", "")


def _period(problems: dict[str, str]) -> tuple[date, date]:
    today = datetime.now(UTC).date()
    found = []
    for name, default in (("from", today - timedelta(days=DEFAULT_DAYS - 1)), ("to", today)):
        text = request.form.get(name) or request.args.get(name) or ""
        try:
            found.append(date.fromisoformat(text) if text else default)
        except ValueError:
            problems[name] = g.t("a date as YYYY-MM-DD")
            found.append(default)
    if found[0] > found[1]:
        problems["from"] = g.t("on or before the end date")
    return found[0], found[1]


@blueprint.route("/policy", methods=["GET", "POST"])
def policy() -> Response:
    in_force, refusal = _in_force()
    problems: dict[str, str] = {}
    start, end = _period(problems)
    draft = in_force.document if in_force is not None else ""
    answer = None
    action = request.form.get("action", "") if request.method == "POST" else ""
    if action:
        draft = _draft_text(problems)
    if action == "publish" and not problems:
        try:
            published = caller().cases(
                "PublishPolicy", cases_pb2.PublishPolicyRequest(document=draft)
            )
        except Refusal as err:
            refusal = err
        else:
            p = published.policy
            flash(
                "ok",
                g.t(
                    "Policy {policy} version {version} published; new complaints follow it."
                ).format(policy=p.policy_id, version=p.version)
                if published.published
                else g.t("Policy {policy} version {version} was already published.").format(
                    policy=p.policy_id, version=p.version
                ),
            )
            return redirect("/policy")
    elif action == "what_if" and not problems:
        try:
            answer = caller().reporting(
                "WhatIfPolicy",
                reporting_pb2.WhatIfPolicyRequest(
                    draft_document=draft, received=time_range(start, end), limit=200
                ),
                timeout=WHAT_IF_SECONDS,
            )
        except Refusal as err:
            refusal = err
    elif action and action not in ("publish", "what_if"):
        flash("error", g.t("Choose What if or Publish."))
    status = 422 if (problems or (refusal and action)) else 200
    if refusal and not action:
        return page("error.html", 403, message=refusal_text(refusal))
    return page(
        "policy.html",
        status,
        in_force=in_force,
        draft=draft,
        start=start,
        end=end,
        problems=problems,
        refusal=refusal if action else None,
        answer=answer,
        readers=READERS,
    )
