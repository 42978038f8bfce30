"""GET /api/v1/kpis/: the figures /kpis/ shows, as JSON (money as a decimal string with its currency), checked
against the page's own figures CSV; strict parameters (400 naming the one that is wrong)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]

URL = "/api/v1/kpis/"


@pytest.fixture
def orders_today(cached_order):
    created = (timezone.now() - timedelta(minutes=5)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for i, (method, amount) in enumerate([("UPI", 1499.5), ("UPI", 250.25), ("CARD", 999.0)]):
        cached_order(
            "order_status_charged.json",
            order_id=f"K{i}",
            date_created=created,
            payment_method_type=method,
            amount=amount,
            effective_amount=amount,
        )


def _page_figures(client, section: str, query: str) -> dict[str, list[str]]:
    response = client.get(f"/kpis/{section}/figures.csv?{query}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return {row[0]: row for row in rows[1:]}


def _same(api_value, unit: str, page_text: str) -> bool:
    if api_value is None:
        return page_text in ("", "None")
    if unit == "money":
        return Decimal(api_value["amount"]) == Decimal(f"{float(page_text):.2f}")
    return abs(float(api_value) - float(page_text)) < 1e-9


@pytest.mark.parametrize("query", ["period=today", "period=7d&compare=1", "period=30d"])
def test_every_figure_matches_the_page(api_as, client_as, orders_today, query):
    data = api_as("Manager").get(URL + "?" + query).json()
    page = client_as("Manager")
    assert set(data["sections"]) == {"payments", "refunds", "payouts", "fulfilment", "approvals"}
    compared = 0
    for name, section in data["sections"].items():
        rows = _page_figures(page, name, query)
        assert [f["label"] for f in section["figures"]] == list(rows)
        for figure in section["figures"]:
            row = rows[figure["label"]]
            assert row[1] == figure["unit"]
            assert _same(figure["value"], figure["unit"], row[2]), (name, figure, row)
            assert _same(figure["previous"], figure["unit"], row[3]), (name, figure, row)
            compared += 1
    assert compared > 20


def test_money_is_a_decimal_string_with_its_currency(api_as, orders_today):
    data = api_as("Admin").get(URL, {"period": "today", "section": "payments"}).json()
    assert list(data["sections"]) == ["payments"]
    by_key = {f["key"]: f for f in data["sections"]["payments"]["figures"]}
    assert by_key["charged_amount"]["value"] == {"amount": "2748.75", "currency": "INR"}
    assert by_key["orders"]["value"] == 3
    assert data["currency"] == "INR" and data["period"]["preset"] == "today"
    methods = next(t for t in data["sections"]["payments"]["tables"] if t["name"] == "methods")
    assert methods["rows"][0][0] == "UPI" and methods["rows"][0][4] == {"amount": "1749.75", "currency": "INR"}


def test_the_merchant_filter_and_comparison(api_as, orders_today, merchant):
    data = api_as("Manager").get(URL, {"period": "7d", "compare": "1", "merchant": merchant.code}).json()
    assert data["merchant"] == merchant.code and data["comparison"] is not None
    orders = next(f for f in data["sections"]["payments"]["figures"] if f["key"] == "orders")
    assert orders["value"] == 3 and orders["previous"] == 0 and orders["delta"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "forever"}, "period"),
        ({"period": "custom", "from": "2026-01-01"}, "to"),
        ({"period": "custom", "from": "first", "to": "2026-01-01"}, "from"),
        ({"merchant": "nope"}, "merchant"),
        ({"section": "weather"}, "section"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(api_as, params, field):
    response = api_as("Manager").get(URL, params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_a_long_custom_range_is_cut_and_says_so(api_as):
    data = api_as("Manager").get(URL, {"period": "custom", "from": "2020-01-01", "to": "2026-01-01"}).json()
    assert data["notes"] and "400 days" in data["notes"][0]


@pytest.mark.parametrize("role", ["Support", "Finance", None])
def test_only_managers_and_admins(api_as, role):
    assert api_as(role).get(URL).status_code == 403


def test_bounded_queries(api_as, orders_today, django_assert_max_num_queries):
    manager = api_as("Manager")
    manager.get(URL)
    with django_assert_max_num_queries(60):
        assert manager.get(URL, {"period": "90d", "compare": "1"}).status_code == 200
