"""`GET /api/v1/kpis/`: the managers' KPIs as JSON, the same figures /kpis/ shows (`fulfilment.kpi_page`).

The query is the page's URL state (`period`, `from`/`to`, `merchant`, `compare=1`), checked strictly: where
the page shows a note and falls back, the API answers a 400 problem naming the parameter. Each figure keeps
its unit; money is `{"amount": "<decimal string>", "currency": "INR"}`, rates are fractions (0.5 = 50 %),
durations are seconds.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.api.money import amount_text
from dashboard.api_docs import problems
from dashboard.api_roles import allowed
from dashboard.merchant_scope import MerchantIds, Viewer, of_merchants, visible_merchants
from dashboard.models import Merchant
from fulfilment import kpi_page
from orders.kpi_figures import Figure
from orders.kpi_periods import PRESETS
from orders.models import Order

PERMISSION = "orders.view_kpis"


def currency_of(merchant_id: MerchantIds) -> str:
    """The currency the figures are in: each merchant account takes one (orders.kpi_figures sums without
    conversion), read from its latest order; over all merchants, their common currency, or "" when they differ."""
    ids = sorted(of_merchants(Merchant.objects.all(), merchant_id, field="pk").values_list("pk", flat=True))
    found = set()
    for pk in ids:
        code = (
            Order.objects.filter(merchant_id=pk).exclude(currency="").order_by("-pk").values_list("currency", flat=True)
        ).first()
        if code:
            found.add(code)
    return found.pop() if len(found) == 1 else ""


def _value(value: Any, unit: str, currency: str) -> Any:
    if value is None:
        return None
    if unit == "money":
        return {"amount": amount_text(Decimal(f"{float(value):.2f}")), "currency": currency}
    if unit == "count":
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def figure_json(figure: Figure, currency: str) -> dict[str, Any]:
    return {
        "key": figure.key,
        "label": figure.label,
        "unit": figure.unit,
        "value": _value(figure.value, figure.unit, currency),
        "previous": _value(figure.previous, figure.unit, currency) if figure.compared else None,
        "delta": _value(figure.delta, figure.unit, currency),
        "trend": figure.trend,
        "detail": figure.detail,
        "definition": " ".join(figure.definition.split()),
        "link": figure.link,
        "series": [_value(v, figure.unit, currency) for v in figure.series],
    }


def table_json(table: kpi_page.Table, currency: str) -> dict[str, Any]:
    return {
        "name": table.name,
        "title": table.title,
        "header": table.header,
        "units": table.units,
        "rows": [[_value(v, unit, currency) for v, unit in zip(row, table.units, strict=True)] for row in table.rows],
    }


def _check(params: Any, user: Viewer) -> None:
    """The page's fallbacks, as 400 problems naming the parameter."""
    preset = params.get("period") or ""
    if preset and preset not in PRESETS:
        raise exceptions.ValidationError({"period": [f"Use one of {', '.join(PRESETS)}."]})
    if preset == "custom":
        for name in ("from", "to"):
            try:
                date.fromisoformat((params.get(name) or "").strip())
            except ValueError:
                raise exceptions.ValidationError({name: ["Give a date as YYYY-MM-DD (custom period)."]}) from None
    code = (params.get("merchant") or "").strip()
    if code and not visible_merchants(user).filter(code=code).exists():
        raise exceptions.ValidationError({"merchant": [f"No merchant {code!r}."]})
    section = params.get("section") or ""
    if section and section not in kpi_page.SECTIONS:
        raise exceptions.ValidationError({"section": [f"Use one of {', '.join(kpi_page.SECTIONS)}."]})


def kpis_json(state: kpi_page.State, names: list[str]) -> dict[str, Any]:
    currency = currency_of(state.merchant_id)
    comparison = state.comparison
    sections = {}
    for name in names:
        sec = kpi_page.section(name, state)
        sections[name] = {
            "title": sec.title,
            "figures": [figure_json(f, currency) for f in sec.figures],
            "tables": [table_json(t, currency) for t in sec.tables],
            "buckets": sec.charts[0].labels if sec.charts else [],
        }
    return {
        "period": {"preset": state.choice.preset, "first": state.period.first, "last": state.period.last},
        "comparison": {"first": comparison.first, "last": comparison.last} if comparison else None,
        "merchant": state.merchant_code or None,
        "currency": currency,
        "time_zone": state.time_zone,
        "notes": state.problems,
        "sections": sections,
    }


class KpisSerializer(serializers.Serializer[Any]):
    """Only the shape, for the schema."""

    period = serializers.DictField(help_text="preset, first and last local day")
    comparison = serializers.DictField(allow_null=True, help_text="the previous period of the same length, or null")
    merchant = serializers.CharField(allow_null=True)
    currency = serializers.CharField(help_text='"" when the merchants take different currencies')
    time_zone = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField(), help_text="e.g. a custom range cut to 400 days")
    sections = serializers.DictField(
        help_text="payments, refunds, payouts, approvals: each with figures (key, label, unit, value, previous, delta, "
        "trend, definition, link, series), tables and the series' bucket labels"
    )


EXAMPLE: dict[str, Any] = {
    "period": {"preset": "7d", "first": "2026-11-25", "last": "2026-12-01"},
    "comparison": {"first": "2026-11-18", "last": "2026-11-24"},
    "merchant": None,
    "currency": "INR",
    "time_zone": "Asia/Kolkata",
    "notes": [],
    "sections": {
        "payments": {
            "title": "Payments",
            "figures": [
                {
                    "key": "charged_amount",
                    "label": "Charged amount",
                    "unit": "money",
                    "value": {"amount": "182340.00", "currency": "INR"},
                    "previous": {"amount": "150000.00", "currency": "INR"},
                    "delta": {"amount": "32340.00", "currency": "INR"},
                    "trend": "good",
                    "detail": "",
                    "definition": "Charged amount: the sum of amount over CHARGED orders.",
                    "link": "/orders/?status=CHARGED&created_after=2026-11-25&created_before=2026-12-01",
                    "series": [{"amount": "20000.00", "currency": "INR"}],
                }
            ],
            "tables": [],
            "buckets": ["25 Nov"],
        }
    },
}


class Kpis(APIView):
    permission_classes = allowed(PERMISSION)

    @extend_schema(
        tags=["kpis"],
        summary="The managers' KPIs",
        description="The figures of the KPI page (Manager, Admin) for a period, with their comparisons.",
        parameters=[
            OpenApiParameter("period", str, enum=list(PRESETS), description="Default 7d."),
            OpenApiParameter("from", str, description="custom: first local day, YYYY-MM-DD"),
            OpenApiParameter("to", str, description="custom: last local day, YYYY-MM-DD"),
            OpenApiParameter("merchant", str, description="A merchant code; all merchants when left out."),
            OpenApiParameter("compare", str, enum=["1"], description="1: compare with the previous period."),
            OpenApiParameter("section", str, enum=list(kpi_page.SECTIONS), description="Only this section."),
        ],
        responses={
            200: KpisSerializer,
            **problems(e400="A parameter is not valid.", e401="No token or session.", e403="Manager and Admin only."),
        },
        examples=[OpenApiExample("Seven days, compared", value=EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        _check(request.query_params, request.user)
        state = kpi_page.read_state(request.query_params, request.user)
        section = request.query_params.get("section") or ""
        return Response(kpis_json(state, [section] if section else list(kpi_page.SECTIONS)))
