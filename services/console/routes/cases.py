"""One case's page and the commands its forms send: assignment, priority, stage,
notes, subtasks, clocks, outcome, articles, messages, files and the case's lifecycle."""

from __future__ import annotations

import json
import re
import secrets
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, g, make_response, redirect, request
from werkzeug.wrappers.response import Response

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain.policy import Policy
from redress.domain.regulatory import regime_definition
from redress.followup.v1 import followup_pb2
from redress.knowledge.v1 import knowledge_pb2
from redress.platform.channels import LARGEST_FILE_BYTES
from redress.platform.enums import from_short_name, short_name
from redress.platform.requests import CASE_ID
from redress.platform.wire import optional_timestamp, time_or_none
from services.console.apis import Caller, Refusal
from services.console.clocks import clock_view
from services.console.pages import (
    caller,
    console,
    flash,
    form,
    local_datetime,
    page,
    policy_of,
    refusal_text,
)
from services.console.queue import CHANNELS, PRIORITIES

DECISIONS = [
    ("upheld", cases_pb2.DECISION_UPHELD),
    ("partly_upheld", cases_pb2.DECISION_PARTLY_UPHELD),
    ("rejected", cases_pb2.DECISION_REJECTED),
    ("withdrawn", cases_pb2.DECISION_WITHDRAWN),
]

blueprint = Blueprint("cases", __name__)
# A page of notes at their longest (32,000 characters each) is under 1 MB of HTML.
NOTES_PER_PAGE = 20
TRAIL_PER_PAGE = 100


def case_page(
    case_id: str,
    status: int = 200,
    refusal: Refusal | None = None,
    failed_form: str = "",
    preview: followup_pb2.RenderTemplateResponse | None = None,
    article_query: str = "",
    notes_from: str = "",
    trail_from: str | None = None,
) -> Response:
    """`notes_from` is the ListNotes page token of the notes to show (the
    most recent when empty); `trail_from`, when given, the ListAuditEvents
    page token of the audit entries the timeline shows instead of the most
    recent ones and the messages."""
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
            message=refusal_text(err),
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
    files = optional(
        lambda: (
            person.cases(
                "ListAttachments", cases_pb2.ListAttachmentsRequest(case_id=case_id)
            ).attachments
        ),
        [],
    )
    # Who the assign and subtask forms may name: the staff directory's people
    # and teams, offered as the person types (the service refuses others).
    staff = optional(lambda: person.cases("ListStaff", cases_pb2.ListStaffRequest()), None)
    # A case's notes and audit trail can be long: the page shows one page of
    # each and links to the next (GetCase itself carries only the most recent).
    notes, notes_next = list(reversed(case.notes)), ""
    try:
        listed = person.cases(
            "ListNotes",
            cases_pb2.ListNotesRequest(
                case_id=case_id,
                page=common_pb2.PageRequest(page_size=NOTES_PER_PAGE, page_token=notes_from),
            ),
        )
        notes, notes_next = list(listed.notes), listed.page.next_page_token
    except Refusal as err:
        if notes_from:
            return page("error.html", 400, message=refusal_text(err))
    trail_next = ""
    if trail_from is None:
        timeline: list[dict[str, Any]] = [
            {"at": time_or_none(e.recorded_at), "kind": "audit", "event": e}
            for e in case.audit_events
        ]
        timeline += [
            {"at": time_or_none(m.created_at), "kind": "message", "message": m} for m in messages
        ]
        timeline.sort(key=lambda item: item["at"] or now, reverse=True)
    else:
        try:
            trail = person.cases(
                "ListAuditEvents",
                cases_pb2.ListAuditEventsRequest(
                    case_id=case_id,
                    page=common_pb2.PageRequest(page_size=TRAIL_PER_PAGE, page_token=trail_from),
                ),
            )
        except Refusal as err:
            return page("error.html", 400, message=refusal_text(err))
        timeline = [
            {"at": time_or_none(e.recorded_at), "kind": "audit", "event": e} for e in trail.events
        ]
        trail_next = trail.page.next_page_token
    template_names = sorted({t.name for t in templates})
    template_asks = asks_by_template(templates, g.lang)
    workflow_link = console().config.workflow_link
    return page(
        "case.html",
        status,
        case=case,
        clocks=[clock_view(c, now, policy, g.t) for c in case.clocks],
        stage=stage,
        allowed=list(policy.allowed_from(case.stage)) if policy else [],
        categories=list(policy.categories) if policy else [],
        vigilance=vigilance_view(case, policy),
        clock_state_name=lambda v: short_name(common_pb2.ClockState, v),
        outcome_values=list(policy.outcomes.values()) if policy else [],
        timeline=timeline,
        notes=notes,
        notes_from=notes_from,
        notes_next=notes_next,
        trail_from=trail_from,
        trail_next=trail_next,
        linked=linked,
        files=files,
        staff_people=[p.principal_id for p in staff.people if p.active] if staff else [],
        staff_teams=[t.name for t in staff.teams] if staff else [],
        refused_files=refused_files(case),
        found=found,
        article_query=article_query,
        template_names=template_names,
        template_asks=template_asks,
        preview=preview,
        refusal=refusal,
        failed_form=failed_form,
        values=request.form if failed_form else {},
        priorities=PRIORITIES,
        decisions=DECISIONS,
        channels=CHANNELS,
        workflow_link=workflow_link.replace("{workflow_id}", case.workflow_id)
        if workflow_link
        else "",
        subtask_states={
            v: short_name(cases_pb2.SubtaskState, v) for v in cases_pb2.SubtaskState.values()
        },
        decision_name=lambda v: short_name(cases_pb2.Decision, v),
        outcome_label=lambda name: (
            policy.outcomes[name].label or name if policy and name in policy.outcomes else name
        ),
    )


