"""`redress`: a small command-line client over the gRPC APIs."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import grpc

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.cli import handling, reading, reminders, reports, staff, vigilance
from redress.cli.calling import (
    DEFAULT_PORTS,
    CliError,
    address,
    api_key,
    call,
    open_channel,
    show_json,
    when,
)
from redress.common.v1 import common_pb2
from redress.domain.policy import Policy, PolicyError
from redress.domain.reconciliation import TrailEntry, unexplained_messages
from redress.domain.regulatory import REGIMES
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import highlights
from redress.platform.enums import Channel, Priority, Regime, choices, from_short_name, short_name
from redress.platform.errors import error_reasons
from redress.platform.settings import SettingsError

SERVICES = tuple(DEFAULT_PORTS)
__all__ = ["CliError", "main", "parser"]


def cmd_submit(args: argparse.Namespace) -> None:
    narrative = args.narrative
    if args.narrative_file:
        narrative = (
            Path(args.narrative_file).read_text()
            if args.narrative_file != "-"
            else sys.stdin.read()
        )
    request = intake_pb2.SubmitComplaintRequest(
        idempotency_key=args.key or f"cli-{uuid.uuid4()}",
        channel=from_short_name(Channel, args.channel),  # type: ignore[arg-type]
        customer=common_pb2.Customer(
            full_name=args.name,
            email=args.email or "",
            phone=args.phone or "",
            preferred_language=args.language or "",
            tags=args.tag or [],
        ),
        product=args.product or "",
        issue=args.issue or "",
        narrative=narrative or "",
        regime=from_short_name(Regime, args.regime or ""),  # type: ignore[arg-type]
        # Regimes defined as data (the device packs) have no enum value.
        regime_name="" if from_short_name(Regime, args.regime or "") else args.regime or "",
    )
    response = call(args, "intake", intake_pb2_grpc.IntakeServiceStub, "SubmitComplaint", request)
    if args.json:
        show_json(response)
        return
    state = "created" if response.created else "already existed"
    print(f"case {response.case_id} {state} (workflow {response.workflow_id})")


def _policy(args: argparse.Namespace, case: cases_pb2.Case) -> Policy | None:
    """The policy the case follows (its calendars, its causes); None when it
    cannot be read, for the case is shown without it."""
    try:
        document = _cases(
            args,
            "GetPolicy",
            cases_pb2.GetPolicyRequest(policy_id=case.policy_id, version=case.policy_version),
        ).policy.document
        return Policy.load(document)
    except (CliError, PolicyError):
        return None


def cmd_case_show(args: argparse.Namespace) -> None:
    response = call(
        args,
        "cases",
        cases_pb2_grpc.CasesServiceStub,
        "GetCase",
        # A workflow's id, as the Temporal UI shows it, names its case too
        # ("complaint:…"); a mistyped case id is answered as one.
        cases_pb2.GetCaseRequest(case_id=args.case_id)
        if args.case_id.startswith("C-")
        else cases_pb2.GetCaseRequest(workflow_id=args.case_id),
    )
    if args.json:
        show_json(response.case)
        return
    c = response.case
    product = " / ".join(p for p in (c.product, c.sub_product) if p) or "-"
    issue = " / ".join(p for p in (c.issue, c.sub_issue) if p) or "-"
    rows = [
        ("case", c.case_id),
        ("stage", c.stage),
        ("priority", short_name(Priority, c.priority)),
        ("category", c.category or "-"),
        *([("type", c.complaint_type)] if c.complaint_type else []),
        ("channel", short_name(Channel, c.channel)),
        ("regime", c.regime_name or short_name(Regime, c.regime) or "-"),
        (
            "customer",
            f"{c.customer.full_name} <{c.customer.email or c.customer.phone}> ({c.customer_id})",
        ),
        ("product", product),
        ("issue", issue),
        ("assignee", (c.assignee or "unassigned") + (f" (team {c.team})" if c.team else "")),
        ("received", when(c.received_at)),
        ("workflow", c.workflow_id),
    ]
    for name, value in rows:
        print(f"{name:>10}: {value}")
    print(f"{'narrative':>10}: {c.narrative}")
    if c.clocks:
        policy = _policy(args, c)
        print("clocks:")
        for clock in c.clocks:
            print(reading.clock_line(clock, policy))
    for link in c.links:
        kind = cases_pb2.LinkKind.Name(link.kind).removeprefix("LINK_KIND_").lower()
        print(f"  link: {kind.replace('_', ' ')} {link.other_case_id} (by {link.linked_by})")
    if c.subtasks:
        print("subtasks:")
    for task in c.subtasks:
        print(f"  {handling.subtask_line(task)}")
    if c.HasField("outcome"):
        first, *rest = reading.outcome_lines(c.outcome)
        print(f"{'outcome':>10}: {first}")
        for line in rest:
            print(f"{'':>12}{line}")
    shown = list(handling.notes(args, c.case_id, args.notes))
    print(
        f"notes ({len(shown)} of {c.note_count}, most recent first):"
        if c.note_count
        else "notes: none"
    )
    for note in shown:
        print("\n".join(handling.note_lines(note)))
    if c.note_count > len(shown):
        print(f"  ... all of them: redress case notes {c.case_id}")
    print("audit trail:")
    for e in c.audit_events:
        change = f" {e.field}: {e.old_value or '-'} -> {e.new_value}" if e.field else ""
        print(
            f"  #{e.sequence} {when(e.recorded_at)} {e.actor.id} {e.action}{change}"
            f"{'  (' + e.cause + ')' if e.cause else ''}"
        )


def cmd_case_list(args: argparse.Namespace) -> None:
    request = cases_pb2.ListCasesRequest(
        page=common_pb2.PageRequest(page_size=args.limit, page_token=args.page_token or ""),
        stages=args.stage or [],
        channels=[from_short_name(Channel, c) for c in args.channel or []],  # type: ignore[misc]
        text=args.text or "",
        complaint_types=args.type or [],
    )
    response = call(args, "cases", cases_pb2_grpc.CasesServiceStub, "ListCases", request)
    if args.json:
        show_json(response)
        return
    for c in response.cases:
        print(
            f"{c.case_id}  {when(c.received_at)}  {c.stage:<12} "
            f"{short_name(Priority, c.priority):<7} {short_name(Channel, c.channel):<9} "
            f"{c.customer.full_name[:30]:<30} {c.product[:40]}"
        )
    if response.page.next_page_token:
        print(f"more: --page-token {response.page.next_page_token}")


def cmd_case_verify(args: argparse.Namespace) -> None:
    """The hash chain, then whether the trail explains the case: its stage,
    clocks and outcome (services/cases) and its messages (services/followup)."""
    response = call(
        args,
        "cases",
        cases_pb2_grpc.CasesServiceStub,
        "VerifyAuditTrail",
        cases_pb2.VerifyAuditTrailRequest(case_id=args.case_id),
    )
    if response.intact:
        print(f"audit trail of {args.case_id} is intact ({response.events_checked} entries)")
    else:
        print(
            f"audit trail of {args.case_id} is BROKEN at entry "
            f"{response.first_broken_sequence}: {response.detail}"
        )
    found = list(response.disagreements)
    try:
        found += unexplained_messages(_case_messages(args), _trail(args))
    except CliError as err:
        print(f"its messages were not checked: {err}")
    if found:
        print(f"the trail does not explain the case ({len(found)}):")
        for line in found:
            print(f"  - {line}")
    else:
        print("the trail explains the case: its stage, clocks, outcome and messages")
    if not response.intact or found:
        raise SystemExit(1)


def _trail(args: argparse.Namespace) -> list[TrailEntry]:
    entries: list[TrailEntry] = []
    token = ""
    while True:
        page = _cases(
            args,
            "ListAuditEvents",
            cases_pb2.ListAuditEventsRequest(
                case_id=args.case_id,
                page=common_pb2.PageRequest(page_size=500, page_token=token),
            ),
        )
        entries += [
            TrailEntry(e.sequence, e.action, e.field, e.old_value, e.new_value) for e in page.events
        ]
        token = page.page.next_page_token
        if not token:
            return entries


def _case_messages(args: argparse.Namespace) -> dict[str, str]:
    """The case's letters and their delivery states, as services/followup has them."""
    messages: dict[str, str] = {}
    token = ""
    while True:
        page = call(
            args,
            "followup",
            followup_pb2_grpc.FollowupServiceStub,
            "ListMessages",
            followup_pb2.ListMessagesRequest(
                case_id=args.case_id,
                page=common_pb2.PageRequest(page_size=200, page_token=token),
            ),
        )
        for m in page.messages:
            # Staff alerts are not the case's letters; the trail records
            # them as notifications requested.
            if m.audience != "staff":
                messages[m.message_id] = short_name(followup_pb2.DeliveryState, m.state)
        token = page.page.next_page_token
        if not token:
            return messages


