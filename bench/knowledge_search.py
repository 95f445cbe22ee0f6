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
  - the same search sent straight to Meilisearch with the same parameters
    (client-side latency, and Meilisearch's processingTimeMs);
  - SuggestArticles with the question as text (a multi-search of up to ten
    words, fused in the service).

Prints p50/p99 of each, in milliseconds. Everything started is stopped.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import meilisearch
from sqlalchemy import insert

from bench.intake_throughput import percentile
from redress.db.tables.knowledge import Article, IndexOutbox
from redress.devstack.platform import LocalPlatform, Ports
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.platform import channels
from services.knowledge import search
from services.knowledge.store import KnowledgeStore

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="redress-bench-kb-") as scratch:
        platform = LocalPlatform(Path(scratch), Ports.free(), log_format="json")
        try:
            platform.start_temporal(persist=False, ui=False)
            platform.start_meilisearch()
            platform.start_service("cases")
            platform.start_service("knowledge")
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
            meili = meilisearch.Client(
                f"http://127.0.0.1:{platform.ports.meilisearch}",
                platform.credentials.meilisearch_key,
            ).index("articles")
            params = search.search_params(search.Filters(), 20, 0)
            for q in queries[:50]:  # warm both paths
                stub.SearchArticles(knowledge_pb2.SearchArticlesRequest(query=q), metadata=metadata)
                meili.search(q, params)

            grpc_ms, meili_ms, engine_ms, suggest_ms = [], [], [], []
            for q in queries:
                t = time.perf_counter()
                stub.SearchArticles(knowledge_pb2.SearchArticlesRequest(query=q), metadata=metadata)
                grpc_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                result = meili.search(q, params)
                meili_ms.append((time.perf_counter() - t) * 1000)
                engine_ms.append(float(result["processingTimeMs"]))
                t = time.perf_counter()
                stub.SuggestArticles(
                    knowledge_pb2.SuggestArticlesRequest(text=q, limit=5), metadata=metadata
                )
                suggest_ms.append((time.perf_counter() - t) * 1000)
            print(
                f"\n{args.articles} articles, BANKING77 questions one at a time, "
                "20 hits with facets:"
            )
            report("SearchArticles over gRPC", grpc_ms)
            report("Meilisearch HTTP search, same parameters", meili_ms)
            report("Meilisearch processingTimeMs", engine_ms)
            report("SuggestArticles over gRPC (text)", suggest_ms)
            channel.close()
            store.close()
        finally:
            platform.stop()


if __name__ == "__main__":
    main()
