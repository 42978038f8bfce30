"""Bad input gets a 4xx with the reason, never a 500 (issue 14). Each case below answered 500 before, on
SQLite and/or PostgreSQL; the module runs on both (CI's second pass sets DATABASE_URL)."""

import base64
import json
import uuid

import pytest
from django.urls import reverse

from tests.fixtures.policy import activate_policy
from tests.orders.webhook_auth import basic

pytestmark = pytest.mark.django_db

DEEP = 100_000  # nesting deeper than Python's recursion limit


def cursor(value, pk=1):
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")


@pytest.fixture
def order(cached_order):
    return cached_order("order_status_charged.json")


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("Admin"))
    return client


@pytest.mark.parametrize("path", ["/orders/"])  # the payouts list filters by age (choices), not by date
@pytest.mark.parametrize(
    "query, reason",
    [
        ({"created_to": "9999-12-31"}, "date"),
        ({"created_from": "9999-12-31"}, "date"),
        ({"created_from": "0001-01-01", "created_to": "0001-01-01"}, "date"),
    ],
)
def test_a_date_at_the_end_of_the_calendar_is_a_form_error(admin_client, path, query, reason):
    response = admin_client.get(path, query)
    assert response.status_code == 400
    assert reason in response.content.decode().lower() and "Some filters were ignored" in response.content.decode()
    assert "9998-12-31" in response.content.decode()


def test_the_filters_fragment_shows_the_reason_with_200_so_htmx_swaps_it(admin_client):
    response = admin_client.get("/orders/", {"created_to": "9999-12-31"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Enter a date between" in response.content.decode()


def test_a_valid_date_window_still_lists_orders(admin_client, order):
    day = order.juspay_created_at.date().isoformat()
    response = admin_client.get("/orders/", {"created_from": day, "created_to": day})
    assert response.status_code == 200 and order.order_id in response.content.decode()


@pytest.mark.parametrize("path", ["/orders/", "/payouts/"])
@pytest.mark.parametrize("sort", ["amount_high", "amount_low", "newest"])
@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN", "1e999999", "9999-12-31T23:59:59+14:00"])
def test_a_tampered_paging_cursor_is_a_400(admin_client, path, sort, value):
    # A far-future time is a valid cursor for a sort by creation time; the payouts list has no amount sorts
    # (that choice is itself a form error).
    expected = 200 if sort == "newest" and value.startswith("9999") else 400
    assert admin_client.get(path, {"sort": sort, "after": cursor(value)}).status_code == expected
    assert admin_client.get(path, {"sort": sort, "before": cursor(value)}).status_code == expected


@pytest.mark.parametrize("path", ["/orders/", "/payouts/"])
def test_a_nan_cursor_says_why(admin_client, path):
    response = admin_client.get(path, {"sort": "amount_high", "after": cursor("NaN")})
    assert response.status_code == 400 and "cursor" in response.content.decode()
    garbage = admin_client.get(path, {"after": "%%%not-base64"})
    assert garbage.status_code == 400 and "cursor" in garbage.content.decode()


def test_deeply_nested_json_in_fulfillment_data_is_a_form_error(client, make_user, order):
    activate_policy({"fulfilment": {"approvals": 1, "json_data": ["BLOCK_IMEI"]}}, actor=make_user("Admin"))
    client.force_login(make_user("Support"))
    response = client.post(
        reverse("fulfilment:raise_fulfilment", args=[order.pk]),
        {
            "fulfillment_command": "BLOCK_IMEI",
            "fulfillment_status": "SUCCESS",
            "fulfillment_data": "[" * DEEP + "]" * DEEP,
            "form_token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400 and "nested" in response.content.decode()


def test_deeply_nested_json_in_a_webhook_is_a_400(client, merchant, settings):
    body = '{"id": "evt_deep", "event_name": "ORDER_SUCCEEDED", "content": ' + "[" * DEEP + "]" * DEEP + "}"
    response = client.post(
        "/webhooks/juspay/",
        data=body,
        content_type="application/json",
        headers={"Authorization": basic(settings.JUSPAY_WEBHOOK_USERNAME, settings.JUSPAY_WEBHOOK_PASSWORD)},
    )
    assert response.status_code == 400 and "not JSON" in response.json()["reason"]


@pytest.mark.parametrize("amount", ["1e30", "1E+30", "99999999999999999999.99", "1e-30"])
def test_a_huge_split_amount_is_a_form_error(client, make_user, order, amount):
    client.force_login(make_user("Support"))
    response = client.post(
        reverse("fulfilment:raise_fulfilment", args=[order.pk]),
        {
            "fulfillment_command": "POST_TXN_SPLIT_SETTLEMENT",
            "fulfillment_status": "SUCCESS",
            "marketplace_amount": amount,
            "vendors": f"vendor_a, {amount}",
            "form_token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400 and "amount" in response.content.decode()


@pytest.mark.parametrize(
    "path, query",
    [
        ("/orders/", {"q": "ord\x00er"}),
        ("/orders/", {"merchant": "def\x00ault"}),
        ("/orders/", {"status": "CHARGED\x00"}),
        ("/orders/", {"gateway": "\x00"}),
        ("/orders/", {"offer_code": "\x00"}),
        ("/payouts/", {"q": "\x00"}),
        ("/payouts/", {"merchant": "\x00"}),
        ("/orders/search/", {"q": "\x00abc"}),
        ("/audit/", {"actor": "\x00", "verb": "\x00", "object_type": "\x00", "object_id": "\x00"}),
        ("/orders/export.csv", {"q": "\x00"}),
    ],
)
def test_a_nul_byte_in_a_query_parameter_is_a_400(admin_client, path, query):
    response = admin_client.get(path, query)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


@pytest.mark.parametrize("path", ["/orders/ORD%00X/", "/orders/ORD%00X/timeline/", "/payouts/PO%00X/"])
def test_a_nul_byte_in_an_order_url_is_a_4xx(admin_client, path):
    assert admin_client.get(path).status_code in (400, 404)


def test_a_nul_byte_in_a_note_is_a_form_error(admin_client, order):
    response = admin_client.post(reverse("orders:add_note", args=[order.order_id]), {"body": "call\x00back"})
    assert response.status_code == 400
    assert not order.notes.exists()


def test_a_nul_byte_in_the_lookup_box_is_a_4xx(admin_client):
    response = admin_client.post(reverse("orders:lookup"), {"order_id": "ORD\x00"})
    assert 400 <= response.status_code < 500 or response.status_code == 302
