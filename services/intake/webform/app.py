"""The public web form, the status page and the self-service answers, as a
WSGI application (Flask).

    GET  /                         the complaint form (a new idempotency key)
    POST /                         files it, or searches answers (no-JS button)
    POST /answers/feedback         "this answered my question" / "no, file my complaint"
    GET  /answers.json?q=&lang=    answers as the customer types (the page's script)
    GET  /answers/<article_id>     one customer article
    GET  /filed/<link>             the case id and the deadlines, after filing
    GET  /status/<link>            the status page a letter links to
    POST /status/<link>/reply      a reply to the complaints team
    POST /status/<link>/documents  documents for the case
    GET  /healthz                  200 while the process runs

Every page works without JavaScript; the script only fetches answers as the
customer types. Every response carries the security headers; pages that show a
case are private and never stored.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from flask import Flask, abort, g, jsonify, redirect, render_template, request
from prometheus_client import Counter, Histogram
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers.response import Response

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.platform.enums import Regime, short_name
from redress.platform.errors import field_violations
from redress.platform.markdown import markdown
from redress.platform.status_links import LinkExpired, LinkRefused, StatusLinks
from redress.platform.wire import from_timestamp
from services.intake.webform import texts
from services.intake.webform.answers import plain_snippet, record_answer
from services.intake.webform.calls import PlatformCalls
from services.intake.webform.complaint import (
    CONTACT_CHANNELS,
    REGIMES,
    FormProblems,
    complaint_request,
    from_violations,
    message_for,
)
from services.intake.webform.documents import (
    add_documents,
    choose_again,
    document_key,
    read_documents,
)
from services.intake.webform.limits import RateLimiter
from services.intake.webform.tokens import (
    COOKIE,
    FormRefused,
    FormTokens,
    new_browser_value,
    new_key,
)

log = logging.getLogger("redress.webform")

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
LANG_COOKIE = "redress_lang"
ARTICLE_ID = re.compile(r"^KB-[0-9a-f]{16}$")
# What services/cases keeps of one customer reply (RecordCustomerReply.summary).
MAX_REPLY = 4_000
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

REQUESTS = Counter(
    "redress_webform_requests_total", "Web form pages served", ["route", "method", "status"]
)
LATENCY = Histogram(
    "redress_webform_request_seconds", "Time to serve a web form page", ["route", "method"]
)
COMPLAINTS = Counter(
    "redress_webform_complaints_total",
    "Complaint forms sent, by what became of them",
    ["outcome"],
)
REFUSED = Counter(
    "redress_webform_refused_total",
    "Posts refused before reaching the platform, by reason",
    ["reason"],
)


@dataclass(frozen=True)
class WebFormConfig:
    links: StatusLinks
    form_max_age_seconds: int = 4 * 3600
    products: list[str] = field(default_factory=lambda: list(texts.PRODUCT_LABELS))
    max_files: int = 5
    max_file_bytes: int = 5 * 1024 * 1024
    posts_per_window: int = 20
    searches_per_window: int = 120
    window_seconds: float = 600.0
    max_addresses: int = 100_000
    # Proxies in front that append to X-Forwarded-For (waitress reads it).
    trusted_proxies: int = 0
    firm_name: str = "Redress Demo Bank"
    firm_contact: str = "complaints@example.com"
    # Cookies marked Secure when the form is served over HTTPS.
    secure_cookies: bool = False


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason


def create_app(config: WebFormConfig, calls: PlatformCalls) -> Flask:
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    app.config["MAX_CONTENT_LENGTH"] = config.max_files * config.max_file_bytes + 1024 * 1024
    tokens = FormTokens(config.links.secret, config.form_max_age_seconds)
    posts = RateLimiter(config.posts_per_window, config.window_seconds, config.max_addresses)
    searches = RateLimiter(config.searches_per_window, config.window_seconds, config.max_addresses)

    def address() -> str:
        # Behind REDRESS_WEBFORM_TRUSTED_PROXIES, waitress has put the
        # customer's address here (redress/platform/web.py).
        return request.remote_addr or "unknown"

    @app.before_request
    def before() -> None:
        g.started = time.perf_counter()
        g.lang = texts.choose(
            request.args.get("lang") or request.cookies.get(LANG_COOKIE, ""),
            request.headers.get("Accept-Language", ""),
        )
        g.t = texts.translator(g.lang)
        g.browser = request.cookies.get(COOKIE, "")
        g.new_browser = ""
        g.private = False
        if not g.browser:
            g.new_browser = g.browser = new_browser_value()
        if request.method == "POST" and not request.path.startswith("/healthz"):
            limiter = searches if request.form.get("action") == "search" else posts
            if not limiter.allow(address()):
                REFUSED.labels("rate_limit").inc()
                raise _Refused(429, "rate_limit")
        elif request.path == "/answers.json" and not searches.allow(address()):
            REFUSED.labels("rate_limit").inc()
            raise _Refused(429, "rate_limit")

    @app.after_request
    def after(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        LATENCY.labels(route, request.method).observe(time.perf_counter() - g.get("started", 0))
        if g.get("private"):
            response.headers["Cache-Control"] = "private, no-store"
        else:
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if config.secure_cookies:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if g.get("new_browser"):
            response.set_cookie(
                COOKIE,
                g.new_browser,
                httponly=True,
                samesite="Lax",
                secure=config.secure_cookies,
            )
        if request.args.get("lang") in texts.LANGUAGES:
            response.set_cookie(
                LANG_COOKIE,
                g.lang,
                max_age=365 * 86400,
                samesite="Lax",
                httponly=True,
                secure=config.secure_cookies,
            )
        return response

    @app.context_processor
    def for_pages() -> dict[str, Any]:
        return {
            "_": g.t,
            "lang": g.lang,
            "languages": texts.LANGUAGES,
            "firm_name": config.firm_name,
            "firm_contact": config.firm_contact,
        }

    def page(template: str, status: int = 200, **context: Any) -> Response:
        response = Response(render_template(template, **context), status=status)
        response.headers["Content-Type"] = "text/html; charset=utf-8"
        return response

    @app.errorhandler(_Refused)
    def refused(err: _Refused) -> Response:
        if err.reason == "rate_limit":
            response = page(
                "message.html",
                429,
                title=g.t("Too many requests"),
                text=g.t(
                    "We have received many forms from your connection in a short time. Please wait "
                    "a few minutes and try again."
                ),
            )
            response.headers["Retry-After"] = str(posts.retry_after(address()))
            return response
        if err.reason == "form":
            return page(
                "message.html",
                400,
                title=g.t("This form has expired"),
                text=g.t(
                    "For your security, the form must be sent from this site within a few hours "
                    "of opening it. Nothing was sent. Please go back, reload the page and send "
                    "it again."
                ),
            )
        return page(
            "message.html",
            err.status,
            title=g.t("Sorry, something went wrong"),
            text=g.t("Nothing was lost. Please try again in a few minutes."),
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(err: RequestEntityTooLarge) -> Response:
        return page(
            "message.html",
            413,
            title=g.t("There is a problem"),
            text=g.t(
                "Statements, letters, photos or screenshots; up to {n} files of at most "
                "{mb} MB each."
            ).format(n=config.max_files, mb=config.max_file_bytes // (1024 * 1024)),
        )

    @app.errorhandler(404)
    def not_found(err: HTTPException) -> Response:
        return page("message.html", 404, title=g.t("Page not found"), text="")

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> Response | HTTPException:
        if isinstance(err, HTTPException):
            return err
        # Logged by route, never by path: a path may hold a customer's link.
        rule = request.url_rule.rule if request.url_rule else "unmatched"
        log.exception("unexpected error", extra={"fields": {"route": rule}})
        return page(
            "message.html",
            500,
            title=g.t("Sorry, something went wrong"),
            text=g.t("Nothing was lost. Please try again in a few minutes."),
        )

    @app.errorhandler(grpc.RpcError)
    def platform_down(err: grpc.RpcError) -> Response:
        log.error(
            "the platform refused or did not answer the web form",
            extra={"fields": {"code": err.code().name, "details": err.details()}},  # type: ignore[attr-defined]
        )
        response = page(
            "message.html",
            503,
            title=g.t("Sorry, something went wrong"),
            text=g.t("Nothing was lost. Please try again in a few minutes."),
        )
        response.headers["Retry-After"] = "30"
        return response

    def form_token(case_id: str = "") -> Any:
        try:
            return tokens.check(request.form.get("csrf", ""), g.browser, case_id)
        except FormRefused as err:
            REFUSED.labels("form_token").inc()
            log.info("a form was refused", extra={"fields": {"reason": str(err)}})
            raise _Refused(400, "form") from None

    # ---- the complaint form -------------------------------------------------

    def product_choices() -> list[tuple[str, str]]:
        return [(p, texts.product_label(p, g.lang)) for p in config.products]

    def form_page(
        values: dict[str, str],
        key: str,
        status: int = 200,
        problems: FormProblems | None = None,
        answers: list[Any] | None = None,
        searched: bool = False,
        notice: str = "",
    ) -> Response:
        shown = problems.ordered() if problems else []
        return page(
            "form.html",
            status,
            values=values,
            csrf=tokens.issue(g.browser, key),
            problems={f: message_for(code, g.t) for f, code in shown},
            problem_order=[f for f, _ in shown],
            products=product_choices(),
            regimes=list(REGIMES),
            channels=list(CONTACT_CHANNELS),
            answers=answers or [],
            searched=searched,
            notice=notice,
            max_files=config.max_files,
            max_mb=config.max_file_bytes // (1024 * 1024),
        )

    def form_values() -> dict[str, str]:
        return {k: v for k, v in request.form.items() if k not in ("csrf", "website")}

    @app.get("/")
    def new_form() -> Response:
        return form_page({}, new_key("webform"))

    def answers_for(query: str) -> list[Any]:
        query = " ".join(query.split())[:500]
        if len(query) < 3:
            return []
        try:
            hits = calls.search(query, g.lang)
            if not hits:
                # The knowledge base may hold no article in the customer's
                # language: an answer in another beats none.
                hits = calls.search(query, "")
        except grpc.RpcError as err:
            # Answers are a help, not a step: the complaint can still be sent.
            log.error(
                "answers could not be searched",
                extra={"fields": {"code": err.code().name}},  # type: ignore[attr-defined]
            )
            return []
        return [
            {
                "id": h.article_id,
                "title": h.title,
                "summary": plain_snippet(h.snippet),
                "language": h.language,
            }
            for h in hits
            if ARTICLE_ID.match(h.article_id)
        ]

    @app.post("/")
    def send_form() -> Response:
        token = form_token()
        values = form_values()
        if request.form.get("action") == "search":
            found = answers_for(values.get("narrative", ""))
            return form_page(values, token.key, answers=found, searched=True)
        if request.form.get("website", "").strip():
            # A filled honeypot: a robot. It is told what a person is told
            # when nothing more is to be said, and nothing is filed.
            COMPLAINTS.labels("honeypot").inc()
            log.info("a form with its honeypot filled was not filed")
            return page("thanks.html")
        request_, problems = complaint_request(values, token.key, g.lang, config.products)
        documents = read_documents(config.max_files, config.max_file_bytes, problems)
        if problems:
            COMPLAINTS.labels("refused_by_form").inc()
            return form_page(values, token.key, 422, problems, notice=choose_again(documents))
        try:
            filed = calls.submit(request_)
        except grpc.RpcError as err:
            code = err.code()  # type: ignore[attr-defined]
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                COMPLAINTS.labels("refused_by_intake").inc()
                violations = [(v.field, v.description) for v in field_violations(err)]
                refused = from_violations(violations or [("form", "form")])
                return form_page(values, token.key, 422, refused)
            if code == grpc.StatusCode.ALREADY_EXISTS:
                # The same form sent again with other words after it was
                # filed: it made one complaint, which is shown.
                case_id = calls.find(token.key)
                if case_id:
                    return redirect(f"/filed/{config.links.sign(case_id)}?again=1", 303)
            raise
        COMPLAINTS.labels("filed" if filed.created else "repeated").inc()
        log.info(
            "complaint filed through the web form",
            extra={"fields": {"case_id": filed.case_id, "created": filed.created}},
        )
        link = config.links.sign(filed.case_id)
        added, failed = add_documents(calls, filed.case_id, link, documents, "web_form", token.key)
        query = "?again=1" if not filed.created else "?"
        if added:
            query += f"&added={added}"
        if failed:
            query += f"&failed={failed}"
        return redirect(f"/filed/{link}{query.replace('?&', '?').rstrip('?')}", 303)

    @app.post("/answers/feedback")
    def answer_feedback() -> Response:
        source = request.form.get("source", "web_form")
        if source not in ("web_form", "status_page"):
            source = "web_form"
        token = form_token()
        article_id, _, verdict = request.form.get("feedback", "").partition(":")
        if not ARTICLE_ID.match(article_id) or verdict not in ("yes", "no"):
            abort(404)
        answered = verdict == "yes"
        query = request.form.get("narrative") or request.form.get("query", "")
        record_answer(calls, article_id, answered, query, g.lang, source, token.key)
        if request.accept_mimetypes.best == "application/json":
            return jsonify({"recorded": True})
        if answered:
            return page("answered.html")
        if "narrative" in request.form:
            return form_page(
                form_values(),
                token.key,
                notice=g.t("Thank you. Please go on with your complaint below."),
            )
        return redirect("/", 303)

    @app.get("/answers.json")
    def answers_json() -> Response:
        return jsonify({"answers": answers_for(request.args.get("q", ""))})

    @app.get("/answers/<article_id>")
    def article(article_id: str) -> Response:
        if not ARTICLE_ID.match(article_id):
            abort(404)
        try:
            found = calls.article(article_id)
        except grpc.RpcError as err:
            if err.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED):  # type: ignore[attr-defined]
                return page(
                    "message.html", 404, title=g.t("This answer is not available."), text=""
                )
            raise
        source = request.args.get("from", "web_form")
        return page(
            "article.html",
            article=found,
            body_html=markdown(found.body),
            csrf=tokens.issue(g.browser, new_key("answer")),
            source=source if source in ("web_form", "status_page") else "web_form",
            query=request.args.get("q", "")[:500],
        )

    # ---- after filing, and the status page ---------------------------------

    def linked_case(link: str) -> cases_pb2.Case:
        g.private = True
        try:
            case_id = config.links.case_of(link)
        except LinkExpired as err:
            raise _LinkProblem(410, err.case_id) from None
        except LinkRefused:
            raise _LinkProblem(404) from None
        try:
            return calls.case(case_id, link)
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                raise _LinkProblem(404) from None
            raise

    @app.errorhandler(_LinkProblem)
    def link_problem(err: _LinkProblem) -> Response:
        g.private = True
        if err.status == 410:
            return page(
                "message.html",
                410,
                title=g.t("This link has expired"),
                text=g.t(
                    "For your security, links to your complaint work for a limited time. Your "
                    "complaint is not affected. Contact us and quote your reference to get a "
                    "new link."
                ),
                contact=True,
                reference=err.case_id,
            )
        return page(
            "message.html",
            404,
            title=g.t("This link is not valid"),
            text=g.t(
                "Please check that you copied the whole link from your letter, or contact us."
            ),
            contact=True,
        )

    def deadlines(case: cases_pb2.Case) -> list[dict[str, str]]:
        regime = short_name(Regime, case.regime)
        shown = []
        for clock in sorted(case.clocks, key=lambda c: c.due_at.seconds):
            if not clock.regulatory or not clock.HasField("due_at"):
                continue
            if clock.state not in (common_pb2.CLOCK_STATE_RUNNING, common_pb2.CLOCK_STATE_PAUSED):
                continue
            shown.append(
                {
                    "name": clock.name,
                    "what": texts.deadline_words(clock.name, g.lang),
                    "when": texts.written_deadline(from_timestamp(clock.due_at), regime, g.lang),
                }
            )
        return shown

    @app.get("/filed/<link>")
    def filed(link: str) -> Response:
        case = linked_case(link)
        return page(
            "filed.html",
            case_id=case.case_id,
            deadlines=deadlines(case),
            status_path=f"/status/{link}",
            again=request.args.get("again") == "1",
            added=_count(request.args.get("added")),
            failed=_count(request.args.get("failed")),
        )

    def status_page(link: str, case: cases_pb2.Case, status: int = 200, **context: Any) -> Response:
        regime = short_name(Regime, case.regime)
        letters = [
            {
                "subject": m.subject,
                "body": m.body_text,
                "when": texts.written_day(
                    from_timestamp(m.sent_at if m.HasField("sent_at") else m.created_at), g.lang
                ),
            }
            for m in calls.letters(case.case_id, link)
        ]
        try:
            suggested = calls.suggest(case.narrative, case.product) if case.narrative else []
        except grpc.RpcError:
            suggested = []
        # In the customer's language where there are such answers.
        own = [h for h in suggested if h.language.split("-")[0].lower() in ("", g.lang)]
        suggested = own or suggested
        due = deadlines(case)
        return page(
            "status.html",
            status,
            case_id=case.case_id,
            stage=texts.stage_words(
                case.stage,
                g.lang,
                resolved=case.HasField("resolved_at"),
                closed=case.HasField("closed_at"),
            ),
            received=texts.written_day(from_timestamp(case.received_at), g.lang)
            if case.HasField("received_at")
            else "",
            next_deadline=due[0] if due else None,
            letters=letters,
            answers=[
                {"id": h.article_id, "title": h.title, "summary": plain_snippet(h.snippet)}
                for h in suggested
                if ARTICLE_ID.match(h.article_id)
            ],
            link=link,
            regime=regime,
            reply_csrf=tokens.issue(g.browser, new_key("reply"), case.case_id),
            documents_csrf=tokens.issue(g.browser, new_key("documents"), case.case_id),
            # A resolved or closed case asks how we did, until it is answered.
            survey=case.HasField("resolved_at") or case.HasField("closed_at"),
            answered=case.satisfaction.score if case.HasField("satisfaction") else 0,
            survey_csrf=tokens.issue(g.browser, new_key("survey"), case.case_id),
            max_files=config.max_files,
            max_mb=config.max_file_bytes // (1024 * 1024),
            reply_problem=context.pop("reply_problem", ""),
            documents_problem=context.pop("documents_problem", ""),
            reply_text=context.pop("reply_text", ""),
            done=request.args.get("done", ""),
            added=_count(request.args.get("added")),
        )

    @app.get("/status/<link>")
    def status(link: str) -> Response:
        return status_page(link, linked_case(link))

    @app.post("/status/<link>/reply")
    def reply(link: str) -> Response:
        case = linked_case(link)
        token = form_token(case.case_id)
        text = request.form.get("message", "").replace("\r\n", "\n").strip()
        problem = ""
        if not text:
            problem = g.t("Write your message.")
        elif len(text) > MAX_REPLY:
            problem = g.t("This is too long: at most {n} characters.").format(n=MAX_REPLY)
        if problem:
            return status_page(link, case, 422, reply_problem=problem, reply_text=text)
        try:
            calls.reply(case.case_id, link, text, token.key)
        except grpc.RpcError as err:
            if err.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND):  # type: ignore[attr-defined]
                # E.g. a complaint closed long ago: the customer is told whom to ask.
                return status_page(
                    link,
                    case,
                    409,
                    reply_problem=g.t(
                        "We could not add your message to this complaint. Please contact "
                        "us: {contact}"
                    ).format(contact=config.firm_contact),
                    reply_text=text,
                )
            if err.code() == grpc.StatusCode.INVALID_ARGUMENT:  # type: ignore[attr-defined]
                found = [v.description for v in field_violations(err)]
                return status_page(
                    link,
                    case,
                    422,
                    reply_problem=g.t("Please use plain text.")
                    if any("control" in f for f in found)
                    else g.t("Please check this answer."),
                    reply_text=text,
                )
            raise
        log.info(
            "customer replied through the status page", extra={"fields": {"case_id": case.case_id}}
        )
        return redirect(f"/status/{link}?done=reply", 303)

    # ---- the satisfaction survey's answer -----------------------------------

    def already_answered() -> Response:
        return page(
            "message.html",
            200,
            title=g.t("We already have your answer"),
            text=g.t("Thank you: you told us how we handled this complaint already."),
        )

    @app.get("/survey/<link>/<int:score>")
    def survey(link: str, score: int) -> Response:
        """The page a link in the survey letter opens, with its score chosen.
        Nothing is recorded until the customer presses the button: mail
        filters open the links in a letter to check them, and would otherwise
        answer for the customer."""
        case = linked_case(link)
        if case.HasField("satisfaction"):
            return already_answered()
        return page(
            "survey.html",
            case_id=case.case_id,
            link=link,
            score=score if 1 <= score <= 5 else 0,
            source="link",
            survey_csrf=tokens.issue(g.browser, new_key("survey"), case.case_id),
            problem="",
        )

    @app.post("/survey/<link>")
    def answer_survey(link: str) -> Response:
        case = linked_case(link)
        form_token(case.case_id)
        raw = request.form.get("score", "")
        score = int(raw) if raw in ("1", "2", "3", "4", "5") else 0
        comment = request.form.get("comment", "").replace("\r\n", "\n").strip()[:MAX_REPLY]
        source = "status_page" if request.form.get("source") == "status_page" else "link"
        if not score:
            return page(
                "survey.html",
                422,
                case_id=case.case_id,
                link=link,
                score=0,
                source=source,
                survey_csrf=tokens.issue(g.browser, new_key("survey"), case.case_id),
                problem=g.t("Choose a number from 1 to 5."),
            )
        try:
            calls.satisfaction(case.case_id, link, score, comment, source)
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.ALREADY_EXISTS:  # type: ignore[attr-defined]
                return already_answered()
            raise
        log.info("survey answered", extra={"fields": {"case_id": case.case_id, "via": source}})
        return page(
            "message.html",
            200,
            title=g.t("Thank you for your answer"),
            text=g.t("It helps us put right what caused your complaint for other customers too."),
        )

    @app.post("/status/<link>/documents")
    def documents(link: str) -> Response:
        case = linked_case(link)
        token = form_token(case.case_id)
        problems = FormProblems()
        files = read_documents(config.max_files, config.max_file_bytes, problems)
        if not files and not problems:
            problems.add("documents", "text:" + g.t("Choose at least one file."))
        if problems:
            code = problems.ordered()[0][1]
            return status_page(link, case, 422, documents_problem=message_for(code, g.t))
        try:
            added = 0
            for i, (name, content) in enumerate(files):
                calls.upload(
                    case.case_id,
                    link,
                    name,
                    content,
                    "status_page",
                    document_key(token.key, i, content),
                )
                added += 1
        except grpc.RpcError as err:
            code = err.code()  # type: ignore[attr-defined]
            if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION):
                reason = "; ".join(v.description for v in field_violations(err)) or err.details()  # type: ignore[attr-defined]
                return status_page(
                    link,
                    case,
                    422,
                    documents_problem=g.t("We could not add your documents: {reason}").format(
                        reason=reason
                    ),
                )
            log.error(
                "documents could not be added to a case",
                extra={"fields": {"case_id": case.case_id, "code": code.name}},
            )
            return status_page(
                link,
                case,
                503,
                documents_problem=g.t(
                    "Adding documents is not available right now; please try again later."
                ),
            )
        return redirect(f"/status/{link}?done=documents&added={added}", 303)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify({"status": "serving"})

    return app


class _LinkProblem(Exception):
    def __init__(self, status: int, case_id: str = "") -> None:
        self.status = status
        self.case_id = case_id


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 4 else 0
