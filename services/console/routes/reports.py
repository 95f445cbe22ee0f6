"""Reports: the dashboard and its charts, regulatory returns, saved reports and the
cases export, each over a period given as `from` and `to` dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, g, make_response, request
from werkzeug.wrappers.response import Response

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain.periods import day_after, last_days
from redress.platform.charts import svg_chart
from redress.platform.enums import from_short_name, short_name
from redress.platform.wire import timestamp
from redress.reporting.v1 import reporting_pb2
from services.console.apis import Refusal
from services.console.pages import caller, page, policy_of, refusal_text

RETURN_REGIMES = [("uk_fca", "FCA"), ("us_cfpb", "CFPB"), ("au_asic", "ASIC")]
REPORT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
FORMATS = {
    "csv": reporting_pb2.RENDER_FORMAT_CSV,
    "json": reporting_pb2.RENDER_FORMAT_JSON,
    "xlsx": reporting_pb2.RENDER_FORMAT_XLSX,
    "html": reporting_pb2.RENDER_FORMAT_HTML,
}

blueprint = Blueprint("reports", __name__)


# What the reports page shows unless asked for other dates.
DEFAULT_DAYS = 30


def period_from_args() -> tuple[date, date, dict[str, str]]:
    """The first and last day (both included) asked for; by default the last
    30 days, today included, as a saved report's "last 30 days"."""
    problems: dict[str, str] = {}
    today = datetime.now(UTC).date()
    try:
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        problems["to"] = g.t("a date as YYYY-MM-DD")
        end = today
    try:
        start = date.fromisoformat(
            request.args.get("from") or last_days(DEFAULT_DAYS, end)[0].isoformat()
        )
    except ValueError:
        problems["from"] = g.t("a date as YYYY-MM-DD")
        start = last_days(DEFAULT_DAYS, end)[0]
    if start > end:
        problems["from"] = g.t("on or before the end date")
    return start, end, problems


def time_range(start: date, end: date) -> common_pb2.TimeRange:
    return common_pb2.TimeRange(
        start=timestamp(datetime.combine(start, time(), UTC)),
        end=timestamp(datetime.combine(day_after(end), time(), UTC)),
    )


AGES = re.compile(r"^(\d+)-(\d+) days$|^over (\d+) days$")


def open_stage_names() -> list[str]:
    policy = policy_of()
    # Open as docs/reporting.md defines it: not resolved (closing resolves too).
    return (
        [n for n, stage in policy.every_stage().items() if not stage.closed and not stage.resolved]
        if policy
        else []
    )


def bar_link(dimension: str, key: str, received: dict[str, str], open_stages: str) -> str:
    """The queue of the cases a dashboard bar counts: those received in the
    period of that channel or category; for the backlog's ages, the cases open
    now received that many days ago. Outcomes have no queue filter: no link."""
    if dimension in ("channel", "category") and key:
        return "/cases?" + urlencode({dimension: key, **received})
    found = AGES.match(key) if dimension == "age" else None
    if not found:
        return ""
    today = datetime.now(UTC).date()
    youngest, oldest, over = found.groups()
    if over:
        ages = {"received_to": (today - timedelta(days=int(over) + 1)).isoformat()}
    else:
        ages = {
            "received_from": (today - timedelta(days=int(oldest))).isoformat(),
            "received_to": (today - timedelta(days=int(youngest))).isoformat(),
        }
    return "/cases?" + urlencode({"stage": open_stages, **ages})


@blueprint.route("/reports")
def reports() -> Response:
    start, end, problems = period_from_args()
    dashboard = None
    refusal = None
    charts: dict[str, str] = {}
    if not problems:
        try:
            dashboard = caller().reporting(
                "GetDashboard",
                reporting_pb2.GetDashboardRequest(
                    filter=reporting_pb2.CaseFilter(received=time_range(start, end))
                ),
            )
        except Refusal as err:
            refusal = err
    if dashboard is not None:
        received = {"received_from": start.isoformat(), "received_to": end.isoformat()}
        open_stages = ",".join(open_stage_names())
        for name, counts, dimension in (
            ("by_channel", dashboard.by_channel, "channel"),
            ("by_category", dashboard.by_category, "category"),
            ("backlog_ageing", dashboard.backlog_ageing, "age"),
            ("outcome_mix", dashboard.outcome_mix, ""),
        ):
            points = [(c.key or "-", float(c.value)) for c in counts]
            links = [
                bar_link(dimension, c.key, received, open_stages) if c.value else "" for c in counts
            ]
            if points:
                charts[name] = svg_chart(points, False, g.t(name.replace("_", " ")), links)
    return page(
        "reports.html",
        422 if (problems or refusal) else 200,
        start=start,
        end=end,
        problems=problems,
        refusal=refusal,
        dashboard=dashboard,
        charts=charts,
    )


