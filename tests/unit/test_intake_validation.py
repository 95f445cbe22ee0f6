"""Field-by-field checks of a submitted complaint (pure code, no servers)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from redress.common.v1 import common_pb2
from redress.intake.v1 import intake_pb2
from redress.platform.errors import InvalidArgument
from redress.platform.requests import has_control_characters
from services.intake.validation import fingerprint, validate_submission

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def valid() -> intake_pb2.SubmitComplaintRequest:
    return intake_pb2.SubmitComplaintRequest(
        idempotency_key="web-form-7f3a9c21",
        channel=common_pb2.CHANNEL_WEB,
        customer=common_pb2.Customer(full_name="Alex Doe", email="alex@example.co.uk"),
        narrative="My card was charged twice for one purchase.\nPlease refund it.",
    )


def violations(request: intake_pb2.SubmitComplaintRequest) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as err:
        validate_submission(request, "tester", "none", NOW)
    return {v.field: v.description for v in err.value.violations}


def test_a_valid_submission_is_accepted_with_defaults():
    submission = validate_submission(valid(), "web-form", "uk_fca", NOW)
    assert submission.channel == "web"
    assert submission.regime == "uk_fca"
    assert submission.received_at == NOW
    assert submission.submitted_by == "web-form"
    assert submission.priority == "normal"


def test_a_postal_complaint_may_give_only_an_address():
    request = valid()
    request.channel = common_pb2.CHANNEL_POSTAL
    request.customer.email = ""
    request.customer.postal_address.lines.append("1 High Street")
    request.customer.postal_address.country = "GB"
    assert validate_submission(request, "post-room", "none", NOW).customer.address_lines


def test_a_customer_without_any_contact_is_refused():
    request = valid()
    request.customer.email = ""
    assert "at least one of email, phone" in violations(request)["customer"]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("narrative", "x" * 32_001, "at most 32000"),
        ("product", "p" * 201, "at most 200"),
        ("issue", "tab\tin a one-line field", "control characters"),
        ("narrative", "escape \x1b[31m sequence", "control characters"),
        ("idempotency_key", "has spaces in it", "printable ASCII"),
        ("idempotency_key", "", "required"),
    ],
)
def test_bad_text_is_refused(field: str, value: str, words: str):
    request = valid()
    setattr(request, field, value)
    assert words in violations(request)[field]


def test_multi_line_text_keeps_tabs_and_newlines():
    request = valid()
    request.narrative = "Line one\r\n\tindented line two"
    assert validate_submission(request, "t", "none", NOW).narrative == request.narrative


def test_received_at_cannot_be_in_the_future():
    request = valid()
    request.received_at.FromDatetime(NOW + timedelta(hours=1))
    assert "future" in violations(request)["received_at"]
    request.received_at.FromDatetime(NOW - timedelta(days=3))
    assert validate_submission(request, "t", "none", NOW).received_at == NOW - timedelta(days=3)


def test_customer_details_are_checked():
    request = valid()
    request.customer.phone = "call me maybe"
    request.customer.preferred_language = "English"
    request.customer.postal_address.country = "United Kingdom"
    request.customer.tags.append("")
    found = violations(request)
    assert set(found) >= {
        "customer.phone",
        "customer.preferred_language",
        "customer.postal_address.country",
        "customer.tags[0]",
    }


def test_attachment_ids_are_content_addresses():
    request = valid()
    request.attachment_ids.extend(["a" * 64, "not-a-hash"])
    assert "attachment_ids[1]" in violations(request)


def test_an_unknown_regime_is_refused():
    request = valid()
    request.regime = 42  # type: ignore[assignment]
    assert "unknown regime" in violations(request)["regime"]


def test_a_regime_defined_as_data_is_named_by_regime_name():
    request = valid()
    request.regime_name = "fda_mdr"
    assert validate_submission(request, "device-desk", "uk_fca", NOW).regime == "fda_mdr"


def test_an_unknown_regime_name_is_refused_with_the_known_ones():
    request = valid()
    request.regime_name = "us_fda"
    assert violations(request) == {
        "regime_name": "unknown regime; one of none, uk_fca, eu_psd2, us_cfpb, au_asic, "
        "fda_mdr, eu_mdr"
    }


def test_a_regime_given_both_ways_is_refused():
    request = valid()
    request.regime = common_pb2.REGIME_UK_FCA
    request.regime_name = "eu_mdr"
    assert violations(request) == {
        "regime_name": "give the regime either as `regime` or as `regime_name`, not both"
    }


def test_the_fingerprint_ignores_nothing_but_changes_with_content():
    a, b = valid(), valid()
    assert fingerprint(a) == fingerprint(b)
    b.narrative += "!"
    assert fingerprint(a) != fingerprint(b)


@pytest.mark.parametrize("multiline", [True, False])
def test_control_characters_are_exactly_unicodes_control_and_surrogate_categories(
    multiline: bool,
) -> None:
    """Every code point is refused or allowed as its Unicode category says:
    Cc (control) and Cs (surrogate) are refused, except tab and line breaks
    in text of several lines."""
    allowed = {"\t", "\n", "\r"} if multiline else set()
    wrong = [
        hex(cp)
        for cp in range(0x110000)
        if has_control_characters(chr(cp), multiline)
        != (unicodedata.category(chr(cp)) in ("Cc", "Cs") and chr(cp) not in allowed)
    ]
    assert wrong == []
    assert has_control_characters("a narrative of many words\x7f", multiline)
    assert not has_control_characters("Kontoführungsgebühren\n€ 12,50", True)
