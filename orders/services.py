"""Order operations the pages, commands and tasks share: sync one order, look one up live, refresh now."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from dashboard import audit
from dashboard.juspay.client import JuspayClient
from dashboard.juspay.errors import JuspayError
from dashboard.juspay_access import client_for
from dashboard.models import Merchant
from orders import events, sync
from orders.events import Actor
from orders.models import Order, PayoutOrder, SyncSource
from orders.sync import SyncResult


def _customer_of(merchant: Merchant, order_id: str) -> str | None:
    value = Order.objects.filter(merchant=merchant, order_id=order_id).values_list("customer_id", flat=True).first()
    return value or None


def _ask_juspay[Answer](
    merchant: Merchant, client: JuspayClient | None, ask: Callable[[JuspayClient], Answer]
) -> Answer:
    """Ask with `client` when the caller has one open, else with a client opened for the merchant and closed after."""
    if client is not None:
        return ask(client)
    with client_for(merchant) as juspay:
        return ask(juspay)


def sync_order(
    merchant: Merchant,
    order_id: str,
    *,
    source: str = SyncSource.JUSPAY_POLL,
    actor: Actor = None,
    client: JuspayClient | None = None,
    full_gateway_response: bool = False,
) -> SyncResult[Order]:
    """Fetch one order from Juspay (outside any transaction), then apply it. A Juspay failure is recorded on the
    cached order (if any) and returned in `failure`, never half-applied. `client`: reuse an open client.
    `full_gateway_response`: ask Order Status for the gateway's own answer too (its documented query parameter
    `options.add_full_gateway_response=true`), as a person's Refresh does; the sweep and bulk sync do not."""
    customer_id = _customer_of(merchant, order_id)
    fetched_at = timezone.now()
    try:
        parsed = _ask_juspay(
            merchant,
            client,
            lambda juspay: juspay.order_status(
                order_id, customer_id=customer_id, full_gateway_response=full_gateway_response
            ),
        )
    except JuspayError as exc:
        sync.record_failure(Order, merchant, "order_id", order_id, exc)
        return SyncResult(None, failure=exc)
    return sync.apply_order(merchant, parsed, source=source, fetched_at=fetched_at, actor=actor)


def sync_payout_order(
    merchant: Merchant,
    payout_order_id: str,
    *,
    source: str = SyncSource.JUSPAY_POLL,
    actor: Actor = None,
    client: JuspayClient | None = None,
) -> SyncResult[PayoutOrder]:
    """The same for a payout order (Juspay's payout Order Status)."""
    fetched_at = timezone.now()
    try:
        parsed = _ask_juspay(merchant, client, lambda juspay: juspay.payout_order_status(payout_order_id))
    except JuspayError as exc:
        sync.record_failure(PayoutOrder, merchant, "payout_order_id", payout_order_id, exc)
        return SyncResult(None, failure=exc)
    return sync.apply_payout_order(merchant, parsed, source=source, fetched_at=fetched_at, actor=actor)


def refresh_now(order: Order, *, actor: Actor) -> SyncResult[Order]:
    """Support's "refresh now": re-sync the order (with the full gateway response) and its payouts at once, noted
    on the timeline."""
    with transaction.atomic():
        events.refresh_requested(order, actor=actor).save()
    result = sync_order(
        order.merchant, order.order_id, source=SyncSource.DASHBOARD, actor=actor, full_gateway_response=True
    )
    for payout_id in order.payout_orders.values_list("payout_order_id", flat=True):
        sync_payout_order(order.merchant, payout_id, source=SyncSource.DASHBOARD, actor=actor)
    audit.record(  # after the sync: the event says what it found (the sync writes in its own transactions)
        "order.refresh",
        actor=actor,
        obj=order,
        after={"error": result.error or None},
        summary=f"refresh of order {order.order_id} asked for"
        + (" (Juspay failed)" if result.error else f": {len(result.events)} change(s)"),
    )
    return result


def refresh_payout_now(payout: PayoutOrder, *, actor: Actor) -> SyncResult[PayoutOrder]:
    """ "Refresh now" on a payout page: re-fetch the payout order from Juspay, noted on its timeline and audited."""
    with transaction.atomic():
        events.payout_refresh_requested(payout, actor=actor).save()
    result = sync_payout_order(payout.merchant, payout.payout_order_id, source=SyncSource.DASHBOARD, actor=actor)
    audit.record(
        "payout.refresh",
        actor=actor,
        obj=payout,
        after={"error": result.error or None},
        summary=f"refresh of payout order {payout.payout_order_id} asked for"
        + (" (Juspay failed)" if result.error else f": {len(result.events)} change(s)"),
    )
    return result


def lookup_live_payout(merchant: Merchant, payout_order_id: str, *, actor: Actor) -> SyncResult[PayoutOrder]:
    """Someone asked for a payout order the cache does not have: ask Juspay's payout Order Status."""
    return sync_payout_order(merchant, payout_order_id, source=SyncSource.DASHBOARD, actor=actor)


def lookup_live(merchant: Merchant, order_id: str, *, actor: Actor) -> SyncResult[Order]:
    """Someone asked for an order the cache does not have: ask Juspay, cache it when it exists."""
    return sync_order(merchant, order_id, source=SyncSource.DASHBOARD, actor=actor)
