"""What a supervisor reads from the command line: the dashboard, a regulatory
return, and the letter templates the platform sends."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from redress.cli.calling import call, show_json, when
from redress.cli.reading import money
from redress.common.v1 import common_pb2
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.platform.enums import Regime, choices, from_short_name, short_name
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc


def _reporting(args: argparse.Namespace, method: str, request: Any) -> Any:
    return call(args, "reporting", reporting_pb2_grpc.ReportingServiceStub, method, request)


def _followup(args: argparse.Namespace, method: str, request: Any) -> Any:
    return call(args, "followup", followup_pb2_grpc.FollowupServiceStub, method, request)


def period(first: date, last: date) -> common_pb2.TimeRange:
    """From the start of `first` to the end of `last` (UTC): both days count."""
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(datetime.combine(first, datetime.min.time(), UTC))
    end.FromDatetime(datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC))
    return common_pb2.TimeRange(start=start, end=end)


def _days(args: argparse.Namespace, default_days: int) -> tuple[date, date]:
    last = args.to or datetime.now(UTC).date()
    return args.from_ or last - timedelta(days=default_days - 1), last


def _counts(title: str, counts: Any) -> list[str]:
    if not counts:
        return []
    width = max(len(c.key or "(none)") for c in counts)
    return [f"{title}:", *(f"  {(c.key or '(none)'):<{width}}  {c.value:>6}" for c in counts)]


def cmd_dashboard(args: argparse.Namespace) -> None:
    first, last = _days(args, 30)
    d = _reporting(
        args,
        "GetDashboard",
        reporting_pb2.GetDashboardRequest(
            filter=reporting_pb2.CaseFilter(received=period(first, last))
        ),
    )
    if args.json:
        show_json(d)
        return
    print(f"Complaints received {first} to {last} (UTC days, both included)")
    for label, value in (
        ("received", d.received),
        ("resolved", d.resolved),
        ("closed", d.closed),
        ("reopened", d.reopened),
        ("open now (any receipt date)", d.open_now),
    ):
        print(f"  {label:<28} {value:>6}")
    lines = _counts("outcomes", d.outcome_mix)
    lines += _counts("by channel", d.by_channel)
    lines += _counts("by category", d.by_category)
    lines += _counts("open cases by age", d.backlog_ageing)
    lines += _counts("escalations (by level)", d.escalations)
    for label, amounts in (("redress paid", d.redress_paid), ("goodwill paid", d.goodwill_paid)):
        if amounts:
            lines.append(f"{label}: " + ", ".join(money(m) for m in amounts))
    if d.by_team:
        lines.append("workload by team (open / resolved):")
        lines += [f"  {w.key or '(none)'}: {w.open} / {w.resolved}" for w in d.by_team]
    print("\n".join(lines))


def cmd_return(args: argparse.Namespace) -> None:
    first, last = _days(args, 182)
    r = _reporting(
        args,
        "GetRegulatoryReturn",
        reporting_pb2.GetRegulatoryReturnRequest(
            regime=from_short_name(Regime, args.regime),  # type: ignore[arg-type]
            period=period(first, last),
        ),
    )
    if args.json:
        show_json(r)
        return
    kept = "kept record" if r.kept else "computed"
    print(
        f"{short_name(Regime, r.regime)} return for {first} to {last}"
        f" ({kept} {when(r.generated_at)})"
    )
    for line in r.lines:
        reference = f"{line.reference} " if line.reference else ""
        breakdown = f" [{line.breakdown}]" if line.breakdown else ""
        print(f"  {reference}{line.description}{breakdown}: {line.value}")
    for change in r.changed:
        print(f"  changed since kept: {change}")


def cmd_templates(args: argparse.Namespace) -> None:
    token = ""
    while True:
        page = _followup(
            args,
            "ListTemplates",
            followup_pb2.ListTemplatesRequest(
                page=common_pb2.PageRequest(page_size=200, page_token=token)
            ),
        )
        for t in page.templates:
            purpose = short_name(followup_pb2.MessagePurpose, t.purpose).replace("_", " ")
            print(f"{t.name:<32} {t.language:<5} v{t.version:<3} {purpose:<24} {t.subject}")
        token = page.page.next_page_token
        if not token:
            return


def cmd_template_show(args: argparse.Namespace) -> None:
    t = _followup(
        args,
        "GetTemplate",
        followup_pb2.GetTemplateRequest(name=args.name, language=args.language or ""),
    ).template
    if args.json:
        show_json(t)
        return
    purpose = short_name(followup_pb2.MessagePurpose, t.purpose).replace("_", " ")
    print(f"# {t.name} version {t.version}, {t.language}, {purpose}, by {t.created_by.id}")
    for ask in t.asks:
        # What `redress letter send` takes with --value, and asks for when left out.
        label = ask.labels.get("en") or next(iter(ask.labels.values()), ask.name)
        need = "required" if ask.required else "optional"
        kind = f", {ask.kind}" if ask.kind and ask.kind != "text" else ""
        print(f"# asks for --value {ask.name}=…  {label} ({need}{kind})")
    print(f"Subject: {t.subject}\n")
    print(t.body_text)


def add_commands(sub: Any) -> None:
    report = sub.add_parser("report", help="figures: the dashboard, regulatory returns")
    kinds = report.add_subparsers(dest="kind", required=True)
    dash = kinds.add_parser("dashboard", help="complaints received in a period, and open now")
    ret = kinds.add_parser("return", help="a regulator's return for a period")
    ret.add_argument("regime", choices=[c for c in choices(Regime) if c != "none"])
    for p, days in ((dash, 30), (ret, 182)):
        p.add_argument(
            "--from",
            dest="from_",
            type=date.fromisoformat,
            help=f"first day, YYYY-MM-DD (default: {days} days before --to)",
        )
        p.add_argument("--to", type=date.fromisoformat, help="last day (default: today, UTC)")
        p.add_argument("--json", action="store_true")
    dash.set_defaults(run=cmd_dashboard)
    ret.set_defaults(run=cmd_return)

    template = sub.add_parser("template", help="the letter and message templates")
    verbs = template.add_subparsers(dest="what", required=True)
    verbs.add_parser("list", help="every template, each language").set_defaults(run=cmd_templates)
    show = verbs.add_parser("show", help="a template's subject and text")
    show.add_argument("name")
    show.add_argument("--language", help="e.g. de (default: the template's default)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=cmd_template_show)


def cmd_policy_what_if(args: argparse.Namespace) -> None:
    """`redress policy what-if DRAFT --from D --to D`: what the draft would
    have done with the cases received in the period, before publishing it."""
    with open(args.file, encoding="utf-8") as f:
        document = f.read()
    # A period of many cases takes a while: the call gets at least ten minutes.
    args.timeout = max(args.timeout, 600.0)
    r = _reporting(
        args,
        "WhatIfPolicy",
        reporting_pb2.WhatIfPolicyRequest(
            draft_document=document, received=period(args.from_, args.to), limit=args.limit
        ),
    )
    if args.json:
        show_json(r)
        return
    print(
        f"policy {r.draft_policy_id} {r.draft_version} against the cases received "
        f"{args.from_} to {args.to} (clocks as of {when(r.as_of)})"
    )
    print(f"  cases replayed {r.cases_replayed}, differing {r.cases_differing}")
    if r.clocks:
        width = max(len(c.clock) for c in r.clocks)
        print(f"  {'clock':<{width}}  breached now -> draft   more  fewer   met now -> draft")
        for c in r.clocks:
            print(
                f"  {c.clock:<{width}}  {c.baseline_breached:>12} -> {c.draft_breached:<5}"
                f"  {c.more_breaches:>5}  {c.fewer_breaches:>5}"
                f"  {c.baseline_met:>7} -> {c.draft_met}"
            )
    print(f"  warnings {r.baseline_warnings} -> {r.draft_warnings}")
    print(f"  escalation steps {r.baseline_escalations} -> {r.draft_escalations}")
    for letter in r.letters:
        print(f"  {letter.kind} letters {letter.baseline} -> {letter.draft}")
    for case in r.cases:
        print(f"{case.case_id} (received {when(case.received_at)}, now {case.baseline_policy})")
        if case.baseline_type != case.draft_type:
            print(f"  type {case.baseline_type or '-'} -> {case.draft_type or '-'}")
        for c in case.clocks:
            before = short_name(common_pb2.ClockState, c.baseline_state) or "-"
            after = short_name(common_pb2.ClockState, c.draft_state) or "-"
            print(
                f"  {c.clock}: {before} (due {when(c.baseline_due_at)}) -> "
                f"{after} (due {when(c.draft_due_at)})"
            )
        for label, items in (
            ("warning now only", case.warnings_only_baseline),
            ("warning under the draft only", case.warnings_only_draft),
            ("escalation now only", case.escalations_only_baseline),
            ("escalation under the draft only", case.escalations_only_draft),
            ("letter now only", case.letters_only_baseline),
            ("letter under the draft only", case.letters_only_draft),
        ):
            for item in items:
                print(f"  {label}: {item}")
    if r.truncated:
        print(f"(the first {len(r.cases)} differing cases are listed; --limit for more)")


def add_policy_commands(policy: Any) -> None:
    what = policy.add_parser(
        "what-if",
        help="what a draft policy would have done with past cases (changes nothing)",
        description="Replays the cases received in the period under their own policy "
        "version and under the draft, and shows what differs: clocks met or breached, "
        "warnings, escalation steps, letters; totals, then case by case.",
    )
    what.add_argument("file", help="the draft policy, YAML or JSON")
    what.add_argument(
        "--from", dest="from_", type=date.fromisoformat, required=True, help="first day received"
    )
    what.add_argument("--to", type=date.fromisoformat, required=True, help="last day received")
    what.add_argument("--limit", type=int, default=100, help="differing cases to list (max 500)")
    what.add_argument("--json", action="store_true")
    what.set_defaults(run=cmd_policy_what_if)
