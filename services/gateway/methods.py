"""The gRPC methods served over HTTP/JSON, and nothing else.

Intake and the read side of the case API: what a web front end needs to file
a complaint with the customer's files and what a CRM needs to follow the case
it created. Adding a file is intake's other half (the same roles may call it,
and it changes nothing of how the case is handled), so it is served with
them. Staff reminders are served too, so that a CRM or helpdesk can set its
users' call-backs on a case; a draft policy's what-if changes nothing. Other
commands on cases stay on gRPC and the console, where their refusals are
designed for.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from redress.cases.v1 import cases_pb2
from redress.intake.v1 import intake_pb2
from redress.reporting.v1 import reporting_pb2

# gRPC service name -> (the Redress process that serves it, methods exposed).
EXPOSED: dict[str, tuple[str, tuple[str, ...]]] = {
    "redress.intake.v1.IntakeService": ("intake", ("SubmitComplaint",)),
    "redress.cases.v1.CasesService": (
        "cases",
        (
            "GetCase",
            "ListCases",
            "ListNotes",
            "ListAuditEvents",
            "VerifyAuditTrail",
            "UploadAttachment",
            "ListAttachments",
            "DownloadAttachment",
            # The staff directory, for a front end that lists who may be
            # assigned (changes to it stay on gRPC and the console).
            "ListStaff",
            "ListStaffChanges",
            "SetReminder",
            "CancelReminder",
        ),
    ),
    # A draft policy's effect on past cases, read before publishing it
    # (changes nothing, so a web front end may offer it).
    "redress.reporting.v1.ReportingService": ("reporting", ("WhatIfPolicy",)),
}

_FILES = {
    "redress.intake.v1.IntakeService": intake_pb2.DESCRIPTOR,
    "redress.cases.v1.CasesService": cases_pb2.DESCRIPTOR,
    "redress.reporting.v1.ReportingService": reporting_pb2.DESCRIPTOR,
}


@dataclass(frozen=True)
class ExposedMethod:
    """One unary method, reached at POST /<service>/<method>."""

    process: str
    descriptor: MethodDescriptor

    @property
    def path(self) -> str:
        return f"/{self.descriptor.containing_service.full_name}/{self.descriptor.name}"

    def new_request(self) -> Message:
        return message_factory.GetMessageClass(self.descriptor.input_type)()

    def response_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.descriptor.output_type)


def exposed_methods() -> dict[str, ExposedMethod]:
    """Path -> method, for every method served over HTTP/JSON."""
    found: dict[str, ExposedMethod] = {}
    for service_name, (process, names) in EXPOSED.items():
        service = _FILES[service_name].services_by_name[service_name.rpartition(".")[2]]
        for name in names:
            method = service.methods_by_name[name]
            # Streaming methods would need Connect's enveloped streaming form.
            assert not method.client_streaming and not method.server_streaming, name
            exposed = ExposedMethod(process, method)
            found[exposed.path] = exposed
    return found
