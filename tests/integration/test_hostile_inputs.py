"""Hostile input through the APIs: SQL in case filters, Meilisearch filter
syntax in search fields, code in letter templates. Each is taken literally
or refused with a clear status; none changes what a query means, none runs.
"""

from __future__ import annotations

import grpc
import pytest

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from tests.e2e.test_submit_end_to_end import ROWS, complaint, submit

SQL = [
    "' OR '1'='1",
    "x' OR 1=1 --",
    "'; DROP TABLE cases; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "1) UNION SELECT case_id FROM cases --",
]
FILTERS = [
    '" OR audience = "internal',
    'cards" OR category != "',
    "en' OR language = 'de",
    '") OR (state = "draft',
    "NOT EXISTS",
    "* ",
]


def every_case(cases: cases_pb2_grpc.CasesServiceStub, admin) -> list[str]:  # type: ignore[no-untyped-def]
    found, token = [], ""
    while True:
        page = cases.ListCases(
            cases_pb2.ListCasesRequest(
                page=common_pb2.PageRequest(page_size=500, page_token=token)
            ),
            metadata=admin,
            timeout=30,
        )
        found += [c.case_id for c in page.cases]
        token = page.page.next_page_token
        if not token:
            return found


def test_sql_in_case_filters_is_only_ever_text(platform, channels, admin) -> None:
    cases = cases_pb2_grpc.CasesServiceStub(channels["cases"])
    case_id = submit(channels, admin, complaint(ROWS[7])).case_id
    before = every_case(cases, admin)
    for hostile in SQL:
        for field in ("stages", "assignees", "teams", "categories", "products"):
            request = cases_pb2.ListCasesRequest()
            getattr(request, field).append(hostile)
            try:
                answer = cases.ListCases(request, metadata=admin, timeout=30)
            except grpc.RpcError as err:
                assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (field, hostile)
                continue
            assert list(answer.cases) == [], (field, hostile)
        # Free text: every case found contains the words as written.
        found = cases.ListCases(
            cases_pb2.ListCasesRequest(text=hostile, page=common_pb2.PageRequest(page_size=20)),
            metadata=admin,
            timeout=30,
        ).cases
        for case in found:
            full = cases.GetCase(
                cases_pb2.GetCaseRequest(case_id=case.case_id), metadata=admin, timeout=30
            ).case
            words = " ".join([full.narrative, *(n.body for n in full.notes)]).lower()
            assert all(w.lower() in words for w in hostile.split()), (hostile, case.case_id)
        with pytest.raises(grpc.RpcError) as err:
            cases.GetCase(cases_pb2.GetCaseRequest(case_id=hostile), metadata=admin, timeout=30)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "is not a case id" in err.value.details()
    # Nothing was dropped or changed: the same cases, the same trail.
    assert set(before) <= set(every_case(cases, admin))
    verdict = cases.VerifyAuditTrail(
        cases_pb2.VerifyAuditTrailRequest(case_id=case_id), metadata=admin, timeout=30
    )
    assert verdict.intact


def test_search_filters_cannot_be_widened_by_what_a_caller_sends(
    platform, channels, admin, faq
) -> None:
    kb = knowledge_pb2_grpc.KnowledgeServiceStub(channels["knowledge"])
    customer = (("authorization", f"Bearer {platform.credentials.intake_key}"),)
    for hostile in FILTERS:
        for fields in (
            {"products": [hostile]},
            {"tags": [hostile]},
            {"category": hostile},
            {"language": hostile},
        ):
            try:
                found = kb.SearchArticles(
                    knowledge_pb2.SearchArticlesRequest(query="card", **fields),
                    metadata=customer,
                    timeout=30,
                )
            except grpc.RpcError as err:
                assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (fields, err.details())
                continue
            # Taken as a value no article has: nothing found, and never an
            # internal or unpublished article for a customer's portal.
            assert found.total == 0, (fields, [h.title for h in found.hits])
    # The customer portal's own view stays published customer articles only.
    portal = kb.SearchArticles(
        knowledge_pb2.SearchArticlesRequest(query="card"), metadata=customer, timeout=30
    )
    assert portal.hits and all(
        h.audience == knowledge_pb2.AUDIENCE_CUSTOMER
        and h.state == knowledge_pb2.ARTICLE_STATE_PUBLISHED
        for h in portal.hits
    )


@pytest.mark.parametrize(
    "body",
    [
        "{{ case.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ self._TemplateReference__context }}",
        "{% for i in range(10**9) %}x{% endfor %}",
        "{{ config }}{{ request }}",
    ],
)
def test_a_letter_template_cannot_reach_outside_its_values(channels, admin, body: str) -> None:
    followup = followup_pb2_grpc.FollowupServiceStub(channels["followup"])
    with pytest.raises(grpc.RpcError) as err:
        followup.PutTemplate(
            followup_pb2.PutTemplateRequest(
                template=followup_pb2.Template(
                    name="hostile-letter",
                    language="en",
                    purpose=followup_pb2.MESSAGE_PURPOSE_PROGRESS_UPDATE,
                    subject="Your complaint {{ case.case_id }}",
                    body_text=body,
                )
            ),
            metadata=admin,
            timeout=30,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "template.body_text" in err.value.details()
    with pytest.raises(grpc.RpcError) as missing:
        followup.GetTemplate(
            followup_pb2.GetTemplateRequest(name="hostile-letter", language="en"),
            metadata=admin,
            timeout=30,
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
