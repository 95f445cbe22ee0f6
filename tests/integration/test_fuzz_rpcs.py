"""Hostile and careless requests to every RPC of every service, generated from
the request messages' own descriptors: every answer is OK or a status that
says what to fix (never UNKNOWN or INTERNAL), and each service still answers
its health check afterwards. Oversized messages are RESOURCE_EXHAUSTED;
payloads that are not a message of the method's type are refused clearly.

Examples are derandomized so that a run in CI is the run on a laptop. Calls
that would change what other tests see are given content their service
refuses (a complaint without a narrative, a template without a language…),
so the fuzzing exercises their checks without storing anything; the case the
commands work on is this module's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.devstack.platform import LocalPlatform
from redress.followup.v1 import followup_pb2
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.knowledge.v1 import knowledge_pb2
from redress.platform.errors import field_violations
from redress.platform.serving import MAX_MESSAGE_BYTES
from redress.reporting.v1 import reporting_pb2
from services.cases.servicer import ACCESS as CASES
from services.followup.servicer import ACCESS as FOLLOWUP
from services.intake.servicer import ACCESS as INTAKE
from services.knowledge.servicer import ACCESS as KNOWLEDGE
from services.reporting.servicer import ACCESS as REPORTING
from tests.conftest import bearer

SERVICES = {
    "intake": (intake_pb2, INTAKE),
    "cases": (cases_pb2, CASES),
    "followup": (followup_pb2, FOLLOWUP),
    "knowledge": (knowledge_pb2, KNOWLEDGE),
    "reporting": (reporting_pb2, REPORTING),
}
CLEAR = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}
EXAMPLES = 50
CALL_TIMEOUT = 30
# Replaced by this module's own case once it exists.
OWN_CASE = "C-000000"


def methods() -> list[tuple[str, MethodDescriptor]]:
    found: list[tuple[str, MethodDescriptor]] = []
    for name, (module, _) in SERVICES.items():
        for service in module.DESCRIPTOR.services_by_name.values():
            found.extend((name, method) for method in service.methods)
    return found


METHODS = methods()


# --- values ---------------------------------------------------------------

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
# Timestamps a protobuf library accepts run from 0001-01-01 to 9999-12-31.
EARLIEST_SECONDS, LATEST_SECONDS = -62_135_596_800, 253_402_300_799

SPECIAL_TEXT = [
    "",
    " ",
    "\t\n",
    "\x00",
    "a\x00b",
    "\x1b[31mred\x1b[0m",
    "\u202eevil",
    "\ufeff",
    "\U0001f600" * 3,
    "é" * 5,
    "../../../etc/passwd",
    "' OR 1=1 --",
    '"; DROP TABLE cases; --',
    "{{ 7 * 7 }}",
    "{% for x in range(10**9) %}{% endfor %}",
    "{{ ''.__class__.__mro__ }}",
    "%s%s%n",
    "category = 'x' OR state = 'draft'",
    "a" * 301,
    "<script>alert(1)</script>",
    "http://[::1:99999/hook",
    "https://localhost:65536/",
    "https://exa mple.com/\x00",
    "*",
    "-1",
    "0",
    "9" * 40,
    "NaN",
]
PLAUSIBLE_TEXT = [
    "C-999999999",
    "acknowledgement",
    "final_response",
    "en",
    "de",
    "es-MX",
    "received",
    "investigating",
    "resolved",
    "closed",
    "resolution",
    "awaiting_customer",
    "fees_and_charges",
    "fees.unexpected",
    "Credit card",
    "fuzz@example.test",
    "+44 20 7946 0000",
    "GB",
    "GBP",
    "USD",
    "Europe/London",
    "Mars/Olympus_Mons",
    "0 9 * * 1",
    "@daily",
    "https://127.0.0.1:1/hook",
    "http://example.com/hook",
    "text/plain",
    "image/png",
    "report.pdf",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "case.created",
    "<fuzz@mail.example>",
    "Re: C-999999999",
]
# Big, but well inside the largest message a server receives.
HUGE_TEXT = ["x" * 300_001, "é" * 100_000, "\U0001f600" * 50_000, "\x00" * 10_000]


# Values that look like what a field wants, found by its name, so that checks
# behind the first ones are reached.
BY_FIELD_NAME = {
    "url": [
        "http://[::1:99999/hook",
        "https://localhost:65536/",
        "https://host:0/",
        "https://exa mple.com/\x00",
        "https://[::1]:8443/hook",
        "https://user:secret@example.com/hook",
        "ftp://example.com/",
        "https://:443/",
    ],
    "time_zone": ["Europe/London", "Etc/GMT-14", "Factory", "../../etc/passwd", "UTC/"],
    "schedule": ["0 9 * * 1", "59 23 31 2 *", "*/0 * * * *", "60 24 32 13 8", "@yearly"],
    "template_name": ["acknowledgement", "final_response", "progress_update"],
    "email_to": ["a@example.test", "a@b", "@", "a@" + "b" * 300 + ".test"],
    "sender": ["customer@example.test", "a@b", "<a@b.cc>"],
    "recipient": ["staff@example.test", "team:", "team:nobody", "nobody"],
    "currency": ["GBP", "gbp", "XXX", "G"],
    "content_type": ["application/pdf", "image/png", "image/svg+xml", "text/html"],
    "language": ["en", "de", "es-MX", "zz", "en-", "x" * 50],
    "preferred_language": ["en", "de", "es-MX", "zz", "en-"],
}


def own_case_text() -> st.SearchStrategy[str]:
    # Read when drawn: the module's case exists by then.
    return st.builds(lambda: OWN_CASE)


def text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=30),
        st.sampled_from(SPECIAL_TEXT),
        st.sampled_from(PLAUSIBLE_TEXT),
        own_case_text(),
        st.sampled_from(HUGE_TEXT),
    )


def integers(bounds: tuple[int, int]) -> st.SearchStrategy[int]:
    low, high = bounds
    return st.one_of(
        st.integers(-3, 1000),
        st.sampled_from([low, low + 1, high - 1, high, -1]),
        st.integers(low, high),
    )


def timestamp_seconds() -> st.SearchStrategy[int]:
    return st.one_of(
        st.integers(1_500_000_000, 1_900_000_000),
        st.sampled_from(
            [
                0,
                -1,
                EARLIEST_SECONDS,
                LATEST_SECONDS,
                EARLIEST_SECONDS - 1,
                LATEST_SECONDS + 1,
                INT64[0],
                INT64[1],
            ]
        ),
        st.integers(*INT64),
    )


def nanos() -> st.SearchStrategy[int]:
    return st.one_of(
        st.just(0),
        st.integers(0, 999_999_999),
        st.sampled_from([-1, 1_000_000_000, INT32[0], INT32[1]]),
    )


def scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    t = field.type
    if t == FieldDescriptor.TYPE_STRING and field.name == "case_id":
        # Often this module's case, so that commands reach its workflow.
        return st.one_of(own_case_text(), text())
    if t == FieldDescriptor.TYPE_STRING and field.name in BY_FIELD_NAME:
        return st.one_of(st.sampled_from(BY_FIELD_NAME[field.name]), text())
    if t == FieldDescriptor.TYPE_STRING:
        return text()
    if t == FieldDescriptor.TYPE_BYTES:
        return st.one_of(
            st.binary(max_size=64),
            st.sampled_from([b"", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\x00" * 2_000_000]),
        )
    if t == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if t == FieldDescriptor.TYPE_ENUM:
        assert field.enum_type is not None
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), integers(INT32))
    if t in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(width=64 if t == FieldDescriptor.TYPE_DOUBLE else 32)
    if t in (
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_SFIXED32,
    ):
        return integers(INT32)
    if t in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        return integers((0, 2**32 - 1))
    if t in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return integers((0, 2**64 - 1))
    return integers(INT64)


def repeated(field: FieldDescriptor) -> st.SearchStrategy[list[Any]]:
    short = (
        st.sampled_from(SPECIAL_TEXT + PLAUSIBLE_TEXT)
        if field.type == FieldDescriptor.TYPE_STRING
        else scalar(field)
    )
    return st.one_of(
        st.lists(scalar(field), max_size=4),
        # Many of one value: lists no form would ever send.
        st.builds(lambda value: [value] * 1_000, short),
    )


@st.composite
def message(draw: st.DrawFn, descriptor: Descriptor, depth: int = 0) -> Message:
    """A message of the descriptor's type with any of its fields set to anything."""
    cls = message_factory.GetMessageClass(descriptor)
    msg = cls()
    if descriptor.full_name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
        msg.seconds = draw(timestamp_seconds())  # type: ignore[attr-defined]
        msg.nanos = draw(nanos())  # type: ignore[attr-defined]
        return msg
    for field in descriptor.fields:
        if not draw(st.booleans()):
            continue
        nested_type = field.message_type
        if nested_type is not None and nested_type.GetOptions().map_entry:
            key = nested_type.fields_by_name["key"]
            value = nested_type.fields_by_name["value"]
            entries = draw(st.dictionaries(scalar(key), scalar(value), max_size=4))
            getattr(msg, field.name).update(entries)
        elif nested_type is not None:
            if depth >= 4:
                continue
            nested = message(nested_type, depth + 1)
            if field.is_repeated:
                getattr(msg, field.name).extend(draw(st.lists(nested, max_size=3)))
            else:
                getattr(msg, field.name).CopyFrom(draw(nested))
        elif field.is_repeated:
            getattr(msg, field.name).extend(draw(repeated(field)))
        else:
            setattr(msg, field.name, draw(scalar(field)))
    return msg


