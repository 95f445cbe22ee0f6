"""The console in a real browser: Debian's Chromium driven by Playwright.

The console runs as `make run` starts it, on its own platform (Temporal dev
server, Meilisearch, mail, the services and the worker) with a short test
policy, so that a clock warns and breaches while the test watches. Every
page is reached the way a person reaches it: signing in with an API key,
following links, filling forms. Screenshots of the main pages are kept in
test-artifacts/console/.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.console import i18n
from tests.conftest import bearer, cfpb_rows, eventually, start_platform
from tests.policies import short_first_response

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM = Path("/usr/bin/chromium")
ROWS = cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 40)
# People besides the administrator, as an operator lists them in the keys file.
PEOPLE = {
    "dana": ("agent", "dana-agent-key-0123456789"),
    "lena": ("team_lead", "lena-lead-key-0123456789"),
    "rita": ("reporting_reader", "rita-reader-key-0123456789"),
}
# The first-response clock of this policy warns 18 s and breaches 45 s after receipt.
WARN_AFTER, BREACH_AFTER = 18, 45


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    local = LocalPlatform(tmp_path_factory.mktemp("console"), Ports.free(), log_format="json")
    keys = local.data_dir / "api-keys.txt"
    keys.write_text(
        keys.read_text() + "".join(f"{key} {name} {role}\n" for name, (role, key) in PEOPLE.items())
    )
    try:
        # Every process logs all it would log (the last test reads it all).
        debug = {"REDRESS_LOG_LEVEL": "debug"}
        start_platform(local, every=debug)
        local.start_console(debug)
        with grpc.insecure_channel(local.address("cases")) as channel:
            cases_pb2_grpc.CasesServiceStub(channel).PublishPolicy(
                cases_pb2.PublishPolicyRequest(
                    document=short_first_response(
                        "2026.11.3-console-test", WARN_AFTER, BREACH_AFTER
                    )
                ),
                metadata=bearer(local.credentials.admin_key),
                timeout=30,
            )
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the console is tested in Debian's chromium. "
            "Run `make test`, which installs it (apt-get install chromium)."
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            # No network beyond loopback here: keep Chromium from looking for it.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(20_000)
    opened = context.new_page()
    yield opened
    context.close()


def url(site: LocalPlatform, path: str) -> str:
    return site.console_url.rstrip("/") + path


def sign_in(page: Page, site: LocalPlatform, key: str, path: str = "/cases") -> None:
    page.goto(url(site, path))
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def file_complaint(site: LocalPlatform, row: dict[str, str], marker: str) -> str:
    request = intake_pb2.SubmitComplaintRequest(
        idempotency_key=f"console-{uuid.uuid4()}",
        channel=common_pb2.CHANNEL_WEB,
        customer=common_pb2.Customer(full_name="Morgan Example", email="morgan@example.com"),
        product=row["Product"],
        sub_product=row["Sub-product"],
        issue=row["Issue"],
        sub_issue=row["Sub-issue"],
        narrative=f"{row['Consumer complaint narrative']} Reference {marker}.",
        company=row["Company"],
        external_ref=f"cfpb-{row['Complaint ID']}",
        regime=common_pb2.REGIME_US_CFPB,
    )
    with grpc.insecure_channel(site.address("intake")) as channel:
        answer = intake_pb2_grpc.IntakeServiceStub(channel).SubmitComplaint(
            request, metadata=bearer(site.credentials.admin_key), timeout=30
        )
    return str(answer.case_id)


def clock_row(page: Page, name: str) -> Any:
    return page.locator(f"#clocks tr[data-clock='{name}']")


def test_signing_in_takes_a_known_key_and_shows_who_is_signed_in(
    site: LocalPlatform, page: Page
) -> None:
    page.goto(url(site, "/cases"))
    assert "/signin" in page.url  # nothing is shown before signing in
    page.get_by_label("API key").fill("not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#err-key")).to_contain_text("This key is not known")
    expect(page.get_by_label("API key")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("API key").fill(PEOPLE["dana"][1])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.locator("#principal")).to_have_text("dana")
    expect(page.locator("header")).to_contain_text("agent")
    # The session cookie is out of reach of scripts and other sites.
    cookie = next(c for c in page.context.cookies() if c["name"] == "redress_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert PEOPLE["dana"][1] not in cookie["value"]

    page.get_by_role("button", name="Sign out").click()
    page.goto(url(site, "/cases"))
    assert "/signin" in page.url


def test_a_handler_works_a_complaint_from_the_queue_to_closing_it(
    site: LocalPlatform, page: Page
) -> None:
    marker = uuid.uuid4().hex[:10]
    row = next(r for r in ROWS if r["Product"].startswith("Credit reporting"))
    case_id = file_complaint(site, row, marker)
    sign_in(page, site, site.credentials.admin_key)

    # The queue, narrowed with filters to the complaint just filed.
    page.get_by_label("Search").fill(marker)
    page.get_by_label("Channel").select_option("web")
    page.get_by_label("Regime").select_option("us_cfpb")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("table.queue tbody tr[data-case]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(case_id)
    expect(rows.first.locator("td.deadline")).to_contain_text("left")
    shot(page, "queue")

    rows.first.get_by_role("link", name=case_id).click()
    expect(page.locator("#case-id")).to_have_text(case_id)
    expect(page.locator("#customer-name")).to_have_text("Morgan Example")
    expect(page.locator("#workflow-link")).to_have_attribute(
        "href", re.compile(r"/workflows/complaint")
    )

    # A refusal shows the service's words next to the field to fix.
    page.locator("#priority-value").select_option("urgent")
    page.locator("#priority").get_by_role("button", name="Change priority").click()
    expect(page.locator("#priority #err-reason")).to_be_visible()
    expect(page.locator("#priority-reason")).to_have_attribute("aria-invalid", "true")
    page.locator("#priority-reason").fill("customer is in hardship")
    page.locator("#priority").get_by_role("button", name="Change priority").click()
    expect(page.locator(".flash.ok")).to_have_text("Priority changed.")
    expect(page.locator("#case-priority")).to_have_text("urgent")

    page.locator("#assignee").fill("dana")
    page.locator("#team").fill("disputes")
    page.locator("#assign-reason").fill("credit file disputes")
    page.locator("#assign").get_by_role("button", name="Assign").click()
    expect(page.locator(".flash.ok")).to_have_text("Assignment saved.")
    expect(page.locator("#case-assignee")).to_have_text("dana")

    page.locator("#note-body").fill("Called the customer; bureau letter requested.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes ul.notes")).to_contain_text("bureau letter requested")

    page.locator("#subtask-title").fill("Ask the bureau for the file")
    page.locator("#subtask-assignee").fill("ravi")
    page.locator("#subtask-due").fill("2030-01-15T12:00")
    page.get_by_role("button", name="Add subtask").click()
    subtask = page.locator("#subtasks tr[data-subtask]")
    expect(subtask).to_have_count(1)
    expect(subtask).to_contain_text("Ask the bureau for the file")
    expect(subtask).to_contain_text("2030-01-15 12:00 UTC")
    shot(page, "case")

    # The first-response clock warns, then breaches, while the page is reloaded.
    def marked(mark: str) -> bool:
        page.reload()
        return mark in (clock_row(page, "first_response").get_attribute("class") or "")

    eventually(lambda: marked("warned"), timeout=WARN_AFTER + 30, interval=2)
    expect(clock_row(page, "first_response").locator(".clock-state")).to_contain_text("warned")
    shot(page, "case-warned")
    eventually(lambda: marked("breached"), timeout=BREACH_AFTER + 30, interval=2)
    expect(page.locator(".summary .mark.breached")).to_be_visible()
    shot(page, "case-breached")

    # The queue marks the breach too.
    page.goto(url(site, "/cases?breached=yes&text=" + marker))
    expect(page.locator(f"tr[data-case='{case_id}'] .mark.breached")).to_be_visible()

    page.goto(url(site, f"/cases/{case_id}"))
    page.locator("#subtasks").get_by_role("button", name="Complete").click()
    expect(page.locator("#subtasks .subtask-state")).to_have_text("completed")
    page.locator("#decision").select_option("upheld")
    page.locator("#redress-amount").fill("75.00")
    page.locator("#root-cause").fill("credit_reporting.incorrect_information")
    page.locator("#outcome-summary").fill("The bureau corrected the entry.")
    page.get_by_role("button", name="Record outcome").click()
    expect(page.locator("#outcome-decision")).to_have_text("upheld")
    page.locator("#resolve-reason").fill("final response sent")
    page.locator("#resolve-form").get_by_role("button", name="Resolve").click()
    expect(page.locator("#case-stage")).to_have_text("resolved")
    page.locator("#close-reason").fill("customer accepted")
    page.locator("#close-form").get_by_role("button", name="Close").click()
    expect(page.locator("#case-stage")).to_have_text("closed")
    # The timeline reads as sentences, not identifiers and JSON.
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Clock first response breached its deadline")
    expect(timeline).to_contain_text(
        re.compile(r"Stage changed from Received to Acknowledged by rule \S+")
    )
    expect(timeline).to_contain_text(
        re.compile(r"Acknowledgement letter \(v\d+, English, e-mail\) queued")
    )
    expect(timeline).to_contain_text("Outcome recorded: upheld by local-admin")
    expect(timeline).to_contain_text("Clock first response warned: 40 % of its time used")
    for raw in ("clock.breached", "case.stage_changed", '{"'):
        expect(timeline).not_to_contain_text(raw)
    # Times in the audit entries read as the rest of the page's times.
    entries = " ".join(timeline.locator("li.audit").all_inner_texts())
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", entries), entries

    page.get_by_role("link", name="Reports").click()
    expect(page.locator("#fig-received")).not_to_have_text("0")
    expect(page.locator("figure.chart svg").first).to_be_visible()
    shot(page, "reports")


def test_every_form_shows_the_servers_field_errors_next_to_the_field(
    site: LocalPlatform, page: Page
) -> None:
    case_id = file_complaint(site, ROWS[1], uuid.uuid4().hex[:10])
    sign_in(page, site, PEOPLE["lena"][1], f"/cases/{case_id}")
    expect(page.locator("#case-id")).to_have_text(case_id)

    # The service's own check: a reason is required to move a case back.
    page.locator("#category-value").select_option("service")
    page.locator("#category").get_by_role("button", name="Change category").click()
    expect(page.locator("#category #err-reason")).to_be_visible()
    expect(page.locator("#category .flash.error")).to_contain_text("correct the fields")

    page.locator("#subtask-due").fill("2020-01-01T09:00")
    page.get_by_role("button", name="Add subtask").click()
    expect(page.locator("#new-subtask #err-title")).to_be_visible()
    expect(page.locator("#subtask-title")).to_have_attribute("aria-invalid", "true")

    page.locator("#redress-amount").fill("lots")
    page.get_by_role("button", name="Record outcome").click()
    expect(page.locator("#outcome #err-redress")).to_contain_text("an amount such as 125.50")

    page.goto(url(site, "/knowledge/new"))
    page.get_by_role("button", name="Save article").click()
    expect(page.locator("#err-article-title")).to_be_visible()
    expect(page.locator("#a-title")).to_have_attribute("aria-invalid", "true")

    page.goto(url(site, "/cases?received_from=yesterday"))
    expect(page.locator("#err-received_from")).to_contain_text("YYYY-MM-DD")
    shot(page, "field-errors")


def test_a_request_for_information_is_sent_from_the_console_with_the_question_asked_for(
    site: LocalPlatform, page: Page
) -> None:
    case_id = file_complaint(site, ROWS[2], uuid.uuid4().hex[:10])
    sign_in(page, site, PEOPLE["dana"][1], f"/cases/{case_id}")
    form = page.locator("#message form")
    question = page.get_by_label("the question to ask the customer")
    # Only the chosen letter's boxes show.
    expect(question).to_be_hidden()
    form.locator("#template").select_option("request_for_information")
    expect(question).to_be_visible()
    expect(page.get_by_label("why we need more time (optional)")).to_be_hidden()

    # Previewed without the question: the box is marked and says what it needs.
    form.get_by_role("button", name="Preview").click()
    expect(form.locator(".flash.error")).to_contain_text("correct the fields marked below")
    expect(form.locator("#err-extra-question")).to_have_text(
        "the question to ask the customer is required"
    )
    expect(question).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#message")).not_to_contain_text("_Namespace")
    expect(page.locator("#message")).not_to_contain_text("has no attribute")
    shot(page, "letter-asks-for-its-question")

    question.fill("Which card was the payment of 12 March made with?")
    form.get_by_role("button", name="Preview").click()
    expect(page.locator("article.preview")).to_contain_text(
        "Which card was the payment of 12 March made with?"
    )
    # The form keeps the letter and what was typed for the send.
    expect(form.locator("#template")).to_have_value("request_for_information")
    form.get_by_role("button", name="Send").click()
    expect(page.locator(".flash").first).to_contain_text("Message sent")
    expect(page.locator("#timeline")).to_contain_text(
        f"We need some information about your complaint {case_id}"
    )

    # The boxes are labelled in the console's language.
    page.goto(url(site, f"/cases/{case_id}?lang=de"))
    page.locator("#message form #template").select_option("request_for_information")
    expect(page.get_by_label("die Frage an die Kundin oder den Kunden")).to_be_visible()


def test_what_a_person_sees_and_may_do_follows_their_role(site: LocalPlatform, page: Page) -> None:
    case_id = file_complaint(site, ROWS[2], uuid.uuid4().hex[:10])
    sign_in(page, site, PEOPLE["rita"][1], "/reports")
    expect(page.locator("#figures")).to_be_visible()

    # A reporting reader may not read cases: the API says so, the page says why.
    response = page.goto(url(site, f"/cases/{case_id}"))
    assert response is not None and response.status == 403
    expect(page.locator(".flash.error")).to_contain_text("Your role does not allow this")

    page.context.clear_cookies()
    sign_in(page, site, PEOPLE["dana"][1], f"/cases/{case_id}")
    expect(page.locator("#assign")).to_be_visible()
    # Agents read the knowledge base; writing it is for team leads and up.
    page.goto(url(site, "/knowledge"))
    expect(page.get_by_role("link", name="Write an article")).to_have_count(0)
    page.goto(url(site, "/knowledge/new"))
    page.locator("#a-title").fill("Disputing a credit report entry")
    page.locator("#a-body").fill("Write to the bureau.")
    page.get_by_role("button", name="Save article").click()
    expect(page.locator(".flash.error")).to_contain_text("Your role does not allow this")


def test_an_editor_writes_an_article_with_an_attachment_and_agents_find_it(
    site: LocalPlatform, page: Page, tmp_path: Path
) -> None:
    word = f"chargeback{uuid.uuid4().hex[:6]}"
    letter = tmp_path / "dispute-letter.pdf"
    letter.write_bytes(b"%PDF-1.4\n% a dispute letter template\n%%EOF\n")
    sign_in(page, site, PEOPLE["lena"][1], "/knowledge")
    page.get_by_role("link", name="Write an article").click()
    page.locator("#a-title").fill(f"How to raise a {word} on a card payment")
    page.locator("#a-summary").fill("When a merchant does not refund, the card scheme can.")
    page.locator("#a-body").fill(
        "## Steps\n\n1. Ask the merchant first.\n2. Raise the **dispute** within 120 days.\n"
    )
    page.locator("#a-products").fill("Credit card")
    page.locator("#a-attachment").set_input_files(str(letter))
    page.locator("#a-publish").check()
    page.get_by_role("button", name="Save article").click()
    expect(page.locator(".flash.ok")).to_have_text("Article saved.")
    expect(page.locator("#article-title")).to_contain_text(word)
    expect(page.locator(".article-body h3")).to_have_text("Steps")
    expect(page.locator(".article-body strong")).to_have_text("dispute")
    with page.expect_download() as download:
        page.get_by_role("link", name="dispute-letter.pdf").click()
    assert Path(download.value.path()).read_bytes() == letter.read_bytes()
    shot(page, "article")

    page.context.clear_cookies()
    sign_in(page, site, PEOPLE["dana"][1], "/knowledge")

    def found() -> bool:
        page.goto(url(site, "/knowledge?q=" + word))
        return page.locator("ol.hits a").count() == 1

    eventually(found, timeout=30, interval=1)
    expect(page.locator("ol.hits")).to_contain_text(word)
    shot(page, "knowledge")


def test_regulatory_returns_and_saved_reports_open_from_the_console(
    site: LocalPlatform, page: Page
) -> None:
    file_complaint(site, ROWS[3], uuid.uuid4().hex[:10])
    with grpc.insecure_channel(site.address("reporting")) as channel:
        reporting_pb2_grpc.ReportingServiceStub(channel).SaveReport(
            reporting_pb2.SaveReportRequest(
                definition=reporting_pb2.ReportDefinition(
                    name="weekly-trends",
                    title="Complaints by week",
                    kind=reporting_pb2.REPORT_KIND_TRENDS,
                    period=reporting_pb2.RELATIVE_PERIOD_LAST_30_DAYS,
                    granularity=reporting_pb2.GRANULARITY_WEEK,
                )
            ),
            metadata=bearer(site.credentials.admin_key),
            timeout=30,
        )
    sign_in(page, site, PEOPLE["rita"][1], "/reports/returns?regime=us_cfpb")
    expect(page.locator("table.return tbody tr").first).to_be_visible()
    expect(page.locator("table.return")).not_to_contain_text("No figures")
    shot(page, "returns")

    page.get_by_role("link", name="Saved reports").first.click()
    expect(page.locator("main table")).to_contain_text("Complaints by week")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert Path(download.value.path()).read_text().splitlines()[0]
    shot(page, "saved-reports")


def _three_figures(site: LocalPlatform, page: Page) -> dict[str, dict[str, int]]:
    """Received, resolved and open over the last 30 days (today included), as
    the API's dashboard, a saved table report and the console each give them."""
    admin = bearer(site.credentials.admin_key)
    with grpc.insecure_channel(site.address("reporting")) as channel:
        stub = reporting_pb2_grpc.ReportingServiceStub(channel)
        ran = stub.RunReport(
            reporting_pb2.RunReportRequest(
                name="last-30-days-figures", format=reporting_pb2.RENDER_FORMAT_JSON
            ),
            metadata=admin,
            timeout=30,
        )
        report = json.loads(ran.content)
        start = ran.period.start.ToDatetime().date()
        end = ran.period.end.ToDatetime().date()
        dashboard = stub.GetDashboard(
            reporting_pb2.GetDashboardRequest(filter=reporting_pb2.CaseFilter(received=ran.period)),
            metadata=admin,
            timeout=30,
        )
    row = dict(zip(report["columns"], report["rows"][0], strict=True)) if report["rows"] else {}
    page.goto(url(site, "/reports"))
    # The console's own default period is the saved report's.
    expect(page.locator("input[name=from]")).to_have_value(start.isoformat())
    expect(page.locator("input[name=to]")).to_have_value((end - timedelta(days=1)).isoformat())
    return {
        "api": {
            "received": dashboard.received,
            "resolved": dashboard.resolved,
            "open": dashboard.open_now,
        },
        "saved report": {
            "received": int(row.get("received", 0)),
            "resolved": int(row.get("resolved", 0)),
            "open": int(row.get("open at period end", 0)),
        },
        "console": {
            "received": int(page.locator("#fig-received").inner_text()),
            "resolved": int(page.locator("#fig-resolved").inner_text()),
            "open": int(page.locator("#fig-open").inner_text()),
        },
    }