def _cases(args: argparse.Namespace, method: str, request: Any) -> Any:
    return call(args, "cases", cases_pb2_grpc.CasesServiceStub, method, request)


def _done(args: argparse.Namespace, case: Any) -> None:
    if getattr(args, "json", False):
        show_json(case)
        return
    print(
        f"{case.case_id}: stage {case.stage}, priority {short_name(Priority, case.priority)}, "
        f"assignee {case.assignee or '-'}, team {case.team or '-'}"
    )


def cmd_case_assign(args: argparse.Namespace) -> None:
    _done(
        args,
        _cases(
            args,
            "AssignCase",
            cases_pb2.AssignCaseRequest(
                case_id=args.case_id,
                assignee=args.to or "",
                team=args.team or "",
                reason=args.reason or "",
            ),
        ).case,
    )


def cmd_case_move(args: argparse.Namespace) -> None:
    _done(
        args,
        _cases(
            args,
            "TransitionStage",
            cases_pb2.TransitionStageRequest(
                case_id=args.case_id, to_stage=args.stage, reason=args.reason or ""
            ),
        ).case,
    )


def cmd_case_priority(args: argparse.Namespace) -> None:
    _done(
        args,
        _cases(
            args,
            "ChangePriority",
            cases_pb2.ChangePriorityRequest(
                case_id=args.case_id,
                priority=from_short_name(Priority, args.priority),  # type: ignore[arg-type]
                reason=args.reason,
            ),
        ).case,
    )


