"""What the audit page needs from orders (dashboard.audit_registry): its verbs, the orders and payout orders an
id people know names, and links to their pages."""

from __future__ import annotations

from dashboard.audit_registry import Viewer
from orders.models import Order, PayoutOrder
from orders.views.common import order_url
from orders.views.payouts import payout_url

VERBS = {
    "order.refresh": "Order refreshed from Juspay",
    "order.note_added": "Note added",
    "order.pii_revealed": "Customer details revealed",
    "order.export": "Orders exported",
    "payout.refresh": "Payout order refreshed from Juspay",
    "payout.pii_revealed": "Payout personal details revealed",
}
FINDS = 20  # an order id is unique per merchant: a handful at most


def find(text: str) -> list[tuple[str, str]]:
    """The orders and payout orders with this merchant order id / payout order id (indexed equalities)."""
    orders = Order.objects.filter(order_id=text).values_list("pk", flat=True)[:FINDS]
    payouts = PayoutOrder.objects.filter(payout_order_id=text).values_list("pk", flat=True)[:FINDS]
    return [("orders.order", str(pk)) for pk in orders] + [("orders.payoutorder", str(pk)) for pk in payouts]


def order_links(ids: list[str], viewer: Viewer) -> dict[str, str]:
    """Links to the orders `viewer` may open: another merchant's order has none (its page answers 404)."""
    rows = Order.objects.visible_to(viewer).select_related("merchant").in_bulk([int(pk) for pk in ids if pk.isdigit()])
    return {str(pk): order_url(order) for pk, order in rows.items()}


def payout_links(ids: list[str], viewer: Viewer) -> dict[str, str]:
    visible = PayoutOrder.objects.visible_to(viewer).select_related("merchant")
    rows = visible.in_bulk([int(pk) for pk in ids if pk.isdigit()])
    return {str(pk): payout_url(payout) for pk, payout in rows.items()}
