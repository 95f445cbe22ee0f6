"""FindComplaint finds a complaint by its key from the case store, so that a
channel adapter still finds its case once Temporal no longer keeps the
complaint's workflow (past the namespace's retention, or deleted)."""

from __future__ import annotations

import subprocess
import time

import grpc
import pytest

from redress.devstack import binaries
from redress.devstack.platform import LocalPlatform
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from tests.conftest import bearer
from tests.e2e.test_submit_end_to_end import ROWS, complaint, submit


def temporal(platform: LocalPlatform, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(binaries.temporal_cli()),
            "workflow",
            *args,
            "--address",
            f"127.0.0.1:{platform.ports.temporal}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_complaint_whose_workflow_is_gone_is_still_found_by_its_key(platform, channels):
    intake = bearer(platform.credentials.intake_key)
    submitted = complaint(ROWS[1])
    filed = submit(channels, intake, submitted)
    stub = intake_pb2_grpc.IntakeServiceStub(channels["intake"])
    request = intake_pb2.FindComplaintRequest(idempotency_key=submitted.idempotency_key)
    found = stub.FindComplaint(request, metadata=intake, timeout=30)
    assert found.case_id == filed.case_id

    deleted = temporal(platform, "delete", "--workflow-id", found.workflow_id, "--yes")
    assert deleted.returncode == 0, deleted.stderr
    # Temporal deletes in the background: wait until it no longer knows it.
    for _ in range(100):
        if temporal(platform, "describe", "--workflow-id", found.workflow_id).returncode:
            break
        time.sleep(0.2)
    else:
        pytest.fail("Temporal still describes the deleted workflow")

    again = stub.FindComplaint(request, metadata=intake, timeout=30)
    assert (again.case_id, again.workflow_id) == (found.case_id, found.workflow_id)
    # Still only for the caller who filed it.
    with pytest.raises(grpc.RpcError) as err:
        stub.FindComplaint(request, metadata=bearer(platform.credentials.social_key), timeout=30)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
