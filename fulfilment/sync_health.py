"""Admin's sync health page, composed: the orders half (orders.sync_health: last syncs, failing ids, webhooks with
errors) and the requests that are stuck (approved or sending and untouched past FULFILMENT_STALL_SECONDS, or
parked `unresolved` for a person). fulfilment is the top domain, so it may read orders; orders never names it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from dashboard.merchant_scope import Viewer
from fulfilment.models import ActionRequest, ActionState
from orders import sync_health
from orders.sync_health import Capped, OrdersHealth


@dataclass(frozen=True)
class SyncHealth:
    orders: OrdersHealth
    stuck: Capped[ActionRequest]
    stall_seconds: float
    checked_at: datetime

    @property
    def attention(self) -> int:
        return self.orders.attention + self.stuck.count


def stuck_requests(viewer: Viewer, now: datetime | None = None) -> QuerySet[ActionRequest]:
    """Approved or sending and untouched too long (the executor should have finished; the stalled sweep will pick
    it up), or parked `unresolved` (a person must settle it)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.FULFILMENT_STALL_SECONDS)
    return ActionRequest.objects.visible_to(viewer).filter(
        Q(state__in=(ActionState.APPROVED, ActionState.SENDING), updated_at__lte=cutoff)
        | Q(state=ActionState.UNRESOLVED)
    )


def page(viewer: Viewer) -> SyncHealth:
    """The page as `viewer` may see it: only their merchants' syncs, failures, webhooks and requests."""
    stuck = stuck_requests(viewer).select_related("order", "merchant")
    return SyncHealth(
        orders=sync_health.orders_health(viewer),
        stuck=Capped(
            rows=list(stuck.order_by("updated_at")[: sync_health.LIST_LIMIT]), count=sync_health.capped_count(stuck)
        ),
        stall_seconds=settings.FULFILMENT_STALL_SECONDS,
        checked_at=timezone.now(),
    )


def attention(viewer: Viewer) -> int:
    """The navigation's count: one query over bounded subqueries (see orders.sync_health.attention)."""
    return sync_health.capped_total([*sync_health.attention_querysets(viewer), stuck_requests(viewer)])
