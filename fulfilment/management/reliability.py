"""The reliability run (`python manage.py reliability_run`): real processes, real faults, then the counts.

It owns everything it breaks: a Juspay simulator process, a Redis server on a port of its own (never a shared
one), and Celery worker processes on a queue of their own, all pointed at the configured PostgreSQL database,
where it works under a merchant of its own (`reliability-<run id>`), so runs never mix. The phases:

1. import under faults: `import_orders` of every simulator order with 10 % 500s and 5 % timeouts, while the
   app's PostgreSQL connections are dropped (`pg_terminate_backend`) in the middle;
2. sync under faults: the bulk sync of every cached order, with the same faults;
3. Juspay down (500 to everything): webhooks arrive (the worker's refresh fails), refunds are approved (their
   re-validation fails, retryably);
4. the worker killed mid-send: refunds approved while Juspay holds their answers; the worker gets SIGKILL
   while every POST is in flight (Juspay has taken them), then a new worker starts;
5. Redis restarted: Redis stops; refunds approved and webhooks received meanwhile; Redis starts again;
6. PostgreSQL connections dropped while the worker sends refunds;
7. settle: the faults end and the sweeps beat runs (failure retries, the freshness sweep, webhook retries, the
   stalled-request sweep, and a person's retry of the retryable failures) run until nothing is owed, with their
   back-offs fast-forwarded (the run does not wait hours), for at most `settle_seconds`.

Then it counts: Juspay requests made and faults injected (the simulator's own counters, plus the processes it
killed and the connections it dropped), orders lost (simulator orders neither cached nor recorded as a failure),
duplicate sends (refund POSTs repeating a `unique_request_id` Juspay had already taken, and refunds per key,
from the simulator's own records) and stuck requests (approved, sending or unresolved at the end).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import httpx
import psycopg
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import close_old_connections, connection
from django.utils import timezone

from dashboard.celery import app
from dashboard.models import Merchant
from dashboard.roles import ensure_roles, set_role
from dashboard.simulator_process import REPO, SimulatorProcess, free_port, start_simulator
from fulfilment import services
from fulfilment.models import ActionRequest, ActionState
from fulfilment.tasks import resume_stalled
from orders import failure_retry, webhooks
from orders.bulk import sync_many
from orders.models import Order, SyncFailure, WebhookEvent
from orders.services import sync_order

API_KEY = "sk_reliability_run"
STALL_SECONDS = 3.0
SYNC_FAULTS = {"fail_rate": 0.10, "timeout_rate": 0.05, "timeout_seconds": 3.0}
Log = Callable[[str], None]


@dataclass
class Options:
    orders: int = 2000
    refunds: int = 8  # per phase that sends refunds
    webhooks: int = 10  # per phase that receives webhooks
    settle_seconds: float = 120.0
    redis_port: int = 0  # 0: a free port
    concurrency: int = 32


@dataclass
class Tally:
    """What the run did and broke, phase by phase."""

    phases: dict[str, float] = field(default_factory=dict)  # name -> seconds
    notes: list[str] = field(default_factory=list)
    import_failed: int = 0
    import_failed_listed: int = 0
    sync_failed: int = 0
    workers_killed: int = 0
    redis_restarts: int = 0
    pg_connections_dropped: int = 0
    refunds_raised: list[int] = field(default_factory=list)
    webhook_events: list[str] = field(default_factory=list)
    enqueue_failures: int = 0


# --- the processes ----------------------------------------------------------------------------------------


def _wait(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise CommandError(f"reliability run: {what} not within {timeout:.0f} s")


class RedisServer:
    """`redis-server` on its own port, no persistence: a restart loses what it held, as a crash would."""

    def __init__(self, port: int) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise CommandError("reliability run: redis-server is not installed (apt-get install redis-server)")
        self.binary, self.port = binary, port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        return False

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        _wait(self._answers, 15, f"redis-server on port {self.port} answering")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def use_broker(**conf: Any) -> None:
    """Point this process's Celery app at another broker: new settings, and new connection and producer pools
    (those already made keep the old broker's connections; kombu's registry keys pools by connection). Celery
    prefers the CELERY_BROKER_URL environment variable to its settings, so that moves too (None: unset)."""
    env_url = conf.pop("env_broker_url", conf.get("broker_url"))
    if env_url is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = str(env_url)
    app.conf.update(**conf)
    app._pool = None  # type: ignore[attr-defined]  # what Celery itself does after a fork
    with suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """A real `celery worker` process (threads pool) on the run's queue, broker and database."""

    def __init__(self, broker_url: str, queue: str, log_dir: Path) -> None:
        self.broker_url, self.queue, self.log_dir = broker_url, queue, log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.generation = 0

    def start(self, **env: str) -> None:
        self.generation += 1
        name = f"{self.queue}-{self.generation}"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "FULFILMENT_STALL_SECONDS": str(STALL_SECONDS),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        log = (self.log_dir / f"worker-{self.generation}.log").open("w")
        args = [sys.executable, "-m", "celery", "-A", "dashboard", "worker", "--pool=threads", "--concurrency=8"]
        args += ["-Q", self.queue, "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
        self.process = subprocess.Popen(args, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        log.close()
        destination = [f"{name}@{socket.gethostname()}"]

        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise CommandError(f"reliability run: the worker exited; see {self.log_dir}")
            return bool(app.control.ping(destination=destination, timeout=0.5))

        _wait(ready, 60, "the Celery worker ready")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgements, whatever it was doing stops where it is."""
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


class SimulatorControl:
    """The simulator's `/__sim__/` endpoints the run needs."""

    def __init__(self, sim: SimulatorProcess) -> None:
        self.http = httpx.Client(base_url=sim.base_url, auth=(sim.api_key, ""), timeout=30)

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self.http.post(path, json=body or {})
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer = self.http.get(path, params=params)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def faults(self, **faults: Any) -> None:
        self.post("/__sim__/faults", {"refund_outcome": "SUCCESS", **faults})

    def no_faults(self) -> None:
        """Juspay's latency profile, no faults, and every refund Juspay takes succeeding: a FAILURE Juspay decides
        on is a correct answer, not a reliability fault, and would only blur the counts."""
        self.post("/__sim__/faults/reset")
        self.faults(latency="juspay", refund_outcome="SUCCESS")

    def create_order(self, amount: int) -> str:
        return str(self.post("/__sim__/orders", {"amount": amount, "status": "CHARGED"})["order_id"])

    def refunds_by_key(self, order_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for refund in self.get("/__sim__/refunds", order_id=order_id)["refunds"]:
            key = str(refund.get("unique_request_id"))
            counts[key] = counts.get(key, 0) + 1
        return counts

    def close(self) -> None:
        self.http.close()


def drop_pg_connections() -> int:
    """`pg_terminate_backend` every other connection to this database (the worker's, this process's Django
    connection), from a connection of its own. Returns how many were terminated."""
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=int(s["PORT"] or 5432),
        user=s["USER"],
        password=s.get("PASSWORD") or None,
        dbname=s["NAME"],
        autocommit=True,
    ) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).fetchall()
    return sum(1 for (done,) in rows if done)


# --- the run ------------------------------------------------------------------------------------------------


class ReliabilityRun:
    def __init__(self, options: Options, log: Log) -> None:
        self.options, self.log = options, log
        self.tally = Tally()
        self.work_dir = Path(tempfile.mkdtemp(prefix="reliability-run-"))
        self.run_id = uuid.uuid4().hex[:8]
        self.queue = f"reliability-{self.run_id}"
        self.merchant_code = f"reliability-{self.run_id}"
        self.merchant_id = f"reliability_{self.run_id}"
        self.redis = RedisServer(options.redis_port or free_port())
        self.worker = Worker(self.redis.url, self.queue, self.work_dir)
        self.sim: SimulatorProcess | None = None
        self.control: SimulatorControl | None = None
        self.merchant: Merchant | None = None
        self.maker: User | None = None
        self.checker: User | None = None

    # -- setting up and tearing down --

    @contextmanager
    def running(self) -> Iterator[ReliabilityRun]:
        if connection.vendor != "postgresql":
            raise CommandError("reliability run: needs PostgreSQL (set DATABASE_URL=postgres://…/<a scratch database>)")
        saved = {
            "env_broker_url": os.environ.get("CELERY_BROKER_URL"),
            "broker_url": app.conf.broker_url,
            "task_always_eager": app.conf.task_always_eager,
            "task_default_queue": app.conf.task_default_queue,
        }
        saved_stall = settings.FULFILMENT_STALL_SECONDS
        try:
            self.sim = start_simulator(
                api_key=API_KEY,
                merchant_id=self.merchant_id,
                orders=self.options.orders,
                seed=int(time.time()) % 100_000,
                speed=60.0,
                log_path=self.work_dir / "simulator.log",
            )
            self.control = SimulatorControl(self.sim)
            self.control.no_faults()
            self.redis.start()
            use_broker(broker_url=self.redis.url, task_always_eager=False, task_default_queue=self.queue)
            settings.FULFILMENT_STALL_SECONDS = STALL_SECONDS
            self._merchant_and_people()
            # The first worker waits long for Juspay's answers, so phase 4 can kill it while they are in flight.
            self.worker.start(JUSPAY_TIMEOUT_SECONDS="30", JUSPAY_RETRY_TIMEOUT_SECONDS="30")
            yield self
        finally:
            self.worker.stop()
            self.redis.stop()
            use_broker(**saved)
            settings.FULFILMENT_STALL_SECONDS = saved_stall
            if self.control is not None:
                self.control.close()
            if self.sim is not None:
                self.sim.stop()

    def _merchant_and_people(self) -> None:
        assert self.sim is not None
        self.merchant, _ = Merchant.objects.update_or_create(
            code=self.merchant_code,
            defaults={
                "name": f"Reliability run {self.run_id} (simulator)",
                "base_url": self.sim.base_url,
                "api_key": API_KEY,
                "merchant_id": self.merchant_id,
                "is_active": True,
            },
        )
        ensure_roles()
        self.maker = self._person("reliability-maker", "Support")
        self.checker = self._person("reliability-checker", "Finance")

    @staticmethod
    def _person(username: str, role: str) -> User:
        user, _ = User.objects.get_or_create(username=username, defaults={"is_active": True})
        set_role(user, role)
        return user

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self.log(f"- {name} …")
        started = time.monotonic()
        try:
            yield
        finally:
            close_old_connections()
            self.tally.phases[name] = time.monotonic() - started

    # -- the pieces the phases use --

    @property
    def sim_control(self) -> SimulatorControl:
        assert self.control is not None
        return self.control

    @property
    def account(self) -> Merchant:
        assert self.merchant is not None
        return self.merchant

    def _cached_orders(self, count: int) -> list[Order]:
        """Fresh CHARGED orders at the simulator, synced into the cache (Juspay must be up)."""
        orders = []
        for n in range(count):
            order_id = self.sim_control.create_order(amount=1000 + n)
            result = sync_order(self.account, order_id)
            if result.obj is None:
                raise CommandError(f"reliability run: could not cache {order_id}: {result.error}")
            orders.append(result.obj)
        return orders

    def _raise_and_approve(self, orders: list[Order]) -> list[int]:
        assert self.maker is not None and self.checker is not None
        pks = []
        for order in orders:
            req = services.raise_refund(
                order,
                maker=self.maker,
                amount=Decimal("100.00"),
                reason_code="CUSTOMER_REQUEST",
                comment="reliability run",
                form_token=uuid.uuid4(),
            ).request
            services.approve(req.pk, approver=self.checker)  # on commit: the executor is queued (or not)
            pks.append(req.pk)
        self.tally.refunds_raised += pks
        return pks

    def _webhook(self, order_id: str) -> None:
        event_id = f"evt_reliability_{uuid.uuid4().hex[:12]}"
        body = {
            "id": event_id,
            "event_name": "ORDER_SUCCEEDED",
            "content": {"order": {"order_id": order_id, "merchant_id": self.merchant_id}},
        }
        secret = f"{settings.JUSPAY_WEBHOOK_USERNAME}:{settings.JUSPAY_WEBHOOK_PASSWORD}".encode()
        webhooks.receive("Basic " + base64.b64encode(secret).decode(), json.dumps(body).encode())
        self.tally.webhook_events.append(event_id)

    def _refund_posts(self) -> int:
        return int(self.sim_control.get("/__sim__/stats")["refund_posts"])

    def _states(self, pks: list[int]) -> dict[int, str]:
        return dict(ActionRequest.objects.filter(pk__in=pks).values_list("pk", "state"))

    # -- the phases --

    def import_under_faults(self) -> None:
        assert self.sim is not None
        ids = self.sim.order_ids()
        path = self.work_dir / "ids.txt"
        path.write_text("\n".join(ids) + "\n")
        failed_out = self.work_dir / "import-failed.csv"
        self.sim_control.faults(**SYNC_FAULTS)
        dropper = threading.Timer(1.0, self._drop_connections)
        dropper.start()
        out, err = StringIO(), StringIO()
        try:
            call_command(
                "import_orders",
                str(path),
                merchant=self.merchant_code,
                concurrency=self.options.concurrency,
                failed_out=failed_out,
                stdout=out,
                stderr=err,
            )
            self.tally.notes.append(f"import: {out.getvalue().strip().splitlines()[0]}; exit 0")
        except CommandError as exc:
            self.tally.notes.append(f"import: {out.getvalue().strip().splitlines()[0]}; exit non-zero ({exc})")
        dropper.join()
        self.sim_control.no_faults()
        self.tally.import_failed = SyncFailure.objects.filter(merchant=self.account, resolved_at__isnull=True).count()
        self.tally.import_failed_listed = max(0, len(failed_out.read_text().splitlines()) - 1)
        self.log(f"  {self.tally.notes[-1]}")

    def _drop_connections(self) -> None:
        dropped = drop_pg_connections()
        self.tally.pg_connections_dropped += dropped
        self.log(f"  dropped {dropped} PostgreSQL connection(s)")

    def sync_under_faults(self) -> None:
        ids = list(Order.objects.filter(merchant=self.account).values_list("order_id", flat=True))
        self.sim_control.faults(**SYNC_FAULTS)
        report = sync_many(self.account, ids, concurrency=self.options.concurrency)
        self.sim_control.no_faults()
        self.tally.sync_failed = len(report.failed)
        self.tally.notes.append(f"sync: {report.synced} synced, {len(report.failed)} failed")
        self.log(f"  {report.synced} synced, {len(report.failed)} failed (kept on their orders, retried by the sweep)")

    def juspay_down(self) -> None:
        orders = self._cached_orders(self.options.refunds + self.options.webhooks)
        self.sim_control.faults(fail_rate=1.0)
        pks = self._raise_and_approve(orders[: self.options.refunds])
        for order in orders[self.options.refunds :]:
            self._webhook(order.order_id)
        _wait(lambda: all(s == ActionState.FAILED for s in self._states(pks).values()), 60, "refunds failed")
        events = WebhookEvent.objects.filter(event_id__in=self.tally.webhook_events[-self.options.webhooks :])
        _wait(lambda: all(e.attempts > 0 for e in events.all()), 60, "webhook refreshes tried")
        self.sim_control.no_faults()
        self.tally.notes.append(
            f"Juspay down: {len(pks)} refunds failed retryably, {len(events)} webhook refreshes failed"
        )
        self.log(f"  {self.tally.notes[-1]}")

    def worker_killed_mid_send(self) -> None:
        orders = self._cached_orders(self.options.refunds)
        posts_before = self._refund_posts()
        self.sim_control.faults(lose_next_post_responses=len(orders), lost_response_hang_seconds=120.0)
        pks = self._raise_and_approve(orders)
        _wait(lambda: self._refund_posts() - posts_before >= len(pks), 60, "every refund POST in flight")
        self.worker.kill()
        self.tally.workers_killed += 1
        in_flight = sum(s == ActionState.SENDING for s in self._states(pks).values())
        self.tally.notes.append(f"worker killed (SIGKILL) with {in_flight} refund(s) sending, their POSTs at Juspay")
        self.log(f"  {self.tally.notes[-1]}")
        self.sim_control.no_faults()
        self.worker.start()

    def redis_restarted(self) -> None:
        orders = self._cached_orders(self.options.refunds + self.options.webhooks)
        self.redis.stop()
        before = len(self.tally.refunds_raised)
        self._raise_and_approve(orders[: self.options.refunds])  # the approvals stand; nothing is queued
        for order in orders[self.options.refunds :]:
            self._webhook(order.order_id)  # stored; their refresh is not queued
        self.tally.enqueue_failures += len(self.tally.refunds_raised) - before + self.options.webhooks
        self.redis.start()
        self.tally.redis_restarts += 1
        self.tally.notes.append(
            f"Redis down: {len(self.tally.refunds_raised) - before} approvals and {self.options.webhooks} webhooks "
            "taken with nothing queued; Redis started again empty"
        )

    def pg_dropped_mid_send(self) -> None:
        orders = self._cached_orders(self.options.refunds)
        pks = self._raise_and_approve(orders)
        with suppress(CommandError):
            _wait(lambda: ActionState.SENDING in self._states(pks).values(), 10, "a refund sending", interval=0.02)
        sending = sum(s == ActionState.SENDING for s in self._states(pks).values())
        self._drop_connections()
        time.sleep(0.5)
        self._drop_connections()
        close_old_connections()
        self.tally.notes.append(f"PostgreSQL connections dropped with {sending} refund(s) sending")

    def settle(self) -> bool:
        """Run the sweeps (back-offs fast-forwarded) until nothing is owed; True when it got there."""
        assert self.checker is not None
        deadline = time.monotonic() + self.options.settle_seconds
        retried: set[int] = set()
        while time.monotonic() < deadline:
            close_old_connections()
            SyncFailure.objects.filter(merchant=self.account, resolved_at__isnull=True).update(next_try=timezone.now())
            failure_retry.retry_due(self.account, limit=5000, concurrency=self.options.concurrency)
            failing = list(
                Order.objects.filter(merchant=self.account, sync_failures__gt=0).values_list("order_id", flat=True)
            )
            if failing:
                sync_many(self.account, failing, concurrency=self.options.concurrency)
            for pk in WebhookEvent.objects.filter(merchant=self.account, processed_at__isnull=True).values_list(
                "pk", flat=True
            ):
                webhooks.refresh(pk)  # what retry_due does for each due event (only this run's, though)
            for req in ActionRequest.objects.filter(
                pk__in=self.tally.refunds_raised, state=ActionState.FAILED, retry_safe=True
            ).exclude(pk__in=retried):
                services.retry(req.pk, actor=self.checker, comment="reliability run: Juspay is back")
                retried.add(req.pk)
            resume_stalled.apply()
            if not self.owed():
                return True
            time.sleep(STALL_SECONDS)
        return False

    def owed(self) -> int:
        open_requests = (
            ActionRequest.objects.filter(
                pk__in=self.tally.refunds_raised,
                state__in=(ActionState.APPROVED, ActionState.SENDING, ActionState.UNRESOLVED),
            ).count()
            + ActionRequest.objects.filter(
                pk__in=self.tally.refunds_raised, state=ActionState.FAILED, retry_safe=True
            ).count()
        )
        return (
            open_requests
            + SyncFailure.objects.filter(merchant=self.account, resolved_at__isnull=True).count()
            + Order.objects.filter(merchant=self.account, sync_failures__gt=0).count()
            + WebhookEvent.objects.filter(event_id__in=self.tally.webhook_events, processed_at__isnull=True).count()
        )

    # -- the counts --

    def summary(self, settled: bool) -> dict[str, Any]:
        assert self.sim is not None
        stats = self.sim_control.get("/__sim__/stats")
        sim_ids = set(self.sim.order_ids())
        cached = set(Order.objects.filter(merchant=self.account).values_list("order_id", flat=True))
        recorded = set(
            SyncFailure.objects.filter(merchant=self.account, resolved_at__isnull=True).values_list(
                "order_id", flat=True
            )
        )
        requests = ActionRequest.objects.filter(pk__in=self.tally.refunds_raised).select_related("order")
        refunds_per_key: dict[str, int] = {}
        for order_id in {r.order.order_id for r in requests}:
            refunds_per_key.update(self.sim_control.refunds_by_key(order_id))
        duplicate_refunds = sum(n - 1 for n in refunds_per_key.values() if n > 1)
        states: dict[str, int] = {}
        for req in requests:
            states[req.state] = states.get(req.state, 0) + 1
        stuck = sum(states.get(s, 0) for s in (ActionState.APPROVED, ActionState.SENDING, ActionState.UNRESOLVED))
        ours = [r.idempotency_key for r in requests]
        juspay_took = sum(1 for key in ours if refunds_per_key.get(key))
        return {
            "run": self.run_id,
            "settled": settled,
            "juspay_requests": stats["requests"],
            "juspay_requests_by_endpoint": stats["requests_by_endpoint"],
            "faults_injected": stats["faults"]
            + self.tally.workers_killed
            + self.tally.redis_restarts
            + self.tally.pg_connections_dropped,
            "faults_by_kind": {
                **stats["faults_by_kind"],
                "worker_sigkill": self.tally.workers_killed,
                "redis_restart": self.tally.redis_restarts,
                "pg_connections_terminated": self.tally.pg_connections_dropped,
                "enqueue_while_broker_down": self.tally.enqueue_failures,
            },
            "orders_at_juspay": len(sim_ids),
            "orders_cached": len(cached & sim_ids),
            "import_failed_then_recorded": self.tally.import_failed,
            "import_failed_listed_in_file": self.tally.import_failed_listed,
            "sync_failed_then_retried": self.tally.sync_failed,
            "orders_lost": len(sim_ids - cached - recorded),
            "orders_still_failing": len(recorded),
            "refund_requests": len(ours),
            "refund_states": states,
            "refunds_at_juspay": juspay_took,
            "failed_requests": {
                r.pk: f"{r.error} (retry safe: {r.retry_safe})" for r in requests if r.state == ActionState.FAILED
            },
            "duplicate_sends": stats["duplicate_refund_posts"] + duplicate_refunds,
            "stuck_requests": stuck,
            "webhooks": len(self.tally.webhook_events),
            "webhooks_processed": WebhookEvent.objects.filter(
                event_id__in=self.tally.webhook_events, processed_at__isnull=False
            ).count(),
            "phase_seconds": {name: round(seconds, 1) for name, seconds in self.tally.phases.items()},
            "notes": self.tally.notes,
            "logs": str(self.work_dir),
        }


def run(options: Options, log: Log) -> dict[str, Any]:
    """The whole run; returns the summary (see the module doc)."""
    started = time.monotonic()
    reliability = ReliabilityRun(options, log)
    with reliability.running() as r:
        with r.phase("import under faults (10 % 500s, 5 % timeouts, PostgreSQL connections dropped)"):
            r.import_under_faults()
        with r.phase("sync under faults"):
            r.sync_under_faults()
        with r.phase("Juspay down"):
            r.juspay_down()
        with r.phase("worker killed mid-send"):
            r.worker_killed_mid_send()
        with r.phase("Redis restarted"):
            r.redis_restarted()
        with r.phase("PostgreSQL connections dropped mid-send"):
            r.pg_dropped_mid_send()
        with r.phase("settle: the sweeps run until nothing is owed"):
            settled = r.settle()
        summary = r.summary(settled)
    summary["total_seconds"] = round(time.monotonic() - started, 1)
    return summary
