"""Money as its reader reads it, and the periods every page names alike."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from redress.common.v1 import common_pb2
from redress.domain.money import shown, shown_sums
from redress.domain.periods import last_days
from redress.reporting.v1 import reporting_pb2
from services.followup.context import money
from services.reporting import returns
from services.reporting.definitions import fca_product_group
from services.reporting.saved import relative_period


def test_money_is_written_as_its_readers_locale_writes_it():
    assert shown(125000, "GBP", "en_GB") == "£1,250.00"
    assert shown(125000, "EUR", "de") == "1.250,00\xa0€"
    assert shown(4599, "EUR", "es") == "45,99\xa0€"
    assert shown(1250, "JPY", "en") == "¥1,250"
    assert shown_sums({"GBP": 125000, "EUR": 4599}, "en") == "€45.99; £1,250.00"


def test_a_letter_writes_the_redress_in_its_language():
    paid = common_pb2.Money(currency="EUR", minor_units=4599)
    assert money(paid, "es") == "45,99\xa0€"
    assert money(common_pb2.Money(currency="GBP", minor_units=125000), "en") == "£1,250.00"


def test_the_fca_return_shows_redress_as_money_and_reads_returns_kept_before():
    kept = {
        "reference": "DISP 1 Annex 1R",
        "description": "Redress paid, GBP minor units",
        "breakdown": "All products",
        "value": 125000,
        "case_ids": ["C-1"],
    }
    line = returns.as_given_now(kept)
    assert (line["description"], line["currency"], line["value"]) == (
        "Redress paid",
        "GBP",
        125000,
    )
    assert returns.shown(line, "uk_fca") == "£1,250.00"


def test_the_last_30_days_end_with_today_in_saved_reports_as_in_the_console():
    now = datetime(2027, 6, 15, 10, tzinfo=UTC)
    first, last = last_days(30, now.date())
    assert (first, last) == (date(2027, 5, 17), date(2027, 6, 15))
    start, end = relative_period(reporting_pb2.RELATIVE_PERIOD_LAST_30_DAYS, now, ZoneInfo("UTC"))
    assert start == datetime(2027, 5, 17, tzinfo=UTC) and end == datetime(2027, 6, 16, tzinfo=UTC)
    assert start <= now < end


def test_fca_product_groups_read_whole_words():
    assert fca_product_group("Visa credit card") == "Banking and credit cards"
    assert fca_product_group("Cash ISA") == "Banking and credit cards"
    assert fca_product_group("Refund of current account fees") == "Banking and credit cards"
    assert fca_product_group("Mortgage payment protection insurance") == (
        "Insurance and pure protection"
    )
    assert fca_product_group("Stocks and shares ISA") == "Investments"
    assert fca_product_group("Personal pension") == "Decumulation and pensions"
    assert fca_product_group("Mortgage") == "Home finance"


def test_a_recomputed_return_lists_changed_money_in_its_regulators_locale():
    def redress(value: int) -> dict[str, object]:
        return {
            "description": "Redress paid",
            "breakdown": "All products",
            "value": value,
            "currency": "AUD",
        }

    # An Australian reader writes Australian dollars with a bare "$" (en_GB
    # would write "A$").
    assert returns.changed_lines([redress(125000)], [redress(130000)], "au_asic") == [
        "Redress paid / All products: $1,250.00 → $1,300.00"
    ]
