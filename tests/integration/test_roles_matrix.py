"""Every RPC of every service, called with a key of each role: a role the
service's access table allows gets past the door (whatever the empty request
then earns), every other role is PERMISSION_DENIED, no key UNAUTHENTICATED.

The platform here has one key per role, so the matrix is walked for real."""

from __future__ import annotations

import grpc
import pytest

from redress.devstack.platform import LocalPlatform, Ports
from redress.platform.auth import ROLES
from services.cases.servicer import ACCESS as CASES
from services.followup.servicer import ACCESS as FOLLOWUP
from services.intake.servicer import ACCESS as INTAKE
from services.knowledge.servicer import ACCESS as KNOWLEDGE
from services.reporting.servicer import ACCESS as REPORTING

SERVICES = {
    "intake": INTAKE,
    "cases": CASES,
    "followup": FOLLOWUP,
    "knowledge": KNOWLEDGE,
    "reporting": REPORTING,
}
REFUSED = (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED)


@pytest.fixture(scope="module")
def matrix_platform(tmp_path_factory: pytest.TempPathFactory):
    local = LocalPlatform(tmp_path_factory.mktemp("roles"), Ports.free())
    keys = local.data_dir / "api-keys.txt"
    with keys.open("a") as f:
        for role in ROLES:
            f.write(f"role-key-{role.replace('_', '-')}-0123456789 only-{role} {role}\n")
    try:
        local.start_temporal(persist=False, ui=False)
        local.start_meilisearch()
        for name in SERVICES:
            local.start_service(name)
        yield local
    finally:
        local.stop()


def key_of(role: str) -> str:
    return f"role-key-{role.replace('_', '-')}-0123456789"


def call(channel: grpc.Channel, service: str, method: str, key: str | None):  # type: ignore[no-untyped-def]
    """Calls the method with an empty request, whatever its streaming kind;
    the status code it ends with (OK when it answered)."""
    from google.protobuf import descriptor_pool, message_factory

    pool = descriptor_pool.Default()
    descriptor = pool.FindServiceByName(service).FindMethodByName(method)
    request_type = message_factory.GetMessageClass(descriptor.input_type)
    response_type = message_factory.GetMessageClass(descriptor.output_type)
    path = f"/{service}/{method}"
    metadata = (("authorization", f"Bearer {key}"),) if key else ()
    kind = (descriptor.client_streaming, descriptor.server_streaming)
    serializer, parser = request_type.SerializeToString, response_type.FromString
    try:
        if kind == (False, False):
            channel.unary_unary(path, serializer, parser)(
                request_type(), metadata=metadata, timeout=20
            )
        elif kind == (False, True):
            for _ in channel.unary_stream(path, serializer, parser)(
                request_type(), metadata=metadata, timeout=20
            ):
                break
        elif kind == (True, False):
            channel.stream_unary(path, serializer, parser)(
                iter([request_type()]), metadata=metadata, timeout=20
            )
        else:
            for _ in channel.stream_stream(path, serializer, parser)(
                iter([request_type()]), metadata=metadata, timeout=20
            ):
                break
    except grpc.RpcError as err:
        return err.code()  # type: ignore[attr-defined]
    return grpc.StatusCode.OK


def test_every_rpc_is_in_an_access_table():
    """No method of a service is left out of its table (it would be refused
    to everyone, silently)."""
    from google.protobuf import descriptor_pool

    import redress.cases.v1.cases_pb2
    import redress.followup.v1.followup_pb2
    import redress.intake.v1.intake_pb2
    import redress.knowledge.v1.knowledge_pb2
    import redress.reporting.v1.reporting_pb2  # noqa: F401

    pool = descriptor_pool.Default()
    for table in SERVICES.values():
        for service, methods in table.items():
            declared = {m.name for m in pool.FindServiceByName(service).methods}
            assert declared == set(methods), service


def test_each_role_is_let_in_exactly_where_the_access_tables_say(matrix_platform):
    wrong = []
    for name, table in SERVICES.items():
        with grpc.insecure_channel(matrix_platform.address(name)) as channel:
            for service, methods in table.items():
                for method in sorted(methods):
                    assert call(channel, service, method, None) == grpc.StatusCode.UNAUTHENTICATED
                    for role in ROLES:
                        code = call(channel, service, method, key_of(role))
                        allowed = role in methods[method]
                        if allowed and code in REFUSED:
                            wrong.append(f"{service}/{method}: {role} refused ({code.name})")
                        if not allowed and code != grpc.StatusCode.PERMISSION_DENIED:
                            wrong.append(f"{service}/{method}: {role} let in ({code.name})")
    assert not wrong, "\n".join(wrong)


def any_method(table) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    service, methods = next(iter(table.items()))
    return service, sorted(methods)[0]


def codes_for(platform: LocalPlatform, key: str) -> dict[str, grpc.StatusCode]:
    codes = {}
    for name, table in SERVICES.items():
        with grpc.insecure_channel(platform.address(name)) as channel:
            codes[name] = call(channel, *any_method(table), key)
    return codes


def test_a_key_removed_from_the_file_stops_working_everywhere_without_a_restart(
    matrix_platform,
):
    import time

    keys = matrix_platform.data_dir / "api-keys.txt"
    before = keys.read_text()
    leaving = "leaving-auditor-key-0123456789"
    keys.write_text(before + f"{leaving} leaving-auditor auditor\n")
    try:
        deadline = time.monotonic() + 10
        while UNAUTH in codes_for(matrix_platform, leaving).values():
            assert time.monotonic() < deadline, "a key added to the file was not taken up"
            time.sleep(0.2)
        keys.write_text(before)
        removed_at = time.monotonic()
        while set(codes_for(matrix_platform, leaving).values()) != {UNAUTH}:
            assert time.monotonic() - removed_at < 5, "a removed key still works"
            time.sleep(0.2)
        # The keys left are still known.
        assert UNAUTH not in codes_for(matrix_platform, key_of("auditor")).values()
    finally:
        keys.write_text(before)


UNAUTH = grpc.StatusCode.UNAUTHENTICATED


def test_a_refused_call_is_logged_with_who_was_refused_never_the_key(matrix_platform):
    import hashlib
    import json
    import time

    unknown = "not-a-known-key-" + "7" * 20
    assert set(codes_for(matrix_platform, unknown).values()) == {UNAUTH}
    with grpc.insecure_channel(matrix_platform.address("reporting")) as channel:
        code = call(
            channel, "redress.reporting.v1.ReportingService", "SaveReport", key_of("intake_client")
        )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    fingerprint = "key:" + hashlib.sha256(unknown.encode()).hexdigest()[:8]
    time.sleep(0.5)  # the log lines are written as the calls end
    for name in SERVICES:
        text = (matrix_platform.data_dir / "logs" / f"{name}.log").read_text()
        assert unknown not in text
        calls = [
            entry
            for line in text.splitlines()
            if line.startswith("{") and (entry := json.loads(line)).get("message") == "call"
        ]
        refused = [c["principal"] for c in calls if c["code"] == "UNAUTHENTICATED"]
        assert fingerprint in refused, name
    reporting = (matrix_platform.data_dir / "logs" / "reporting.log").read_text()
    denied = [
        json.loads(line)
        for line in reporting.splitlines()
        if '"PERMISSION_DENIED"' in line and "SaveReport" in line
    ]
    principals = {d["principal"] for d in denied}
    assert "only-intake_client" in principals and "anonymous" not in principals
