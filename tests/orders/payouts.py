"""Helpers for the payout tests: payout orders in the cache, built from the project's payloads by the real sync."""

import copy

from django.utils import timezone

from tests.juspay.examples import example


def payout_answer(name: str = "payout_order_status_fulfillment.json", **changes) -> dict:
    """A payout Order Status payload (tests/juspay/payloads/), with top-level keys replaced."""
    data = copy.deepcopy(example(name))
    data.update(changes)
    return data


def with_payments_and_refunds(data: dict) -> dict:
    """The fulfilment payload with the payment payload's payments[] and the refund payload's refunds[] added."""
    data = copy.deepcopy(data)
    data["payments"] = copy.deepcopy(example("payout_order_status_payment.json")["payments"])
    data["refunds"] = copy.deepcopy(example("payout_order_status_refund.json")["refunds"])
    return data


def sync_payout(merchant, data: dict):
    from dashboard.juspay.types_payout import PayoutOrder
    from orders.models import SyncSource
    from orders.sync import apply_payout_order

    return apply_payout_order(
        merchant, PayoutOrder.parse(data), source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now()
    ).obj


def fulfillment_item(data: dict, index: int = 0) -> dict:
    return data["fulfillments"][index]