def cmd_case_category(args: argparse.Namespace) -> None:
    _done(
        args,
        _cases(
            args,
            "ChangeCategory",
            cases_pb2.ChangeCategoryRequest(
                case_id=args.case_id, category=args.category, reason=args.reason
            ),
        ).case,
    )


LINK_FLAGS = {
    "duplicate_of": cases_pb2.LINK_KIND_DUPLICATE_OF,
    "related_to": cases_pb2.LINK_KIND_RELATED_TO,
    "parent_of": cases_pb2.LINK_KIND_PARENT_OF,
    "child_of": cases_pb2.LINK_KIND_CHILD_OF,
}


def cmd_case_link(args: argparse.Namespace) -> None:
    chosen = [(k, getattr(args, k)) for k in LINK_FLAGS if getattr(args, k)]
    if len(chosen) != 1:
        raise CliError("give exactly one of --duplicate-of, --related-to, --parent-of, --child-of")
    kind, other = chosen[0]
    _done(
        args,
        _cases(
            args,
            "LinkCases",
            cases_pb2.LinkCasesRequest(
                case_id=args.case_id,
                kind=LINK_FLAGS[kind],  # type: ignore[arg-type]
                other_case_id=other,
            ),
        ).case,
    )


def cmd_case_unlink(args: argparse.Namespace) -> None:
    _done(
        args,
        _cases(
            args,
            "UnlinkCases",
            cases_pb2.UnlinkCasesRequest(
                case_id=args.case_id, other_case_id=args.other_case_id, reason=args.reason
            ),
        ).case,
    )


