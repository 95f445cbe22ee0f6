"""Staff reminders from the terminal (docs/lifecycle.md, "Reminders"):
`case remind`, `case reminders`, `case remind-cancel`."""

from __future__ import annotations

import argparse
from typing import Any

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.cli.calling import call, show_json, when
from redress.cli.vigilance import _time


def _cases(args: argparse.Namespace, method: str, request: Any) -> Any:
    return call(args, "cases", cases_pb2_grpc.CasesServiceStub, method, request)


def reminder_line(r: cases_pb2.Reminder) -> str:
    return f"{r.reminder_id} [{r.state}] {when(r.at)} for {r.person} (set by {r.set_by}): {r.text}"


def cmd_remind(args: argparse.Namespace) -> None:
    response = _cases(
        args,
        "SetReminder",
        cases_pb2.SetReminderRequest(
            case_id=args.case_id,
            at=_time("at", args.at),
            text=args.text,
            person=args.person or "",
            idempotency_key=args.key or "",
        ),
    )
    if args.json:
        show_json(response.reminder)
        return
    print(reminder_line(response.reminder))


def cmd_reminders(args: argparse.Namespace) -> None:
    case = _cases(args, "GetCase", cases_pb2.GetCaseRequest(case_id=args.case_id)).case
    if args.json:
        for r in case.reminders:
            show_json(r)
        return
    for r in case.reminders:
        print(reminder_line(r))
    if not case.reminders:
        print(f"{args.case_id}: no reminders")


def cmd_remind_cancel(args: argparse.Namespace) -> None:
    _cases(
        args,
        "CancelReminder",
        cases_pb2.CancelReminderRequest(
            case_id=args.case_id, reminder_id=args.reminder_id, reason=args.reason or ""
        ),
    )
    print(f"{args.reminder_id}: cancelled")


def add_case_commands(case: Any) -> None:
    remind = case.add_parser(
        "remind", help='set yourself (or --for someone) a reminder: "call back Tuesday 10:00"'
    )
    remind.add_argument("case_id")
    remind.add_argument(
        "at",
        help="when, e.g. 2027-01-12T10:00 (UTC unless an offset is given; at most a year ahead)",
    )
    remind.add_argument("text", help="what to be reminded of")
    remind.add_argument("--for", dest="person", help="whom to remind; you by default")
    remind.add_argument("--key", help="an idempotency key: the same key again sets it once")
    remind.add_argument("--json", action="store_true")
    remind.set_defaults(run=cmd_remind)
    listed = case.add_parser("reminders", help="a case's reminders")
    listed.add_argument("case_id")
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(run=cmd_reminders)
    cancel = case.add_parser("remind-cancel", help="cancel an open reminder")
    cancel.add_argument("case_id")
    cancel.add_argument("reminder_id", help="e.g. C-000123-R2")
    cancel.add_argument("--reason")
    cancel.set_defaults(run=cmd_remind_cancel)
