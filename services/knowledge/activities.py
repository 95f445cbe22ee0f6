"""services/knowledge's Temporal activities, on `<task queue>-knowledge`.

A complaint's workflow asks for the articles most likely to help with it;
the suggestions are recorded on the case.
"""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.exceptions import ApplicationError

from redress.platform.errors import NotFound, ServiceError
from redress.platform.temporal import TemporalSettings
from services.knowledge.servicer import KnowledgeServicer
from services.knowledge.store import KnowledgeStore
from workflows.complaint_types import SuggestedArticle, SuggestInput


def knowledge_queue(temporal: TemporalSettings) -> str:
    """The knowledge task queue; complaint workflows derive the same name."""
    return f"{temporal.task_queue}-knowledge"


class KnowledgeActivities:
    def __init__(self, servicer: KnowledgeServicer, store: KnowledgeStore) -> None:
        self.servicer = servicer
        self.store = store

    @activity.defn(name="knowledge.suggest_for_case")
    async def suggest_for_case(self, input: SuggestInput) -> list[SuggestedArticle]:
        """Finds the best articles for a new case and records them on it."""
        try:
            case = await self.servicer._case(input.case_id)
            hits = await self.servicer.suggest(
                case.product, f"{case.issue} {case.category}", case.narrative, input.limit
            )
        except NotFound as err:
            raise ApplicationError(str(err), type="NotFound", non_retryable=True) from None
        except ServiceError as err:
            raise ApplicationError(str(err), type="Unavailable") from None
        await asyncio.to_thread(
            self.store.record_case_articles,
            input.case_id,
            "suggested",
            [(h.article_id, h.score) for h in hits],
            "knowledge-suggestions",
        )
        return [SuggestedArticle(h.article_id, h.title, round(h.score, 4)) for h in hits]
