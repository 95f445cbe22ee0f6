"""Every reporting figure, and the one place that decides whether the
database or Python computes it.

On PostgreSQL a figure is aggregated by the database (`sql_figures`): a
half-year return at a million cases takes 5.1-6.3 s over rows and 2.9-3.1 s
in SQL (docs/BENCHMARKS.md). On SQLite, the embedded default, and for what
the SQL does not work out, it is computed in Python over the rows of the
cases (`python_figures`). Both give the same answers
(tests/integration/test_reporting_sql.py), so the gRPC methods, saved reports and
scheduled e-mails ask `Figures` and never choose themselves.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.reporting import dashboard, tables
from services.reporting.definitions import (
    RETURN_CLOCKS,
    Cause,
    Compliance,
    Durations,
    Filter,
    Line,
    TrendPoint,
    return_cut_off,
)
from services.reporting.python_figures import (
    asic_return,
    business_time_taken,
    cfpb_return,
    clock_compliance,
    fca_return,
    root_causes,
    time_to_close,
    trends,
)
from services.reporting.sql_figures import (
    sql_asic_return,
    sql_cfpb_return,
    sql_clock_compliance,
    sql_fca_return,
    sql_root_causes,
    sql_time_to_close,
    sql_trends,
)
from services.reporting.store import ReportingStore

# Customer tags are a list on the case, not a column a case's figures can
# be grouped by in SQL, so a split by tag is worked out over rows.
SPLIT_ONLY_OVER_ROWS = "customer_tag"


class Figures:
    """The figures of the cases in a store, one method per figure."""

    def __init__(self, store: ReportingStore, *, over_rows: bool = False) -> None:
        """`over_rows` works every figure out in Python whatever the database:
        what the figures aggregated in SQL are compared with."""
        self.store = store
        self.over_rows = over_rows

    def in_database(self, split: str = "") -> bool:
        """Whether the database aggregates a figure split by `split`."""
        return self.store.in_sql and not self.over_rows and split != SPLIT_ONLY_OVER_ROWS

    def trends(self, f: Filter, granularity: str, split: str, zone: ZoneInfo) -> list[TrendPoint]:
        if self.in_database(split):
            return sql_trends(self.store, f, granularity, split, zone.key)
        rows = self.store.rows(f, tags=split == SPLIT_ONLY_OVER_ROWS)
        return trends(rows, granularity, split, zone)

    def root_causes(self, f: Filter, limit: int) -> tuple[list[Cause], int]:
        if self.in_database():
            return sql_root_causes(self.store, f, limit)
        return root_causes(self.store.rows(f), limit)

    def time_to_close(self, f: Filter, split: str) -> tuple[list[Durations], list[Durations]]:
        """Times to resolution and to closure."""
        if self.in_database(split):
            return sql_time_to_close(self.store, f, split)
        return time_to_close(self.store.rows(f, tags=split == SPLIT_ONLY_OVER_ROWS), split)

    def clock_compliance(self, f: Filter, now: datetime) -> list[Compliance]:
        if self.in_database():
            return sql_clock_compliance(self.store, f, now)
        return clock_compliance(self.store.clock_rows(f), now)

    def business_time_taken(self, f: Filter) -> dict[str, Durations]:
        """Worked out in Python on every database: each clock's time counts in
        its own business calendar, which SQL does not know."""
        return business_time_taken(self.store, f)

    def dashboard(self, f: Filter, now: datetime) -> dashboard.Dashboard:
        """Portable SQL, the same on every database."""
        return dashboard.dashboard(self.store, f, now)

    def table(self, f: Filter, spec: tables.TableSpec, now: datetime) -> tables.Table:
        """A table report. Whether SQL can aggregate it depends on its
        measures and grouping, so `tables.in_sql` decides, with the table's
        definitions."""
        return tables.table(self.store, f, spec, now)

    def return_lines(
        self, regime: str, start: datetime, end: datetime, now: datetime
    ) -> list[Line]:
        """A regulatory return's lines for [start, end), from the cases as
        they are `now`; aggregated in SQL, the same cases and lines as over
        rows. A deadline counts as passed only once it has, by the period's
        end or, for a period still running, by `now` (`return_cut_off`)."""
        cut_off = return_cut_off(end, now)
        f = Filter(received_to=end, received_from=start, regimes=(regime,))
        rules = self.store.rules
        if self.in_database():
            if regime == "uk_fca":
                return sql_fca_return(
                    self.store,
                    start,
                    end,
                    f,
                    lambda policy_id, version, kind, cause: rules(
                        policy_id, version, kind
                    ).disp_cause_category(cause),
                )
            if regime == "us_cfpb":
                return sql_cfpb_return(self.store, start, end, cut_off, f)
            return sql_asic_return(self.store, start, end, f)
        rows = self.store.rows(
            f,
            # The CFPB figures count the complaints received in the period only;
            # the others also those received earlier and still open at its start.
            also_open_before=None if regime == "us_cfpb" else start,
            clocks=RETURN_CLOCKS[regime],
        )
        if regime == "uk_fca":
            # Its cause categories as each case's own policy maps its root cause.
            return fca_return(rows, start, end, self.store.disp_cause_category)
        if regime == "us_cfpb":
            return cfpb_return(rows, start, end, cut_off)
        return asic_return(rows, start, end)
