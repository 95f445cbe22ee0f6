"""Keeps the Meilisearch index on the database's word.

`SearchIndex` wraps the Meilisearch client: settings applied as code,
documents written with every task awaited and its failure surfaced, searches.
`Indexer` drains the outbox (kb_index_outbox) in the background: each batch
is written from the articles as they now stand and its rows removed only once
Meilisearch reports the task succeeded; a failed task or an unreachable
engine leaves the rows for a later attempt, with backoff, the error recorded
and counted. `reindex_all` rebuilds everything into a fresh index and swaps it
in, so searches never see a half-built index.

A rebuild and the drainer never run at once: a change drained into the old
index while the rebuild copies the articles would be lost at the swap. The
rebuild clears exactly the outbox rows it saw before reading the articles;
rows written since are drained into the new index after the swap.

Every replica of the service runs an indexer on the one outbox; one at a time
drains or rebuilds (a turn, redress/db/turns.py, on PostgreSQL). Two at once
would write the same changes twice, and one that read an article before the
other read a newer revision could write its older reading last: the index
would keep it with nothing left in the outbox to correct it. A replica that
finds the turn taken leaves the rows to the one draining them and looks
again at its next poll; a replica that dies gives the turn back with its
database connection.

Meilisearch can come back from an outage without its data (a new volume, a
lost disk). The indexer looks every few seconds: an index that is missing,
that was created without the settings in code (a write recreates a deleted
index with default settings), or whose document count stays unequal to the
database's, is given its settings again and rebuilt from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import meilisearch
import requests
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)
from prometheus_client import Counter, Gauge

from redress.db.tables.knowledge import Article
from redress.db.turns import Turn, take_turn
from services.knowledge import search
from services.knowledge.embeddings import ArticleText, SentenceEmbedder
from services.knowledge.store import KnowledgeStore

log = logging.getLogger("redress.knowledge")

PENDING = Gauge(
    "redress_knowledge_index_pending", "Article changes not yet written to the search index."
)
LAG = Gauge(
    "redress_knowledge_index_lag_seconds",
    "Age of the oldest article change not yet in the search index (0 when none).",
)
FAILURES = Counter(
    "redress_knowledge_index_failures_total",
    "Index writes that failed, by cause (task_failed: Meilisearch refused the task; "
    "unreachable: it did not answer).",
    ["cause"],
)
ENGINE_UP = Gauge("redress_knowledge_search_engine_up", "1 while Meilisearch answers.")
SEMANTIC_UP = Gauge(
    "redress_knowledge_semantic_search_up",
    "1 when questions are also searched by meaning (the embedding model loaded); 0 when "
    "search is by keywords only.",
)
REPAIRS = Counter(
    "redress_knowledge_index_repairs_total",
    "Rebuilds started because the index was found missing, without its settings, or with "
    "a document count unequal to the database's, or documents without their vectors, "
    "by cause.",
    ["cause"],
)
TASK_TIMEOUT_MS = 60_000
# How often a rebuild asks for the turn while another replica holds it.
TURN_POLL_SECONDS = 0.2


class IndexTaskFailed(RuntimeError):
    """Meilisearch processed a task and reported it failed."""


@dataclass(frozen=True)
class IndexState:
    exists: bool
    configured: bool  # filterable by the fields the service filters on, with the embedder
    documents: int


class SearchIndex:
    """One index, used from many threads (searches and the indexer run in
    `asyncio.to_thread`). Each thread gets a client of its own: the Meilisearch
    client keeps its request headers in one dict that every call rewrites (a
    GET removes the Content-Type a POST on another thread has just set, and
    Meilisearch refuses that POST), so a client is never shared.

    Searches, the service's hot path, are sent on a kept-alive connection of
    the thread's own `requests.Session`: the Meilisearch client opens a new
    connection (and a new session) for every call, which cost a search about
    a millisecond more than Meilisearch's own time (docs/BENCHMARKS.md)."""

    def __init__(self, connect: Callable[[], meilisearch.Client], uid: str) -> None:
        self._connect = connect
        self._local = threading.local()
        self.uid = uid

    @property
    def client(self) -> meilisearch.Client:
        client: meilisearch.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._connect()
        return client

    @property
    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            config = self.client.config
            session.headers["Content-Type"] = "application/json"
            if config.api_key:
                session.headers["Authorization"] = f"Bearer {config.api_key}"
        return session

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        """A POST on the thread's kept-alive session, failing as the
        Meilisearch client's own calls fail."""
        config = self.client.config
        try:
            response = self._session.post(
                f"{config.url}/{path}", data=json.dumps(body), timeout=config.timeout
            )
        except requests.exceptions.Timeout as err:
            raise MeilisearchTimeoutError(str(err)) from err
        except requests.exceptions.ConnectionError as err:
            raise MeilisearchCommunicationError(str(err)) from err
        if response.status_code >= 400:
            raise MeilisearchApiError(str(response.status_code), response)
        return response.json()

    def _wait(self, task_uid: int) -> None:
        task = self.client.wait_for_task(task_uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=20)
        if task.status != "succeeded":
            error = task.error or {}
            raise IndexTaskFailed(
                f"Meilisearch task {task_uid} ({task.type}) {task.status}: "
                f"{error.get('code', '')} {error.get('message', '')}".strip()
            )

    def ensure(self, uid: str | None = None) -> bool:
        """Creates the index if needed and applies the settings in code;
        True if it had to be created."""
        uid = uid or self.uid
        created = False
        try:
            self.client.get_index(uid)
        except MeilisearchError as err:
            if getattr(err, "code", "") != "index_not_found":
                raise
            try:
                self._wait(self.client.create_index(uid, {"primaryKey": "article_id"}).task_uid)
                created = True
            except IndexTaskFailed as failed:
                # Another replica made it first: it is there, which is all we wanted.
                if "index_already_exists" not in str(failed):
                    raise
        wanted = search.settings()
        try:
            self._wait(self.client.index(uid).update_settings(wanted).task_uid)
        except IndexTaskFailed as err:
            if "vector_embedding_error" not in str(err):
                raise
            # An index written before search by meaning: Meilisearch refuses
            # the embedder while documents have no vectors. Every other
            # setting applies now; `inspect` reports the embedder missing and
            # the indexer rebuilds the index with vectors (searches go on by
            # keywords meanwhile).
            wanted.pop("embedders")
            self._wait(self.client.index(uid).update_settings(wanted).task_uid)
            log.warning(
                "search index has documents without vectors; it will be rebuilt with them",
                extra={"fields": {"index": uid}},
            )
        return created

    def inspect(self) -> IndexState:
        index = self.client.index(self.uid)
        try:
            filterable = index.get_filterable_attributes()
        except MeilisearchApiError as err:
            if err.code == "index_not_found":
                return IndexState(exists=False, configured=False, documents=0)
            raise
        names = {a for a in filterable or [] if isinstance(a, str)}
        documents = int(index.get_stats().number_of_documents)
        embedders = index.get_embedders()
        has_embedder = embedders is not None and search.EMBEDDER in embedders.embedders
        return IndexState(True, set(search.FILTERABLE) <= names and has_embedder, documents)

    def drop(self, uid: str) -> None:
        """Removes an index, if there is one (a rebuild that did not finish)."""
        with contextlib.suppress(MeilisearchError, IndexTaskFailed):
            self._wait(self.client.delete_index(uid).task_uid)

    def write(self, documents: list[dict[str, Any]], uid: str | None = None) -> None:
        if documents:
            index = self.client.index(uid or self.uid)
            self._wait(index.add_documents(documents, primary_key="article_id").task_uid)

    def count(self) -> int:
        return int(self.client.index(self.uid).get_stats().number_of_documents)

    def count_not_embedded_with(self, model: str) -> int:
        """Documents whose vector is missing or from another model."""
        result = self.client.index(self.uid).search(
            "", {"filter": f"embedded_with != {search.quote(model)}", "limit": 0}
        )
        return int(result.get("estimatedTotalHits", 0))

    def search(self, query: str, params: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._post(f"indexes/{self.uid}/search", {"q": query, **params})
        return result

    def multi_search(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        body = {"queries": [{"indexUid": self.uid, **q} for q in queries]}
        return list(self._post("multi-search", body)["results"])

    def healthy(self) -> bool:
        try:
            return bool(self.client.is_healthy())
        except Exception:
            return False

    def swap_in(self, fresh: str) -> None:
        self._wait(self.client.swap_indexes([{"indexes": [self.uid, fresh]}]).task_uid)
        self._wait(self.client.delete_index(fresh).task_uid)


class Indexer:
    def __init__(
        self,
        store: KnowledgeStore,
        index: SearchIndex,
        batch: int = 500,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        rebuild_batch: int = 1000,
        check_seconds: float = 5.0,
        embedder: SentenceEmbedder | None = None,
    ) -> None:
        self.store = store
        self.index = index
        self.embedder = embedder or SentenceEmbedder(load=False)
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff_seconds
        self.rebuild_batch = rebuild_batch
        self.check_seconds = check_seconds
        self.wake = asyncio.Event()
        self.ready = False
        # Held by each drained batch and by a whole rebuild, with the turn
        # that keeps the other replicas' indexers out meanwhile.
        self.exclusive = asyncio.Lock()
        self.turn_name = f"redress.knowledge.index.{index.uid}"
        self._next_check = 0.0
        self._count_differed = False
        self._reported_down = False

    def nudge(self) -> None:
        self.wake.set()

    @contextlib.asynccontextmanager
    async def turn(self, wait: bool = False) -> AsyncIterator[bool]:
        """This process's tasks one at a time, and this replica alone among
        the service's replicas: True when it is this one's turn (with `wait`,
        always, once the others are done); False when another has it."""
        async with self.exclusive:
            held = await self._take_turn()
            while held is None and wait:
                await asyncio.sleep(TURN_POLL_SECONDS)
                held = await self._take_turn()
            try:
                yield held is not None
            finally:
                if held is not None:
                    await asyncio.shield(asyncio.to_thread(held.release))

    async def _take_turn(self) -> Turn | None:
        taking = asyncio.ensure_future(
            asyncio.to_thread(take_turn, self.store.engine, self.turn_name)
        )
        try:
            return await asyncio.shield(taking)
        except asyncio.CancelledError:
            # Cancelled while asking: a turn granted meanwhile is given back.
            held = await taking
            if held is not None:
                await asyncio.to_thread(held.release)
            raise

    def check_soon(self) -> None:
        """A search found the index missing or without its settings: look now."""
        self._next_check = 0.0
        self.nudge()

    async def run(self) -> None:
        while True:
            try:
                if not self.ready:
                    created = await asyncio.to_thread(self.index.ensure)
                    self.ready = True
                    self._reported_down = False
                    ENGINE_UP.set(1)
                    log.info("search index ready", extra={"fields": {"index": self.index.uid}})
                    articles = await asyncio.to_thread(self.store.count_articles)
                    if created and articles:
                        await self.repair("missing")
                elif time.monotonic() >= self._next_check:
                    await self.check()
            except (MeilisearchError, IndexTaskFailed, OSError) as err:
                # On its return, the settings are applied again and a lost index rebuilt.
                if self.ready or not self._reported_down:
                    log.warning("search index not ready", extra={"fields": {"error": str(err)}})
                self._reported_down = True
                self.ready = False
                ENGINE_UP.set(0)
            except Exception:
                log.exception("indexer step failed")
            try:
                # Even while the engine is away: a failed write is recorded
                # (GetIndexStatus) and retried with backoff.
                while await self.drain_once():
                    pass
            except Exception:
                log.exception("indexer step failed")
            await self._refresh_metrics()
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), self.poll_seconds)
            except TimeoutError:
                pass

    async def _refresh_metrics(self) -> None:
        backlog = await asyncio.to_thread(self.store.backlog)
        PENDING.set(backlog.pending)
        LAG.set((datetime.now(UTC) - backlog.oldest).total_seconds() if backlog.oldest else 0)

    async def check(self) -> None:
        """Rebuilds the index if Meilisearch lost it or holds other documents
        than the database. A count is believed unequal only when seen twice,
        with nothing pending: a change between the two counts is not a loss."""
        self._next_check = time.monotonic() + self.check_seconds
        async with self.turn() as mine:
            if not mine:
                return  # another replica drains or rebuilds; it looks after the index now
            state = await asyncio.to_thread(self.index.inspect)
            if not state.exists or not state.configured:
                self._count_differed = False
                await self._repair_locked("missing" if not state.exists else "settings")
                return
            backlog = await asyncio.to_thread(self.store.backlog)
            articles = await asyncio.to_thread(self.store.count_articles)
            differs = backlog.pending == 0 and state.documents != articles
            if differs and self._count_differed:
                self._count_differed = False
                await self._repair_locked("count")
                return
            self._count_differed = differs
            if backlog.pending == 0 and self.embedder.available:
                # Documents written while the model could not be loaded, or by
                # another model, are given their vectors by a rebuild.
                stale = await asyncio.to_thread(
                    self.index.count_not_embedded_with, self.embedder.model
                )
                if stale:
                    await self._repair_locked("vectors")

    async def repair(self, cause: str) -> None:
        async with self.turn(wait=True):
            await self._repair_locked(cause)

    async def _repair_locked(self, cause: str) -> None:
        REPAIRS.labels(cause).inc()
        log.warning(
            "search index lost or out of step; rebuilding it from the database",
            extra={"fields": {"index": self.index.uid, "cause": cause}},
        )
        async for _ in self._rebuild():
            pass

    async def drain_once(self) -> bool:
        """Writes one batch of due outbox rows; True if there may be more.
        False also when another replica is draining: the rows are its."""
        async with self.turn() as mine:
            return mine and await self._drain_locked()

    async def _drain_locked(self) -> bool:
        rows = await asyncio.to_thread(self.store.due_outbox, self.batch)
        if not rows:
            return False
        ids = [r.id for r in rows]
        article_ids = sorted({r.article_id for r in rows})
        articles = await asyncio.to_thread(self.store.get_articles, article_ids)
        documents = await asyncio.to_thread(self.documents, list(articles.values()))
        try:
            await asyncio.to_thread(self.index.write, documents)
        except (IndexTaskFailed, MeilisearchError, OSError) as err:
            unreachable = not isinstance(err, IndexTaskFailed)
            FAILURES.labels("unreachable" if unreachable else "task_failed").inc()
            if unreachable:
                ENGINE_UP.set(0)
                self.ready = False
            attempts = max(r.attempts for r in rows) + 1
            retry = timedelta(seconds=min(self.max_backoff, 0.5 * 2**attempts))
            detail = f"{type(err).__name__}: {err}"
            await asyncio.to_thread(self.store.outbox_failed, ids, detail, retry)
            log.warning(
                "index write failed",
                extra={"fields": {"articles": len(article_ids), "error": detail[:500]}},
            )
            return False
        ENGINE_UP.set(1)
        await asyncio.to_thread(self.store.outbox_done, ids)
        return len(rows) == self.batch

    def documents(self, articles: list[Article]) -> list[dict[str, Any]]:
        """The articles' search documents, each with its vector when the
        embedding model is loaded."""
        vectors = self.embedder.article_vectors(
            [
                ArticleText(
                    a.title,
                    a.summary,
                    a.body,
                    a.category,
                    list(a.products or []),
                    list(a.tags or []),
                )
                for a in articles
            ]
        )
        model = self.embedder.model
        return [search.document(a, v, model) for a, v in zip(articles, vectors, strict=True)]

    async def reindex_all(self) -> AsyncIterator[tuple[int, int]]:
        """Rebuilds the index from the database; yields (indexed, total).
        Changes made meanwhile wait in the outbox and reach the new index
        right after the swap."""
        async with self.turn(wait=True), contextlib.aclosing(self._rebuild()) as steps:
            async for step in steps:
                yield step

    async def _rebuild(self) -> AsyncGenerator[tuple[int, int]]:
        seen = await asyncio.to_thread(self.store.outbox_ids)
        total = await asyncio.to_thread(self.store.count_articles)
        fresh = f"{self.index.uid}_rebuild_{int(time.time() * 1000)}"
        # The live index must exist to be swapped, with the settings in code.
        await asyncio.to_thread(self.index.ensure)
        await asyncio.to_thread(self.index.ensure, fresh)
        indexed = 0
        try:
            batches = self.store.all_articles(self.rebuild_batch)
            while True:
                batch = await asyncio.to_thread(next, batches, None)
                if batch is None:
                    break
                documents = await asyncio.to_thread(self.documents, batch)
                await asyncio.to_thread(self.index.write, documents, fresh)
                indexed += len(batch)
                yield indexed, total
            await asyncio.to_thread(self.index.swap_in, fresh)
        except BaseException:
            await asyncio.shield(asyncio.to_thread(self.index.drop, fresh))
            raise
        await asyncio.to_thread(self.store.outbox_clear, seen)
        self.ready = True
        ENGINE_UP.set(1)
        self.nudge()
        log.info("search index rebuilt", extra={"fields": {"articles": indexed}})
