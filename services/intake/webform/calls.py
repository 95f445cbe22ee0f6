"""The platform calls the web form makes, all with its own key (role web_form).

Calls about a case carry the customer's status link in their metadata:
services/cases and services/followup answer the web form only for the case
that link names (redress/platform/status_links.py).
"""

from __future__ import annotations

import grpc

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.platform.status_links import METADATA_KEY

# Letters shown on the status page: at most this many, newest first.
LETTERS_SHOWN = 50


class PlatformCalls:
    def __init__(
        self,
        intake: grpc.Channel,
        cases: grpc.Channel,
        followup: grpc.Channel,
        knowledge: grpc.Channel,
        api_key: str,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.intake = intake_pb2_grpc.IntakeServiceStub(intake)
        self.cases = cases_pb2_grpc.CasesServiceStub(cases)
        self.followup = followup_pb2_grpc.FollowupServiceStub(followup)
        self.knowledge = knowledge_pb2_grpc.KnowledgeServiceStub(knowledge)
        self.api_key = api_key
        self.timeout = timeout_seconds

    def _metadata(self, link: str = "") -> tuple[tuple[str, str], ...]:
        metadata: tuple[tuple[str, str], ...] = (("authorization", f"Bearer {self.api_key}"),)
        if link:
            metadata += ((METADATA_KEY, link),)
        return metadata

    def submit(
        self, request: intake_pb2.SubmitComplaintRequest
    ) -> intake_pb2.SubmitComplaintResponse:
        return self.intake.SubmitComplaint(request, metadata=self._metadata(), timeout=self.timeout)

    def find(self, key: str) -> str:
        """The case a form's key filed, "" when it filed none (yet)."""
        try:
            found = self.intake.FindComplaint(
                intake_pb2.FindComplaintRequest(idempotency_key=key),
                metadata=self._metadata(),
                timeout=self.timeout,
            )
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                return ""
            raise
        return str(found.case_id)

    def case(self, case_id: str, link: str) -> cases_pb2.Case:
        return self.cases.GetCase(
            cases_pb2.GetCaseRequest(case_id=case_id),
            metadata=self._metadata(link),
            timeout=self.timeout,
        ).case

    def reply(self, case_id: str, link: str, text: str, key: str) -> None:
        self.cases.RecordCustomerReply(
            cases_pb2.RecordCustomerReplyRequest(
                case_id=case_id,
                channel=common_pb2.CHANNEL_WEB,
                summary=text,
                idempotency_key=key,
            ),
            metadata=self._metadata(link),
            timeout=self.timeout,
        )

    def satisfaction(self, case_id: str, link: str, score: int, comment: str, source: str) -> None:
        """The customer's survey answer; ALREADY_EXISTS when the case has one."""
        self.cases.RecordSatisfaction(
            cases_pb2.RecordSatisfactionRequest(
                case_id=case_id, score=score, comment=comment, source=source
            ),
            metadata=self._metadata(link),
            timeout=self.timeout,
        )

    def upload(
        self, case_id: str, link: str, filename: str, content: bytes, source: str, key: str
    ) -> cases_pb2.UploadAttachmentResponse:
        return self.cases.UploadAttachment(
            cases_pb2.UploadAttachmentRequest(
                case_id=case_id,
                filename=filename,
                content=content,
                source=source,
                idempotency_key=key,
            ),
            metadata=self._metadata(link),
            timeout=self.timeout,
        )

    def letters(self, case_id: str, link: str) -> list[followup_pb2.Message]:
        """The letters sent to the customer about the case, newest first:
        never staff alerts, nor what the customer sent in."""
        answer = self.followup.ListMessages(
            followup_pb2.ListMessagesRequest(
                case_id=case_id, page=common_pb2.PageRequest(page_size=LETTERS_SHOWN)
            ),
            metadata=self._metadata(link),
            timeout=self.timeout,
        )
        shown = {
            followup_pb2.DELIVERY_STATE_SENT,
            followup_pb2.DELIVERY_STATE_DELIVERED,
            followup_pb2.DELIVERY_STATE_HANDED_OFF,
        }
        return [
            m
            for m in answer.messages
            if m.audience in ("", "customer") and not m.sender and m.state in shown
        ]

    def search(self, query: str, language: str, limit: int = 5) -> list[knowledge_pb2.ArticleHit]:
        answer = self.knowledge.SearchArticles(
            knowledge_pb2.SearchArticlesRequest(
                query=query[:500],
                language=language,
                audience=knowledge_pb2.AUDIENCE_CUSTOMER,
                page=common_pb2.PageRequest(page_size=limit),
            ),
            metadata=self._metadata(),
            timeout=self.timeout,
        )
        return list(answer.hits)

    def suggest(self, text: str, product: str, limit: int = 3) -> list[knowledge_pb2.ArticleHit]:
        answer = self.knowledge.SuggestArticles(
            knowledge_pb2.SuggestArticlesRequest(text=text[:20_000], product=product, limit=limit),
            metadata=self._metadata(),
            timeout=self.timeout,
        )
        return list(answer.hits)

    def article(self, article_id: str) -> knowledge_pb2.Article:
        return self.knowledge.GetArticle(
            knowledge_pb2.GetArticleRequest(article_id=article_id),
            metadata=self._metadata(),
            timeout=self.timeout,
        ).article

    def deflection(
        self, article_id: str, answered: bool, query: str, language: str, source: str, key: str
    ) -> None:
        self.knowledge.RecordDeflection(
            knowledge_pb2.RecordDeflectionRequest(
                article_id=article_id,
                answered=answered,
                query=query[:500],
                language=language,
                source=source,
                idempotency_key=key[:200],
            ),
            metadata=self._metadata(),
            timeout=self.timeout,
        )
