"""After sign-in the console goes back only to a page of its own: never to
another site, whatever disguise the `next=` address wears."""

from __future__ import annotations

import pytest

from services.console.routes.signin import same_site_path

# Known open-redirect payloads (OWASP, PayloadsAllTheThings), raw and encoded.
OFF_SITE = [
    "//evil.example",
    "///evil.example",
    "////evil.example/",
    "/%09/evil.example/",
    "/\t/evil.example",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "/%00/evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%252F%252Fevil.example",
    "/%5Cevil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "\\/\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "\t//evil.example",
    "/ /evil.example ",
    "/\u200b/evil.example",
    "/\u3000/evil.example",
    "/\u2028/evil.example",
    "evil.example",
    "@evil.example",
    "",
]
SAME_SITE = ["/cases", "/cases/C-000042", "/cases?page=2&view=mine", "/knowledge?q=café", "/"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_an_off_site_next_is_refused(target):
    assert same_site_path(target) is None


@pytest.mark.parametrize("target", SAME_SITE)
def test_a_page_of_the_console_is_kept(target):
    assert same_site_path(target) == target
