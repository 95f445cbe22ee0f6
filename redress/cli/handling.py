"""What a handler does to a case besides moving it: notes, subtasks and the
clocks they may pause."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.cli.calling import CliError, call, show_json, when
from redress.common.v1 import common_pb2
from redress.platform.enums import short_name


def _cases(args: argparse.Namespace, method: str, request: Any) -> Any:
    return call(args, "cases", cases_pb2_grpc.CasesServiceStub, method, request)


def notes(args: argparse.Namespace, case_id: str, limit: int) -> Iterator[cases_pb2.Note]:
    """The case's notes, most recent first, at most `limit` (0: all), page by page."""
    token, given = "", 0
    while True:
        size = min(100, limit - given) if limit else 100
        page = _cases(
            args,
            "ListNotes",
            cases_pb2.ListNotesRequest(
                case_id=case_id, page=common_pb2.PageRequest(page_size=size, page_token=token)
            ),
        )
        for note in page.notes:
            yield note
            given += 1
        token = page.page.next_page_token
        if not token or (limit and given >= limit):
            return


def note_lines(note: cases_pb2.Note) -> list[str]:
    seen = " (customer-visible)" if note.customer_visible else ""
    body = [f"    {line}" for line in note.body.splitlines() or [""]]
    return [f"  {when(note.created_at)}  {note.author}{seen}", *body]


def cmd_notes(args: argparse.Namespace) -> None:
    for note in notes(args, args.case_id, args.limit):
        print("\n".join(note_lines(note)))


def cmd_note_add(args: argparse.Namespace) -> None:
    note = _cases(
        args,
        "AddNote",
        cases_pb2.AddNoteRequest(
            case_id=args.case_id, body=args.body, customer_visible=args.customer_visible
        ),
    ).note
    print(f"note {note.note_id} added to {args.case_id}")


def subtask_line(task: cases_pb2.Subtask) -> str:
    state = short_name(cases_pb2.SubtaskState, task.state)
    who = task.assignee or (f"team {task.team}" if task.team else "nobody")
    due = f", due {when(task.due_at)}" if task.due_at.seconds else ""
    return f"{task.subtask_id} {state}: {task.title} (for {who}{due})"


def _due(text: str | None) -> Timestamp | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--due: a date and time such as 2030-01-15T12:00, not {text!r}") from None
    stamp = Timestamp()
    stamp.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return stamp


def _show_subtask(args: argparse.Namespace, task: cases_pb2.Subtask) -> None:
    if args.json:
        show_json(task)
    else:
        print(subtask_line(task))


def cmd_subtask_add(args: argparse.Namespace) -> None:
    task = _cases(
        args,
        "AddSubtask",
        cases_pb2.AddSubtaskRequest(
            case_id=args.case_id,
            title=args.title,
            description=args.description or "",
            assignee=args.assignee or "",
            team=args.team or "",
            due_at=_due(args.due),
        ),
    ).subtask
    _show_subtask(args, task)


def cmd_subtask_complete(args: argparse.Namespace) -> None:
    task = _cases(
        args,
        "CompleteSubtask",
        cases_pb2.CompleteSubtaskRequest(
            case_id=args.case_id, subtask_id=args.subtask_id, note=args.note or ""
        ),
    ).subtask
    _show_subtask(args, task)


def cmd_subtask_cancel(args: argparse.Namespace) -> None:
    task = _cases(
        args,
        "CancelSubtask",
        cases_pb2.CancelSubtaskRequest(
            case_id=args.case_id, subtask_id=args.subtask_id, reason=args.reason
        ),
    ).subtask
    _show_subtask(args, task)


def _show_clock(args: argparse.Namespace, clock: cases_pb2.Clock) -> None:
    if args.json:
        show_json(clock)
        return
    state = short_name(common_pb2.ClockState, clock.state)
    reason = f" ({clock.pause_reason})" if clock.pause_reason else ""
    print(f"{args.case_id}: clock {clock.name} {state}{reason}, due {when(clock.due_at)}")


def cmd_clock_pause(args: argparse.Namespace) -> None:
    clock = _cases(
        args,
        "PauseClock",
        cases_pb2.PauseClockRequest(case_id=args.case_id, clock=args.clock, reason=args.reason),
    ).clock
    _show_clock(args, clock)


def cmd_clock_resume(args: argparse.Namespace) -> None:
    clock = _cases(
        args, "ResumeClock", cases_pb2.ResumeClockRequest(case_id=args.case_id, clock=args.clock)
    ).clock
    _show_clock(args, clock)


def add_commands(case: Any) -> None:
    """`case notes`, `case note add`, `case subtask …` and `case clock …`."""
    listed = case.add_parser("notes", help="the case's notes, most recent first")
    listed.add_argument("case_id")
    listed.add_argument("--limit", type=int, default=0, help="at most this many (default all)")
    listed.set_defaults(run=cmd_notes)

    note = case.add_parser("note", help="add a note").add_subparsers(dest="what", required=True)
    add = note.add_parser("add", help="add a note to the case")
    add.add_argument("case_id")
    add.add_argument("body")
    add.add_argument("--customer-visible", action="store_true")
    add.set_defaults(run=cmd_note_add)

    subtask = case.add_parser("subtask", help="add, complete or cancel a subtask")
    verbs = subtask.add_subparsers(dest="what", required=True)
    add = verbs.add_parser("add", help="a piece of work someone must do for the case")
    add.add_argument("case_id")
    add.add_argument("--title", required=True)
    add.add_argument("--description")
    add.add_argument("--assignee", help="the person")
    add.add_argument("--team")
    add.add_argument("--due", help="YYYY-MM-DDTHH:MM, UTC unless an offset is given")
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=cmd_subtask_add)
    done = verbs.add_parser("complete", help="the subtask is done")
    done.add_argument("case_id")
    done.add_argument("subtask_id")
    done.add_argument("--note", help="what was done")
    done.add_argument("--json", action="store_true")
    done.set_defaults(run=cmd_subtask_complete)
    cancel = verbs.add_parser("cancel", help="the subtask is no longer needed")
    cancel.add_argument("case_id")
    cancel.add_argument("subtask_id")
    cancel.add_argument("--reason", required=True)
    cancel.add_argument("--json", action="store_true")
    cancel.set_defaults(run=cmd_subtask_cancel)

    clock = case.add_parser("clock", help="pause or resume an internal clock")
    verbs = clock.add_subparsers(dest="what", required=True)
    pause = verbs.add_parser("pause", help="e.g. while waiting on the customer")
    pause.add_argument("case_id")
    pause.add_argument("clock", help="e.g. resolution (regulatory clocks never pause)")
    pause.add_argument(
        "--reason", required=True, help="a pause reason of the policy, e.g. awaiting_customer"
    )
    pause.add_argument("--json", action="store_true")
    pause.set_defaults(run=cmd_clock_pause)
    resume = verbs.add_parser("resume", help="start a paused clock again")
    resume.add_argument("case_id")
    resume.add_argument("clock")
    resume.add_argument("--json", action="store_true")
    resume.set_defaults(run=cmd_clock_resume)