def test_the_api_a_saved_report_and_the_console_give_the_same_figures(
    site: LocalPlatform, page: Page
) -> None:
    """One definition per figure: a case resolved, one reopened after its
    resolution and one received today count the same on every surface."""
    admin = bearer(site.credentials.admin_key)
    with grpc.insecure_channel(site.address("reporting")) as channel:
        reporting_pb2_grpc.ReportingServiceStub(channel).SaveReport(
            reporting_pb2.SaveReportRequest(
                definition=reporting_pb2.ReportDefinition(
                    name="last-30-days-figures",
                    title="Received, resolved and open",
                    kind=reporting_pb2.REPORT_KIND_TABLE,
                    period=reporting_pb2.RELATIVE_PERIOD_LAST_30_DAYS,
                    time_zone="UTC",
                    measures=[
                        reporting_pb2.MEASURE_RECEIVED,
                        reporting_pb2.MEASURE_RESOLVED,
                        reporting_pb2.MEASURE_OPEN_AT_PERIOD_END,
                    ],
                )
            ),
            metadata=admin,
            timeout=30,
        )
    sign_in(page, site, PEOPLE["rita"][1], "/reports")
    before = _three_figures(site, page)
    assert before["api"] == before["saved report"] == before["console"], before

    marker = uuid.uuid4().hex[:10]
    resolved, reopened, _today = (file_complaint(site, ROWS[30 + i], marker) for i in range(3))
    with grpc.insecure_channel(site.address("cases")) as channel:
        cases = cases_pb2_grpc.CasesServiceStub(channel)
        for case_id in (resolved, reopened):
            cases.RecordOutcome(
                cases_pb2.RecordOutcomeRequest(
                    case_id=case_id,
                    decision=cases_pb2.DECISION_REJECTED,
                    root_cause="process.error",
                ),
                metadata=admin,
                timeout=30,
            )
            cases.ResolveCase(
                cases_pb2.ResolveCaseRequest(case_id=case_id, reason="answered"),
                metadata=admin,
                timeout=30,
            )
        cases.ReopenCase(
            cases_pb2.ReopenCaseRequest(case_id=reopened, reason="the customer wrote back"),
            metadata=admin,
            timeout=30,
        )
    after = _three_figures(site, page)
    assert after["api"] == after["saved report"] == after["console"], after
    api, was = after["api"], before["api"]
    assert api["received"] == was["received"] + 3
    # Open means not resolved: the reopened case and today's, not the resolved one.
    assert api["open"] == was["open"] + 2


