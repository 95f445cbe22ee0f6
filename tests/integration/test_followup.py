"""Follow-ups on the whole platform: templates, letters over real SMTP, webhooks.

The platform's own mail server (aiosmtpd, as `make run` starts it) keeps
what it receives in a Maildir, which these tests read; webhooks go to a real
HTTP receiver on loopback that checks signatures and fails on purpose.
"""

from __future__ import annotations

import asyncio
import email.policy
import io
import mailbox
import re
import ssl
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from temporalio.client import Client

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform, Ports
from redress.domain.policy import Policy
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.intake.v1 import intake_pb2
from redress.platform.errors import field_violations
from redress.platform.mail import SmtpSettings
from tests.conftest import bearer, cfpb_rows, eventually, followup_env, start_platform
from tests.e2e.test_submit_end_to_end import complaint, get_case, submit
from tests.followup_support import QUICK, Arrival, Inbox, Receiver, followup_messenger
from tests.integration.test_tls import issue, make_ca
from tests.policies import short_first_response

ROWS = cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 12)
LETTERS = (
    "acknowledgement",
    "final_response",
    "holding_response",
    "progress_update",
    "reminder",
    "request_for_information",
    "satisfaction_survey",
    "summary_resolution",
)


def followup(channels):  # type: ignore[no-untyped-def]
    return followup_pb2_grpc.FollowupServiceStub(channels["followup"])


def cases(channels):  # type: ignore[no-untyped-def]
    return cases_pb2_grpc.CasesServiceStub(channels["cases"])


def mail(platform: LocalPlatform) -> list[EmailMessage]:
    box = mailbox.Maildir(platform.maildir, create=True)
    out = []
    for key in box.keys():
        with box.get_file(key) as f:
            out.append(email.message_from_binary_file(f, policy=email.policy.default))
    return out  # type: ignore[return-value]


def mail_for(platform: LocalPlatform, case_id: str) -> list[EmailMessage]:
    """The letters sent about the case to its customer: staff alerts about it
    (an urgent case nobody owns alerts its lead, say; `mail_to` finds those)
    are left out."""
    return [
        m
        for m in mail(platform)
        if m["X-Redress-Case"] == case_id and not str(m["Subject"]).startswith("[Redress] ")
    ]


letters_for = mail_for


def file_complaint(channels, admin, row, **customer: Any) -> str:  # type: ignore[no-untyped-def]
    request = complaint(row)
    request.customer.CopyFrom(
        common_pb2.Customer(
            full_name="Alex Kunde", email=f"{uuid.uuid4().hex[:8]}@mail.test", **customer
        )
    )
    request.regime = common_pb2.REGIME_UK_FCA
    return submit(channels, admin, request).case_id


DELIVERED = followup_pb2.DELIVERY_REPORT_OUTCOME_DELIVERED
BOUNCED = followup_pb2.DELIVERY_REPORT_OUTCOME_BOUNCED


def report(channels, platform: LocalPlatform, **fields: Any):  # type: ignore[no-untyped-def]
    """A delivery report from the firm's mail gateway, with the intake-client
    key gateways hold."""
    return followup(channels).RecordDeliveryReport(
        followup_pb2.RecordDeliveryReportRequest(**fields),
        metadata=bearer(platform.credentials.intake_key),
        timeout=30,
    )


def messages(channels, admin, case_id: str) -> list[followup_pb2.Message]:  # type: ignore[no-untyped-def]
    return list(
        followup(channels)
        .ListMessages(followup_pb2.ListMessagesRequest(case_id=case_id), metadata=admin, timeout=10)
        .messages
    )


def test_the_shipped_letters_are_there_in_three_languages_and_paged(channels, admin):
    stub = followup(channels)
    seen, token = [], ""
    while True:
        page = stub.ListTemplates(
            followup_pb2.ListTemplatesRequest(
                page=common_pb2.PageRequest(page_size=10, page_token=token)
            ),
            metadata=admin,
            timeout=10,
        )
        seen += [(t.name, t.language) for t in page.templates]
        token = page.page.next_page_token
        if not token:
            break
    assert {(n, lang) for n in LETTERS for lang in ("en", "de", "es")} <= set(seen)
    assert len(seen) == len(set(seen))  # no template twice across pages


