"""Money as people read it, and as it is kept.

Amounts are kept and exchanged as integer minor units of an ISO 4217
currency (pence, cents), so no sum is ever rounded. Wherever a person reads
an amount (a regulatory return, a report page, a letter, the console) it is
written by `shown`, in the reader's locale with the currency's own symbol,
separators and number of decimals, as the Unicode CLDR data (through Babel)
has them: 125000 GBP is "£1,250.00" in English, 125000 EUR "1.250,00 €" in
German, 4599 EUR "45,99 €" in Spanish, 1250 JPY "¥1,250".
"""

from __future__ import annotations

from decimal import Decimal

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision

# Where a reader's locale is unknown or malformed: British English, the
# platform's own language.
FALLBACK_LOCALE = "en_GB"


def major_units(minor_units: int, currency: str) -> Decimal:
    """The amount in the currency's major unit, exactly (125000 GBP is
    1250.00; 1250 JPY, which has no minor unit, is 1250)."""
    return Decimal(minor_units).scaleb(-get_currency_precision(currency.upper()))


def minor_units(amount: Decimal, currency: str) -> int:
    """An amount in major units as integer minor units; refuses an amount
    with more decimals than the currency has (12.345 GBP)."""
    scaled = amount.scaleb(get_currency_precision(currency.upper()))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} has more decimals than {currency} has")
    return int(scaled)


def _locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale.replace("-", "_") or FALLBACK_LOCALE)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK_LOCALE)


def shown(minor_units: int, currency: str, locale: str = FALLBACK_LOCALE) -> str:
    """An amount as a reader of `locale` ("en_GB", "de", "es-ES") writes it."""
    code = currency.upper()
    return format_currency(major_units(minor_units, code), code, locale=_locale(locale))


def shown_sums(sums: dict[str, int], locale: str = FALLBACK_LOCALE) -> str:
    """Sums in several currencies, each as money, by currency code:
    "€45.99; £1,250.00"."""
    return "; ".join(shown(minor, code, locale) for code, minor in sorted(sums.items()) if minor)