def test_the_interface_speaks_english_german_and_spanish(site: LocalPlatform, page: Page) -> None:
    page.goto(url(site, "/cases?lang=de"))
    page.get_by_label("API-Schlüssel").fill(PEOPLE["dana"][1])
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("h1")).to_have_text("Fälle")
    expect(page.get_by_role("button", name="Filter anwenden")).to_be_visible()
    page.goto(url(site, "/knowledge"))  # the choice is remembered
    expect(page.locator("h1")).to_have_text("Wissensdatenbank")
    page.get_by_role("link", name="Español").click()
    expect(page.locator("h1")).to_have_text("Base de conocimiento")
    expect(page.locator("html")).to_have_attribute("lang", "es")


def caller_cases(site: LocalPlatform, email: str) -> list[Any]:
    with grpc.insecure_channel(site.address("cases")) as channel:
        listed = cases_pb2_grpc.CasesServiceStub(channel).ListCases(
            cases_pb2.ListCasesRequest(contact=email),
            metadata=bearer(site.credentials.admin_key),
            timeout=30,
        )
    return list(listed.cases)


def fill_call(page: Page, name: str, email: str, phone: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Phone", exact=True).fill(phone)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Postal address (one line each)").fill("14 Kirkgate\nFlat 2")
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_label("Postcode").fill("LS1 6BB")
    page.get_by_label("Country (two letters, e.g. GB)").fill("GB")
    page.get_by_label("Preferred contact channel").select_option("phone")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_label("Product", exact=True).fill("Credit card")
    page.get_by_label("Issue", exact=True).fill("Fee charged twice")
    page.get_by_label("What happened, in the caller's words").fill(
        "I was charged the annual fee twice this month and nobody answers my letters."
    )
    page.get_by_label("What the caller wants").fill("A refund of the second fee.")
    page.get_by_label("Vulnerability, in the caller's words (optional)").fill(
        "I am recovering from an operation and cannot read long letters"
    )
    page.get_by_label("Regime").select_option("uk_fca")


