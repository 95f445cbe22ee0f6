"""Staff reminders through CasesService, and the satisfaction survey's
answers coming back from the customer (a signed link in the letter, the
status page, a reply to the letter), on the whole platform over its real
SMTP server. The staff directory is tests.conftest.STAFF_DIRECTORY."""

from __future__ import annotations

import email.utils
import html
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.domain.policy import Policy
from redress.followup.v1 import followup_pb2
from redress.platform.errors import field_violations
from redress.platform.status_links import StatusLinks
from redress.reporting.v1 import reporting_pb2
from redress.reporting.v1.reporting_pb2_grpc import ReportingServiceStub
from services.intake.mailbox.filing import MailFiler
from tests.conftest import eventually
from tests.integration.test_followup import ROWS, cases, file_complaint, followup, mail_for
from tests.integration.test_staff_and_replies import mail_to


def stamp(moment: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(moment)
    return out


def remind(channels, admin, case_id: str, at: datetime, **fields):  # type: ignore[no-untyped-def]
    return cases(channels).SetReminder(
        cases_pb2.SetReminderRequest(case_id=case_id, at=stamp(at), **fields),
        metadata=admin,
        timeout=30,
    )


def test_a_reminder_is_set_shown_on_the_case_and_delivered_to_its_person(platform, channels, admin):
    case_id = file_complaint(channels, admin, ROWS[8])
    now = datetime.now(UTC)
    for at, why in [
        (now - timedelta(minutes=1), "must be in the future"),
        (now + timedelta(days=400), "at most a year ahead"),
    ]:
        with pytest.raises(grpc.RpcError) as err:
            remind(channels, admin, case_id, at, text="Call back", person="dana")
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        (violation,) = field_violations(err.value)
        assert (violation.field, violation.description) == ("at", why)
    with pytest.raises(grpc.RpcError) as err:
        remind(channels, admin, case_id, now + timedelta(hours=1), text=" ")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    soon = datetime.now(UTC) + timedelta(seconds=3)
    made = remind(
        channels,
        admin,
        case_id,
        soon,
        text="Call back Tuesday",
        person="dana",
        idempotency_key="r1",
    )
    again = remind(
        channels,
        admin,
        case_id,
        soon,
        text="Call back Tuesday",
        person="dana",
        idempotency_key="r1",
    )
    assert made.reminder.reminder_id == again.reminder.reminder_id == f"{case_id}-R1"
    assert made.reminder.state == "open" and made.reminder.person == "dana"
    subject = f"[Redress] Case {case_id}: reminder: Call back Tuesday"
    eventually(
        lambda: [
            m for m in mail_to(platform, "dana@bank.test", case_id) if m["Subject"] == subject
        ],
        timeout=30,
    )
    (shown,) = (
        cases(channels)
        .GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=30)
        .case.reminders
    )
    assert (shown.reminder_id, shown.state, shown.text) == (
        f"{case_id}-R1",
        "delivered",
        "Call back Tuesday",
    )

    # Twenty open reminders at most; cancelling one makes room.
    later = datetime.now(UTC) + timedelta(days=30)
    made_ids = [
        remind(
            channels, admin, case_id, later, text=f"Check {i}", person="dana"
        ).reminder.reminder_id
        for i in range(20)
    ]
    with pytest.raises(grpc.RpcError) as err:
        remind(channels, admin, case_id, later, text="one too many", person="dana")
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "20 open reminders" in (err.value.details() or "")
    cancel = cases_pb2.CancelReminderRequest(case_id=case_id, reminder_id=made_ids[0])
    cases(channels).CancelReminder(cancel, metadata=admin, timeout=30)
    with pytest.raises(grpc.RpcError) as err:
        cases(channels).CancelReminder(cancel, metadata=admin, timeout=30)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert remind(channels, admin, case_id, later, text="now it fits", person="dana")


# -- the satisfaction survey's answer ----------------------------------------


