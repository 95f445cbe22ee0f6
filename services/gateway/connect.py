"""Connect's unary JSON protocol in front of Redress's gRPC services (a WSGI app).

POST /<package>.<Service>/<Method> with a JSON body (the proto3 JSON mapping
of the request) answers 200 with the JSON response, or an error as Connect
specifies it: the HTTP status of the gRPC code and a body
{"code": "invalid_argument", "message": ..., "details": [...]}. Each call is
made on the real gRPC service with the caller's own key, so the gateway
checks no key and no role itself: the service's answer is the answer.
Spec: https://connectrpc.com/docs/protocol/
"""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc import status_pb2
from prometheus_client import Counter, Histogram

from redress.platform import logs
from redress.platform.errors import MESSAGE_BYTES, clipped
from services.gateway.methods import ExposedMethod, exposed_methods

log = logging.getLogger("redress.http")

HTTP_CALLS = Counter(
    "redress_http_calls_total",
    "HTTP/JSON calls by method and Connect code",
    ["method", "code"],
)
HTTP_LATENCY = Histogram("redress_http_call_seconds", "HTTP/JSON call latency", ["method"])

# The HTTP status Connect gives each gRPC code (connectrpc.com/docs/protocol,
# "Error Codes").
HTTP_STATUS = {
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}
STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    499: "Client Closed Request",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def connect_code(code: grpc.StatusCode) -> str:
    """Connect's name of a gRPC code ("invalid_argument"; CANCELLED is "canceled")."""
    return "canceled" if code == grpc.StatusCode.CANCELLED else code.name.lower()


@dataclass(frozen=True)
class GatewaySettings:
    max_body_bytes: int
    # The longest a call may take when the caller sends no Connect-Timeout-Ms.
    call_timeout_seconds: float