def cmd_case_outcome(args: argparse.Namespace) -> None:
    currency = args.currency.upper()
    try:
        paid = {
            "redress": reading.minor_units(args.redress, currency),
            "goodwill": reading.minor_units(args.goodwill, currency),
        }
    except ValueError as err:
        raise CliError(f"--redress/--goodwill: {err}") from None
    case = _cases(args, "GetCase", cases_pb2.GetCaseRequest(case_id=args.case_id)).case
    policy = _policy(args, case)
    # The service's refusal lists the taxonomy too, but a status has room
    # for a few hundred characters only: the whole list is printed from here.
    if policy and policy.root_causes and args.cause not in policy.root_causes:
        causes = "\n".join(f"  {cause}" for cause in policy.root_causes)
        raise CliError(
            f"--cause {args.cause!r} is not in the cause taxonomy of policy "
            f"{policy.id} {policy.version}; one of:\n{causes}"
        )
    # A policy with outcome values takes one of them; others take a decision.
    values = policy.outcomes if policy else {}
    decisions = choices(cases_pb2.Decision)
    if values and args.decision not in values:
        listed = "\n".join(
            f"  {v.name} ({v.decision}){' - ' + v.label if v.label else ''}"
            for v in values.values()
        )
        raise CliError(f"{args.decision!r} is not an outcome value of the case's policy:\n{listed}")
    if not values and args.decision not in decisions:
        raise CliError(f"{args.decision!r} is not a decision: one of {', '.join(decisions)}")
    recorded = _cases(
        args,
        "RecordOutcome",
        cases_pb2.RecordOutcomeRequest(
            case_id=args.case_id,
            decision=(
                cases_pb2.DECISION_UNSPECIFIED
                if values
                else from_short_name(cases_pb2.Decision, args.decision)  # type: ignore[arg-type]
            ),
            outcome=args.decision if values else "",
            root_cause=args.cause,
            summary=args.summary or "",
            redress=common_pb2.Money(currency=currency, minor_units=paid["redress"]),
            goodwill=common_pb2.Money(currency=currency, minor_units=paid["goodwill"]),
        ),
    ).case
    _done(args, recorded)
    if not args.json:
        print("outcome: " + "\n  ".join(reading.outcome_lines(recorded.outcome)))


def cmd_case_resolve(args: argparse.Namespace) -> None:
    _done(
        args,
        _cases(
            args,
            "ResolveCase",
            cases_pb2.ResolveCaseRequest(case_id=args.case_id, reason=args.reason or ""),
        ).case,
    )


def cmd_case_close(args: argparse.Namespace) -> None:
    _done(
        args,
        _cases(
            args,
            "CloseCase",
            cases_pb2.CloseCaseRequest(case_id=args.case_id, reason=args.reason or ""),
        ).case,
    )


def cmd_case_reopen(args: argparse.Namespace) -> None:
    _done(
        args,
        _cases(
            args,
            "ReopenCase",
            cases_pb2.ReopenCaseRequest(case_id=args.case_id, reason=args.reason),
        ).case,
    )


def cmd_customer_export(args: argparse.Namespace) -> None:
    """Writes everything held on one customer as JSON (a subject access request)."""
    metadata = (("authorization", f"Bearer {api_key(args)}"),)
    request = cases_pb2.ExportCustomerDataRequest(customer_id=args.customer_id)
    out = open(args.out, "wb") if args.out else sys.stdout.buffer
    try:
        with open_channel(address("cases", args)) as channel:
            stub = cases_pb2_grpc.CasesServiceStub(channel)
            for part in stub.ExportCustomerData(request, metadata=metadata, timeout=args.timeout):
                out.write(part.chunk)
    except grpc.RpcError as err:
        code = err.code().name  # type: ignore[attr-defined]
        reasons = "\n  ".join(error_reasons(err))
        raise CliError(f"cases.ExportCustomerData failed: {code}:\n  {reasons}") from None
    finally:
        if args.out:
            out.close()
    if args.out:
        print(f"everything held on {args.customer_id} written to {args.out}", file=sys.stderr)


