"""Knowledge search at 100,000 articles: SearchArticles and SuggestArticles
through the gRPC API, next to Meilisearch's own latency in the same run.

    .venv/bin/python -m bench.knowledge_search [--articles 100000] [--queries 1000]

Starts its own platform pieces on free ports in a scratch directory (Temporal
dev server, Meilisearch, services/cases for the schema, services/knowledge),
writes N articles straight into the database with their outbox rows (titles
from the real BANKING77 questions and bank FAQ, bodies from the real CFPB
narratives, in ../shared/data), lets the service's indexer write them to
Meilisearch (timed: the indexing throughput), then runs the queries
(BANKING77 questions, cycled) one at a time:

  - SearchArticles over gRPC (client-side latency: the whole path);
  - the same search sent straight to Meilisearch with the same body the
    service sends, on a kept-alive connection (client-side latency, and
    Meilisearch's processingTimeMs), right after it, so that both meet the
    engine in the same state;
  - SuggestArticles with the question as text (a multi-search of up to ten
    words, fused in the service).

By words only (the default, the service started without its model), the
direct search is the service's exact keyword search. With --semantic the
service embeds each question and sends a multi-search of words and meaning;
the direct path sends the same multi-search with the vector computed before
the clock starts, and the embedding's own time is printed beside it.

Prints p50/p99 of each in milliseconds, what the service adds (the
difference of the p99s, and of each query's pair), and that p99 difference
as a ratio of the 3 ms goal. Everything started is stopped.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import insert

from bench.intake_throughput import percentile
from redress.db.tables.knowledge import Article, IndexOutbox
from redress.devstack.platform import LocalPlatform, Ports
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.platform import channels
from services.knowledge import search
from services.knowledge.embeddings import SentenceEmbedder
from services.knowledge.store import KnowledgeStore

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
# What the service may add to a search at p99 (docs/BENCHMARKS.md).
GOAL_MS = 3.0
CATEGORIES = ["cards", "loans", "accounts", "insurance", "investments", "security", "fundstransfer"]


def corpus() -> tuple[list[str], list[str]]:
    with (SHARED / "banking77_test.csv").open(newline="") as f:
        titles = [r["text"] for r in csv.DictReader(f)]
    with (SHARED / "bank_faqs_shared.csv").open(newline="") as f:
        titles += [r["Question"] for r in csv.DictReader(f)]
    with (SHARED / "cfpb_narratives_by_product_2015.csv").open(newline="") as f:
        bodies = [r["Consumer complaint narrative"] for r in csv.DictReader(f)]
    return titles, bodies


def load(store: KnowledgeStore, count: int) -> None:
    rng = random.Random(7)
    titles, bodies = corpus()
    now = datetime.now(UTC)
    batch = 5000
    for start in range(0, count, batch):
        articles, outbox = [], []
        for _ in range(start, min(count, start + batch)):
            article_id = f"KB-{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}"
            body = bodies[rng.randrange(len(bodies))]
            articles.append(
                {
                    "article_id": article_id,
                    "revision": 1,
                    "title": titles[rng.randrange(len(titles))][:300],
                    "summary": body[:200],
                    "body": body,
                    "language": "en",
                    "status": "published",
                    "audience": rng.choice(["internal", "customer"]),
                    "category": rng.choice(CATEGORIES),
                    "products": [],
                    "tags": [rng.choice(CATEGORIES)],
                    "media_ids": [],
                    "external_ref": None,
                    "created_by": "bench",
                    "created_at": now,
                    "updated_by": "bench",
                    "updated_at": now,
                }
            )
            outbox.append(
                {
                    "article_id": article_id,
                    "enqueued_at": now,
                    "next_attempt_at": now,
                    "attempts": 0,
                    "last_error": "",
                }
            )
        with store.sessions.begin() as session:
            session.execute(insert(Article), articles)
            session.execute(insert(IndexOutbox), outbox)


def report(name: str, samples: list[float]) -> None:
    print(
        f"{name:<44} p50 {percentile(samples, 50):7.2f} ms   p99 {percentile(samples, 99):7.2f} ms"
        f"   ({len(samples)} queries)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--semantic",
        action="store_true",
        help="the service with its model: searches by words and meaning, articles embedded",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="redress-bench-kb-") as scratch:
        platform = LocalPlatform(Path(scratch), Ports.free(), log_format="json")
        try:
            platform.start_temporal(persist=False, ui=False)
            platform.start_meilisearch()
            platform.start_service("cases")
            platform.start_service(
                "knowledge", {"REDRESS_KNOWLEDGE_SEMANTIC": "1" if args.semantic else "0"}
            )
            store = KnowledgeStore(platform.database_url)
            began = time.perf_counter()
            load(store, args.articles)
            loaded = time.perf_counter() - began
            print(f"{args.articles} articles written to the database in {loaded:.1f} s")
            metadata = (("authorization", f"Bearer {platform.credentials.admin_key}"),)
            channel = channels.channel(platform.address("knowledge"))
            stub = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
            began = time.perf_counter()
            while True:
                status = stub.GetIndexStatus(
                    knowledge_pb2.GetIndexStatusRequest(), metadata=metadata
                )
                if status.pending == 0 and status.documents_in_index >= args.articles:
                    break
                time.sleep(1)
            took = time.perf_counter() - began
            print(
                f"indexed by the service's outbox in {took:.1f} s "
                f"({args.articles / took:.0f} articles/s)"
            )

            with (SHARED / "banking77_test.csv").open(newline="") as f:
                questions = [r["text"] for r in csv.DictReader(f)]
            queries = [questions[i % len(questions)] for i in range(args.queries)]
            direct = requests.Session()
            direct.headers["Authorization"] = f"Bearer {platform.credentials.meilisearch_key}"
            direct.headers["Content-Type"] = "application/json"
            engine = f"http://127.0.0.1:{platform.ports.meilisearch}"
            embedder = SentenceEmbedder() if args.semantic else None

            def body(q: str) -> tuple[str, dict[str, Any]]:
                """What the service sends Meilisearch for the question."""
                filters = search.Filters()
                if embedder is None:
                    return "indexes/articles/search", {
                        "q": q,
                        **search.search_params(filters, 20, 0),
                    }
                t = time.perf_counter()
                vector = embedder.query_vector(q, search.keyword_query(q, max_words=50))
                embed_ms.append((time.perf_counter() - t) * 1000)
                assert vector is not None, embedder.problem
                window = max(20, search.FUSION_WINDOW)
                both = search.hybrid_queries(search.keyword_query(q), filters, vector, window)
                return "multi-search", {"queries": [{"indexUid": "articles", **x} for x in both]}

            def send(path: str, payload: dict[str, Any]) -> dict[str, Any]:
                response = direct.post(f"{engine}/{path}", data=json.dumps(payload), timeout=10)
                response.raise_for_status()
                result: dict[str, Any] = response.json()
                return result

            def engine_time(result: dict[str, Any]) -> float:
                if "results" in result:
                    return float(sum(r["processingTimeMs"] for r in result["results"]))
                return float(result["processingTimeMs"])

            # Each question's vector is computed once, here, before any clock
            # starts: the first time is the embedding's own cost.
            embed_ms: list[float] = []
            bodies = {q: body(q) for q in set(queries)}
            for q in queries[:50]:  # warm both paths
                stub.SearchArticles(knowledge_pb2.SearchArticlesRequest(query=q), metadata=metadata)
                send(*bodies[q])

            grpc_ms, meili_ms, engine_ms, suggest_ms = [], [], [], []
            for q in queries:
                t = time.perf_counter()
                stub.SearchArticles(knowledge_pb2.SearchArticlesRequest(query=q), metadata=metadata)
                grpc_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                result = send(*bodies[q])
                meili_ms.append((time.perf_counter() - t) * 1000)
                engine_ms.append(engine_time(result))
                t = time.perf_counter()
                stub.SuggestArticles(
                    knowledge_pb2.SuggestArticlesRequest(text=q, limit=5), metadata=metadata
                )
                suggest_ms.append((time.perf_counter() - t) * 1000)
            how = "by words and meaning" if embedder is not None else "by words"
            print(
                f"\n{args.articles} articles, BANKING77 questions one at a time, {how}, "
                "20 hits with facets:"
            )
            report("SearchArticles over gRPC", grpc_ms)
            report("Meilisearch HTTP, same body, kept alive", meili_ms)
            report("Meilisearch processingTimeMs", engine_ms)
            if embed_ms:
                report("the question's embedding (in the service)", embed_ms)
            report("SuggestArticles over gRPC (text)", suggest_ms)
            pairs = [g - m for g, m in zip(grpc_ms, meili_ms, strict=True)]
            report("added by the service, query by query", pairs)
            added = percentile(grpc_ms, 99) - percentile(meili_ms, 99)
            print(
                f"added by the service at p99: {added:.2f} ms "
                f"= {added / GOAL_MS:.2f}x the {GOAL_MS:.0f} ms goal"
            )
            channel.close()
            store.close()
        finally:
            platform.stop()


if __name__ == "__main__":
    main()
