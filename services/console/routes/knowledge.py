"""The knowledge base: searching, reading, writing and publishing articles, and
downloading their attachments."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, abort, g, make_response, redirect, request
from werkzeug.wrappers.response import Response

from redress.common.v1 import common_pb2
from redress.knowledge.v1 import knowledge_pb2
from redress.platform.enums import choices, from_short_name
from services.console import i18n
from services.console.apis import Refusal
from services.console.pages import caller, flash, form, page, refusal_text

ARTICLE_STATES = choices(knowledge_pb2.ArticleState)
AUDIENCES = choices(knowledge_pb2.Audience)
ARTICLE_ID = re.compile(r"^KB-[0-9a-f]{16}$")

blueprint = Blueprint("knowledge", __name__)


@blueprint.route("/knowledge")
def knowledge() -> Response:
    query = request.args.get("q", "").strip()
    filters = {k: request.args.get(k, "").strip() for k in ("product", "category", "language")}
    state = request.args.get("state", "")
    token = request.args.get("page_token", "")
    answer = None
    refusal = None
    try:
        answer = caller().knowledge(
            "SearchArticles",
            knowledge_pb2.SearchArticlesRequest(
                query=query,
                products=[filters["product"]] if filters["product"] else [],
                category=filters["category"],
                language=filters["language"],
                state=from_short_name(knowledge_pb2.ArticleState, state),  # type: ignore[arg-type]
                page=common_pb2.PageRequest(page_size=20, page_token=token),
            ),
        )
    except Refusal as err:
        refusal = err
    return page(
        "knowledge.html",
        422 if refusal else 200,
        q=query,
        filters=filters,
        state=state,
        states=ARTICLE_STATES,
        answer=answer,
        refusal=refusal,
        next_href="/knowledge?"
        + urlencode(
            {
                "q": query,
                **filters,
                "state": state,
                "page_token": answer.page.next_page_token if answer else "",
            }
        ),
    )


def article_of(article_id: str) -> knowledge_pb2.Article:
    if not ARTICLE_ID.match(article_id):
        abort(404)
    try:
        return (
            caller()
            .knowledge("GetArticle", knowledge_pb2.GetArticleRequest(article_id=article_id))
            .article
        )
    except Refusal as err:
        if err.code.name == "NOT_FOUND":
            abort(404)
        raise


@blueprint.route("/knowledge/<article_id>")
def article(article_id: str) -> Response:
    found = article_of(article_id)
    media = []
    for media_id in found.media_ids:
        try:
            media.append(
                caller()
                .knowledge("GetMedia", knowledge_pb2.GetMediaRequest(media_id=media_id))
                .media
            )
        except Refusal:
            continue
    return page("article.html", article=found, media=media, body_html=i18n.markdown(found.body))


def article_form(
    existing: knowledge_pb2.Article | None, refusal: Refusal | None = None, status: int = 200
) -> Response:
    return page(
        "article_edit.html",
        status,
        article=existing,
        values=request.form if refusal else {},
        refusal=refusal,
        audiences=AUDIENCES,
    )


@blueprint.route("/knowledge/new", methods=["GET", "POST"])
def new_article() -> Response:
    if request.method == "GET":
        return article_form(None)
    return save_article(None)


@blueprint.route("/knowledge/<article_id>/edit", methods=["GET", "POST"])
def edit_article(article_id: str) -> Response:
    existing = article_of(article_id)
    if request.method == "GET":
        return article_form(existing)
    return save_article(existing)


def save_article(existing: knowledge_pb2.Article | None) -> Response:
    person = caller()
    media_ids = list(existing.media_ids) if existing else []
    try:
        upload = request.files.get("attachment")
        if upload and upload.filename:
            media = person.knowledge(
                "UploadMedia",
                knowledge_pb2.UploadMediaRequest(
                    file_name=upload.filename,
                    content_type=upload.mimetype or "application/octet-stream",
                    content=upload.read(),
                ),
            ).media
            media_ids.append(media.media_id)
        article = knowledge_pb2.Article(
            article_id=existing.article_id if existing else "",
            revision=existing.revision if existing else 0,
            title=form("title"),
            summary=form("summary"),
            body=request.form.get("body", ""),
            language=form("language"),
            audience=from_short_name(knowledge_pb2.Audience, form("audience")),  # type: ignore[arg-type]
            products=[p.strip() for p in form("products").split(",") if p.strip()],
            tags=[t.strip() for t in form("tags").split(",") if t.strip()],
            category=form("category"),
            media_ids=media_ids,
        )
        if existing:
            saved = person.knowledge(
                "UpdateArticle", knowledge_pb2.UpdateArticleRequest(article=article)
            ).article
        else:
            saved = person.knowledge(
                "CreateArticle", knowledge_pb2.CreateArticleRequest(article=article)
            ).article
        if request.form.get("publish") == "on":
            person.knowledge(
                "PublishArticle",
                knowledge_pb2.PublishArticleRequest(article_id=saved.article_id),
            )
    except Refusal as err:
        return article_form(existing, err, 422)
    flash("ok", g.t("Article saved."))
    return redirect(f"/knowledge/{saved.article_id}")


@blueprint.route("/knowledge/<article_id>/<verb>", methods=["POST"])
def article_state(article_id: str, verb: str) -> Response:
    calls = {
        "publish": ("PublishArticle", knowledge_pb2.PublishArticleRequest),
        "archive": ("ArchiveArticle", knowledge_pb2.ArchiveArticleRequest),
    }
    if verb not in calls or not ARTICLE_ID.match(article_id):
        abort(404)
    method, message = calls[verb]
    try:
        caller().knowledge(method, message(article_id=article_id))
    except Refusal as err:
        flash("error", refusal_text(err))
    else:
        flash("ok", g.t("Article published.") if verb == "publish" else g.t("Article archived."))
    return redirect(f"/knowledge/{article_id}")


@blueprint.route("/media/<media_id>")
def media(media_id: str) -> Response:
    try:
        chunks = caller().stream(
            "knowledge", "DownloadMedia", knowledge_pb2.DownloadMediaRequest(media_id=media_id)
        )
    except Refusal:
        abort(404)
    info = next((c.media for c in chunks if c.HasField("media")), None)
    body = b"".join(c.data for c in chunks)
    response = make_response(body)
    response.headers["Content-Type"] = info.content_type if info else "application/octet-stream"
    name = re.sub(r"[^A-Za-z0-9._-]", "_", info.file_name if info else media_id)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
