"""What of the case a webhook's events carry for a CRM (Webhook.case_fields):
by default the case's reference, stage, product, issue, regime, deadlines and
link, never the customer's contact details or narrative; those only when a
webhook names them; nothing with "none"."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest

from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.platform.errors import field_violations
from tests.conftest import eventually
from tests.e2e.test_submit_end_to_end import complaint, submit
from tests.followup_support import Receiver
from tests.integration.test_followup import ROWS


def create(channels, admin, receiver: Receiver, case_fields: list[str]) -> followup_pb2.Webhook:  # type: ignore[no-untyped-def]
    return (
        followup_pb2_grpc.FollowupServiceStub(channels["followup"])
        .CreateWebhook(
            followup_pb2.CreateWebhookRequest(
                webhook=followup_pb2.Webhook(
                    name="CRM",
                    url=receiver.url,
                    event_types=["case.created"],
                    case_fields=case_fields,
                ),
                secret=receiver.secret,
            ),
            metadata=admin,
            timeout=10,
        )
        .webhook
    )


def test_events_carry_the_case_fields_each_webhook_asks_for(platform, channels, admin) -> None:  # type: ignore[no-untyped-def]
    receivers = {
        "default": Receiver(secret="crm-default-secret-16"),
        "personal": Receiver(secret="crm-personal-secret-16"),
        "none": Receiver(secret="crm-nothing-secret-16"),
    }
    asked = {
        "default": [],
        "personal": ["stage", "deadlines", "customer", "narrative"],
        "none": ["none"],
    }
    hooks = []
    try:
        for name, receiver in receivers.items():
            hook = create(channels, admin, receiver, asked[name])
            assert list(hook.case_fields) == asked[name]
            hooks.append(hook)
        request = complaint(ROWS[5], key=f"crm-fields-{uuid.uuid4()}")
        request.narrative = "My card was charged twice and I could not pay my rent."
        case_id = submit(channels, admin, request).case_id

        def event(name: str) -> dict[str, Any]:
            (found,) = eventually(lambda: receivers[name].for_case(case_id), timeout=60)
            return found

        default = event("default")["case"]
        assert default["case_id"] == case_id
        assert default["stage"] and default["product"] == request.product
        assert default["issue"] == request.issue and default["regime"] == "us_cfpb"
        assert default["channel"] == "web" and default["link"].endswith(f"/cases/{case_id}")
        assert default["next_deadline"] and default["clocks"]
        assert all(c["name"] and c["due_at"] for c in default["clocks"])
        assert "customer" not in default and "narrative" not in default

        personal = event("personal")["case"]
        assert personal["customer"]["full_name"] == "Jordan Example"
        assert personal["customer"]["email"] == "jordan@example.com"
        assert personal["narrative"] == request.narrative
        assert personal["stage"] == default["stage"] and personal["next_deadline"]
        assert "product" not in personal and "link" not in personal

        assert "case" not in event("none")
        assert all(r.bad_signatures == 0 for r in receivers.values())
    finally:
        for hook in hooks:
            followup_pb2_grpc.FollowupServiceStub(channels["followup"]).DisableWebhook(
                followup_pb2.DisableWebhookRequest(webhook_id=hook.webhook_id), metadata=admin
            )
        for receiver in receivers.values():
            receiver.stop()


def test_unknown_case_fields_are_refused_field_by_field(channels, admin) -> None:  # type: ignore[no-untyped-def]
    receiver = Receiver(secret="crm-refused-secret-16")
    try:
        with pytest.raises(grpc.RpcError) as err:
            create(channels, admin, receiver, ["stage", "salary", "none"])
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        fields = {v.field: v.description for v in field_violations(err.value)}
        assert "one of reference, stage" in fields["webhook.case_fields[1]"]
        assert "stands alone" in fields["webhook.case_fields[2]"]
    finally:
        receiver.stop()