class Refusal(Exception):
    """An answer the gateway gives itself, before any gRPC call."""

    def __init__(
        self, http_status: int, code: grpc.StatusCode, message: str, headers: Iterable = ()
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message
        self.headers = list(headers)


def error_body(code: grpc.StatusCode, message: str, details: list[dict[str, Any]]) -> bytes:
    body: dict[str, Any] = {"code": connect_code(code), "message": message}
    if details:
        body["details"] = details
    return json.dumps(body).encode()


def error_details(err: grpc.RpcError) -> list[dict[str, Any]]:
    """The google.rpc details of a gRPC error, in Connect's form.

    Each carries its bytes ("value", base64 without padding, as Connect
    clients decode it) and, in "debug", the same detail as JSON, so that a
    caller without protobuf can read the field violations one by one."""
    for key, value in err.trailing_metadata() or ():  # type: ignore[attr-defined]
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        found = []
        for detail in status.details:
            entry: dict[str, Any] = {
                "type": detail.type_url.rpartition("/")[2],
                "value": base64.b64encode(detail.value).decode().rstrip("="),
            }
            try:
                entry["debug"] = json_format.MessageToDict(detail)
                entry["debug"].pop("@type", None)
            except (TypeError, json_format.Error):
                pass  # a detail type this process does not know: its bytes still go
            found.append(entry)
        return found
    return []


ForwardedHeaders = tuple[tuple[str, str], ...]


class Gateway:
    """The WSGI application: routes, forwards, and answers in Connect's form."""

    def __init__(
        self,
        channels: Mapping[str, grpc.Channel],
        settings: GatewaySettings,
        openapi: Callable[[], bytes],
    ) -> None:
        self.methods = exposed_methods()
        self.settings = settings
        self.openapi = openapi
        self.calls = {
            path: channels[m.process].unary_unary(
                path,
                request_serializer=lambda msg: msg.SerializeToString(),
                response_deserializer=m.response_class().FromString,
            )
            for path, m in self.methods.items()
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        verb = environ.get("REQUEST_METHOD", "GET")
        rid = (environ.get("HTTP_X_REQUEST_ID", "") or uuid.uuid4().hex)[:64]
        logs.request_id.set(rid)
        if path == "/openapi.json" and verb in ("GET", "HEAD"):
            return self._answer(start_response, 200, self.openapi(), rid)
        method = self.methods.get(path)
        started = time.perf_counter()
        try:
            if method is None:
                raise Refusal(
                    404,
                    grpc.StatusCode.UNIMPLEMENTED,
                    f"{path} is not served over HTTP/JSON; served: "
                    + ", ".join(f"POST {p}" for p in sorted(self.methods))
                    + ", GET /openapi.json",
                )
            body = self._call(method, environ, rid)
            self._count(method, grpc.StatusCode.OK, started)
            return self._answer(start_response, 200, body, rid)
        except Refusal as refusal:
            self._count(method, refusal.code, started)
            return self._answer(
                start_response,
                refusal.http_status,
                error_body(refusal.code, refusal.message, []),
                rid,
                refusal.headers,
            )
        except grpc.RpcError as err:
            code = err.code()  # type: ignore[attr-defined]
            self._count(method, code, started)
            message = err.details() or ""  # type: ignore[attr-defined]
            transport_failed = not err.trailing_metadata()  # type: ignore[attr-defined]
            if code == grpc.StatusCode.UNAVAILABLE and transport_failed and method:
                # The channel's own words name internal addresses.
                message = f"the {method.process} service did not answer; try again shortly"
            return self._answer(
                start_response,
                HTTP_STATUS.get(code, 500),
                error_body(code, message, error_details(err)),
                rid,
            )

    def _call(self, method: ExposedMethod, environ: dict[str, Any], rid: str) -> bytes:
        verb = environ.get("REQUEST_METHOD", "GET")
        if verb != "POST":
            raise Refusal(
                405,
                grpc.StatusCode.UNIMPLEMENTED,
                f"{method.path} takes POST with a JSON body, not {verb}",
                [("Allow", "POST")],
            )
        content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise Refusal(
                415,
                grpc.StatusCode.INVALID_ARGUMENT,
                "send the request as JSON with Content-Type: application/json "
                f"(got {content_type or 'none'}); the binary form is served over gRPC",
            )
        request = self._parse(method, environ)
        metadata = [("x-request-id", rid)]
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if authorization:
            metadata.append(("authorization", authorization))
        api_key = environ.get("HTTP_X_API_KEY", "")
        if api_key:
            metadata.append(("x-api-key", api_key))
        response = self.calls[method.path](
            request, metadata=metadata, timeout=self._timeout(environ)
        )
        return json_format.MessageToJson(response, indent=None).encode()

    def _parse(self, method: ExposedMethod, environ: dict[str, Any]) -> Message:
        limit = self.settings.max_body_bytes
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise Refusal(
                413,
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"the request body has {length} bytes; at most {limit} are taken",
            )
        data = environ["wsgi.input"].read(min(length, limit + 1)) if length else b""
        request = method.new_request()
        name = method.descriptor.input_type.name
        try:
            text = data.decode("utf-8") if data.strip() else "{}"
            json_format.Parse(text, request)
        except UnicodeDecodeError as err:
            raise Refusal(
                400,
                grpc.StatusCode.INVALID_ARGUMENT,
                f"the body is not UTF-8 text (byte {err.start}); send JSON in UTF-8",
            ) from None
        except json_format.ParseError as err:
            reason = str(err).split("\n")[0]
            raise Refusal(
                400,
                grpc.StatusCode.INVALID_ARGUMENT,
                clipped(
                    f"the body is not a valid {name} in JSON: {reason}; see /openapi.json",
                    MESSAGE_BYTES,
                ),
            ) from None
        return request

    def _timeout(self, environ: dict[str, Any]) -> float:
        ceiling = self.settings.call_timeout_seconds
        given = environ.get("HTTP_CONNECT_TIMEOUT_MS", "")
        if not given:
            return ceiling
        if not given.isdigit() or len(given) > 10:
            raise Refusal(
                400,
                grpc.StatusCode.INVALID_ARGUMENT,
                "Connect-Timeout-Ms must be a whole number of milliseconds (at most 10 digits)",
            )
        return min(int(given) / 1000, ceiling)

    def _count(self, method: ExposedMethod | None, code: grpc.StatusCode, started: float) -> None:
        name = method.path.lstrip("/") if method else "unknown"
        HTTP_CALLS.labels(name, connect_code(code)).inc()
        HTTP_LATENCY.labels(name).observe(time.perf_counter() - started)
        # Who called what and how it ended, never what was sent: requests
        # carry customers' personal data.
        log.log(
            logging.DEBUG if code == grpc.StatusCode.OK else logging.INFO,
            "call",
            extra={"fields": {"method": name, "code": code.name}},
        )

    def _answer(
        self,
        start_response: Callable[..., Any],
        status: int,
        body: bytes,
        rid: str,
        headers: Iterable[tuple[str, str]] = (),
    ) -> list[bytes]:
        start_response(
            f"{status} {STATUS_TEXT.get(status, 'Error')}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("X-Request-Id", rid),
                ("Cache-Control", "no-store"),
                *headers,
            ],
        )
        return [body]
