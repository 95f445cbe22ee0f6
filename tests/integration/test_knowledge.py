"""The knowledge base on the whole platform: the real bank FAQ imported into a
real Meilisearch, searched, versioned, with media, and suggested for complaints."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import uuid
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import grpc
import meilisearch
import pytest

from redress.common.v1 import common_pb2
from redress.db.migrate import upgrade
from redress.devstack.platform import LocalPlatform, start_on_own_ports
from redress.importers.faq import run_import
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.platform.errors import field_violations
from tests.conftest import (
    FAQ,
    bearer,
    eventually,
    fresh_postgres_database,
    indexed,
    meilisearch_client,
)
from tests.integration.test_followup import ROWS, file_complaint, get_case


def kb(channels):  # type: ignore[no-untyped-def]
    return knowledge_pb2_grpc.KnowledgeServiceStub(channels["knowledge"])


def png(width: int = 1) -> bytes:
    """A real, tiny PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + (1).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * width)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def search(channels, metadata, **fields) -> knowledge_pb2.SearchArticlesResponse:  # type: ignore[no-untyped-def]
    return kb(channels).SearchArticles(
        knowledge_pb2.SearchArticlesRequest(**fields), metadata=metadata, timeout=10
    )


def test_the_bank_faq_loads_once_however_often_it_is_imported(
    platform, channels, admin, faq, capsys
):
    assert run_import(FAQ, platform.address("knowledge"), platform.credentials.admin_key) == 0
    with FAQ.open(newline="", encoding="utf-8") as f:
        rows = sum(1 for _ in csv.DictReader(f))
    assert f"0 articles created, {rows} already there, 0 rows rejected" in capsys.readouterr().out
    status = indexed(channels, admin)
    assert status.documents_in_index == status.articles_in_database >= faq


def test_the_bank_faq_saved_again_in_a_windows_code_page_is_the_same_faq(
    platform, channels, admin, faq, capsys, tmp_path
):
    # As a spreadsheet on Windows saves it: Windows-1252, its quotes and
    # accents in that code page. Read in it, every article is the one there.
    resaved = tmp_path / "faq-excel.csv"
    resaved.write_bytes(FAQ.read_text(encoding="utf-8-sig").encode("cp1252"))
    assert run_import(resaved, platform.address("knowledge"), platform.credentials.admin_key) == 0
    out, err = capsys.readouterr()
    assert "faq-excel.csv is not UTF-8: reading it as cp1252" in err
    assert "0 articles created" in out and "0 rows rejected" in out


def test_search_forgives_typos_filters_counts_facets_and_pages(channels, admin, faq):
    found = search(channels, admin, query="stolen card", page=common_pb2.PageRequest(page_size=5))
    assert next(h for h in found.hits[:3] if h.category == "cards")
    typo = search(channels, admin, query="insurence claim")
    assert typo.hits[0].category == "insurance"
    assert "<em>insurance</em>" in (typo.hits[0].title_highlighted + typo.hits[0].snippet).lower()
    facets = {f.field: dict(f.counts) for f in found.facets}
    assert facets["category"]["cards"] > 0 and facets["language"] == {"en": found.total}

    loans = search(channels, admin, query="card", category="loans")
    assert loans.hits and {h.category for h in loans.hits} == {"loans"}

    first = search(channels, admin, query="card", page=common_pb2.PageRequest(page_size=3))
    second = search(
        channels,
        admin,
        query="card",
        page=common_pb2.PageRequest(page_size=3, page_token=first.page.next_page_token),
    )
    assert first.page.next_page_token and len(second.hits) == 3
    assert not {h.article_id for h in first.hits} & {h.article_id for h in second.hits}


def test_a_filter_value_cannot_change_what_the_filter_means(channels, admin, faq):
    hostile = 'loans" OR category = "cards'
    assert search(channels, admin, query="card", category=hostile).total == 0
    for value in ('\\"', '"', "a\\", "x' OR 1=1 --", 'cards") OR ("1'):
        response = search(channels, admin, query="card", tags=[value], category=value)
        assert response.total == 0


def article(title: str, audience: int, body: str = "") -> knowledge_pb2.Article:
    return knowledge_pb2.Article(
        title=title,
        body=body or f"{title}: the steps a handler follows.",
        summary=f"About {title}.",
        language="en",
        audience=audience,
        category="handling",
        products=["Credit card"],
        tags=["chargeback"],
    )


