"""The Meilisearch index of articles: its settings as code, the documents, the
filters and the queries.

Each article is one document. Its text goes into fields named by language
(`title_en`, `body_de`...), so that Meilisearch tokenizes each language by
its own rules (`localizedAttributes`); the settings below are applied on
every start, and an index whose settings differ is brought back to them.

Filters are built only from known field names and quoted values: a value a
caller sends can never change what a filter means.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from redress.db.tables.knowledge import Article
from services.knowledge.vocabulary import ALL_STOP_WORDS, GLOSSARY, STOP_WORDS, SYNONYMS

LANGUAGES = {"en": "eng", "de": "deu", "es": "spa"}
TEXT_FIELDS = ("title", "summary", "body")
FILTERABLE = [
    "status",
    "audience",
    "language",
    "products",
    "category",
    "tags",
    "article_id",
    "embedded_with",
]
# The vectors the service computes (services/knowledge/embeddings.py), given
# to Meilisearch with each document: a "userProvided" embedder.
EMBEDDER = "semantic"
# A semantic hit counts only from this ranking score (Meilisearch's, for a
# vector search (1 + cosine) / 2): below it an article is no closer in meaning
# to the question than unrelated text is (a made-up word scores about 0.61
# against the bank FAQ, a question its right answers 0.7 and more).
SEMANTIC_FLOOR = 0.62
# How much the meaning counts against the words when the two rankings are
# fused (reciprocal rank fusion, k = 60).
SEMANTIC_WEIGHT = 0.85
RRF_K = 60
SHORT_QUERY = 3
# Each ranking's first hits that are fused: enough that an article ranked
# well by both, though first in neither, comes up.
FUSION_WINDOW = 50
FACETS = ["products", "tags", "category", "language", "audience", "status"]


def language_of(tag: str) -> str:
    """The index language of a BCP 47 tag: its primary subtag if the index
    knows it (en, de, es), else English rules."""
    primary = tag.split("-")[0].lower()
    return primary if primary in LANGUAGES else "en"


def synonyms() -> dict[str, list[str]]:
    return {**SYNONYMS, **GLOSSARY}


def settings(dimensions: int = 512) -> dict[str, Any]:
    searchable = [f"{f}_{lang}" for f in ("title", "summary") for lang in LANGUAGES]
    searchable += ["tags", "products", "category"]
    searchable += [f"body_{lang}" for lang in LANGUAGES]
    words = sorted({w for text in STOP_WORDS.values() for w in text.split()})
    return {
        # Order matters: a match in a title outranks one in a body.
        "searchableAttributes": searchable,
        "filterableAttributes": FILTERABLE,
        "sortableAttributes": ["updated_at", "title_sort"],
        "displayedAttributes": ["*"],
        "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
        "stopWords": words,
        "synonyms": synonyms(),
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": 4, "twoTypos": 8},
        },
        "localizedAttributes": [
            {"attributePatterns": [f"*_{lang}"], "locales": [locale]}
            for lang, locale in LANGUAGES.items()
        ],
        "pagination": {"maxTotalHits": 1000},
        "faceting": {"maxValuesPerFacet": 100},
        "embedders": {EMBEDDER: {"source": "userProvided", "dimensions": dimensions}},
    }


def document(
    article: Article, vector: list[float] | None = None, model: str = ""
) -> dict[str, Any]:
    """The article's search document; `vector` is what it means (None when
    the embedding model is not loaded: Meilisearch is told there is none)."""
    lang = language_of(article.language)
    return {
        "_vectors": {EMBEDDER: vector},
        "embedded_with": model if vector is not None else "",
        "article_id": article.article_id,
        "revision": article.revision,
        f"title_{lang}": article.title,
        f"summary_{lang}": article.summary,
        f"body_{lang}": article.body,
        "title_sort": article.title.lower(),
        "language": article.language,
        "status": article.status,
        "audience": article.audience,
        "category": article.category,
        "products": list(article.products or []),
        "tags": list(article.tags or []),
        "updated_at": int(article.updated_at.timestamp()),
    }


def quote(value: str) -> str:
    """A filter value as a Meilisearch string literal: backslashes and double
    quotes escaped, so it can only ever be a value."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Filters:
    """What a search is limited to. `scope` is set by the service from the
    caller's role and always applies; the rest come from the request."""

    scope: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    category: str = ""
    language: str = ""
    audience: str = ""
    status: str = "published"

    def expression(self) -> list[str | list[str]]:
        """Meilisearch's array form: every element must hold; the inner lists
        are alternatives."""
        out: list[str | list[str]] = list(self.scope)
        if self.status:
            out.append(f"status = {quote(self.status)}")
        if self.audience:
            out.append(f"audience = {quote(self.audience)}")
        if self.language:
            out.append(f"language = {quote(self.language)}")
        if self.category:
            out.append(f"category = {quote(self.category)}")
        if self.products:
            out.append([f"products = {quote(p)}" for p in self.products])
        if self.tags:
            out.append([f"tags = {quote(t)}" for t in self.tags])
        return out


