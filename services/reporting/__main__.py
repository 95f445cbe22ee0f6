"""`python -m services.reporting`: figures, regulatory returns, saved reports, exports."""

from __future__ import annotations

import grpc

from redress.platform import serving
from redress.platform.planned import open_to_all_roles, planned_servicer
from redress.platform.settings import Env
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc

DESCRIPTOR = reporting_pb2.DESCRIPTOR.services_by_name["ReportingService"]


def build(env: Env) -> tuple[serving.ServiceSpec, serving.ServingSettings]:
    settings = serving.ServingSettings.from_env("reporting", 50055, 9105, env)

    def register(server: grpc.aio.Server) -> None:
        reporting_pb2_grpc.add_ReportingServiceServicer_to_server(
            planned_servicer(reporting_pb2_grpc.ReportingServiceServicer, DESCRIPTOR), server
        )

    spec = serving.ServiceSpec(
        name="reporting",
        service_names=[DESCRIPTOR.full_name],
        register=register,
        access=open_to_all_roles(DESCRIPTOR),
    )
    return spec, settings


if __name__ == "__main__":
    serving.main(build)
