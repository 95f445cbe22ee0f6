"""`python -m services.knowledge`: articles and media, searched through Meilisearch.

The service reports NOT_SERVING on its health endpoint while Meilisearch
does not answer, so that orchestrators and `redress health` show it.
"""

from __future__ import annotations

import asyncio

import grpc
import meilisearch

from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.platform import serving
from redress.platform.planned import open_to_all_roles, planned_servicer
from redress.platform.settings import Env

DESCRIPTOR = knowledge_pb2.DESCRIPTOR.services_by_name["KnowledgeService"]


def build(env: Env) -> tuple[serving.ServiceSpec, serving.ServingSettings]:
    settings = serving.ServingSettings.from_env("knowledge", 50054, 9104, env)
    url = env.string("REDRESS_MEILISEARCH_URL", "http://127.0.0.1:7700")
    key = env.string("REDRESS_MEILISEARCH_KEY", "")
    search = meilisearch.Client(url, key or None, timeout=2)

    def register(server: grpc.aio.Server) -> None:
        knowledge_pb2_grpc.add_KnowledgeServiceServicer_to_server(
            planned_servicer(knowledge_pb2_grpc.KnowledgeServiceServicer, DESCRIPTOR), server
        )

    async def readiness() -> bool:
        def check() -> bool:
            try:
                return bool(search.is_healthy()) and bool(search.get_indexes({"limit": 1}))
            except Exception:
                return False

        return await asyncio.to_thread(check)

    spec = serving.ServiceSpec(
        name="knowledge",
        service_names=[DESCRIPTOR.full_name],
        register=register,
        access=open_to_all_roles(DESCRIPTOR),
        readiness=readiness,
    )
    return spec, settings


if __name__ == "__main__":
    serving.main(build)
