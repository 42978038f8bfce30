"""Benchmark bulk sync against the simulator with Juspay's latency profile; prints orders/s and p50/p99."""

import statistics
import time

from django.core.management.base import BaseCommand, CommandParser

from dashboard.models import Merchant
from dashboard.simulator_process import start_simulator
from orders.bulk import BulkReport, sync_many
from orders.models import Order, PayoutOrder, SyncSource


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Command(BaseCommand):
    help = "Sync N simulator orders with bounded concurrency; print throughput and per-order latency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=10_000)
        parser.add_argument("--concurrency", type=int, default=64)
        parser.add_argument("--latency", choices=["juspay", "none"], default="juspay")
        parser.add_argument("--passes", type=int, default=2, help="1st pass inserts, later passes find no change")
        parser.add_argument("--keep", action="store_true", help="keep the bench merchant's orders afterwards")

    def handle(
        self, *args: str, orders: int, concurrency: int, latency: str, passes: int, keep: bool, **options: object
    ) -> None:
        started = time.perf_counter()
        sim = start_simulator(
            orders=orders, seed=4242, speed=0, latency=latency, api_key="sk_bench_key", merchant_id="bench_merchant"
        )
        self.stdout.write(
            f"simulator up with {orders} orders in {time.perf_counter() - started:.1f} s (latency profile: {latency})"
        )
        merchant, _ = Merchant.objects.update_or_create(
            code="bench",
            defaults={
                "name": "Benchmark (simulator)",
                "base_url": sim.base_url,
                "api_key": sim.api_key,
                "merchant_id": sim.merchant_id,
                "is_default": False,
                "is_active": False,
            },
        )
        self._clear(merchant)
        try:
            ids = sim.order_ids()
            for n in range(1, passes + 1):
                report = sync_many(merchant, ids, concurrency=concurrency, source=SyncSource.IMPORT)
                self._print(n, report, concurrency)
        finally:
            sim.stop()
            if not keep:
                self._clear(merchant)

    def _clear(self, merchant: Merchant) -> None:
        PayoutOrder.objects.filter(merchant=merchant).delete()
        Order.objects.filter(merchant=merchant).delete()

    def _print(self, n: int, report: BulkReport, concurrency: int) -> None:
        total = report.synced + report.errors
        rate = total / report.elapsed if report.elapsed else 0.0
        mean = statistics.fmean(report.latencies) if report.latencies else 0.0
        self.stdout.write(
            f"pass {n}: {total} orders in {report.elapsed:.2f} s = {rate:.0f} orders/s "
            f"(concurrency {concurrency}; concurrency/mean latency = {concurrency / mean if mean else 0:.0f}/s); "
            f"fetch latency p50 {percentile(report.latencies, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(report.latencies, 0.99) * 1000:.1f} ms, mean {mean * 1000:.1f} ms; "
            f"{report.changes} change(s), {report.errors} error(s)"
        )
        for sample in report.error_samples:
            self.stdout.write(f"  error: {sample}")