@blueprint.route("/cases/<case_id>")
def show_case(case_id: str) -> Response:
    return case_page(
        case_id,
        article_query=request.args.get("articles", "").strip(),
        notes_from=request.args.get("notes", ""),
        trail_from=request.args.get("trail"),
    )


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


def vigilance_view(case: cases_pb2.Case, policy: Policy | None) -> dict[str, Any] | None:
    """For a case under a regime whose clocks run from awareness of an event
    (the device regimes): the regime, its event kinds, the decision recorded
    (read from the trail) and the report clocks it started; None otherwise."""
    try:
        regime = regime_definition(case.regime_name, policy.regimes if policy else None)
    except ValueError:
        return None
    if not regime.event_kinds:
        return None
    report_clocks = {c.name for c in regime.clocks if c.applies_to}
    reports = [c for c in case.clocks if c.name in report_clocks]
    decided = ""
    for event in case.audit_events:
        if event.action == "reportability.decided":
            found = json.loads(event.new_value or "{}")
            decided = (
                g.t("Reportable") + f" ({found.get('event_kind', '')})"
                if found.get("reportable")
                else g.t("Not reportable")
            ) + f" · {event.actor.id}: {event.cause}"
    if reports and not decided:
        # The decision's entry is older than the trail the page carries.
        decided = g.t("Reportable")
    return {
        "title": regime.title,
        "event_kinds": regime.event_kinds,
        "decided": decided,
        "reports": reports,
        "form_key": f"console-{secrets.token_hex(8)}",
    }


@blueprint.route("/cases/<case_id>/reportability", methods=["POST"])
def reportability(case_id: str) -> Response:
    problems: dict[str, str] = {}
    aware = local_datetime(form("aware_at"), "aware_at", problems)
    if form("reportable") not in ("yes", "no"):
        problems["reportable"] = g.t("choose reportable or not reportable")
    if problems:
        return case_page(case_id, 422, refusal=Refusal.of_fields(problems), failed_form="vigilance")
    return act(
        case_id,
        "vigilance",
        "Reportability decision recorded.",
        lambda c: c.cases(
            "RecordReportability",
            cases_pb2.RecordReportabilityRequest(
                case_id=case_id,
                reportable=form("reportable") == "yes",
                event_kind=form("event_kind"),
                aware_at=optional_timestamp(aware),
                reasons=request.form.get("reasons", "").strip(),
                investigation=request.form.get("investigation", "").strip(),
                device_model=form("device_model"),
                lot_or_serial=form("lot_or_serial"),
                udi=form("udi"),
                event_date=form("event_date"),
                patient_outcome=form("patient_outcome"),
                description=request.form.get("description", "").strip(),
                # One decision per form shown, however often it is sent.
                idempotency_key=form("form_key"),
            ),
        ),
    )