def cmd_customer_erase(args: argparse.Namespace) -> None:
    response = _cases(
        args,
        "EraseCustomer",
        cases_pb2.EraseCustomerRequest(
            customer_id=args.customer_id,
            request_reference=args.reference,
            reason=args.reason or "",
            force=args.force,
        ),
    )
    if args.json:
        show_json(response)
        return
    if not response.changed:
        print(f"{response.customer_id}: nothing left to erase (erased {when(response.erased_at)})")
        return
    erased = ", ".join(f"{kind} {n}" for kind, n in sorted(response.erased.items()))
    print(f"{response.customer_id} erased from {', '.join(response.case_ids) or 'no cases'}")
    print(f"  values erased: {erased}")
    if response.open_case_ids:
        print(f"  still being handled (forced): {', '.join(response.open_case_ids)}")


def cmd_policy_publish(args: argparse.Namespace) -> None:
    response = _cases(
        args, "PublishPolicy", cases_pb2.PublishPolicyRequest(document=Path(args.file).read_text())
    )
    p = response.policy
    state = "published" if response.published else "was already published"
    print(f"policy {p.policy_id} version {p.version} {state}; new complaints follow it")


def cmd_policy_show(args: argparse.Namespace) -> None:
    p = _cases(
        args,
        "GetPolicy",
        cases_pb2.GetPolicyRequest(policy_id=args.id or "", version=args.version or ""),
    ).policy
    print(f"# policy {p.policy_id} version {p.version}, published by {p.published_by}")
    print(p.document)


def cmd_import_cfpb(args: argparse.Namespace) -> None:
    from redress.importers.cfpb import run_import

    code = run_import(
        Path(args.file),
        address("intake", args),
        api_key(args),
        limit=args.limit,
        concurrency=args.concurrency,
        received_on=args.received_on,
        rejections_file=Path(args.rejections) if args.rejections else None,
        historic=args.historic,
        progress_every=args.progress_every,
        encoding=args.encoding,
    )
    if code:
        raise SystemExit(code)


def add_encoding_argument(parser: argparse.ArgumentParser) -> None:
    from redress.importers.textfiles import codec_name

    def encoding(name: str) -> str:
        try:
            return codec_name(name)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parser.add_argument(
        "--encoding",
        type=encoding,
        help="the file's text encoding, e.g. cp1250 (default: found from the file: UTF-8, "
        "UTF-16 or UTF-32 with a byte-order mark, else the Windows or ISO code page its "
        "bytes read best in, Windows-1252 where that reads as well; the import says which)",
    )


def cmd_kb_import(args: argparse.Namespace) -> None:
    from redress.importers.faq import run_import

    try:
        code = run_import(
            Path(args.file),
            address("knowledge", args),
            api_key(args),
            language=args.language,
            encoding=args.encoding,
        )
    except (OSError, ValueError) as err:
        raise CliError(str(err)) from None
    except grpc.RpcError as err:
        raise CliError(f"knowledge: {err.code().name}: {err.details()}") from None  # type: ignore[attr-defined]
    if code:
        raise SystemExit(code)


