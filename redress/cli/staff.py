"""The staff directory from the terminal (docs/staff.md): who is who, teams,
absences, and the directory's trail."""

from __future__ import annotations

import argparse
from typing import Any

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.cli.calling import call, show_json, when
from redress.cli.vigilance import _time


def _cases(args: argparse.Namespace, method: str, request: Any) -> Any:
    return call(args, "cases", cases_pb2_grpc.CasesServiceStub, method, request)


def _list(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").split(",") if x.strip()]


def person_line(p: cases_pb2.StaffPerson) -> str:
    parts = [p.principal_id]
    if p.display_name:
        parts.append(f"({p.display_name})")
    if p.email:
        parts.append(f"<{p.email}>")
    if p.languages:
        parts.append("languages " + ",".join(p.languages))
    if p.skills:
        parts.append("skills " + ",".join(p.skills))
    if p.capacity:
        parts.append(f"capacity {p.capacity}")
    if p.working_hours:
        parts.append(f"hours {p.working_hours}")
    if p.digest:
        parts.append(f"{p.digest} digest")
    if p.compliance:
        parts.append("compliance")
    if not p.active:
        parts.append("INACTIVE")
    return " ".join(parts)


def cmd_list(args: argparse.Namespace) -> None:
    listed = _cases(args, "ListStaff", cases_pb2.ListStaffRequest())
    if args.json:
        show_json(listed)
        return
    print("people:")
    for person in listed.people:
        print("  " + person_line(person))
    print("teams:")
    for team in listed.teams:
        lead = f", lead {team.lead}" if team.lead else ""
        manager = f", manager {team.manager}" if team.manager else ""
        print(f"  {team.name}: {', '.join(team.members) or 'no members'}{lead}{manager}")
    print("absences:")
    for a in listed.absences:
        until = when(a.ends_at) if a.HasField("ends_at") else "until ended"
        print(f"  {a.absence_id} {a.principal_id} from {when(a.starts_at)} to {until} {a.reason}")


def cmd_person(args: argparse.Namespace) -> None:
    person = cases_pb2.StaffPerson(
        principal_id=args.principal_id,
        display_name=args.name or "",
        email=args.email or "",
        digest=args.digest or "",
        skills=_list(args.skills),
        languages=_list(args.languages),
        working_hours=args.hours or "",
        capacity=args.capacity,
        active=not args.inactive,
        compliance=args.compliance,
    )
    answer = _cases(args, "PutPerson", cases_pb2.PutPersonRequest(person=person))
    if args.json:
        show_json(answer)
        return
    print(("saved: " if answer.changed else "unchanged: ") + person_line(answer.person))


def cmd_team(args: argparse.Namespace) -> None:
    team = cases_pb2.StaffTeam(
        name=args.name,
        lead=args.lead or "",
        manager=args.manager or "",
        members=_list(args.members),
        skills=_list(args.skills),
    )
    answer = _cases(args, "PutTeam", cases_pb2.PutTeamRequest(team=team))
    if args.json:
        show_json(answer)
        return
    print(f"{'saved' if answer.changed else 'unchanged'}: team {answer.team.name}")


def cmd_absence(args: argparse.Namespace) -> None:
    answer = _cases(
        args,
        "RecordAbsence",
        cases_pb2.RecordAbsenceRequest(
            principal_id=args.principal_id,
            starts_at=_time("--from", args.starts),
            ends_at=_time("--until", args.until),
            reason=args.reason or "",
            idempotency_key=args.key or "",
        ),
    )
    if args.json:
        show_json(answer)
        return
    print(f"{answer.absence.absence_id}: {args.principal_id} absent")


def cmd_back(args: argparse.Namespace) -> None:
    answer = _cases(
        args,
        "EndAbsence",
        cases_pb2.EndAbsenceRequest(absence_id=args.absence_id, ends_at=_time("--at", args.at)),
    )
    if args.json:
        show_json(answer)
        return
    print(f"{args.absence_id}: ended {when(answer.absence.ends_at)}")


def cmd_changes(args: argparse.Namespace) -> None:
    answer = _cases(
        args,
        "ListStaffChanges",
        cases_pb2.ListStaffChangesRequest(after_sequence=args.after, limit=args.limit),
    )
    if args.json:
        show_json(answer)
        return
    for c in answer.changes:
        print(f"{c.sequence} {when(c.recorded_at)} {c.actor} {c.action} {c.subject}")
        if c.old_value:
            print(f"    was {c.old_value}")
        print(f"    now {c.new_value}")
    print(
        "chain intact" if answer.chain_intact else "CHAIN BROKEN: the directory's trail was altered"
    )


def add_commands(sub: Any) -> None:
    """`staff list|person|team|absence|back|changes`."""
    staff = sub.add_parser("staff", help="the staff directory: people, teams, absences")
    commands = staff.add_subparsers(dest="staff_command", required=True)
    listed = commands.add_parser("list", help="people, teams and absences not over")
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(run=cmd_list)

    person = commands.add_parser("person", help="add or replace a person")
    person.add_argument("principal_id")
    person.add_argument("--name", help="display name")
    person.add_argument("--email")
    person.add_argument("--digest", choices=["hourly", "daily"])
    person.add_argument("--skills", help="comma-separated, e.g. mortgages,cards")
    person.add_argument("--languages", help="comma-separated tags, e.g. en,de")
    person.add_argument("--hours", help='a calendar name or "Mon-Fri 09:00-17:00"')
    person.add_argument("--capacity", type=int, default=0, help="most open cases; 0: no limit")
    person.add_argument("--inactive", action="store_true")
    person.add_argument("--compliance", action="store_true", help="hears compliance alerts")
    person.add_argument("--json", action="store_true")
    person.set_defaults(run=cmd_person)

    team = commands.add_parser("team", help="add or replace a team")
    team.add_argument("name")
    team.add_argument("--members", help="comma-separated principal ids")
    team.add_argument("--lead", help="a member")
    team.add_argument("--manager")
    team.add_argument("--skills")
    team.add_argument("--json", action="store_true")
    team.set_defaults(run=cmd_team)

    absence = commands.add_parser("absence", help="record an absence")
    absence.add_argument("principal_id")
    absence.add_argument("--from", dest="starts", help="e.g. 2030-01-15T09:00; now by default")
    absence.add_argument("--until", help="e.g. 2030-01-22T09:00; until ended by default")
    absence.add_argument("--reason")
    absence.add_argument("--key", help="an idempotency key: the same key again records once")
    absence.add_argument("--json", action="store_true")
    absence.set_defaults(run=cmd_absence)

    back = commands.add_parser("back", help="end an absence")
    back.add_argument("absence_id")
    back.add_argument("--at", help="when it ended; now by default")
    back.add_argument("--json", action="store_true")
    back.set_defaults(run=cmd_back)

    changes = commands.add_parser("changes", help="the directory's trail, oldest first")
    changes.add_argument("--after", type=int, default=0, help="after this sequence number")
    changes.add_argument("--limit", type=int, default=100)
    changes.add_argument("--json", action="store_true")
    changes.set_defaults(run=cmd_changes)
