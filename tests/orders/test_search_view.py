"""The search box's suggestions as one types, and the live lookup at Juspay on a miss."""

import html
import re

import pytest

from orders.models import Order
from tests.juspay.examples import example
from tests.orders.lookup import days_ago

REFUNDS = example("order_status_with_refunds.json")


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def suggest(client, q):
    return client.get("/orders/search/", {"q": q}, HTTP_HX_REQUEST="true")


@pytest.fixture
def order(cached_order):
    return cached_order("order_status_with_refunds.json", date_created=days_ago(1))


def test_suggestions_link_to_the_order_and_say_what_matched(client_as, order):
    response = suggest(client_as("Support"), REFUNDS["payment_gateway_response"]["rrn"])
    body = response.content.decode()
    assert "<html" not in body
    assert f'href="/orders/{order.order_id}/?merchant=default"' in body
    assert "1 order for" in text(response) and "(1 exact, first)" in text(response) and "exact: RRN" in text(response)
    assert "All results for" in text(response)


def test_suggestions_mask_the_email(client_as, order):
    page = text(suggest(client_as("Finance"), "vikram"))
    assert order.order_id in page and "v•••@example.org" in page and REFUNDS["customer_email"] not in page


def test_an_empty_box_shows_nothing(client_as, order):
    assert suggest(client_as("Support"), "  ").content.decode().strip() == ""


def test_a_miss_offers_a_live_lookup_to_those_who_may_refresh(client_as, order):
    assert "Look up “ORD9MISSING” at Juspay" in text(suggest(client_as("Support"), "ORD9MISSING"))
    manager = text(suggest(client_as("Manager"), "ORD9MISSING"))
    assert "No cached order matches" in manager and "Look up" not in manager


def test_without_htmx_the_box_sends_the_query_to_the_list(client_as, order):
    response = client_as("Support").get("/orders/search/", {"q": "a b@c.in"})
    assert response.status_code == 302 and response["Location"] == "/orders/?q=a+b%40c.in"


def test_live_lookup_when_juspay_is_unreachable_says_so(client_as, merchant):
    merchant.base_url = "http://127.0.0.1:9"
    merchant.save()
    response = client_as("Support").post("/orders/lookup/", {"order_id": "ORD9LIVE"}, HTTP_HX_REQUEST="true")
    assert "Juspay could not be reached" in text(response)
    assert not Order.objects.exists()


def test_live_lookup_of_an_order_juspay_does_not_know(client_as, sim_merchant):
    response = client_as("Support").post("/orders/lookup/", {"order_id": "ORD9NOWHERE"}, HTTP_HX_REQUEST="true")
    assert "Juspay has no order or payout order “ORD9NOWHERE”" in text(response)


def test_live_lookup_caches_the_order_and_opens_it(client_as, sim_merchant, juspay_sim):
    order_id = juspay_sim.create_order(order_id="LIVE2001", amount=321, status="CHARGED")
    client = client_as("Support")
    response = client.post("/orders/lookup/", {"order_id": order_id}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/orders/{order_id}/?merchant=default"
    assert Order.objects.get(order_id=order_id).amount == 321
    assert "Payment succeeded" in text(client.get(response["HX-Redirect"]))


def test_live_lookup_refuses_what_is_not_an_order_id(client_as, db):
    client = client_as("Support")
    response = client.post("/orders/lookup/", {"order_id": "someone@example.com"})
    assert response.status_code == 302
    assert "does not look like an order id" in text(client.get(response["Location"]))
