"""Reporting's request fields checked and turned into figure definitions: a
case filter and its period, dimensions, granularities and table measures.

The gRPC methods and saved report definitions share these, so a filter or a
split means the same in GetTrends as in a saved report of trends.
"""

from __future__ import annotations

import re
from datetime import datetime

from redress.common.v1 import common_pb2
from redress.domain.priority import priority_rank
from redress.platform.enums import Channel, Priority, Regime, short_name
from redress.platform.errors import Violations, checked_time
from redress.reporting.v1 import reporting_pb2
from services.reporting import tables
from services.reporting.definitions import Filter

GRANULARITIES: dict[int, str] = {
    reporting_pb2.GRANULARITY_DAY: "day",
    reporting_pb2.GRANULARITY_WEEK: "week",
    reporting_pb2.GRANULARITY_MONTH: "month",
    reporting_pb2.GRANULARITY_QUARTER: "quarter",
    reporting_pb2.GRANULARITY_YEAR: "year",
}
REGIME_NAME = re.compile(r"[a-z][a-z0-9_]{1,63}")
DIMENSIONS: dict[int, str] = {
    reporting_pb2.DIMENSION_PRODUCT: "product",
    reporting_pb2.DIMENSION_SUB_PRODUCT: "sub_product",
    reporting_pb2.DIMENSION_ISSUE: "issue",
    reporting_pb2.DIMENSION_CHANNEL: "channel",
    reporting_pb2.DIMENSION_PRIORITY: "priority",
    reporting_pb2.DIMENSION_REGIME: "regime",
    reporting_pb2.DIMENSION_TEAM: "team",
    reporting_pb2.DIMENSION_ROOT_CAUSE: "root_cause",
    reporting_pb2.DIMENSION_CUSTOMER_TAG: "customer_tag",
    reporting_pb2.DIMENSION_CATEGORY: "category",
    reporting_pb2.DIMENSION_ASSIGNEE: "assignee",
    reporting_pb2.DIMENSION_COMPLAINT_TYPE: "complaint_type",
}
# Measure enum value -> the table's measure.
MEASURES: dict[int, str] = {
    reporting_pb2.Measure.Value(f"MEASURE_{name.upper()}"): name for name in tables.MEASURES
}


def time_range(
    v: Violations, name: str, r: common_pb2.TimeRange, required: bool
) -> tuple[datetime | None, datetime | None]:
    """The range's ends, each checked; with `required`, both must be given."""
    start = checked_time(v, f"{name}.start", r.start) if r.HasField("start") else None
    end = checked_time(v, f"{name}.end", r.end) if r.HasField("end") else None
    if required and not (r.HasField("start") and r.HasField("end")):
        v.add(name, "give both start and end")
    if start is not None and end is not None and start >= end:
        v.add(name, "start must be before end")
    return start, end


def case_filter(v: Violations, f: reporting_pb2.CaseFilter) -> Filter:
    """The filter of a request or definition, its problems added to `v`."""
    start, end = time_range(v, "filter.received", f.received, required=False)
    channels = []
    for i, channel in enumerate(f.channels):
        name = short_name(Channel, channel)
        if not name:
            v.add(f"filter.channels[{i}]", "a channel such as CHANNEL_EMAIL")
        channels.append(name)
    regimes = []
    for i, regime in enumerate(f.regimes):
        name = short_name(Regime, regime)
        if not name:
            v.add(f"filter.regimes[{i}]", "a regime such as REGIME_UK_FCA")
        regimes.append(name)
    for i, name in enumerate(f.regime_names):
        # Shipped or defined by a policy: a name no case has counts nothing.
        if not REGIME_NAME.fullmatch(name):
            v.add(f"filter.regime_names[{i}]", "a regime's short name such as fda_mdr")
        regimes.append(name)
    for field, values in (
        ("filter.products", f.products),
        ("filter.teams", f.teams),
        ("filter.categories", f.categories),
        ("filter.assignees", f.assignees),
        ("filter.complaint_types", f.complaint_types),
        ("filter.regime_names", f.regime_names),
    ):
        if len(values) > 100:
            v.add(field, "at most 100 values")
    # Cases keep the domain's rank of their priority; the filter speaks the API's enum.
    priorities = [priority_rank(short_name(Priority, p)) for p in f.priorities]
    for i, rank in enumerate(priorities):
        if not rank:
            v.add(f"filter.priorities[{i}]", "a priority such as PRIORITY_HIGH")
    return Filter(
        start,
        end,
        tuple(f.products),
        tuple(channels),
        tuple(regimes),
        tuple(f.teams),
        tuple(f.categories),
        tuple(f.assignees),
        tuple(priorities),
        tuple(f.complaint_types),
    )


def dimension(v: Violations, value: int) -> str:
    """The split a request asks for, or "" for totals."""
    if value and value not in DIMENSIONS:
        v.add("split_by", "a Dimension, or unspecified for totals")
    return DIMENSIONS.get(value, "")
