"""How many PostgreSQL connections a development server holds after a burst of concurrent requests, with and
without the connection pool (README, "Database connections: a pool")."""

import concurrent.futures
import os
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


def _hit(url: str) -> str:
    try:
        return str(httpx.get(url, timeout=30).status_code)
    except httpx.HTTPError as exc:
        return type(exc).__name__


def _wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise CommandError(f"the server at {url} did not answer within {seconds:.0f} s")


class Command(BaseCommand):
    help = "Serve with runserver (pool on, then off), send a burst of requests, count the connections it holds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8160)
        parser.add_argument("--requests", type=int, default=400)
        parser.add_argument("--threads", type=int, default=64)

    def _connections(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return int(cursor.fetchone()[0])

    def _run(self, pool: str, port: int, requests: int, threads: int) -> str:
        env = {**os.environ, "DATABASE_POOL": pool}
        server = subprocess.Popen(  # noqa: S603  (our own manage.py, arguments from ints)
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            _wait_until_up(url)
            started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(threads) as workers:
                answers = Counter(workers.map(_hit, [url] * requests))
            elapsed = time.monotonic() - started
            time.sleep(1)
            held = self._connections()
        finally:
            server.terminate()
            server.wait(timeout=30)
        return (
            f"DATABASE_POOL={pool}: {requests} requests from {threads} threads in {elapsed:.1f} s, "
            f"answers {dict(answers)}, connections held afterwards: {held}"
        )

    def handle(self, *args: Any, port: int, requests: int, threads: int, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("set DATABASE_URL to a PostgreSQL database: the pool is PostgreSQL's")
        for pool in ("0", "1"):
            self.stdout.write(self._run(pool, port, requests, threads))