def test_a_hotline_agent_sees_the_callers_open_complaints_and_files_a_new_one(
    site: LocalPlatform, page: Page
) -> None:
    email = f"caller-{uuid.uuid4().hex[:8]}@example.com"
    request = intake_pb2.SubmitComplaintRequest(
        idempotency_key=f"hotline-earlier-{uuid.uuid4()}",
        channel=common_pb2.CHANNEL_EMAIL,
        customer=common_pb2.Customer(full_name="Ada Quill", email=email),
        product="Credit card",
        narrative="My card was declined abroad although I had told the bank I was travelling.",
    )
    with grpc.insecure_channel(site.address("intake")) as channel:
        earlier = intake_pb2_grpc.IntakeServiceStub(channel).SubmitComplaint(
            request, metadata=bearer(site.credentials.admin_key), timeout=30
        )

    sign_in(page, site, PEOPLE["dana"][1], "/cases")
    page.get_by_role("link", name="New complaint").click()
    expect(page.locator("h1")).to_have_text("New complaint")
    fill_call(page, "Ada Quill", email.upper(), "+44 113 496 0000")
    page.get_by_role("button", name="File complaint").click()

    # Nothing is filed yet: the agent sees the caller's open complaint, linked.
    duplicates = page.locator("#duplicates")
    expect(duplicates).to_contain_text("This caller has open complaints")
    expect(duplicates.get_by_role("link", name=earlier.case_id)).to_be_visible()
    expect(page.locator("#duplicates-title")).to_be_focused()
    assert len(caller_cases(site, email)) == 1
    # The form is kept as filled in.
    expect(page.get_by_label("What the caller wants")).to_have_value("A refund of the second fee.")
    shot(page, "hotline-duplicates")

    page.get_by_role("button", name="File as a new complaint").click()
    expect(page).to_have_url(re.compile(r"/cases/C-[0-9]+$"))
    case_id = page.locator("#case-id").inner_text()
    assert case_id != earlier.case_id
    expect(page.locator(".flash.ok")).to_contain_text(f"Complaint {case_id} filed")
    expect(page.locator("main")).to_contain_text("phone")
    expect(page.locator("#customer-name")).to_have_text("Ada Quill")
    expect(page.locator("main")).to_contain_text("+44 113 496 0000")
    expect(page.locator("main")).to_contain_text("14 Kirkgate")
    expect(page.locator("#clocks tr[data-clock]").first).to_be_visible()
    shot(page, "hotline-filed")

    with grpc.insecure_channel(site.address("cases")) as channel:
        case = (
            cases_pb2_grpc.CasesServiceStub(channel)
            .GetCase(
                cases_pb2.GetCaseRequest(case_id=case_id),
                metadata=bearer(site.credentials.admin_key),
                timeout=30,
            )
            .case
        )
    assert case.channel == common_pb2.CHANNEL_PHONE
    assert case.regime == common_pb2.REGIME_UK_FCA
    assert case.desired_outcome == "A refund of the second fee."
    assert case.customer.preferred_channel == common_pb2.CHANNEL_PHONE
    assert list(case.customer.tags) == [
        "Vulnerable",
        "Vulnerability: I am recovering from an operation and cannot read long letters",
    ]
    assert {c.case_id for c in caller_cases(site, email)} == {earlier.case_id, case_id}


