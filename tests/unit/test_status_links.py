"""The signed links to the customers' status pages, and the check that lets
the public web form reach only the case a customer's link names."""

from __future__ import annotations

import time

import grpc
import pytest

from redress.cases.v1 import cases_pb2
from redress.platform.auth import Principal
from redress.platform.errors import ServiceError
from redress.platform.settings import Env
from redress.platform.status_links import (
    METADATA_KEY,
    CustomerCaseAccess,
    LinkExpired,
    LinkRefused,
    StatusLinks,
    status_links,
)

SECRET = "s" * 40
LINKS = StatusLinks(SECRET, 90 * 86400, "https://complaints.bank.test/")
WEB_FORM = Principal("web-form", frozenset({"web_form"}))
AGENT = Principal("dana", frozenset({"agent"}))


def test_a_link_names_its_case_and_is_refused_when_changed() -> None:
    token = LINKS.sign("C-000123")
    assert LINKS.case_of(token) == "C-000123"
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with pytest.raises(LinkRefused):
        LINKS.case_of(tampered)
    with pytest.raises(LinkRefused):
        StatusLinks("t" * 40).case_of(token)
    with pytest.raises(LinkRefused):
        LINKS.case_of("not-a-link")


def test_a_link_expires_after_its_days() -> None:
    token = LINKS.sign("C-000123")
    assert LINKS.case_of(token, now=time.time() + 89 * 86400) == "C-000123"
    with pytest.raises(LinkExpired) as expired:
        LINKS.case_of(token, now=time.time() + 91 * 86400)
    assert expired.value.case_id == "C-000123"
    with pytest.raises(LinkExpired) as expired:
        LINKS.case_of(LINKS.sign("C-000124", signed_at=time.time() - 91 * 86400))
    assert expired.value.case_id == "C-000124"
    # An expired link is also a refused one for callers that need not tell them apart.
    assert issubclass(LinkExpired, LinkRefused)


def test_the_url_is_left_out_when_the_form_is_not_published() -> None:
    url = LINKS.url("C-000123")
    assert url.startswith("https://complaints.bank.test/status/")
    assert LINKS.case_of(url.rsplit("/", 1)[1]) == "C-000123"
    assert StatusLinks(SECRET).url("C-000123") == ""


def test_settings_need_a_long_secret_and_a_web_address() -> None:
    env = Env({"REDRESS_STATUS_LINK_SECRET": "short"})
    assert status_links(env) is None and env.problems
    env = Env({})
    assert status_links(env) is None and not env.problems
    env = Env(
        {
            "REDRESS_STATUS_LINK_SECRET": SECRET,
            "REDRESS_STATUS_LINK_MAX_AGE_DAYS": "30",
            "REDRESS_WEBFORM_PUBLIC_URL": "complaints.bank.test",
        }
    )
    links = status_links(env, public_url_variable="REDRESS_WEBFORM_PUBLIC_URL")
    assert links is not None and links.max_age_seconds == 30 * 86400
    assert any("REDRESS_WEBFORM_PUBLIC_URL" in p for p in env.problems)


def _check(principal: Principal, case_id: str, link: str = "", method: str = "GetCase") -> None:
    access = CustomerCaseAccess(LINKS, {"GetCase": True, "SuggestArticles": False})
    metadata = ((METADATA_KEY, link),) if link else ()
    allowed = frozenset({"agent", "web_form"})
    access(principal, method, allowed, cases_pb2.GetCaseRequest(case_id=case_id), metadata)


def test_the_web_form_reaches_only_the_case_its_link_names() -> None:
    _check(WEB_FORM, "C-000123", LINKS.sign("C-000123"))
    for case_id, link in [
        ("C-000124", LINKS.sign("C-000123")),
        ("C-000123", ""),
        ("C-000123", StatusLinks("t" * 40).sign("C-000123")),
    ]:
        with pytest.raises(ServiceError) as refused:
            _check(WEB_FORM, case_id, link)
        # Answered as a case that does not exist: its existence is not told.
        assert refused.value.code == grpc.StatusCode.NOT_FOUND
    with pytest.raises(ServiceError) as refused:
        _check(WEB_FORM, "", "")
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    # Staff are not asked for links; an optional case need not be named.
    _check(AGENT, "C-000124")
    _check(WEB_FORM, "", method="SuggestArticles")
