"""Money as people read it: the currency's symbol and the locale's digit grouping, through Babel.

`format_money("1234567", "INR")` is "₹12,34,567.00"; `format_money(42.9, "USD")` is "$42.90". INR is shown in
the en_IN locale (lakh and crore grouping); other currencies in `MONEY_DEFAULT_LOCALE`, each with its own
symbol and number of decimals (JPY has none). A code Babel does not know is shown with the code ("XYZ 5.00").
Nothing missing or unreadable becomes a number: it shows as "—". CSV exports keep plain numbers and never
call this.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, get_currency_precision, get_currency_symbol, is_currency
from django.conf import settings

MISSING = "—"
# Currencies shown in a locale other than the default (INR: Indian grouping, ₹12,34,567.00).
CURRENCY_LOCALES: dict[str, str] = {"INR": "en_IN"}
FALLBACK_LOCALE = "en_US"


def as_decimal(value: object) -> Decimal | None:
    """An amount from a model, a form or Juspay's JSON (Decimal, int, float or text); None when not a number."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    try:
        number = Decimal(str(value).strip())  # str() of a float: 42.9 stays 42.9, not 42.899999...
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def locale_for(currency: str, locale: str | None = None) -> str:
    """The locale that formats `currency`: the one asked for, else the currency's own, else the default."""
    if locale:
        return locale
    return CURRENCY_LOCALES.get(currency.upper(), _default_locale())


def _default_locale() -> str:
    name = str(getattr(settings, "MONEY_DEFAULT_LOCALE", FALLBACK_LOCALE) or FALLBACK_LOCALE)
    return name if _locale(name) is not None else FALLBACK_LOCALE


# Babel parses a locale name and lists a locale's currencies on every call: a list page formats a hundred
# amounts, so both are kept per process (a handful of locales and currencies, read-only data).
@lru_cache(maxsize=64)
def _locale(name: str) -> Locale | None:
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return None


@lru_cache(maxsize=512)
def _currency(code: str, where: str) -> tuple[bool, int]:
    """(whether Babel knows `code` in locale `where`, its number of decimals)."""
    known = bool(code) and is_currency(code, where)
    return known, get_currency_precision(code) if known else 2


def format_money(value: object, currency: str | None, *, locale: str | None = None) -> str:
    """An amount with its currency's symbol and grouping; "—" when there is no amount."""
    amount = as_decimal(value)
    if amount is None:
        return MISSING
    code = (currency or "").strip().upper()
    where = locale_for(code, locale)
    known, precision = _currency(code, where)
    # Half up, as people round money (Babel alone rounds half to even: 12.345 would show 12.34).
    amount = amount.quantize(Decimal(1).scaleb(-precision), ROUND_HALF_UP)
    if amount == 0:
        amount = abs(amount)  # never "-₹0.00"
    return _formatted(amount, code, where, known)


# Babel's formatting is ~50 µs an amount; a list page shows 50 and the same pages are read again and again, so the
# text of recent (amount, currency, locale) triples is kept per process (a pure function of them).
@lru_cache(maxsize=8192)
def _formatted(amount: Decimal, code: str, where: str, known: bool) -> str:
    parsed = _locale(where) or where
    if known:
        return format_currency(amount, code, locale=parsed)
    # No currency, or one Babel does not know: the number with two decimals and the code in front.
    number = format_decimal(amount, format="#,##0.00", locale=parsed)
    return f"{code}\u00a0{number}" if code else number


def currency_symbol(currency: str | None, *, locale: str | None = None) -> str:
    """The symbol a form label shows beside an amount field ("₹"); the code itself when Babel has none."""
    code = (currency or "").strip().upper()
    if not code:
        return ""
    where = locale_for(code, locale)
    return get_currency_symbol(code, where) if is_currency(code, where) else code