def test_a_hotline_agent_files_a_device_complaint_under_its_regime_pack(
    site: LocalPlatform, page: Page
) -> None:
    email = f"caller-{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, site, PEOPLE["dana"][1], "/complaints/new")
    fill_call(page, "Noor Patel", email, "+44 20 7946 0202")
    page.get_by_label("Regime").select_option("fda_mdr")
    page.get_by_role("button", name="File complaint").click()
    expect(page).to_have_url(re.compile(r"/cases/C-[0-9]+$"))
    expect(page.locator("main")).to_contain_text("Regime: fda_mdr")
    case_id = page.locator("#case-id").inner_text()
    with grpc.insecure_channel(site.address("cases")) as channel:
        case = (
            cases_pb2_grpc.CasesServiceStub(channel)
            .GetCase(
                cases_pb2.GetCaseRequest(case_id=case_id),
                metadata=bearer(site.credentials.admin_key),
                timeout=30,
            )
            .case
        )
    assert (case.regime, case.regime_name) == (common_pb2.REGIME_UNSPECIFIED, "fda_mdr")


def test_a_hotline_form_sent_twice_files_one_complaint(site: LocalPlatform, page: Page) -> None:
    email = f"caller-{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, site, PEOPLE["lena"][1], "/complaints/new")
    fill_call(page, "Rowan Hale", email, "+44 20 7946 0101")
    # The same form posted twice, as a double click or a resubmit sends it.
    fields = page.locator("#new-complaint").evaluate(
        "form => Object.fromEntries(new FormData(form))"
    )
    fields["action"] = "file"
    answers = [
        page.request.post(url(site, "/complaints/new"), form=fields, max_redirects=0)
        for _ in range(2)
    ]
    assert [a.status for a in answers] == [302, 302]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert len(caller_cases(site, email)) == 1

    page.get_by_role("button", name="File complaint").click()
    expect(page).to_have_url(re.compile(answers[0].headers["location"] + "$"))
    # (The two posts above did not follow their redirects: their messages show here too.)
    expect(page.locator(".flash.ok").last).to_contain_text("This form had already filed")
    assert len(caller_cases(site, email)) == 1


def test_the_hotline_form_shows_refused_fields_next_to_them_and_speaks_german(
    site: LocalPlatform, page: Page
) -> None:
    email = f"caller-{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, site, PEOPLE["dana"][1], "/complaints/new")
    fill_call(page, "Noor Salim", email, "call me after five")
    page.get_by_role("button", name="File complaint").click()
    expect(page.locator("#err-customer-phone")).to_contain_text("digits")
    expect(page.get_by_label("Phone", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".refusal")).to_be_focused()
    assert not caller_cases(site, email)

    # Corrected, the same form files once.
    page.get_by_label("Phone", exact=True).fill("+44 20 7946 0102")
    page.get_by_role("button", name="File complaint").click()
    expect(page).to_have_url(re.compile(r"/cases/C-[0-9]+$"))
    assert len(caller_cases(site, email)) == 1

    page.goto(url(site, "/complaints/new?lang=de"))
    expect(page.locator("h1")).to_have_text("Neue Beschwerde")
    expect(page.get_by_label("Was der Anrufer erwartet")).to_be_visible()
    expect(page.get_by_role("button", name="Beschwerde anlegen")).to_be_visible()
    expect(page.get_by_role("button", name="Nach bestehenden Beschwerden suchen")).to_be_visible()
    page.goto(url(site, "/complaints/new?lang=en"))


def test_the_hotline_form_is_for_the_people_who_take_calls(site: LocalPlatform, page: Page) -> None:
    sign_in(page, site, PEOPLE["rita"][1], "/cases")
    expect(page.get_by_role("link", name="New complaint")).to_have_count(0)
    assert page.goto(url(site, "/complaints/new")).status == 403  # type: ignore[union-attr]


def test_every_interface_text_has_a_german_and_a_spanish_translation() -> None:
    used = set()
    for template in (ROOT / "services/console/templates").glob("*.html"):
        used |= set(re.findall(r"""_\(["']([^"']+)["']\)""", template.read_text()))
    app = (ROOT / "services/console/app.py").read_text()
    used |= set(re.findall(r'g\.t\("([^"]+)"\)', app))
    missing = sorted(text for text in used if text not in i18n.TEXTS)
    assert not missing, f"no translation for: {missing}"
    for english, (german, spanish) in i18n.TEXTS.items():
        assert german and spanish, english
    assert i18n.choose("", "es-MX,es;q=0.9,en;q=0.5") == "es"
    assert i18n.choose("", "fr-FR,de;q=0.8") == "de"
    assert i18n.choose("", "fr-FR") == "en"


