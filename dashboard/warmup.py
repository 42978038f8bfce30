"""Work a web process does once, at start, instead of in its first requests.

`dashboard/wsgi.py` sends `serving_starts` when a WSGI server (gunicorn: each worker, after its fork) loads the
application, before it takes a request. The apps connect what they would otherwise pay on their first page: the
orders app its template fingerprint (orders/section_cache.py reads every template file) and the compiled
templates of its busiest pages. A receiver that fails is logged and skipped: a slower first request, never a
refused start.
"""

from __future__ import annotations

import logging

from django.dispatch import Signal

log = logging.getLogger(__name__)

serving_starts = Signal()


def warm() -> None:
    for receiver, result in serving_starts.send_robust(sender=None):
        if isinstance(result, Exception):
            log.warning("warm-up %r failed: %s", receiver, result)
