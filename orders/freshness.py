"""How soon an order is synced again: often while something is moving, rarely once all is final.

Young open orders are polled every minute, older ones less often; failures back off exponentially; terminal
orders are re-checked daily, since refunds and fulfilments can still be raised outside the dashboard.
"""

from datetime import datetime, timedelta

from django.utils import timezone

OPEN_SCHEDULE: list[tuple[timedelta, timedelta]] = [
    (timedelta(hours=1), timedelta(minutes=1)),
    (timedelta(days=1), timedelta(minutes=5)),
    (timedelta(days=10), timedelta(minutes=30)),
]
OPEN_OLD = timedelta(hours=6)
TERMINAL = timedelta(hours=24)
MAX_BACKOFF = timedelta(hours=6)


def sync_interval(age: timedelta, *, is_open: bool, failures: int = 0) -> timedelta:
    if not is_open:
        base = TERMINAL
    else:
        base = next((every for limit, every in OPEN_SCHEDULE if age < limit), OPEN_OLD)
    if failures:
        base = min(base * (2 ** min(failures, 10)), max(MAX_BACKOFF, base))
    return base


def next_sync_at(
    created: datetime | None, *, is_open: bool, failures: int = 0, now: datetime | None = None
) -> datetime:
    now = now or timezone.now()
    age = now - created if created else timedelta(0)
    return now + sync_interval(age, is_open=is_open, failures=failures)
