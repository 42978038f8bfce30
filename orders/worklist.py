"""The orders a person worked on lately, for their home page: opened, noted, refreshed, revealed, or raised a
request on. Opening is kept in `OrderVisit` (one row per person and order); the rest are the timeline events the
person is the actor of. Two bounded queries and one to load the orders, however long the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.utils import timezone

from orders import registry
from orders.models import Order, OrderVisit, TimelineEvent

RECENT = 10
# An order page opened again within this many seconds is not written again: the home's "worked on" list moves
# by the minute, and an agent reloading a page (or its sections' links) costs one cache round trip, not a
# locked upsert in a transaction of its own.
VISIT_EVERY_SECONDS = 60
_SCAN = 200  # the person's latest events read to find RECENT distinct orders


@dataclass(frozen=True)
class Touched:
    order: Order
    at: datetime
    what: str  # "Opened", "Internal note", "Refund raised", …


def record_visit(user: AbstractBaseUser | AnonymousUser, order: Order) -> None:
    """Note that `user` opened `order`'s page (one upsert, at most once a VISIT_EVERY_SECONDS per person and order:
    `cache.add` is atomic, also in Redis, so concurrent page loads write once)."""
    if user.is_authenticated and cache.add(f"orders:visit:{user.pk}:{order.pk}", 1, VISIT_EVERY_SECONDS):
        OrderVisit.objects.update_or_create(user_id=user.pk, order=order, defaults={"at": timezone.now()})


def touched_by(user: AbstractBaseUser | AnonymousUser, *, limit: int = RECENT) -> list[Touched]:
    """The latest orders `user` touched, newest first, each with the last thing they did on it."""
    if not user.is_authenticated:
        return []
    latest: dict[int, tuple[datetime, str]] = {}

    def note(order_pk: int | None, at: datetime, what: str) -> None:
        if order_pk is not None and (order_pk not in latest or latest[order_pk][0] < at):
            latest[order_pk] = (at, what)

    for order_pk, at in (
        OrderVisit.objects.filter(user_id=user.pk).order_by("-at").values_list("order_id", "at")[:limit]
    ):
        note(order_pk, at, "Opened")
    events = TimelineEvent.objects.filter(actor_id=user.pk, order__isnull=False).order_by("-at", "-id")
    for order_pk, at, kind in events.values_list("order_id", "at", "kind")[:_SCAN]:
        note(order_pk, at, registry.event_label(kind))
    newest = sorted(latest.items(), key=lambda item: item[1][0], reverse=True)[:limit]
    orders = Order.objects.visible_to(user).select_related("merchant").in_bulk([pk for pk, _ in newest])
    return [Touched(orders[pk], at, what) for pk, (at, what) in newest if pk in orders]