@blueprint.route("/cases/<case_id>/regulatory-report", methods=["POST"])
def regulatory_report(case_id: str) -> Response:
    problems: dict[str, str] = {}
    submitted = local_datetime(form("submitted_at"), "submitted_at", problems)
    if problems:
        return case_page(case_id, 422, refusal=Refusal.of_fields(problems), failed_form="vigilance")
    return act(
        case_id,
        "vigilance",
        "Report recorded.",
        lambda c: c.cases(
            "RecordRegulatoryReport",
            cases_pb2.RecordRegulatoryReportRequest(
                case_id=case_id,
                clock=form("clock"),
                submitted_at=optional_timestamp(submitted),
                reference=form("reference"),
            ),
        ),
    )


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


# The case page's forms that are one call each: the call, the request
# built from the form, and what the person is told when it is done.
ONE_CALL_FORMS: dict[str, tuple[str, Callable[[str], Any], str]] = {
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


@blueprint.route("/cases/<case_id>/<name>", methods=["POST"])
def one_call_form(case_id: str, name: str) -> Response:
    if name not in ONE_CALL_FORMS:
        abort(404)
    method, build, done = ONE_CALL_FORMS[name]
    section = "lifecycle" if name in ("resolve", "close", "reopen") else name
    return act(case_id, section, done, lambda c: c.cases(method, build(case_id)))


@blueprint.route("/cases/<case_id>/subtasks", methods=["POST"])
def add_subtask(case_id: str) -> Response:
    problems: dict[str, str] = {}
    due = local_datetime(form("due_at"), "due_at", problems)
    if problems:
        return case_page(case_id, 422, refusal=Refusal.of_fields(problems), failed_form="subtasks")
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
                due_at=optional_timestamp(due),
            ),
        ),
    )


@blueprint.route("/cases/<case_id>/subtasks/<subtask_id>/<verb>", methods=["POST"])
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


@blueprint.route("/cases/<case_id>/reminders", methods=["POST"])
def add_reminder(case_id: str) -> Response:
    problems: dict[str, str] = {}
    at = local_datetime(form("at"), "at", problems)
    if at is None and not problems:
        problems["at"] = "when to remind"
    if problems:
        return case_page(case_id, 422, refusal=Refusal.of_fields(problems), failed_form="reminders")
    return act(
        case_id,
        "reminders",
        "Reminder set.",
        lambda c: c.cases(
            "SetReminder",
            cases_pb2.SetReminderRequest(
                case_id=case_id,
                at=optional_timestamp(at),
                text=form("text"),
                person=form("person"),
            ),
        ),
    )


@blueprint.route("/cases/<case_id>/reminders/<reminder_id>/cancel", methods=["POST"])
def cancel_reminder(case_id: str, reminder_id: str) -> Response:
    return act(
        case_id,
        "reminders",
        "Reminder cancelled.",
        lambda c: c.cases(
            "CancelReminder",
            cases_pb2.CancelReminderRequest(case_id=case_id, reminder_id=reminder_id),
        ),
    )


@blueprint.route("/cases/<case_id>/clocks/<clock>/<verb>", methods=["POST"])
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


@blueprint.route("/cases/<case_id>/outcome", methods=["POST"])
def outcome(case_id: str) -> Response:
    problems: dict[str, str] = {}
    redress = money("redress", problems)
    goodwill = money("goodwill", problems)
    if problems:
        return case_page(case_id, 422, refusal=Refusal.of_fields(problems), failed_form="outcome")
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
                outcome=form("outcome"),
            ),
        ),
    )


@blueprint.route("/cases/<case_id>/articles/<article_id>/resolved", methods=["POST"])
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


def asks_by_template(templates: Any, language: str) -> dict[str, list[dict[str, Any]]]:
    """What each template asks of the person sending it, labelled in the
    console's language (else English): the boxes the send form shows. The
    versions of one letter in several languages ask for the same values; the
    English one is read where there is one."""
    chosen: dict[str, Any] = {}
    for t in templates:
        if t.name not in chosen or t.language == "en":
            chosen[t.name] = t
    return {
        name: [
            {
                "name": a.name,
                # Where a refusal names it (FieldViolation.field).
                "field": f"extra.{a.name}",
                "label": a.labels.get(language)
                or a.labels.get("en")
                or next(iter(a.labels.values()), a.name),
                "required": a.required,
                "kind": a.kind or "text",
            }
            for a in t.asks
        ]
        for name, t in chosen.items()
    }


