"""Device vigilance from the terminal: the reportability decision on a
device case, a report made to the regulator, and the reports due and made
(docs/lifecycle.md, "Device complaints")."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.cli.calling import CliError, call, show_json, when


def _cases(args: argparse.Namespace, method: str, request: Any) -> Any:
    return call(args, "cases", cases_pb2_grpc.CasesServiceStub, method, request)


def _time(option: str, text: str | None) -> Timestamp | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            f"{option}: a date and time such as 2030-01-15T12:00, not {text!r}"
        ) from None
    stamp = Timestamp()
    stamp.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return stamp


def report_line(r: cases_pb2.RegulatoryReport) -> str:
    made = f"reported {when(r.reported_at)} ({r.reference})" if r.reference else "not reported"
    device = " ".join(x for x in (r.device_name, r.device_model, r.lot_or_serial, r.udi) if x)
    return (
        f"{r.case_id} {r.regime} {r.clock} [{r.status}] {r.event_kind}, aware "
        f"{when(r.aware_at)}, due {when(r.due_at)}, {made}; {device or 'no device named'}"
    )


def cmd_reportability(args: argparse.Namespace) -> None:
    case = _cases(
        args,
        "RecordReportability",
        cases_pb2.RecordReportabilityRequest(
            case_id=args.case_id,
            reportable=args.decision == "reportable",
            event_kind=args.event_kind or "",
            aware_at=_time("--aware-at", args.aware_at),
            reasons=args.reasons,
            investigation=args.investigation,
            device_model=args.device_model or "",
            lot_or_serial=args.lot_or_serial or "",
            udi=args.udi or "",
            event_date=args.event_date or "",
            patient_outcome=args.patient_outcome or "",
            description=args.description or "",
            idempotency_key=args.key or "",
        ),
    ).case
    if args.json:
        show_json(case)
        return
    started = [c for c in case.clocks if c.regulatory and c.started_at.seconds]
    print(f"{case.case_id}: {args.decision} recorded")
    for clock in started:
        print(f"  {clock.name} due {when(clock.due_at)} ({clock.regulation})")


def cmd_report_made(args: argparse.Namespace) -> None:
    clock = _cases(
        args,
        "RecordRegulatoryReport",
        cases_pb2.RecordRegulatoryReportRequest(
            case_id=args.case_id,
            clock=args.clock,
            submitted_at=_time("--submitted-at", args.submitted_at),
            reference=args.reference,
            idempotency_key=args.key or "",
        ),
    ).clock
    if args.json:
        show_json(clock)
        return
    due = when(clock.due_at)
    print(f"{args.case_id}: {clock.name} report {args.reference} recorded, due {due}")


def cmd_device_reports(args: argparse.Namespace) -> None:
    response = _cases(
        args,
        "ListRegulatoryReports",
        cases_pb2.ListRegulatoryReportsRequest(
            regime=args.regime or "",
            due_from=_time("--due-from", args.due_from),
            due_before=_time("--due-before", args.due_before),
            limit=args.limit,
        ),
    )
    if args.json:
        show_json(response)
        return
    for report in response.reports:
        print(report_line(report))
    if response.truncated:
        print(f"(more than {len(response.reports)}; narrow the period or raise --limit)")


def add_case_commands(case: Any) -> None:
    """`case reportability` and `case report-made`."""
    decide = case.add_parser(
        "reportability", help="record a device case's reportability decision (starts its clocks)"
    )
    decide.add_argument("case_id")
    decide.add_argument("decision", choices=["reportable", "not-reportable"])
    decide.add_argument("--event-kind", help="one of the regime's, e.g. malfunction")
    decide.add_argument(
        "--aware-at", required=True, help="when the firm became aware, e.g. 2027-06-01T09:00"
    )
    decide.add_argument("--reasons", required=True)
    decide.add_argument(
        "--investigation", required=True, help="the investigation made, or why none is needed"
    )
    for name in ("device-model", "lot-or-serial", "udi", "patient-outcome", "description"):
        decide.add_argument(f"--{name}")
    decide.add_argument("--event-date", help="YYYY-MM-DD")
    decide.add_argument("--key", help="an idempotency key: the same key again records once")
    decide.add_argument("--json", action="store_true")
    decide.set_defaults(run=cmd_reportability)
    made = case.add_parser("report-made", help="record a report made to the regulator")
    made.add_argument("case_id")
    made.add_argument("clock", help="the report's clock, e.g. fda_mdr_report")
    made.add_argument("--submitted-at", required=True, help="e.g. 2027-06-20T15:00")
    made.add_argument(
        "--reference", required=True, help="the regulator's reference or manufacturer report no."
    )
    made.add_argument("--key", help="an idempotency key: the same key again records once")
    made.add_argument("--json", action="store_true")
    made.set_defaults(run=cmd_report_made)


def add_commands(sub: Any) -> None:
    """`device-reports`: the reports due and made to regulators."""
    listed = sub.add_parser(
        "device-reports", help="device reports due and made to regulators, earliest due first"
    )
    listed.add_argument("--regime", help="fda_mdr or eu_mdr; all by default")
    listed.add_argument("--due-from", help="due at or after, e.g. 2027-06-01")
    listed.add_argument("--due-before", help="due before, e.g. 2027-07-01")
    listed.add_argument("--limit", type=int, default=500)
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(run=cmd_device_reports)
