"""Search finds payout orders by payout order id, fulfilment id, payout transaction ref or UTR, and customer id,
and the search box, the results list and the live lookup go to the payout page."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import Merchant
from orders import search
from orders.models import PayoutOrder
from tests.orders.payouts import payout_answer, sync_payout

pytestmark = pytest.mark.django_db

FULFILLMENT = payout_answer()["fulfillments"][0]
TXN = FULFILLMENT["transactions"][0]


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def payout(merchant):
    return sync_payout(merchant, payout_answer())


@pytest.mark.parametrize(
    ("clue", "reason"),
    [
        ("PAY2503F0007", "payout order id"),
        (FULFILLMENT["id"], "fulfilment id"),
        (TXN["transactionRef"], "payout transaction ref"),
        (TXN["gatewayRefId"], "payout UTR"),
        ("cust_lhp_2291", "customer id"),
    ],
)
def test_every_payout_clue_finds_the_payout_order(payout, clue, reason):
    result = search.search(clue, viewer=None)
    assert [(p.payout.pk, p.reasons) for p in result.payouts] == [(payout.pk, [reason])]
    assert not result.empty


def test_a_customer_id_finds_all_their_payout_orders_newest_first(merchant):
    sync_payout(merchant, payout_answer(orderId="PO-C-OLD", createdAt="2025-01-01T00:00:00Z"))
    sync_payout(merchant, payout_answer("payout_order_status_refund.json", customerId="cust_lhp_2291"))
    result = search.search("cust_lhp_2291", viewer=None)
    assert [p.payout.payout_order_id for p in result.payouts] == ["PAY2503G0032", "PO-C-OLD"]


def test_find_payouts_picks_the_merchant(merchant, payout):
    other = Merchant.objects.create(code="second", name="Second", base_url="http://127.0.0.1:9", api_key="k")
    sync_payout(other, payout_answer())
    assert [p.merchant.code for p in search.find_payouts("PAY2503F0007", viewer=None)] == ["default", "second"]
    assert [p.merchant.code for p in search.find_payouts("PAY2503F0007", "second", viewer=None)] == ["second"]


def test_a_payout_search_runs_a_fixed_number_of_queries(merchant):
    def count(clue: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            search.search(clue, viewer=None)
        return len(captured)

    sync_payout(merchant, payout_answer())
    few = count("cust_lhp_2291")
    for n in range(10):
        sync_payout(merchant, payout_answer(orderId=f"PO-MANY-{n}"))
    assert count("cust_lhp_2291") == few


def test_the_search_box_suggests_the_payout_order_and_links_its_page(client_as, payout):
    response = client_as("Support").get("/orders/search/", {"q": TXN["gatewayRefId"]}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'href="/payouts/PAY2503F0007/?merchant=default"' in body
    assert "Payout order PAY2503F0007" in text(response) and "payout UTR" in text(response)


def test_the_results_list_links_matching_payout_orders(client_as, payout):
    response = client_as("Support").get("/orders/", {"q": FULFILLMENT["id"]})
    assert "1 payout order matches" in text(response)
    assert 'href="/payouts/PAY2503F0007/?merchant=default"' in response.content.decode()


def test_the_lookup_of_a_cached_payout_order_id_opens_its_page(client_as, payout):
    response = client_as("Support").post("/orders/lookup/", {"order_id": "PAY2503F0007"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/payouts/PAY2503F0007/?merchant=default"


def test_the_live_lookup_of_a_payout_order_caches_it_and_opens_it(client_as, sim_merchant, juspay_sim):
    payout_id = juspay_sim.create_payout_order(fulfillments=["SUCCESS"], order_id="POLIVE2001")
    client = client_as("Support")
    response = client.post("/orders/lookup/", {"order_id": payout_id}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/payouts/{payout_id}/?merchant=default"
    assert PayoutOrder.objects.get(payout_order_id=payout_id).fulfillments.count() == 1
    assert f"Payout order {payout_id}" in text(client.get(response["HX-Redirect"]))
