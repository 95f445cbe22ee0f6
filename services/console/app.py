"""The console's pages: the queue, the case, knowledge, reports.

Each request is served as the person signed in, through the gRPC APIs only
(`Caller`). Forms post back to the page they are on; a refusal re-renders the
page with the service's field-level errors next to the fields, a success
redirects (so a reload never repeats an action) and says what happened.
"""

from __future__ import annotations

import re
import secrets
import time as monotonic
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, g, make_response, redirect, render_template, request
from google.protobuf.timestamp_pb2 import Timestamp
from prometheus_client import Counter, Histogram
from werkzeug.wrappers.response import Response

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain.policy import Policy, PolicyError
from redress.followup.v1 import followup_pb2
from redress.knowledge.v1 import knowledge_pb2
from redress.platform.auth import ApiKeys
from redress.platform.charts import svg_chart
from redress.platform.enums import choices, from_short_name, short_name
from redress.platform.requests import CASE_ID
from redress.reporting.v1 import reporting_pb2
from services.console import i18n
from services.console.apis import Apis, Caller, Refusal
from services.console.queue import (
    CHANNELS,
    FILTERS,
    PRIORITIES,
    REGIMES,
    SORTS,
    SavedViews,
    builtin_views,
    list_request,
)
from services.console.sessions import Session, Sessions, same_token

COOKIE = "redress_session"
IN_FORCE_SECONDS = 30.0
LANG_COOKIE = "redress_lang"
HERE = Path(__file__).parent

REQUESTS = Counter(
    "redress_console_requests_total", "Console pages served", ["route", "method", "status"]
)
LATENCY = Histogram(
    "redress_console_request_seconds", "Time to serve a console page", ["route", "method"]
)
SIGN_INS = Counter("redress_console_sign_ins_total", "Console sign-in attempts", ["result"])

DECISIONS = [
    ("upheld", cases_pb2.DECISION_UPHELD),
    ("partly_upheld", cases_pb2.DECISION_PARTLY_UPHELD),
    ("rejected", cases_pb2.DECISION_REJECTED),
    ("withdrawn", cases_pb2.DECISION_WITHDRAWN),
]
ARTICLE_STATES = choices(knowledge_pb2.ArticleState)
AUDIENCES = choices(knowledge_pb2.Audience)
RETURN_REGIMES = [("uk_fca", "FCA"), ("us_cfpb", "CFPB"), ("au_asic", "ASIC")]
ARTICLE_ID = re.compile(r"^KB-[0-9a-f]{16}$")
REPORT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
FORMATS = {
    "csv": reporting_pb2.RENDER_FORMAT_CSV,
    "json": reporting_pb2.RENDER_FORMAT_JSON,
    "xlsx": reporting_pb2.RENDER_FORMAT_XLSX,
    "html": reporting_pb2.RENDER_FORMAT_HTML,
}


@dataclass(frozen=True)
class ConsoleConfig:
    keys_file: Path
    views_file: Path
    workflow_link: str
    idle_seconds: float
    secure_cookies: bool


