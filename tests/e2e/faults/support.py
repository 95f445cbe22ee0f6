"""What the fault tests share: the complaints they file and how a
well-behaved client files them while something is down."""

from __future__ import annotations

import time
import uuid

import grpc

from redress.cases.v1 import cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform
from redress.followup.v1 import followup_pb2_grpc
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import channels
from tests.conftest import bearer, cfpb_rows

ROWS = cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 30)
RETRYABLE = channels.UNANSWERED


def stub(site: LocalPlatform, service: str):  # type: ignore[no-untyped-def]
    channel = grpc.insecure_channel(site.address(service))
    return {
        "intake": intake_pb2_grpc.IntakeServiceStub,
        "cases": cases_pb2_grpc.CasesServiceStub,
        "followup": followup_pb2_grpc.FollowupServiceStub,
    }[service](channel)


def complaint(row: dict[str, str], marker: str) -> intake_pb2.SubmitComplaintRequest:
    return intake_pb2.SubmitComplaintRequest(
        idempotency_key=f"fault-{uuid.uuid4()}",
        channel=common_pb2.CHANNEL_EMAIL,
        customer=common_pb2.Customer(full_name="Casey Example", email="casey@example.com"),
        product=row["Product"],
        issue=row["Issue"],
        narrative=f"{row['Consumer complaint narrative']} Reference {marker}.",
        regime=common_pb2.REGIME_US_CFPB,
    )


def file_until_answered(site: LocalPlatform, request: intake_pb2.SubmitComplaintRequest) -> str:
    """What a well-behaved channel adapter does: retry with the same key until
    intake answers; returns the case id and counts the retries it needed."""
    intake = stub(site, "intake")
    admin = bearer(site.credentials.admin_key)
    deadline = time.monotonic() + 120
    while True:
        try:
            return str(intake.SubmitComplaint(request, metadata=admin, timeout=15).case_id)
        except grpc.RpcError as err:
            assert err.code() in RETRYABLE, f"{err.code()}: {err.details()}"
            assert "idempotency key" in (err.details() or "") or err.code() == (
                grpc.StatusCode.UNAVAILABLE
            )
            assert time.monotonic() < deadline, "intake never answered"
            time.sleep(1)