@dataclass(frozen=True)
class Hit:
    article_id: str
    title: str
    title_highlighted: str
    snippet: str
    score: float
    document: dict[str, Any]


def _text(doc: dict[str, Any], name: str) -> str:
    for lang in LANGUAGES:
        value = doc.get(f"{name}_{lang}")
        if value:
            return str(value)
    return ""


def hits(result: dict[str, Any]) -> list[Hit]:
    out = []
    for doc in result.get("hits", []):
        formatted = doc.get("_formatted") or {}
        summary = _text(formatted, "summary")
        body = _text(formatted, "body")
        snippet = summary if "<em>" in summary or not body else body
        if "<em>" not in snippet and summary:
            snippet = summary
        out.append(
            Hit(
                article_id=str(doc["article_id"]),
                title=_text(doc, "title"),
                title_highlighted=_text(formatted, "title"),
                snippet=snippet,
                score=float(doc.get("_rankingScore", 0.0)),
                document=doc,
            )
        )
    return out


def search_params(filters: Filters, limit: int, offset: int, facets: bool = True) -> dict[str, Any]:
    params: dict[str, Any] = {
        "filter": filters.expression(),
        "limit": limit,
        "offset": offset,
        "showRankingScore": True,
        "attributesToHighlight": [f"title_{lang}" for lang in LANGUAGES]
        + [f"summary_{lang}" for lang in LANGUAGES],
        "attributesToCrop": [f"body_{lang}" for lang in LANGUAGES],
        "cropLength": 30,
        "highlightPreTag": "<em>",
        "highlightPostTag": "</em>",
        # Questions in plain words: the most common words are dropped first
        # when not all of them match.
        "matchingStrategy": "frequency",
    }
    if filters.language:
        # The query is split into words by the rules of the language asked
        # for (German compounds...), as the articles' text was.
        params["locales"] = [LANGUAGES[language_of(filters.language)]]
    if facets:
        params["facets"] = FACETS
    return params


# -- questions in customers' words ------------------------------------------

QUESTION_WORD = re.compile(r"[^\W_][\w'-]*", re.UNICODE)


def keyword_query(text: str, max_words: int = 10) -> str:
    """Relaxes a question into the words that say what it is about: the stop
    words dropped (of every language the index knows, as the index drops
    them: the customer's language is not known), at most ten words kept
    (Meilisearch reads no more), in the order written. What is left is
    searched with matchingStrategy "frequency", which drops the commonest
    words first while not all match. A question of stop words only is
    searched as written."""
    stop = ALL_STOP_WORDS
    typed = text.lower().replace("\u2019", "'")
    words = [w for w in QUESTION_WORD.findall(typed) if w not in stop]
    return " ".join(words[:max_words]) if words else text.strip()


def semantic_params(
    filters: Filters, vector: list[float], limit: int, highlight: bool = True
) -> dict[str, Any]:
    """A search by meaning alone, above the floor, with the same filters."""
    params = search_params(filters, limit, 0, facets=False)
    params.pop("matchingStrategy")
    if not highlight:
        for name in ("attributesToHighlight", "attributesToCrop", "cropLength"):
            params.pop(name)
    params.pop("locales", None)
    params["hybrid"] = {"embedder": EMBEDDER, "semanticRatio": 1.0}
    params["vector"] = vector
    params["rankingScoreThreshold"] = SEMANTIC_FLOOR
    return params


