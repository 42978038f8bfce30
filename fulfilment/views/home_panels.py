"""The approvals' panels on people's home pages: Finance's queue (waiting for me first) and the requests a
person raised that are still open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fulfilment import selectors

HOME_ROWS = 10


def queue(request: HttpRequest) -> dict[str, Any]:
    """Waiting for me first (what I can decide now), then the other pending requests I cannot decide on."""
    viewer = selectors.Viewer.of(request.user)
    mine, _ = selectors.queue_rows(viewer, state=selectors.FOR_ME, session=request.session, limit=HOME_ROWS)
    waiting, more = selectors.queue_rows(viewer, state="pending", session=request.session, limit=HOME_ROWS)
    shown = {row.req.pk for row in mine}
    others = [row for row in waiting if row.req.pk not in shown]
    return {"for_me": mine, "others": others, "more": more, "for_me_count": selectors.waiting_for(viewer).count()}


def my_open_requests(request: HttpRequest) -> dict[str, Any]:
    viewer = selectors.Viewer.of(request.user)
    rows, more = selectors.queue_rows(viewer, state="open", mine=True, session=request.session, limit=HOME_ROWS)
    return {"rows": rows, "more": more}
