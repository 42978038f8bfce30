"""Recompute the managers' KPI rollups from the cache: orders and refunds (orders.rollups) and requests
(fulfilment.kpi_rollups). Needed once after the migration that adds them, and after changing KPI_TIME_ZONE;
otherwise the sync and the approval services keep them current."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from fulfilment import kpi_rollups
from orders import rollups


class Command(BaseCommand):
    help = "Recompute the KPI rollups (orders, refunds, requests) from scratch."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        done = rollups.rebuild()
        requests = kpi_rollups.rebuild()
        self.stdout.write(
            f"rebuilt from {done['orders']:,} orders, {done['payouts']:,} payout orders and {requests:,} requests: "
            f"{done['buckets']:,} rollup cells, "
            f"{done['turnarounds']:,} refund turnarounds, in {time.perf_counter() - started:.1f} s"
        )