def hybrid_queries(
    words: str, filters: Filters, vector: list[float], window: int
) -> list[dict[str, Any]]:
    """The multi-search of a question (its `keyword_query` words and its
    vector) by words and by meaning: each asks for its first `window` hits,
    to be fused into one ranking (fuse_search)."""
    keyword = {"q": words, **search_params(filters, window, 0)}
    keyword["showRankingScoreDetails"] = True
    semantic = {"q": words, **semantic_params(filters, vector, window)}
    return [keyword, semantic]


def rank_fusion(rankings: list[tuple[float, list[str]]]) -> dict[str, float]:
    """Weighted reciprocal rank fusion: each ranking adds weight / (60 + rank)
    to the articles in it. Ranks, not scores, so that two engines' scores on
    different scales need no calibration. Scores are scaled to 0..1 (1: first
    in every ranking)."""
    best = sum(w for w, _ in rankings) / (RRF_K + 1) or 1.0
    out: dict[str, float] = {}
    for weight, ids in rankings:
        for rank, key in enumerate(ids, start=1):
            out[key] = out.get(key, 0.0) + weight / (RRF_K + rank)
    return {k: v / best for k, v in out.items()}


@dataclass(frozen=True)
class Fused:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]


def is_lookup(words: list[str]) -> bool:
    """A few words, one of them with a digit (a code, a reference, a product
    number): looked up, not asked."""
    return len(words) <= SHORT_QUERY and any(c.isdigit() for w in words for c in w)


def matches_every_word(result: dict[str, Any]) -> bool:
    """Whether the best keyword hit has every word of the query (the search
    asks for `showRankingScoreDetails`)."""
    found = result.get("hits") or []
    if not found:
        return False
    words = (found[0].get("_rankingScoreDetails") or {}).get("words") or {}
    return bool(words) and words.get("matchingWords") == words.get("maxMatchingWords")


def fuse_search(
    keyword: dict[str, Any],
    semantic: dict[str, Any],
    offset: int,
    size: int,
    query_words: list[str] | None = None,
) -> Fused:
    """One ranking from a keyword search and a semantic one, each asked for
    its first FUSION_WINDOW hits (more when the page reaches further): the
    page is cut from the fused ranking.
    A lookup (`is_lookup`) that the best keyword hit has every word of, or
    that no article has, is answered by the keyword ranking alone.
    The total and the facet counts are the keyword search's plus the articles
    only the meaning found (an estimate when the keyword hits outrun the
    window, as Meilisearch's own total is)."""
    if is_lookup(query_words or []) and (matches_every_word(keyword) or not keyword.get("hits")):
        # A reference (an article's code, a product number) that an article
        # has, or that none has: the keyword ranking answers. Meaning would
        # add only the nearest articles to a code, which mean nothing.
        found = hits(keyword)[offset : offset + size]
        total = int(keyword.get("estimatedTotalHits", len(found)))
        return Fused(found, total, dict(keyword.get("facetDistribution") or {}))
    by_words = [str(d["article_id"]) for d in keyword.get("hits", [])]
    by_meaning = [str(d["article_id"]) for d in semantic.get("hits", [])]
    scores = rank_fusion([(1 - SEMANTIC_WEIGHT, by_words), (SEMANTIC_WEIGHT, by_meaning)])
    docs = {str(d["article_id"]): d for d in semantic.get("hits", [])}
    docs.update({str(d["article_id"]): d for d in keyword.get("hits", [])})
    ranked = sorted(scores, key=lambda k: (-scores[k], k))[offset : offset + size]
    page = [
        dataclasses.replace(hit, score=round(scores[hit.article_id], 4))
        for hit in hits({"hits": [docs[k] for k in ranked]})
    ]
    extra = [docs[k] for k in by_meaning if k not in set(by_words)]
    facets = {f: dict(c) for f, c in (keyword.get("facetDistribution") or {}).items()}
    for doc in extra:
        for name in FACETS:
            value = doc.get(name)
            for v in value if isinstance(value, list) else [value]:
                if v not in (None, ""):
                    counts = facets.setdefault(name, {})
                    counts[str(v)] = counts.get(str(v), 0) + 1
    total = int(keyword.get("estimatedTotalHits", len(by_words))) + len(extra)
    return Fused(page, total, facets)


