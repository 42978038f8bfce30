"""Money in the API: `{"amount": "38023.00", "currency": "INR"}`, the amount a decimal string (at least two
decimals, never a float, never rounded), the currency an ISO 4217 code. A missing amount is null as a whole.

`MoneyField(amount="amount_refunded")` reads the amount attribute and, by default, the `currency` of the object
(the serialized object itself, or the one `source=` names).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

CENTS = Decimal("0.01")


def amount_text(value: Decimal | int | str) -> str:
    """A decimal amount as text with two decimals, more only when they carry something (the cache stores four):
    38023 -> "38023.00", Decimal("3200.0000") -> "3200.00", Decimal("1.0050") -> "1.005"."""
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    cents = amount.quantize(CENTS)
    return format(cents if cents == amount else amount.normalize(), "f")


class MoneySerializer(serializers.Serializer[Any]):
    """Only describes the shape in the schema; MoneyField does the reading."""

    amount = serializers.CharField(help_text="Decimal string, e.g. 38023.00 (never a float)")
    currency = serializers.CharField(help_text="ISO 4217 code, e.g. INR")


@extend_schema_field(MoneySerializer(allow_null=True))
class MoneyField(serializers.Field[Any, Any, Any, Any]):
    def __init__(self, *, amount: str, currency: str = "currency", **kwargs: Any) -> None:
        self.amount_attr = amount
        self.currency_attr = currency
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("source", "*")
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> dict[str, str] | None:
        amount = value.get(self.amount_attr) if isinstance(value, dict) else getattr(value, self.amount_attr, None)
        if amount is None:
            return None
        currency = value.get(self.currency_attr) if isinstance(value, dict) else getattr(value, self.currency_attr, "")
        return {"amount": amount_text(amount), "currency": currency or ""}


__all__ = ["MoneyField", "MoneySerializer", "amount_text"]
