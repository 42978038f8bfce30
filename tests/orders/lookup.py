"""Helpers for the order-lookup tests: recent dates, payout orders of a cached order."""

import copy
from datetime import timedelta

from django.utils import timezone

from tests.juspay.examples import example


def days_ago(days: float) -> str:
    """A Juspay timestamp `days` before now (Juspay's format: UTC, Z, no fraction)."""
    return (timezone.now() - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def cached_payout(
    merchant,
    order_id: str,
    *,
    fulfilment_status: str = "SUCCESS",
    fulfilments: int = 1,
    payout_order_id: str | None = None,
    link: str = "payment",
    **changes,
):
    """A payout order of the cached order `order_id`, built by the real sync code. `link="payment"`: its
    payments[] name the order by Juspay's order id (the documented link); `"customer"`: only the same customer
    id; `""`: nothing shared."""
    from dashboard.juspay.types_payout import PayoutOrder
    from orders.models import Order, SyncSource
    from orders.sync import apply_payout_order

    data = copy.deepcopy(example("payout_order_status_fulfillment.json"))
    data.update({"orderId": payout_order_id or f"PO-{order_id}"})
    order = Order.objects.filter(merchant=merchant, order_id=order_id).first()
    if order is not None and link:
        data["customerId"] = order.customer_id
    if order is not None and link == "payment":
        payment = copy.deepcopy(example("payout_order_status_payment.json")["payments"][0])
        payment.update({"id": order.juspay_id, "merchantCustomerId": order.customer_id})
        data.update({"type": "PAY_AND_FULFILL", "payments": [payment]})
    data.update(changes)
    template = data["fulfillments"][0]
    data["fulfillments"] = []
    for n in range(fulfilments):
        item = copy.deepcopy(template)
        item["id"] = f"{data['orderId']}-f{n + 1}"
        item["status"] = fulfilment_status
        item["transactions"][0]["transactionRef"] = f"{data['orderId']}-f{n + 1}-t1"
        item["transactions"][0]["gatewayRefId"] = f"UTR{n + 1:04d}{order_id}"
        item["transactions"][0]["status"] = fulfilment_status
        data["fulfillments"].append(item)
    return apply_payout_order(
        merchant, PayoutOrder.parse(data), source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now()
    ).obj


def refunds(n: int, *, status: str = "SUCCESS", amount: float = 10.0) -> list[dict]:
    return [
        {
            "id": f"rf_{i}",
            "unique_request_id": f"RFD-{i:04d}",
            "ref": f"r{i}",
            "amount": amount,
            "status": status,
            "sent_to_gateway": status != "PENDING",
            "refund_type": "STANDARD",
            "created": "2024-06-12T10:00:00Z",
        }
        for i in range(n)
    ]