# --- calls that must not change what other tests see ----------------------


def refused_complaint(request: Any) -> None:
    request.narrative = ""  # required


def refused_template(request: Any) -> None:
    request.template.language = "not a language"


def refused_webhook(request: Any) -> None:
    request.secret = request.secret[:15]  # at least 16 characters


def refused_article(request: Any) -> None:
    request.article.title = ""  # required


def refused_report(request: Any) -> None:
    request.definition.email_to.append("not an address")


def not_a_real_id(field: str) -> Callable[[Any], None]:
    def fix(request: Any) -> None:
        value = getattr(request, field)
        if value == OWN_CASE or value in PLAUSIBLE_TEXT:
            setattr(request, field, value + "-fuzz")

    return fix


# For each call that would store or stop something: the one field set so that
# it is refused (or misses everything real); every other field as generated.
MADE_HARMLESS: dict[str, Callable[[Any], None]] = {
    "SubmitComplaint": refused_complaint,
    "PutTemplate": refused_template,
    "CreateWebhook": refused_webhook,
    "CreateArticle": refused_article,
    "UpdateArticle": refused_article,
    "SaveReport": refused_report,
    "DisableWebhook": not_a_real_id("webhook_id"),
    "DeleteWebhook": not_a_real_id("webhook_id"),
    "DeleteReport": not_a_real_id("name"),
    "RedeliverEvent": not_a_real_id("delivery_id"),
}
# A rebuild of the search index takes no input to fuzz; the raw-bytes test
# sends it payloads that do not parse.
NOT_FUZZED = {"ReindexAll"}


