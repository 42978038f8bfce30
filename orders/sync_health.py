"""How well the cache keeps up with Juspay, as Admin's sync health page shows it (the orders half: fulfilment's
sync_health adds the stuck requests): the last successful sync per merchant, the ids that fail (never cached,
and cached but failing), the webhooks whose refresh failed. `attention()` is the navigation's count: one query
over bounded subqueries on indexed columns, each counting at most `CAP` rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Max, QuerySet

from dashboard.merchant_scope import Viewer, visible_merchants
from dashboard.models import Merchant
from orders.models import Order, PayoutOrder, SyncFailure, WebhookEvent

LIST_LIMIT = 100
CAP = 100  # counts stop here ("100+")


@dataclass(frozen=True)
class MerchantSync:
    merchant: Merchant
    last_order_sync: datetime | None
    last_payout_sync: datetime | None
    failing_orders: int  # cached, last sync failed (capped)
    open_failures: int  # never cached, recorded (capped)

    @property
    def last_sync(self) -> datetime | None:
        times = [t for t in (self.last_order_sync, self.last_payout_sync) if t is not None]
        return max(times, default=None)


@dataclass(frozen=True)
class Capped[Row]:
    """Up to LIST_LIMIT rows and how many there are (counted up to CAP)."""

    rows: list[Row]
    count: int

    @property
    def more(self) -> bool:
        return self.count > len(self.rows)

    @property
    def label(self) -> str:
        return f"{CAP}+" if self.count >= CAP else str(self.count)


@dataclass(frozen=True)
class OrdersHealth:
    merchants: list[MerchantSync]
    failures: Capped[SyncFailure]  # open SyncFailure rows
    failing_orders: Capped[Order]
    failing_payouts: Capped[PayoutOrder]
    webhooks: Capped[WebhookEvent]

    @property
    def attention(self) -> int:
        return self.failures.count + self.failing_orders.count + self.failing_payouts.count + self.webhooks.count


def capped_count(queryset: QuerySet) -> int:
    """COUNT over at most CAP rows: bounded whatever the table holds."""
    return len(queryset.values_list("pk", flat=True)[:CAP])


def capped_total(querysets: list[QuerySet]) -> int:
    """The sum of `capped_count` over `querysets`, in one query (the navigation's count costs one round trip)."""
    if not querysets:
        return 0
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets:
        sql, part_params = queryset.values_list("pk", flat=True)[:CAP].query.sql_with_params()
        # the SQL is Django's own compilation of our querysets, its values passed as parameters
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{len(parts)})")  # noqa: S608
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + " + ".join(parts), params)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def attention_querysets(viewer: Viewer) -> list[QuerySet]:
    """What the navigation's count adds up (fulfilment adds its stuck requests), of `viewer`'s merchants."""
    return [open_failures(viewer), failing_orders(viewer), failing_payouts(viewer), webhooks_with_errors(viewer)]


def open_failures(viewer: Viewer) -> QuerySet[SyncFailure]:
    return SyncFailure.objects.visible_to(viewer).filter(resolved_at__isnull=True)


def failing_orders(viewer: Viewer) -> QuerySet[Order]:
    return Order.objects.visible_to(viewer).filter(sync_failures__gt=0)


def failing_payouts(viewer: Viewer) -> QuerySet[PayoutOrder]:
    return PayoutOrder.objects.visible_to(viewer).filter(sync_failures__gt=0)


def webhooks_with_errors(viewer: Viewer) -> QuerySet[WebhookEvent]:
    """Stored webhooks whose refresh failed and has not succeeded since (being retried, or given up)."""
    return WebhookEvent.objects.visible_to(viewer).filter(processed_at__isnull=True, attempts__gt=0)


def _capped[Row](queryset: QuerySet, order: tuple[str, ...]) -> Capped[Row]:
    return Capped(rows=list(queryset.order_by(*order)[:LIST_LIMIT]), count=capped_count(queryset))


def merchant_sync(merchant: Merchant) -> MerchantSync:
    return MerchantSync(
        merchant=merchant,
        last_order_sync=Order.objects.filter(merchant=merchant).aggregate(at=Max("last_synced_at"))["at"],
        last_payout_sync=PayoutOrder.objects.filter(merchant=merchant).aggregate(at=Max("last_synced_at"))["at"],
        failing_orders=capped_count(failing_orders(None).filter(merchant=merchant)),
        open_failures=capped_count(open_failures(None).filter(merchant=merchant)),
    )


def orders_health(viewer: Viewer) -> OrdersHealth:
    """The orders half of the sync health page, for `viewer`'s merchants (dashboard/merchant_scope.py)."""
    return OrdersHealth(
        merchants=[merchant_sync(m) for m in visible_merchants(viewer).filter(is_active=True).order_by("code")],
        failures=_capped(open_failures(viewer).select_related("merchant"), ("next_try", "-last_failed_at")),
        failing_orders=_capped(failing_orders(viewer).select_related("merchant"), ("-sync_failures", "next_sync_at")),
        failing_payouts=_capped(failing_payouts(viewer).select_related("merchant"), ("-sync_failures", "next_sync_at")),
        webhooks=_capped(webhooks_with_errors(viewer).select_related("merchant"), ("-received_at",)),
    )


def attention(viewer: Viewer) -> int:
    """What needs a look, for the navigation's count: one query over four bounded subqueries."""
    return capped_total(attention_querysets(viewer))