def test_forms_without_the_sessions_token_and_requests_without_a_session_are_refused(
    site: LocalPlatform, page: Page
) -> None:
    case_id = file_complaint(site, ROWS[4], uuid.uuid4().hex[:10])
    sign_in(page, site, site.credentials.admin_key, f"/cases/{case_id}")
    # Another site's form posting into the console, with the person's cookie.
    answer = page.request.post(
        url(site, f"/cases/{case_id}/notes"), form={"body": "from elsewhere"}
    )
    assert answer.status == 400
    assert "out of date" in answer.text()
    page.reload()
    expect(page.locator("#notes ul.notes")).not_to_contain_text("from elsewhere")

    request = urllib.request.Request(url(site, f"/cases/{case_id}"))
    with urllib.request.urlopen(request, timeout=10) as plain:
        assert "/signin" in plain.url  # redirected, nothing of the case shown
        assert "Morgan Example" not in plain.read().decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _post_signin(site: LocalPlatform, key: str, target: str) -> tuple[int, str]:
    """The status and Location of signing in with `next=target`, not followed."""
    body = urllib.parse.urlencode({"key": key, "next": target}).encode()
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(url(site, "/signin"), data=body, timeout=10) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Location", "")


def test_signing_in_never_sends_a_person_to_another_site(site: LocalPlatform) -> None:
    from tests.unit.test_console_next import OFF_SITE

    key = PEOPLE["dana"][1]
    for target in OFF_SITE:
        assert _post_signin(site, key, target) == (302, "/cases"), target
        with urllib.request.urlopen(
            url(site, "/signin?" + urllib.parse.urlencode({"next": target})), timeout=10
        ) as form:
            assert 'name="next" value="/cases"' in form.read().decode(), target
    assert _post_signin(site, key, "/cases?page=2") == (302, "/cases?page=2")


def test_a_session_ends_when_its_key_is_removed_from_the_keys_file(site: LocalPlatform) -> None:
    import http.cookiejar
    import time

    keys = site.data_dir / "api-keys.txt"
    before = keys.read_text()
    leaving = "leaving-admin-key-0123456789"
    keys.write_text(before + f"{leaving} leaving-admin administrator\n")
    try:
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        signin = urllib.parse.urlencode({"key": leaving, "next": "/cases"}).encode()
        deadline = time.monotonic() + 10
        while True:  # the console and the services take up a key added within seconds
            jar.clear()
            try:
                with browser.open(url(site, "/signin"), data=signin, timeout=10) as answer:
                    if answer.url.endswith("/cases") and "leaving-admin" in answer.read().decode():
                        break
            except urllib.error.HTTPError as refused:
                # 401: the console has not read the key yet; 400: a service has not.
                assert refused.code in (400, 401)
            assert time.monotonic() < deadline, "a key added to the file was not taken up"
            time.sleep(0.3)
        keys.write_text(before)
        removed_at = time.monotonic()
        while True:
            try:
                with browser.open(url(site, "/cases"), timeout=10) as answer:
                    if "/signin" in answer.url:
                        break
            except urllib.error.HTTPError as refused:
                assert refused.code == 400  # the cases service refuses the key first
            assert time.monotonic() - removed_at < 5, "the session outlived its key"
            time.sleep(0.3)
    finally:
        keys.write_text(before)


def test_markdown_in_articles_cannot_carry_markup() -> None:
    rendered = str(i18n.markdown("<script>alert(1)</script> [x](javascript:alert(1)) **ok**"))
    assert "<script>" not in rendered and 'href="javascript' not in rendered
    assert "&lt;script&gt;" in rendered and "<strong>ok</strong>" in rendered


def test_a_case_whose_customer_was_erased_says_so(site: LocalPlatform, page: Page) -> None:
    case_id = file_complaint(site, ROWS[8], uuid.uuid4().hex[:10])
    admin = bearer(site.credentials.admin_key)
    with grpc.insecure_channel(site.address("cases")) as channel:
        cases = cases_pb2_grpc.CasesServiceStub(channel)
        customer_id = cases.GetCase(
            cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=30
        ).case.customer_id
        cases.EraseCustomer(
            cases_pb2.EraseCustomerRequest(
                customer_id=customer_id,
                request_reference="DSAR-2026-0042",
                reason="the customer asked, by letter",
                force=True,
            ),
            metadata=admin,
            timeout=60,
        )
    sign_in(page, site, site.credentials.admin_key, f"/cases/{case_id}")
    expect(page.locator("#customer-erased")).to_contain_text("Personal data erased on request")
    expect(page.locator("#customer-name")).to_have_text("")
    page.goto(url(site, "/cases?sort=received&order=desc"))
    expect(page.locator(f"tr[data-case='{case_id}']")).to_contain_text("erased")


def test_search_highlights_matches_and_keeps_the_articles_text_as_text(
    site: LocalPlatform, page: Page
) -> None:
    word = f"Quokkacard{uuid.uuid4().hex[:6]}"
    admin = bearer(site.credentials.admin_key)
    with grpc.insecure_channel(site.address("knowledge")) as channel:
        stub = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
        article = stub.CreateArticle(
            knowledge_pb2.CreateArticleRequest(
                article=knowledge_pb2.Article(
                    title=f"Blocking a {word}",
                    body=f"If your {word} is lost, <b>never</b> share the PIN & call us.",
                    summary=f"A lost {word}: <b>never</b> share the PIN.",
                    language="en",
                    audience=knowledge_pb2.AUDIENCE_INTERNAL,
                    category="cards",
                )
            ),
            metadata=admin,
            timeout=30,
        ).article
        stub.PublishArticle(
            knowledge_pb2.PublishArticleRequest(article_id=article.article_id),
            metadata=admin,
            timeout=30,
        )
    sign_in(page, site, PEOPLE["dana"][1], "/knowledge")

    def found() -> bool:
        page.goto(url(site, "/knowledge?q=" + word))
        return page.locator("ol.hits a").count() == 1

    eventually(found, timeout=30, interval=1)
    hits = page.locator("ol.hits")
    expect(hits.locator(".snippet mark").first).to_have_text(word)
    expect(hits.locator("a mark")).to_have_text(word)
    # The article's own "<b>" is text to read, never markup; the markers never show.
    expect(hits.locator(".snippet")).to_contain_text("<b>never</b>")
    expect(hits.locator("b")).to_have_count(0)
    expect(hits).not_to_contain_text("<em>")
    shot(page, "knowledge-highlights")


