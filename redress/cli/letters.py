"""`redress letter`: the letters a handler sends, with the values each asks for.

A template declares what it asks of the person sending it (its `asks`); the
commands here ask for each required value that was not given with --value,
by its label, when a person is at the terminal, and otherwise stop before
calling with the value named the way the console names it.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

from redress.cli import CliError, call, show_json
from redress.common.v1 import common_pb2
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.platform.enums import Channel, choices, from_short_name


def _followup(args: argparse.Namespace, method: str, request: Any) -> Any:
    return call(args, "followup", followup_pb2_grpc.FollowupServiceStub, method, request)


def _label(ask: followup_pb2.AskedValue) -> str:
    return ask.labels.get("en") or next(iter(ask.labels.values()), "") or ask.name


def _given(args: argparse.Namespace) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in args.value or []:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--value {item!r}: write it as NAME=TEXT, e.g. question='Which card?'")
        values[name.strip()] = text
    return values


def _ask(ask: followup_pb2.AskedValue) -> str:
    """One value from the person at the terminal; a paragraph ends at an empty line."""
    if ask.kind == "paragraph":
        print(f"{_label(ask)} (end with an empty line):", file=sys.stderr)
        lines = []
        for line in sys.stdin:
            if not line.strip():
                break
            lines.append(line.rstrip("\n"))
        return "\n".join(lines)
    hint = " (YYYY-MM-DD)" if ask.kind == "date" else ""
    print(f"{_label(ask)}{hint}: ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip()


def values_for(args: argparse.Namespace, case_id: str) -> dict[str, str]:
    """The --value values, with each required one not given asked for (or,
    with no one at the terminal, refused by name)."""
    values = _given(args)
    template = _followup(
        args,
        "GetTemplate",
        followup_pb2.GetTemplateRequest(
            name=args.template, language=getattr(args, "language", "") or ""
        ),
    ).template
    known = {a.name for a in template.asks}
    for name in values:
        if name not in known:
            offered = ", ".join(sorted(known)) or "none"
            raise CliError(
                f"--value {name}: {args.template} does not ask for it; it asks for: {offered}"
            )
    for ask in template.asks:
        if values.get(ask.name, "").strip() or not ask.required:
            continue
        if sys.stdin.isatty():
            values[ask.name] = _ask(ask)
        if not values.get(ask.name, "").strip():
            raise CliError(
                f"{_label(ask)} is required: give it with --value {ask.name}=TEXT "
                f"(letter {args.template}, case {case_id})"
            )
    return values


def cmd_letter_preview(args: argparse.Namespace) -> None:
    extra = values_for(args, args.case_id)
    out = _followup(
        args,
        "RenderTemplate",
        followup_pb2.RenderTemplateRequest(
            template_name=args.template, case_id=args.case_id, language=args.language, extra=extra
        ),
    )
    if args.json:
        show_json(out)
        return
    print(f"Subject: {out.subject}\n")
    print(out.body_text)


def cmd_letter_send(args: argparse.Namespace) -> None:
    extra = values_for(args, args.case_id)
    message = _followup(
        args,
        "SendMessage",
        followup_pb2.SendMessageRequest(
            idempotency_key=args.key or f"cli-{uuid.uuid4()}",
            case_id=args.case_id,
            template_name=args.template,
            channel=from_short_name(Channel, args.channel) if args.channel else 0,  # type: ignore[arg-type]
            extra=extra,
        ),
    ).message
    if args.json:
        show_json(message)
        return
    channel = common_pb2.Channel.Name(message.channel).removeprefix("CHANNEL_").lower()
    print(
        f"{message.message_id}: {message.template_name} ({message.language}) to "
        f"{message.recipient} by {channel}: {message.subject}"
    )


def add_letter_commands(sub: Any) -> None:
    letter = sub.add_parser(
        "letter", help="letters to a case's customer, with the values they ask for"
    ).add_subparsers(dest="action", required=True)
    for name, run, help in (
        ("preview", cmd_letter_preview, "the letter as the customer would read it, not sent"),
        ("send", cmd_letter_send, "send a letter to the case's customer"),
    ):
        p = letter.add_parser(name, help=help)
        p.add_argument("case_id")
        p.add_argument(
            "template",
            help="e.g. request_for_information; `redress template show NAME` says what it asks for",
        )
        p.add_argument(
            "--value",
            action="append",
            metavar="NAME=TEXT",
            help="a value the letter asks for, e.g. question='Which card?'; repeatable. "
            "A required one not given is asked for at the terminal",
        )
        p.add_argument("--json", action="store_true")
        if name == "preview":
            p.add_argument(
                "--language", default="", help="the letter's language; the customer's by default"
            )
        if name == "send":
            p.add_argument("--channel", choices=choices(Channel), help="the customer's by default")
            p.add_argument("--key", help="idempotency key; a new one by default")
        p.set_defaults(run=run)
