"""Every line of every regulatory return (FCA, CFPB, ASIC) against an oracle.

A small set of complaints is worked by the real ComplaintWorkflow on the
time-skipping server, around the Easter and Early May bank holidays of 2027,
across the edges of quarters and months, with a resolution reopened and
resolved again, in every product group of the FCA return. The oracle below
knows nothing of the reporting code: it reads each case's audit trail
(`ListAuditEvents`, what an auditor reads) for what was filed and decided,
and its workflow's history for when each resolution and reopening took
effect (the trail stamps entries with the store's wall clock, which the
time-skipping server does not move), works out the regulators'
deadlines itself (the `holidays` package's bank holidays, close of business
at 17:00 in London; 15 and 30 calendar days), and states the FCA product
group of each product as a reader of DISP 1 Annex 1R would. Each return is
then compared with it, line by line and case by case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from services.reporting import returns
from services.reporting.store import ReportingStore
from tests.e2e.test_lifecycle import (  # noqa: F401 (the lifecycle suite's fixtures)
    Harness,
    cases_service,
    env,
    harness,
)
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_types import OutcomeCommand, ReasonCommand

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")

# A reader's product groups (DISP 1 Annex 1R): a Visa card and a cash ISA
# are banking, payment protection insurance on a mortgage is insurance.
FCA_GROUP = {
    "Visa credit card": "Banking and credit cards",
    "Cash ISA": "Banking and credit cards",
    "Refund of current account fees": "Banking and credit cards",
    "Mortgage payment protection insurance": "Insurance and pure protection",
    "Mortgage": "Home finance",
    "Personal pension": "Decumulation and pensions",
    "Stocks and shares ISA": "Investments",
}
UPHELD = {"upheld", "partly_upheld"}


@dataclass
class Story:
    """One complaint as its audit trail tells it."""

    case_id: str
    regime: str
    product: str
    received: datetime
    # Each resolution, and each reopening after one.
    resolutions: list[datetime] = field(default_factory=list)
    reopenings: list[datetime] = field(default_factory=list)
    decision: str = ""
    root_cause: str = ""
    redress: tuple[str, int] = ("", 0)

    def resolved(self) -> datetime | None:
        """When it was last resolved, unless reopened since: the case as it stands."""
        last = max(self.resolutions, default=None)
        if last is None or any(r > last for r in self.reopenings):
            return None
        return last


def fca_business_deadline(received: datetime, days: int) -> datetime:
    """Close of business (17:00 London) on the `days`-th business day after
    the day of receipt (day 0), weekends and England's bank holidays off."""
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(2026, 2029))
    day = received.astimezone(LONDON).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in bank:
            counted += 1
    return datetime.combine(day, time(17), LONDON).astimezone(UTC)


def fca_eight_weeks(received: datetime) -> datetime:
    """The end of the eighth week after receipt: the same weekday, 23:59:59."""
    day = received.astimezone(LONDON).date() + timedelta(weeks=8)
    return datetime.combine(day, time(23, 59, 59), LONDON).astimezone(UTC)


