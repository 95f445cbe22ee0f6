"""What a handler does to a case besides moving it: notes, files, subtasks and
the clocks they may pause."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
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


def attachment_line(a: cases_pb2.Attachment) -> str:
    who = a.source + ("" if a.added_by == "customer" else f", {a.added_by}")
    return (
        f"  {a.attachment_id}  {a.filename}  {a.media_type}  {a.size_bytes:,} bytes  "
        f"({who})  {when(a.added_at)}"
    )


def cmd_files(args: argparse.Namespace) -> None:
    found = _cases(
        args, "ListAttachments", cases_pb2.ListAttachmentsRequest(case_id=args.case_id)
    ).attachments
    if args.json:
        show_json(cases_pb2.ListAttachmentsResponse(attachments=found))
        return
    print(f"files ({len(found)}):" if found else "files: none")
    for a in found:
        print(attachment_line(a))


def cmd_file_add(args: argparse.Namespace) -> None:
    path = Path(args.path)
    try:
        content = path.read_bytes()
    except OSError as err:
        raise CliError(f"cannot read {path}: {err.strerror}") from None
    answer = _cases(
        args,
        "UploadAttachment",
        cases_pb2.UploadAttachmentRequest(
            case_id=args.case_id,
            filename=args.name or path.name,
            content=content,
            source="api",
            idempotency_key=args.key or "",
        ),
    )
    a = answer.attachment
    said = "added to" if answer.created else "already on"
    print(
        f"{a.attachment_id} {a.filename} ({a.media_type}, {a.size_bytes:,} bytes)", said, a.case_id
    )


def cmd_file_get(args: argparse.Namespace) -> None:
    got = _cases(
        args,
        "DownloadAttachment",
        cases_pb2.DownloadAttachmentRequest(case_id=args.case_id, attachment_id=args.attachment_id),
    )
    if args.output == "-":
        sys.stdout.buffer.write(got.content)
        return
    target = Path(args.output or got.attachment.filename)
    target.write_bytes(got.content)
    print(f"{got.attachment.filename} written to {target} ({len(got.content):,} bytes)")


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
    """`case notes`, `case note add`, `case files`, `case file …`, `case subtask …`
    and `case clock …`."""
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

    files = case.add_parser("files", help="the case's files, oldest first")
    files.add_argument("case_id")
    files.add_argument("--json", action="store_true")
    files.set_defaults(run=cmd_files)
    file = case.add_parser("file", help="add a file to a case or save one")
    verbs = file.add_subparsers(dest="what", required=True)
    add = verbs.add_parser("add", help="what is accepted: docs/attachments.md")
    add.add_argument("case_id")
    add.add_argument("path")
    add.add_argument("--name", help="the file's name on the case (default: the path's)")
    add.add_argument("--key", help="idempotency key: the same key adds the file once")
    add.set_defaults(run=cmd_file_add)
    get = verbs.add_parser("get", help="save a file of the case")
    get.add_argument("case_id")
    get.add_argument("attachment_id")
    get.add_argument("-o", "--output", help="where to write it (default: its name; - for stdout)")
    get.set_defaults(run=cmd_file_get)

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