def cmd_kb_search(args: argparse.Namespace) -> None:
    from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc

    response = call(
        args,
        "knowledge",
        knowledge_pb2_grpc.KnowledgeServiceStub,
        "SearchArticles",
        knowledge_pb2.SearchArticlesRequest(
            query=args.query,
            category=args.category or "",
            page=common_pb2.PageRequest(page_size=args.limit),
        ),
    )
    if args.json:
        show_json(response)
        return
    print(f"{response.total} articles match")
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for hit in response.hits:
        title = highlights.for_terminal(hit.title_highlighted or hit.title, colour)
        print(f"{hit.article_id}  {hit.score:.3f}  [{hit.category}] {title}")
        print(f"    {highlights.for_terminal(hit.snippet, colour)}")


def cmd_kb_reindex(args: argparse.Namespace) -> None:
    from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc

    metadata = (("authorization", f"Bearer {api_key(args)}"),)
    with open_channel(address("knowledge", args)) as channel:
        stub = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
        try:
            for step in stub.ReindexAll(knowledge_pb2.ReindexAllRequest(), metadata=metadata):
                print(f"{step.indexed}/{step.total} articles" + (" - done" if step.done else ""))
        except grpc.RpcError as err:
            raise CliError(f"knowledge.ReindexAll: {err.code().name}: {err.details()}") from None  # type: ignore[attr-defined]


def cmd_kb_status(args: argparse.Namespace) -> None:
    from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc

    s = call(
        args,
        "knowledge",
        knowledge_pb2_grpc.KnowledgeServiceStub,
        "GetIndexStatus",
        knowledge_pb2.GetIndexStatusRequest(),
    )
    print(f"search engine: {'up' if s.search_engine_up else 'DOWN'}")
    if s.semantic_search:
        print(f"search by meaning: on ({s.embedding_model})")
    else:
        print(f"search by meaning: OFF, keywords only ({s.semantic_search_problem})")
    print(f"articles: {s.articles_in_database} in the database, {s.documents_in_index} indexed")
    print(f"pending: {s.pending}" + (f" since {when(s.oldest_pending_at)}" if s.pending else ""))
    if s.last_error:
        print(f"last error: {s.last_error}")