def oracle(
    stories: list[Story], regime: str, start: datetime, end: datetime, now: datetime
) -> dict[tuple[str, str, str], tuple[int, set[str]]]:
    """(description, breakdown, currency) -> (figure, cases), as the regulator reads it."""
    lines: dict[tuple[str, str, str], tuple[int, set[str]]] = {}
    cut_off = min(end, now)

    def count(
        description: str, breakdown: str, case_id: str, amount: int = 0, cur: str = ""
    ) -> None:
        value, ids = lines.get((description, breakdown, cur), (0, set()))
        lines[(description, breakdown, cur)] = (value + (amount if cur else 1), ids | {case_id})

    for s in (s for s in stories if s.regime == regime):
        resolved = s.resolved()
        closed_in = resolved is not None and start <= resolved < end
        if regime == "uk_fca":
            group = FCA_GROUP[s.product]
            for where in (group, "All products"):
                if s.received < start and (resolved is None or resolved >= start):
                    count("Complaints outstanding at the start of the period", where, s.case_id)
                if start <= s.received < end:
                    count("Complaints opened in the period", where, s.case_id)
                if not closed_in:
                    continue
                assert resolved is not None
                count("Complaints closed in the period", where, s.case_id)
                if resolved <= fca_business_deadline(s.received, 3):
                    count("Closed within 3 business days", where, s.case_id)
                elif resolved <= fca_eight_weeks(s.received):
                    count("Closed after 3 business days and within 8 weeks", where, s.case_id)
                else:
                    count("Closed after more than 8 weeks", where, s.case_id)
                if s.decision in UPHELD:
                    count(
                        "Closed complaints upheld (partly upheld counts as upheld)",
                        where,
                        s.case_id,
                    )
                category = {
                    "fees.unexpected": "Terms and disputed sums/charges",
                    "service.delay": "General admin/customer service",
                    "product.unsuitable": "Advising, selling and arranging",
                }.get(s.root_cause, "Other")
                label = group if where == group else "All products"
                count("Closed complaints by cause category", f"{label}: {category}", s.case_id)
                currency, minor = s.redress
                if minor:
                    count("Redress paid", where, s.case_id, minor, currency)
        elif regime == "us_cfpb":
            if not start <= s.received < end:
                continue
            due = s.received + timedelta(days=15)
            count("Complaints received", "", s.case_id)
            if resolved is not None:
                timely = resolved <= due
                count("Timely response (15 days)" if timely else "Untimely response", "", s.case_id)
            elif due < cut_off:
                count("Untimely response", "", s.case_id)
            if resolved is None:
                response = "In progress"
            elif s.decision in UPHELD:
                response = (
                    "Closed with monetary relief"
                    if s.redress[1]
                    else "Closed with non-monetary relief"
                )
            elif s.decision == "withdrawn":
                response = "Closed"
            else:
                response = "Closed with explanation"
            count("Company response to consumer", response, s.case_id)
        else:
            if start <= s.received < end:
                count("Complaints received", "", s.case_id)
            if not closed_in:
                continue
            assert resolved is not None
            count("Complaints closed", "", s.case_id)
            within = resolved <= s.received + timedelta(days=30)
            count(
                "Closed within 30 calendar days" if within else "Closed after 30 calendar days",
                "",
                s.case_id,
            )
    return lines


async def trail(h: Harness, case_id: str) -> list[cases_pb2.AuditEvent]:
    """The whole trail, every page of it (a case's life runs past one page)."""
    events: list[cases_pb2.AuditEvent] = []
    token = ""
    while True:
        response = await h.stub.ListAuditEvents(
            cases_pb2.ListAuditEventsRequest(
                case_id=case_id, page=common_pb2.PageRequest(page_size=500, page_token=token)
            ),
            metadata=h.metadata,
        )
        events += response.events
        token = response.page.next_page_token
        if not token:
            return events


async def commands(h: Harness, handle: Any) -> list[tuple[str, datetime]]:
    """Each update the complaint's workflow accepted, with the moment it
    took effect, over every run of the workflow (oldest first).

    The audit trail stamps an entry with the case store's wall clock when it
    is appended; on the time-skipping server that is today, not the skipped
    date the complaint lives in, so when each command happened is read from
    the workflow's own history, in the time the complaint lived through."""
    runs: list[list[tuple[str, datetime]]] = []
    run_id: str | None = None
    while True:
        history = await h.env.client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
        accepted = [
            (
                e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name,
                e.event_time.ToDatetime(tzinfo=UTC),
            )
            for e in history.events
            if e.HasField("workflow_execution_update_accepted_event_attributes")
        ]
        runs.insert(0, accepted)
        started = history.events[0].workflow_execution_started_event_attributes
        if not started.continued_execution_run_id:
            return [c for run in runs for c in run]
        run_id = started.continued_execution_run_id


def story_of(events: list[cases_pb2.AuditEvent], done: list[tuple[str, datetime]]) -> Story:
    """A case's story: what was filed and decided from its audit trail,
    when each resolution and reopening happened from the commands its
    workflow accepted (`commands`), the two checked against each other."""
    created = next(e for e in events if e.action == "case.created")
    filed: dict[str, Any] = json.loads(created.new_value)
    s = Story(
        "",
        filed["regime"],
        filed["product"],
        datetime.fromisoformat(filed["received_at"]),
    )
    resolved = [e for e in events if e.action == "case.stage_changed" and e.new_value == "resolved"]
    reopened = [e for e in events if e.action == "case.reopened"]
    s.resolutions = [at for name, at in done if name == "resolve"]
    s.reopenings = [at for name, at in done if name == "reopen"]
    assert (len(resolved), len(reopened)) == (len(s.resolutions), len(s.reopenings))
    for e in events:
        if e.action == "outcome.recorded":
            outcome: dict[str, Any] = json.loads(e.new_value)
            s.decision = outcome["decision"]
            s.root_cause = outcome["root_cause"]
            currency, minor = outcome["redress"]
            s.redress = (currency, int(minor))
    return s