@blueprint.route("/reports/returns")
def returns() -> Response:
    start, end, problems = period_from_args()
    regime = request.args.get("regime", "uk_fca")
    if regime not in dict(RETURN_REGIMES):
        problems["regime"] = "one of " + ", ".join(dict(RETURN_REGIMES))
    answer = None
    refusal = None
    if not problems:
        try:
            answer = caller().reporting(
                "GetRegulatoryReturn",
                reporting_pb2.GetRegulatoryReturnRequest(
                    regime=from_short_name(common_pb2.Regime, regime),  # type: ignore[arg-type]
                    period=time_range(start, end),
                ),
            )
        except Refusal as err:
            refusal = err
    return page(
        "returns.html",
        422 if (problems or refusal) else 200,
        start=start,
        end=end,
        regime=regime,
        regimes=RETURN_REGIMES,
        problems=problems,
        refusal=refusal,
        answer=answer,
    )


DEVICE_REGIMES = [("fda_mdr", "FDA MDR"), ("eu_mdr", "EU MDR")]


@blueprint.route("/reports/device")
def device_reports() -> Response:
    """Reports due and made to regulators under the device regimes, by due
    date: by default from 30 days ago to 60 days ahead."""
    today = datetime.now(UTC).date()
    problems: dict[str, str] = {}
    if not request.args.get("from") and not request.args.get("to"):
        start, end = today - timedelta(days=30), today + timedelta(days=60)
    else:
        start, end, problems = period_from_args()
    regime = request.args.get("regime", "")
    if regime and regime not in dict(DEVICE_REGIMES):
        problems["regime"] = "one of " + ", ".join(dict(DEVICE_REGIMES))
    answer = None
    refusal = None
    if not problems:
        try:
            answer = caller().cases(
                "ListRegulatoryReports",
                cases_pb2.ListRegulatoryReportsRequest(
                    regime=regime,
                    due_from=timestamp(datetime.combine(start, time(), UTC)),
                    due_before=timestamp(datetime.combine(day_after(end), time(), UTC)),
                    limit=1000,
                ),
            )
        except Refusal as err:
            refusal = err
    return page(
        "device_reports.html",
        422 if (problems or refusal) else 200,
        start=start,
        end=end,
        regime=regime,
        regimes=[("", g.t("All device regimes")), *DEVICE_REGIMES],
        problems=problems,
        refusal=refusal,
        answer=answer,
    )


@blueprint.route("/reports/saved")
def saved_reports() -> Response:
    refusal = None
    definitions: list[Any] = []
    try:
        definitions = list(
            caller()
            .reporting(
                "ListReports",
                reporting_pb2.ListReportsRequest(page=common_pb2.PageRequest(page_size=500)),
            )
            .definitions
        )
    except Refusal as err:
        refusal = err
    return page(
        "saved_reports.html",
        403 if refusal else 200,
        definitions=definitions,
        refusal=refusal,
        formats=list(FORMATS),
        kind_name=lambda v: short_name(reporting_pb2.ReportKind, v),
    )


@blueprint.route("/reports/saved/<name>.<fmt>")
def run_saved(name: str, fmt: str) -> Response:
    if not REPORT_NAME.match(name) or fmt not in FORMATS:
        abort(404)
    try:
        answer = caller().reporting(
            "RunReport", reporting_pb2.RunReportRequest(name=name, format=FORMATS[fmt])
        )
    except Refusal as err:
        if err.code.name == "NOT_FOUND":
            abort(404)
        return page("error.html", 403, message=refusal_text(err))
    response = make_response(answer.content)
    response.headers["Content-Type"] = answer.content_type
    if fmt != "html":
        response.headers["Content-Disposition"] = f'attachment; filename="{answer.file_name}"'
    else:
        # The report's own page carries its inline chart styles.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        )
    return response


@blueprint.route("/reports/export.csv")
def export() -> Response:
    start, end, problems = period_from_args()
    if problems:
        abort(400, "; ".join(f"{k}: {v}" for k, v in problems.items()))
    try:
        chunks = caller().stream(
            "reporting",
            "ExportCases",
            reporting_pb2.ExportCasesRequest(
                filter=reporting_pb2.CaseFilter(received=time_range(start, end)),
                format=reporting_pb2.EXPORT_FORMAT_CSV,
            ),
        )
    except Refusal as err:
        return page("error.html", 403, message=refusal_text(err))
    response = make_response(b"".join(c.chunk for c in chunks))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="cases-{start.isoformat()}-{end.isoformat()}.csv"'
    )
    return response
