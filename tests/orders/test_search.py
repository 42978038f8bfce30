"""One search box: every clue a customer may have finds the order; exact matches first; fixed query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import search
from tests.juspay.examples import example
from tests.orders.lookup import cached_payout, days_ago

REFUNDS = example("order_status_with_refunds.json")


@pytest.fixture
def order(cached_order):
    return cached_order("order_status_with_refunds.json", date_created=days_ago(1))


def found(query):
    return [h.order.order_id for h in search.search(query, viewer=None).hits]


@pytest.mark.parametrize(
    "clue",
    [
        REFUNDS["order_id"],  # order id
        REFUNDS["order_id"].lower(),  # typed in lower case
        REFUNDS["customer_id"],  # customer id
        REFUNDS["customer_email"],
        "Vikram.Desai@Example.org",  # email, any case
        REFUNDS["customer_phone"],
        "+91 98450 67123",
        "09845067123",  # phone, as people write it
        REFUNDS["txn_id"],
        REFUNDS["txn_uuid"],  # txn id and uuid
        REFUNDS["payment_gateway_response"]["rrn"],  # RRN
        REFUNDS["payment_gateway_response"]["epg_txn_id"],  # gateway txn id
        REFUNDS["refunds"][1]["unique_request_id"],  # a refund's request id
        REFUNDS["id"],  # Juspay's own order id
    ],
)
def test_every_clue_finds_the_order_exactly(order, clue):
    result = search.search(clue, viewer=None)
    assert [h.order.pk for h in result.hits] == [order.pk]
    assert result.hits[0].exact and result.hits[0].reasons


def test_payout_order_id_and_utr_find_the_linked_order(order, merchant):
    cached_payout(merchant, order.order_id, payout_order_id="PO-PAYOUT-77")
    assert found("PO-PAYOUT-77") == [order.order_id]
    utr_hit = search.search(f"UTR0001{order.order_id}", viewer=None).hits[0]
    assert utr_hit.order.pk == order.pk and utr_hit.reasons == ["payout UTR"]


def test_a_payout_not_linked_to_any_order_is_still_reported(merchant):
    cached_payout(merchant, "NO-SUCH-ORDER", payout_order_id="PO-LONELY-1")
    result = search.search("PO-LONELY-1", viewer=None)
    assert result.hits == [] and [p.payout.payout_order_id for p in result.payouts] == ["PO-LONELY-1"]


def test_exact_matches_come_before_prefix_matches(cached_order):
    cached_order("order_status_charged.json", order_id="ABC1234", customer_email="x@y.in", date_created=days_ago(1))
    cached_order("order_status_charged.json", order_id="ABC12345", customer_email="z@y.in", date_created=days_ago(0.5))
    result = search.search("ABC1234", viewer=None)
    assert [(h.order.order_id, h.exact) for h in result.hits] == [("ABC1234", True), ("ABC12345", False)]
    assert result.hits[1].reasons == ["order id starts with"]


def test_half_typed_email_and_phone_find_orders_as_one_types(order):
    assert found("vikram.de") == [order.order_id]
    assert found("98450") == [order.order_id]
    assert found("vi") == []  # too short to guess from


def test_a_twelve_digit_rrn_is_not_taken_for_a_phone_number(cached_order):
    # The phone's last ten digits equal the RRN's last ten: only the RRN order is an exact hit.
    rrn_order = cached_order("order_status_with_refunds.json", date_created=days_ago(1))
    cached_order("order_status_charged.json", customer_phone="3105529904", date_created=days_ago(1))
    result = search.search(REFUNDS["payment_gateway_response"]["rrn"], viewer=None)
    assert [h.order.pk for h in result.hits if h.exact] == [rrn_order.pk]


def test_a_miss_shaped_like_an_order_id_offers_a_live_lookup(order):
    assert search.search("ORD9NOTHERE", viewer=None).offers_live_lookup
    assert not search.search(REFUNDS["order_id"], viewer=None).offers_live_lookup  # found: nothing to look up
    assert not search.search("nobody@example.com", viewer=None).offers_live_lookup  # an email is no order id
    assert not search.search("9812345699", viewer=None).offers_live_lookup  # a phone number neither


def test_blank_query_finds_nothing_without_querying():
    assert search.search("   ", viewer=None).empty  # no `db` fixture here: any query would raise


def test_query_count_does_not_grow_with_the_number_of_matches(cached_order, merchant):
    def count(query):
        with CaptureQueriesContext(connection) as queries:
            search.search(query, viewer=None)
        return len(queries)

    cached_order("order_status_charged.json", order_id="ONE1", customer_id="cust_many", date_created=days_ago(1))
    one = count("cust_many")
    for n in range(2, 12):
        cached_order(
            "order_status_charged.json",
            order_id=f"MANY{n}",
            customer_id="cust_many",
            txn_id=f"t{n}",
            date_created=days_ago(n),
        )
    result = search.search("cust_many", viewer=None)
    assert len(result.hits) == 11
    assert count("cust_many") == one