def test_clocks_show_business_time_in_working_days_and_calendar_time_apart(
    site: LocalPlatform, page: Page
) -> None:
    case_id = file_complaint(site, ROWS[9], uuid.uuid4().hex[:10])
    sign_in(page, site, PEOPLE["dana"][1], f"/cases/{case_id}")
    # 80 business hours of the shipped policy: ten 8-hour working days.
    resolution = clock_row(page, "resolution").locator("td.business-left")
    expect(resolution).to_contain_text(re.compile(r"^(10 working days|9 working days \d+ h)"))
    first = clock_row(page, "first_response").locator("td.business-left")
    expect(first).to_contain_text("calendar time")
    expect(page.locator("#clocks")).not_to_contain_text(re.compile(r"\d+ d \d+ h"))


def test_queue_and_case_read_cleanly(site: LocalPlatform, page: Page) -> None:
    marker = uuid.uuid4().hex[:10]
    request = intake_pb2.SubmitComplaintRequest(
        idempotency_key=f"console-{uuid.uuid4()}",
        channel=common_pb2.CHANNEL_WEB,
        customer=common_pb2.Customer(full_name="Noel Product", email="noel@example.com"),
        narrative=f"An overdraft fee was charged twice this month. Reference {marker}.",
    )
    with grpc.insecure_channel(site.address("intake")) as channel:
        case_id = (
            intake_pb2_grpc.IntakeServiceStub(channel)
            .SubmitComplaint(request, metadata=bearer(site.credentials.admin_key), timeout=30)
            .case_id
        )
    page.set_viewport_size({"width": 900, "height": 900})
    sign_in(page, site, site.credentials.admin_key, "/cases?text=" + marker)
    row = page.locator(f"tr[data-case='{case_id}']")
    expect(row.locator("td.product")).to_have_text("—")
    expect(row).not_to_contain_text("/ ")
    # A case id is one word: never broken over two lines, in the queue or on the case.
    lines = row.locator("td.case-id a").evaluate("a => a.getClientRects().length")
    assert lines == 1
    row.get_by_role("link", name=case_id).click()
    expect(page.locator("#case-product")).to_have_text("—")
    assert page.locator("#case-id").evaluate("e => e.getClientRects().length") == 1

    # A refused form comes back with its error summary in sight and focused.
    page.locator("#priority-value").select_option("urgent")
    page.locator("#priority").get_by_role("button", name="Change priority").click()
    summary = page.locator("#priority .refusal")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(page.locator("#priority #err-reason")).to_be_in_viewport()

    # Every page names an icon that exists.
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon
    answer = page.request.get(url(site, icon))
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/")
    assert page.request.get(url(site, "/favicon.ico")).status == 200


def test_charts_label_every_bar_keep_labels_in_view_and_open_the_cases_counted(
    site: LocalPlatform, page: Page
) -> None:
    for row in ROWS[10:13]:
        file_complaint(site, row, uuid.uuid4().hex[:10])
    sign_in(page, site, site.credentials.admin_key, "/reports")
    charts = page.locator("figure.chart svg")
    expect(charts.first).to_be_visible()
    for i in range(charts.count()):
        chart = charts.nth(i)
        box = chart.bounding_box()
        assert box
        bars = chart.locator("rect.bar").count()
        assert bars and chart.locator("text.label").count() == bars
        assert chart.locator("text.value").count() == bars
        for j in range(chart.locator("text").count()):
            text = chart.locator("text").nth(j).bounding_box()
            assert text, j
            assert (
                box["x"] - 1 <= text["x"]
                and text["x"] + text["width"] <= box["x"] + box["width"] + 1
            )
            assert (
                box["y"] - 1 <= text["y"]
                and text["y"] + text["height"] <= box["y"] + box["height"] + 1
            )
    shot(page, "reports-charts")

    channels = page.locator("figure.chart", has_text="by channel")
    web = channels.locator("a", has=page.locator("rect.bar")).filter(
        has=page.locator("title", has_text="web:")
    )
    counted = int(web.locator("text.value").text_content() or "0")
    web.locator("rect.bar").click()
    expect(page).to_have_url(re.compile(r"/cases\?.*channel=web"))
    expect(page.locator("table.queue tbody tr[data-case]")).to_have_count(counted)


def test_no_secret_or_personal_data_reaches_the_logs_or_the_metrics(
    site: LocalPlatform, page: Page
) -> None:
    """Runs last in this module: after full lifecycles (a breach, an escalation,
    letters, alerts, knowledge writes) through every process, nothing in their
    logs or metrics labels names a key, a customer or their words."""
    case_id = file_complaint(site, ROWS[6], uuid.uuid4().hex[:10])
    sign_in(page, site, site.credentials.admin_key, f"/cases/{case_id}")
    expect(page.locator("#case-id")).to_have_text(case_id)
    secrets = {
        "administrator key": site.credentials.admin_key,
        "service key": site.credentials.service_key,
        "intake key": site.credentials.intake_key,
        "search engine key": site.credentials.meilisearch_key,
        **{f"{name}'s key": key for name, (_, key) in PEOPLE.items()},
    }
    personal = {
        "customer name": "Morgan Example",
        "customer email": "morgan@example.com",
        **{
            f"narrative of CFPB {row['Complaint ID']}": row["Consumer complaint narrative"][:60]
            for row in ROWS[:7]
            if len(row["Consumer complaint narrative"]) >= 60
        },
        "a note": "bureau letter requested",
    }
    logs = {
        path.name: path.read_text(errors="replace")
        for path in site.supervisor.log_dir.glob("*.log")
    }
    assert {"cases.log", "intake.log", "followup.log", "worker.log", "console.log"} <= set(logs)
    # The logs are not empty: every call of the lifecycles is there.
    assert '"method": "redress.cases.v1.CasesService/AssignCase"' in logs["cases.log"]
    assert '"code": "INVALID_ARGUMENT"' in logs["cases.log"]
    # The metrics of every process this site runs (the worker serves the
    # SDK's too); a process it does not start has no port to read.
    running = {*site.processes, "worker_sdk"}
    ports = [port for name, port in site.ports.metrics.items() if name in running]
    assert len(ports) >= 8
    metrics = {
        f"metrics:{port}": urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10)
        .read()
        .decode()
        for port in ports
    }
    found = [
        f"{what} in {where}"
        for where, text in {**logs, **metrics}.items()
        for what, value in {**secrets, **personal}.items()
        if value in text
    ]
    assert not found, found


