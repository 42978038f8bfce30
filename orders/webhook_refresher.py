"""After the answer: a thread of the web process that takes the ids of stored webhooks in batches and hands
them on, so a webhook's answer never waits for what follows its storing.

Two of them, one per mode:
- without a broker (`refresher`, here): the refresh itself. With no `CELERY_BROKER_URL` a task runs inline, so
  each webhook's Order Status pull used to run inside the request that received it: Juspay waited for our pull,
  and a web worker took about 43 webhooks a second. The thread takes every id waiting, pulls each order once for
  all the events naming it (`webhooks.refresh_batch`), and waits for the next.
- with a broker (`orders.tasks.publisher`): the publishing of the refresh task. Publishing one Celery message per
  webhook inside the request costs a synchronous round trip to the broker and Celery's message building (about a
  third of the request), and with the broker down, kombu's retries; the thread publishes one task per batch of
  ids (`orders.tasks.refresh_from_webhooks`), which the worker refreshes with one pull per order.

No event is lost: the event is committed, with `next_attempt_at` set, before its id is queued. If this process
stops before the thread gets to it (a restart, a crash), or the broker refuses the task, the retry sweep
(`retry_webhooks`, beat or the embedded beat thread) refreshes it a minute later, as it does for any refresh that
failed.

`WEBHOOK_EMBEDDED_REFRESH = "inline"` and `WEBHOOK_ENQUEUE = "inline"` keep the old behaviour (the tests use
them: they assert right after a POST).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections

from orders import webhooks

log = logging.getLogger(__name__)

BATCH_MAX = 200  # ids taken per round; the next round takes the rest
# After the first id of a round, how long the thread waits for more before handing the batch on (unless it is full).
# Without it each batch was one or two ids under a steady stream, and each cost a whole hand-on: with a broker one
# Celery publish (a Redis round trip and kombu's message building, ~3 ms of the web worker's CPU per webhook); without
# one a refresh round per id, each pulling its order again when Juspay sent several events for it within the second.
LINGER_SECONDS = 0.25


class Handoff:
    """A queue of webhook ids and the daemon thread that hands each batch of them to `handle` (started on the
    first id, again after a fork: a forked worker gets its own queue and thread)."""

    def __init__(
        self,
        name: str,
        handle: Callable[[list[int]], object],
        *,
        batch_max: int = BATCH_MAX,
        linger: float = LINGER_SECONDS,
    ) -> None:
        self.name = name
        self._handle = handle
        self.batch_max = batch_max
        self.linger = linger
        self._queue: queue.Queue[int] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self.batches = 0

    def submit(self, pk: int) -> None:
        self._ensure_thread()
        self._queue.put(pk)

    def _ensure_thread(self) -> None:
        pid = os.getpid()
        if self._thread is not None and self._thread.is_alive() and self._pid == pid:
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == pid:
                return
            if self._pid != pid:  # forked: the parent's queue and thread are not ours
                self._queue = queue.Queue()
            self._pid = pid
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def _take(self) -> list[int]:
        """The next batch: the first id waiting (blocking), then whatever arrives within `linger`, up to
        `batch_max`. The ids are already stored, so waiting delays only their refresh, never their answer."""
        pks = [self._queue.get()]
        until = time.monotonic() + self.linger
        while len(pks) < self.batch_max:
            left = until - time.monotonic()
            try:
                pks.append(self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait())
            except queue.Empty:
                break
        return pks

    def _run(self) -> None:
        while True:
            pks = self._take()
            try:
                close_old_connections()
                self._handle(pks)
                self.batches += 1
            except Exception:  # the database or the broker is down, or a bug: the events keep their retry time
                log.exception("%s: batch of %d events not handed on now; the retry sweep will", self.name, len(pks))
            finally:
                close_old_connections()
                for _ in pks:
                    self._queue.task_done()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every id submitted so far is handled (tests, benchmarks, shutdown); False on timeout."""
        done = threading.Event()

        def join() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=join, daemon=True).start()
        return done.wait(timeout)


refresher = Handoff("webhook-refresher", webhooks.refresh_batch)
