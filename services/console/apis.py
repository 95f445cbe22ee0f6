"""The console's only way to the platform: the gRPC APIs, called as the person signed in.

Each call carries the person's own API key, so the services decide what they
may see and do exactly as they would for any other client; the console never
widens it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc

from redress.cases.v1 import cases_pb2_grpc
from redress.followup.v1 import followup_pb2_grpc
from redress.intake.v1 import intake_pb2_grpc
from redress.knowledge.v1 import knowledge_pb2_grpc
from redress.platform import channels
from redress.platform.errors import field_violations
from redress.platform.tls import ClientTls
from redress.reporting.v1 import reporting_pb2_grpc

SERVICES = ("intake", "cases", "followup", "knowledge", "reporting")
TIMEOUT = 30.0

# What a person reads when a service refuses, by status; the service's own
# message follows.
REFUSALS = {
    grpc.StatusCode.INVALID_ARGUMENT: "Please correct the fields marked below.",
    grpc.StatusCode.NOT_FOUND: "Not found.",
    grpc.StatusCode.FAILED_PRECONDITION: "Not possible now.",
    grpc.StatusCode.PERMISSION_DENIED: "Your role does not allow this.",
    grpc.StatusCode.UNAUTHENTICATED: "Your sign-in is no longer valid.",
    grpc.StatusCode.ALREADY_EXISTS: "This already exists.",
    grpc.StatusCode.UNAVAILABLE: "A service is unavailable; try again shortly.",
    grpc.StatusCode.DEADLINE_EXCEEDED: "A service took too long to answer; try again.",
}


@dataclass
class Refusal(Exception):
    """A service said no: its status, its message and the fields to fix."""

    code: grpc.StatusCode
    message: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        return REFUSALS.get(self.code, "The request failed.")

    @classmethod
    def of_fields(cls, fields: dict[str, str]) -> Refusal:
        """A refusal the console makes itself, for fields it cannot read: shown
        next to the fields exactly as a service's own would be."""
        return cls(grpc.StatusCode.INVALID_ARGUMENT, "", fields)

    def unmarked(self, shown: list[str]) -> list[tuple[str, str]]:
        """(field, problem) for the problems with fields a form does not show."""
        return [
            (path, description)
            for path, description in self.fields.items()
            if not any(
                path == name or path.startswith(name + ".") or path.startswith(name + "[")
                for name in shown
            )
        ]

    def field(self, *names: str) -> str:
        """The problem with a form field, matched by the API field names it maps to."""
        for name in names:
            for path, description in self.fields.items():
                if path == name or path.startswith(name + ".") or path.startswith(name + "["):
                    return description
        return ""


def refusal(err: grpc.RpcError) -> Refusal:
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    details = err.details() if hasattr(err, "details") else str(err)
    fields = {v.field: v.description for v in field_violations(err)}
    return Refusal(code, details or "", fields)


class Apis:
    """Channels to the services, opened once and shared by every request."""

    def __init__(self, addresses: dict[str, str], tls: ClientTls | None = None) -> None:
        options = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
        tls = tls or ClientTls()
        self.channels = {name: channels.channel(addresses[name], options, tls) for name in SERVICES}
        self.stubs: dict[str, Any] = {
            "intake": intake_pb2_grpc.IntakeServiceStub(self.channels["intake"]),
            "cases": cases_pb2_grpc.CasesServiceStub(self.channels["cases"]),
            "followup": followup_pb2_grpc.FollowupServiceStub(self.channels["followup"]),
            "knowledge": knowledge_pb2_grpc.KnowledgeServiceStub(self.channels["knowledge"]),
            "reporting": reporting_pb2_grpc.ReportingServiceStub(self.channels["reporting"]),
        }

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()

    def as_person(self, key: str) -> Caller:
        return Caller(self, (("authorization", f"Bearer {key}"),))


class Caller:
    """Calls made on behalf of one person."""

    def __init__(self, apis: Apis, metadata: tuple[tuple[str, str], ...]) -> None:
        self._apis = apis
        self._metadata = metadata

    def call(self, service: str, method: str, request: Any, timeout: float = TIMEOUT) -> Any:
        rpc: Callable[..., Any] = getattr(self._apis.stubs[service], method)
        try:
            return rpc(request, metadata=self._metadata, timeout=timeout)
        except grpc.RpcError as err:
            raise refusal(err) from None

    def stream(self, service: str, method: str, request: Any) -> list[Any]:
        rpc: Callable[..., Any] = getattr(self._apis.stubs[service], method)
        try:
            return list(rpc(request, metadata=self._metadata, timeout=TIMEOUT))
        except grpc.RpcError as err:
            raise refusal(err) from None

    def intake(self, method: str, request: Any) -> Any:
        return self.call("intake", method, request)

    def cases(self, method: str, request: Any) -> Any:
        return self.call("cases", method, request)

    def followup(self, method: str, request: Any) -> Any:
        return self.call("followup", method, request)

    def knowledge(self, method: str, request: Any) -> Any:
        return self.call("knowledge", method, request)

    def reporting(self, method: str, request: Any, timeout: float = TIMEOUT) -> Any:
        return self.call("reporting", method, request, timeout)