def test_customers_find_only_published_public_articles_staff_also_internal_ones(
    platform, channels, admin
):
    marker = uuid.uuid4().hex[:8]
    stub = kb(channels)
    internal = stub.CreateArticle(
        knowledge_pb2.CreateArticleRequest(
            article=article(f"Zebracode {marker} internal", knowledge_pb2.AUDIENCE_INTERNAL)
        ),
        metadata=admin,
    ).article
    stub.PublishArticle(
        knowledge_pb2.PublishArticleRequest(article_id=internal.article_id), metadata=admin
    )
    draft = stub.CreateArticle(
        knowledge_pb2.CreateArticleRequest(
            article=article(f"Zebracode {marker} draft", knowledge_pb2.AUDIENCE_CUSTOMER)
        ),
        metadata=admin,
    ).article
    indexed(channels, admin)

    customer = bearer(platform.credentials.intake_key)
    assert search(channels, customer, query=f"zebracode {marker}").total == 0
    # Asking for internal articles does not widen what a customer sees.
    assert (
        search(
            channels,
            customer,
            query=f"zebracode {marker}",
            audience=knowledge_pb2.AUDIENCE_INTERNAL,
        ).total
        == 0
    )
    with pytest.raises(grpc.RpcError) as err:
        stub.GetArticle(
            knowledge_pb2.GetArticleRequest(article_id=internal.article_id), metadata=customer
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND

    agent_sees = search(channels, admin, query=f"zebracode {marker}")
    assert [h.article_id for h in agent_sees.hits] == [internal.article_id]
    drafts = search(
        channels, admin, query=f"zebracode {marker}", state=knowledge_pb2.ARTICLE_STATE_DRAFT
    )
    assert [h.article_id for h in drafts.hits] == [draft.article_id]


def test_every_change_is_a_revision_and_a_stale_update_is_refused(channels, admin):
    stub = kb(channels)
    created = stub.CreateArticle(
        knowledge_pb2.CreateArticleRequest(
            article=article("Refund timelines", knowledge_pb2.AUDIENCE_CUSTOMER)
        ),
        metadata=admin,
    ).article
    changed = knowledge_pb2.Article()
    changed.CopyFrom(created)
    changed.title = "Refund timelines for card payments"
    updated = stub.UpdateArticle(
        knowledge_pb2.UpdateArticleRequest(article=changed), metadata=admin
    ).article
    assert updated.revision == 2

    with pytest.raises(grpc.RpcError) as err:  # someone else's edit, from revision 1
        stub.UpdateArticle(knowledge_pb2.UpdateArticleRequest(article=changed), metadata=admin)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "is at revision 2, not 1" in (err.value.details() or "")

    stub.PublishArticle(
        knowledge_pb2.PublishArticleRequest(article_id=created.article_id), metadata=admin
    )
    history = stub.ListArticleRevisions(
        knowledge_pb2.ListArticleRevisionsRequest(article_id=created.article_id), metadata=admin
    ).revisions
    assert [(r.revision, r.change, list(r.changed_fields)) for r in history] == [
        (3, "published", ["status"]),
        (2, "updated", ["title"]),
        (
            1,
            "created",
            sorted(
                [
                    "title",
                    "summary",
                    "body",
                    "language",
                    "audience",
                    "category",
                    "products",
                    "tags",
                    "media_ids",
                ]
            ),
        ),
    ]
    assert {r.changed_by.id for r in history} == {"local-admin"}
    first = stub.GetArticle(
        knowledge_pb2.GetArticleRequest(article_id=created.article_id, revision=1), metadata=admin
    ).article
    assert first.title == "Refund timelines" and first.state == knowledge_pb2.ARTICLE_STATE_DRAFT


def test_article_fields_are_checked_one_by_one(channels, admin):
    bad = knowledge_pb2.Article(
        title="",
        body="x" * 200_001,
        language="english please",
        products=["ok", ""],
        media_ids=["not-a-hash"],
    )
    with pytest.raises(grpc.RpcError) as err:
        kb(channels).CreateArticle(knowledge_pb2.CreateArticleRequest(article=bad), metadata=admin)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {
        "article.title",
        "article.body",
        "article.language",
        "article.products[1]",
        "article.media_ids[0]",
    }


def test_media_are_stored_by_content_checked_and_streamed_back(platform, channels, admin):
    stub = kb(channels)
    image = png(3)
    first = stub.UploadMedia(
        knowledge_pb2.UploadMediaRequest(
            file_name="chart.png", content_type="image/png", content=image
        ),
        metadata=admin,
    ).media
    again = stub.UploadMedia(
        knowledge_pb2.UploadMediaRequest(
            file_name="copy.png", content_type="image/png", content=image
        ),
        metadata=admin,
    ).media
    assert first.media_id == again.media_id == hashlib.sha256(image).hexdigest()
    assert first.size_bytes == len(image)

    with pytest.raises(grpc.RpcError) as err:
        stub.UploadMedia(
            knowledge_pb2.UploadMediaRequest(
                file_name="statement.pdf", content_type="application/pdf", content=image
            ),
            metadata=admin,
        )
    (violation,) = field_violations(err.value)
    assert (violation.field, violation.description) == (
        "content",
        "the content is not a application/pdf file",
    )

    # A 5 MiB recording, streamed up and down in chunks.
    video = b"\x00\x00\x00\x18ftypmp42" + os.urandom(5 * 1024 * 1024)
    chunks = [video[i : i + 700_000] for i in range(0, len(video), 700_000)]
    uploaded = stub.UploadMediaStream(
        iter(
            [
                knowledge_pb2.UploadMediaStreamRequest(
                    file_name="walkthrough.mp4", content_type="video/mp4", data=chunks[0]
                )
            ]
            + [knowledge_pb2.UploadMediaStreamRequest(data=c) for c in chunks[1:]]
        ),
        metadata=admin,
    ).media
    assert uploaded.media_id == hashlib.sha256(video).hexdigest()
    parts = list(
        stub.DownloadMedia(
            knowledge_pb2.DownloadMediaRequest(media_id=uploaded.media_id), metadata=admin
        )
    )
    assert parts[0].media.file_name == "walkthrough.mp4" and len(parts) > 1
    assert b"".join(p.data for p in parts) == video
    with pytest.raises(grpc.RpcError) as err:
        stub.GetMedia(knowledge_pb2.GetMediaRequest(media_id=uploaded.media_id), metadata=admin)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    # Stored once, under its checksum, in the configured directory.
    stored = (
        Path(platform.data_dir)
        / "media"
        / first.media_id[:2]
        / first.media_id[2:4]
        / first.media_id
    )
    assert stored.read_bytes() == image
    # A customer reads only media used by a published customer article.
    with pytest.raises(grpc.RpcError) as err:
        stub.GetMedia(
            knowledge_pb2.GetMediaRequest(media_id=first.media_id),
            metadata=bearer(platform.credentials.intake_key),
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_each_new_complaint_gets_suggested_articles_and_agents_mark_the_one_that_helped(
    channels, admin, faq
):
    case_id = file_complaint(channels, admin, ROWS[0])
    case = eventually(
        lambda: (
            (c := get_case(channels, admin, case_id))
            and any(e.action == "knowledge.suggested" for e in c.audit_events)
            and c
        ),
        timeout=60,
    )
    suggested = next(e for e in case.audit_events if e.action == "knowledge.suggested")
    linked = (
        kb(channels)
        .ListCaseArticles(knowledge_pb2.ListCaseArticlesRequest(case_id=case_id), metadata=admin)
        .articles
    )
    assert [a.kind for a in linked] == ["suggested"] * len(linked) and len(linked) == 3
    assert all(a.article_id in suggested.new_value for a in linked)
    assert [a.rank for a in linked] == [1, 2, 3]

    kb(channels).MarkArticleResolved(
        knowledge_pb2.MarkArticleResolvedRequest(case_id=case_id, article_id=linked[1].article_id),
        metadata=admin,
    )
    after = (
        kb(channels)
        .ListCaseArticles(knowledge_pb2.ListCaseArticlesRequest(case_id=case_id), metadata=admin)
        .articles
    )
    assert [(a.article_id, a.kind) for a in after if a.kind == "resolved"] == [
        (linked[1].article_id, "resolved")
    ]


def test_searches_and_status_checks_at_once_all_answer(channels, admin, faq):
    # Agents search, new complaints ask for suggestions and the health and
    # status checks run, all at the same time: each one answers.
    stub = kb(channels)

    def suggest_or_check(i: int) -> bool:
        if i % 2:
            request = knowledge_pb2.GetIndexStatusRequest()
            return stub.GetIndexStatus(request, metadata=admin, timeout=20).search_engine_up
        asked = knowledge_pb2.SuggestArticlesRequest(text=f"my card payment {i} was declined")
        return len(stub.SuggestArticles(asked, metadata=admin, timeout=20).hits) > 0

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(suggest_or_check, range(600)))


def test_search_is_unavailable_while_meilisearch_is_down_and_nothing_written_is_lost(
    platform, channels, admin, faq
):
    stub = kb(channels)
    platform.supervisor.stop(platform.processes.pop("meilisearch"))
    try:
        with pytest.raises(grpc.RpcError) as err:
            search(channels, admin, query="card")
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "does not answer" in (err.value.details() or "")
        written = stub.CreateArticle(
            knowledge_pb2.CreateArticleRequest(
                article=article("Quokkafee waiver while offline", knowledge_pb2.AUDIENCE_INTERNAL)
            ),
            metadata=admin,
        ).article
        stub.PublishArticle(
            knowledge_pb2.PublishArticleRequest(article_id=written.article_id), metadata=admin
        )
        status = eventually(
            lambda: (
                (
                    s := stub.GetIndexStatus(knowledge_pb2.GetIndexStatusRequest(), metadata=admin)
                ).last_error
                and s
            ),
            timeout=30,
        )
        assert status.pending >= 1 and not status.search_engine_up
    finally:
        platform.start_meilisearch()
    indexed(channels, admin)
    found = search(channels, admin, query="quokkafee")
    # The one article with the word comes first; search by meaning may add
    # articles about the same things (fee waivers) after it.
    assert found.hits[0].article_id == written.article_id


def test_reindex_all_rebuilds_from_the_database_with_progress(channels, admin, faq):
    steps = list(
        kb(channels).ReindexAll(knowledge_pb2.ReindexAllRequest(), metadata=admin, timeout=120)
    )
    assert steps[-1].done and steps[-1].indexed == steps[-1].total >= faq
    assert [s.indexed for s in steps[:-1]] == sorted(s.indexed for s in steps[:-1])
    status = indexed(channels, admin)
    assert status.documents_in_index == status.articles_in_database
    assert search(channels, admin, query="credit card").total > 0


# -- a knowledge base of its own ---------------------------------------------------
#
# A second knowledge service on its own PostgreSQL database and its own index in
# the same Meilisearch, with a key per role, a small attachment limit and a
# rebuild that writes two articles at a time (so that it lasts long enough to
# edit an article while it runs).

MEDIA_MAX_BYTES = 64 * 1024
ROLE_KEYS = {
    "administrator": "kb-own-administrator-key-0123456789",
    "agent": "kb-own-agent-key-0123456789",
    "reporting_reader": "kb-own-reporting-reader-key-0123456789",
    "intake_client": "kb-own-intake-client-key-0123456789",
}


@dataclass
class OwnKnowledgeBase:
    stub: knowledge_pb2_grpc.KnowledgeServiceStub
    channel: grpc.Channel
    media_dir: Path
    index_uid: str

    def key(self, role: str) -> tuple[tuple[str, str], ...]:
        return bearer(ROLE_KEYS[role])

    def indexed(self) -> knowledge_pb2.GetIndexStatusResponse:
        return indexed({"knowledge": self.channel}, self.key("administrator"))

    def search(self, role: str, **fields) -> knowledge_pb2.SearchArticlesResponse:  # type: ignore[no-untyped-def]
        return self.stub.SearchArticles(
            knowledge_pb2.SearchArticlesRequest(**fields), metadata=self.key(role), timeout=10
        )

    def create(self, article: knowledge_pb2.Article, publish: bool = True) -> knowledge_pb2.Article:
        admin = self.key("administrator")
        created = self.stub.CreateArticle(
            knowledge_pb2.CreateArticleRequest(article=article), metadata=admin, timeout=10
        ).article
        if not publish:
            return created
        return self.stub.PublishArticle(
            knowledge_pb2.PublishArticleRequest(article_id=created.article_id),
            metadata=admin,
            timeout=10,
        ).article


@pytest.fixture(scope="module")
def own_kb(platform: LocalPlatform) -> Iterator[OwnKnowledgeBase]:
    tag = uuid.uuid4().hex[:8]
    keys = platform.data_dir / f"kb-own-{tag}-api-keys.txt"
    keys.write_text("".join(f"{key} kb-own-{role} {role}\n" for role, key in ROLE_KEYS.items()))
    media_dir = platform.data_dir / f"kb-own-{tag}-media"
    index_uid = f"articles_own_{tag}"
    with fresh_postgres_database() as url:
        upgrade(url)
        env = {
            **platform.env(),
            "REDRESS_DATABASE_URL": url,
            "REDRESS_API_KEYS_FILE": str(keys),
            "REDRESS_MEILISEARCH_INDEX": index_uid,
            "REDRESS_MEDIA_DIR": str(media_dir),
            "REDRESS_MEDIA_MAX_BYTES": str(MEDIA_MAX_BYTES),
            "REDRESS_KNOWLEDGE_REINDEX_BATCH": "2",
            # Suggestions for the shared platform's complaints stay with its own service.
            "REDRESS_TASK_QUEUE": f"kb-own-{tag}",
        }
        process, addresses = start_on_own_ports(
            platform.supervisor, f"knowledge-own-{tag}", "knowledge", env
        )
        try:
            with grpc.insecure_channel(addresses["REDRESS_KNOWLEDGE_LISTEN"]) as channel:
                yield OwnKnowledgeBase(
                    knowledge_pb2_grpc.KnowledgeServiceStub(channel), channel, media_dir, index_uid
                )
        finally:
            platform.supervisor.stop(process)
            try:
                meilisearch_client(platform).delete_index(index_uid)
            except Exception:
                pass


def own_article(title: str, body: str, **fields) -> knowledge_pb2.Article:  # type: ignore[no-untyped-def]
    fields.setdefault("language", "en")
    fields.setdefault("audience", knowledge_pb2.AUDIENCE_CUSTOMER)
    return knowledge_pb2.Article(title=title, body=body, summary=title, **fields)


def ids(response: knowledge_pb2.SearchArticlesResponse) -> set[str]:
    return {h.article_id for h in response.hits}


def test_each_filter_finds_exactly_its_articles_and_german_is_searched_as_german(own_kb):
    marker = uuid.uuid4().hex[:8]
    category = f"mortgages-{marker}"
    german = own_kb.create(
        own_article(
            f"Hypothekenzinsen {marker}",
            "Wenn der Leitzins steigt, ändert sich die monatliche Rate Ihrer Hypothek. "
            "Die Bank schreibt Ihnen vier Wochen vorher.",
            language="de",
            audience=knowledge_pb2.AUDIENCE_INTERNAL,
            category=category,
            products=[f"Baufinanzierung {marker}"],
            tags=[f"zins-{marker}"],
        )
    )
    english = own_kb.create(
        own_article(
            f"Mortgage rates {marker}",
            "When the base rate rises, your monthly mortgage payment changes. "
            "We write to you four weeks before.",
            category=category,
            products=[f"Mortgage {marker}"],
            tags=[f"rates-{marker}"],
        )
    )
    draft = own_kb.create(
        own_article(
            f"Mortgage holidays {marker}",
            "A payment holiday pauses your mortgage payments for up to three months.",
            category=category,
            products=[f"Mortgage {marker}"],
            tags=[f"rates-{marker}"],
        ),
        publish=False,
    )
    own_kb.indexed()

    def found(**fields) -> set[str]:  # type: ignore[no-untyped-def]
        return ids(own_kb.search("administrator", **fields))

    both = {german.article_id, english.article_id}
    assert found(category=category) == both  # published only, unless a state is asked for
    assert found(products=[f"Baufinanzierung {marker}"]) == {german.article_id}
    assert found(products=[f"Mortgage {marker}"]) == {english.article_id}
    assert found(products=[f"Mortgage {marker}", f"Baufinanzierung {marker}"]) == both
    assert found(tags=[f"zins-{marker}"]) == {german.article_id}
    assert found(tags=[f"rates-{marker}"]) == {english.article_id}
    assert found(category=category, language="de") == {german.article_id}
    assert found(category=category, language="en") == {english.article_id}
    assert found(category=category, audience=knowledge_pb2.AUDIENCE_INTERNAL) == {german.article_id}
    assert found(category=category, audience=knowledge_pb2.AUDIENCE_CUSTOMER) == {
        english.article_id
    }
    assert found(category=category, state=knowledge_pb2.ARTICLE_STATE_DRAFT) == {draft.article_id}
    assert found(category=f"mortgages-{marker}x") == set()

    facets = {
        f.field: dict(f.counts) for f in own_kb.search("administrator", category=category).facets
    }
    assert facets["language"] == {"de": 1, "en": 1}
    assert facets["audience"] == {"internal": 1, "customer": 1}

    # German words find the German article, from its body too; a compound
    # word is split by German rules when German is asked for.
    for word in ("Leitzins", "monatliche"):
        hits = own_kb.search("administrator", query=word, category=category).hits
        assert [h.article_id for h in hits] == [german.article_id], word
    for word in ("Hypothekenzinsen", "Leitzins"):
        hits = own_kb.search("administrator", query=word, language="de").hits
        assert [h.article_id for h in hits] == [german.article_id], word
    (hit,) = own_kb.search("administrator", query="monatliche", category=category).hits
    assert hit.language == "de" and hit.title == f"Hypothekenzinsen {marker}"


def test_agents_find_both_audiences_reporting_readers_and_customers_what_customers_see(
    own_kb, channels, admin
):
    marker = uuid.uuid4().hex[:8]
    tag = f"wombat-{marker}"
    internal = own_kb.create(
        own_article(
            f"Wombatfee waiver {marker}",
            "Handlers may waive the fee once a year.",
            audience=knowledge_pb2.AUDIENCE_INTERNAL,
            tags=[tag],
        )
    )
    public = own_kb.create(
        own_article(f"Wombatfee explained {marker}", "What the fee is for.", tags=[tag])
    )
    draft = own_kb.create(
        own_article(f"Wombatfee changes {marker}", "Not yet announced.", tags=[tag]), publish=False
    )
    own_kb.indexed()
    query = f"wombatfee {marker}"

    agent = own_kb.search("agent", query=query)
    assert ids(agent) == {internal.article_id, public.article_id}
    assert ids(own_kb.search("agent", tags=[tag], audience=knowledge_pb2.AUDIENCE_INTERNAL)) == {
        internal.article_id
    }
    with pytest.raises(grpc.RpcError) as err:
        own_kb.search("agent", query=query, state=knowledge_pb2.ARTICLE_STATE_DRAFT)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    listed = own_kb.stub.ListArticles(
        knowledge_pb2.ListArticlesRequest(tag=tag), metadata=own_kb.key("agent"), timeout=10
    )
    assert {a.article_id for a in listed.articles} == {internal.article_id, public.article_id}

    for role in ("reporting_reader", "intake_client"):
        assert ids(own_kb.search(role, query=query)) == {public.article_id}, role
        asked = own_kb.search(role, query=query, audience=knowledge_pb2.AUDIENCE_INTERNAL)
        assert asked.total == 0, role
        with pytest.raises(grpc.RpcError) as err:
            own_kb.stub.GetArticle(
                knowledge_pb2.GetArticleRequest(article_id=internal.article_id),
                metadata=own_kb.key(role),
                timeout=10,
            )
        assert err.value.code() == grpc.StatusCode.NOT_FOUND, role
    listed = own_kb.stub.ListArticles(
        knowledge_pb2.ListArticlesRequest(tag=tag),
        metadata=own_kb.key("reporting_reader"),
        timeout=10,
    )
    assert [a.article_id for a in listed.articles] == [public.article_id]
    assert draft.article_id not in {a.article_id for a in listed.articles}

    # Both helped with a case: agents see both linked, reporting readers the
    # public one only.
    case_id = file_complaint(channels, admin, ROWS[1])
    for helped in (internal, public):
        own_kb.stub.MarkArticleResolved(
            knowledge_pb2.MarkArticleResolvedRequest(case_id=case_id, article_id=helped.article_id),
            metadata=own_kb.key("agent"),
            timeout=10,
        )

    def linked(role: str) -> set[tuple[str, str]]:
        request = knowledge_pb2.ListCaseArticlesRequest(case_id=case_id)
        found = own_kb.stub.ListCaseArticles(request, metadata=own_kb.key(role), timeout=10)
        return {(a.title, a.kind) for a in found.articles if a.kind == "resolved"}

    assert linked("agent") == {(internal.title, "resolved"), (public.title, "resolved")}
    assert linked("reporting_reader") == {(public.title, "resolved")}


def pdf(text: str) -> bytes:
    """A real one-page PDF saying `text`."""
    content = f"BT /F1 18 Tf 20 70 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def test_media_past_the_size_limit_or_of_another_type_is_refused_and_a_damaged_file_is_data_loss(
    own_kb,
):
    admin = own_kb.key("administrator")
    too_large = png(1) + os.urandom(MEDIA_MAX_BYTES)
    with pytest.raises(grpc.RpcError) as err:
        own_kb.stub.UploadMedia(
            knowledge_pb2.UploadMediaRequest(
                file_name="big.png", content_type="image/png", content=too_large
            ),
            metadata=admin,
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [(v.field, v.description) for v in field_violations(err.value)] == [
        ("content", f"at most {MEDIA_MAX_BYTES} bytes (REDRESS_MEDIA_MAX_BYTES)")
    ]
    chunks = [too_large[i : i + 16_384] for i in range(0, len(too_large), 16_384)]
    with pytest.raises(grpc.RpcError) as err:
        own_kb.stub.UploadMediaStream(
            iter(
                [
                    knowledge_pb2.UploadMediaStreamRequest(
                        file_name="big.png", content_type="image/png", data=chunks[0]
                    )
                ]
                + [knowledge_pb2.UploadMediaStreamRequest(data=c) for c in chunks[1:]]
            ),
            metadata=admin,
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(err.value)] == ["content"]
    # Nothing of the refused files is kept.
    assert not [p for p in own_kb.media_dir.rglob("*") if p.is_file()]

    with pytest.raises(grpc.RpcError) as err:
        own_kb.stub.UploadMedia(
            knowledge_pb2.UploadMediaRequest(
                file_name="offer.html", content_type="text/html", content=b"<html></html>"
            ),
            metadata=admin,
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    ((field, description),) = [(v.field, v.description) for v in field_violations(err.value)]
    assert field == "content_type" and "application/pdf" in description

    leaflet = pdf(f"Fees leaflet {uuid.uuid4().hex[:8]}")
    media = own_kb.stub.UploadMedia(
        knowledge_pb2.UploadMediaRequest(
            file_name="fees.pdf", content_type="application/pdf", content=leaflet
        ),
        metadata=admin,
        timeout=10,
    ).media
    assert (media.media_id, media.size_bytes, media.content_type) == (
        hashlib.sha256(leaflet).hexdigest(),
        len(leaflet),
        "application/pdf",
    )
    parts = list(
        own_kb.stub.DownloadMedia(
            knowledge_pb2.DownloadMediaRequest(media_id=media.media_id), metadata=admin, timeout=10
        )
    )
    assert b"".join(p.data for p in parts) == leaflet and parts[0].media.file_name == "fees.pdf"

    stored = own_kb.media_dir / media.media_id[:2] / media.media_id[2:4] / media.media_id
    damaged = bytearray(stored.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    stored.write_bytes(bytes(damaged))
    with pytest.raises(grpc.RpcError) as err:
        list(
            own_kb.stub.DownloadMedia(
                knowledge_pb2.DownloadMediaRequest(media_id=media.media_id),
                metadata=admin,
                timeout=10,
            )
        )
    assert err.value.code() == grpc.StatusCode.DATA_LOSS
    assert "does not match its checksum" in (err.value.details() or "")
    with pytest.raises(grpc.RpcError) as err:
        own_kb.stub.GetMedia(
            knowledge_pb2.GetMediaRequest(media_id=media.media_id), metadata=admin, timeout=10
        )
    assert err.value.code() == grpc.StatusCode.DATA_LOSS
    # The same file uploaded again replaces the damaged copy.
    own_kb.stub.UploadMedia(
        knowledge_pb2.UploadMediaRequest(
            file_name="fees-again.pdf", content_type="application/pdf", content=leaflet
        ),
        metadata=admin,
        timeout=10,
    )
    repaired = own_kb.stub.GetMedia(
        knowledge_pb2.GetMediaRequest(media_id=media.media_id), metadata=admin, timeout=10
    )
    assert repaired.content == leaflet and stored.read_bytes() == leaflet


def all_article_ids(own_kb: OwnKnowledgeBase) -> list[str]:
    found: list[str] = []
    token = ""
    while True:
        page = own_kb.stub.ListArticles(
            knowledge_pb2.ListArticlesRequest(
                page=common_pb2.PageRequest(page_size=100, page_token=token)
            ),
            metadata=own_kb.key("administrator"),
            timeout=10,
        )
        found += [a.article_id for a in page.articles]
        token = page.page.next_page_token
        if not token:
            return found


def what_meilisearch_holds(
    platform: LocalPlatform, own_kb: OwnKnowledgeBase, article_id: str, query: str
) -> str:
    """The article's document as Meilisearch holds it, the engine's own
    answers to the query, and its last tasks: what a failed search is
    explained by."""
    client = meilisearch_client(platform)
    index = client.index(own_kb.index_uid)
    try:
        document: object = {
            k: v for k, v in dict(index.get_document(article_id)).items() if k != "_vectors"
        }
    except meilisearch.errors.MeilisearchApiError as err:
        document = str(err)
    answers: dict[str, object] = {}
    for name, params in (
        ("published", {"filter": 'status = "published"', "limit": 100}),
        ("any state", {"limit": 100}),
    ):
        try:
            hits = index.search(query, params)["hits"]
            answers[name] = [(h["article_id"], h.get("status")) for h in hits]
        except meilisearch.errors.MeilisearchApiError as err:
            answers[name] = str(err)
    tasks = [(t.uid, t.type, t.status, t.index_uid, t.error) for t in client.get_tasks().results]
    return f"document {document}; its own searches {answers}; tasks {tasks}"


def test_an_article_edited_while_the_index_is_rebuilt_is_found_as_edited(platform, own_kb):
    marker = uuid.uuid4().hex[:8]
    mine = [
        own_kb.create(
            own_article(f"Quillback notice {n} {marker}", f"Notice {n}: original{marker} text."),
            publish=False,
        ).article_id
        for n in range(40)
    ]
    admin = own_kb.key("administrator")
    target = own_kb.stub.PublishArticle(
        knowledge_pb2.PublishArticleRequest(article_id=min(mine)), metadata=admin, timeout=10
    ).article
    own_kb.indexed()
    # The rebuild copies the articles in order of id, two at a time, and says
    # how many it has copied: the edit is made once the target is among them.
    position = sorted(all_article_ids(own_kb)).index(target.article_id)

    steps = own_kb.stub.ReindexAll(knowledge_pb2.ReindexAllRequest(), metadata=admin, timeout=120)
    step = next(steps)
    while step.indexed <= position:
        step = next(steps)
    assert not step.done and step.total >= 40
    edited = knowledge_pb2.Article()
    edited.CopyFrom(target)
    edited.title = f"Quillback notice revised {marker}"
    edited.body = f"Revised{marker}: the steps as they are now."
    own_kb.stub.UpdateArticle(
        knowledge_pb2.UpdateArticleRequest(article=edited), metadata=admin, timeout=10
    )
    rest = list(steps)
    # Two articles a batch, each batch a Meilisearch task awaited: the edit
    # falls inside the rebuild, with batches still to copy.
    assert rest[-1].done and len(rest) > 2
    assert rest[-1].indexed == rest[-1].total == step.total

    status = own_kb.indexed()
    # Of the forty, only the target is published: it is found as edited.
    published = own_kb.search(
        "administrator", query=marker, page=common_pb2.PageRequest(page_size=100)
    )
    found = [(h.article_id, h.title) for h in published.hits]
    expected = [(target.article_id, f"Quillback notice revised {marker}")]
    if found != expected:
        # In full, where an assertion's message would be cut short.
        pytest.fail(
            f"searching {marker!r} found {found}, not {expected}; index status {status}; "
            f"Meilisearch: {what_meilisearch_holds(platform, own_kb, target.article_id, marker)}"
        )
    drafts = own_kb.search(
        "administrator",
        query=marker,
        state=knowledge_pb2.ARTICLE_STATE_DRAFT,
        page=common_pb2.PageRequest(page_size=100),
    )
    assert drafts.total == 39 and target.article_id not in ids(drafts)


def test_an_engine_that_comes_back_empty_is_rebuilt_without_being_asked(
    platform, channels, admin, faq, own_kb
):
    marker = uuid.uuid4().hex[:8]
    own = own_kb.create(
        own_article(
            f"Platypus fee {marker}", "How the fee is worked out.", category=f"fees-{marker}"
        )
    )
    own_kb.indexed()
    before = indexed(channels, admin)
    assert before.documents_in_index == before.articles_in_database

    # Meilisearch starts again on an empty data directory, with the same key.
    platform.supervisor.stop(platform.processes.pop("meilisearch"))
    shutil.rmtree(platform.data_dir / "meilisearch")
    platform.start_meilisearch()

    stub = kb(channels)

    def rebuilt(status_of) -> bool:  # type: ignore[no-untyped-def]
        status = status_of()
        return (
            status.search_engine_up and status.documents_in_index == status.articles_in_database > 0
        )

    eventually(
        lambda: rebuilt(
            lambda: stub.GetIndexStatus(
                knowledge_pb2.GetIndexStatusRequest(), metadata=admin, timeout=10
            )
        ),
        timeout=90,
        interval=1,
    )
    eventually(
        lambda: rebuilt(
            lambda: own_kb.stub.GetIndexStatus(
                knowledge_pb2.GetIndexStatusRequest(),
                metadata=own_kb.key("administrator"),
                timeout=10,
            )
        ),
        timeout=90,
        interval=1,
    )
    cards = search(channels, admin, query="card", category="cards")
    assert cards.total > 0 and {h.category for h in cards.hits} == {"cards"}
    facets = {f.field: dict(f.counts) for f in cards.facets}
    assert facets["category"] == {"cards": cards.total}
    found = own_kb.search("agent", query="platypus", category=f"fees-{marker}")
    assert ids(found) == {own.article_id}
