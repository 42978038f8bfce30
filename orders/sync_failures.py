"""Ids Juspay could not be asked about before they were ever cached: recorded, backed off, resolved.

`settle()` is called after a bulk fetch that must not lose ids (an import): every id that failed gets (or
updates) its `SyncFailure` row with the reason and its next try; every id now in the cache is resolved. The
retry itself (orders.failure_retry) runs from the freshness sweep.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from dashboard.models import Merchant
from orders.models import Order, PayoutOrder, SyncFailure, SyncSource

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 12  # 1 min doubling to 6 h: about two days of tries, then it waits for a person


def retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th failure an id is tried again."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def next_try_after(attempts: int, now: datetime) -> datetime | None:
    return None if attempts >= MAX_ATTEMPTS else now + retry_delay(attempts)


def cached_ids(merchant: Merchant, kind: str, ids: Iterable[str]) -> set[str]:
    wanted = list(ids)
    if kind == SyncFailure.Kind.PAYOUT:
        rows = PayoutOrder.objects.filter(merchant=merchant, payout_order_id__in=wanted)
        return set(rows.values_list("payout_order_id", flat=True))
    return set(Order.objects.filter(merchant=merchant, order_id__in=wanted).values_list("order_id", flat=True))


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def remember(merchant: Merchant, kind: str, failed: Mapping[str, str], *, source: str = SyncSource.IMPORT) -> int:
    """Record each failed id with its reason: a new row, or one more attempt (and a later next try) on its row."""
    now = timezone.now()
    ids = list(failed)
    with transaction.atomic():
        for chunk in _chunks(ids):
            existing = {
                row.order_id: row
                for row in SyncFailure.objects.select_for_update().filter(
                    merchant=merchant, kind=kind, order_id__in=chunk
                )
            }
            new = []
            for order_id in chunk:
                reason = failed[order_id][:2000]
                row = existing.get(order_id)
                if row is None:
                    new.append(
                        SyncFailure(
                            merchant=merchant,
                            kind=kind,
                            order_id=order_id,
                            source=source,
                            reason=reason,
                            attempts=1,
                            first_failed_at=now,
                            last_failed_at=now,
                            next_try=next_try_after(1, now),
                        )
                    )
                    continue
                row.attempts = 1 if row.resolved_at else row.attempts + 1
                row.reason, row.last_failed_at, row.resolved_at = reason, now, None
                row.next_try = next_try_after(row.attempts, now)
                row.save(update_fields=["attempts", "reason", "last_failed_at", "resolved_at", "next_try"])
            SyncFailure.objects.bulk_create(new)
    return len(ids)


def resolve(merchant: Merchant, kind: str, ids: Iterable[str]) -> int:
    """Mark the open failures of `ids` resolved (they are in the cache now)."""
    done, now = 0, timezone.now()
    for chunk in _chunks(list(ids)):
        done += SyncFailure.objects.filter(
            merchant=merchant, kind=kind, order_id__in=chunk, resolved_at__isnull=True
        ).update(resolved_at=now, next_try=None)
    return done


def settle(
    merchant: Merchant, kind: str, ids: Iterable[str], failed: Mapping[str, str], *, source: str = SyncSource.IMPORT
) -> None:
    """After a fetch of `ids`: record those in `failed`, resolve those now cached."""
    if failed:
        remember(merchant, kind, failed, source=source)
    succeeded = [i for i in ids if i not in failed]
    if succeeded and SyncFailure.objects.filter(merchant=merchant, kind=kind, resolved_at__isnull=True).exists():
        resolve(merchant, kind, cached_ids(merchant, kind, succeeded))


def due(merchant: Merchant, kind: str, *, limit: int, now: datetime | None = None) -> list[str]:
    """Open failures whose next try has come, oldest first."""
    return list(
        SyncFailure.objects.filter(
            merchant=merchant, kind=kind, resolved_at__isnull=True, next_try__lte=now or timezone.now()
        )
        .order_by("next_try")
        .values_list("order_id", flat=True)[:limit]
    )
