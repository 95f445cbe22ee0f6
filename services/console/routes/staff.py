"""The staff directory's page: people, teams and absences, and the forms that
add or change them (docs/console.md, "Staff")."""

from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, request
from werkzeug.wrappers.response import Response

from redress.cases.v1 import cases_pb2
from redress.platform.wire import timestamp
from services.console.apis import Refusal
from services.console.pages import caller, flash, form, local_datetime, page

blueprint = Blueprint("staff", __name__)
ABSENCE_ID = re.compile(r"^AB-[0-9a-f]{16}$")


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def staff_page(
    status: int = 200, refusal: Refusal | None = None, failed_form: str = ""
) -> Response:
    listed = None
    read_refusal = None
    try:
        listed = caller().cases("ListStaff", cases_pb2.ListStaffRequest())
    except Refusal as err:
        read_refusal = err
    editing = request.args.get("person", "")
    person = next((p for p in (listed.people if listed else []) if p.principal_id == editing), None)
    team_name = request.args.get("team", "")
    team = next((t for t in (listed.teams if listed else []) if t.name == team_name), None)
    return page(
        "staff.html",
        status if not read_refusal else 422,
        listed=listed,
        person=person,
        team=team,
        refusal=refusal or read_refusal,
        failed_form=failed_form if refusal else "read",
        posted=request.form if request.method == "POST" else {},
    )


@blueprint.route("/staff")
def staff() -> Response:
    return staff_page()


def _done(name: str, call: str, message: object, text: str) -> Response:
    from flask import g

    try:
        answer = caller().cases(call, message)
    except Refusal as err:
        return staff_page(422, err, name)
    changed = getattr(answer, "changed", True)
    flash("ok", g.t(text) if changed else g.t("Nothing changed."))
    return redirect(f"/staff#{name}")


@blueprint.route("/staff/person", methods=["POST"])
def put_person() -> Response:
    capacity = form("capacity") or "0"
    if not capacity.isdigit():
        return staff_page(422, Refusal.of_fields({"person.capacity": "a whole number"}), "person")
    person = cases_pb2.StaffPerson(
        principal_id=form("principal_id"),
        display_name=form("display_name"),
        email=form("email"),
        digest=form("digest"),
        languages=_names(form("languages")),
        skills=_names(form("skills")),
        working_hours=form("working_hours"),
        capacity=int(capacity),
        active=form("active") == "on",
        compliance=form("compliance") == "on",
    )
    return _done("person", "PutPerson", cases_pb2.PutPersonRequest(person=person), "Person saved.")


@blueprint.route("/staff/team", methods=["POST"])
def put_team() -> Response:
    team = cases_pb2.StaffTeam(
        name=form("name"),
        lead=form("lead"),
        manager=form("manager"),
        members=_names(form("members")),
        skills=_names(form("skills")),
    )
    return _done("team", "PutTeam", cases_pb2.PutTeamRequest(team=team), "Team saved.")


@blueprint.route("/staff/absence", methods=["POST"])
def record_absence() -> Response:
    problems: dict[str, str] = {}
    starts = local_datetime(form("starts_at"), "starts_at", problems)
    until = local_datetime(form("ends_at"), "ends_at", problems)
    if problems:
        return staff_page(422, Refusal.of_fields(problems), "absence")
    message = cases_pb2.RecordAbsenceRequest(
        principal_id=form("principal_id"), reason=form("reason")
    )
    if starts:
        message.starts_at.CopyFrom(timestamp(starts))
    if until:
        message.ends_at.CopyFrom(timestamp(until))
    return _done("absence", "RecordAbsence", message, "Absence recorded.")


@blueprint.route("/staff/absence/<absence_id>/end", methods=["POST"])
def end_absence(absence_id: str) -> Response:
    if not ABSENCE_ID.match(absence_id):
        abort(404)
    return _done(
        "absences",
        "EndAbsence",
        cases_pb2.EndAbsenceRequest(absence_id=absence_id),
        "Absence ended.",
    )
