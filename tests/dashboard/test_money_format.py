"""The one money formatter (dashboard/money_format.py) and its template filter."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from dashboard.money_format import as_decimal, currency_symbol, format_money


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        ("38023", "INR", "₹38,023.00"),
        (Decimal("1234567"), "INR", "₹12,34,567.00"),
        (Decimal("123456789.5"), "INR", "₹12,34,56,789.50"),
        (Decimal("999.9999"), "INR", "₹1,000.00"),
        (Decimal("12.345"), "INR", "₹12.35"),  # half up, not half to even
        ("1234567", "USD", "$1,234,567.00"),
        (1234.5, "EUR", "€1,234.50"),
        (1234, "JPY", "¥1,234"),  # no decimals in yen
        ("inr", "inr", "—"),
    ],
)
def test_currencies_show_their_symbol_and_grouping(value, currency, shown):
    assert format_money(value, currency) == shown


def test_a_float_is_never_shown_bare():
    assert format_money(42.9, "INR") == "₹42.90"
    assert format_money(0.1 + 0.2, "INR") == "₹0.30"


@pytest.mark.parametrize("zero", [0, "0", Decimal("0.0000"), Decimal("-0"), "-0.001"])
def test_zero_has_no_sign(zero):
    assert format_money(zero, "INR") == "₹0.00"


def test_negative_amounts_keep_their_sign_before_the_symbol():
    assert format_money(Decimal("-50"), "INR") == "-₹50.00"
    assert format_money("-1234567.8", "INR") == "-₹12,34,567.80"
    assert format_money(-42.9, "USD") == "-$42.90"


@pytest.mark.parametrize("value", [Decimal("1234.5"), "1234.5", " 1234.50 ", 1234.5, 1234.50])
def test_decimal_text_and_numbers_read_the_same(value):
    assert format_money(value, "INR") == "₹1,234.50"


@pytest.mark.parametrize("value", [None, "", "abc", "NaN", "Infinity", True, [], {}])
def test_nothing_readable_shows_a_dash(value):
    assert format_money(value, "INR") == "—"
    assert as_decimal(value) is None


def test_an_unknown_currency_is_shown_with_its_code():
    assert format_money("1234.5", "XYZ") == "XYZ\u00a01,234.50"
    assert currency_symbol("XYZ") == "XYZ"


def test_no_currency_shows_the_number_with_two_decimals():
    assert format_money("1234.5", "") == "1,234.50"
    assert format_money("1234.5", None) == "1,234.50"


def test_the_default_locale_is_a_setting(settings):
    settings.MONEY_DEFAULT_LOCALE = "de_DE"
    assert format_money("1234.5", "EUR") == "1.234,50\u00a0€"
    assert format_money("1234567", "INR") == "₹12,34,567.00"  # INR keeps en_IN
    settings.MONEY_DEFAULT_LOCALE = "xx_NOPE"
    assert format_money("1234.5", "USD") == "$1,234.50"


def test_the_template_filter_needs_no_load():
    html = Template("{{ a|money:c }} {{ b|money:c }} {{ c|money_symbol }}").render(
        Context({"a": Decimal("1234567"), "b": None, "c": "INR"})
    )
    assert html == "₹12,34,567.00 — ₹"