def asked_values(template: str) -> dict[str, str]:
    """The values the send form's boxes for `template` hold (value.<template>.<name>)."""
    prefix = f"value.{template}."
    return {
        key[len(prefix) :]: value.strip()
        for key, value in request.form.items()
        if key.startswith(prefix) and value.strip()
    }


@blueprint.route("/cases/<case_id>/message", methods=["POST"])
def message(case_id: str) -> Response:
    template = form("template")
    channel = from_short_name(common_pb2.Channel, form("channel"))
    extra = asked_values(template)
    if request.form.get("action") == "preview":
        try:
            preview = caller().followup(
                "RenderTemplate",
                followup_pb2.RenderTemplateRequest(
                    template_name=template, case_id=case_id, extra=extra
                ),
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
                extra=extra,
            ),
        ),
    )


def refused_files(case: cases_pb2.Case) -> list[dict[str, Any]]:
    """Files the customer sent that were not kept, from the case's recent audit
    entries ("attachment.refused"): the name, when and why."""
    found = []
    for e in case.audit_events:
        if e.action != "attachment.refused":
            continue
        try:
            said = json.loads(e.new_value) if e.new_value else {}
        except ValueError:
            said = {}
        found.append(
            {
                "filename": str(said.get("filename") or "—"),
                "source": str(said.get("source") or ""),
                "at": time_or_none(e.recorded_at),
                "why": "; ".join(str(v) for v in (said.get("refused") or {}).values()) or e.cause,
            }
        )
    return found


@blueprint.route("/cases/<case_id>/attachments", methods=["POST"])
def upload_attachment(case_id: str) -> Response:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return case_page(
            case_id,
            422,
            refusal=Refusal.of_fields({"file": g.t("Choose a file to add.")}),
            failed_form="attachments",
        )
    content = upload.read(LARGEST_FILE_BYTES + 1)
    if len(content) > LARGEST_FILE_BYTES:
        return case_page(
            case_id,
            422,
            refusal=Refusal.of_fields({"content": g.t("The file is too large to add to a case.")}),
            failed_form="attachments",
        )
    return act(
        case_id,
        "attachments",
        "File added.",
        lambda c: c.cases(
            "UploadAttachment",
            cases_pb2.UploadAttachmentRequest(
                case_id=case_id,
                filename=upload.filename or "",
                content=content,
                source="console",
                # One upload per form shown: a resubmitted form adds nothing twice.
                idempotency_key=form("upload_key"),
            ),
        ),
    )


@blueprint.route("/cases/<case_id>/attachments/<attachment_id>")
def download_attachment(case_id: str, attachment_id: str) -> Response:
    """The file as a download, never shown inline: its type as read from its
    content, no sniffing, and a sandbox should a browser render it anyway."""
    if not CASE_ID.match(case_id) or not re.fullmatch(r"ATT-\d{1,16}", attachment_id):
        abort(404)
    try:
        found = caller().cases(
            "DownloadAttachment",
            cases_pb2.DownloadAttachmentRequest(case_id=case_id, attachment_id=attachment_id),
        )
    except Refusal as err:
        if err.code.name == "NOT_FOUND":
            abort(404)
        return page(
            "error.html",
            403 if err.code.name == "PERMISSION_DENIED" else 502,
            message=refusal_text(err),
        )
    response = make_response(found.content)
    response.headers["Content-Type"] = found.attachment.media_type or "application/octet-stream"
    response.headers["Content-Disposition"] = content_disposition(found.attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def content_disposition(filename: str) -> str:
    """attachment, with the name as plain ASCII for old clients and whole in
    UTF-8 (RFC 6266) for the rest."""
    plain = re.sub(r"[^A-Za-z0-9._ -]", "_", filename).strip() or "attachment"
    whole = urllib.parse.quote(filename, safe="")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{whole}"
