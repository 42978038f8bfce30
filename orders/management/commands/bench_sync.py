"""Benchmark bulk sync against the simulator with Juspay's latency profile; prints orders/s and p50/p99.

`--workers 1,2,4` runs the chunked bulk sync (orders.sync_runs) through that many real Celery worker processes
(PostgreSQL and a broker required), first import and re-sync separately. `--memory 100000,1000000` prints the
peak RSS of an `import_orders` child process for files of that many ids.
"""

import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.models import Merchant
from dashboard.simulator_process import SimulatorProcess, start_simulator
from orders import sync_runs
from orders.bulk import BulkReport, sync_many
from orders.management.bench_workers import (
    REPO,
    celery_workers,
    cpu_seconds,
    cpu_share,
    host_busy_seconds,
    peak_rss_mib,
    purge,
)
from orders.models import Order, PayoutOrder, SyncRun, SyncSource
from orders.tasks import start_bulk_sync


def counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _load() -> str:
    """The 1-minute load average, printed beside every rate: on a shared machine it says how far to trust it."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"


def _shares(elapsed: float, ours: float, simulator: float, host: float, who: str) -> str:
    """Who used the host's cores while a step ran: ours (the workers'), the simulator's, and the whole host's
    (the database, other work). A host near 100% busy is the limit, whatever the worker count."""
    return (
        f"{who} {cpu_share(ours, elapsed)}, simulator {cpu_share(simulator, elapsed)}, "
        f"whole host busy {cpu_share(host, elapsed)}"
    )


class Command(BaseCommand):
    help = "Sync N simulator orders with bounded concurrency; print throughput and per-order latency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=10_000)
        parser.add_argument("--concurrency", type=int, default=64)
        parser.add_argument("--latency", choices=["juspay", "none"], default="juspay")
        parser.add_argument("--passes", type=int, default=2, help="1st pass inserts, later passes find no change")
        parser.add_argument("--keep", action="store_true", help="keep the bench merchant's orders afterwards")
        parser.add_argument("--sim-port", type=int, default=0, help="the simulator's port (default: a free one)")
        parser.add_argument(
            "--workers", type=counts, default=None, help="e.g. 1,2,4: chunked sync through that many worker processes"
        )
        parser.add_argument("--chunk-size", type=int, default=sync_runs.CHUNK_SIZE)
        parser.add_argument(
            "--memory", type=counts, default=None, help="e.g. 100000,1000000: import_orders peak RSS for that many ids"
        )

    def handle(
        self,
        *args: str,
        orders: int,
        concurrency: int,
        latency: str,
        passes: int,
        keep: bool,
        sim_port: int,
        workers: list[int] | None,
        chunk_size: int,
        memory: list[int] | None,
        **options: object,
    ) -> None:
        if (workers or memory) and settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError(
                "--workers and --memory need a broker: set CELERY_BROKER_URL (and a PostgreSQL DATABASE_URL)"
            )
        if memory:
            self._memory(memory, chunk_size)
            if not workers:
                return
        started = time.perf_counter()
        sim = start_simulator(
            port=sim_port or None,
            orders=orders,
            seed=4242,
            speed=0,
            latency=latency,
            api_key="sk_bench_key",
            merchant_id="bench_merchant",
            ready_timeout=300,  # a loaded shared machine
        )
        self.stdout.write(
            f"simulator up with {orders} orders in {time.perf_counter() - started:.1f} s (latency profile: {latency})"
        )
        merchant = self._merchant(sim)
        self._clear(merchant)
        try:
            ids = sim.order_ids()
            if workers:
                for count in workers:
                    self._scale_out(merchant, ids, count, concurrency, chunk_size, sim.process.pid)
                return
            for n in range(1, passes + 1):
                cpu, sim_cpu, host = time.process_time(), cpu_seconds([sim.process.pid]), host_busy_seconds()
                report = sync_many(merchant, ids, concurrency=concurrency, source=SyncSource.IMPORT)
                cpu, sim_cpu = time.process_time() - cpu, cpu_seconds([sim.process.pid]) - sim_cpu
                self._print(n, report, concurrency, cpu, sim_cpu)
                self.stdout.write("  " + _shares(report.elapsed, cpu, sim_cpu, host_busy_seconds() - host, "ours"))
        finally:
            sim.stop()
            if not keep:
                self._clear(merchant)

    def _merchant(self, sim: SimulatorProcess | None) -> Merchant:
        merchant, _ = Merchant.objects.update_or_create(
            code="bench",
            defaults={
                "name": "Benchmark (simulator)",
                "base_url": sim.base_url if sim else "http://127.0.0.1:9",
                "api_key": sim.api_key if sim else "sk_bench_key",
                "merchant_id": sim.merchant_id if sim else "bench_merchant",
                "is_default": False,
                "is_active": False,
            },
        )
        return merchant

    def _clear(self, merchant: Merchant) -> None:
        PayoutOrder.objects.filter(merchant=merchant).delete()
        Order.objects.filter(merchant=merchant).delete()
        SyncRun.objects.filter(merchant=merchant).delete()

    def _scale_out(
        self, merchant: Merchant, ids: list[str], count: int, concurrency: int, chunk_size: int, sim_pid: int
    ) -> None:
        """First import then re-sync of `ids`, in chunks, through `count` real worker processes."""
        self._clear(merchant)
        with celery_workers(count, log_dir=REPO / "data" / "bench-sync") as pids:
            rates, shares = [], []
            for kind in (SyncRun.Kind.IMPORT, SyncRun.Kind.SYNC):
                began, cpu, sim_cpu = time.perf_counter(), cpu_seconds(pids), cpu_seconds([sim_pid])
                host = host_busy_seconds()
                run = start_bulk_sync(
                    merchant, ids, kind=kind, source=SyncSource.IMPORT, concurrency=concurrency, chunk_size=chunk_size
                )
                run = sync_runs.wait(run, poll=0.05, timeout=3600)
                elapsed, cpu = time.perf_counter() - began, cpu_seconds(pids) - cpu
                sim_cpu, host = cpu_seconds([sim_pid]) - sim_cpu, host_busy_seconds() - host
                per = 1000 / max(run.ids_total, 1)
                shares.append(f"{kind}: " + _shares(elapsed, cpu, sim_cpu, host, "workers"))
                rates.append(
                    f"{kind} {run.ids_total / elapsed:.0f} orders/s ({elapsed:.1f} s, {run.failed} failed, "
                    f"workers' CPU {cpu * per:.2f} s per 1000 orders, simulator's {sim_cpu * per:.2f} s)"
                )
                reasons = Counter(reason.split(" (", 1)[0] for _, reason in sync_runs.failures(run))
                for reason, times in reasons.most_common(3):
                    self.stdout.write(f"  {kind} failed {times}x: {reason}")
        self.stdout.write(
            f"workers {count}: " + "; ".join(rates) + f" [chunks of {chunk_size}, concurrency {concurrency}; "
            f"load average {_load()}]"
        )
        self.stdout.write(f"  CPU shares, {'; '.join(shares)}")

    def _memory(self, sizes: list[int], chunk_size: int) -> None:
        """Peak RSS of `import_orders` over files of synthetic ids; it queues the chunks (--no-wait) on a queue no
        worker reads, so what is measured is the command reading, chunking and queueing, not the workers."""
        merchant = self._merchant(None)
        for size in sizes:
            SyncRun.objects.filter(merchant=merchant).delete()
            queue = f"bench-memory-{size}-{os.getpid()}"
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "ids.txt"
                with path.open("w") as handle:
                    handle.writelines(f"MEMBENCH-{n:08d}\n" for n in range(size))
                argv = [sys.executable, str(REPO / "manage.py"), "import_orders", str(path), "--merchant", "bench"]
                argv += ["--no-wait", "--chunk-size", str(chunk_size)]
                began = time.perf_counter()
                rss, code = peak_rss_mib(argv, env={**os.environ, "CELERY_TASK_DEFAULT_QUEUE": queue})
                elapsed = time.perf_counter() - began
            purge(queue)
            runs = SyncRun.objects.filter(merchant=merchant)
            chunks = sum(runs.values_list("chunks_total", flat=True))
            runs.delete()
            self.stdout.write(
                f"import_orders {size} ids: peak RSS {rss:.0f} MiB, {chunks} chunk(s) queued in {elapsed:.1f} s"
                + ("" if code == 0 else f" (exit {code})")
            )

    def _print(self, n: int, report: BulkReport, concurrency: int, cpu: float, sim_cpu: float) -> None:
        total = report.synced + report.errors
        rate = total / report.elapsed if report.elapsed else 0.0
        mean = statistics.fmean(report.latencies) if report.latencies else 0.0
        self.stdout.write(
            f"pass {n}: {total} orders in {report.elapsed:.2f} s = {rate:.0f} orders/s "
            f"(concurrency {concurrency}; concurrency/mean latency = {concurrency / mean if mean else 0:.0f}/s); "
            f"fetch latency p50 {percentile(report.latencies, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(report.latencies, 0.99) * 1000:.1f} ms, mean {mean * 1000:.1f} ms; "
            f"{report.changes} change(s), {report.errors} error(s); "
            f"CPU {cpu * 1000 / max(total, 1):.2f} s per 1000 orders (this process; the simulator's "
            f"{sim_cpu * 1000 / max(total, 1):.2f} s); load average {_load()}"
        )
        for sample in report.error_samples:
            self.stdout.write(f"  error: {sample}")
