"""Without a broker: refresh stored webhooks on a thread of the web process, after the answer, in batches.

With no `CELERY_BROKER_URL` a task runs inline, so each webhook's Order Status pull used to run inside the
request that received it: Juspay waited for our pull, and a web worker took about 43 webhooks a second. Here
intake only stores the event (committed, with its retry time set) and hands its id to this process's refresher
thread; the answer goes back at once. The thread takes every id waiting, pulls each order once for all the
events naming it (`webhooks.refresh_batch`), and waits for the next.

No event is lost: the event is in the database before its id is queued, and it carries `next_attempt_at`. If
this process stops before the thread gets to it (a restart, a crash), the retry sweep (`retry_webhooks`, beat or
the embedded beat thread) refreshes it a minute later, as it does for any refresh that failed.

`WEBHOOK_EMBEDDED_REFRESH = "inline"` keeps the old behaviour (the tests use it: they assert right after a POST).
"""

from __future__ import annotations

import logging
import os
import queue
import threading

from django.db import close_old_connections

from orders import webhooks

log = logging.getLogger(__name__)

BATCH_MAX = 200  # ids taken per round; the next round takes the rest


class Refresher:
    def __init__(self) -> None:
        self._queue: queue.Queue[int] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self.batches = 0
        self.pulls = 0

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
            self._thread = threading.Thread(target=self._run, name="webhook-refresher", daemon=True)
            self._thread.start()

    def _take(self) -> list[int]:
        pks = [self._queue.get()]
        while len(pks) < BATCH_MAX:
            try:
                pks.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return pks

    def _run(self) -> None:
        while True:
            pks = self._take()
            try:
                close_old_connections()
                totals = webhooks.refresh_batch(pks)
                self.batches += 1
                self.pulls += totals["pulls"]
            except Exception:  # the database is down, or a bug: the events keep their retry time
                log.exception("webhook refresher: batch of %d events not refreshed now; the retry sweep will", len(pks))
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


refresher = Refresher()
