"""Errors a caller can cause, as gRPC statuses that say what to fix.

Service code raises `ServiceError` (or `InvalidArgument` with one violation
per bad field); the serving interceptor turns it into a gRPC status with
google.rpc details, so that clients in any language can read the fields.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class ServiceError(Exception):
    """A refusal with a status code and a message for the caller."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
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
        fields = ", ".join(v.field for v in violations)
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        super().__init__(grpc.StatusCode.INVALID_ARGUMENT, f"invalid fields ({fields}): {summary}")
        self.violations = violations

    def details(self) -> list[any_pb2.Any]:
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in self.violations
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


__all__ = [
    "FailedPrecondition",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "ServiceError",
    "Unavailable",
    "Violations",
    "code_pb2",
    "field_violations",
    "status_trailers",
]
