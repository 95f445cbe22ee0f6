"""Errors a caller can cause, as gRPC statuses that say what to fix.

Service code raises `ServiceError` (or `InvalidArgument` with one violation
per bad field); the serving interceptor turns it into a gRPC status with
google.rpc details, so that clients in any language can read the fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
from google.protobuf import any_pb2, timestamp_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

# A status travels in trailers, and a client drops a response whose metadata
# passes 8 KiB (16 KiB at most): an error echoing a huge value or listing a
# thousand bad entries would reach the caller as an opaque RESOURCE_EXHAUSTED
# instead of what to fix. Messages and field violations are kept well within.
MESSAGE_BYTES = 500
VIOLATIONS_BYTES = 3000
FIELD_BYTES, DESCRIPTION_BYTES = 200, 300


def clipped(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, marked where it was cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


def _shown(violations: list[FieldViolation]) -> list[FieldViolation]:
    """The violations that fit in a status, and a last one saying how many did not."""
    shown: list[FieldViolation] = []
    used = 0
    for i, v in enumerate(violations):
        short = FieldViolation(
            clipped(v.field, FIELD_BYTES), clipped(v.description, DESCRIPTION_BYTES)
        )
        used += len(short.field.encode()) + len(short.description.encode())
        if used > VIOLATIONS_BYTES:
            more = len(violations) - i
            shown.append(
                FieldViolation(
                    short.field,
                    f"and {more} more problems not listed; fix those above and send again",
                )
            )
            break
        shown.append(short)
    return shown


class ServiceError(Exception):
    """A refusal with a status code and a message for the caller."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        message = clipped(message, MESSAGE_BYTES)
        super().__init__(message)
        self.code = code
        self.message = message

    def details(self) -> list[any_pb2.Any]:
        return []

    def to_status(self) -> status_pb2.Status:
        status = status_pb2.Status(code=self.code.value[0], message=self.message)
        status.details.extend(self.details())
        return status


class InvalidArgument(ServiceError):
    """INVALID_ARGUMENT listing every bad field and what is expected of it."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        shown = _shown(violations)
        fields = ", ".join(v.field for v in shown)
        summary = "; ".join(f"{v.field}: {v.description}" for v in shown)
        super().__init__(grpc.StatusCode.INVALID_ARGUMENT, f"invalid fields ({fields}): {summary}")
        self.violations = violations
        self.shown = shown

    def details(self) -> list[any_pb2.Any]:
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in self.shown
            ]
        )
        packed = any_pb2.Any()
        packed.Pack(bad_request)
        return [packed]


class NotFound(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(grpc.StatusCode.NOT_FOUND, message)


class FailedPrecondition(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(grpc.StatusCode.FAILED_PRECONDITION, message)


class AlreadyExists(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(grpc.StatusCode.ALREADY_EXISTS, message)


class Unavailable(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(grpc.StatusCode.UNAVAILABLE, message)


class Violations:
    """Collects field violations while a request is checked."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidArgument(self.items)


def checked_time(v: Violations, field: str, value: timestamp_pb2.Timestamp) -> datetime | None:
    """The time a Timestamp holds, or None with a violation when it holds none
    (seconds outside years 1 to 9999, or nanos outside 0 to 999,999,999)."""
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        v.add(
            field,
            "not a valid time: seconds within years 1 to 9999 UTC and nanos from 0 to 999999999",
        )
        return None


def from_dependency(err: BaseException) -> ServiceError | None:
    """A failure of something a service depends on, as the status a caller can act on.

    The database dropping or refusing connections (a failover, a restart, a
    network blip) is UNAVAILABLE: its transaction was rolled back, and the call
    can be made again. Other errors stay unexplained (INTERNAL).
    """
    from sqlalchemy import exc

    if isinstance(err, exc.OperationalError) or (
        isinstance(err, exc.DBAPIError) and err.connection_invalidated
    ):
        return Unavailable(
            "the database did not answer (connection lost or refused); try again shortly"
        )
    return None


def status_trailers(error: ServiceError) -> tuple[grpc.StatusCode, str, tuple]:
    """The code, message and trailing metadata that carry `error` to the caller."""
    status = rpc_status.to_status(error.to_status())
    return status.code, status.details, tuple(status.trailing_metadata)


def field_violations(err: grpc.aio.AioRpcError | grpc.RpcError) -> list[FieldViolation]:
    """The field violations a Redress server sent with an error, for clients."""
    metadata = err.trailing_metadata() or ()
    for key, value in metadata:  # type: ignore[misc]
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        found: list[FieldViolation] = []
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                found.extend(FieldViolation(v.field, v.description) for v in bad.field_violations)
        return found
    return []


def error_reasons(err: grpc.aio.AioRpcError | grpc.RpcError) -> list[str]:
    """What a Redress server's error says (without its code), each reason
    once, for a person.

    An INVALID_ARGUMENT's message already lists its field violations: shown
    beside them it would say every reason twice."""
    violations = field_violations(err)
    if violations:
        return [f"{v.field}: {v.description}" for v in violations]
    return [err.details() or ""]  # type: ignore[union-attr]


__all__ = [
    "FailedPrecondition",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "ServiceError",
    "Unavailable",
    "Violations",
    "checked_time",
    "code_pb2",
    "field_violations",
    "from_dependency",
    "status_trailers",
]
