"""`python -m services.knowledge`: articles and media, searched through Meilisearch.

Besides its gRPC API the service runs the indexer (the outbox to Meilisearch,
in the background) and a Temporal worker on `<task queue>-knowledge`, whose
activity suggests articles for each new complaint. The health endpoint says
NOT_SERVING while Meilisearch does not answer, so that orchestrators and
`redress health` show it; writes are accepted meanwhile and indexed later.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import grpc
import meilisearch
from temporalio.worker import Worker

from redress.cases.v1 import cases_pb2_grpc
from redress.db import database_url
from redress.db.migrate import wait_for_schema
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.platform import channels, serving
from redress.platform.scope import agent_scope
from redress.platform.settings import Env
from redress.platform.staff import StaffDirectoryReader, fetch_from_cases
from redress.platform.status_links import CustomerCaseAccess
from redress.platform.temporal import TemporalSettings, connect
from redress.platform.tls import ClientTls
from services.knowledge import embeddings
from services.knowledge.activities import KnowledgeActivities, knowledge_queue
from services.knowledge.blobs import DiskBlobStore
from services.knowledge.indexer import SEMANTIC_UP, Indexer, SearchIndex
from services.knowledge.servicer import ACCESS, CUSTOMER_CASE_METHODS, KnowledgeServicer
from services.knowledge.store import KnowledgeStore

DESCRIPTOR = knowledge_pb2.DESCRIPTOR.services_by_name["KnowledgeService"]
log = logging.getLogger("redress.knowledge")


@dataclass(frozen=True)
class KnowledgeSettings:
    database_url: str
    meilisearch_url: str
    meilisearch_key: str
    index_uid: str
    media_dir: str
    max_media_bytes: int
    reindex_batch: int
    cases_address: str
    service_api_key: str
    schema_wait_seconds: float
    semantic_search: bool

    @classmethod
    def from_env(cls, env: Env) -> KnowledgeSettings:
        settings = cls(
            database_url=env.string("REDRESS_DATABASE_URL", database_url()),
            meilisearch_url=env.string("REDRESS_MEILISEARCH_URL", "http://127.0.0.1:7700"),
            meilisearch_key=env.string("REDRESS_MEILISEARCH_KEY", ""),
            index_uid=env.string("REDRESS_MEILISEARCH_INDEX", "articles"),
            media_dir=env.string(
                "REDRESS_MEDIA_DIR", os.path.join(env.string("REDRESS_DATA_DIR", "var"), "media")
            ),
            max_media_bytes=int(env.number("REDRESS_MEDIA_MAX_BYTES", 100 * 1024 * 1024)),
            reindex_batch=env.integer("REDRESS_KNOWLEDGE_REINDEX_BATCH", 1000, minimum=1),
            cases_address=env.address("REDRESS_CASES_ADDRESS", "127.0.0.1:50052"),
            service_api_key=env.string("REDRESS_SERVICE_API_KEY", ""),
            schema_wait_seconds=env.number("REDRESS_SCHEMA_WAIT_SECONDS", 120.0),
            semantic_search=env.flag("REDRESS_KNOWLEDGE_SEMANTIC", True),
        )
        if not settings.service_api_key:
            env.problems.append(
                "REDRESS_SERVICE_API_KEY is not set: the knowledge service reads cases "
                "from services/cases with a key that has the service role"
            )
        if not settings.index_uid.replace("_", "").replace("-", "").isalnum():
            env.problems.append("REDRESS_MEILISEARCH_INDEX: letters, digits, - and _ only")
        return settings


def build(env: Env) -> tuple[serving.ServiceSpec, serving.ServingSettings]:
    settings = KnowledgeSettings.from_env(env)
    scope = agent_scope(env)
    temporal = TemporalSettings.from_env(env)
    serving_settings = serving.ServingSettings.from_env("knowledge", 50054, 9104, env)
    cases_tls = ClientTls.from_env(env)
    index = SearchIndex(
        lambda: meilisearch.Client(
            settings.meilisearch_url, settings.meilisearch_key or None, timeout=5
        ),
        settings.index_uid,
    )
    parts: dict[str, object] = {}

    def register(server: grpc.aio.Server) -> None:
        servicer = parts["servicer"]
        assert isinstance(servicer, KnowledgeServicer)
        knowledge_pb2_grpc.add_KnowledgeServiceServicer_to_server(servicer, server)

    async def on_start() -> Callable[[], Awaitable[None]]:
        await wait_for_schema(settings.database_url, settings.schema_wait_seconds)
        store = KnowledgeStore(settings.database_url)
        # The embedding model is loaded once, before serving: a first search
        # does not wait for it, and a failure to load it is logged at start.
        embedder = embeddings.shared(settings.semantic_search)
        SEMANTIC_UP.set(1 if await asyncio.to_thread(lambda: embedder.available) else 0)
        indexer = Indexer(store, index, rebuild_batch=settings.reindex_batch, embedder=embedder)
        indexing = asyncio.create_task(indexer.run())
        channel = channels.aio_channel(settings.cases_address, tls=cases_tls)
        cases = cases_pb2_grpc.CasesServiceStub(channel)
        # Agents limited to their teams: the teams the case service's directory says.
        directory: StaffDirectoryReader | None = None
        if scope.teams_of is not None:
            directory = StaffDirectoryReader(fetch_from_cases(cases, settings.service_api_key))
            await directory.refresh()
            directory.start()
        servicer = KnowledgeServicer(
            store,
            index,
            indexer,
            DiskBlobStore(settings.media_dir),
            cases,
            settings.service_api_key,
            settings.max_media_bytes,
            scope.with_directory(directory) if directory else scope,
            embedder,
        )
        temporal_client = await connect(temporal)
        worker = Worker(
            temporal_client,
            task_queue=knowledge_queue(temporal),
            activities=[KnowledgeActivities(servicer, store).suggest_for_case],
            graceful_shutdown_timeout=timedelta(seconds=5),
        )
        running = asyncio.create_task(worker.run())
        parts["servicer"] = servicer
        parts["store"] = store

        async def close() -> None:
            await worker.shutdown()
            if directory is not None:
                await directory.stop()
            indexing.cancel()
            await asyncio.gather(running, indexing, return_exceptions=True)
            await channel.close()
            store.close()

        return close

    async def readiness() -> bool:
        store = parts.get("store")
        if not isinstance(store, KnowledgeStore) or not await asyncio.to_thread(store.ping):
            return False
        return await asyncio.to_thread(index.healthy)

    spec = serving.ServiceSpec(
        name="knowledge",
        service_names=[DESCRIPTOR.full_name],
        register=register,
        access=ACCESS,
        on_start=on_start,
        readiness=readiness,
        admit_request=CustomerCaseAccess(None, CUSTOMER_CASE_METHODS),
    )
    return spec, serving_settings


if __name__ == "__main__":
    serving.main(build)