# --- checking answers ------------------------------------------------------


def allowed_codes(service: str, method: str) -> set[grpc.StatusCode]:
    allowed = set(CLEAR)
    table = next(iter(SERVICES[service][1].values()))
    if "administrator" not in table[method]:
        allowed.add(grpc.StatusCode.PERMISSION_DENIED)
    return allowed


def call(channel: grpc.Channel, method: MethodDescriptor, request: Any, metadata: Any) -> None:
    """Calls the method whatever its streaming kind, reading every answer."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    response_type = message_factory.GetMessageClass(method.output_type)

    def serialize(m: Message) -> bytes:
        return m.SerializeToString()

    parse = response_type.FromString
    kind = (method.client_streaming, method.server_streaming)
    if kind == (False, False):
        channel.unary_unary(path, serialize, parse)(
            request, metadata=metadata, timeout=CALL_TIMEOUT
        )
    elif kind == (False, True):
        for _ in channel.unary_stream(path, serialize, parse)(
            request, metadata=metadata, timeout=CALL_TIMEOUT
        ):
            pass
    elif kind == (True, False):
        channel.stream_unary(path, serialize, parse)(
            iter(request), metadata=metadata, timeout=CALL_TIMEOUT
        )
    else:
        raise AssertionError(f"{path}: no bidirectional streams are expected")


def assert_clear(err: grpc.RpcError, allowed: set[grpc.StatusCode], what: str) -> None:
    code = err.code()  # type: ignore[attr-defined]
    message = err.details() or ""  # type: ignore[attr-defined]
    assert code in allowed, f"{what}: {code.name}: {message[:500]}"
    assert message.strip(), f"{what}: {code.name} without a message"
    # The client's own refusal of an answer too big to read hides what to fix.
    assert "metadata size exceeds" not in message, f"{what}: {message[:500]}"
    for violation in field_violations(err):
        assert violation.field and violation.description, f"{what}: empty field violation"


def assert_serving(channel: grpc.Channel) -> None:
    answer = health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=""), timeout=10
    )
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


# --- fixtures --------------------------------------------------------------


@pytest.fixture(scope="module")
def own_case(channels: dict[str, grpc.Channel], admin: Any) -> Iterator[str]:
    """A case of this module's own, so that commands reach its workflow."""
    global OWN_CASE
    token = uuid.uuid4().hex
    answer = intake_pb2_grpc.IntakeServiceStub(channels["intake"]).SubmitComplaint(
        intake_pb2.SubmitComplaintRequest(
            idempotency_key=f"fuzz-{token}",
            channel=common_pb2.CHANNEL_WEB,
            customer=common_pb2.Customer(
                full_name="Fuzz Tester", email=f"fuzz-{token[:12]}@example.test"
            ),
            product="Credit card",
            narrative="I was charged a fee I did not expect.",
            regime=common_pb2.REGIME_NONE,
        ),
        metadata=admin,
        timeout=60,
    )
    OWN_CASE = answer.case_id
    yield answer.case_id


