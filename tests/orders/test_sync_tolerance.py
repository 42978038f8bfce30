"""An Order Status (or payout Order Status) answer with a field that does not fit its type is applied: the order is
kept and synced, the misfit is flagged on the cached copy (`unknown`) and kept in `raw`."""

import copy

import httpx
import pytest

from dashboard.juspay_access import client_for
from orders.models import Order, PayoutOrder
from orders.services import sync_order, sync_payout_order
from tests.juspay.examples import example


def juspay_answering(merchant, body: dict):
    return client_for(merchant, transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)))


@pytest.mark.django_db
def test_an_order_status_answer_with_an_odd_deep_field_is_applied_and_flagged(merchant):
    answer = copy.deepcopy(example("order_status_with_refunds.json"))
    answer["txn_detail"]["created"] = "yesterday"
    answer["refunds"][1]["amount"] = "800 rupees"
    answer["card"] = "n/a"

    with juspay_answering(merchant, answer) as juspay:
        result = sync_order(merchant, answer["order_id"], client=juspay)

    assert result.error == "" and result.created
    order = Order.objects.get(order_id=answer["order_id"])
    assert order.status == answer["status"] and order.gateway == answer["txn_detail"]["gateway"]
    assert order.raw == answer  # kept as Juspay sent it
    flagged = " ".join(order.unknown)
    assert 'txn_detail.created="yesterday"' in flagged and 'refunds[1].amount="800 rupees"' in flagged
    refunds = {r.unique_request_id: r for r in order.refunds.all()}
    assert set(refunds) == {"RF-M27-01", "RF-M27-02"}  # the refund with the odd amount is kept
    assert refunds["RF-M27-02"].amount is None and refunds["RF-M27-01"].amount == 1200


@pytest.mark.django_db
def test_a_later_answer_with_an_odd_field_still_moves_the_order_on(merchant, cached_order):
    order = cached_order("order_status_charged.json")
    answer = copy.deepcopy(example("order_status_refund_succeeded.json"))
    answer["last_updated"] = "in a moment"

    with juspay_answering(merchant, answer) as juspay:
        assert sync_order(merchant, order.order_id, client=juspay).error == ""

    order.refresh_from_db()
    assert order.refunds.get().unique_request_id == "RF-K11-01"
    assert any(item.startswith("last_updated=") for item in order.unknown)


@pytest.mark.django_db
def test_a_payout_order_answer_with_an_odd_fulfilment_field_is_applied_and_flagged(merchant):
    answer = copy.deepcopy(example("payout_order_status_fulfillment.json"))
    answer["fulfillments"][0]["amount"] = "twelve fifty"
    answer["fulfillments"][0]["transactions"][0]["createdAt"] = "—"

    with juspay_answering(merchant, answer) as juspay:
        assert sync_payout_order(merchant, answer["orderId"], client=juspay).error == ""

    payout = PayoutOrder.objects.get(payout_order_id=answer["orderId"])
    fulfilment = payout.fulfillments.get()
    assert fulfilment.amount is None and fulfilment.status == answer["fulfillments"][0]["status"]
    assert fulfilment.transactions.count() == 1
    assert any(item.startswith("fulfillments[0].amount=") for item in payout.unknown)
    assert any(item.startswith("fulfillments[0].transactions[0].createdAt=") for item in payout.unknown)