class Browser:
    """A customer's browser on the public web form: cookies kept."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, url: str) -> str:
        with self.opener.open(url if url.startswith("http") else self.base + url) as page:
            return str(page.read().decode())

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        data = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(self.base + path, data=data) as page:
                return int(page.status), str(page.read().decode())
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} on the page"
    return html.unescape(found[1])


@pytest.fixture(scope="module")
def webform(platform):  # type: ignore[no-untyped-def]
    process = platform.start_webform({"REDRESS_WEBFORM_RATE_LIMIT": "10000"})
    yield platform.webform_url
    platform.supervisor.stop(process)


def survey_letter(platform, channels, admin, case_id: str) -> EmailMessage:  # type: ignore[no-untyped-def]
    followup(channels).SendMessage(
        followup_pb2.SendMessageRequest(
            idempotency_key=f"survey-{case_id}",
            case_id=case_id,
            template_name="satisfaction_survey",
            channel=common_pb2.CHANNEL_EMAIL,
        ),
        metadata=admin,
        timeout=30,
    )
    (letter,) = eventually(
        lambda: [m for m in mail_for(platform, case_id) if "How did we handle" in m["Subject"]],
        timeout=30,
    )
    return letter


def satisfaction(channels, admin, case_id: str) -> cases_pb2.Satisfaction:  # type: ignore[no-untyped-def]
    case = (
        cases(channels)
        .GetCase(cases_pb2.GetCaseRequest(case_id=case_id), metadata=admin, timeout=30)
        .case
    )
    assert case.HasField("satisfaction"), case_id
    return case.satisfaction


def test_a_survey_answer_comes_back_by_email_reply_by_link_and_on_the_status_page(
    platform, channels, admin, webform
):
    by_mail = file_complaint(channels, admin, ROWS[9])
    by_link = file_complaint(channels, admin, ROWS[10])
    on_status = file_complaint(channels, admin, ROWS[11])

    # A reply to the survey letter that starts with a score.
    letter = survey_letter(platform, channels, admin, by_mail)
    customer = email.utils.parseaddr(str(letter["To"]))[1]
    reply = EmailMessage()
    reply["From"] = customer
    reply["To"] = "complaints@bank.test"
    reply["Subject"] = f"Re: {letter['Subject']}"
    reply["Message-ID"] = email.utils.make_msgid(domain="mail.test")
    reply["In-Reply-To"] = letter["Message-ID"]
    reply.set_content("4/5 - quick and fair\n\nOn Monday, Bank wrote:\n> How did we handle...\n")
    filer = MailFiler(
        grpc.insecure_channel(platform.address("intake")),
        grpc.insecure_channel(platform.address("followup")),
        grpc.insecure_channel(platform.address("cases")),
        platform.credentials.intake_key,
    )
    outcome = filer.file(reply.as_bytes())
    assert outcome.case_id == by_mail and "survey score 4 recorded" in outcome.detail
    answer = satisfaction(channels, admin, by_mail)
    assert (answer.score, answer.source, answer.comment) == (4, "email_reply", "quick and fair")
    trail = (
        cases(channels)
        .GetCase(cases_pb2.GetCaseRequest(case_id=by_mail), metadata=admin, timeout=30)
        .case.audit_events
    )
    assert any(e.action == "customer.replied" for e in trail)  # still a reply too
    (recorded,) = [e for e in trail if e.action == "satisfaction.recorded"]
    assert recorded.new_value == "4" and recorded.cause.startswith("source email_reply")
    # The same reply again (the mailbox read twice) records nothing more.
    again = filer.file(reply.as_bytes())
    assert "already" in again.detail or "recorded" in again.detail

    # A link in the letter: the page it opens has the score chosen, and the
    # customer's press records it.
    letter = survey_letter(platform, channels, admin, by_link)
    links = re.findall(r"(http://\S+/survey/\S+/[1-5])\b", letter.get_content())
    assert [link.rsplit("/", 1)[1] for link in links] == ["1", "2", "3", "4", "5"]
    browser = Browser(webform)
    page = browser.get(links[4])
    assert 'value="5" checked' in page
    path = re.search(r'action="(/survey/[^"]+)"', page)
    assert path is not None
    fields = {"csrf": hidden(page, "csrf"), "source": "link", "score": "5", "comment": "thanks"}
    status, thanked = browser.post(path[1], fields)
    assert status == 200 and "Thank you for your answer" in thanked
    answer = satisfaction(channels, admin, by_link)
    assert (answer.score, answer.source) == (5, "link")
    # A second answer: politely told we have it, and the first one stands.
    page = browser.get(links[0])
    assert "We already have your answer" in page
    fields["score"] = "1"
    status, told = browser.post(path[1], fields)
    assert status == 200 and "We already have your answer" in told
    assert satisfaction(channels, admin, by_link).score == 5

    # The status page of a resolved case offers the survey.
    cases(channels).RecordOutcome(
        cases_pb2.RecordOutcomeRequest(
            case_id=on_status,
            decision=cases_pb2.DECISION_UPHELD,
            root_cause=Policy.load_default().root_causes[0],
            summary="We refunded the fee.",
        ),
        metadata=admin,
        timeout=30,
    )
    cases(channels).ResolveCase(
        cases_pb2.ResolveCaseRequest(case_id=on_status, reason="refunded"),
        metadata=admin,
        timeout=30,
    )
    secret = (platform.data_dir / "status-link.key").read_text().strip()
    status_link = f"/status/{StatusLinks(secret).sign(on_status)}"
    browser = Browser(webform)
    page = eventually(lambda: (p := browser.get(status_link)) and 'id="status-survey"' in p and p)
    form = page[page.index('id="status-survey"') :]
    fields = {"csrf": hidden(form, "csrf"), "source": hidden(form, "source"), "score": "2"}
    assert fields["source"] == "status_page"
    action = re.search(r'action="(/survey/[^"]+)"', form)
    assert action is not None
    status, thanked = browser.post(action[1], fields)
    assert status == 200 and "Thank you for your answer" in thanked
    assert (satisfaction(channels, admin, on_status).source) == "status_page"
    assert "you rated the way we handled your complaint 2 out of 5" in browser.get(status_link)

    # Reporting counts them, by how they came.
    figures = ReportingServiceStub(channels["reporting"]).GetDashboard(
        reporting_pb2.GetDashboardRequest(
            filter=reporting_pb2.CaseFilter(
                received=common_pb2.TimeRange(
                    start=stamp(datetime.now(UTC) - timedelta(days=1)),
                    end=stamp(datetime.now(UTC) + timedelta(days=1)),
                )
            )
        ),
        metadata=admin,
        timeout=30,
    )
    by_source = {s.source: s for s in figures.satisfaction_by_source}
    assert {"email_reply", "link", "status_page"} <= set(by_source)
    assert figures.satisfaction_responses >= 3
    assert by_source["link"].responses >= 1 and 1 <= by_source["link"].mean <= 5
