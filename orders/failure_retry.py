"""The freshness sweep's second half: try again the ids recorded as `SyncFailure` whose next try has come.

Each try goes through the same bulk sync an import uses, with `remember_failures`, so a success resolves the row
(the id is cached now, and from then on the freshness schedule keeps it) and a failure counts one more attempt
and backs the next try off (orders.sync_failures).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.models import Merchant
from orders import sync_failures
from orders.bulk import sync_many, sync_many_payouts
from orders.models import SyncFailure, SyncSource


@dataclass
class RetryTotals:
    tried: int = 0
    resolved: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"tried": self.tried, "resolved": self.resolved, "failed": self.failed}


def retry_due(merchant: Merchant, *, limit: int, concurrency: int) -> RetryTotals:
    """Fetch again every recorded failure of `merchant` that is due (at most `limit` of each kind)."""
    totals = RetryTotals()
    order_ids = sync_failures.due(merchant, SyncFailure.Kind.ORDER, limit=limit)
    if order_ids:
        report = sync_many(
            merchant, order_ids, concurrency=concurrency, source=SyncSource.IMPORT, remember_failures=True
        )
        totals.tried += len(order_ids)
        totals.failed += len(report.failed)
        totals.resolved += len(order_ids) - len(report.failed)
    payout_ids = sync_failures.due(merchant, SyncFailure.Kind.PAYOUT, limit=limit)
    if payout_ids:
        report = sync_many_payouts(
            merchant, payout_ids, concurrency=concurrency, source=SyncSource.IMPORT, remember_failures=True
        )
        totals.tried += len(payout_ids)
        totals.failed += len(report.failed)
        totals.resolved += len(payout_ids) - len(report.failed)
    return totals
