"""KnowledgeService over gRPC: articles, revisions, media, search and suggestions."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import grpc
from meilisearch.errors import MeilisearchError

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.db.tables.knowledge import Article, ArticleRevision, Deflection, MediaFile
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.platform.auth import current_principal
from redress.platform.errors import (
    FailedPrecondition,
    NotFound,
    ServiceError,
    Unavailable,
    Violations,
)
from redress.platform.pages import page_within
from redress.platform.requests import (
    CASE_ID,
    LANGUAGE,
    check_plain_text,
    has_control_characters,
    page_size,
)
from redress.platform.scope import AgentScope
from redress.platform.serving import roles
from redress.platform.wire import optional_timestamp as _ts
from services.knowledge import search
from services.knowledge.blobs import BlobCorrupt, BlobStore, TooLarge, content_matches
from services.knowledge.embeddings import SentenceEmbedder
from services.knowledge.indexer import Indexer, IndexTaskFailed, SearchIndex
from services.knowledge.store import (
    Conflict,
    InvalidPageToken,
    KnowledgeStore,
    article_token,
    revision_token,
)

log = logging.getLogger("redress.knowledge")

EDITORS = roles("team_lead", "manager", "administrator")
STAFF = roles("agent", "team_lead", "manager", "administrator", "auditor", "service")
HANDLERS = roles("agent", "team_lead", "manager", "administrator")
# The public web form (role web_form) reads what customers may read, like an
# intake client; SuggestArticles for a case is not open to it
# (CUSTOMER_CASE_METHODS): the status page asks with the case's own words.
READERS = STAFF | roles("intake_client", "reporting_reader", "web_form")
# Who records a customer's answer about a self-service article: the public
# web form's process, and staff.
DEFLECTION_RECORDERS = STAFF | roles("web_form")
DEFLECTION_SOURCES = ("web_form", "status_page")
ACCESS = {
    "redress.knowledge.v1.KnowledgeService": {
        "CreateArticle": EDITORS,
        "UpdateArticle": EDITORS,
        "GetArticle": READERS,
        "ListArticles": STAFF | roles("reporting_reader"),
        "PublishArticle": EDITORS,
        "ArchiveArticle": EDITORS,
        "SearchArticles": READERS,
        "SuggestArticles": READERS,
        "RecordDeflection": DEFLECTION_RECORDERS,
        "UploadMedia": EDITORS,
        "UploadMediaStream": EDITORS,
        "GetMedia": READERS,
        "DownloadMedia": READERS,
        "ListArticleRevisions": STAFF,
        "MarkArticleResolved": HANDLERS,
        "ListCaseArticles": STAFF | roles("reporting_reader"),
        "ReindexAll": roles("administrator"),
        "GetIndexStatus": roles("administrator", "auditor", "service"),
    }
}
# The web form names no case to this service (it holds no status-link secret):
# a case id from it is answered as a case not found.
CUSTOMER_CASE_METHODS = {"SuggestArticles": False}
ARTICLE_ID = re.compile(r"^KB-[0-9a-f]{16}$")
MEDIA_ID = re.compile(r"^[0-9a-f]{64}$")
FILE_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,255}$")
DEFAULT_PAGE, MAX_PAGE, MAX_OFFSET = 20, 100, 1000
# Meilisearch's answers when it lost the index (a new, empty engine), or when
# a write recreated it without the settings: our filters name only fields in
# the settings, so a filter it refuses means the settings are gone.
LOST_INDEX = {"index_not_found", "invalid_search_filter", "invalid_search_facets"}
UNARY_MEDIA_LIMIT = 3 * 1024 * 1024
STATES = {
    "draft": knowledge_pb2.ARTICLE_STATE_DRAFT,
    "published": knowledge_pb2.ARTICLE_STATE_PUBLISHED,
    "archived": knowledge_pb2.ARTICLE_STATE_ARCHIVED,
}
STATE_NAMES = {v: k for k, v in STATES.items()}
AUDIENCES = {
    "internal": knowledge_pb2.AUDIENCE_INTERNAL,
    "customer": knowledge_pb2.AUDIENCE_CUSTOMER,
}
AUDIENCE_NAMES = {v: k for k, v in AUDIENCES.items()}


def _actor(actor_id: str) -> common_pb2.Actor:
    return common_pb2.Actor(kind=common_pb2.ACTOR_KIND_PERSON, id=actor_id)


def _caller() -> str:
    return current_principal.get().id


def _is(*names: str) -> bool:
    principal = current_principal.get()
    return bool(principal and principal.has_any(roles(*names)))


def _customer_only() -> bool:
    """Callers who are no member of staff (intake clients, reporting readers)
    see only what customers may see."""
    return not _is(*STAFF)


def article_message(a: Article, content: dict[str, Any] | None = None) -> knowledge_pb2.Article:
    c = content or {name: getattr(a, name) for name in ("title", "summary", "body")}
    source = content or {}
    return knowledge_pb2.Article(
        article_id=a.article_id,
        revision=a.revision,
        title=c["title"],
        body=c["body"],
        summary=c["summary"],
        language=source.get("language", a.language),
        state=STATES[source.get("status", a.status)],
        audience=AUDIENCES[source.get("audience", a.audience)],
        products=list(source.get("products", a.products) or []),
        tags=list(source.get("tags", a.tags) or []),
        media_ids=list(source.get("media_ids", a.media_ids) or []),
        updated_by=_actor(a.updated_by),
        updated_at=_ts(a.updated_at),
        category=source.get("category", a.category),
        external_ref=a.external_ref or "",
    )


def media_message(m: MediaFile) -> knowledge_pb2.Media:
    return knowledge_pb2.Media(
        media_id=m.media_id,
        file_name=m.file_name,
        content_type=m.content_type,
        size_bytes=m.size_bytes,
        created_at=_ts(m.created_at),
    )


def _text(v: Violations, field: str, value: str, limit: int, *, required: bool = False,
          multiline: bool = False) -> None:  # fmt: skip
    if required and not value.strip():
        v.add(field, "required")
    check_plain_text(v, field, value, limit, multiline)


def _names(v: Violations, field: str, values: Any, limit: int, each: int) -> list[str]:
    values = list(values)
    if len(values) > limit:
        v.add(field, f"at most {limit} values")
    for i, value in enumerate(values):
        if not value.strip() or len(value) > each or has_control_characters(value, False):
            v.add(f"{field}[{i}]", f"1 to {each} characters of plain text")
    return list(dict.fromkeys(values))


class KnowledgeServicer(knowledge_pb2_grpc.KnowledgeServiceServicer):
    def __init__(
        self,
        store: KnowledgeStore,
        index: SearchIndex,
        indexer: Indexer,
        blobs: BlobStore,
        cases: cases_pb2_grpc.CasesServiceStub,
        service_api_key: str,
        max_media_bytes: int,
        scope: AgentScope | None = None,
        embedder: SentenceEmbedder | None = None,
    ) -> None:
        self.store = store
        # What questions mean (services/knowledge/embeddings.py); without
        # the model, search is by keywords only.
        self.embedder = embedder or SentenceEmbedder(load=False)
        # Who may see which case (REDRESS_AGENT_SCOPE): an agent limited to
        # their teams reads suggestions and links of those cases only.
        self.scope = scope or AgentScope()
        self.index = index
        self.indexer = indexer
        self.blobs = blobs
        self.cases = cases
        self.metadata = (("authorization", f"Bearer {service_api_key}"),)
        self.max_media_bytes = max_media_bytes

    # -- articles ------------------------------------------------------------

    def _content(self, v: Violations, a: knowledge_pb2.Article) -> dict[str, Any]:
        _text(v, "article.title", a.title, 300, required=True)
        _text(v, "article.summary", a.summary, 1000, multiline=True)
        _text(v, "article.body", a.body, 200_000, required=True, multiline=True)
        if a.language and not LANGUAGE.match(a.language):
            v.add("article.language", "a BCP 47 tag such as en, de or es-MX")
        if a.audience and a.audience not in AUDIENCE_NAMES:
            v.add("article.audience", "AUDIENCE_INTERNAL or AUDIENCE_CUSTOMER")
        _text(v, "article.category", a.category, 100)
        products = _names(v, "article.products", a.products, 20, 100)
        tags = _names(v, "article.tags", a.tags, 30, 50)
        media = list(dict.fromkeys(a.media_ids))
        if len(media) > 50:
            v.add("article.media_ids", "at most 50 media")
        for i, media_id in enumerate(media):
            if not MEDIA_ID.match(media_id) or self.store.get_media(media_id) is None:
                v.add(f"article.media_ids[{i}]", "the id of uploaded media (UploadMedia)")
        return {
            "title": a.title.strip(),
            "summary": a.summary.strip(),
            "body": a.body,
            "language": a.language or "en",
            "audience": AUDIENCE_NAMES.get(a.audience, "internal"),
            "category": a.category.strip(),
            "products": products,
            "tags": tags,
            "media_ids": media,
        }

    async def CreateArticle(
        self, request: knowledge_pb2.CreateArticleRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.CreateArticleResponse:
        v = Violations()
        content = await asyncio.to_thread(self._content, v, request.article)
        _text(v, "article.external_ref", request.article.external_ref, 200)
        v.raise_if_any()
        article, created = await asyncio.to_thread(
            self.store.create_article, content, _caller(), request.article.external_ref.strip()
        )
        self.indexer.nudge()
        return knowledge_pb2.CreateArticleResponse(
            article=article_message(article), created=created
        )

    def _check_id(self, v: Violations, article_id: str, field: str = "article_id") -> None:
        if not ARTICLE_ID.match(article_id):
            v.add(field, "an article id such as KB-0123456789abcdef")

    async def _article(self, article_id: str) -> Article:
        article = await asyncio.to_thread(self.store.get_article, article_id)
        if article is None:
            raise NotFound(f"no article {article_id}")
        return article

    async def UpdateArticle(
        self, request: knowledge_pb2.UpdateArticleRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.UpdateArticleResponse:
        v = Violations()
        self._check_id(v, request.article.article_id, "article.article_id")
        if request.article.revision <= 0:
            v.add("article.revision", "the revision you read (GetArticle), so no change is lost")
        content = await asyncio.to_thread(self._content, v, request.article)
        v.raise_if_any()
        try:
            article = await asyncio.to_thread(
                self.store.update_article,
                request.article.article_id,
                request.article.revision,
                content,
                _caller(),
            )
        except KeyError:
            raise NotFound(f"no article {request.article.article_id}") from None
        except Conflict as err:
            raise FailedPrecondition(str(err)) from None
        self.indexer.nudge()
        return knowledge_pb2.UpdateArticleResponse(article=article_message(article))

    async def GetArticle(
        self, request: knowledge_pb2.GetArticleRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.GetArticleResponse:
        v = Violations()
        self._check_id(v, request.article_id)
        if request.revision < 0:
            v.add("revision", "0 for the latest, or a revision number")
        v.raise_if_any()
        article = await self._article(request.article_id)
        visible = _is(*EDITORS) or article.status == "published"
        if _customer_only():
            visible = visible and article.audience == "customer"
        if not visible:
            raise NotFound(f"no article {request.article_id}")
        if request.revision and request.revision != article.revision:
            if not _is(*STAFF):
                raise NotFound(f"no revision {request.revision} of {request.article_id}")
            old = await asyncio.to_thread(
                self.store.get_revision, request.article_id, request.revision
            )
            if old is None:
                raise NotFound(f"no revision {request.revision} of {request.article_id}")
            message = article_message(article, old.content)
            message.revision = old.revision
            message.updated_by.CopyFrom(_actor(old.changed_by))
            message.updated_at.FromDatetime(old.changed_at.astimezone(UTC))
            return knowledge_pb2.GetArticleResponse(article=message)
        return knowledge_pb2.GetArticleResponse(article=article_message(article))

    async def ListArticles(
        self, request: knowledge_pb2.ListArticlesRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.ListArticlesResponse:
        v = Violations()
        size = page_size(v, request.page, DEFAULT_PAGE, MAX_PAGE)
        if request.state and request.state not in STATE_NAMES:
            v.add("state", "an ArticleState")
        _text(v, "product", request.product, 100)
        _text(v, "tag", request.tag, 50)
        v.raise_if_any()
        state = STATE_NAMES.get(request.state, "")
        if not _is(*EDITORS):
            if state and state != "published":
                raise ServiceError(
                    grpc.StatusCode.PERMISSION_DENIED,
                    "only editors (team leads, managers, administrators) see drafts and "
                    "archived articles",
                )
            state = "published"
        try:
            rows, token = await asyncio.to_thread(
                self.store.list_articles,
                state,
                request.product,
                request.tag,
                size,
                request.page.page_token,
                "customer" if _customer_only() else "",
            )
        except InvalidPageToken as err:
            v.add("page.page_token", str(err))
            v.raise_if_any()
            raise
        articles = [article_message(a) for a in rows]
        taken = page_within(articles)
        if taken < len(articles):
            # Long articles: the page ends early, the next one goes on from here.
            articles, token = articles[:taken], article_token(rows[taken - 1])
        return knowledge_pb2.ListArticlesResponse(
            articles=articles, page=common_pb2.PageInfo(next_page_token=token)
        )

    async def _set_status(self, article_id: str, status: str) -> Article:
        v = Violations()
        self._check_id(v, article_id)
        v.raise_if_any()
        try:
            article = await asyncio.to_thread(self.store.set_status, article_id, status, _caller())
        except KeyError:
            raise NotFound(f"no article {article_id}") from None
        self.indexer.nudge()
        return article

    async def PublishArticle(
        self, request: knowledge_pb2.PublishArticleRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.PublishArticleResponse:
        article = await self._set_status(request.article_id, "published")
        return knowledge_pb2.PublishArticleResponse(article=article_message(article))

    async def ArchiveArticle(
        self, request: knowledge_pb2.ArchiveArticleRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.ArchiveArticleResponse:
        article = await self._set_status(request.article_id, "archived")
        return knowledge_pb2.ArchiveArticleResponse(article=article_message(article))

    async def ListArticleRevisions(
        self,
        request: knowledge_pb2.ListArticleRevisionsRequest,
        context: grpc.aio.ServicerContext,
    ) -> knowledge_pb2.ListArticleRevisionsResponse:
        v = Violations()
        self._check_id(v, request.article_id)
        size = page_size(v, request.page, DEFAULT_PAGE, MAX_PAGE)
        v.raise_if_any()
        await self._article(request.article_id)
        try:
            rows, token = await asyncio.to_thread(
                self.store.list_revisions, request.article_id, size, request.page.page_token
            )
        except (InvalidPageToken, ValueError, TypeError):
            v.add("page.page_token", "page_token is not one this service returned")
            v.raise_if_any()
            raise
        revisions = [revision_message(r) for r in rows]
        taken = page_within(revisions)
        if taken < len(revisions):
            revisions, token = revisions[:taken], revision_token(rows[taken - 1])
        return knowledge_pb2.ListArticleRevisionsResponse(
            revisions=revisions, page=common_pb2.PageInfo(next_page_token=token)
        )

    # -- search ----------------------------------------------------------------

    def _unavailable(self, err: Exception, what: str) -> Unavailable:
        log.warning(
            "search engine call failed",
            extra={"fields": {"error": type(err).__name__, "code": getattr(err, "code", "")}},
        )
        if getattr(err, "code", "") in LOST_INDEX:
            # The engine answers but lost the index or its settings: the
            # indexer rebuilds it from the database.
            self.indexer.check_soon()
            return Unavailable(f"the search index is being rebuilt; {what} again in a moment")
        return Unavailable(
            f"the search engine (Meilisearch) does not answer; {what} unavailable until "
            "it returns. Articles written meanwhile are kept and indexed then."
        )

    async def _search(self, query: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return await asyncio.to_thread(self.index.search, query, params)
        except (MeilisearchError, OSError) as err:
            raise self._unavailable(err, "search is") from None

    async def SearchArticles(
        self, request: knowledge_pb2.SearchArticlesRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.SearchArticlesResponse:
        v = Violations()
        # Pasted questions may carry line breaks and tabs: they are spaces here.
        _text(v, "query", request.query, 500, multiline=True)
        products = _names(v, "products", request.products, 20, 100)
        tags = _names(v, "tags", request.tags, 20, 50)
        _text(v, "category", request.category, 100)
        if request.language and not LANGUAGE.match(request.language):
            v.add("language", "a BCP 47 tag such as en, de or es-MX")
        if request.audience and request.audience not in AUDIENCE_NAMES:
            v.add("audience", "AUDIENCE_INTERNAL or AUDIENCE_CUSTOMER, or unspecified for both")
        if request.state and request.state not in STATE_NAMES:
            v.add("state", "an ArticleState, or unspecified for published")
        size = page_size(v, request.page, DEFAULT_PAGE, MAX_PAGE)
        offset = 0
        if request.page.page_token:
            try:
                offset = int(request.page.page_token)
            except ValueError:
                v.add("page.page_token", "page_token is not one this service returned")
        if offset < 0 or offset + size > MAX_OFFSET:
            v.add("page.page_token", f"search pages reach the first {MAX_OFFSET} hits; refine it")
        v.raise_if_any()
        state = STATE_NAMES.get(request.state, "published")
        if state != "published" and not _is(*EDITORS):
            raise ServiceError(
                grpc.StatusCode.PERMISSION_DENIED,
                "only editors (team leads, managers, administrators) search drafts and "
                "archived articles",
            )
        filters = search.Filters(
            products=products,
            tags=tags,
            category=request.category,
            language=request.language,
            audience=AUDIENCE_NAMES.get(request.audience, ""),
            status=state,
        )
        if _customer_only():
            # Fixed by the caller's role, whatever the request says.
            filters.scope = ['status = "published"', 'audience = "customer"']
        vector = await self._query_vector(request.query)
        if vector is not None:
            # Words and meaning, each asked for their first 50 hits (or as
            # many as the page reaches) in one multi-search, fused into one
            # ranking (search.fuse_search).
            words = search.keyword_query(request.query)
            window = max(offset + size, search.FUSION_WINDOW)
            queries = search.hybrid_queries(words, filters, vector, window)
            try:
                results = await asyncio.to_thread(self.index.multi_search, queries)
            except (MeilisearchError, OSError) as err:
                if not self._without_vectors(err):
                    raise self._unavailable(err, "search is") from None
                vector = None
            else:
                fused = search.fuse_search(results[0], results[1], offset, size, words.split())
                found, total, facets = fused.hits, fused.total, fused.facets
        if vector is None:
            result = await self._search(request.query, search.search_params(filters, size, offset))
            found = search.hits(result)
            total = int(result.get("estimatedTotalHits", len(found)))
            facets = result.get("facetDistribution") or {}
        next_offset = offset + size
        token = str(next_offset) if next_offset < min(total, MAX_OFFSET) else ""
        return knowledge_pb2.SearchArticlesResponse(
            hits=[hit_message(h) for h in found],
            total=total,
            facets=[
                knowledge_pb2.Facet(field=name, counts=counts) for name, counts in facets.items()
            ],
            page=common_pb2.PageInfo(next_page_token=token),
        )

    def _without_vectors(self, err: Exception) -> bool:
        """The index has no embedder yet (written before search by meaning,
        being rebuilt with vectors): searches go on by keywords meanwhile."""
        if getattr(err, "code", "") != "invalid_search_embedder":
            return False
        log.warning("search index without vectors; searching by keywords until it is rebuilt")
        self.indexer.check_soon()
        return True

    async def _query_vector(self, text: str) -> list[float] | None:
        """What a question means, or None (no question, or the model is not
        loaded: the search is by keywords only)."""
        if not text.strip() or not self.embedder.available:
            return None
        return await asyncio.to_thread(
            self.embedder.query_vector, text, search.keyword_query(text, max_words=50)
        )

    async def suggest(
        self, product: str, issue: str, text: str, limit: int, customer_facing: bool = False
    ) -> list[search.Hit]:
        terms = search.suggestion_terms(product, issue, text)
        vector = await self._query_vector(f"{issue} {product} {text}".strip()[:2000])
        if not terms and vector is None:
            return []
        filters = search.Filters(status="published")
        if customer_facing:
            filters.scope = ['status = "published"', 'audience = "customer"']
        queries = search.suggestion_searches(terms, filters) if terms else []
        if vector is not None:
            queries.append(
                {"q": "", **search.semantic_params(filters, vector, 50, highlight=False)}
            )
        try:
            results = await asyncio.to_thread(self.index.multi_search, queries)
        except (MeilisearchError, OSError) as err:
            if vector is None or not self._without_vectors(err):
                raise self._unavailable(err, "suggestions are") from None
            vector = None
            if not terms:
                return []
            try:
                results = await asyncio.to_thread(self.index.multi_search, queries[:-1])
            except (MeilisearchError, OSError) as again:
                raise self._unavailable(again, "suggestions are") from None
        if vector is None:
            return search.fuse(results, limit)
        by_words = search.fuse(results[:-1], 50) if terms else []
        return search.blend(by_words, results[-1], limit)

    async def SuggestArticles(
        self, request: knowledge_pb2.SuggestArticlesRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.SuggestArticlesResponse:
        v = Violations()
        if request.case_id and not CASE_ID.match(request.case_id):
            v.add("case_id", "a case id such as C-000123")
        if not request.case_id and not request.text.strip():
            v.add("case_id", "give a case id, or the text to find articles for")
        if request.case_id and request.text:
            v.add("text", "give a case id or text, not both")
        _text(v, "text", request.text, 20_000, multiline=True)
        _text(v, "product", request.product, 200)
        if request.limit < 0 or request.limit > 20:
            v.add("limit", "0 to 20 (0 means 5)")
        v.raise_if_any()
        if request.case_id:
            case = await self._case(request.case_id)
            # The category (e.g. "fees_and_charges") counts as words of the issue.
            product, issue, text = case.product, f"{case.issue} {case.category}", case.narrative
        else:
            product, issue, text = request.product, "", request.text
        found = await self.suggest(
            product, issue, text, request.limit or 5, customer_facing=_customer_only()
        )
        return knowledge_pb2.SuggestArticlesResponse(hits=[hit_message(h) for h in found])

    async def RecordDeflection(
        self, request: knowledge_pb2.RecordDeflectionRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.RecordDeflectionResponse:
        v = Violations()
        self._check_id(v, request.article_id)
        _text(v, "query", request.query, 500, multiline=True)
        if request.language and not LANGUAGE.match(request.language):
            v.add("language", "a BCP 47 tag such as en, de or es-MX")
        if request.source not in DEFLECTION_SOURCES:
            v.add("source", "where the article was shown: " + " or ".join(DEFLECTION_SOURCES))
        if not request.idempotency_key.strip():
            v.add("idempotency_key", "required: one customer's one answer about one article")
        _text(v, "idempotency_key", request.idempotency_key, 200)
        v.raise_if_any()
        article = await asyncio.to_thread(self.store.get_article, request.article_id)
        if article is None or article.status != "published" or article.audience != "customer":
            # Only what customers may be shown can have deflected a complaint.
            raise NotFound(f"no published customer article {request.article_id}")
        recorded = await asyncio.to_thread(
            self.store.record_deflection,
            Deflection(
                idempotency_key=request.idempotency_key.strip(),
                article_id=request.article_id,
                answered=request.answered,
                query=" ".join(request.query.split()),
                language=request.language,
                source=request.source,
                recorded_by=_caller(),
                recorded_at=datetime.now(UTC),
            ),
        )
        return knowledge_pb2.RecordDeflectionResponse(recorded=recorded)

    async def _case(self, case_id: str) -> cases_pb2.Case:
        """The case, read once per call with the service key; NOT_FOUND when it
        does not exist or is outside the caller's scope."""
        try:
            response = await self.cases.GetCase(
                cases_pb2.GetCaseRequest(case_id=case_id), metadata=self.metadata, timeout=10
            )
        except grpc.aio.AioRpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"no case {case_id}") from None
            raise Unavailable(f"services/cases did not answer: {err.code().name}") from None
        self.scope.check(case_id, response.case.team, response.case.assignee)
        return response.case

    async def MarkArticleResolved(
        self,
        request: knowledge_pb2.MarkArticleResolvedRequest,
        context: grpc.aio.ServicerContext,
    ) -> knowledge_pb2.MarkArticleResolvedResponse:
        v = Violations()
        if not CASE_ID.match(request.case_id):
            v.add("case_id", "a case id such as C-000123")
        self._check_id(v, request.article_id)
        v.raise_if_any()
        await self._article(request.article_id)
        await self._case(request.case_id)
        await asyncio.to_thread(
            self.store.record_case_articles,
            request.case_id,
            "resolved",
            [(request.article_id, 1.0)],
            _caller(),
        )
        return knowledge_pb2.MarkArticleResolvedResponse()

    async def ListCaseArticles(
        self, request: knowledge_pb2.ListCaseArticlesRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.ListCaseArticlesResponse:
        v = Violations()
        if not CASE_ID.match(request.case_id):
            v.add("case_id", "a case id such as C-000123")
        v.raise_if_any()
        if self.scope.limits() is not None:
            await self._case(request.case_id)
        rows = await asyncio.to_thread(self.store.case_articles, request.case_id, _customer_only())
        return knowledge_pb2.ListCaseArticlesResponse(
            articles=[
                knowledge_pb2.CaseArticle(
                    article_id=row.article_id,
                    title=title,
                    kind=row.kind,
                    rank=row.rank,
                    score=row.score,
                    recorded_by=_actor(row.recorded_by),
                    recorded_at=_ts(row.recorded_at),
                )
                for row, title in rows
            ]
        )

    # -- the index ---------------------------------------------------------------

    async def ReindexAll(
        self, request: knowledge_pb2.ReindexAllRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[knowledge_pb2.ReindexAllResponse]:
        total = 0
        indexed = 0
        try:
            async for indexed, total in self.indexer.reindex_all():
                yield knowledge_pb2.ReindexAllResponse(indexed=indexed, total=total)
        except (MeilisearchError, IndexTaskFailed, OSError) as err:
            raise Unavailable(
                f"the search engine failed during the rebuild ({err}); the old index is still "
                "in place; run ReindexAll again"
            ) from None
        yield knowledge_pb2.ReindexAllResponse(indexed=indexed, total=total, done=True)

    async def GetIndexStatus(
        self, request: knowledge_pb2.GetIndexStatusRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.GetIndexStatusResponse:
        backlog = await asyncio.to_thread(self.store.backlog)
        articles = await asyncio.to_thread(self.store.count_articles)
        up = await asyncio.to_thread(self.index.healthy)
        documents = 0
        if up:
            try:
                documents = await asyncio.to_thread(self.index.count)
            except MeilisearchError:
                documents = 0
        return knowledge_pb2.GetIndexStatusResponse(
            pending=backlog.pending,
            oldest_pending_at=_ts(backlog.oldest),
            last_error=backlog.last_error,
            articles_in_database=articles,
            documents_in_index=documents,
            search_engine_up=up,
            semantic_search=self.embedder.available,
            embedding_model=self.embedder.model,
            semantic_search_problem=self.embedder.problem,
        )

    # -- media ---------------------------------------------------------------------

    def _check_media(self, v: Violations, file_name: str, content_type: str) -> None:
        if not FILE_NAME.match(file_name) or file_name in (".", ".."):
            v.add("file_name", "1 to 255 characters, no slashes or control characters")
        if content_type not in ALLOWED_TYPES:
            v.add("content_type", "one of " + ", ".join(ALLOWED_TYPES))

    async def _store_media(
        self, file_name: str, content_type: str, chunks: AsyncIterator[bytes]
    ) -> MediaFile:
        try:
            stored = await self.blobs.put(chunks, self.max_media_bytes)
        except TooLarge:
            v = Violations()
            v.add("content", f"at most {self.max_media_bytes} bytes (REDRESS_MEDIA_MAX_BYTES)")
            v.raise_if_any()
            raise
        if stored.size == 0 or not content_matches(content_type, stored.head):
            await asyncio.to_thread(self._forget_unused, stored.blob_id)
            v = Violations()
            v.add("content", f"the content is not a {content_type} file")
            v.raise_if_any()
        row = MediaFile(
            media_id=stored.blob_id,
            file_name=file_name,
            content_type=content_type,
            size_bytes=stored.size,
            created_by=_caller(),
            created_at=datetime.now(UTC),
        )
        return await asyncio.to_thread(self.store.add_media, row)

    def _forget_unused(self, blob_id: str) -> None:
        if self.store.get_media(blob_id) is None:
            self.blobs.delete(blob_id)

    async def UploadMedia(
        self, request: knowledge_pb2.UploadMediaRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.UploadMediaResponse:
        v = Violations()
        self._check_media(v, request.file_name, request.content_type)
        if len(request.content) > UNARY_MEDIA_LIMIT:
            v.add("content", "at most 3 MiB here; send larger files with UploadMediaStream")
        v.raise_if_any()

        async def one() -> AsyncIterator[bytes]:
            yield request.content

        row = await self._store_media(request.file_name, request.content_type, one())
        return knowledge_pb2.UploadMediaResponse(media=media_message(row))

    async def UploadMediaStream(
        self,
        request_iterator: AsyncIterator[knowledge_pb2.UploadMediaStreamRequest],
        context: grpc.aio.ServicerContext,
    ) -> knowledge_pb2.UploadMediaStreamResponse:
        first = await anext(aiter(request_iterator), None)
        if first is None:
            v = Violations()
            v.add("file_name", "send file_name and content_type in the first chunk")
            v.raise_if_any()
        assert first is not None
        v = Violations()
        self._check_media(v, first.file_name, first.content_type)
        v.raise_if_any()

        async def chunks() -> AsyncIterator[bytes]:
            yield first.data
            async for chunk in request_iterator:
                yield chunk.data

        row = await self._store_media(first.file_name, first.content_type, chunks())
        return knowledge_pb2.UploadMediaStreamResponse(media=media_message(row))

    async def _readable_media(self, media_id: str) -> MediaFile:
        v = Violations()
        if not MEDIA_ID.match(media_id):
            v.add("media_id", "the sha256 id UploadMedia returned")
        v.raise_if_any()
        row = await asyncio.to_thread(self.store.get_media, media_id)
        if row is None or (
            _customer_only() and not await asyncio.to_thread(self.store.media_is_public, media_id)
        ):
            raise NotFound(f"no media {media_id}")
        return row

    async def GetMedia(
        self, request: knowledge_pb2.GetMediaRequest, context: grpc.aio.ServicerContext
    ) -> knowledge_pb2.GetMediaResponse:
        row = await self._readable_media(request.media_id)
        if row.size_bytes > UNARY_MEDIA_LIMIT:
            raise FailedPrecondition(
                f"media {row.media_id} is {row.size_bytes} bytes; read it with DownloadMedia"
            )
        content = b"".join(await asyncio.to_thread(lambda: list(self._read(row.media_id))))
        return knowledge_pb2.GetMediaResponse(media=media_message(row), content=content)

    def _read(self, media_id: str) -> Iterator[bytes]:
        try:
            yield from self.blobs.read(media_id)
        except BlobCorrupt as err:
            raise ServiceError(grpc.StatusCode.DATA_LOSS, str(err)) from None
        except FileNotFoundError:
            raise ServiceError(
                grpc.StatusCode.DATA_LOSS, f"media {media_id} is recorded but its content is gone"
            ) from None

    async def DownloadMedia(
        self, request: knowledge_pb2.DownloadMediaRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[knowledge_pb2.DownloadMediaResponse]:
        row = await self._readable_media(request.media_id)
        reader = self._read(row.media_id)
        first = True
        while True:
            chunk = await asyncio.to_thread(next, reader, None)
            if chunk is None:
                break
            yield knowledge_pb2.DownloadMediaResponse(
                media=media_message(row) if first else None, data=chunk
            )
            first = False
        if first:
            yield knowledge_pb2.DownloadMediaResponse(media=media_message(row))


ALLOWED_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "audio/mpeg",
    "audio/wav",
    "audio/ogg",
    "video/mp4",
    "video/webm",
)


def hit_message(h: search.Hit) -> knowledge_pb2.ArticleHit:
    doc = h.document
    return knowledge_pb2.ArticleHit(
        article_id=h.article_id,
        title=h.title,
        snippet=h.snippet,
        score=h.score,
        products=list(doc.get("products") or []),
        tags=list(doc.get("tags") or []),
        category=str(doc.get("category") or ""),
        language=str(doc.get("language") or ""),
        audience=AUDIENCES.get(str(doc.get("audience")), knowledge_pb2.AUDIENCE_UNSPECIFIED),
        state=STATES.get(str(doc.get("status")), knowledge_pb2.ARTICLE_STATE_UNSPECIFIED),
        title_highlighted=h.title_highlighted,
    )


def revision_message(r: ArticleRevision) -> knowledge_pb2.ArticleRevision:
    return knowledge_pb2.ArticleRevision(
        revision=r.revision,
        change=r.change,
        changed_fields=list(r.changed_fields or []),
        changed_by=_actor(r.changed_by),
        changed_at=_ts(r.changed_at),
    )
