"""Recompute the managers' KPI rollups from the cache: orders and refunds (orders.rollups) and requests
(fulfilment.kpi_rollups). Needed once after the migration that adds them, and after changing KPI_TIME_ZONE;
otherwise the sync and the approval services keep them current.

Each part runs in one transaction that locks the rollup tables against writers (reads go on; a sync waits,
then applies its delta on top). The orders are read as tuples, `batch` at a time, with only the pieces of
`raw` the facts need; each order's cells are the sync's own rule (orders.rollups.contribution); rows and cells
go in by COPY on PostgreSQL. At 1M orders: about 160 s of this process's CPU, the rest PostgreSQL's (19 minutes
on the shared 2-core machine under a load average of 17-19; README, "Benchmark").

    python manage.py rebuild_kpis                                       # everything
    python manage.py rebuild_kpis --only fulfilment-cells,request-cells # only the cells read from the
                                                                        # ChargedOrder and RequestFact tables
    python manage.py rebuild_kpis --only payout-cells                   # only the payout orders' cells
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fulfilment import kpi_rollups
from orders import rollups


def _orders() -> str:
    done = rollups.rebuild()
    return (
        f"orders: {done['orders']:,} orders and {done['payouts']:,} payout orders -> {done['buckets']:,} rollup "
        f"cells, {done['turnarounds']:,} refund turnarounds"
    )


def _requests() -> str:
    return f"requests: {kpi_rollups.rebuild():,} request facts, their cells and the first fulfilment times"


def _fulfilment_cells() -> str:
    return f"fulfilment-cells: from {rollups.rebuild_charged_cells():,} charged orders"


def _payout_cells() -> str:
    return f"payout-cells: from {rollups.rebuild_payout_cells():,} payout orders"


def _request_cells() -> str:
    return f"request-cells: from {kpi_rollups.rebuild_request_cells():,} request facts"


PARTS: dict[str, Callable[[], str]] = {
    "orders": _orders,  # every order-derived rollup, the fulfilment cells included
    "requests": _requests,  # request facts, their cells, first fulfilment times, the fulfilment cells
    "fulfilment-cells": _fulfilment_cells,  # only the cells of the ChargedOrder rows
    "request-cells": _request_cells,  # only the cells of the RequestFact rows
    "payout-cells": _payout_cells,  # only the payout orders' cells
}


class Command(BaseCommand):
    help = "Recompute the KPI rollups (orders, refunds, requests) from scratch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only",
            default="",
            help=f"comma-separated parts to rebuild, of: {', '.join(PARTS)} (default: orders,requests)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        parts = [p.strip() for p in options["only"].split(",") if p.strip()] or ["orders", "requests"]
        unknown = [p for p in parts if p not in PARTS]
        if unknown:
            raise CommandError(f"No part {', '.join(unknown)} to rebuild; the parts are {', '.join(PARTS)}.")
        for part in parts:
            started = time.perf_counter()
            said = PARTS[part]()
            self.stdout.write(f"rebuilt {said}, in {time.perf_counter() - started:.1f} s")