def cmd_health(args: argparse.Namespace) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    failed = False
    for service in SERVICES:
        where = address(service, args)
        try:
            with open_channel(where) as channel:
                status = (
                    health_pb2_grpc.HealthStub(channel)
                    .Check(health_pb2.HealthCheckRequest(), timeout=args.timeout)
                    .status
                )
            state = health_pb2.HealthCheckResponse.ServingStatus.Name(status)
        except grpc.RpcError as err:
            state = f"unreachable ({err.code().name})"  # type: ignore[attr-defined]
        failed |= state != "SERVING"
        print(f"{service:<10} {where:<22} {state}")
    if failed:
        raise SystemExit(1)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="redress", description="Redress command-line client")
    p.add_argument("--api-key", help="defaults to $REDRESS_API_KEY, then ./var/admin.key")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per call")
    for service in SERVICES:
        p.add_argument(f"--{service}-address", help=f"host:port of services/{service}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("submit", help="file a complaint")
    s.add_argument("--name", required=True, help="the customer's full name")
    s.add_argument("--email")
    s.add_argument("--phone")
    s.add_argument("--language", help="BCP 47, e.g. en")
    s.add_argument("--tag", action="append", help="e.g. 'Older American'; repeatable")
    s.add_argument("--channel", required=True, choices=choices(Channel))
    s.add_argument("--product")
    s.add_argument("--issue")
    s.add_argument("--regime", choices=list(dict.fromkeys([*choices(Regime), *REGIMES[1:]])))
    s.add_argument("--narrative")
    s.add_argument("--narrative-file", help="read the narrative from a file, or - for stdin")
    s.add_argument("--key", help="idempotency key; a new one by default")
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=cmd_submit)

    case = sub.add_parser("case", help="look at cases").add_subparsers(dest="action", required=True)
    show = case.add_parser("show", help="one case with its audit trail")
    show.add_argument("case_id", help="C-000123, or its workflow's id as the Temporal UI shows it")
    show.add_argument("--json", action="store_true")
    show.add_argument("--notes", type=int, default=20, help="most recent notes shown (default 20)")
    show.set_defaults(run=cmd_case_show)

    def command(
        name: str, help: str, run: Callable[[argparse.Namespace], None]
    ) -> argparse.ArgumentParser:
        p = case.add_parser(name, help=help)
        p.add_argument("case_id")
        p.add_argument("--json", action="store_true")
        p.set_defaults(run=run)
        return p

    assign = command("assign", "assign to a person and/or team", cmd_case_assign)
    assign.add_argument("--to", help="the person")
    assign.add_argument("--team")
    assign.add_argument("--reason")
    move = command("move", "move to another stage", cmd_case_move)
    move.add_argument("stage")
    move.add_argument("--reason")
    prio = command("priority", "override the priority", cmd_case_priority)
    prio.add_argument("priority", choices=choices(Priority))
    prio.add_argument("--reason", required=True)
    category = command("category", "override the category", cmd_case_category)
    category.add_argument("category", help="one of the policy's categories")
    category.add_argument("--reason", required=True)
    link = command("link", "link to another case", cmd_case_link)
    for flag in LINK_FLAGS:
        link.add_argument("--" + flag.replace("_", "-"), metavar="OTHER_CASE_ID")
    unlink = command("unlink", "remove the link to another case", cmd_case_unlink)
    unlink.add_argument("other_case_id")
    unlink.add_argument("--reason", required=True)
    outcome = command("outcome", "record the outcome", cmd_case_outcome)
    outcome.add_argument(
        "decision",
        help="a decision ("
        + ", ".join(choices(cases_pb2.Decision))
        + "), or one of the outcome values the case's policy defines",
    )
    outcome.add_argument("--cause", required=True, help="a code of the cause taxonomy")
    outcome.add_argument("--summary")
    outcome.add_argument("--currency", default="GBP")
    outcome.add_argument("--redress", default="0", help="the amount paid, e.g. 25.50")
    outcome.add_argument("--goodwill", default="0", help="the goodwill payment, e.g. 10")
    command("resolve", "resolve (needs an outcome)", cmd_case_resolve).add_argument("--reason")
    command("close", "close (no open subtasks)", cmd_case_close).add_argument("--reason")
    command("reopen", "reopen a resolved or closed case", cmd_case_reopen).add_argument(
        "--reason", required=True
    )
    handling.add_commands(case)
    vigilance.add_case_commands(case)
    reminders.add_case_commands(case)
    lst = case.add_parser("list", help="cases, newest first")
    lst.add_argument("--stage", action="append")
    lst.add_argument("--channel", action="append", choices=choices(Channel))
    lst.add_argument("--text", help="words in the narrative")
    lst.add_argument("--type", action="append", help="a complaint type of the policy")
    lst.add_argument("--limit", type=int, default=20)
    lst.add_argument("--page-token")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(run=cmd_case_list)
    verify = case.add_parser(
        "verify",
        help="check a case's audit hash chain and that its trail explains its stage, "
        "clocks, outcome and messages",
    )
    verify.add_argument("case_id")
    verify.set_defaults(run=cmd_case_verify)

    customer = sub.add_parser(
        "customer", help="a customer's data: export it, erase it (docs/privacy.md)"
    ).add_subparsers(dest="action", required=True)
    export = customer.add_parser("export", help="everything held on one customer, as JSON")
    export.add_argument("customer_id", help="e.g. CU-0123456789abcdef0123 (a case's customer)")
    export.add_argument("--out", help="write to this file instead of standard output")
    export.set_defaults(run=cmd_customer_export)
    erase = customer.add_parser(
        "erase", help="erase one customer's personal data; the case figures stay"
    )
    erase.add_argument("customer_id")
    erase.add_argument("--reference", required=True, help="the erasure request's reference")
    erase.add_argument("--reason", help="why (required with --force)")
    erase.add_argument(
        "--force", action="store_true", help="erase even while cases are still being handled"
    )
    erase.add_argument("--json", action="store_true")
    erase.set_defaults(run=cmd_customer_erase)

    policy = sub.add_parser("policy", help="complaint-handling policies").add_subparsers(
        dest="action", required=True
    )
    publish = policy.add_parser("publish", help="validate and publish a policy document")
    publish.add_argument("file")
    publish.set_defaults(run=cmd_policy_publish)
    pshow = policy.add_parser("show", help="the policy in force, or a given version")
    pshow.add_argument("--id")
    pshow.add_argument("--version")
    pshow.set_defaults(run=cmd_policy_show)
    reports.add_policy_commands(policy)

    imp = sub.add_parser("import", help="replay complaints from a file through intake")
    imp_sub = imp.add_subparsers(dest="format", required=True)
    cfpb = imp_sub.add_parser(
        "cfpb",
        help="a CFPB consumer complaints CSV (any layout)",
        description="Files each row through intake. 'None', 'N/A', 'nan' and a ZIP code masked "
        "whole (XXXXX) are read as empty; control characters and broken encodings (mojibake) "
        "are cleaned and each field cleaned is listed, with its original, in the report.",
    )
    cfpb.add_argument("file")
    cfpb.add_argument("--limit", type=int, help="import at most this many rows")
    cfpb.add_argument("--concurrency", type=int, default=8, help="calls in flight (default 8)")
    cfpb.add_argument(
        "--received-on",
        type=date.fromisoformat,
        help="YYYY-MM-DD, for files without a 'Date received' column",
    )
    cfpb.add_argument("--rejections", help="write rejected rows and their reasons to this CSV")
    cfpb.add_argument(
        "--historic",
        action="store_true",
        help="load the rows as records of old complaints: no letters, and deadlines already "
        "passed are recorded as breached without escalation; a row the file records as closed "
        "('Closed with explanation', 'Closed with monetary relief'...) is filed closed with "
        "its outcome, on the day it was sent to the company (docs/lifecycle.md)",
    )
    cfpb.add_argument(
        "--progress-every",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="how often to print progress (rows, rate, time left) and save where an "
        "interrupted import goes on (default 2)",
    )
    add_encoding_argument(cfpb)
    cfpb.set_defaults(run=cmd_import_cfpb)

    kb = sub.add_parser("kb", help="the knowledge base").add_subparsers(
        dest="action", required=True
    )
    kbi = kb.add_parser("import", help="an FAQ CSV (question, answer, class) as articles")
    kbi.add_argument("file")
    kbi.add_argument("--language", default="en", help="the articles' language (default en)")
    add_encoding_argument(kbi)
    kbi.set_defaults(run=cmd_kb_import)
    kbs = kb.add_parser("search", help="search published articles")
    kbs.add_argument("query")
    kbs.add_argument("--category")
    kbs.add_argument("--limit", type=int, default=5)
    kbs.add_argument("--json", action="store_true")
    kbs.set_defaults(run=cmd_kb_search)
    kbr = kb.add_parser("reindex", help="rebuild the search index from the database")
    kbr.set_defaults(run=cmd_kb_reindex)
    kbst = kb.add_parser("status", help="how far the search index lags the database")
    kbst.set_defaults(run=cmd_kb_status)

    reports.add_commands(sub)
    vigilance.add_commands(sub)
    staff.add_commands(sub)

    from redress.cli.letters import add_letter_commands
    from redress.cli.social import add_social_commands

    add_letter_commands(sub)
    add_social_commands(sub)

    h = sub.add_parser("health", help="is every service serving?")
    h.set_defaults(run=cmd_health)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    run: Callable[[argparse.Namespace], None] = args.run
    try:
        run(args)
        sys.stdout.flush()
    except (CliError, SettingsError) as err:
        print(err, file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader stopped early (`redress case list | head`): that is
        # not an error. Python would still complain flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
