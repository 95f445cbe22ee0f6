import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from redress.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ArticleState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ARTICLE_STATE_UNSPECIFIED: _ClassVar[ArticleState]
    ARTICLE_STATE_DRAFT: _ClassVar[ArticleState]
    ARTICLE_STATE_PUBLISHED: _ClassVar[ArticleState]
    ARTICLE_STATE_ARCHIVED: _ClassVar[ArticleState]

class Audience(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIENCE_UNSPECIFIED: _ClassVar[Audience]
    AUDIENCE_INTERNAL: _ClassVar[Audience]
    AUDIENCE_CUSTOMER: _ClassVar[Audience]
ARTICLE_STATE_UNSPECIFIED: ArticleState
ARTICLE_STATE_DRAFT: ArticleState
ARTICLE_STATE_PUBLISHED: ArticleState
ARTICLE_STATE_ARCHIVED: ArticleState
AUDIENCE_UNSPECIFIED: Audience
AUDIENCE_INTERNAL: Audience
AUDIENCE_CUSTOMER: Audience

class Article(_message.Message):
    __slots__ = ("article_id", "revision", "title", "body", "summary", "language", "state", "audience", "products", "tags", "media_ids", "updated_by", "updated_at", "category", "external_ref")
    ARTICLE_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    article_id: str
    revision: int
    title: str
    body: str
    summary: str
    language: str
    state: ArticleState
    audience: Audience
    products: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    updated_by: _common_pb2.Actor
    updated_at: _timestamp_pb2.Timestamp
    category: str
    external_ref: str
    def __init__(self, article_id: _Optional[str] = ..., revision: _Optional[int] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., summary: _Optional[str] = ..., language: _Optional[str] = ..., state: _Optional[_Union[ArticleState, str]] = ..., audience: _Optional[_Union[Audience, str]] = ..., products: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., media_ids: _Optional[_Iterable[str]] = ..., updated_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., category: _Optional[str] = ..., external_ref: _Optional[str] = ...) -> None: ...

class CreateArticleRequest(_message.Message):
    __slots__ = ("article",)
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    article: Article
    def __init__(self, article: _Optional[_Union[Article, _Mapping]] = ...) -> None: ...

class CreateArticleResponse(_message.Message):
    __slots__ = ("article", "created")
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    article: Article
    created: bool
    def __init__(self, article: _Optional[_Union[Article, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class UpdateArticleRequest(_message.Message):
    __slots__ = ("article",)
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    article: Article
    def __init__(self, article: _Optional[_Union[Article, _Mapping]] = ...) -> None: ...

class UpdateArticleResponse(_message.Message):
    __slots__ = ("article",)
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    article: Article
    def __init__(self, article: _Optional[_Union[Article, _Mapping]] = ...) -> None: ...

class GetArticleRequest(_message.Message):
    __slots__ = ("article_id", "revision")
    ARTICLE_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    article_id: str
    revision: int
    def __init__(self, article_id: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class GetArticleResponse(_message.Message):
    __slots__ = ("article",)
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    article: Article
    def __init__(self, article: _Optional[_Union[Article, _Mapping]] = ...) -> None: ...

class ListArticlesRequest(_message.Message):
    __slots__ = ("state", "product", "tag", "page")
    STATE_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    state: ArticleState
    product: str
    tag: str
    page: _common_pb2.PageRequest
    def __init__(self, state: _Optional[_Union[ArticleState, str]] = ..., product: _Optional[str] = ..., tag: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListArticlesResponse(_message.Message):
    __slots__ = ("articles", "page")
    ARTICLES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    articles: _containers.RepeatedCompositeFieldContainer[Article]
    page: _common_pb2.PageInfo
    def __init__(self, articles: _Optional[_Iterable[_Union[Article, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class PublishArticleRequest(_message.Message):
    __slots__ = ("article_id",)
    ARTICLE_ID_FIELD_NUMBER: _ClassVar[int]
    article_id: str
    def __init__(self, article_id: _Optional[str] = ...) -> None: ...

class PublishArticleResponse(_message.Message):
    __slots__ = ("article",)
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    article: Article
    def __init__(self, article: _Optional[_Union[Article, _Mapping]] = ...) -> None: ...

class ArchiveArticleRequest(_message.Message):
    __slots__ = ("article_id",)
    ARTICLE_ID_FIELD_NUMBER: _ClassVar[int]
    article_id: str
    def __init__(self, article_id: _Optional[str] = ...) -> None: ...

class ArchiveArticleResponse(_message.Message):
    __slots__ = ("article",)
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    article: Article
    def __init__(self, article: _Optional[_Union[Article, _Mapping]] = ...) -> None: ...

class ArticleHit(_message.Message):
    __slots__ = ("article_id", "title", "snippet", "score", "products", "tags", "category", "language", "audience", "state", "title_highlighted")
    ARTICLE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SNIPPET_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TITLE_HIGHLIGHTED_FIELD_NUMBER: _ClassVar[int]
    article_id: str
    title: str
    snippet: str
    score: float
    products: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    category: str
    language: str
    audience: Audience
    state: ArticleState
    title_highlighted: str
    def __init__(self, article_id: _Optional[str] = ..., title: _Optional[str] = ..., snippet: _Optional[str] = ..., score: _Optional[float] = ..., products: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., category: _Optional[str] = ..., language: _Optional[str] = ..., audience: _Optional[_Union[Audience, str]] = ..., state: _Optional[_Union[ArticleState, str]] = ..., title_highlighted: _Optional[str] = ...) -> None: ...

class Facet(_message.Message):
    __slots__ = ("field", "counts")
    class CountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FIELD_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    field: str
    counts: _containers.ScalarMap[str, int]
    def __init__(self, field: _Optional[str] = ..., counts: _Optional[_Mapping[str, int]] = ...) -> None: ...

class SearchArticlesRequest(_message.Message):
    __slots__ = ("query", "products", "tags", "language", "audience", "page", "category", "state")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    query: str
    products: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    language: str
    audience: Audience
    page: _common_pb2.PageRequest
    category: str
    state: ArticleState
    def __init__(self, query: _Optional[str] = ..., products: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., language: _Optional[str] = ..., audience: _Optional[_Union[Audience, str]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., category: _Optional[str] = ..., state: _Optional[_Union[ArticleState, str]] = ...) -> None: ...

class SearchArticlesResponse(_message.Message):
    __slots__ = ("hits", "total", "facets", "page")
    HITS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    FACETS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[ArticleHit]
    total: int
    facets: _containers.RepeatedCompositeFieldContainer[Facet]
    page: _common_pb2.PageInfo
    def __init__(self, hits: _Optional[_Iterable[_Union[ArticleHit, _Mapping]]] = ..., total: _Optional[int] = ..., facets: _Optional[_Iterable[_Union[Facet, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class SuggestArticlesRequest(_message.Message):
    __slots__ = ("case_id", "limit", "text", "product")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    limit: int
    text: str
    product: str
    def __init__(self, case_id: _Optional[str] = ..., limit: _Optional[int] = ..., text: _Optional[str] = ..., product: _Optional[str] = ...) -> None: ...

class SuggestArticlesResponse(_message.Message):
    __slots__ = ("hits",)
    HITS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[ArticleHit]
    def __init__(self, hits: _Optional[_Iterable[_Union[ArticleHit, _Mapping]]] = ...) -> None: ...

class Media(_message.Message):
    __slots__ = ("media_id", "file_name", "content_type", "size_bytes", "created_at")
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    media_id: str
    file_name: str
    content_type: str
    size_bytes: int
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, media_id: _Optional[str] = ..., file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UploadMediaRequest(_message.Message):
    __slots__ = ("file_name", "content_type", "content")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    content_type: str
    content: bytes
    def __init__(self, file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class UploadMediaResponse(_message.Message):
    __slots__ = ("media",)
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    media: Media
    def __init__(self, media: _Optional[_Union[Media, _Mapping]] = ...) -> None: ...

class GetMediaRequest(_message.Message):
    __slots__ = ("media_id",)
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    media_id: str
    def __init__(self, media_id: _Optional[str] = ...) -> None: ...

class GetMediaResponse(_message.Message):
    __slots__ = ("media", "content")
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    media: Media
    content: bytes
    def __init__(self, media: _Optional[_Union[Media, _Mapping]] = ..., content: _Optional[bytes] = ...) -> None: ...

class ListArticleRevisionsRequest(_message.Message):
    __slots__ = ("article_id", "page")
    ARTICLE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    article_id: str
    page: _common_pb2.PageRequest
    def __init__(self, article_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ArticleRevision(_message.Message):
    __slots__ = ("revision", "change", "changed_fields", "changed_by", "changed_at")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    revision: int
    change: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    changed_by: _common_pb2.Actor
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, revision: _Optional[int] = ..., change: _Optional[str] = ..., changed_fields: _Optional[_Iterable[str]] = ..., changed_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListArticleRevisionsResponse(_message.Message):
    __slots__ = ("revisions", "page")
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    revisions: _containers.RepeatedCompositeFieldContainer[ArticleRevision]
    page: _common_pb2.PageInfo
    def __init__(self, revisions: _Optional[_Iterable[_Union[ArticleRevision, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class UploadMediaStreamRequest(_message.Message):
    __slots__ = ("file_name", "content_type", "data")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    content_type: str
    data: bytes
    def __init__(self, file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class UploadMediaStreamResponse(_message.Message):
    __slots__ = ("media",)
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    media: Media
    def __init__(self, media: _Optional[_Union[Media, _Mapping]] = ...) -> None: ...

class DownloadMediaRequest(_message.Message):
    __slots__ = ("media_id",)
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    media_id: str
    def __init__(self, media_id: _Optional[str] = ...) -> None: ...

class DownloadMediaResponse(_message.Message):
    __slots__ = ("media", "data")
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    media: Media
    data: bytes
    def __init__(self, media: _Optional[_Union[Media, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class MarkArticleResolvedRequest(_message.Message):
    __slots__ = ("case_id", "article_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ARTICLE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    article_id: str
    def __init__(self, case_id: _Optional[str] = ..., article_id: _Optional[str] = ...) -> None: ...

class MarkArticleResolvedResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCaseArticlesRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class CaseArticle(_message.Message):
    __slots__ = ("article_id", "title", "kind", "rank", "score", "recorded_by", "recorded_at")
    ARTICLE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    article_id: str
    title: str
    kind: str
    rank: int
    score: float
    recorded_by: _common_pb2.Actor
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, article_id: _Optional[str] = ..., title: _Optional[str] = ..., kind: _Optional[str] = ..., rank: _Optional[int] = ..., score: _Optional[float] = ..., recorded_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCaseArticlesResponse(_message.Message):
    __slots__ = ("articles",)
    ARTICLES_FIELD_NUMBER: _ClassVar[int]
    articles: _containers.RepeatedCompositeFieldContainer[CaseArticle]
    def __init__(self, articles: _Optional[_Iterable[_Union[CaseArticle, _Mapping]]] = ...) -> None: ...

class ReindexAllRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReindexAllResponse(_message.Message):
    __slots__ = ("indexed", "total", "done")
    INDEXED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    indexed: int
    total: int
    done: bool
    def __init__(self, indexed: _Optional[int] = ..., total: _Optional[int] = ..., done: _Optional[bool] = ...) -> None: ...

class GetIndexStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetIndexStatusResponse(_message.Message):
    __slots__ = ("pending", "oldest_pending_at", "last_error", "articles_in_database", "documents_in_index", "search_engine_up", "semantic_search", "embedding_model", "semantic_search_problem")
    PENDING_FIELD_NUMBER: _ClassVar[int]
    OLDEST_PENDING_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    ARTICLES_IN_DATABASE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_IN_INDEX_FIELD_NUMBER: _ClassVar[int]
    SEARCH_ENGINE_UP_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_SEARCH_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_MODEL_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_SEARCH_PROBLEM_FIELD_NUMBER: _ClassVar[int]
    pending: int
    oldest_pending_at: _timestamp_pb2.Timestamp
    last_error: str
    articles_in_database: int
    documents_in_index: int
    search_engine_up: bool
    semantic_search: bool
    embedding_model: str
    semantic_search_problem: str
    def __init__(self, pending: _Optional[int] = ..., oldest_pending_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error: _Optional[str] = ..., articles_in_database: _Optional[int] = ..., documents_in_index: _Optional[int] = ..., search_engine_up: _Optional[bool] = ..., semantic_search: _Optional[bool] = ..., embedding_model: _Optional[str] = ..., semantic_search_problem: _Optional[str] = ...) -> None: ...

class RecordDeflectionRequest(_message.Message):
    __slots__ = ("article_id", "answered", "query", "language", "source", "idempotency_key")
    ARTICLE_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    article_id: str
    answered: bool
    query: str
    language: str
    source: str
    idempotency_key: str
    def __init__(self, article_id: _Optional[str] = ..., answered: _Optional[bool] = ..., query: _Optional[str] = ..., language: _Optional[str] = ..., source: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RecordDeflectionResponse(_message.Message):
    __slots__ = ("recorded",)
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    recorded: bool
    def __init__(self, recorded: _Optional[bool] = ...) -> None: ...