# --- tests -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "method"),
    [(s, m) for s, m in METHODS if m.name not in NOT_FUZZED],
    ids=[f"{s}.{m.name}" for s, m in METHODS if m.name not in NOT_FUZZED],
)
def test_every_rpc_answers_any_request_with_a_clear_status(
    service: str,
    method: MethodDescriptor,
    channels: dict[str, grpc.Channel],
    admin: Any,
    own_case: str,
) -> None:
    channel = channels[service]
    allowed = allowed_codes(service, method.name)
    harmless = MADE_HARMLESS.get(method.name, lambda request: None)

    def made_harmless(request: Any) -> Any:
        harmless(request)
        return request

    one = message(method.input_type).map(made_harmless)
    requests = st.lists(one, max_size=4) if method.client_streaming else one

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests)
    def answers_clearly(request: Any) -> None:
        try:
            call(channel, method, request, admin)
        except grpc.RpcError as err:
            assert_clear(err, allowed, f"{method.full_name}({request!s:.300})")

    answers_clearly()
    assert_serving(channel)


def test_a_message_beyond_the_largest_a_server_receives_is_resource_exhausted(
    channels: dict[str, grpc.Channel], admin: Any
) -> None:
    body = "x" * (MAX_MESSAGE_BYTES + 1024)
    stub = channels["cases"].unary_unary(
        "/redress.cases.v1.CasesService/AddNote",
        cases_pb2.AddNoteRequest.SerializeToString,
        cases_pb2.AddNoteResponse.FromString,
    )
    with pytest.raises(grpc.RpcError) as refused:
        stub(
            cases_pb2.AddNoteRequest(case_id="C-999999999", body=body),
            metadata=admin,
            timeout=CALL_TIMEOUT,
        )
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[attr-defined]

    upload = channels["knowledge"].stream_unary(
        "/redress.knowledge.v1.KnowledgeService/UploadMediaStream",
        knowledge_pb2.UploadMediaStreamRequest.SerializeToString,
        knowledge_pb2.UploadMediaStreamResponse.FromString,
    )
    chunk = knowledge_pb2.UploadMediaStreamRequest(
        file_name="big.pdf", content_type="application/pdf", data=b"\x00" * (MAX_MESSAGE_BYTES + 1)
    )
    with pytest.raises(grpc.RpcError) as refused:
        upload(iter([chunk]), metadata=admin, timeout=CALL_TIMEOUT)
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[attr-defined]
    assert_serving(channels["cases"])
    assert_serving(channels["knowledge"])


