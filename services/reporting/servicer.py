"""ReportingService over gRPC: trends, root causes, time to close, clock
compliance, regulatory returns and exports."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import grpc
from google.protobuf.duration_pb2 import Duration

from redress.common.v1 import common_pb2
from redress.domain import what_if as wi
from redress.domain.policy import Policy
from redress.platform.auth import current_principal
from redress.platform.enums import Regime, from_short_name, short_name
from redress.platform.errors import (
    FieldViolation,
    InvalidArgument,
    NotFound,
    ServiceError,
    Unavailable,
    Violations,
)
from redress.platform.policies import checked_policy
from redress.platform.requests import check_plain_text
from redress.platform.serving import roles
from redress.platform.wire import duration, timestamp
from redress.platform.wire import optional_timestamp as _ts
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.reporting import returns, saved
from services.reporting.definitions import RETURN_CLOCKS, Durations
from services.reporting.deflections import DeflectionCount, deflections
from services.reporting.exports import export_chunks
from services.reporting.figures import Figures
from services.reporting.render import CONTENT_TYPES, file_name, render
from services.reporting.requests import GRANULARITIES, case_filter, dimension, time_range
from services.reporting.store import NoSuchReport, ReportingStore, SavedReports, from_row
from services.reporting.what_if import MAX_CASES, WhatIfResult, count_cases, what_if

READERS = roles("reporting_reader", "team_lead", "manager", "administrator", "auditor")
# Regulatory returns, however they are read: GetRegulatoryReturn, a saved
# report of a return (RunReport, over HTTP).
RETURN_READERS = roles("reporting_reader", "manager", "administrator", "auditor")
ACCESS = {
    "redress.reporting.v1.ReportingService": {
        "GetTrends": READERS,
        "GetRootCauses": READERS,
        "GetTimeToClose": READERS,
        "GetClockCompliance": READERS,
        "GetRegulatoryReturn": RETURN_READERS,
        "ExportCases": READERS,
        "GetDashboard": READERS,
        "SaveReport": roles("manager", "administrator", "reporting_reader"),
        "DeleteReport": roles("manager", "administrator", "reporting_reader"),
        "GetReport": READERS,
        "ListReports": READERS,
        "RunReport": READERS,
        "GetDeflections": READERS,
        # Policies are the administrators'; managers and auditors read what a
        # change would do before it is made.
        "WhatIfPolicy": roles("administrator", "manager", "auditor"),
    }
}
MAX_PERIOD = timedelta(days=3 * 366)
EARLIEST = datetime.min.replace(tzinfo=UTC)


def _seconds(seconds: float) -> Duration:
    """A figure's time in whole seconds."""
    return duration(round(seconds))


def _stats(d: Durations) -> reporting_pb2.DurationStats:
    return reporting_pb2.DurationStats(
        key=d.key,
        cases=d.cases,
        p50=_seconds(d.p50),
        p90=_seconds(d.p90),
        p99=_seconds(d.p99),
        mean=_seconds(d.mean),
        max=_seconds(d.max),
    )


DEFLECTION_SOURCES = ("web_form", "status_page")


def deflection_figures(c: DeflectionCount) -> reporting_pb2.DeflectionFigures:
    return reporting_pb2.DeflectionFigures(
        key=c.key,
        title=c.title,
        shown=c.shown,
        answered=c.answered,
        went_on_to_file=c.went_on_to_file,
        deflection_rate=round(c.rate, 4),
    )


WHAT_IF_ROWS = 500


def _clock_change(d: wi.ClockDifference) -> reporting_pb2.WhatIfClockChange:
    change = reporting_pb2.WhatIfClockChange(
        clock=d.name, newly_breached=d.newly_breached, no_longer_breached=d.no_longer_breached
    )
    for side, found in (("baseline", d.baseline), ("draft", d.draft)):
        if found is None:
            continue
        setattr(change, f"{side}_state", from_short_name(common_pb2.ClockState, found.state))
        if found.due_at is not None:
            getattr(change, f"{side}_due_at").CopyFrom(timestamp(found.due_at))
        if found.breached_at is not None:
            getattr(change, f"{side}_breached_at").CopyFrom(timestamp(found.breached_at))
    return change


