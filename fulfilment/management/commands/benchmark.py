"""One benchmark of everything issue #15 sets a target for, against the peers, printed as one table.

    python manage.py benchmark                      # 1,000,000 orders (filled once, then reused)
    python manage.py benchmark --orders 20000       # a quick run: a few minutes
    python manage.py benchmark --sections pages,sync --requests 100
    python manage.py benchmark --sections fill      # only fill (or reuse) the orders, printing its phases

PostgreSQL only (DATABASE_URL). See README, "Benchmark". The parts live in fulfilment/benchmark/: fill (the
synthetic orders), stack (the processes), scenarios (what is asked), load (the separate load process), report.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
from itertools import chain
from pathlib import Path
from typing import Any

import httpx
import redis
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from dashboard import bench_session
from dashboard.models import Merchant
from dashboard.simulator_process import start_simulator
from fulfilment.benchmark import fill, report, scenarios, stack
from orders.bulk import sync_many
from orders.models import Order, PayoutOrder, SyncFailure, SyncSource, WebhookEvent

SECTIONS = ("pages", "webhooks", "sync", "import")
FILL_ONLY = "fill"  # a section of its own: fill (or reuse) the orders, print the phases' times, measure nothing
USERNAME = "bench-runner"
SIM_MERCHANT = "bench-sim"


class Command(BaseCommand):
    help = "Fill N synthetic orders, serve the app the production way, load it from another process, print one table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=1_000_000, help="synthetic orders (reused when present)")
        parser.add_argument(
            "--sections",
            default=",".join(SECTIONS),
            help=f"comma-separated: {', '.join(SECTIONS)}, or {FILL_ONLY} alone (fill only)",
        )
        parser.add_argument("--requests", type=int, default=200, help="requests per page scenario and concurrency")
        parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds the requests are split into")
        parser.add_argument(
            "--scenario-seconds",
            type=float,
            default=4,
            help="time budget of each scenario per round (a slow peer gets fewer requests); 0 = none",
        )
        parser.add_argument("--webhooks", type=int, default=600, help="webhooks per mode and concurrency")
        parser.add_argument("--sync-orders", type=int, default=5000, help="simulator orders the bulk sync pulls")
        parser.add_argument("--import-ids", default="100000,1000000", help="id counts import_orders is given")
        parser.add_argument("--import-seconds", type=float, default=30, help="how long each import_orders runs")
        parser.add_argument("--port", type=int, default=8150, help="first of three ports (server, simulator, server)")
        parser.add_argument("--web-workers", type=int, default=4)
        parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"))
        parser.add_argument("--refill", action="store_true", help="fill again even when the marker matches")
        parser.add_argument("--output", type=Path, default=Path(settings.DATA_DIR) / "benchmark.md")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("the benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
        sections = [s.strip() for s in options["sections"].split(",") if s.strip()]
        if sections == [FILL_ONLY]:
            self._fill_only(options)
            return
        if unknown := set(sections) - set(SECTIONS):
            raise CommandError(
                f"unknown section(s) {', '.join(sorted(unknown))}; the sections are {', '.join(SECTIONS)}, or "
                f"{FILL_ONLY} alone"
            )
        for port in range(options["port"], options["port"] + 3):
            if _taken(port):
                raise CommandError(f"port {port} is taken: pick others with --port")
        started = time.perf_counter()
        n = options["orders"]
        self.stderr.write(f"filling (or reusing) {n:,} synthetic orders …")
        account, reused = fill.ensure(n, write=self.stderr.write, force=options["refill"])
        fill_seconds = time.perf_counter() - started
        self.rows: list[report.Row] = []
        self.cpu: list[tuple[int, dict[str, Any]]] = []  # each concurrency's load results, for the CPU table
        work = Path(tempfile.mkdtemp(prefix="benchmark-"))
        keys = stack.Secrets.fresh()
        sim = start_simulator(
            port=options["port"] + 1,
            api_key="sk_bench_" + keys.webhook_password[:12],
            merchant_id="bench_sim",
            orders=options["sync_orders"],
            seed=4242,
            speed=0,
            latency="juspay",
            log_path=work / "simulator.log",
            ready_timeout=240,  # it makes its orders first: over a minute on a loaded 2-core machine
        )
        sim_account, _ = Merchant.objects.update_or_create(
            code=SIM_MERCHANT,
            defaults={
                "name": "Benchmark (simulator)",
                "base_url": sim.base_url,
                "api_key": sim.api_key,
                "merchant_id": sim.merchant_id,
                "is_default": False,
                "is_active": True,
            },
        )
        self._clear(sim_account)
        sim_ids = sim.order_ids()
        try:
            if "pages" in sections or "webhooks" in sections:
                self._served(options, account, n, keys, sim, sim_ids, sections, work)
            if "webhooks" in sections:
                self._embedded_webhooks(options, keys, sim, sim_ids, work)
            if "sync" in sections:
                self._sync(sim_account, sim_ids)
            if "import" in sections:
                self._import_rss(options, sim_ids, work)
        finally:
            sim.stop()
            self._clear(sim_account)
        header = [
            f"# Benchmark, {timezone.now():%Y-%m-%d %H:%M} UTC",
            "",
            f"`python manage.py benchmark --orders {n} --sections {','.join(sections)} --requests "
            f"{options['requests']}`: {n:,} synthetic orders ({'reused' if reused else 'filled'} in "
            f"{fill_seconds:.0f} s, "
            "statistics fresh: VACUUM ANALYZE after the fill), PostgreSQL "
            f"{connection.cursor().connection.info.server_version // 10000}; gunicorn with {options['web_workers']} "
            f"workers, DJANGO_DEBUG=0; {os.cpu_count()} cores, load average at the end "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; whole run {time.perf_counter() - started:.0f} s. "
            "Ratio = the peer's time / ours (or ours / the peer's for rates).",
        ]
        table = report.render(self.rows, header)
        if self.cpu:
            table += "\nCPU per request (the gunicorn workers; the load process):\n\n" + report.cpu_table(self.cpu)
        options["output"].parent.mkdir(parents=True, exist_ok=True)
        options["output"].write_text(table)
        self.stdout.write(table)
        self.stdout.write(f"(written to {options['output']})")

    def _fill_only(self, options: dict[str, Any]) -> None:
        n = options["orders"]
        self.stderr.write(f"filling (or reusing) {n:,} synthetic orders …")
        _account, reused = fill.ensure(n, write=self.stderr.write, force=options["refill"])
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        if reused:
            self.stdout.write(f"{n:,} orders already there (fill version {fill.FILL_VERSION}); load average {load}")
        else:
            self.stdout.write(f"filled {n:,} orders; load average {load}")

    # --- the served app: pages and their peers, webhooks with a broker ----------------------------------

    def _served(
        self,
        options: dict[str, Any],
        account: Merchant,
        n: int,
        keys: stack.Secrets,
        sim: Any,
        sim_ids: list[str],
        sections: list[str],
        work: Path,
    ) -> None:
        queue = f"bench-{os.getpid()}"
        env = stack.production_env(keys, broker=options["redis"], redis=options["redis"], data_dir=work / "data")
        env["CELERY_TASK_DEFAULT_QUEUE"] = queue
        port = options["port"]
        self.stderr.write(
            f"serving on 127.0.0.1:{port} (gunicorn, {options['web_workers']} workers) with a Celery worker …"
        )
        server = stack.serve(env, port=port, workers=options["web_workers"], log_dir=work, name="gunicorn")
        worker = None
        try:
            worker = stack.worker(env, log_dir=work)
            cookie = self._session(keys)
            base = f"http://127.0.0.1:{port}"
            samples = scenarios.samples(account, n)
            self._signed_in(base, cookie, samples)
            for users in (1, 8):
                plan: list[dict[str, Any]] = []
                if "pages" in sections:
                    per_round = max(options["requests"] // options["rounds"], 1)
                    plan += scenarios.pages(base, cookie, samples, per_round)
                    plan.append(
                        scenarios.live_order_status(sim.base_url, sim.api_key, sim.merchant_id, sim_ids, per_round)
                    )
                if "webhooks" in sections:
                    hooks = max(options["webhooks"] // options["rounds"], 1)
                    plan.append(
                        scenarios.webhook(
                            "webhooks: with a broker and a worker",
                            base,
                            keys.webhook_user,
                            keys.webhook_password,
                            sim.merchant_id,
                            sim_ids,
                            hooks,
                        )
                    )
                self.stderr.write(
                    f"load at {users} concurrent user(s): {len(plan)} scenarios, {options['rounds']} rounds …"
                )
                results = stack.run_load(
                    {
                        "concurrency": users,
                        "rounds": options["rounds"],
                        "scenarios": plan,
                        "seq_start": _seq(),
                        "server_pids": server.children(),
                        "budget_s": options["scenario_seconds"],
                    },
                    work,
                )
                self.cpu.append((users, dict(results)))
                self._rows_of(results, users, per_target={"webhooks: with a broker and a worker": 300})
        finally:
            try:
                server.stop()
            finally:
                if worker is not None:
                    worker.stop()
            redis.Redis.from_url(options["redis"]).delete(queue)

    def _embedded_webhooks(
        self, options: dict[str, Any], keys: stack.Secrets, sim: Any, sim_ids: list[str], work: Path
    ) -> None:
        env = stack.production_env(keys, broker=None, redis=options["redis"], data_dir=work / "data")
        port = options["port"] + 2
        self.stderr.write(f"serving on 127.0.0.1:{port} without a broker (the refresh on a web thread) …")
        server = stack.serve(env, port=port, workers=options["web_workers"], log_dir=work, name="gunicorn-embedded")
        try:
            for users in (1, 8):
                name = "webhooks: embedded (no broker)"
                hooks = max(options["webhooks"] // options["rounds"], 1)
                plan = [
                    scenarios.webhook(
                        name,
                        f"http://127.0.0.1:{port}",
                        keys.webhook_user,
                        keys.webhook_password,
                        sim.merchant_id,
                        sim_ids,
                        hooks,
                    )
                ]
                results = stack.run_load(
                    {
                        "concurrency": users,
                        "rounds": options["rounds"],
                        "scenarios": plan,
                        "seq_start": _seq(),
                        "server_pids": server.children(),
                        "budget_s": options["scenario_seconds"],
                    },
                    work,
                )
                self._rows_of(results, users, per_target={name: 100})
        finally:
            server.stop()

    def _rows_of(self, results: dict[str, Any], users: int, *, per_target: dict[str, float]) -> None:
        for name, target in per_target.items():
            if name in results:
                result = results.pop(name)
                self.rows.append(
                    report.rate_row(
                        name,
                        users,
                        len(result["latencies_ms"]),
                        result["seconds"],
                        target,
                        report.errors(result),
                        cpu_seconds=result.get("server_cpu_s"),
                    )
                )
        self.rows += report.latency_rows(results, users)
        for name in ("list: first page", "list: filtered", "list: deep (90% down)"):
            if name in results and users == 8:
                result = results[name]
                self.rows.append(
                    report.rate_row(f"{name}: pages/s", users, len(result["latencies_ms"]), result["seconds"], 150)
                )

    def _session(self, keys: stack.Secrets) -> str:
        """A signed-in Admin's session cookie, made under the server's secret key (no password round trip), as
        the sign-in and the code step leave it: the project's own backend, the second factor passed (production
        mode requires one of an Admin), the time zone copied in. Anything less and every page answers a redirect
        to the sign-in or the code step, which the load process would time instead of the pages."""
        user, device = bench_session.benchmark_admin(USERNAME)
        with override_settings(SECRET_KEY=keys.secret_key):
            store = SessionStore()
            bench_session.sign_in(store, user, device)
            store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    @staticmethod
    def _signed_in(base: str, cookie: str, samples: scenarios.Samples) -> None:
        """The benchmark's session opens an order page (200), not a redirect to the sign-in or the code step."""
        answer = httpx.get(f"{base}/orders/{samples.order_ids[0]}/", headers={"Cookie": cookie}, timeout=60)
        if answer.status_code != 200:
            where = answer.headers.get("Location", "")
            raise CommandError(f"the benchmark's session is not signed in: HTTP {answer.status_code} {where}")

    # --- sync and import, in children of this process -------------------------------------------------

    def _sync(self, sim_account: Merchant, ids: list[str]) -> None:
        """orders.bulk.sync_many (what bench_sync and import_orders run), first import then a re-sync."""
        for label in ("bulk sync, first import (1 process)", "bulk sync, re-sync (1 process)"):
            self.stderr.write(f"{label}: {len(ids):,} simulator orders …")
            result = sync_many(sim_account, ids, concurrency=64, source=SyncSource.IMPORT)
            bad = f"{result.errors} errors" if result.errors else ""
            self.rows.append(report.rate_row(label, 0, result.synced + result.errors, result.elapsed, 500, bad))

    def _import_rss(self, options: dict[str, Any], sim_ids: list[str], work: Path) -> None:
        counts = [int(c) for c in options["import_ids"].split(",") if c.strip()]
        env = {**os.environ, "DATABASE_URL": stack.database_url()}
        env.pop("CELERY_BROKER_URL", None)
        first: float | None = None
        for count in counts:
            path = work / f"ids-{count}.txt"
            extra = (f"BENCHRSS{i:08d}" for i in range(max(count - len(sim_ids), 0)))
            with path.open("w") as ids_file:  # streamed: a million ids are never held here
                ids_file.writelines(f"{order_id}\n" for order_id in chain(sim_ids[:count], extra))
            self.stderr.write(f"import_orders over {count:,} ids (at most {options['import_seconds']:.0f} s) …")
            argv = [sys.executable, "manage.py", "import_orders", str(path), "--merchant", SIM_MERCHANT]
            mib, finished = stack.peak_rss_mib(argv, env, seconds=options["import_seconds"])
            first = first if first is not None else mib
            name = f"import_orders peak RSS, {count:,} ids" + (
                "" if finished else f" (first {options['import_seconds']:.0f} s)"
            )
            row = report.Row(name, "", f"{mib:,.0f} MiB", target="≤ 300 MB, flat")
            flat = mib <= max(first * 1.2, first + 20)
            row.met = "met" if mib * 1.048576 <= 300 and flat else "MISSED"
            if count != counts[0]:
                row.ratio = f"{mib / first:.2f}× the {counts[0]:,}-id run"
            self.rows.append(row)

    def _clear(self, sim_account: Merchant) -> None:
        WebhookEvent.objects.filter(merchant=sim_account).delete()
        SyncFailure.objects.filter(merchant=sim_account).delete()
        PayoutOrder.objects.filter(merchant=sim_account).delete()
        Order.objects.filter(merchant=sim_account).delete()


def _seq() -> int:
    """A first webhook sequence number no earlier run used (a repeated event id is taken as a duplicate)."""
    return int(time.time() * 1_000_000)


def _taken(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # connections in TIME-WAIT do not hold the port
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False