def test_an_error_about_a_huge_value_or_many_bad_entries_still_says_what_to_fix(
    channels: dict[str, grpc.Channel], admin: Any
) -> None:
    """A status travels in trailers a client reads only up to a few KiB; a
    refusal echoing what it refuses is cut short rather than lost."""
    cases = channels["cases"]
    list_cases = cases.unary_unary(
        "/redress.cases.v1.CasesService/ListCases",
        cases_pb2.ListCasesRequest.SerializeToString,
        cases_pb2.ListCasesResponse.FromString,
    )
    unknown_channel: Any = 99
    with pytest.raises(grpc.RpcError) as refused:
        list_cases(
            cases_pb2.ListCasesRequest(
                text="\U0001f600" * 100_000, channels=[unknown_channel] * 1_000
            ),
            metadata=admin,
            timeout=CALL_TIMEOUT,
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert {v.field for v in field_violations(refused.value)} == {"channels", "text"}

    get_template = channels["followup"].unary_unary(
        "/redress.followup.v1.FollowupService/ListTemplates",
        followup_pb2.ListTemplatesRequest.SerializeToString,
        followup_pb2.ListTemplatesResponse.FromString,
    )
    with pytest.raises(grpc.RpcError) as refused:
        get_template(
            followup_pb2.ListTemplatesRequest(
                page=common_pb2.PageRequest(page_size=-1, page_token="\x00" * 300_000)
            ),
            metadata=admin,
            timeout=CALL_TIMEOUT,
        )
    assert_clear(refused.value, {grpc.StatusCode.INVALID_ARGUMENT}, "ListTemplates")

    disable = channels["followup"].unary_unary(
        "/redress.followup.v1.FollowupService/DisableWebhook",
        followup_pb2.DisableWebhookRequest.SerializeToString,
        followup_pb2.DisableWebhookResponse.FromString,
    )
    with pytest.raises(grpc.RpcError) as refused:
        disable(
            followup_pb2.DisableWebhookRequest(webhook_id="W-" + "é" * 300_000),
            metadata=admin,
            timeout=CALL_TIMEOUT,
        )
    assert_clear(refused.value, {grpc.StatusCode.NOT_FOUND}, "DisableWebhook")
    assert refused.value.details().startswith("no webhook 'W-éé")  # type: ignore[attr-defined]


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def nested_groups(depth: int) -> bytes:
    """An unknown field 99 as groups inside groups, `depth` deep."""
    return varint(99 << 3 | 3) * depth + varint(99 << 3 | 4) * depth


MALFORMED = {
    "groups nested 100,000 deep": nested_groups(100_000),
    "a truncated varint": b"\x08\xff\xff",
    "a length beyond the end": b"\x0a\xff\xff\xff\x0f" + b"x" * 10,
    "an end-group tag without its start": varint(99 << 3 | 4),
    "wire type 7": b"\x0f",
    "random bytes": bytes(range(256)) * 4,
}


@pytest.fixture(scope="module")
def callers(platform: LocalPlatform, admin: Any) -> Callable[[str, str], Any]:
    """The key each method is called with: the administrator's, or the service
    role's for the methods only the complaint workflow calls (no payload sent
    with it here parses, so nothing is stored)."""
    service_key = bearer(platform.credentials.service_key)

    def key(service: str, method: str) -> Any:
        table = next(iter(SERVICES[service][1].values()))
        return admin if "administrator" in table[method] else service_key

    return key


def assert_refused(
    channel: grpc.Channel, method: MethodDescriptor, payload: bytes, metadata: Any, what: str
) -> None:
    """Sends raw bytes as the method's request, as a client in any language could."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    try:
        if method.client_streaming:
            channel.stream_unary(path)(iter([payload]), metadata=metadata, timeout=CALL_TIMEOUT)
        elif method.server_streaming:
            for _ in channel.unary_stream(path)(payload, metadata=metadata, timeout=CALL_TIMEOUT):
                pass
        else:
            channel.unary_unary(path)(payload, metadata=metadata, timeout=CALL_TIMEOUT)
    except grpc.RpcError as err:
        assert_clear(err, {grpc.StatusCode.INVALID_ARGUMENT}, f"{path} with {what}")
        assert "not a valid message" in (err.details() or ""), f"{path} with {what}"  # type: ignore[attr-defined]
    else:
        pytest.fail(f"{path} accepted {what}")


@pytest.mark.parametrize("what", list(MALFORMED))
def test_a_payload_that_is_not_a_message_is_refused_clearly(
    what: str, channels: dict[str, grpc.Channel], callers: Callable[[str, str], Any]
) -> None:
    for service, method in METHODS:
        metadata = callers(service, method.name)
        assert_refused(channels[service], method, MALFORMED[what], metadata, what)
    for channel in channels.values():
        assert_serving(channel)


def test_text_that_is_not_utf8_is_refused_clearly(
    channels: dict[str, grpc.Channel], callers: Callable[[str, str], Any]
) -> None:
    not_utf8 = b"\xff\xfe\xc3\x28"
    for service, method in METHODS:
        text_fields = [f for f in method.input_type.fields if f.type == FieldDescriptor.TYPE_STRING]
        if not text_fields:
            continue
        payload = varint(text_fields[0].number << 3 | 2) + varint(len(not_utf8)) + not_utf8
        metadata = callers(service, method.name)
        assert_refused(channels[service], method, payload, metadata, "text that is not UTF-8")
    for channel in channels.values():
        assert_serving(channel)


def test_every_method_is_fuzzed() -> None:
    """A method added to a service is fuzzed without anyone listing it."""
    pool = descriptor_pool.Default()
    for module, table in SERVICES.values():
        for service in module.DESCRIPTOR.services_by_name.values():
            assert pool.FindServiceByName(service.full_name) is not None
            assert {m.name for m in service.methods} == set(table[service.full_name])
