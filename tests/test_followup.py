"""Follow-ups on the whole platform: templates, letters over real SMTP, webhooks.

The platform's own mail server (aiosmtpd, as `make run` starts it) keeps
what it receives in a Maildir, which these tests read; webhooks go to a real
HTTP receiver on loopback that checks signatures and fails on purpose.
"""

from __future__ import annotations

import email.policy
import hashlib
import hmac
import json
import mailbox
import threading
import uuid
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
import pytest

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform
from redress.domain.policy import Policy
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.platform.errors import field_violations
from tests.conftest import cfpb_rows, eventually
from tests.test_submit_end_to_end import complaint, get_case, submit

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
    return [m for m in mail(platform) if m["X-Redress-Case"] == case_id]


def file_complaint(channels, admin, row, **customer: Any) -> str:  # type: ignore[no-untyped-def]
    request = complaint(row)
    request.customer.CopyFrom(
        common_pb2.Customer(
            full_name="Alex Kunde", email=f"{uuid.uuid4().hex[:8]}@mail.test", **customer
        )
    )
    request.regime = common_pb2.REGIME_UK_FCA
    return submit(channels, admin, request).case_id


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

    (letter,) = eventually(lambda: mail_for(platform, case_id), timeout=30)
    assert letter["Subject"] == f"Wir haben Ihre Beschwerde {case_id} erhalten"
    assert letter["Content-Language"] == "de"
    assert letter["X-Redress-Template"].startswith("acknowledgement/de/v")
    assert letter["From"] == "Redress Demo Bank <complaints@example.com>"
    body = letter.get_content()
    assert "Sehr geehrte(r) Alex Kunde" in body
    assert "Financial Ombudsman Service" in body  # the FCA regime's referral text

    # Recorded on the case: the message with its attempt, the audit trail,
    # and the case moved on, which stops the acknowledgement clock.
    (message,) = eventually(
        lambda: [
            m
            for m in messages(channels, admin, case_id)
            if m.state == followup_pb2.DELIVERY_STATE_DELIVERED
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
            == followup_pb2.DELIVERY_STATE_DELIVERED
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


class Receiver:
    """A webhook receiver on loopback: checks signatures, counts events by
    idempotency key, and answers 503 to the first try of every third event."""

    def __init__(self, secret: str, always_fail: bool = False) -> None:
        self.secret = secret
        self.always_fail = always_fail
        self.accepted: list[dict[str, Any]] = []
        self.tries: dict[str, int] = {}
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Redress-Timestamp"]
                expected = (
                    "v1="
                    + hmac.new(
                        receiver.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
                    ).hexdigest()
                )
                key = self.headers["Idempotency-Key"]
                with receiver.lock:
                    if not hmac.compare_digest(expected, self.headers["X-Redress-Signature"]):
                        receiver.bad_signatures += 1
                        self.send_response(401)
                        self.end_headers()
                        return
                    tries = receiver.tries[key] = receiver.tries.get(key, 0) + 1
                    fail = receiver.always_fail or (len(receiver.tries) % 3 == 0 and tries == 1)
                    if not fail and tries >= 1:
                        receiver.accepted.append(json.loads(body))
                self.send_response(503 if fail else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/redress"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def for_case(self, case_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.accepted if e["case_id"] == case_id]


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
    first = case_ids[0]
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

    def types_for(case_id: str) -> list[str]:
        return [e["event_type"] for e in receiver.for_case(case_id)]

    wanted = {"case.created", "case.assigned", "case.outcome_recorded", "case.resolved"}
    eventually(lambda: wanted <= set(types_for(first)) and "message.sent" in types_for(first), 60)
    # The final response (FCA: a summary resolution inside three business days
    # is the same letter family) went out by email too.
    eventually(
        lambda: any(
            m["X-Redress-Template"].split("/")[0] in ("final_response", "summary_resolution")
            for m in mail_for(platform, first)
        ),
        60,
    )
    eventually(lambda: "message.sent" in types_for(case_ids[1]), 60)

    assert receiver.bad_signatures == 0
    for case_id in case_ids:
        events = receiver.for_case(case_id)
        ids = [e["event_id"] for e in events]
        assert len(ids) == len(set(ids)), "an event arrived twice"
        sequences = [e["sequence"] for e in events]
        assert sequences == sorted(sequences), "events of a case arrived out of order"
        assert events[0]["event_type"] == "case.created"
        assert all(e["schema"] == "redress.case-event/1" for e in events)
    # Some events were refused at first and delivered on a later attempt.
    assert any(n > 1 for n in receiver.tries.values())
    deliveries = (
        followup(channels)
        .ListDeliveries(
            followup_pb2.ListDeliveriesRequest(webhook_id=hook.webhook_id), metadata=admin
        )
        .deliveries
    )
    retried = [d for d in deliveries if len(d.attempts) > 1]
    assert retried and all(
        d.state == followup_pb2.DELIVERY_STATE_DELIVERED and d.attempts[-1].succeeded
        for d in retried
    )
    assert retried[0].attempts[0].detail == "HTTP 503"
    followup(channels).DisableWebhook(
        followup_pb2.DisableWebhookRequest(webhook_id=hook.webhook_id), metadata=admin
    )


def test_a_failing_receiver_is_disabled_and_its_events_redelivered_once_repaired(
    platform, channels, admin
):
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
    finally:
        broken.stop()


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
