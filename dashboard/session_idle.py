"""Idle sessions expire without a session write on every request.

Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) makes concurrent requests overwrite each
other's changes: an order page loads its sections in parallel, and a section request that read the session
before an audited reveal was saved would write the old session back and undo the reveal. Instead, a signed-in
request stamps the session with the current minute only when the stamp has changed, so the session (and its
expiry, SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS) is written at most about once a minute; an idle session
still ends SESSION_IDLE_SECONDS after its last write, give or take that minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

STAMP_KEY = "_idle_minute"
STAMP_SECONDS = 60


def current_stamp() -> int:
    return int(time.time() // STAMP_SECONDS)


def stamp(session: Any) -> None:
    """Mark the session as seen this minute (signing in writes the session anyway: the first request after it
    then has nothing to write)."""
    session[STAMP_KEY] = current_stamp()


class IdleSessionMiddleware:
    """Listed after SessionMiddleware, so its stamp is in place before the session is saved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        # Signed in through this session: an API call with a token (DRF sets request.user) has no session to keep.
        signed_in = (
            user is not None and user.is_authenticated and SESSION_KEY in session if session is not None else False
        )
        if session is not None and signed_in and session.get(STAMP_KEY) != current_stamp():
            stamp(session)  # marks the session modified: SessionMiddleware saves it
        return response
