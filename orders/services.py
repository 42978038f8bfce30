"""Order operations the pages, commands and tasks share: sync one order, look one up live, refresh now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from dashboard.juspay.client import JuspayClient
from dashboard.juspay.errors import JuspayError
from dashboard.juspay_access import client_for
from dashboard.models import Merchant
from orders import events, sync
from orders.models import Order, PayoutOrder, SyncSource


def _customer_of(merchant: Merchant, order_id: str) -> str | None:
    value = Order.objects.filter(merchant=merchant, order_id=order_id).values_list("customer_id", flat=True).first()
    return value or None


def _fetch_and_apply(
    merchant: Merchant,
    key: str,
    fetch: Callable[[JuspayClient], Any],
    apply: Callable[..., sync.SyncResult],
    model: type,
    key_field: str,
    *,
    source: str,
    actor: Any,
    client: JuspayClient | None,
) -> sync.SyncResult:
    """Fetch outside any transaction, then apply. A Juspay failure is recorded on the cached row (if any)
    and returned in `error`, never half-applied."""
    fetched_at = timezone.now()
    try:
        if client is not None:
            parsed = fetch(client)
        else:
            with client_for(merchant) as juspay:
                parsed = fetch(juspay)
    except JuspayError as exc:
        return sync.SyncResult(None, error=sync.record_failure(model, merchant, key_field, key, exc))
    return apply(merchant, parsed, source=source, fetched_at=fetched_at, actor=actor)


def sync_order(
    merchant: Merchant,
    order_id: str,
    *,
    source: str = SyncSource.JUSPAY_POLL,
    actor: Any = None,
    client: JuspayClient | None = None,
) -> sync.SyncResult:
    """Fetch one order from Juspay and apply it (`client`: reuse an open client)."""
    customer_id = _customer_of(merchant, order_id)
    return _fetch_and_apply(
        merchant,
        order_id,
        lambda juspay: juspay.order_status(order_id, customer_id=customer_id),
        sync.apply_order,
        Order,
        "order_id",
        source=source,
        actor=actor,
        client=client,
    )


def sync_payout_order(
    merchant: Merchant,
    payout_order_id: str,
    *,
    source: str = SyncSource.JUSPAY_POLL,
    actor: Any = None,
    client: JuspayClient | None = None,
) -> sync.SyncResult:
    return _fetch_and_apply(
        merchant,
        payout_order_id,
        lambda juspay: juspay.payout_order_status(payout_order_id),
        sync.apply_payout_order,
        PayoutOrder,
        "payout_order_id",
        source=source,
        actor=actor,
        client=client,
    )


def refresh_now(order: Order, *, actor: Any) -> sync.SyncResult:
    """Support's "refresh now": re-sync the order and its payouts at once, noted on the timeline."""
    with transaction.atomic():
        events.refresh_requested(order, actor=actor).save()
    result = sync_order(order.merchant, order.order_id, source=SyncSource.DASHBOARD, actor=actor)
    for payout_id in order.payout_orders.values_list("payout_order_id", flat=True):
        sync_payout_order(order.merchant, payout_id, source=SyncSource.DASHBOARD, actor=actor)
    return result


def lookup_live(merchant: Merchant, order_id: str, *, actor: Any) -> sync.SyncResult:
    """Someone asked for an order the cache does not have: ask Juspay, cache it when it exists."""
    return sync_order(merchant, order_id, source=SyncSource.DASHBOARD, actor=actor)