def what_if_response(
    draft: Policy, as_of: datetime, result: WhatIfResult
) -> reporting_pb2.WhatIfPolicyResponse:
    t = result.totals
    names = list(t.baseline_clocks) + [n for n in t.draft_clocks if n not in t.baseline_clocks]
    clocks = []
    for name in names:
        before = t.baseline_clocks.get(name, wi.ClockTotals())
        after = t.draft_clocks.get(name, wi.ClockTotals())
        clocks.append(
            reporting_pb2.WhatIfClockTotals(
                clock=name,
                regulatory=name in result.regulatory,
                baseline_met=before.met,
                baseline_breached=before.breached,
                baseline_running=before.running,
                draft_met=after.met,
                draft_breached=after.breached,
                draft_running=after.running,
                more_breaches=t.more_breaches[name],
                fewer_breaches=t.fewer_breaches[name],
                deadlines_moved=t.deadlines_moved[name],
            )
        )
    kinds = sorted(set(t.baseline_letters) | set(t.draft_letters))
    return reporting_pb2.WhatIfPolicyResponse(
        draft_policy_id=draft.id,
        draft_version=draft.version,
        as_of=timestamp(as_of),
        cases_replayed=t.cases,
        cases_differing=t.cases_differing,
        clocks=clocks,
        baseline_warnings=t.baseline_warnings,
        draft_warnings=t.draft_warnings,
        baseline_escalations=t.baseline_escalations,
        draft_escalations=t.draft_escalations,
        letters=[
            reporting_pb2.WhatIfLetterTotals(
                kind=k, baseline=t.baseline_letters[k], draft=t.draft_letters[k]
            )
            for k in kinds
        ],
        cases=[
            reporting_pb2.WhatIfCase(
                case_id=d.case_id,
                received_at=timestamp(d.received_at),
                baseline_policy=version,
                baseline_type=d.baseline_type,
                draft_type=d.draft_type,
                clocks=[_clock_change(c) for c in d.clocks],
                warnings_only_baseline=d.warnings_only_baseline,
                warnings_only_draft=d.warnings_only_draft,
                escalations_only_baseline=d.escalations_only_baseline,
                escalations_only_draft=d.escalations_only_draft,
                letters_only_baseline=d.letters_only_baseline,
                letters_only_draft=d.letters_only_draft,
            )
            for version, d in result.cases
        ],
        truncated=result.truncated,
        cases_cut_short=t.cut_short,
    )


