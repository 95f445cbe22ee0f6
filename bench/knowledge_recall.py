"""Does knowledge search understand customers' questions? Recall@5 of the right
kind of bank FAQ article for real customer questions, through the knowledge
service's gRPC API, in English, German and Spanish, hybrid (keywords and
meaning) against keywords only and against chance, with the latency and
memory measured in the same run.

    .venv/bin/python -m bench.knowledge_recall [--english 600]

Starts its own platform pieces on free ports in a scratch directory (Temporal
dev server, Meilisearch, services/cases for the schema, services/knowledge),
imports the real bank FAQ (../shared/data/bank_faqs_shared.csv) as
`redress kb import` does, and asks, one at a time:

  - the 185 translated BANKING77 questions (tests/data/banking77_test_de_es.csv)
    in English (their originals), German and Spanish;
  - `--english` more English BANKING77 test questions (seeded shuffle);

through SearchArticles (5 hits, no filters: as the public form asks) and
SuggestArticles (free text, limit 5). Then restarts services/knowledge with
REDRESS_KNOWLEDGE_SEMANTIC=off (the same index; no query vectors) and asks
again: keywords only. Chance: five articles drawn at random, 1 - (1 - p)^5
for a class with share p, averaged over the questions. The questions and the
mapping of BANKING77 intents to FAQ classes: tests/knowledge_queries.py.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.intake_throughput import percentile
from redress.devstack.platform import LocalPlatform, Ports
from redress.importers.faq import run_import
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.platform import channels
from tests.knowledge_queries import (
    FAQ,
    LANGUAGES,
    Question,
    by_chance,
    english_questions,
    top_five,
    translated_questions,
)

RPCS = ("SearchArticles", "SuggestArticles")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(stub, metadata, sets: dict[str, list[Question]]):  # type: ignore[no-untyped-def]
    """{(set, rpc): (recall, latencies in ms)}"""
    out = {}
    for name, questions in sets.items():
        for rpc in RPCS:
            found, took = 0, []
            for text, wanted in questions:
                began = time.perf_counter()
                categories = top_five(stub, rpc, text, metadata)
                took.append((time.perf_counter() - began) * 1000)
                found += wanted in categories
            out[(name, rpc)] = (found / len(questions), took)
    return out


def wait_indexed(stub, metadata, articles: int) -> knowledge_pb2.GetIndexStatusResponse:  # type: ignore[no-untyped-def]
    while True:
        status = stub.GetIndexStatus(knowledge_pb2.GetIndexStatusRequest(), metadata=metadata)
        if status.pending == 0 and status.documents_in_index >= articles:
            return status
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--english", type=int, default=600)
    args = parser.parse_args()
    sets = {language: translated_questions(language) for language in LANGUAGES}
    sets[f"en, {args.english} more"] = english_questions(args.english)
    with tempfile.TemporaryDirectory(prefix="redress-bench-recall-") as scratch:
        platform = LocalPlatform(Path(scratch), Ports.free(), log_format="json")
        try:
            platform.start_temporal(persist=False, ui=False)
            platform.start_meilisearch()
            platform.start_service("cases")
            platform.start_service("knowledge")
            metadata = (("authorization", f"Bearer {platform.credentials.admin_key}"),)
            address = platform.address("knowledge")
            began = time.perf_counter()
            assert run_import(FAQ, address, platform.credentials.admin_key) == 0
            with channels.channel(address) as channel:
                stub = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
                status = wait_indexed(stub, metadata, 1)
                status = wait_indexed(stub, metadata, status.articles_in_database)
                print(
                    f"{status.articles_in_database} FAQ articles imported and indexed with "
                    f"their vectors ({status.embedding_model}) in "
                    f"{time.perf_counter() - began:.1f} s"
                )
                pid = platform.processes["knowledge"].pid
                hybrid = measure(stub, metadata, sets)
                hybrid_rss = rss_mb(pid)
            platform.supervisor.stop(platform.processes.pop("knowledge"))
            platform.start_service("knowledge", {"REDRESS_KNOWLEDGE_SEMANTIC": "off"})
            with channels.channel(address) as channel:
                stub = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
                status = wait_indexed(stub, metadata, status.articles_in_database)
                assert not status.semantic_search
                keywords = measure(stub, metadata, sets)
                keywords_rss = rss_mb(platform.processes["knowledge"].pid)
        finally:
            platform.stop()

    print("\nrecall@5: an article of the right FAQ class among the first five")
    print(f"{'questions':<16}{'n':>5}  {'RPC':<16}{'hybrid':>8}{'keywords':>10}{'chance':>8}")
    for name, questions in sets.items():
        chance = by_chance([c for _, c in questions])
        for rpc in RPCS:
            print(
                f"{name:<16}{len(questions):>5}  {rpc:<16}{hybrid[(name, rpc)][0]:>8.3f}"
                f"{keywords[(name, rpc)][0]:>10.3f}{chance:>8.3f}"
            )
    print("\nlatency per question, client side, over gRPC, one at a time (ms)")
    print(f"{'RPC':<16}{'hybrid p50':>12}{'p99':>8}{'keywords p50':>14}{'p99':>8}")
    for rpc in RPCS:
        h = [ms for (_, r), (_, took) in hybrid.items() if r == rpc for ms in took]
        k = [ms for (_, r), (_, took) in keywords.items() if r == rpc for ms in took]
        print(
            f"{rpc:<16}{percentile(h, 50):>12.1f}{percentile(h, 99):>8.1f}"
            f"{percentile(k, 50):>14.1f}{percentile(k, 99):>8.1f}"
        )
    print(
        f"\nknowledge service RSS: {hybrid_rss:.0f} MB with the model, "
        f"{keywords_rss:.0f} MB without"
    )


if __name__ == "__main__":
    main()
