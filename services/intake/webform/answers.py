"""The customer's answers about the articles shown to them: recorded with
KnowledgeService.RecordDeflection (counted by reporting), once per form and
article, without keeping the customer waiting when it cannot be."""

from __future__ import annotations

import logging
import re

import grpc
from prometheus_client import Counter

from services.intake.webform.calls import PlatformCalls

log = logging.getLogger("redress.webform")

DEFLECTIONS = Counter(
    "redress_webform_answer_feedback_total",
    "Customers' answers about the articles shown to them",
    ["answered", "source"],
)


def plain_snippet(snippet: str) -> str:
    """A search snippet as text: the engine's <em> marks removed (the page
    escapes what is left)."""
    return re.sub(r"</?em>", "", snippet)


def record_answer(
    calls: PlatformCalls,
    article_id: str,
    answered: bool,
    query: str,
    language: str,
    source: str,
    form_key: str,
) -> None:
    DEFLECTIONS.labels("yes" if answered else "no", source).inc()
    try:
        calls.deflection(
            article_id,
            answered,
            " ".join(query.split())[:500],
            language,
            source,
            f"{form_key}:{article_id}",
        )
    except grpc.RpcError as err:
        log.error(
            "the customer's answer about an article could not be recorded",
            extra={"fields": {"article_id": article_id, "code": err.code().name}},  # type: ignore[attr-defined]
        )
