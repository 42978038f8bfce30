"""Integration tests run on PostgreSQL with a real broker and a real Celery worker process.

They are skipped, with the reason printed, on the embedded defaults (SQLite, tasks inline); CI runs the
suite a second time with DATABASE_URL and CELERY_BROKER_URL set so that they run.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]


def _real_services() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and not settings.CELERY_TASK_ALWAYS_EAGER


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group (make test runs --dist loadgroup)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # One xdist worker runs them all, so one Celery worker boots per pass instead of one per xdist worker.
    for item in items:
        if "tests/integration/" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group("integration"))
    if _real_services():
        return
    skip = pytest.mark.skip(
        reason="integration: set DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… (CI's second pass does)"
    )
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(skip)


def _test_database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real `celery worker` process on its own queue, pointed at the test database."""
    from dashboard.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
    }
    (REPO / "data").mkdir(exist_ok=True)
    log = open(REPO / "data" / f"celery-{queue}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dashboard",
            "worker",
            "--pool=threads",
            "--concurrency=4",
            "--loglevel=INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 90  # a worker boots in ~4 s, far slower on a loaded shared machine
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"celery worker exited early; see {log.name}")
            replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5)
            if replies:
                break
        else:
            raise RuntimeError(f"celery worker not ready after 90 s; see {log.name}")
        yield {"queue": queue, "process": proc, "log": log.name}
    finally:
        app.conf.task_default_queue = previous
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Poll until predicate() is truthy; return its value or fail the test with a clear message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")
