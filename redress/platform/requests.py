"""Checks of request fields that every service makes the same way.

Each concept (a case id, a language tag, an e-mail address, plain text, a
page size) is checked here once, so that a caller gets the same answer for
the same value from every service.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from redress.platform.enums import Channel, short_name
from redress.platform.errors import Violations

# Case ids are C- and at least six digits, from the database's sequence.
CASE_ID = re.compile(r"^C-\d{6,}$")
# A case id inside free text, such as an e-mail subject.
CASE_ID_IN_TEXT = re.compile(r"\b(C-\d{6,})\b")
# Deliberately plain: one @, a dot in the domain, no spaces. Deliverability is
# the mail server's to judge; this catches typing slips.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
# A BCP 47 language tag as people write them (en, en-GB, pt-br, zh-Hant-TW).
# Tags are case-insensitive; language_tag() gives the usual spelling.
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class PageRequest(Protocol):
    page_size: int


def check_case_id(case_id: str, violations: Violations, field: str = "case_id") -> None:
    if not case_id:
        violations.add(field, "required, e.g. C-000123")
    elif not CASE_ID.match(case_id):
        violations.add(field, f"{case_id[:40]!r} is not a case id; expected C- and 6+ digits")


# Temporal's own limit on a workflow id (limit.maxIDLength), in characters
# here: ids Redress makes are ASCII.
WORKFLOW_ID_LENGTH = 1000


def check_workflow_id(workflow_id: str, violations: Violations, field: str = "workflow_id") -> None:
    if not workflow_id:
        violations.add(field, "required: a Temporal workflow id")
    elif len(workflow_id) > WORKFLOW_ID_LENGTH or not workflow_id.isprintable():
        violations.add(
            field, f"not a workflow id: printable characters, at most {WORKFLOW_ID_LENGTH}"
        )


def is_case_id(value: str) -> bool:
    return bool(CASE_ID.match(value))


def language_tag(value: str) -> str | None:
    """The tag in its usual spelling (language lower case, region upper case,
    script in title case), or None when it is not a language tag."""
    if not LANGUAGE.match(value):
        return None
    first, *rest = value.split("-")
    parts = [first.lower()]
    for part in rest:
        if len(part) == 2 and part.isalpha():
            parts.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            parts.append(part.title())
        else:
            parts.append(part.lower())
    return "-".join(parts)


def check_language(violations: Violations, field: str, value: str, required: bool = False) -> str:
    """The language tag in its usual spelling; an empty value is allowed unless required."""
    if not value:
        if required:
            violations.add(field, "required: a language tag such as en or en-GB")
        return ""
    tag = language_tag(value)
    if tag is None:
        violations.add(field, "a language tag such as en or en-GB")
        return value
    return tag


# Unicode's control characters (category Cc: U+0000-U+001F, U+007F-U+009F)
# and lone surrogates (Cs: U+D800-U+DFFF), as one character class: a regular
# expression scans a narrative far faster than asking each character's category.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text: str, multiline: bool) -> bool:
    return (_CONTROL_MULTILINE if multiline else _CONTROL).search(text) is not None


def check_plain_text(
    violations: Violations, field: str, value: str, limit: int, multiline: bool = False
) -> None:
    """Text a person typed: at most `limit` characters and no control characters."""
    if len(value) > limit:
        violations.add(field, f"at most {limit} characters")
    if has_control_characters(value, multiline):
        violations.add(field, "contains control characters; send plain text")


def page_size(violations: Violations, page: PageRequest, default: int, maximum: int) -> int:
    """The number of items to return: 0 asks for the default."""
    if page.page_size < 0 or page.page_size > maximum:
        violations.add("page.page_size", f"between 0 and {maximum} (0 means {default})")
    return page.page_size or default


def check_opt_outs(v: Violations, prefix: str, preferred: int, opt_outs: Sequence[int]) -> None:
    """Channels a customer does not want: known, each once, not the preferred one."""
    seen: set[int] = set()
    for i, channel in enumerate(opt_outs):
        if not short_name(Channel, channel):
            v.add(f"{prefix}.do_not_contact[{i}]", "a channel such as CHANNEL_EMAIL")
        elif channel in seen:
            v.add(f"{prefix}.do_not_contact[{i}]", "listed twice")
        seen.add(channel)
    if preferred and preferred in seen:
        v.add(
            f"{prefix}.preferred_channel",
            "the customer asked not to be contacted on this channel (do_not_contact)",
        )