def test_an_agent_adds_a_file_to_a_case_and_everyone_who_reads_the_case_downloads_it(
    site: LocalPlatform, page: Page, tmp_path: Path
) -> None:
    case_id = file_complaint(site, ROWS[5], uuid.uuid4().hex[:10])
    statement = tmp_path / "bank statement März.pdf"
    statement.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% " + uuid.uuid4().hex.encode() + b"\n%%EOF\n"
    )
    program = tmp_path / "statement.pdf"
    program.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48)
    # A file the customer sent by e-mail that was not kept: named on the case.
    with grpc.insecure_channel(site.address("cases")) as channel:
        with pytest.raises(grpc.RpcError):
            cases_pb2_grpc.CasesServiceStub(channel).UploadAttachment(
                cases_pb2.UploadAttachmentRequest(
                    case_id=case_id,
                    filename="setup.exe",
                    content=program.read_bytes(),
                    source="email",
                    idempotency_key="mail-1#0",
                ),
                metadata=bearer(site.credentials.intake_key),
                timeout=30,
            )

    sign_in(page, site, PEOPLE["dana"][1], f"/cases/{case_id}")
    expect(page.locator("#attachment-list")).to_contain_text("No files yet.")
    expect(page.locator("#refused-files")).to_contain_text("setup.exe")
    expect(page.locator("#refused-files")).to_contain_text("Windows program")

    # A program named as a PDF is refused next to the file box; nothing is added.
    page.locator("#attachment-file").set_input_files(str(program))
    page.get_by_role("button", name="Add file").click()
    expect(page.locator("#attachments .field-error")).to_contain_text("Windows program")
    expect(page.locator("#attachment-file")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#attachment-list tbody tr[data-attachment]")).to_have_count(0)

    page.locator("#attachment-file").set_input_files(str(statement))
    page.get_by_role("button", name="Add file").click()
    expect(page.locator(".flash.ok")).to_have_text("File added.")
    row = page.locator("#attachment-list tbody tr[data-attachment]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("bank statement März.pdf")
    expect(row).to_contain_text("application/pdf")
    expect(row).to_contain_text("console · dana")
    expect(page.locator("#timeline")).to_contain_text("File added: bank statement März.pdf by dana")
    shot(page, "case-attachments")
    with page.expect_download() as download:
        page.get_by_role("link", name="bank statement März.pdf").click()
    assert Path(download.value.path()).read_bytes() == statement.read_bytes()
    assert download.value.suggested_filename == "bank statement März.pdf"
    href = page.get_by_role("link", name="bank statement März.pdf").get_attribute("href")
    assert href is not None
    answer = page.request.get(url(site, href))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in answer.headers["content-security-policy"]
    assert answer.body() == statement.read_bytes()

    # Posted from elsewhere without the session's token: refused, nothing added.
    forged = page.request.post(
        url(site, f"/cases/{case_id}/attachments"),
        multipart={
            "file": {
                "name": "forged.txt",
                "mimeType": "text/plain",
                "buffer": b"from another site",
            }
        },
    )
    assert forged.status == 400
    page.reload()
    expect(page.locator("#attachment-list tbody tr[data-attachment]")).to_have_count(1)

    # A reporting reader may not read the case's files.
    page.context.clear_cookies()
    sign_in(page, site, PEOPLE["rita"][1], "/reports")
    refused = page.request.get(url(site, href))
    assert refused.status == 403
    assert statement.read_bytes() not in refused.body()


def test_an_administrator_keeps_people_teams_and_absences_on_the_staff_page(
    site: LocalPlatform, page: Page
) -> None:
    sign_in(page, site, site.credentials.admin_key, "/staff")
    expect(page.locator("table.staff-people")).to_contain_text("dana@bank.test")
    expect(page.locator("table.staff-teams")).to_contain_text("disputes")

    page.locator("#principal_id").fill("ines")
    page.locator("#display_name").fill("Inês Silva")
    page.locator("#languages").fill("pt, en")
    page.locator("#capacity").fill("7")
    page.get_by_role("button", name="Save person").click()
    expect(page.locator(".flash")).to_contain_text("Person saved.")
    expect(page.locator("table.staff-people")).to_contain_text("Inês Silva")

    # A team naming someone unknown is refused next to the field, with the
    # closest known name.
    page.locator("#team-name").fill("lusophone")
    page.locator("#members").fill("ines, dnaa")
    page.locator("#lead").fill("ines")
    page.get_by_role("button", name="Save team").click()
    expect(page.locator("#err-team-members")).to_contain_text("dana")
    expect(page.locator("#members")).to_have_value("ines, dnaa")
    page.locator("#members").fill("ines, dana")
    page.get_by_role("button", name="Save team").click()
    expect(page.locator("table.staff-teams")).to_contain_text("ines, dana")

    page.locator("#absence-person").fill("ines")
    page.locator("#absence-reason").fill("holiday")
    page.get_by_role("button", name="Record absence").click()
    expect(page.locator("table.staff-absences")).to_contain_text("holiday")
    shot(page, "staff")
    page.locator("table.staff-absences tr", has_text="holiday").get_by_role(
        "button", name="End"
    ).click()
    expect(page.locator(".flash")).to_contain_text("Absence ended.")
    expect(page.locator("table.staff-absences")).not_to_contain_text("holiday")


def test_an_agent_sets_a_reminder_on_the_case_page_and_cancels_it(
    site: LocalPlatform, page: Page
) -> None:
    case_id = file_complaint(site, ROWS[6], uuid.uuid4().hex[:10])
    sign_in(page, site, PEOPLE["dana"][1], f"/cases/{case_id}")
    expect(page.locator("#reminders")).to_contain_text("No reminders.")
    # A time in the past is refused next to its field.
    page.locator("#reminder-text").fill("Call the customer back")
    page.locator("#reminder-at").fill("2020-01-14T10:00")
    page.get_by_role("button", name="Set reminder").click()
    expect(page.locator("#new-reminder")).to_contain_text("must be in the future")
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    page.locator("#reminder-text").fill("Call the customer back")
    page.locator("#reminder-at").fill(f"{day}T10:00")
    page.get_by_role("button", name="Set reminder").click()
    expect(page.locator(".flash.ok")).to_have_text("Reminder set.")
    row = page.locator("#reminders tr[data-reminder]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Call the customer back")
    expect(row).to_contain_text(f"{day} 10:00 UTC")
    expect(row).to_contain_text("dana")
    expect(page.locator("#reminders .reminder-state")).to_have_text("open")
    page.locator("#reminders").get_by_role("button", name="Cancel").click()
    expect(page.locator(".flash.ok")).to_have_text("Reminder cancelled.")
    expect(page.locator("#reminders .reminder-state")).to_have_text("cancelled")
