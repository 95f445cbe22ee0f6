"""`python -m services.followup`: templates, customer messages, webhooks, staff alerts."""

from __future__ import annotations

import grpc

from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.platform import serving
from redress.platform.planned import open_to_all_roles, planned_servicer
from redress.platform.settings import Env

DESCRIPTOR = followup_pb2.DESCRIPTOR.services_by_name["FollowupService"]


def build(env: Env) -> tuple[serving.ServiceSpec, serving.ServingSettings]:
    settings = serving.ServingSettings.from_env("followup", 50053, 9103, env)

    def register(server: grpc.aio.Server) -> None:
        followup_pb2_grpc.add_FollowupServiceServicer_to_server(
            planned_servicer(followup_pb2_grpc.FollowupServiceServicer, DESCRIPTOR), server
        )

    spec = serving.ServiceSpec(
        name="followup",
        service_names=[DESCRIPTOR.full_name],
        register=register,
        access=open_to_all_roles(DESCRIPTOR),
    )
    return spec, settings


if __name__ == "__main__":
    serving.main(build)
