"""Payout sync: the columns the payouts list filters on, and the one documented link to a payment order."""

import pytest
from django.utils import timezone

from orders.models import Fulfillment, FulfilmentState, Order, PayoutOrder, SyncSource
from orders.sync import apply_order
from tests.juspay.examples import example
from tests.orders.payouts import payout_answer, sync_payout, with_payments_and_refunds

pytestmark = pytest.mark.django_db


def payment_naming(juspay_id: str) -> dict:
    payment = example("payout_order_status_payment.json")["payments"][0]
    return {**payment, "id": juspay_id}


def test_sync_fills_the_type_beneficiary_and_manual_review_columns(merchant):
    payout = sync_payout(merchant, payout_answer())
    assert (payout.type, payout.manual_review) == ("FULFILL_ONLY", False)
    assert list(Fulfillment.objects.values_list("beneficiary_type", flat=True)) == ["ACCOUNT_IFSC"]


@pytest.mark.parametrize(
    "where",
    ["order", "fulfillment", "transaction", "payment", "refund"],
)
def test_manual_review_anywhere_on_the_payout_order_marks_it(merchant, where):
    data = with_payments_and_refunds(payout_answer(orderId=f"PO-MR-{where}"))
    data["refunds"] = [r for r in data["refunds"] if r["status"] != "MANUAL_REVIEW"]
    assert sync_payout(merchant, data).manual_review is False
    if where == "order":
        data["status"] = "FULFILLMENTS_MANUAL_REVIEW"
    elif where == "fulfillment":
        data["fulfillments"][0]["status"] = "MANUAL_REVIEW"
    elif where == "transaction":
        data["fulfillments"][0]["transactions"][0]["status"] = "MANUAL_REVIEW"
    else:
        data[f"{where}s"][0]["status"] = "MANUAL_REVIEW"
    data["updatedAt"] = "2025-03-12T00:00:00Z"
    assert sync_payout(merchant, data).manual_review is True
    data = payout_answer(orderId=f"PO-MR-{where}", updatedAt="2025-03-13T00:00:00Z")
    assert sync_payout(merchant, data).manual_review is False  # reconciled: the flag goes again


def test_payments_only_and_refunds_only_orders_sync_with_their_items(merchant):
    payments = sync_payout(merchant, payout_answer("payout_order_status_payment.json"))
    refunds = sync_payout(merchant, payout_answer("payout_order_status_refund.json"))
    assert (payments.type, payments.status, payments.fulfillments.count()) == (
        "PAYMENTS_ONLY",
        "PAYMENTS_SUCCESSFUL",
        0,
    )
    assert (refunds.type, refunds.status, refunds.manual_review) == ("REFUNDS_ONLY", "REFUNDS_MANUAL_REVIEW", True)
    assert payments.unknown == [] and refunds.unknown == []


def test_an_unknown_item_status_is_kept_and_flagged_never_a_crash(merchant, client_as):
    data = payout_answer("payout_order_status_payment.json")
    data["payments"][0]["status"] = "TELEPORTED"
    payout = sync_payout(merchant, data)
    assert "payments[0].status=TELEPORTED" in payout.unknown
    page = client_as("Support").get(f"/payouts/{payout.payout_order_id}/payments/", HTTP_HX_REQUEST="true")
    assert "TELEPORTED" in page.content.decode() and "unknown" in page.content.decode()


# --- the link to a payment order -----------------------------------------------------------------------------


def test_a_payment_naming_a_cached_order_by_juspays_id_links_them(merchant, cached_order):
    order = cached_order("order_status_with_refunds.json")
    data = payout_answer(orderId="PO-LINK", type="PAY_AND_FULFILL", payments=[payment_naming(order.juspay_id)])
    data["fulfillments"][0]["status"] = "PENDING"
    payout = sync_payout(merchant, data)
    assert payout.order == order
    order.refresh_from_db()
    assert order.fulfilment_state == FulfilmentState.OPEN  # the linked order knows its fulfilment


