"""The work queue: the cases a person filters and sorts, and their saved views."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, g, redirect, request
from werkzeug.wrappers.response import Response

from services.console.apis import Refusal
from services.console.clocks import next_deadline
from services.console.pages import caller, console, flash, form, me, page, policy_of
from services.console.queue import (
    CHANNELS,
    FILTERS,
    PRIORITIES,
    REGIMES,
    SORTS,
    builtin_views,
    list_request,
)

blueprint = Blueprint("queue", __name__)


@blueprint.route("/cases")
def queue() -> Response:
    query = {k: request.args.get(k, "").strip() for k in FILTERS if request.args.get(k)}
    token = request.args.get("page_token", "")
    list_req, due_by, problems = list_request(query, token)
    cases: list[dict[str, Any]] = []
    next_token = ""
    refusal: Refusal | None = None
    now = datetime.now(UTC)
    if not problems:
        try:
            answer = caller().cases("ListCases", list_req)
            next_token = answer.page.next_page_token
            for case in answer.cases:
                deadline = next_deadline(case, now, g.t)
                if due_by and (deadline["clock"] is None or deadline["clock"]["due"] > due_by):
                    # Sorted by deadline: nothing later in the list is due sooner.
                    next_token = ""
                    break
                cases.append({"case": case, **deadline})
        except Refusal as err:
            refusal = err
    policy = policy_of()
    return page(
        "queue.html",
        400 if (problems or refusal) else 200,
        cases=cases,
        query=query,
        problems=problems,
        refusal=refusal,
        next_token=next_token,
        next_href="/cases?" + urlencode({**query, "page_token": next_token}),
        first_href="/cases?" + urlencode(query),
        views=builtin_views(
            me().principal.id,
            [name for name, stage in policy.every_stage().items() if not stage.closed]
            if policy
            else [],
        ),
        my_views=console().views.of(me().principal.id),
        current_view=request.args.get("view", ""),
        stages=list(policy.every_stage()) if policy else [],
        categories=list(policy.categories) if policy else [],
        priorities=PRIORITIES,
        channels=CHANNELS,
        regimes=REGIMES,
        sorts=list(SORTS),
    )


@blueprint.route("/views", methods=["POST"])
def save_view() -> Response:
    name = form("name")
    query = {k: request.form.get(k, "").strip() for k in FILTERS}
    if not name or len(name) > 60:
        flash("error", g.t("Give the view a name of 1 to 60 characters."))
    else:
        console().views.save(me().principal.id, name, query)
        flash("ok", g.t("View saved."))
    kept = {k: v for k, v in query.items() if v}
    return redirect("/cases?" + urlencode({**kept, **({"view": name} if name else {})}))


@blueprint.route("/views/delete", methods=["POST"])
def delete_view() -> Response:
    console().views.delete(me().principal.id, form("name"))
    flash("ok", g.t("View deleted."))
    return redirect("/cases")