async def test_every_return_line_agrees_with_an_oracle_over_holidays_reopenings_and_edges(
    harness: Harness,  # noqa: F811
):
    h = harness
    plan: list[tuple[datetime, str, Any]] = []
    handles: dict[str, Any] = {}

    def at(day: str, hour: int, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
        return datetime.combine(date.fromisoformat(day), time(hour, minute), zone)

    def file(name: str, when: datetime, regime: str, product: str) -> None:
        plan.append((when, "file", (name, regime, product)))

    def outcome(
        name: str, when: datetime, decision: str, cause: str, paid: tuple[str, int]
    ) -> None:
        plan.append((when, "outcome", (name, decision, cause, paid)))

    def resolve(name: str, when: datetime) -> None:
        plan.append((when, "resolve", name))

    def reopen(name: str, when: datetime) -> None:
        plan.append((when, "reopen", name))

    # FCA. Good Friday 26 March and Easter Monday 29 March 2027 are bank
    # holidays: received Thursday 25 March, the third business day is
    # Thursday 1 April.
    file("visa", at("2027-03-25", 15), "uk_fca", "Visa credit card")
    outcome("visa", at("2027-03-31", 16), "upheld", "fees.unexpected", ("GBP", 125000))
    resolve("visa", at("2027-03-31", 16, 5))
    file("mppi", at("2027-03-30", 10), "uk_fca", "Mortgage payment protection insurance")
    outcome("mppi", at("2027-04-06", 12), "rejected", "product.unsuitable", ("GBP", 0))
    resolve("mppi", at("2027-04-06", 12, 5))
    # Received 23:30 on the quarter's last day in London (22:30 UTC).
    file("cash-isa", at("2027-03-31", 23, 30), "uk_fca", "Cash ISA")
    outcome("cash-isa", at("2027-04-01", 10), "partly_upheld", "service.delay", ("GBP", 4599))
    resolve("cash-isa", at("2027-04-01", 10, 5))
    # Resolved in March, reopened in April, resolved again in June.
    file("pension", at("2027-03-10", 11), "uk_fca", "Personal pension")
    outcome("pension", at("2027-03-15", 11), "rejected", "service.delay", ("GBP", 0))
    resolve("pension", at("2027-03-15", 11, 5))
    reopen("pension", at("2027-04-20", 9))
    outcome("pension", at("2027-06-10", 9), "partly_upheld", "service.delay", ("GBP", 2000))
    resolve("pension", at("2027-06-10", 9, 5))
    file("shares", at("2027-02-01", 10), "uk_fca", "Stocks and shares ISA")
    outcome(
        "shares", at("2027-04-05", 10), "rejected", "fraud.unauthorised_transaction", ("GBP", 0)
    )
    resolve("shares", at("2027-04-05", 10, 5))
    # Around the Early May bank holiday (Monday 3 May).
    file("mortgage", at("2027-04-30", 16, 30), "uk_fca", "Mortgage")
    outcome("mortgage", at("2027-05-06", 16, 55), "upheld", "fees.unexpected", ("GBP", 10000))
    resolve("mortgage", at("2027-05-06", 16, 58))
    file("fees", at("2027-06-20", 10), "uk_fca", "Refund of current account fees")
    # CFPB: 15 calendar days.
    file("card", at("2027-04-01", 9, zone=NEW_YORK), "us_cfpb", "Credit card")
    outcome("card", at("2027-04-10", 9, zone=NEW_YORK), "upheld", "fees.unexpected", ("USD", 3000))
    resolve("card", at("2027-04-10", 9, 5, zone=NEW_YORK))
    file("home", at("2027-04-01", 9, 1, zone=NEW_YORK), "us_cfpb", "Mortgage")
    outcome("home", at("2027-04-20", 9, zone=NEW_YORK), "rejected", "service.delay", ("GBP", 0))
    resolve("home", at("2027-04-20", 9, 5, zone=NEW_YORK))
    file("car", at("2027-06-01", 9, zone=NEW_YORK), "us_cfpb", "Vehicle loan")
    # Filed the day the return is asked for: due in 15 days, not late.
    file("checking", at("2027-06-25", 6, zone=NEW_YORK), "us_cfpb", "Checking account")
    # ASIC: 30 calendar days.
    file("au-card", at("2027-04-01", 9, zone=SYDNEY), "au_asic", "Credit card")
    outcome("au-card", at("2027-04-20", 9, zone=SYDNEY), "upheld", "fees.unexpected", ("AUD", 5000))
    resolve("au-card", at("2027-04-20", 9, 5, zone=SYDNEY))
    file("au-home", at("2027-03-01", 9, zone=SYDNEY), "au_asic", "Home loan")
    outcome("au-home", at("2027-04-10", 9, zone=SYDNEY), "rejected", "service.delay", ("GBP", 0))
    resolve("au-home", at("2027-04-10", 9, 5, zone=SYDNEY))

    ids: dict[str, str] = {}
    for when, step, what in sorted(plan, key=lambda p: p[0].astimezone(UTC)):
        if step == "file":
            await h.skip_to(when)
            name, regime, product = what
            handles[name], ids[name] = await h.file(when, regime=regime, product=product)
        elif step == "outcome":
            name, decision, cause, (currency, minor) = what
            await h.skip_to_act(handles[name], when)
            await handles[name].execute_update(
                ComplaintWorkflow.record_outcome,
                OutcomeCommand("ana.agent", decision, cause, "reviewed", currency, minor),
            )
        elif step == "resolve":
            await h.skip_to_act(handles[what], when)
            await handles[what].execute_update(
                ComplaintWorkflow.resolve, ReasonCommand("ana.agent", "answered")
            )
        else:
            await h.skip_to_act(handles[what], when)
            await handles[what].execute_update(
                ComplaintWorkflow.reopen, ReasonCommand("ana.agent", "the customer disagrees")
            )
    now = at("2027-06-25", 12)
    await h.skip_to(now)

    stories = []
    for name, case_id in ids.items():
        events = await trail(h, case_id)
        story = story_of(events, await commands(h, handles[name]))
        story.case_id = case_id
        stories.append(story)
    mine = set(ids.values())

    periods = {
        "uk_fca": LONDON,
        "us_cfpb": NEW_YORK,
        "au_asic": SYDNEY,
    }
    edges = [
        ("2027-01-01", "2027-04-01"),  # a quarter that ends with Easter
        ("2027-04-01", "2027-07-01"),  # the quarter still running
        ("2027-03-22", "2027-04-05"),  # the Easter fortnight
        ("2027-04-01", "2027-05-01"),
        ("2027-05-01", "2027-06-01"),  # the Early May bank holiday
        ("2027-06-01", "2027-07-01"),  # the month still running
        ("2027-01-01", "2027-07-01"),
        # The year still running: the complaint filed today is due within
        # it but not yet late.
        ("2027-01-01", "2028-01-01"),
    ]
    store = ReportingStore(h.cases.database_url)
    try:
        for regime, zone in periods.items():
            for first, last in edges:
                start = datetime.combine(date.fromisoformat(first), time(), zone).astimezone(UTC)
                end = datetime.combine(date.fromisoformat(last), time(), zone).astimezone(UTC)
                expected = oracle(stories, regime, start, end, now.astimezone(UTC))
                given = {
                    (line["description"], line["breakdown"], line["currency"]): (
                        line["value"],
                        set(line["case_ids"]) & mine,
                    )
                    for line in returns.compute(store, regime, start, end, now.astimezone(UTC))
                    if set(line["case_ids"]) & mine
                }
                assert given == expected, (regime, first, last)
        # The FCA return reads redress paid as money, in the regulator's terms.
        quarter = returns.compute(
            store,
            "uk_fca",
            datetime(2027, 3, 31, 23, tzinfo=UTC),
            datetime(2027, 6, 30, 23, tzinfo=UTC),
            now.astimezone(UTC),
        )
    finally:
        store.close()
    paid = {
        line["breakdown"]: returns.shown(line, "uk_fca")
        for line in quarter
        if line["description"] == "Redress paid"
    }
    assert paid["Banking and credit cards"] == "£45.99"
    assert paid["Decumulation and pensions"] == "£20.00"