def blend(keyword_hits: list[Hit], semantic: dict[str, Any], limit: int) -> list[Hit]:
    """Suggestions: the words' ranking (`fuse`) and the meaning's, fused by rank."""
    semantic_hits = hits(semantic)
    scores = rank_fusion(
        [
            (1 - SEMANTIC_WEIGHT, [h.article_id for h in keyword_hits]),
            (SEMANTIC_WEIGHT, [h.article_id for h in semantic_hits]),
        ]
    )
    by_id = {h.article_id: h for h in semantic_hits}
    by_id.update({h.article_id: h for h in keyword_hits})
    ranked = sorted(scores, key=lambda k: (-scores[k], k))[:limit]
    return [dataclasses.replace(by_id[k], score=round(scores[k], 4)) for k in ranked]


# -- suggestions for a complaint ----------------------------------------------

WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Words complaints are full of that say nothing about which article helps:
# redactions, courtesy, time, and the complaint genre itself.
NOISE = set(
    (
        " ".join(STOP_WORDS.values())
        + " xxxx xx have has had not they them their there been would could "
        "said told called also after again back because before being but did get got just "
        "like made make more never now only other over since some still than that then these "
        "they're this those through until very want went were while year years month months "
        "day days time times company bank complaint please help thank thanks call phone "
        "received sent letter asked account"
    ).split()
)


def suggestion_terms(product: str, issue: str, narrative: str, max_words: int = 10) -> list[str]:
    return suggestion_query(product, issue, narrative, max_words).split()


def suggestion_searches(
    terms: list[str], filters: Filters, per_term: int = 50
) -> list[dict[str, Any]]:
    """One search per term, and one that counts the articles in scope: the
    queries of a multi-search whose results `fuse` combines."""
    base = search_params(filters, per_term, 0, facets=False)
    base.pop("matchingStrategy")
    return [{"q": "", **base, "limit": 0}] + [{"q": t, **base} for t in terms]


def fuse(results: list[dict[str, Any]], limit: int) -> list[Hit]:
    """Ranks articles by how many of the terms they match, each term weighted
    by how rare it is among the articles in scope (inverse document frequency)
    and by how well Meilisearch says it matches. A complaint's narrative is
    many words, of which the rare ones say most about it; Meilisearch alone
    ranks by how many words match first, which long texts defeat."""
    total = max(1, int(results[0].get("estimatedTotalHits", 1)))
    scores: dict[str, float] = {}
    kept: dict[str, dict[str, Any]] = {}
    weights = 0.0
    for result in results[1:]:
        found = int(result.get("estimatedTotalHits", 0))
        if not found:
            continue
        weight = math.log(1 + total / found)
        weights += weight
        for doc in result.get("hits", []):
            key = str(doc["article_id"])
            scores[key] = scores.get(key, 0.0) + weight * float(doc.get("_rankingScore", 0.0))
            kept.setdefault(key, doc)
    ranked = sorted(scores, key=lambda k: (-scores[k], k))[:limit]
    out = []
    for key, hit in zip(ranked, hits({"hits": [kept[k] for k in ranked]}), strict=True):
        out.append(dataclasses.replace(hit, score=round(scores[key] / weights, 4)))
    return out


def suggestion_query(product: str, issue: str, narrative: str, max_words: int = 10) -> str:
    """A short query from a complaint: the issue's and product's words first,
    then the narrative's most frequent meaningful words. Meilisearch reads at
    most ten words of a query."""
    chosen: list[str] = []

    def take(words: Iterable[str]) -> None:
        for w in words:
            if w not in chosen and w not in NOISE and len(chosen) < max_words:
                chosen.append(w)

    take(w.lower() for w in WORD.findall(f"{issue} {product}"))
    counts: dict[str, int] = {}
    order: dict[str, int] = {}
    for i, w in enumerate(WORD.findall(narrative.lower())):
        if w in NOISE:
            continue
        counts[w] = counts.get(w, 0) + 1
        order.setdefault(w, i)
    take(sorted(counts, key=lambda w: (-counts[w], order[w])))
    return " ".join(chosen)