def test_a_template_with_an_unknown_variable_is_refused_naming_it(channels, admin):
    bad = followup_pb2.Template(
        name="card-blocked",
        language="en",
        purpose=followup_pb2.MESSAGE_PURPOSE_OTHER,
        subject="About {{ case.case_id }}",
        body_text="Dear {{ customer.full_name }},\nyour account {{ customer.account_number }}\n"
        "{% if %}",
    )
    with pytest.raises(grpc.RpcError) as err:
        followup(channels).PutTemplate(
            followup_pb2.PutTemplateRequest(template=bad), metadata=admin, timeout=10
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(err.value)
    assert [v.field for v in violations] == ["template.body_text"]
    assert "line 3" in violations[0].description  # the syntax error, by line

    bad.body_text = "Dear {{ customer.full_name }}, your account {{ customer.account_number }}."
    with pytest.raises(grpc.RpcError) as err:
        followup(channels).PutTemplate(
            followup_pb2.PutTemplateRequest(template=bad), metadata=admin, timeout=10
        )
    (violation,) = field_violations(err.value)
    assert "customer.account_number is not offered" in violation.description


def test_a_template_that_cannot_render_is_refused_when_saved_naming_the_line(channels, admin):
    for body, problem in [
        ("Dear {{ customer.full_name }},\n{% include 'footer.txt' %}", "line 2: {% include %}"),
        ("Dear {{ customer.full_name }},\n{% extends 'letter.txt' %}", "line 2: {% extends %}"),
        ("Dear {{ customer.full_name }},\n{{ case.case_id|shout }}", "line 2: No filter named"),
    ]:
        bad = followup_pb2.Template(
            name="refused-on-save",
            language="en",
            purpose=followup_pb2.MESSAGE_PURPOSE_OTHER,
            subject="About {{ case.case_id }}",
            body_text=body,
        )
        with pytest.raises(grpc.RpcError) as err:
            followup(channels).PutTemplate(
                followup_pb2.PutTemplateRequest(template=bad), metadata=admin, timeout=10
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        (violation,) = field_violations(err.value)
        assert violation.field == "template.body_text"
        assert violation.description.startswith(problem), violation.description


def test_a_heavy_template_is_answered_quickly_and_clearly_while_the_service_serves_others(
    channels, admin
):
    stub = followup(channels)
    case_id = file_complaint(channels, admin, ROWS[2])
    heavy = {
        # Each exponent under the limit; once blocked the service for 87 s.
        "heavy-power": "Dear {{ customer.full_name }},\n{{ (((10**999)**999)**40) > 1 }}",
        "heavy-padding": "Dear {{ customer.full_name }},\n{{ case.case_id|center(30000000) }}",
        # No operation is large, there are just ten billion of them.
        "heavy-loop": "Dear {{ customer.full_name }},\n{% set x = [0] * 100000 %}\n"
        "{% for i in x %}{% for j in x %}{% endfor %}{% endfor %}",
    }
    for name, body in heavy.items():
        stub.PutTemplate(
            followup_pb2.PutTemplateRequest(
                template=followup_pb2.Template(
                    name=name,
                    language="en",
                    purpose=followup_pb2.MESSAGE_PURPOSE_OTHER,
                    subject="About {{ case.case_id }}",
                    body_text=body,
                )
            ),
            metadata=admin,
            timeout=10,
        )
    health = health_pb2_grpc.HealthStub(channels["followup"])
    for name, (line, problem) in {
        "heavy-power": ("line 2", "a number of more than 1,000 digits"),
        "heavy-padding": ("line 2", "center width 30,000,000 is wider than 1,000"),
        "heavy-loop": ("line 3", "takes longer than 2 s to render"),
    }.items():
        started = time.monotonic()
        pending = stub.RenderTemplate.future(
            followup_pb2.RenderTemplateRequest(template_name=name, case_id=case_id),
            metadata=admin,
            timeout=30,
        )
        # Meanwhile the service answers its health check and other requests
        # (a blocked event loop would let these deadlines pass).
        while not pending.done():
            assert (
                health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                == health_pb2.HealthCheckResponse.SERVING
            )
            stub.GetTemplate(
                followup_pb2.GetTemplateRequest(name="acknowledgement", language="en"),
                metadata=admin,
                timeout=5,
            )
            time.sleep(0.1)
        with pytest.raises(grpc.RpcError) as err:
            pending.result()
        # Refused within the render budget and the worker's grace, not after
        # the minutes such a template used to hold the service for.
        assert time.monotonic() - started < 20
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        (violation,) = field_violations(err.value)
        assert violation.field == "body_text"
        assert violation.description.startswith(f"{line}: too much for a letter: ")
        assert problem in violation.description, violation.description


def test_an_administrator_changes_a_letter_and_previews_it_against_a_real_case(channels, admin):
    stub = followup(channels)
    case_id = file_complaint(channels, admin, ROWS[1], preferred_language="es-MX")
    before = stub.GetTemplate(
        followup_pb2.GetTemplateRequest(name="progress_update", language="es"),
        metadata=admin,
        timeout=10,
    ).template
    mine = followup_pb2.Template(
        name="progress_update",
        language="es",
        purpose=followup_pb2.MESSAGE_PURPOSE_PROGRESS_UPDATE,
        subject="Novedades de {{ case.case_id }}",
        body_text="Estimado/a {{ customer.full_name }}: {{ extra.progress }}\n"
        "Respuesta definitiva antes del {{ deadlines.final_response }}.\n",
    )
    stored = stub.PutTemplate(
        followup_pb2.PutTemplateRequest(template=mine), metadata=admin, timeout=10
    ).template
    assert stored.version == before.version + 1
    assert stored.created_by.id == "local-admin"

    # es-MX falls back to es; the preview fills in the case's own values.
    preview = stub.RenderTemplate(
        followup_pb2.RenderTemplateRequest(
            template_name="progress_update",
            case_id=case_id,
            extra={"progress": "Hemos pedido los extractos a su sucursal."},
        ),
        metadata=admin,
        timeout=10,
    )
    assert preview.template_version == stored.version
    assert preview.subject == f"Novedades de {case_id}"
    assert "Alex Kunde" in preview.body_text
    assert "Hemos pedido los extractos" in preview.body_text
    assert " de 20" in preview.body_text  # a Spanish date, e.g. "15 de enero de 2027"

    # The earlier version stays readable.
    old = stub.GetTemplate(
        followup_pb2.GetTemplateRequest(
            name="progress_update", language="es", version=before.version
        ),
        metadata=admin,
        timeout=10,
    ).template
    assert old.body_text == before.body_text

    # A value the template needs and the caller did not give: never a blank.
    with pytest.raises(grpc.RpcError) as err:
        stub.RenderTemplate(
            followup_pb2.RenderTemplateRequest(template_name="progress_update", case_id=case_id),
            metadata=admin,
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "progress" in field_violations(err.value)[0].description

    with pytest.raises(grpc.RpcError) as err:
        stub.RenderTemplate(
            followup_pb2.RenderTemplateRequest(template_name="acknowledgement", case_id="C-999999"),
            metadata=admin,
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_new_complaint_is_acknowledged_by_email_in_the_customers_language(
    platform, channels, admin
):
    case_id = file_complaint(channels, admin, ROWS[2], preferred_language="de")

    (letter,) = eventually(lambda: letters_for(platform, case_id), timeout=30)
    assert letter["Subject"] == f"Wir haben Ihre Beschwerde {case_id} erhalten"
    assert letter["Content-Language"] == "de"
    assert letter["X-Redress-Template"].startswith("acknowledgement/de/v")
    assert letter["From"] == "Redress Demo Bank <complaints@example.com>"
    body = letter.get_content()
    assert "Guten Tag Alex Kunde," in body
    assert "Financial Ombudsman Service" in body  # the FCA regime's referral text

    # Recorded on the case: the message with its attempt, the audit trail,
    # and the case moved on, which stops the acknowledgement clock.
    # (Staff alerts about the case, e.g. an urgent one nobody owns, are
    # messages of the case too: the customer's letter is the one asked for.)
    (message,) = eventually(
        lambda: [
            m
            for m in messages(channels, admin, case_id)
            if m.state == followup_pb2.DELIVERY_STATE_SENT and m.template_name
        ]
    )
    assert message.template_name == "acknowledgement" and message.language == "de"
    assert message.channel == common_pb2.CHANNEL_EMAIL
    assert message.attempts[0].succeeded and message.attempts[0].detail.startswith("250")
    assert letter["Message-ID"] == f"<{message.message_id}@example.com>"
    case = eventually(
        lambda: (c := get_case(channels, admin, case_id)).stage == "acknowledged" and c
    )
    actions = [e.action for e in case.audit_events]
    assert actions.index("message.queued") < actions.index("message.sent")
    sent = next(e for e in case.audit_events if e.action == "message.sent")
    assert sent.actor.id == "followups.acknowledgement"
    ack = next(c for c in case.clocks if c.name == "acknowledgement")
    assert ack.state == common_pb2.CLOCK_STATE_MET


def send_update(channels, admin, case_id: str, progress: str, **fields) -> followup_pb2.Message:  # type: ignore[no-untyped-def]
    """A progress update a person sends by hand, under a new idempotency key."""
    request = followup_pb2.SendMessageRequest(
        idempotency_key=f"update-{uuid.uuid4()}",
        case_id=case_id,
        template_name="progress_update",
        extra={"progress": progress},
        **fields,
    )
    return followup(channels).SendMessage(request, metadata=admin, timeout=30).message


def test_a_letter_waits_out_an_smtp_outage_and_arrives_once(platform, channels, admin):
    case_id = file_complaint(channels, admin, ROWS[3])
    eventually(lambda: mail_for(platform, case_id), timeout=30)  # the acknowledgement

    platform.supervisor.stop(platform.processes.pop("mail"))
    request = followup_pb2.SendMessageRequest(
        idempotency_key=f"update-{uuid.uuid4()}",
        case_id=case_id,
        template_name="progress_update",
        extra={"progress": "We have asked the card network for the transaction records."},
    )
    sent = followup(channels).SendMessage(request, metadata=admin, timeout=30).message
    assert sent.state == followup_pb2.DELIVERY_STATE_QUEUED
    retrying = eventually(
        lambda: (
            (
                m := followup(channels)
                .GetMessage(
                    followup_pb2.GetMessageRequest(message_id=sent.message_id), metadata=admin
                )
                .message
            ).attempts
            and m
        ),
        timeout=30,
    )
    assert retrying.state == followup_pb2.DELIVERY_STATE_RETRYING
    assert not retrying.attempts[0].succeeded
    assert "refused" in retrying.attempts[0].detail.lower()
    # Nothing can have become of a letter the relay never took.
    with pytest.raises(grpc.RpcError) as err:
        report(channels, platform, message_id=sent.message_id, outcome=DELIVERED)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not sent yet" in (err.value.details() or "")

    platform.start_mail()
    delivered = eventually(
        lambda: (
            (
                m := followup(channels)
                .GetMessage(
                    followup_pb2.GetMessageRequest(message_id=sent.message_id), metadata=admin
                )
                .message
            ).state
            == followup_pb2.DELIVERY_STATE_SENT
            and m
        ),
        timeout=60,
    )
    assert delivered.attempts[-1].succeeded

    # The same request again is the same message, and nothing is sent twice.
    again = followup(channels).SendMessage(request, metadata=admin, timeout=30).message
    assert again.message_id == sent.message_id
    copies = [m for m in mail_for(platform, case_id) if m["X-Redress-Message"] == sent.message_id]
    assert len(copies) == 1
    assert "card network" in copies[0].get_content()


def test_a_letter_pending_when_the_followup_service_is_killed_arrives_once(
    platform, channels, admin
):
    case_id = file_complaint(channels, admin, ROWS[4])
    eventually(lambda: mail_for(platform, case_id), timeout=30)  # the acknowledgement
    platform.supervisor.stop(platform.processes.pop("mail"))
    sent = send_update(channels, admin, case_id, "Our fraud team has the chargeback.")
    eventually(lambda: get_message(channels, admin, sent.message_id).attempts, timeout=30)

    # Killed without warning while its delivery workflow is retrying.
    service = platform.processes.pop("followup")
    service.popen.kill()
    service.popen.wait()
    platform.supervisor.stop(service)
    platform.start_mail()
    platform.start_service("followup", followup_env(platform))

    delivered = eventually(
        lambda: (
            (m := get_message(channels, admin, sent.message_id)).state
            == followup_pb2.DELIVERY_STATE_SENT
            and m
        ),
        timeout=90,
    )
    assert [a.succeeded for a in delivered.attempts][-1] and not delivered.attempts[0].succeeded
    copies = [m for m in mail_for(platform, case_id) if m["X-Redress-Message"] == sent.message_id]
    assert len(copies) == 1
    case = eventually(
        lambda: (
            (c := get_case(channels, admin, case_id))
            and [e for e in c.audit_events if e.action == "message.sent"][1:]
            and c
        ),
        timeout=30,
    )
    assert len([e for e in case.audit_events if e.action == "message.sent"]) == 2  # ack + this


def get_message(channels, admin, message_id: str) -> followup_pb2.Message:  # type: ignore[no-untyped-def]
    return (
        followup(channels)
        .GetMessage(followup_pb2.GetMessageRequest(message_id=message_id), metadata=admin)
        .message
    )


def test_german_and_spanish_complaints_filed_without_a_language_are_filed_and_answered_in_it(
    platform, channels, admin
):
    from tests.unit.test_complaint_languages import GERMAN, SPANISH

    filed = {}
    for language, category, text, name in (
        ("de", "fees_and_charges", GERMAN["fees_and_charges"], "Jana Becker"),
        ("es", "fraud_and_scams", SPANISH["fraud_and_scams"], "Lucía Fernández"),
    ):
        request = intake_pb2.SubmitComplaintRequest(
            idempotency_key=f"languages-{uuid.uuid4()}",
            channel=common_pb2.CHANNEL_WEB,
            # No language stated, no product: only the narrative says either.
            customer=common_pb2.Customer(full_name=name, email=f"{uuid.uuid4().hex[:8]}@mail.test"),
            narrative=text,
            regime=common_pb2.REGIME_EU_PSD2,
        )
        filed[language] = (submit(channels, admin, request).case_id, category)

    for language, (case_id, category) in filed.items():
        case = get_case(channels, admin, case_id)
        assert case.customer.preferred_language == language
        assert case.category == category

        # The receipt's entries are recorded just after the case is stored.
        def detected_on(c: str = case_id) -> cases_pb2.Case | None:
            found = get_case(channels, admin, c)
            actions = {e.action for e in found.audit_events}
            return found if "customer.language_detected" in actions else None

        case = eventually(detected_on)
        (detected,) = [e for e in case.audit_events if e.action == "customer.language_detected"]
        assert detected.field == "customer.preferred_language"
        assert language in detected.new_value and detected.actor.id == "intake"
        assert "confidence (lingua-language-detector" in detected.cause
        confidence = int(re.search(r"with (\d+)% confidence", detected.cause)[1])  # type: ignore[index]
        assert confidence >= 90
        (classified,) = [e for e in case.audit_events if e.action == "case.classified"]
        assert classified.actor.id.endswith(f"-{language}")

    # Each acknowledgement is in the language the customer wrote in.
    german_id, _ = filed["de"]
    (letter,) = eventually(lambda: mail_for(platform, german_id), timeout=30)
    assert letter["Content-Language"] == "de"
    assert letter["Subject"] == f"Wir haben Ihre Beschwerde {german_id} erhalten"
    assert "Guten Tag Jana Becker," in letter.get_content()
    spanish_id, _ = filed["es"]
    (carta,) = eventually(lambda: letters_for(platform, spanish_id), timeout=30)
    assert carta["Content-Language"] == "es"
    assert carta["Subject"] == f"Hemos recibido su reclamación {spanish_id}"
    assert "Estimado/a Lucía Fernández:" in carta.get_content()
    assert get_case(channels, admin, spanish_id).priority == common_pb2.PRIORITY_HIGH


def test_the_last_reminder_gives_its_closing_date_as_a_letter_writes_dates(channels, admin):
    case_id = file_complaint(channels, admin, ROWS[2], preferred_language="de")
    for language, written in (
        ("de", "Wenn wir bis zum 22. Juni 2027 nichts von Ihnen hören"),
        ("es", "a más tardar el 22 de junio de 2027, cerraremos"),
        ("en", "If we do not hear from you by 22 June 2027, we will close"),
    ):
        preview = followup(channels).RenderTemplate(
            followup_pb2.RenderTemplateRequest(
                template_name="reminder",
                language=language,
                case_id=case_id,
                extra={"close_after": "2027-06-22"},
            ),
            metadata=admin,
            timeout=10,
        )
        assert written in preview.body_text
        assert "2027-06-22" not in preview.body_text


def _refusal(call) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    return {v.field: v.description for v in field_violations(err.value)}


def test_a_request_for_information_asks_its_sender_for_the_question_in_their_words(
    platform, channels, admin
):
    stub = followup(channels)
    case_id = file_complaint(channels, admin, ROWS[3], preferred_language="de")
    template = stub.GetTemplate(
        followup_pb2.GetTemplateRequest(name="request_for_information", language="de"),
        metadata=admin,
        timeout=10,
    ).template
    (ask,) = template.asks
    assert (ask.name, ask.required, ask.kind) == ("question", True, "paragraph")
    assert ask.labels["en"] == "the question to ask the customer"
    assert ask.labels["de"] == "die Frage an die Kundin oder den Kunden"
    listed = stub.ListTemplates(followup_pb2.ListTemplatesRequest(), metadata=admin, timeout=10)
    holding = next(t for t in listed.templates if t.name == "holding_response")
    assert [(a.name, a.required, a.kind) for a in holding.asks] == [
        ("reason", False, "paragraph"),
        ("expected_by", False, "date"),
    ]

    # Without the question: refused on that value, in the words of its label.
    missing = {"extra.question": "the question to ask the customer is required"}
    assert (
        _refusal(
            lambda: stub.RenderTemplate(
                followup_pb2.RenderTemplateRequest(
                    template_name="request_for_information", case_id=case_id
                ),
                metadata=admin,
                timeout=10,
            )
        )
        == missing
    )
    send = followup_pb2.SendMessageRequest(
        idempotency_key=uuid.uuid4().hex, case_id=case_id, template_name="request_for_information"
    )
    assert _refusal(lambda: stub.SendMessage(send, metadata=admin, timeout=10)) == missing
    later = timestamp_in(timedelta(days=2))
    assert (
        _refusal(
            lambda: stub.ScheduleFollowup(
                followup_pb2.ScheduleFollowupRequest(
                    case_id=case_id, template_name="request_for_information", send_at=later
                ),
                metadata=admin,
                timeout=10,
            )
        )
        == missing
    )
    # A date given as something else is named too.
    assert _refusal(
        lambda: stub.RenderTemplate(
            followup_pb2.RenderTemplateRequest(
                template_name="holding_response", case_id=case_id, extra={"expected_by": "soon"}
            ),
            metadata=admin,
            timeout=10,
        )
    ) == {"extra.expected_by": "when we expect to reply in full: a date such as 2027-06-22"}

    # With it, the letter goes out in the customer's language with the question.
    send.extra["question"] = "Bitte senden Sie uns den Kontoauszug für Juli 2023."
    sent = stub.SendMessage(send, metadata=admin, timeout=10).message
    assert sent.language == "de"
    assert "Bitte senden Sie uns den Kontoauszug für Juli 2023." in sent.body_text

    # An administrator's letter reading a value it does not declare: named as
    # the value, never as a Python attribute.
    stub.PutTemplate(
        followup_pb2.PutTemplateRequest(
            template=followup_pb2.Template(
                name="account_check",
                language="en",
                purpose=followup_pb2.MESSAGE_PURPOSE_OTHER,
                subject="About {{ case.case_id }}",
                body_text="Please confirm the account ending {{ extra.account_ending }}.\n",
            )
        ),
        metadata=admin,
        timeout=10,
    )
    undeclared = _refusal(
        lambda: stub.RenderTemplate(
            followup_pb2.RenderTemplateRequest(template_name="account_check", case_id=case_id),
            metadata=admin,
            timeout=10,
        )
    )
    assert undeclared == {
        "extra.account_ending": "this letter uses a value named 'account_ending': give it in extra"
    }
    # Declaring it makes it asked for, by its label.
    stub.PutTemplate(
        followup_pb2.PutTemplateRequest(
            template=followup_pb2.Template(
                name="account_check",
                language="en",
                purpose=followup_pb2.MESSAGE_PURPOSE_OTHER,
                subject="About {{ case.case_id }}",
                body_text="Please confirm the account ending {{ extra.account_ending }}.\n",
                asks=[
                    followup_pb2.AskedValue(
                        name="account_ending",
                        labels={"en": "the last four digits of the account"},
                        required=True,
                    )
                ],
            )
        ),
        metadata=admin,
        timeout=10,
    )
    assert _refusal(
        lambda: stub.RenderTemplate(
            followup_pb2.RenderTemplateRequest(template_name="account_check", case_id=case_id),
            metadata=admin,
            timeout=10,
        )
    ) == {"extra.account_ending": "the last four digits of the account is required"}
    # A declaration that cannot be asked is refused when saved.
    bad = _refusal(
        lambda: stub.PutTemplate(
            followup_pb2.PutTemplateRequest(
                template=followup_pb2.Template(
                    name="account_check",
                    language="en",
                    purpose=followup_pb2.MESSAGE_PURPOSE_OTHER,
                    subject="About {{ case.case_id }}",
                    body_text="Hello\n",
                    asks=[followup_pb2.AskedValue(name="Bad Name", kind="colour")],
                )
            ),
            metadata=admin,
            timeout=10,
        )
    )
    assert set(bad) == {"template.asks[0].name", "template.asks[0].labels", "template.asks[0].kind"}


def test_the_cli_asks_for_what_a_letter_needs_and_sends_it(
    platform, channels, admin, capsys, monkeypatch
):
    from redress.cli import main as cli

    case_id = file_complaint(channels, admin, ROWS[4], preferred_language="es")
    common = [
        "--api-key",
        platform.credentials.admin_key,
        "--followup-address",
        platform.address("followup"),
    ]
    assert cli([*common, "template", "show", "request_for_information"]) == 0
    shown = capsys.readouterr().out
    assert (
        "# asks for --value question=…  the question to ask the customer (required, paragraph)"
        in shown
    )

    # No one at the terminal: stopped before sending, the value named.
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli([*common, "letter", "send", case_id, "request_for_information"]) == 2
    said = capsys.readouterr().err
    assert (
        "the question to ask the customer is required: give it with --value question=TEXT" in said
    )
    assert "Traceback" not in said and "_Namespace" not in said

    # At a terminal it asks, by the label, and sends.
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("¿Con qué tarjeta pagó el 12 de marzo?\n\n"))
    assert cli([*common, "letter", "send", case_id, "request_for_information"]) == 0
    out, err = capsys.readouterr()
    assert "the question to ask the customer (end with an empty line):" in err
    assert "request_for_information (es) to" in out
    sent = [
        m
        for m in messages(channels, admin, case_id)
        if m.template_name == "request_for_information"
    ]
    assert len(sent) == 1 and "¿Con qué tarjeta pagó el 12 de marzo?" in sent[0].body_text

    # Given on the command line, the preview shows it in the letter.
    assert (
        cli(
            [
                *common,
                "letter",
                "preview",
                case_id,
                "holding_response",
                "--value",
                "expected_by=2027-06-22",
            ]
        )
        == 0
    )
    assert "a más tardar el 22 de junio de 2027" in capsys.readouterr().out


def timestamp_in(delta: timedelta):  # type: ignore[no-untyped-def]
    from google.protobuf.timestamp_pb2 import Timestamp

    ts = Timestamp()
    ts.FromDatetime(datetime.now(UTC) + delta)
    return ts


def test_send_message_names_every_bad_field(channels, admin):
    with pytest.raises(grpc.RpcError) as err:
        followup(channels).SendMessage(
            followup_pb2.SendMessageRequest(case_id="12", template_name="No Such"),
            metadata=admin,
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {
        "idempotency_key",
        "case_id",
        "template_name",
    }


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    r = Receiver(secret="s3cret-shared-with-the-crm")
    yield r
    r.stop()


def create_webhook(channels, admin, url: str, secret: str, types=()):  # type: ignore[no-untyped-def]
    return (
        followup(channels)
        .CreateWebhook(
            followup_pb2.CreateWebhookRequest(
                webhook=followup_pb2.Webhook(name="CRM", url=url, event_types=list(types)),
                secret=secret,
            ),
            metadata=admin,
            timeout=10,
        )
        .webhook
    )


def test_every_case_event_reaches_the_crm_once_in_order_despite_failures(
    platform, channels, admin, receiver
):
    hook = create_webhook(channels, admin, receiver.url, receiver.secret)
    case_ids = [file_complaint(channels, admin, row) for row in ROWS[4:6]]
    first, second = case_ids
    cases(channels).AssignCase(
        cases_pb2.AssignCaseRequest(case_id=first, assignee="sam", team="complaints"),
        metadata=admin,
        timeout=30,
    )
    cases(channels).RecordOutcome(
        cases_pb2.RecordOutcomeRequest(
            case_id=first,
            decision=cases_pb2.DECISION_UPHELD,
            root_cause=Policy.load_default().root_causes[0],
            summary="We refunded the fee and corrected your statement.",
            redress=common_pb2.Money(currency="GBP", minor_units=2500),
        ),
        metadata=admin,
        timeout=30,
    )
    cases(channels).ResolveCase(
        cases_pb2.ResolveCaseRequest(case_id=first, reason="refunded"),
        metadata=admin,
        timeout=30,
    )
    cases(channels).CloseCase(
        cases_pb2.CloseCaseRequest(case_id=first, reason="customer accepted the refund"),
        metadata=admin,
        timeout=30,
    )
    cases(channels).ReopenCase(
        cases_pb2.ReopenCaseRequest(case_id=first, reason="the fee was charged again"),
        metadata=admin,
        timeout=30,
    )
    cases(channels).ChangePriority(
        cases_pb2.ChangePriorityRequest(
            case_id=second, priority=common_pb2.PRIORITY_LOW, reason="fee already refunded"
        ),
        metadata=admin,
        timeout=30,
    )

    def types_for(case_id: str) -> list[str]:
        return [e["event_type"] for e in receiver.for_case(case_id)]

    wanted = {
        "case.created",
        "case.assigned",
        "case.outcome_recorded",
        "case.resolved",
        "case.closed",
        "case.reopened",
        "message.sent",
    }
    eventually(lambda: wanted <= set(types_for(first)), 60)
    # The final response (FCA: a summary resolution inside three business days
    # is the same letter family) went out by email too.
    eventually(
        lambda: any(
            m["X-Redress-Template"].split("/")[0] in ("final_response", "summary_resolution")
            for m in mail_for(platform, first)
        ),
        60,
    )

    def lowered() -> list[dict[str, Any]]:
        return [
            e
            for e in receiver.for_case(second)
            if e["event_type"] == "case.priority_changed"
            and e["change"]["cause"] == "fee already refunded"
        ]

    eventually(lambda: lowered() and "message.sent" in types_for(second), 60)

    # What the CRM received is exactly what the delivery log says was
    # delivered: every event of these cases, none missing, none extra.
    def settled() -> list[followup_pb2.Delivery]:
        mine = [d for d in deliveries_of(channels, admin, hook.webhook_id) if d.case_id in case_ids]
        received = {e["event_id"] for c in case_ids for e in receiver.for_case(c)}
        done = all(d.state == followup_pb2.DELIVERY_STATE_DELIVERED for d in mine)
        return mine if done and received == {d.event_id for d in mine} else []

    deliveries = eventually(settled, timeout=60)
    assert receiver.bad_signatures == 0
    for case_id in case_ids:
        events = receiver.for_case(case_id)
        ids = [e["event_id"] for e in events]
        assert len(ids) == len(set(ids)), "an event arrived twice"
        assert set(ids) == {d.event_id for d in deliveries if d.case_id == case_id}
        sequences = [e["sequence"] for e in events]
        assert sequences == sorted(sequences), "events of a case arrived out of order"
        assert events[0]["event_type"] == "case.created"
        assert all(e["schema"] == "redress.case-event/1" for e in events)
    lifecycle = [
        t for t in types_for(first) if t in ("case.resolved", "case.closed", "case.reopened")
    ]
    assert lifecycle == ["case.resolved", "case.closed", "case.reopened"]
    assert [e["change"]["new"] for e in lowered()] == ["low"]
    # Some events were refused at first and delivered on a later attempt.
    assert any(n > 1 for n in receiver.tries.values())
    retried = [d for d in deliveries if len(d.attempts) > 1]
    assert retried and all(
        d.state == followup_pb2.DELIVERY_STATE_DELIVERED and d.attempts[-1].succeeded
        for d in retried
    )
    assert retried[0].attempts[0].detail == "HTTP 503"
    followup(channels).DisableWebhook(
        followup_pb2.DisableWebhookRequest(webhook_id=hook.webhook_id), metadata=admin
    )


def restart_followup(platform: LocalPlatform, **settings: str) -> None:
    """Restarts the platform's follow-up service with `settings` added to its
    test settings (none: back to those)."""
    platform.supervisor.stop(platform.processes.pop("followup"))
    platform.start_service("followup", {**followup_env(platform), **settings})


WEBHOOK_ADMINS = "integrations@bank.test"


def test_a_failing_receiver_is_disabled_with_an_alert_and_redelivered_once_repaired(
    platform, channels, admin
):
    restart_followup(platform, REDRESS_ADMIN_ALERTS_TO=WEBHOOK_ADMINS)
    broken = Receiver(secret="another-secret-of-16+", always_fail=True)
    try:
        hook = create_webhook(channels, admin, broken.url, broken.secret, ["case.created"])
        for row in ROWS[6:9]:
            file_complaint(channels, admin, row)

        def disabled() -> bool:
            hooks = followup(channels).ListWebhooks(
                followup_pb2.ListWebhooksRequest(), metadata=admin
            )
            return not next(h for h in hooks.webhooks if h.webhook_id == hook.webhook_id).enabled

        eventually(disabled, timeout=90)
        failed = (
            followup(channels)
            .ListDeliveries(
                followup_pb2.ListDeliveriesRequest(
                    webhook_id=hook.webhook_id, state=followup_pb2.DELIVERY_STATE_FAILED
                ),
                metadata=admin,
            )
            .deliveries
        )
        assert len(failed) >= 2
        assert "given up after" in failed[0].attempts[-1].detail

        # The administrators hear of it once, by email, with what to do.
        def to_admins() -> list[EmailMessage]:
            return [m for m in mail(platform) if m["To"] == WEBHOOK_ADMINS]

        (alert,) = eventually(to_admins, timeout=30)
        assert alert["Subject"] == f"[Redress] Webhook CRM ({hook.webhook_id}) was disabled"
        body = alert.get_content()
        # Three complaints' deliveries fail at once: the webhook is disabled at
        # the second or third given up, and the alert names the count it had.
        given_up = re.search(r"disabled after (\d+) deliveries in a row were given up", body)
        assert given_up, body
        assert 2 <= int(given_up[1]) <= len(failed)
        assert "; last: HTTP 503" in body
        assert "Repair the receiver, then redeliver its failed deliveries." in body

        broken.always_fail = False
        followup(channels).RedeliverEvent(
            followup_pb2.RedeliverEventRequest(delivery_id=failed[0].delivery_id), metadata=admin
        )
        eventually(lambda: any(e["event_id"] == failed[0].event_id for e in broken.accepted), 60)
        hooks = followup(channels).ListWebhooks(followup_pb2.ListWebhooksRequest(), metadata=admin)
        assert next(h for h in hooks.webhooks if h.webhook_id == hook.webhook_id).enabled
        followup(channels).DisableWebhook(
            followup_pb2.DisableWebhookRequest(webhook_id=hook.webhook_id), metadata=admin
        )
        assert len(to_admins()) == 1
    finally:
        broken.stop()
        restart_followup(platform)


def test_a_webhook_gets_only_the_event_types_it_subscribes_to(platform, channels, admin):
    created = Receiver(secret="created-only-secret-16")
    alerts = Receiver(secret="staff-alerts-secret-16")
    hooks: list[followup_pb2.Webhook] = []
    try:
        created_hook = create_webhook(
            channels, admin, created.url, created.secret, ["case.created"]
        )
        hooks.append(created_hook)
        alerts_hook = create_webhook(channels, admin, alerts.url, alerts.secret, ["staff.alert"])
        hooks.append(alerts_hook)
        case_id = file_complaint(channels, admin, ROWS[3])
        cases(channels).AssignCase(
            cases_pb2.AssignCaseRequest(
                case_id=case_id, assignee="dana", team="disputes", reason="card disputes"
            ),
            metadata=admin,
            timeout=30,
        )
        cases(channels).ChangePriority(
            cases_pb2.ChangePriorityRequest(
                case_id=case_id, priority=common_pb2.PRIORITY_URGENT, reason="customer is unwell"
            ),
            metadata=admin,
            timeout=30,
        )

        # The chat bridge gets the staff alerts: dana and lena on assignment,
        # both again on urgency. (Rules may alert others on receipt.)
        def summaries() -> list[tuple[str, str]]:
            return sorted(
                (e["alert"]["recipient"], e["alert"]["summary"])
                for e in alerts.for_case(case_id)
                if e["alert"]["recipient"] in ("dana", "lena")
            )

        expected = sorted(
            [
                ("dana", f"Case {case_id} was assigned to you"),
                ("lena", f"Case {case_id} was assigned to team disputes"),
                ("dana", f"Case {case_id} is now urgent priority"),
                ("lena", f"Case {case_id} is now urgent priority"),
            ]
        )
        eventually(lambda: summaries() == expected, timeout=60)
        assert {e["event_type"] for e in alerts.accepted} == {"staff.alert"}
        (urgent,) = [
            e
            for e in alerts.for_case(case_id)
            if e["alert"]["recipient"] == "dana" and "urgent" in e["alert"]["summary"]
        ]
        assert urgent["alert"]["cause_event"] == "case.priority_changed"
        assert urgent["alert"]["detail"] == "customer is unwell"

        # The case's acknowledgement went out: its message.sent event was
        # raised, and the case.created-only webhook still got nothing but that.
        eventually(
            lambda: any(
                e.action == "message.sent" for e in get_case(channels, admin, case_id).audit_events
            ),
            timeout=30,
        )
        (event,) = eventually(lambda: created.for_case(case_id), timeout=30)
        assert event["event_type"] == "case.created"
        assert {e["event_type"] for e in created.accepted} == {"case.created"}
        logged = deliveries_of(channels, admin, created_hook.webhook_id)
        assert {d.event_type for d in logged} == {"case.created"}
        assert {d.event_type for d in deliveries_of(channels, admin, alerts_hook.webhook_id)} == {
            "staff.alert"
        }
        assert created.bad_signatures == alerts.bad_signatures == 0
    finally:
        for hook in hooks:
            followup(channels).DisableWebhook(
                followup_pb2.DisableWebhookRequest(webhook_id=hook.webhook_id), metadata=admin
            )
        created.stop()
        alerts.stop()


def test_webhook_settings_are_checked_field_by_field(channels, admin):
    with pytest.raises(grpc.RpcError) as err:
        followup(channels).CreateWebhook(
            followup_pb2.CreateWebhookRequest(
                webhook=followup_pb2.Webhook(
                    name="", url="http://crm.example.com/hook", event_types=["case.exploded"]
                ),
                secret="short",
            ),
            metadata=admin,
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {
        "webhook.name",
        "webhook.url",
        "webhook.event_types[0]",
        "secret",
    }


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://0xa9fea9fe/",
        "https://[::ffff:169.254.169.254]/",
        "https://10.0.0.5:6379/",
        "https://192.168.1.1/",
        "https://[fe80::1]/",
        "https://0.0.0.0:8080/",
    ],
)
def test_a_webhook_to_a_non_public_address_is_refused(channels, admin, url):
    """The test platform allows loopback only (FOLLOWUP_TEST_ENV)."""
    with pytest.raises(grpc.RpcError) as err:
        create_webhook(channels, admin, url, "s3cret-shared-with-the-crm")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {"webhook.url"}


def deliveries_of(channels, admin, webhook_id: str) -> list[followup_pb2.Delivery]:  # type: ignore[no-untyped-def]
    return list(
        followup(channels)
        .ListDeliveries(
            followup_pb2.ListDeliveriesRequest(
                webhook_id=webhook_id, page=common_pb2.PageRequest(page_size=500)
            ),
            metadata=admin,
            timeout=10,
        )
        .deliveries
    )


def test_events_raised_while_a_webhook_is_disabled_arrive_once_in_order_after_reenabling(
    channels, admin, receiver
):
    wanted = ("case.created", "case.assigned", "case.priority_changed")
    hook = create_webhook(channels, admin, receiver.url, receiver.secret, wanted)
    case_ids = [file_complaint(channels, admin, row) for row in ROWS[9:11]]

    def types_for(case_id: str) -> list[str]:
        return [e["event_type"] for e in receiver.for_case(case_id)]

    for case_id in case_ids:
        eventually(lambda c=case_id: "case.created" in types_for(c), timeout=60)
    before = {c: len(receiver.for_case(c)) for c in case_ids}

    followup(channels).DisableWebhook(
        followup_pb2.DisableWebhookRequest(webhook_id=hook.webhook_id), metadata=admin
    )
    for case_id in case_ids:
        cases(channels).AssignCase(
            cases_pb2.AssignCaseRequest(case_id=case_id, assignee="sam", team="complaints"),
            metadata=admin,
            timeout=30,
        )
        cases(channels).ChangePriority(
            cases_pb2.ChangePriorityRequest(
                case_id=case_id, priority=common_pb2.PRIORITY_LOW, reason="fee already refunded"
            ),
            metadata=admin,
            timeout=30,
        )

    # Recorded while disabled, and held back.
    def waiting() -> list[followup_pb2.Delivery]:
        queued = [
            d
            for d in deliveries_of(channels, admin, hook.webhook_id)
            if d.state == followup_pb2.DELIVERY_STATE_QUEUED
        ]
        raised = {(d.case_id, d.event_type) for d in queued}
        return queued if raised >= {(c, t) for c in case_ids for t in wanted[1:]} else []

    queued = eventually(waiting, timeout=60)
    assert {c: len(receiver.for_case(c)) for c in case_ids} == before

    # Redelivering one of them enables the webhook; every case's waiting
    # events go, not only that one's.
    first_assigned = next(
        d for d in queued if d.case_id == case_ids[0] and d.event_type == "case.assigned"
    )
    followup(channels).RedeliverEvent(
        followup_pb2.RedeliverEventRequest(delivery_id=first_assigned.delivery_id),
        metadata=admin,
        timeout=30,
    )

    def all_delivered() -> list[followup_pb2.Delivery]:
        mine = [d for d in deliveries_of(channels, admin, hook.webhook_id) if d.case_id in case_ids]
        done = all(d.state == followup_pb2.DELIVERY_STATE_DELIVERED for d in mine)
        return mine if done else []

    delivered = eventually(all_delivered, timeout=60)
    assert receiver.bad_signatures == 0
    for case_id in case_ids:
        events = receiver.for_case(case_id)
        ids = [e["event_id"] for e in events]
        assert len(ids) == len(set(ids)), "an event arrived twice"
        assert set(ids) == {d.event_id for d in delivered if d.case_id == case_id}
        sequences = [e["sequence"] for e in events]
        assert sequences == sorted(sequences), "events of a case arrived out of order"
        after = [e["event_type"] for e in events[before[case_id] :]]
        assert set(after) == {"case.assigned", "case.priority_changed"}
        assert after[-1] == "case.priority_changed"
    followup(channels).DisableWebhook(
        followup_pb2.DisableWebhookRequest(webhook_id=hook.webhook_id), metadata=admin
    )


def test_an_idempotency_key_reused_for_another_message_is_refused(channels, admin):
    case_id = file_complaint(channels, admin, ROWS[11])
    request = followup_pb2.SendMessageRequest(
        idempotency_key=f"update-{uuid.uuid4()}",
        case_id=case_id,
        template_name="progress_update",
        extra={"progress": "We have written to the merchant."},
    )
    sent = followup(channels).SendMessage(request, metadata=admin, timeout=30).message
    again = followup(channels).SendMessage(request, metadata=admin, timeout=30).message
    assert again.message_id == sent.message_id

    other = followup_pb2.SendMessageRequest()
    other.CopyFrom(request)
    other.extra["progress"] = "The merchant has refunded you."
    with pytest.raises(grpc.RpcError) as err:
        followup(channels).SendMessage(other, metadata=admin, timeout=30)
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert sent.message_id in (err.value.details() or "")
    assert "use a new key" in (err.value.details() or "")

    updates = [
        m for m in messages(channels, admin, case_id) if m.template_name == "progress_update"
    ]
    assert [m.message_id for m in updates] == [sent.message_id]
    assert "written to the merchant" in updates[0].body_text


def schedule(  # type: ignore[no-untyped-def]
    channels, admin, case_id: str, template: str, at: datetime, **extra: str
) -> followup_pb2.ScheduleFollowupResponse:
    request = followup_pb2.ScheduleFollowupRequest(
        case_id=case_id, template_name=template, extra=extra, reason="promised on the phone"
    )
    request.send_at.FromDatetime(at)
    return followup(channels).ScheduleFollowup(request, metadata=admin, timeout=30)


def test_a_scheduled_followup_is_sent_at_its_time_and_a_cancelled_one_never(
    platform, channels, admin
):
    case_id = file_complaint(channels, admin, ROWS[0], preferred_language="de")
    eventually(lambda: mail_for(platform, case_id), timeout=30)  # the acknowledgement

    # A letter that does not exist in the customer's language is refused now,
    # not when it is due.
    name = f"fee-review-{uuid.uuid4().hex[:8]}"
    followup(channels).PutTemplate(
        followup_pb2.PutTemplateRequest(
            template=followup_pb2.Template(
                name=name,
                language="es",
                purpose=followup_pb2.MESSAGE_PURPOSE_OTHER,
                subject="Su reclamación {{ case.case_id }}",
                body_text="Estimado/a {{ customer.full_name }}:\n",
            )
        ),
        metadata=admin,
        timeout=10,
    )
    with pytest.raises(grpc.RpcError) as err:
        schedule(channels, admin, case_id, name, datetime.now(UTC) + timedelta(minutes=5))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    (violation,) = field_violations(err.value)
    assert violation.field == "template_name"
    assert "no template in de or en, only in es" in violation.description

    due = datetime.now(UTC) + timedelta(seconds=6)
    kept = schedule(
        channels, admin, case_id, "progress_update", due, progress="Die Erstattung ist veranlasst."
    )
    dropped_due = datetime.now(UTC) + timedelta(seconds=8)
    dropped = schedule(
        channels,
        admin,
        case_id,
        "progress_update",
        dropped_due,
        progress="Dieser Brief wurde storniert.",
    )
    assert kept.followup_id.startswith(f"{case_id}-F") and dropped.followup_id != kept.followup_id
    followup(channels).CancelFollowup(
        followup_pb2.CancelFollowupRequest(
            case_id=case_id, followup_id=dropped.followup_id, reason="told on the phone instead"
        ),
        metadata=admin,
        timeout=30,
    )

    def updates() -> list[EmailMessage]:
        return [
            m
            for m in letters_for(platform, case_id)
            if m["X-Redress-Template"].startswith("progress_update/")
        ]

    (letter,) = eventually(updates, timeout=60)
    assert letter["Subject"] == f"Zwischenstand zu Ihrer Beschwerde {case_id}"
    assert "Die Erstattung ist veranlasst." in letter.get_content()
    (message,) = eventually(
        lambda: [
            m
            for m in messages(channels, admin, case_id)
            if m.template_name == "progress_update" and m.state == followup_pb2.DELIVERY_STATE_SENT
        ],
        timeout=30,
    )
    assert message.created_at.ToDatetime(UTC) >= due  # at its time, not before
    assert letter["Message-ID"] == f"<{message.message_id}@example.com>"

    # The cancelled one's time passes without a letter.
    time.sleep(max(0.0, (dropped_due - datetime.now(UTC)).total_seconds()) + 4)
    assert len(updates()) == 1
    assert [m.template_name for m in messages(channels, admin, case_id)].count(
        "progress_update"
    ) == 1

    case = eventually(
        lambda: (
            (c := get_case(channels, admin, case_id))
            and len([e for e in c.audit_events if e.action == "message.sent"]) >= 2
            and c
        ),
        timeout=30,
    )
    actions = [e.action for e in case.audit_events]
    assert actions.count("followup.scheduled") == 2
    (cancelled,) = [e for e in case.audit_events if e.action == "followup.cancelled"]
    assert cancelled.field == f"followups.{dropped.followup_id}"
    assert cancelled.cause == "told on the phone instead"
    assert any(
        e.action == "message.queued" and e.cause == "scheduled by local-admin"
        for e in case.audit_events
    )


# ------------------------------------------------- the firm's SMTP relay, over STARTTLS


@pytest.fixture(scope="module")
def relay_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    """A certificate for 127.0.0.1 from a certificate authority made here:
    (the relay's TLS context, the authority's certificate to trust)."""
    directory = tmp_path_factory.mktemp("relay-pki")
    ca = make_ca(directory, "relay-ca")
    server = issue(directory, ca, "relay", "IP:127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server.cert, server.key)
    return context, ca.cert


RELAY_LOGIN = ("redress-mailer", "correct horse battery staple")


def relay_settings(inbox: Inbox, ca: Path, password: str = RELAY_LOGIN[1]) -> SmtpSettings:
    return SmtpSettings(
        "127.0.0.1", inbox.port, "starttls", RELAY_LOGIN[0], password,
        "complaints@bank.test", 10.0, str(ca),
    )  # fmt: skip


def alert_through(platform: LocalPlatform, smtp: SmtpSettings) -> str:
    """Sends a staff alert through `smtp` from a follow-up worker of its own,
    until its delivery ends; the alert's message id."""

    async def scenario() -> str:
        client = await Client.connect(f"127.0.0.1:{platform.ports.temporal}")
        async with followup_messenger(client, f"relay-{uuid.uuid4()}", platform, smtp) as m:
            message, _ = await m.queue_staff_alert(
                idempotency_key=f"relay-test/{uuid.uuid4()}",
                case_id="",
                recipient="ops@bank.test",
                summary="The overnight statement run finished late",
                detail="",
                actor="local-admin",
            )
            while True:
                row = await asyncio.to_thread(m.store.get_message, message.message_id)
                if row is not None and row.state not in ("queued", "retrying"):
                    return message.message_id
                await asyncio.sleep(0.25)

    return asyncio.run(asyncio.wait_for(scenario(), timeout=60))


def test_email_goes_to_the_relay_over_starttls_with_the_configured_login(
    platform, channels, admin, relay_tls
):
    context, ca = relay_tls
    inbox = Inbox(tls=context, logins=dict([RELAY_LOGIN]))
    inbox.start()
    try:
        message = get_message(channels, admin, alert_through(platform, relay_settings(inbox, ca)))
    finally:
        inbox.stop()
    assert message.state == followup_pb2.DELIVERY_STATE_SENT
    assert message.attempts[-1].detail.startswith("250")
    (arrival,) = inbox.arrivals
    assert arrival == Arrival(over_tls=True, login=RELAY_LOGIN[0])
    (received,) = inbox.messages
    assert received["Subject"] == "[Redress] The overnight statement run finished late"
    assert received["Message-ID"] == f"<{message.message_id}@bank.test>"


def test_a_wrong_relay_password_is_named_on_the_message_until_it_is_given_up(
    platform, channels, admin, relay_tls
):
    context, ca = relay_tls
    inbox = Inbox(tls=context, logins=dict([RELAY_LOGIN]))
    inbox.start()
    try:
        smtp = relay_settings(inbox, ca, password="Tr0ub4dor&3")
        message = get_message(channels, admin, alert_through(platform, smtp))
    finally:
        inbox.stop()
    assert not inbox.messages
    assert message.state == followup_pb2.DELIVERY_STATE_FAILED
    tries = message.attempts[:-1]
    assert len(tries) == QUICK.message_backoff.max_attempts  # retried: settings can be fixed
    for attempt in tries:
        assert not attempt.succeeded
        assert attempt.detail.startswith(
            f"the mail server refused the login of '{RELAY_LOGIN[0]}': 535"
        )
        assert "check REDRESS_SMTP_USERNAME and REDRESS_SMTP_PASSWORD" in attempt.detail
    assert message.attempts[-1].detail.startswith(f"given up after {len(tries)} attempts")


def test_a_5xx_answer_from_the_relay_fails_the_message_at_once_with_the_answer(
    platform, channels, admin, relay_tls
):
    context, ca = relay_tls
    refusal = "550 5.1.1 <ops@bank.test>: Recipient address rejected"
    inbox = Inbox(tls=context, logins=dict([RELAY_LOGIN]), refuse=refusal)
    inbox.start()
    try:
        message = get_message(channels, admin, alert_through(platform, relay_settings(inbox, ca)))
    finally:
        inbox.stop()
    assert not inbox.messages
    assert message.state == followup_pb2.DELIVERY_STATE_FAILED
    first, given_up = message.attempts  # a 5xx is final: no second try
    assert not first.succeeded and first.detail == refusal
    assert given_up.detail == f"given up after 1 attempts; last: {refusal}"


# ------------------------------------------------- sent, then delivered or bounced


def message_trail(channels, admin, case_id: str, message_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The message.* actions on the case's audit trail for one message, in order."""
    return [
        e.action
        for e in get_case(channels, admin, case_id).audit_events
        if e.field == f"messages.{message_id}"
    ]


def test_a_sent_email_becomes_delivered_or_bounced_as_the_mail_gateway_reports(
    platform, channels, admin
):
    case_id = file_complaint(channels, admin, ROWS[1])
    (letter,) = eventually(lambda: mail_for(platform, case_id), timeout=30)
    # Accepted by the relay is "sent", not yet "delivered".
    (ack,) = eventually(
        lambda: [
            m
            for m in messages(channels, admin, case_id)
            if m.template_name == "acknowledgement" and m.state == followup_pb2.DELIVERY_STATE_SENT
        ],
        timeout=30,
    )
    assert ack.attempts[-1].detail.startswith("250")
    sent_only = followup(channels).ListMessages(
        followup_pb2.ListMessagesRequest(case_id=case_id, state=followup_pb2.DELIVERY_STATE_SENT),
        metadata=admin,
        timeout=10,
    )
    assert ack.message_id in {m.message_id for m in sent_only.messages}
    assert {m.state for m in sent_only.messages} == {followup_pb2.DELIVERY_STATE_SENT}

    # Reports that cannot be right are refused field by field.
    with pytest.raises(grpc.RpcError) as err:
        report(channels, platform, message_id="M-12", message_id_header="<someone@else>")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {
        "message_id",
        "message_id_header",
        "outcome",
    }
    with pytest.raises(grpc.RpcError) as err:
        report(channels, platform, message_id=ack.message_id, outcome=BOUNCED)
    assert [v.field for v in field_violations(err.value)] == ["diagnostic"]
    with pytest.raises(grpc.RpcError) as err:
        report(channels, platform, message_id="M-" + "0" * 24, outcome=DELIVERED)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    # An agent is not the mail gateway.
    with pytest.raises(grpc.RpcError) as err:
        followup(channels).RecordDeliveryReport(
            followup_pb2.RecordDeliveryReportRequest(message_id=ack.message_id, outcome=DELIVERED),
            metadata=admin,
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED

    # The acknowledgement arrived: reported by the Message-ID it was sent with.
    delivered = report(
        channels,
        platform,
        message_id_header=letter["Message-ID"],
        outcome=DELIVERED,
        diagnostic="smtp; 250 2.0.0 Ok: queued as 4F2A1",
        remote_mta="mx1.mail.test",
    )
    assert delivered.recorded
    assert delivered.message.message_id == ack.message_id
    assert delivered.message.state == followup_pb2.DELIVERY_STATE_DELIVERED
    assert delivered.message.attempts[-1].succeeded
    assert (
        delivered.message.attempts[-1].detail
        == "delivered (reported by mx1.mail.test): smtp; 250 2.0.0 Ok: queued as 4F2A1"
    )
    again = report(channels, platform, message_id=ack.message_id, outcome=DELIVERED)
    assert not again.recorded
    assert len(again.message.attempts) == len(delivered.message.attempts)

    # A letter a person sends bounces.
    update = send_update(channels, admin, case_id, "We have asked the merchant for the receipt.")
    eventually(
        lambda: (
            get_message(channels, admin, update.message_id).state
            == followup_pb2.DELIVERY_STATE_SENT
        ),
        timeout=30,
    )
    diagnostic = "smtp; 550 5.1.1 <alex@mail.test>: Recipient address rejected: User unknown"
    bounced = report(channels, platform, message_id=update.message_id, outcome=BOUNCED,
                     diagnostic=diagnostic)  # fmt: skip
    assert bounced.recorded
    assert bounced.message.state == followup_pb2.DELIVERY_STATE_FAILED
    assert not bounced.message.attempts[-1].succeeded
    assert bounced.message.attempts[-1].detail == f"bounced: {diagnostic}"
    with pytest.raises(grpc.RpcError) as err:
        report(channels, platform, message_id=update.message_id, outcome=DELIVERED)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "reported bounced already" in (err.value.details() or "")

    # Both on the case's audit trail, once each, after the send.
    eventually(
        lambda: (
            message_trail(channels, admin, case_id, update.message_id)[-1:] == ["message.bounced"]
        ),
        timeout=30,
    )
    assert message_trail(channels, admin, case_id, ack.message_id) == [
        "message.queued",
        "message.sent",
        "message.delivered",
    ]
    assert message_trail(channels, admin, case_id, update.message_id) == [
        "message.queued",
        "message.sent",
        "message.bounced",
    ]
    case = get_case(channels, admin, case_id)
    (bounce,) = [e for e in case.audit_events if e.action == "message.bounced"]
    assert bounce.actor.id == "local-intake"  # the mail gateway's principal
    assert bounce.old_value == "sent" and diagnostic in bounce.cause


def test_a_report_about_a_letter_by_post_is_refused(channels, admin, platform):
    case_id = file_complaint(
        channels,
        admin,
        ROWS[2],
        postal_address=common_pb2.PostalAddress(
            lines=["2 Mill Lane"], locality="York", postal_code="YO1 7HH", country="GB"
        ),
    )
    letter = send_update(
        channels, admin, case_id, "Your statement is enclosed.", channel=common_pb2.CHANNEL_POSTAL
    )
    eventually(
        lambda: (
            get_message(channels, admin, letter.message_id).state
            == followup_pb2.DELIVERY_STATE_HANDED_OFF
        ),
        timeout=30,
    )
    with pytest.raises(grpc.RpcError) as err:
        report(channels, platform, message_id=letter.message_id, outcome=DELIVERED)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not an email Redress sent" in (err.value.details() or "")


def test_a_message_a_person_sends_is_queued_then_sent_on_the_audit_trail_once(
    platform, channels, admin
):
    case_id = file_complaint(channels, admin, ROWS[3])
    request = followup_pb2.SendMessageRequest(
        idempotency_key=f"update-{uuid.uuid4()}",
        case_id=case_id,
        template_name="progress_update",
        extra={"progress": "We have reversed the fee."},
    )
    sent = followup(channels).SendMessage(request, metadata=admin, timeout=30).message
    followup(channels).SendMessage(request, metadata=admin, timeout=30)  # a client retry
    eventually(
        lambda: (
            message_trail(channels, admin, case_id, sent.message_id)
            == ["message.queued", "message.sent"]
        ),
        timeout=30,
    )
    followup(channels).SendMessage(request, metadata=admin, timeout=30)  # and after it went
    copies = [m for m in mail_for(platform, case_id) if m["X-Redress-Message"] == sent.message_id]
    assert len(copies) == 1
    time.sleep(2)  # a duplicate entry would be recorded by now
    case = get_case(channels, admin, case_id)
    entries = [e for e in case.audit_events if e.field == f"messages.{sent.message_id}"]
    assert [e.action for e in entries] == ["message.queued", "message.sent"]
    queued, done = entries
    assert queued.actor.kind == common_pb2.ACTOR_KIND_PERSON and queued.actor.id == "local-admin"
    assert '"template": "progress_update"' in queued.new_value
    assert '"channel": "email"' in queued.new_value and '"language": "en"' in queued.new_value
    assert done.new_value == "sent"


# ------------------------------------------------- the relay dies in the middle of a send


def test_a_letter_the_relay_died_receiving_arrives_once_when_it_is_back(platform, channels, admin):
    case_id = file_complaint(channels, admin, ROWS[5])
    eventually(lambda: mail_for(platform, case_id), timeout=30)  # the acknowledgement
    platform.supervisor.stop(platform.processes.pop("mail"))
    platform.start_mail(stall_after_data=True)
    try:
        sent = send_update(channels, admin, case_id, "The refund is on its way.")
        # The relay has the whole message and has not answered: killed now.
        holding = f"holding <{sent.message_id}@example.com> without an answer"
        eventually(lambda: holding in platform.processes["mail"].log_tail(), timeout=30)
        stalled = platform.processes.pop("mail")
        stalled.popen.kill()
        stalled.popen.wait()
        platform.supervisor.stop(stalled)
        failed = eventually(
            lambda: (m := get_message(channels, admin, sent.message_id)).attempts and m,
            timeout=30,
        )
        assert failed.state == followup_pb2.DELIVERY_STATE_RETRYING
        assert not failed.attempts[0].succeeded
        assert not mail_for(platform, case_id)[1:]  # only the acknowledgement
    finally:
        if "mail" in platform.processes:
            platform.supervisor.stop(platform.processes.pop("mail"))
        platform.start_mail()

    done = eventually(
        lambda: (
            (m := get_message(channels, admin, sent.message_id)).state
            == followup_pb2.DELIVERY_STATE_SENT
            and m
        ),
        timeout=60,
    )
    assert not done.attempts[0].succeeded and done.attempts[-1].succeeded
    copies = [m for m in mail_for(platform, case_id) if m["X-Redress-Message"] == sent.message_id]
    assert len(copies) == 1
    assert "The refund is on its way." in copies[0].get_content()


# ------------------------------------------------- deleting a webhook


def test_a_deleted_webhook_gets_nothing_more_and_its_waiting_deliveries_are_cancelled(
    channels, admin, receiver
):
    hook = create_webhook(
        channels, admin, receiver.url, receiver.secret, ["case.created", "case.assigned"]
    )
    control = Receiver(secret="control-secret-of-16+")
    other = create_webhook(channels, admin, control.url, control.secret, ["case.assigned"])
    try:
        case_id = file_complaint(channels, admin, ROWS[6])
        eventually(lambda: receiver.for_case(case_id), timeout=60)  # case.created
        followup(channels).DisableWebhook(
            followup_pb2.DisableWebhookRequest(webhook_id=hook.webhook_id), metadata=admin
        )
        cases(channels).AssignCase(
            cases_pb2.AssignCaseRequest(case_id=case_id, assignee="sam", team="complaints"),
            metadata=admin,
            timeout=30,
        )
        waiting = eventually(
            lambda: [
                d
                for d in deliveries_of(channels, admin, hook.webhook_id)
                if d.case_id == case_id and d.event_type == "case.assigned"
            ],
            timeout=60,
        )
        assert waiting[0].state == followup_pb2.DELIVERY_STATE_QUEUED

        with pytest.raises(grpc.RpcError) as err:
            followup(channels).DeleteWebhook(
                followup_pb2.DeleteWebhookRequest(webhook_id="hook-1"), metadata=admin
            )
        assert [v.field for v in field_violations(err.value)] == ["webhook_id"]
        deleted = followup(channels).DeleteWebhook(
            followup_pb2.DeleteWebhookRequest(webhook_id=hook.webhook_id, reason="CRM retired"),
            metadata=admin,
            timeout=10,
        )
        assert deleted.deliveries_cancelled >= 1
        assert not deleted.webhook.enabled and deleted.webhook.HasField("deleted_at")

        # The log keeps what happened: delivered, and cancelled with the reason.
        logged = [
            d for d in deliveries_of(channels, admin, hook.webhook_id) if d.case_id == case_id
        ]
        log = {d.event_type: d for d in logged}
        assert log["case.created"].state == followup_pb2.DELIVERY_STATE_DELIVERED
        cancelled = log["case.assigned"]
        assert cancelled.state == followup_pb2.DELIVERY_STATE_CANCELLED
        assert cancelled.attempts[-1].detail == (
            "cancelled: webhook deleted by local-admin: CRM retired"
        )
        listed = followup(channels).ListWebhooks(
            followup_pb2.ListWebhooksRequest(page=common_pb2.PageRequest(page_size=500)),
            metadata=admin,
        )
        assert hook.webhook_id not in {h.webhook_id for h in listed.webhooks}
        assert other.webhook_id in {h.webhook_id for h in listed.webhooks}

        # A later event reaches the other webhook and is not even queued for this one.
        cases(channels).AssignCase(
            cases_pb2.AssignCaseRequest(case_id=case_id, assignee="dana", team="complaints"),
            metadata=admin,
            timeout=30,
        )
        eventually(lambda: len(control.for_case(case_id)) == 2, timeout=60)
        after = {d.event_id for d in deliveries_of(channels, admin, hook.webhook_id)
                 if d.case_id == case_id}  # fmt: skip
        assert after == {d.event_id for d in logged}
        assert [e["event_type"] for e in receiver.for_case(case_id)] == ["case.created"]

        for call, request in (
            (followup(channels).DeleteWebhook, followup_pb2.DeleteWebhookRequest),
            (followup(channels).DisableWebhook, followup_pb2.DisableWebhookRequest),
        ):
            with pytest.raises(grpc.RpcError) as err:
                call(request(webhook_id=hook.webhook_id), metadata=admin, timeout=10)
            assert err.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as err:
            followup(channels).RedeliverEvent(
                followup_pb2.RedeliverEventRequest(delivery_id=cancelled.delivery_id),
                metadata=admin,
                timeout=10,
            )
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "was deleted" in (err.value.details() or "")
    finally:
        followup(channels).DeleteWebhook(
            followup_pb2.DeleteWebhookRequest(webhook_id=other.webhook_id), metadata=admin
        )
        control.stop()


# ------------------------------------------------- an escalation reaches the CRM


# The first-response clock of this platform's policy breaches 15 s after receipt.
WARN_AFTER, BREACH_AFTER = 6, 15


@pytest.fixture(scope="module")
def hasty(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A platform of its own whose policy breaches a clock within seconds (it
    would escalate every other test's cases)."""
    local = LocalPlatform(tmp_path_factory.mktemp("hasty"), Ports.free(), log_format="json")
    try:
        start_platform(local)
        with grpc.insecure_channel(local.address("cases")) as channel:
            cases_pb2_grpc.CasesServiceStub(channel).PublishPolicy(
                cases_pb2.PublishPolicyRequest(
                    document=short_first_response(
                        f"{Policy.load_default().version}-hasty", WARN_AFTER, BREACH_AFTER
                    )
                ),
                metadata=bearer(local.credentials.admin_key),
                timeout=30,
            )
        yield local
    finally:
        local.stop()


def test_a_breached_clock_escalates_and_the_crm_hears_of_it_once_signed(hasty):
    admin = bearer(hasty.credentials.admin_key)
    crm = Receiver(secret="escalations-secret-16")
    own = {
        name: grpc.insecure_channel(hasty.address(name)) for name in ("intake", "cases", "followup")
    }
    try:
        hook = create_webhook(own, admin, crm.url, crm.secret, ["case.escalated"])
        case_id = file_complaint(own, admin, ROWS[7])

        (event,) = eventually(lambda: crm.for_case(case_id), timeout=BREACH_AFTER + 60)
        assert event["event_type"] == "case.escalated"
        assert event["change"]["actor"] == "rule:escalation_ladders.internal[0]"
        assert event["change"]["escalation_level"] == "1"
        assert crm.bad_signatures == 0  # the receiver takes only correctly signed events
        time.sleep(3)  # a second copy would have come by now
        assert len(crm.for_case(case_id)) == 1
        assert crm.tries[event["event_id"]] in (1, 2)  # a 503 on purpose may cost one retry
        (delivery,) = [d for d in deliveries_of(own, admin, hook.webhook_id)
                       if d.case_id == case_id]  # fmt: skip
        assert delivery.state == followup_pb2.DELIVERY_STATE_DELIVERED
        assert delivery.event_id == event["event_id"]
        case = get_case(own, admin, case_id)
        assert case.escalation_level == 1
        assert [e.action for e in case.audit_events].count("case.escalated") == 1
    finally:
        crm.stop()
        for channel in own.values():
            channel.close()
