"""What we derive from Juspay's statuses to filter and schedule on: an order's refund and fulfilment summaries,
and whether something on an order or payout order is still moving (`is_open`, which drives orders.freshness).

Juspay documents each status (https://juspay.io/api-reference/docs/express-checkout/order-status-api for
orders and refunds); a status we do not know yet counts as still moving, so it keeps being synced.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from dashboard.juspay.enums import OrderStatus, PayoutFulfillmentStatus, PayoutOrderStatus, RefundStatus
from orders.models import FulfilmentState, RefundState

_FULFILMENT_DONE = {PayoutFulfillmentStatus.SUCCESS}
_FULFILMENT_CLOSED = _FULFILMENT_DONE | {
    PayoutFulfillmentStatus.FAILURE,
    PayoutFulfillmentStatus.CANCELLED,
    PayoutFulfillmentStatus.DISCARDED,
}


def refund_state(
    refunds: Iterable[tuple[str, Decimal | None]],
    order_amount: Decimal | None,
    *,
    effective_amount: Decimal | None = None,
    refunded: bool = False,
) -> RefundState:
    """The summary of an order's refunds, given each refund's (status, amount), the order's amounts and Juspay's
    `refunded` flag.

    Juspay's Order Status documents `refunded` as "true if the order has been completely refunded, false for
    partial refunds or if the order doesn't have any refunds": when Juspay says so, the order is fully refunded,
    whatever our sum says. Otherwise what succeeded is compared with what the customer paid: the effective
    amount (after offer discounts, with any surcharge), falling back to the order amount when Juspay sent none.
    A discounted order refunded in full has refunds summing to its effective amount, below its amount.
    """
    refunds = list(refunds)
    if not refunds:
        return RefundState.FULL if refunded else RefundState.NONE
    statuses = {status for status, _ in refunds}
    if RefundStatus.MANUAL_REVIEW in statuses:
        return RefundState.REVIEW
    if RefundStatus.PENDING in statuses or not statuses <= set(RefundStatus):
        return RefundState.PENDING
    if refunded:
        return RefundState.FULL
    succeeded = sum((amount or Decimal(0) for status, amount in refunds if status == RefundStatus.SUCCESS), Decimal(0))
    if succeeded == 0:
        return RefundState.FAILED
    paid = effective_amount if effective_amount is not None else order_amount
    if paid is not None and succeeded >= paid:
        return RefundState.FULL
    return RefundState.PARTIAL


def fulfilment_state(statuses: Iterable[str]) -> FulfilmentState:
    """The summary of the fulfilments of an order's payout orders, given their statuses."""
    found = set(statuses)
    if not found:
        return FulfilmentState.NONE
    if PayoutFulfillmentStatus.MANUAL_REVIEW in found:
        return FulfilmentState.REVIEW
    if not found <= _FULFILMENT_CLOSED:
        return FulfilmentState.OPEN
    return FulfilmentState.DONE if found & _FULFILMENT_DONE else FulfilmentState.FAILED


def order_is_open(status: str, refund_st: str, fulfilment_st: str) -> bool:
    """Is the payment, a refund or a fulfilment of this order still moving?"""
    info = OrderStatus.lookup(status)
    payment_moving = info is None or info.terminal is not True
    return (
        payment_moving
        or refund_st in {RefundState.PENDING, RefundState.REVIEW}
        or fulfilment_st in {FulfilmentState.OPEN, FulfilmentState.REVIEW}
    )


def payout_is_open(status: str, fulfilment_statuses: Iterable[str]) -> bool:
    """Is the payout order itself, or one of its fulfilments, still moving?"""
    info = PayoutOrderStatus.lookup(status)
    return (
        info is None
        or info.outcome == "pending"
        or fulfilment_state(fulfilment_statuses) in {FulfilmentState.OPEN, FulfilmentState.REVIEW}
    )