def ts(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def when(stamp: Timestamp) -> datetime | None:
    if not stamp.seconds and not stamp.nanos:
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def span(seconds: float) -> str:
    """A duration for people: "2 d 3 h", "3 h 20 min", "12 min"."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{max(minutes, 1) if seconds else 0} min"


def clock_view(clock: cases_pb2.Clock, now: datetime) -> dict[str, Any]:
    state = short_name(common_pb2.ClockState, clock.state)
    due = when(clock.due_at)
    warned = when(clock.warned_at)
    left = (due - now).total_seconds() if due else None
    mark = state
    if state == "running" and warned:
        mark = "warned"
    if state == "running" and left is not None and left < 0:
        mark = "breached"
    return {
        "name": clock.name,
        "state": state,
        "mark": mark,
        "regulatory": clock.regulatory,
        "regulation": clock.regulation,
        "description": clock.description,
        "due": due,
        "left": left,
        "left_text": span(left) if left is not None else "",
        "business_left": clock.business_time_left.ToTimedelta().total_seconds(),
        "basis": clock.basis,
        "calendar": clock.calendar,
        "pause_reason": clock.pause_reason,
        "paused_for": clock.paused_for.ToTimedelta().total_seconds(),
        "breached_at": when(clock.breached_at),
        "warned_at": warned,
        "stopped_at": when(clock.stopped_at),
    }


def next_deadline(case: cases_pb2.Case, now: datetime) -> dict[str, Any]:
    """What the queue shows of a case's clocks: the nearest deadline and the worst mark."""
    clocks = [clock_view(c, now) for c in case.clocks]
    running = [c for c in clocks if c["state"] == "running" and c["due"]]
    nearest = min(running, key=lambda c: c["due"]) if running else None
    marks = {c["mark"] for c in clocks}
    worst = (
        "breached"
        if case.breached or "breached" in marks
        else ("warned" if "warned" in marks else "")
    )
    return {"clock": nearest, "mark": worst}


def create_app(config: ConsoleConfig, apis: Apis) -> Flask:
    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    sessions = Sessions(config.idle_seconds)
    views = SavedViews(config.views_file)
    policies: dict[tuple[str, str], Policy] = {}
    in_force: dict[str, Any] = {"at": -IN_FORCE_SECONDS, "policy": None}
    keys_cache: dict[str, Any] = {"mtime": None, "keys": None}

    def api_keys() -> ApiKeys:
        # Read again when the file changes, as the services do on restart.
        mtime = config.keys_file.stat().st_mtime
        if keys_cache["mtime"] != mtime:
            keys_cache["keys"] = ApiKeys.load(config.keys_file)
            keys_cache["mtime"] = mtime
        keys: ApiKeys = keys_cache["keys"]
        return keys

    # ----------------------------------------------------------------- helpers

    def me() -> Session:
        session: Session | None = g.get("session")
        if session is None:
            abort(401)
        return session

    def caller() -> Caller:
        return apis.as_person(me().key)

    def policy_of(case: cases_pb2.Case | None = None) -> Policy | None:
        policy_id = case.policy_id if case else ""
        version = case.policy_version if case else ""
        cached = policies.get((policy_id, version))
        if cached is not None:
            return cached
        if not policy_id and monotonic.monotonic() - in_force["at"] < IN_FORCE_SECONDS:
            return in_force["policy"]
        try:
            document = (
                caller()
                .cases(
                    "GetPolicy", cases_pb2.GetPolicyRequest(policy_id=policy_id, version=version)
                )
                .policy.document
            )
            policy = Policy.load(document)
        except (Refusal, PolicyError):
            return None
        if policy_id:
            policies[(policy_id, version)] = policy
        else:
            # The policy in force changes only when an administrator publishes
            # one: asked for again at most every IN_FORCE_SECONDS, not per page.
            in_force.update(at=monotonic.monotonic(), policy=policy)
        return policy

    def flash(kind: str, text: str) -> None:
        me().flashes.append((kind, text))

    def page(template: str, status: int = 200, **context: Any) -> Response:
        session: Session | None = g.get("session")
        flashes = list(session.flashes) if session else []
        if session:
            session.flashes.clear()
        body = render_template(template, flashes=flashes, **context)
        return make_response(body, status)

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

    # --------------------------------------------------------------- each request

    @app.before_request
    def before() -> Response | None:
        g.started = monotonic.perf_counter()
        g.lang = i18n.choose(
            request.args.get("lang") or request.cookies.get(LANG_COOKIE, ""),
            request.headers.get("Accept-Language", ""),
        )
        g.t = i18n.translator(g.lang)
        g.session = sessions.find(request.cookies.get(COOKIE, ""))
        open_paths = ("/signin", "/healthz", "/static/")
        if g.session is None and not request.path.startswith(open_paths):
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
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'"
        )
        if request.args.get("lang") in i18n.LANGUAGES:
            response.set_cookie(
                LANG_COOKIE, g.lang, max_age=365 * 86400, samesite="Lax", httponly=True
            )
        return response

    @app.context_processor
    def globals_for_pages() -> dict[str, Any]:
        session: Session | None = g.get("session")
        return {
            "_": g.t,
            "lang": g.lang,
            "languages": i18n.LANGUAGES,
            "session": session,
            "csrf": session.csrf if session else "",
            "can": (lambda *roles: bool(session and session.has_any(*roles))),
            "now": datetime.now(UTC),
            "span": span,
            "short": short_name,
            "common": common_pb2,
            "followup": followup_pb2,
            "knowledge": knowledge_pb2,
            "here": request.full_path.rstrip("?"),
        }

    @app.template_filter("dt")
    def format_dt(value: Any) -> str:
        moment = when(value) if isinstance(value, Timestamp) else value
        return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""

    @app.errorhandler(400)
    def bad_request(err: Any) -> Response:
        return page("error.html", 400, message=str(err.description))

    @app.errorhandler(404)
    def not_found(err: Any) -> Response:
        return page("error.html", 404, message=g.t("Not found."))

    @app.errorhandler(413)
    def too_large(err: Any) -> Response:
        return page("error.html", 413, message=g.t("The file is too large."))

    @app.route("/static/<path:name>")
    def static_file(name: str) -> Response:
        if name not in ("console.css", "console.js"):
            abort(404)
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        response = make_response((HERE / "static" / name).read_bytes())
        response.headers["Content-Type"] = f"{kind}; charset=utf-8"
        response.headers["Cache-Control"] = "max-age=3600"
        return response

    @app.route("/healthz")
    def healthz() -> Response:
        return make_response("ok\n", 200, {"Content-Type": "text/plain"})

    # --------------------------------------------------------------- sign-in

    @app.route("/signin", methods=["GET", "POST"])
    def signin() -> Response:
        target = request.values.get("next", "/cases")
        if not target.startswith("/") or target.startswith("//"):
            target = "/cases"
        if request.method == "GET":
            return page("signin.html", next=target, error="")
        key = request.form.get("key", "").strip()
        principal = api_keys().authenticate(key) if key else None
        if principal is None:
            SIGN_INS.labels("refused").inc()
            message = g.t("This key is not known. Use the API key you were given.")
            return page("signin.html", 401, next=target, error=message)
        SIGN_INS.labels("signed_in").inc()
        session = sessions.open(key, principal)
        response = redirect(target)
        response.set_cookie(
            COOKIE,
            session.token,
            httponly=True,
            samesite="Strict",
            secure=config.secure_cookies,
        )
        return response

    @app.route("/signout", methods=["POST"])
    def signout() -> Response:
        sessions.close(request.cookies.get(COOKIE, ""))
        response = redirect("/signin")
        response.delete_cookie(COOKIE)
        return response

    @app.route("/")
    def home() -> Response:
        return redirect("/cases")

    # --------------------------------------------------------------- the queue

    @app.route("/cases")
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
                    deadline = next_deadline(case, now)
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
                [name for name, stage in policy.stages.items() if not stage.closed]
                if policy
                else [],
            ),
            my_views=views.of(me().principal.id),
            current_view=request.args.get("view", ""),
            stages=list(policy.stages) if policy else [],
            categories=list(policy.categories) if policy else [],
            priorities=PRIORITIES,
            channels=CHANNELS,
            regimes=REGIMES,
            sorts=list(SORTS),
        )

    @app.route("/views", methods=["POST"])
    def save_view() -> Response:
        name = form("name")
        query = {k: request.form.get(k, "").strip() for k in FILTERS}
        if not name or len(name) > 60:
            flash("error", g.t("Give the view a name of 1 to 60 characters."))
        else:
            views.save(me().principal.id, name, query)
            flash("ok", g.t("View saved."))
        kept = {k: v for k, v in query.items() if v}
        return redirect("/cases?" + urlencode({**kept, **({"view": name} if name else {})}))

    @app.route("/views/delete", methods=["POST"])
    def delete_view() -> Response:
        views.delete(me().principal.id, form("name"))
        flash("ok", g.t("View deleted."))
        return redirect("/cases")

    # --------------------------------------------------------------- one case

    def case_page(
        case_id: str,
        status: int = 200,
        refusal: Refusal | None = None,
        failed_form: str = "",
        preview: followup_pb2.RenderTemplateResponse | None = None,
        article_query: str = "",
    ) -> Response:
        if not CASE_ID.match(case_id):
            abort(404)
        person = caller()
        try:
            case = person.cases("GetCase", cases_pb2.GetCaseRequest(case_id=case_id)).case
        except Refusal as err:
            if err.code.name == "NOT_FOUND":
                abort(404)
            return page(
                "error.html",
                403 if err.code.name == "PERMISSION_DENIED" else 502,
                message=f"{g.t(err.summary)} {err.message}",
            )
        now = datetime.now(UTC)
        policy = policy_of(case)
        stage = policy.stages.get(case.stage) if policy else None

        def optional(call: Callable[[], Any], default: Any) -> Any:
            try:
                return call()
            except Refusal:
                return default

        messages = optional(
            lambda: (
                person.followup(
                    "ListMessages",
                    followup_pb2.ListMessagesRequest(
                        case_id=case_id, page=common_pb2.PageRequest(page_size=200)
                    ),
                ).messages
            ),
            [],
        )
        templates = optional(
            lambda: (
                person.followup(
                    "ListTemplates",
                    followup_pb2.ListTemplatesRequest(page=common_pb2.PageRequest(page_size=500)),
                ).templates
            ),
            [],
        )
        linked = optional(
            lambda: (
                person.knowledge(
                    "ListCaseArticles", knowledge_pb2.ListCaseArticlesRequest(case_id=case_id)
                ).articles
            ),
            [],
        )
        found = []
        if article_query:
            found = optional(
                lambda: (
                    person.knowledge(
                        "SearchArticles",
                        knowledge_pb2.SearchArticlesRequest(
                            query=article_query, page=common_pb2.PageRequest(page_size=10)
                        ),
                    ).hits
                ),
                [],
            )
        timeline: list[dict[str, Any]] = [
            {"at": when(e.recorded_at), "kind": "audit", "event": e} for e in case.audit_events
        ]
        timeline += [{"at": when(m.created_at), "kind": "message", "message": m} for m in messages]
        timeline.sort(key=lambda item: item["at"] or now, reverse=True)
        template_names = sorted({t.name for t in templates})
        return page(
            "case.html",
            status,
            case=case,
            clocks=[clock_view(c, now) for c in case.clocks],
            stage=stage,
            allowed=list(policy.allowed_from(case.stage)) if policy else [],
            categories=list(policy.categories) if policy else [],
            timeline=timeline,
            linked=linked,
            found=found,
            article_query=article_query,
            template_names=template_names,
            preview=preview,
            refusal=refusal,
            failed_form=failed_form,
            values=request.form if failed_form else {},
            priorities=PRIORITIES,
            decisions=DECISIONS,
            channels=CHANNELS,
            workflow_link=config.workflow_link.replace("{workflow_id}", case.workflow_id)
            if config.workflow_link
            else "",
            subtask_states={
                v: short_name(cases_pb2.SubtaskState, v) for v in cases_pb2.SubtaskState.values()
            },
            decision_name=lambda v: short_name(cases_pb2.Decision, v),
        )

    @app.route("/cases/<case_id>")
    def show_case(case_id: str) -> Response:
        return case_page(case_id, article_query=request.args.get("articles", "").strip())

    def act(case_id: str, name: str, done: str, call: Callable[[Caller], Any]) -> Response:
        """Runs one action on a case: back to the case with what happened, or
        the case again with the refusal next to the form's fields."""
        if not CASE_ID.match(case_id):
            abort(404)
        try:
            call(caller())
        except Refusal as err:
            return case_page(case_id, 422, refusal=err, failed_form=name)
        flash("ok", g.t(done))
        return redirect(f"/cases/{case_id}#{name}")

    def money(field: str, problems: dict[str, str]) -> common_pb2.Money | None:
        amount = form(f"{field}_amount")
        currency = form(f"{field}_currency").upper()
        if not amount:
            return None
        if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", amount):
            problems[field] = g.t("an amount such as 125.50")
            return None
        whole, _, cents = amount.partition(".")
        # Amounts are entered in major units with at most two decimals.
        return common_pb2.Money(
            currency=currency, minor_units=int(whole) * 100 + int(cents.ljust(2, "0"))
        )

    def refused_here(fields: dict[str, str]) -> Refusal:
        from grpc import StatusCode

        return Refusal(StatusCode.INVALID_ARGUMENT, "", fields)

    # The case page's forms that are one call each: the call, the request
    # built from the form, and what the person is told when it is done.
    one_call_forms: dict[str, tuple[str, Callable[[str], Any], str]] = {
        "assign": (
            "AssignCase",
            lambda case_id: cases_pb2.AssignCaseRequest(
                case_id=case_id, assignee=form("assignee"), team=form("team"), reason=form("reason")
            ),
            "Assignment saved.",
        ),
        "priority": (
            "ChangePriority",
            lambda case_id: cases_pb2.ChangePriorityRequest(
                case_id=case_id,
                priority=from_short_name(common_pb2.Priority, form("priority")),  # type: ignore[arg-type]
                reason=form("reason"),
            ),
            "Priority changed.",
        ),
        "category": (
            "ChangeCategory",
            lambda case_id: cases_pb2.ChangeCategoryRequest(
                case_id=case_id, category=form("category"), reason=form("reason")
            ),
            "Category changed.",
        ),
        "stage": (
            "TransitionStage",
            lambda case_id: cases_pb2.TransitionStageRequest(
                case_id=case_id, to_stage=form("to_stage"), reason=form("reason")
            ),
            "Stage changed.",
        ),
        "notes": (
            "AddNote",
            lambda case_id: cases_pb2.AddNoteRequest(
                case_id=case_id,
                body=request.form.get("body", ""),
                customer_visible=request.form.get("customer_visible") == "on",
            ),
            "Note added.",
        ),
        "resolve": (
            "ResolveCase",
            lambda case_id: cases_pb2.ResolveCaseRequest(case_id=case_id, reason=form("reason")),
            "Case resolved.",
        ),
        "close": (
            "CloseCase",
            lambda case_id: cases_pb2.CloseCaseRequest(case_id=case_id, reason=form("reason")),
            "Case closed.",
        ),
        "reopen": (
            "ReopenCase",
            lambda case_id: cases_pb2.ReopenCaseRequest(case_id=case_id, reason=form("reason")),
            "Case reopened.",
        ),
    }

    @app.route("/cases/<case_id>/<name>", methods=["POST"])
    def one_call_form(case_id: str, name: str) -> Response:
        if name not in one_call_forms:
            abort(404)
        method, build, done = one_call_forms[name]
        section = "lifecycle" if name in ("resolve", "close", "reopen") else name
        return act(case_id, section, done, lambda c: c.cases(method, build(case_id)))

    @app.route("/cases/<case_id>/subtasks", methods=["POST"])
    def add_subtask(case_id: str) -> Response:
        problems: dict[str, str] = {}
        due = local_datetime(form("due_at"), "due_at", problems)
        if problems:
            return case_page(case_id, 422, refusal=refused_here(problems), failed_form="subtasks")
        return act(
            case_id,
            "subtasks",
            "Subtask added.",
            lambda c: c.cases(
                "AddSubtask",
                cases_pb2.AddSubtaskRequest(
                    case_id=case_id,
                    title=form("title"),
                    description=form("description"),
                    assignee=form("assignee"),
                    team=form("team"),
                    due_at=ts(due) if due else None,
                ),
            ),
        )

    @app.route("/cases/<case_id>/subtasks/<subtask_id>/<verb>", methods=["POST"])
    def subtask(case_id: str, subtask_id: str, verb: str) -> Response:
        if verb == "complete":
            return act(
                case_id,
                "subtasks",
                "Subtask completed.",
                lambda c: c.cases(
                    "CompleteSubtask",
                    cases_pb2.CompleteSubtaskRequest(
                        case_id=case_id, subtask_id=subtask_id, note=form("note")
                    ),
                ),
            )
        if verb == "cancel":
            return act(
                case_id,
                "subtasks",
                "Subtask cancelled.",
                lambda c: c.cases(
                    "CancelSubtask",
                    cases_pb2.CancelSubtaskRequest(
                        case_id=case_id, subtask_id=subtask_id, reason=form("reason")
                    ),
                ),
            )
        abort(404)

    @app.route("/cases/<case_id>/clocks/<clock>/<verb>", methods=["POST"])
    def clock_action(case_id: str, clock: str, verb: str) -> Response:
        if verb not in ("pause", "resume"):
            abort(404)
        method = "PauseClock" if verb == "pause" else "ResumeClock"
        message = (
            cases_pb2.PauseClockRequest(case_id=case_id, clock=clock, reason=form("reason"))
            if verb == "pause"
            else cases_pb2.ResumeClockRequest(case_id=case_id, clock=clock)
        )
        done = "Clock paused." if verb == "pause" else "Clock resumed."
        return act(case_id, "clocks", done, lambda c: c.cases(method, message))

    @app.route("/cases/<case_id>/outcome", methods=["POST"])
    def outcome(case_id: str) -> Response:
        problems: dict[str, str] = {}
        redress = money("redress", problems)
        goodwill = money("goodwill", problems)
        if problems:
            return case_page(case_id, 422, refusal=refused_here(problems), failed_form="outcome")
        decision = dict(DECISIONS).get(form("decision"), cases_pb2.DECISION_UNSPECIFIED)
        return act(
            case_id,
            "outcome",
            "Outcome recorded.",
            lambda c: c.cases(
                "RecordOutcome",
                cases_pb2.RecordOutcomeRequest(
                    case_id=case_id,
                    decision=decision,
                    redress=redress,
                    goodwill=goodwill,
                    root_cause=form("root_cause"),
                    summary=form("summary"),
                ),
            ),
        )

    @app.route("/cases/<case_id>/articles/<article_id>/resolved", methods=["POST"])
    def article_resolved(case_id: str, article_id: str) -> Response:
        return act(
            case_id,
            "articles",
            "Article recorded as resolving this case.",
            lambda c: c.knowledge(
                "MarkArticleResolved",
                knowledge_pb2.MarkArticleResolvedRequest(case_id=case_id, article_id=article_id),
            ),
        )

    @app.route("/cases/<case_id>/message", methods=["POST"])
    def message(case_id: str) -> Response:
        template = form("template")
        channel = from_short_name(common_pb2.Channel, form("channel"))
        if request.form.get("action") == "preview":
            try:
                preview = caller().followup(
                    "RenderTemplate",
                    followup_pb2.RenderTemplateRequest(template_name=template, case_id=case_id),
                )
            except Refusal as err:
                return case_page(case_id, 422, refusal=err, failed_form="message")
            return case_page(case_id, preview=preview, failed_form="message-preview")
        return act(
            case_id,
            "message",
            "Message sent.",
            lambda c: c.followup(
                "SendMessage",
                followup_pb2.SendMessageRequest(
                    # One send per form shown: a resubmitted form sends nothing twice.
                    idempotency_key=form("send_key") or secrets.token_hex(16),
                    case_id=case_id,
                    template_name=template,
                    channel=channel,  # type: ignore[arg-type]
                ),
            ),
        )

    # --------------------------------------------------------------- knowledge

    @app.route("/knowledge")
    def knowledge() -> Response:
        query = request.args.get("q", "").strip()
        filters = {k: request.args.get(k, "").strip() for k in ("product", "category", "language")}
        state = request.args.get("state", "")
        token = request.args.get("page_token", "")
        answer = None
        refusal = None
        try:
            answer = caller().knowledge(
                "SearchArticles",
                knowledge_pb2.SearchArticlesRequest(
                    query=query,
                    products=[filters["product"]] if filters["product"] else [],
                    category=filters["category"],
                    language=filters["language"],
                    state=from_short_name(knowledge_pb2.ArticleState, state),  # type: ignore[arg-type]
                    page=common_pb2.PageRequest(page_size=20, page_token=token),
                ),
            )
        except Refusal as err:
            refusal = err
        return page(
            "knowledge.html",
            422 if refusal else 200,
            q=query,
            filters=filters,
            state=state,
            states=ARTICLE_STATES,
            answer=answer,
            refusal=refusal,
            next_href="/knowledge?"
            + urlencode(
                {
                    "q": query,
                    **filters,
                    "state": state,
                    "page_token": answer.page.next_page_token if answer else "",
                }
            ),
        )

    def article_of(article_id: str) -> knowledge_pb2.Article:
        if not ARTICLE_ID.match(article_id):
            abort(404)
        try:
            return (
                caller()
                .knowledge("GetArticle", knowledge_pb2.GetArticleRequest(article_id=article_id))
                .article
            )
        except Refusal as err:
            if err.code.name == "NOT_FOUND":
                abort(404)
            raise

    @app.route("/knowledge/<article_id>")
    def article(article_id: str) -> Response:
        found = article_of(article_id)
        media = []
        for media_id in found.media_ids:
            try:
                media.append(
                    caller()
                    .knowledge("GetMedia", knowledge_pb2.GetMediaRequest(media_id=media_id))
                    .media
                )
            except Refusal:
                continue
        return page("article.html", article=found, media=media, body_html=i18n.markdown(found.body))

    def article_form(
        existing: knowledge_pb2.Article | None, refusal: Refusal | None = None, status: int = 200
    ) -> Response:
        return page(
            "article_edit.html",
            status,
            article=existing,
            values=request.form if refusal else {},
            refusal=refusal,
            audiences=AUDIENCES,
        )

    @app.route("/knowledge/new", methods=["GET", "POST"])
    def new_article() -> Response:
        if request.method == "GET":
            return article_form(None)
        return save_article(None)

    @app.route("/knowledge/<article_id>/edit", methods=["GET", "POST"])
    def edit_article(article_id: str) -> Response:
        existing = article_of(article_id)
        if request.method == "GET":
            return article_form(existing)
        return save_article(existing)

    def save_article(existing: knowledge_pb2.Article | None) -> Response:
        person = caller()
        media_ids = list(existing.media_ids) if existing else []
        try:
            upload = request.files.get("attachment")
            if upload and upload.filename:
                media = person.knowledge(
                    "UploadMedia",
                    knowledge_pb2.UploadMediaRequest(
                        file_name=upload.filename,
                        content_type=upload.mimetype or "application/octet-stream",
                        content=upload.read(),
                    ),
                ).media
                media_ids.append(media.media_id)
            article = knowledge_pb2.Article(
                article_id=existing.article_id if existing else "",
                revision=existing.revision if existing else 0,
                title=form("title"),
                summary=form("summary"),
                body=request.form.get("body", ""),
                language=form("language"),
                audience=from_short_name(knowledge_pb2.Audience, form("audience")),  # type: ignore[arg-type]
                products=[p.strip() for p in form("products").split(",") if p.strip()],
                tags=[t.strip() for t in form("tags").split(",") if t.strip()],
                category=form("category"),
                media_ids=media_ids,
            )
            if existing:
                saved = person.knowledge(
                    "UpdateArticle", knowledge_pb2.UpdateArticleRequest(article=article)
                ).article
            else:
                saved = person.knowledge(
                    "CreateArticle", knowledge_pb2.CreateArticleRequest(article=article)
                ).article
            if request.form.get("publish") == "on":
                person.knowledge(
                    "PublishArticle",
                    knowledge_pb2.PublishArticleRequest(article_id=saved.article_id),
                )
        except Refusal as err:
            return article_form(existing, err, 422)
        flash("ok", g.t("Article saved."))
        return redirect(f"/knowledge/{saved.article_id}")

    @app.route("/knowledge/<article_id>/<verb>", methods=["POST"])
    def article_state(article_id: str, verb: str) -> Response:
        calls = {
            "publish": ("PublishArticle", knowledge_pb2.PublishArticleRequest),
            "archive": ("ArchiveArticle", knowledge_pb2.ArchiveArticleRequest),
        }
        if verb not in calls or not ARTICLE_ID.match(article_id):
            abort(404)
        method, message = calls[verb]
        try:
            caller().knowledge(method, message(article_id=article_id))
        except Refusal as err:
            flash("error", f"{g.t(err.summary)} {err.message}")
        else:
            flash(
                "ok", g.t("Article published.") if verb == "publish" else g.t("Article archived.")
            )
        return redirect(f"/knowledge/{article_id}")

    @app.route("/media/<media_id>")
    def media(media_id: str) -> Response:
        try:
            chunks = caller().stream(
                "knowledge", "DownloadMedia", knowledge_pb2.DownloadMediaRequest(media_id=media_id)
            )
        except Refusal:
            abort(404)
        info = next((c.media for c in chunks if c.HasField("media")), None)
        body = b"".join(c.data for c in chunks)
        response = make_response(body)
        response.headers["Content-Type"] = info.content_type if info else "application/octet-stream"
        name = re.sub(r"[^A-Za-z0-9._-]", "_", info.file_name if info else media_id)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    # --------------------------------------------------------------- reports

    def period_from_args() -> tuple[date, date, dict[str, str]]:
        problems: dict[str, str] = {}
        today = datetime.now(UTC).date()
        try:
            end = date.fromisoformat(request.args.get("to") or today.isoformat())
        except ValueError:
            problems["to"] = g.t("a date as YYYY-MM-DD")
            end = today
        try:
            start = date.fromisoformat(
                request.args.get("from") or (end - timedelta(days=29)).isoformat()
            )
        except ValueError:
            problems["from"] = g.t("a date as YYYY-MM-DD")
            start = end - timedelta(days=29)
        if start > end:
            problems["from"] = g.t("on or before the end date")
        return start, end, problems

    def time_range(start: date, end: date) -> common_pb2.TimeRange:
        return common_pb2.TimeRange(
            start=ts(datetime.combine(start, time(), UTC)),
            end=ts(datetime.combine(end + timedelta(days=1), time(), UTC)),
        )

    @app.route("/reports")
    def reports() -> Response:
        start, end, problems = period_from_args()
        dashboard = None
        refusal = None
        charts: dict[str, str] = {}
        if not problems:
            try:
                dashboard = caller().reporting(
                    "GetDashboard",
                    reporting_pb2.GetDashboardRequest(
                        filter=reporting_pb2.CaseFilter(received=time_range(start, end))
                    ),
                )
            except Refusal as err:
                refusal = err
        if dashboard is not None:
            for name, counts in (
                ("by_channel", dashboard.by_channel),
                ("by_category", dashboard.by_category),
                ("backlog_ageing", dashboard.backlog_ageing),
                ("outcome_mix", dashboard.outcome_mix),
            ):
                points = [(c.key or "-", float(c.value)) for c in counts]
                if points:
                    charts[name] = svg_chart(points, False, g.t(name.replace("_", " ")))
        return page(
            "reports.html",
            422 if (problems or refusal) else 200,
            start=start,
            end=end,
            problems=problems,
            refusal=refusal,
            dashboard=dashboard,
            charts=charts,
        )

    @app.route("/reports/returns")
    def returns() -> Response:
        start, end, problems = period_from_args()
        regime = request.args.get("regime", "uk_fca")
        if regime not in dict(RETURN_REGIMES):
            problems["regime"] = "one of " + ", ".join(dict(RETURN_REGIMES))
        answer = None
        refusal = None
        if not problems:
            try:
                answer = caller().reporting(
                    "GetRegulatoryReturn",
                    reporting_pb2.GetRegulatoryReturnRequest(
                        regime=from_short_name(common_pb2.Regime, regime),  # type: ignore[arg-type]
                        period=time_range(start, end),
                    ),
                )
            except Refusal as err:
                refusal = err
        return page(
            "returns.html",
            422 if (problems or refusal) else 200,
            start=start,
            end=end,
            regime=regime,
            regimes=RETURN_REGIMES,
            problems=problems,
            refusal=refusal,
            answer=answer,
        )

    @app.route("/reports/saved")
    def saved_reports() -> Response:
        refusal = None
        definitions: list[Any] = []
        try:
            definitions = list(
                caller()
                .reporting(
                    "ListReports",
                    reporting_pb2.ListReportsRequest(page=common_pb2.PageRequest(page_size=500)),
                )
                .definitions
            )
        except Refusal as err:
            refusal = err
        return page(
            "saved_reports.html",
            403 if refusal else 200,
            definitions=definitions,
            refusal=refusal,
            formats=list(FORMATS),
            kind_name=lambda v: short_name(reporting_pb2.ReportKind, v),
        )

    @app.route("/reports/saved/<name>.<fmt>")
    def run_saved(name: str, fmt: str) -> Response:
        if not REPORT_NAME.match(name) or fmt not in FORMATS:
            abort(404)
        try:
            answer = caller().reporting(
                "RunReport", reporting_pb2.RunReportRequest(name=name, format=FORMATS[fmt])
            )
        except Refusal as err:
            if err.code.name == "NOT_FOUND":
                abort(404)
            return page("error.html", 403, message=f"{g.t(err.summary)} {err.message}")
        response = make_response(answer.content)
        response.headers["Content-Type"] = answer.content_type
        if fmt != "html":
            response.headers["Content-Disposition"] = f'attachment; filename="{answer.file_name}"'
        else:
            # The report's own page carries its inline chart styles.
            response.headers["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
            )
        return response

    @app.route("/reports/export.csv")
    def export() -> Response:
        start, end, problems = period_from_args()
        if problems:
            abort(400, "; ".join(f"{k}: {v}" for k, v in problems.items()))
        try:
            chunks = caller().stream(
                "reporting",
                "ExportCases",
                reporting_pb2.ExportCasesRequest(
                    filter=reporting_pb2.CaseFilter(received=time_range(start, end)),
                    format=reporting_pb2.EXPORT_FORMAT_CSV,
                ),
            )
        except Refusal as err:
            return page("error.html", 403, message=f"{g.t(err.summary)} {err.message}")
        response = make_response(b"".join(c.chunk for c in chunks))
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = (
            f'attachment; filename="cases-{start.isoformat()}-{end.isoformat()}.csv"'
        )
        return response

    return app