def test_udf1_or_a_shared_order_id_no_longer_link(merchant, cached_order):
    order = cached_order("order_status_with_refunds.json")
    by_udf = sync_payout(merchant, payout_answer(orderId="PO-UDF", udf1=order.order_id, customerId=order.customer_id))
    same_id = sync_payout(merchant, payout_answer(orderId=order.order_id))
    assert by_udf.order is None and same_id.order is None
    order.refresh_from_db()
    assert order.fulfilment_state == FulfilmentState.NONE


def test_a_payment_naming_an_order_of_another_merchant_does_not_link(merchant, cached_order):
    from dashboard.models import Merchant

    order = cached_order("order_status_with_refunds.json")
    other = Merchant.objects.create(code="other", name="Other", base_url="http://127.0.0.1:9", api_key="k")
    payout = sync_payout(other, payout_answer(orderId="PO-X", payments=[payment_naming(order.juspay_id)]))
    assert payout.order is None


def test_the_link_follows_the_latest_answer_and_the_order_left_is_updated(merchant, cached_order):
    order = cached_order("order_status_with_refunds.json")
    data = payout_answer(orderId="PO-MOVE", payments=[payment_naming(order.juspay_id)])
    data["fulfillments"][0]["status"] = "PENDING"
    assert sync_payout(merchant, data).order == order
    data.update(payments=[], updatedAt="2025-03-12T00:00:00Z")
    assert sync_payout(merchant, data).order is None
    order.refresh_from_db()
    assert order.fulfilment_state == FulfilmentState.NONE


def test_an_order_cached_after_its_payout_adopts_it(merchant, answer):
    parsed = answer("order_status_with_refunds.json")
    data = payout_answer(orderId="PO-EARLY", customerId=parsed.customer_id, payments=[payment_naming(str(parsed.id))])
    data["fulfillments"][0]["status"] = "MANUAL_REVIEW"
    assert sync_payout(merchant, data).order is None  # the payment order is not cached yet
    order = apply_order(merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now()).obj
    assert PayoutOrder.objects.get(payout_order_id="PO-EARLY").order == order
    assert Order.objects.get(pk=order.pk).fulfilment_state == FulfilmentState.REVIEW


def test_the_simulator_demo_links_payouts_only_through_payments(sim_merchant, juspay_sim):
    """Every demo payout order: linked exactly when one of its payments names a cached payment order."""
    from orders import services

    for order_id in juspay_sim.order_ids():
        services.sync_order(sim_merchant, order_id)
    linked = 0
    for payout_id in juspay_sim.payout_order_ids():
        payout = services.sync_payout_order(sim_merchant, payout_id).obj
        assert payout is not None
        named = {str(p.get("id")) for p in payout.raw.get("payments") or []}
        expected = set(Order.objects.filter(merchant=sim_merchant, juspay_id__in=named))
        assert (payout.order in expected) if expected else payout.order is None
        linked += payout.order is not None
    assert linked >= 1


def test_orders_created_in_bulk_adopt_their_payouts_too(merchant, answer):
    from orders.sync import create_orders

    parsed = answer("order_status_charged.json")
    data = payout_answer(orderId="PO-BULK", customerId=parsed.customer_id, payments=[payment_naming(str(parsed.id))])
    stranger = payout_answer(orderId="PO-STRANGER", customerId=parsed.customer_id)
    sync_payout(merchant, data)
    sync_payout(merchant, stranger)
    create_orders(merchant, [(parsed, timezone.now())], source=SyncSource.IMPORT)
    order = Order.objects.get(order_id=parsed.order_id)
    assert PayoutOrder.objects.get(payout_order_id="PO-BULK").order == order
    assert PayoutOrder.objects.get(payout_order_id="PO-STRANGER").order is None  # same customer is no link
    assert order.fulfilment_state == FulfilmentState.DONE
