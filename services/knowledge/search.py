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

LANGUAGES = {"en": "eng", "de": "deu", "es": "spa"}
TEXT_FIELDS = ("title", "summary", "body")
FILTERABLE = ["status", "audience", "language", "products", "category", "tags", "article_id"]
FACETS = ["products", "tags", "category", "language", "audience", "status"]

# Words that carry no meaning for search, per language; Meilisearch ignores
# them in queries (its stop words are one list per index).
STOP_WORDS = {
    "en": "a an and are as at be by can do does for from how i if in is it me my of on or "
    "the this to was what when where which who why will with you your",
    "de": "der das den dem des ein eine einen einem und oder ist sind ich mein meine wie was "
    "wo wer warum mit von zu im am auf für nicht",
    "es": "el la los las un una unos unas y o es son de del en con por para que como mi mis "
    "qué cómo dónde cuando",
}

# The same thing said in other words, as customers and banks say it.
SYNONYMS: dict[str, list[str]] = {
    "atm": ["cash machine", "cashpoint"],
    "cash machine": ["atm"],
    "pin": ["passcode"],
    "passcode": ["pin"],
    "transfer": ["remittance", "wire"],
    "remittance": ["transfer"],
    "wire": ["transfer"],
    "fee": ["charge"],
    "charge": ["fee"],
    "chargeback": ["dispute"],
    "dispute": ["chargeback"],
    "stolen": ["lost"],
    "lost": ["stolen"],
    "mortgage": ["home loan"],
    "home loan": ["mortgage"],
    "overdraft": ["overdrawn"],
    "debit card": ["bank card"],
}


def language_of(tag: str) -> str:
    """The index language of a BCP 47 tag: its primary subtag if the index
    knows it (en, de, es), else English rules."""
    primary = tag.split("-")[0].lower()
    return primary if primary in LANGUAGES else "en"


def settings() -> dict[str, Any]:
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
        "synonyms": SYNONYMS,
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
    }


def document(article: Article) -> dict[str, Any]:
    lang = language_of(article.language)
    return {
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


# -- suggestions for a complaint ----------------------------------------------

WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Words complaints are full of that say nothing about which article helps:
# redactions, courtesy, time, and the complaint genre itself.
NOISE = set(
    (
        STOP_WORDS["en"] + " xxxx xx have has had not they them their there been would could "
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