class ReportingServicer(reporting_pb2_grpc.ReportingServiceServicer):
    def __init__(
        self,
        store: ReportingStore,
        on_saved: Callable[[reporting_pb2.ReportDefinition], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.figures = Figures(store)
        self.saved = SavedReports(store)
        self.on_saved = on_saved

    async def GetDeflections(
        self, request: reporting_pb2.GetDeflectionsRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.GetDeflectionsResponse:
        v = Violations()
        start, end = time_range(v, "period", request.period, required=True)
        if start is not None and end is not None and end - start > MAX_PERIOD:
            v.add("period", "at most three years")
        if request.source and request.source not in DEFLECTION_SOURCES:
            v.add("source", "web_form or status_page, or empty for both")
        v.raise_if_any()
        assert start is not None and end is not None
        d = await asyncio.to_thread(deflections, self.store, start, end, request.source)
        return reporting_pb2.GetDeflectionsResponse(
            total=deflection_figures(d.total),
            by_article=[deflection_figures(c) for c in d.by_article],
            by_language=[deflection_figures(c) for c in d.by_language],
        )

    async def WhatIfPolicy(
        self, request: reporting_pb2.WhatIfPolicyRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.WhatIfPolicyResponse:
        v = Violations()
        start, end = time_range(v, "received", request.received, required=True)
        if start is not None and end is not None and end - start > MAX_PERIOD:
            v.add("received", "at most three years")
        if not 0 <= request.limit <= WHAT_IF_ROWS:
            v.add("limit", f"between 0 and {WHAT_IF_ROWS} (0 for 100)")
        draft: Policy | None = None
        if not request.draft_document.strip():
            v.add("draft_document", "required: the draft policy, YAML or JSON")
        else:
            # Checked as PublishPolicy checks a document, every problem named.
            try:
                draft = checked_policy(request.draft_document, "draft_document")
            except InvalidArgument as err:
                v.items.extend(err.violations)
        v.raise_if_any()
        assert start is not None and end is not None and draft is not None
        cases = await asyncio.to_thread(count_cases, self.store, start, end)
        if cases > MAX_CASES:
            raise InvalidArgument(
                [
                    FieldViolation(
                        "received",
                        f"{cases:,} cases were received in the period; at most "
                        f"{MAX_CASES:,} are replayed at once: choose a shorter period",
                    )
                ]
            )
        as_of = datetime.now(UTC)
        result = await asyncio.to_thread(
            what_if, self.store, draft, start, end, as_of, request.limit or 100
        )
        return what_if_response(draft, as_of, result)

    async def GetDashboard(
        self, request: reporting_pb2.GetDashboardRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.GetDashboardResponse:
        v = Violations()
        f = case_filter(v, request.filter)
        received = request.filter.received
        if not (received.HasField("start") and received.HasField("end")):
            v.add("filter.received", "the period: give both start and end")
        elif (
            f.received_from is not None
            and f.received_to is not None
            and f.received_to - f.received_from > f.received_from - EARLIEST
        ):
            # Categories rising or falling are counted against the period before.
            v.add(
                "filter.received",
                "the period before this one, of the same length, must start after year 1",
            )
        v.raise_if_any()
        now = datetime.now(UTC)
        d = await asyncio.to_thread(self.figures.dashboard, f, now)
        assert f.received_from is not None and f.received_to is not None
        answers = await asyncio.to_thread(deflections, self.store, f.received_from, f.received_to)

        def counts(pairs: list[tuple[str, int]]) -> list[reporting_pb2.Count]:
            return [reporting_pb2.Count(key=k, value=n) for k, n in pairs]

        def money(totals: dict[str, int]) -> list[common_pb2.Money]:
            return [common_pb2.Money(currency=c, minor_units=m) for c, m in sorted(totals.items())]

        return reporting_pb2.GetDashboardResponse(
            received=d.received,
            resolved=d.resolved,
            closed=d.closed,
            reopened=d.reopened,
            open_now=d.open_now,
            backlog_ageing=counts(d.backlog_ageing),
            by_channel=counts(d.by_channel),
            by_product=counts(d.by_product),
            by_category=counts(d.by_category),
            outcome_mix=counts(d.outcome_mix),
            redress_paid=money(d.redress_paid),
            goodwill_paid=money(d.goodwill_paid),
            escalations=counts(d.escalations),
            by_assignee=[
                reporting_pb2.Workload(key=k, open=o, resolved=r) for k, o, r in d.by_assignee
            ],
            by_team=[reporting_pb2.Workload(key=k, open=o, resolved=r) for k, o, r in d.by_team],
            categories=[
                reporting_pb2.CategoryChange(
                    category=c, this_period=n, previous_period=b, change=ch, direction=way
                )
                for c, n, b, ch, way in d.categories
            ],
            resolving_articles=counts(d.resolving_articles),
            satisfaction_responses=sum(n for _, n in d.satisfaction_scores),
            satisfaction_mean=(
                sum(int(s) * n for s, n in d.satisfaction_scores)
                / max(1, sum(n for _, n in d.satisfaction_scores))
            ),
            satisfaction_scores=counts(d.satisfaction_scores),
            satisfaction_by_source=[
                reporting_pb2.SatisfactionBySource(source=s, responses=n, mean=m)
                for s, n, m in d.satisfaction_by_source
            ],
            deflections=deflection_figures(answers.total),
        )

    async def SaveReport(
        self, request: reporting_pb2.SaveReportRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.SaveReportResponse:
        v = Violations()
        saved.check(v, request.definition)
        v.raise_if_any()
        principal = current_principal.get()
        row = await asyncio.to_thread(
            self.saved.save, request.definition, principal.id if principal else "unknown"
        )
        definition = from_row(row)
        if self.on_saved is not None:
            try:
                await self.on_saved(definition)
            except Exception as err:
                raise Unavailable(
                    f"version {row.version} is saved, but its delivery schedule could not be "
                    f"set in Temporal ({err}); save it again to retry"
                ) from None
        return reporting_pb2.SaveReportResponse(definition=definition)

    async def DeleteReport(
        self, request: reporting_pb2.DeleteReportRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.DeleteReportResponse:
        v = Violations()
        if not saved.NAME.match(request.name):
            v.add("name", "a saved report's name, e.g. weekly-volume")
        check_plain_text(v, "reason", request.reason, 1000)
        v.raise_if_any()
        principal = current_principal.get()
        try:
            row = await asyncio.to_thread(
                self.saved.delete,
                request.name,
                principal.id if principal else "unknown",
                request.reason.strip(),
            )
        except NoSuchReport as err:
            raise NotFound(str(err)) from None
        if self.on_saved is not None:
            try:
                # A definition without a schedule removes the schedule.
                await self.on_saved(reporting_pb2.ReportDefinition(name=request.name))
            except Exception as err:
                raise Unavailable(
                    f"the report is deleted, but its delivery schedule could not be removed "
                    f"from Temporal ({err}); the schedule finds no report and sends nothing; "
                    "delete it again to remove the schedule"
                ) from None
        return reporting_pb2.DeleteReportResponse(name=request.name, deleted_as_version=row.version)

    async def _definition(self, name: str, version: int) -> reporting_pb2.ReportDefinition:
        v = Violations()
        if not saved.NAME.match(name):
            v.add("name", "a saved report's name, e.g. weekly-volume")
        if version < 0:
            v.add("version", "0 for the latest, or a version number")
        v.raise_if_any()
        try:
            return from_row(await asyncio.to_thread(self.saved.get, name, version))
        except NoSuchReport as err:
            raise NotFound(str(err)) from None

    async def GetReport(
        self, request: reporting_pb2.GetReportRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.GetReportResponse:
        return reporting_pb2.GetReportResponse(
            definition=await self._definition(request.name, request.version)
        )

    async def ListReports(
        self, request: reporting_pb2.ListReportsRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.ListReportsResponse:
        v = Violations()
        size = request.page.page_size or 50
        if size < 0 or size > 500:
            v.add("page.page_size", "0 to 500 (0 means 50)")
        after = request.page.page_token
        if after and not saved.NAME.match(after):
            v.add("page.page_token", "page_token is not one this service returned")
        v.raise_if_any()
        rows = await asyncio.to_thread(self.saved.latest, after, size + 1)
        more = len(rows) > size
        rows = rows[:size]
        return reporting_pb2.ListReportsResponse(
            definitions=[from_row(r) for r in rows],
            page=common_pb2.PageInfo(next_page_token=rows[-1].name if more and rows else ""),
        )

    async def RunReport(
        self, request: reporting_pb2.RunReportRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.RunReportResponse:
        if request.format not in CONTENT_TYPES:
            v = Violations()
            v.add("format", "RENDER_FORMAT_JSON, _CSV, _XLSX or _HTML")
            v.raise_if_any()
        definition = await self._definition(request.name, request.version)
        principal = current_principal.get()
        refusal = saved.refusal(definition, principal, RETURN_READERS)
        if refusal:
            raise ServiceError(grpc.StatusCode.PERMISSION_DENIED, refusal)
        now = datetime.now(UTC)
        result = await asyncio.to_thread(saved.run, self.store, definition, now, principal.id)
        content = await asyncio.to_thread(render, result, request.format, now)
        start, end = result.period
        return reporting_pb2.RunReportResponse(
            content=content,
            content_type=CONTENT_TYPES[request.format][0],
            file_name=file_name(definition, request.format, now),
            period=common_pb2.TimeRange(start=_ts(start), end=_ts(end)),
        )

    async def GetTrends(
        self, request: reporting_pb2.GetTrendsRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.GetTrendsResponse:
        v = Violations()
        f = case_filter(v, request.filter)
        if request.granularity and request.granularity not in GRANULARITIES:
            v.add("granularity", "a Granularity, or unspecified for totals")
        split = dimension(v, request.split_by)
        try:
            zone = ZoneInfo(request.time_zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            v.add("time_zone", "an IANA time zone such as Europe/London, or empty for UTC")
            zone = ZoneInfo("UTC")
        v.raise_if_any()
        granularity = GRANULARITIES.get(request.granularity, "")
        points = await asyncio.to_thread(self.figures.trends, f, granularity, split, zone)
        return reporting_pb2.GetTrendsResponse(
            points=[
                reporting_pb2.TrendPoint(
                    period_start=_ts(p.period_start),
                    key=p.key,
                    received=p.received,
                    resolved=p.resolved,
                )
                for p in points
            ]
        )

    async def GetRootCauses(
        self, request: reporting_pb2.GetRootCausesRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.GetRootCausesResponse:
        v = Violations()
        f = case_filter(v, request.filter)
        if request.limit < 0 or request.limit > 1000:
            v.add("limit", "0 to 1000 (0 means 20)")
        v.raise_if_any()
        limit = request.limit or 20
        causes, without = await asyncio.to_thread(self.figures.root_causes, f, limit)
        return reporting_pb2.GetRootCausesResponse(
            causes=[
                reporting_pb2.RootCause(
                    root_cause=c.root_cause,
                    cases=c.cases,
                    upheld_rate=c.upheld_rate,
                    redress_paid=[
                        common_pb2.Money(currency=cur, minor_units=minor)
                        for cur, minor in sorted(c.redress.items())
                    ],
                )
                for c in causes
            ],
            without_root_cause=without,
        )

    async def GetTimeToClose(
        self, request: reporting_pb2.GetTimeToCloseRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.GetTimeToCloseResponse:
        v = Violations()
        f = case_filter(v, request.filter)
        split = dimension(v, request.split_by)
        v.raise_if_any()
        to_resolution, to_closure = await asyncio.to_thread(self.figures.time_to_close, f, split)
        return reporting_pb2.GetTimeToCloseResponse(
            to_resolution=[_stats(d) for d in to_resolution],
            to_closure=[_stats(d) for d in to_closure],
        )

    async def GetClockCompliance(
        self, request: reporting_pb2.GetClockComplianceRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.GetClockComplianceResponse:
        v = Violations()
        f = case_filter(v, request.filter)
        v.raise_if_any()
        now = datetime.now(UTC)
        found = await asyncio.to_thread(self.figures.clock_compliance, f, now)
        business: dict[str, Durations] = {}
        if request.business_time:
            business = await asyncio.to_thread(self.figures.business_time_taken, f)
        return reporting_pb2.GetClockComplianceResponse(
            clocks=[
                reporting_pb2.ClockCompliance(
                    clock=c.clock,
                    met=c.met,
                    breached=c.breached,
                    running=c.running,
                    paused=c.paused,
                    median_lateness=_seconds(c.median_lateness),
                    max_lateness=_seconds(c.max_lateness),
                    time_taken=_stats(c.time_taken) if c.time_taken else None,
                    paused_time=_seconds(c.paused_seconds),
                    business_time_taken=(
                        _stats(business[c.clock]) if c.clock in business else None
                    ),
                )
                for c in found
            ]
        )

    async def GetRegulatoryReturn(
        self,
        request: reporting_pb2.GetRegulatoryReturnRequest,
        context: grpc.aio.ServicerContext,
    ) -> reporting_pb2.GetRegulatoryReturnResponse:
        v = Violations()
        regime = short_name(Regime, request.regime)
        if regime not in RETURN_CLOCKS:
            v.add("regime", "REGIME_UK_FCA, REGIME_US_CFPB or REGIME_AU_ASIC")
        start, end = time_range(v, "period", request.period, required=True)
        if start and end and end - start > MAX_PERIOD:
            v.add("period", "at most three years")
        v.raise_if_any()
        assert start is not None and end is not None
        principal = current_principal.get()
        found = await asyncio.to_thread(
            returns.given,
            self.store,
            regime,
            start,
            end,
            datetime.now(UTC),
            principal.id,
            request.recompute,
        )
        return reporting_pb2.GetRegulatoryReturnResponse(
            regime=request.regime,
            period=request.period,
            lines=[
                reporting_pb2.ReturnLine(**line, shown=returns.shown(line, regime))
                for line in found.lines
            ],
            kept=found.kept,
            changed=found.changed,
            generated_at=timestamp(found.generated_at),
            provisional=found.provisional,
            as_of=timestamp(found.as_of or found.generated_at),
        )

    async def ExportCases(
        self, request: reporting_pb2.ExportCasesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[reporting_pb2.ExportCasesResponse]:
        v = Violations()
        f = case_filter(v, request.filter)
        if request.format not in (
            reporting_pb2.EXPORT_FORMAT_CSV,
            reporting_pb2.EXPORT_FORMAT_JSONL,
            reporting_pb2.EXPORT_FORMAT_ASIC_IDR_CSV,
        ):
            v.add("format", "EXPORT_FORMAT_CSV, EXPORT_FORMAT_JSONL or EXPORT_FORMAT_ASIC_IDR_CSV")
        v.raise_if_any()
        asic = request.format == reporting_pb2.EXPORT_FORMAT_ASIC_IDR_CSV
        rows = self.store.rows(
            f, clocks=("asic_idr_response",) if asic else (), tags=asic, batch=2000
        )
        chunks = export_chunks(rows, request.format)
        while True:
            piece = await asyncio.to_thread(next, chunks, None)
            if piece is None:
                return
            data, count = piece
            yield reporting_pb2.ExportCasesResponse(chunk=data, cases=count)
