"""Self-service answers on the whole platform: a customer says whether a
customer article answered their question (KnowledgeService.RecordDeflection),
and the reporting service counts it (ReportingService.GetDeflections and the
dashboard), each answer once however often it is sent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from redress.common.v1 import common_pb2
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.platform.errors import field_violations
from redress.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from tests.conftest import bearer


def _article(stub, admin, title: str, audience: int) -> str:  # type: ignore[no-untyped-def]
    created = stub.CreateArticle(
        knowledge_pb2.CreateArticleRequest(
            article=knowledge_pb2.Article(
                title=title,
                body=f"{title}: what to do.",
                language="en",
                audience=audience,
                category="cards",
            )
        ),
        metadata=admin,
    ).article
    stub.PublishArticle(
        knowledge_pb2.PublishArticleRequest(article_id=created.article_id), metadata=admin
    )
    return created.article_id


def _ts(at: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(at)
    return t


def test_customers_answers_are_recorded_once_and_counted_by_article_and_language(
    platform, channels, admin
):
    kb = knowledge_pb2_grpc.KnowledgeServiceStub(channels["knowledge"])
    reports = reporting_pb2_grpc.ReportingServiceStub(channels["reporting"])
    marker = uuid.uuid4().hex[:8]
    began = datetime.now(UTC) - timedelta(seconds=1)
    card = _article(kb, admin, f"Activating a card {marker}", knowledge_pb2.AUDIENCE_CUSTOMER)
    fee = _article(kb, admin, f"Transfer fees {marker}", knowledge_pb2.AUDIENCE_CUSTOMER)
    internal = _article(kb, admin, f"Handling {marker}", knowledge_pb2.AUDIENCE_INTERNAL)

    def record(key: str, article_id: str, answered: bool, language: str = "en", **extra):  # type: ignore[no-untyped-def]
        return kb.RecordDeflection(
            knowledge_pb2.RecordDeflectionRequest(
                article_id=article_id,
                answered=answered,
                query="how do I activate my card",
                language=language,
                source=extra.get("source", "web_form"),
                idempotency_key=f"{marker}-{key}",
            ),
            metadata=extra.get("metadata", admin),
            timeout=10,
        ).recorded

    assert record("a", card, True)
    assert not record("a", card, True)  # the same answer sent again
    assert not record("a", card, False)  # a key is one answer, whatever it says later
    assert record("b", card, True, "de")
    assert record("c", card, False, "de", source="status_page")
    assert record("d", fee, False, "es")

    with pytest.raises(grpc.RpcError) as err:
        record("e", internal, True)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as err:
        kb.RecordDeflection(
            knowledge_pb2.RecordDeflectionRequest(article_id="nope", source="kiosk"),
            metadata=admin,
            timeout=10,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {
        "article_id",
        "source",
        "idempotency_key",
    }
    # A self-service portal's intake key reads articles; it does not record answers.
    with pytest.raises(grpc.RpcError) as err:
        record("f", card, True, metadata=bearer(platform.credentials.intake_key))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED

    period = common_pb2.TimeRange(
        start=_ts(began), end=_ts(datetime.now(UTC) + timedelta(minutes=1))
    )
    figures = reports.GetDeflections(
        reporting_pb2.GetDeflectionsRequest(period=period), metadata=admin, timeout=10
    )
    by_article = {f.key: f for f in figures.by_article}
    assert (by_article[card].shown, by_article[card].answered) == (3, 2)
    assert by_article[card].went_on_to_file == 1
    assert by_article[card].deflection_rate == pytest.approx(2 / 3, abs=1e-4)
    assert by_article[card].title == f"Activating a card {marker}"
    assert (by_article[fee].shown, by_article[fee].answered) == (1, 0)
    by_language = {f.key: (f.shown, f.answered) for f in figures.by_language}
    assert by_language["de"] == (2, 1) and by_language["es"] == (1, 0)
    assert figures.total.shown >= 4 and figures.total.answered >= 2

    web_only = reports.GetDeflections(
        reporting_pb2.GetDeflectionsRequest(period=period, source="web_form"),
        metadata=admin,
        timeout=10,
    )
    assert {f.key: f.shown for f in web_only.by_article}[card] == 2

    dashboard = reports.GetDashboard(
        reporting_pb2.GetDashboardRequest(filter=reporting_pb2.CaseFilter(received=period)),
        metadata=admin,
        timeout=30,
    )
    assert dashboard.deflections.shown == figures.total.shown
    assert dashboard.deflections.answered == figures.total.answered

    with pytest.raises(grpc.RpcError) as err:
        reports.GetDeflections(
            reporting_pb2.GetDeflectionsRequest(source="kiosk"), metadata=admin, timeout=10
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {"period", "source"}
