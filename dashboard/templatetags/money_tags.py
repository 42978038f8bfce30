"""`{{ amount|money:currency }}`: the one way a template shows money (dashboard/money_format.py).

A builtin (settings TEMPLATES), so no template needs `{% load %}`: "₹12,34,567.00", "$42.90", "—" for none.
"""

from __future__ import annotations

from django import template

from dashboard.money_format import currency_symbol, format_money

register = template.Library()


@register.filter
def money(value: object, currency: str | None = "") -> str:
    return format_money(value, currency)


@register.filter
def money_symbol(currency: str | None) -> str:
    """The currency's symbol for a form label ("Amount (₹)")."""
    return currency_symbol(currency)
