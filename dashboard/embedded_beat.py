"""Celery beat's schedule, run by a thread of this process: for the embedded mode (`make run`, no broker).

With no broker, tasks run inline and nothing runs beat, so without this a refund whose outcome is unknown would
stay `sending` and a webhook whose first refresh failed would never be refreshed again. `EmbeddedBeat` reads the
same `CELERY_BEAT_SCHEDULE` beat reads (every entry: the freshness sweep and its failure retries, webhook
retries, approval expiry, stalled requests) and applies each task in this process at its interval, so the
embedded mode does exactly what beat does. Each run gets fresh database connections (as a Celery worker's task
does), so a dropped connection costs one run, not the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from dashboard.celery import app

log = logging.getLogger(__name__)


@dataclass
class Entry:
    name: str
    task: str
    every: float  # seconds
    next_at: float
    runs: int = 0
    failures: int = 0
    last_result: object = None


def _seconds(schedule: object) -> float | None:
    if isinstance(schedule, int | float):
        return float(schedule)
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    run_every = getattr(schedule, "run_every", None)  # celery.schedules.schedule
    return run_every.total_seconds() if isinstance(run_every, timedelta) else None


def _refresh_connections() -> None:
    """Drop connections that broke or outlived CONN_MAX_AGE, as a Celery worker does around each task (never
    inside a transaction: a caller's, or a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


def entries_from(schedule: Mapping[str, Mapping[str, Any]], now: float) -> list[Entry]:
    """One entry per beat schedule item with a fixed interval (a crontab entry is logged and left out)."""
    found = []
    for name, item in schedule.items():
        every = _seconds(item.get("schedule"))
        if every is None or every <= 0:
            log.warning("embedded beat: %s has no fixed interval; it is not run in this mode", name)
            continue
        found.append(Entry(name=name, task=str(item["task"]), every=every, next_at=now + every))
    return found


class EmbeddedBeat:
    """Runs the beat schedule in-process. `clock` is monotonic seconds (tests pass their own)."""

    def __init__(
        self,
        schedule: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        tick: float = 1.0,
    ) -> None:
        self.clock = clock
        self.tick = tick
        self.entries = entries_from(settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule, clock())
        app.loader.import_default_modules()  # every app's tasks registered, as a worker would have them
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_entry(self, entry: Entry) -> object:
        """Apply one task here and now; a failure is logged and counted, never raised (the next run tries again)."""
        _refresh_connections()
        try:
            result = app.tasks[entry.task].apply(throw=True).result
        except Exception:
            entry.failures += 1
            log.exception("embedded beat: %s failed; it runs again in %.0f s", entry.name, entry.every)
            result = None
        finally:
            _refresh_connections()
        entry.runs += 1
        entry.last_result = result
        return result

    def run_due(self) -> list[str]:
        """Run every entry whose time has come; returns their names."""
        now = self.clock()
        ran = []
        for entry in self.entries:
            if entry.next_at <= now:
                self.run_entry(entry)
                entry.next_at = self.clock() + entry.every
                ran.append(entry.name)
        return ran

    def run_all(self) -> dict[str, object]:
        """Run every entry once now (the reliability run uses it to settle what faults left behind)."""
        return {entry.name: self.run_entry(entry) for entry in self.entries}

    def start(self) -> EmbeddedBeat:
        self._thread = threading.Thread(target=self._loop, name="embedded-beat", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.tick):
            self.run_due()
