"""Where a reveal is remembered for an API caller: the browser session, or, for a personal token, the server.

`orders.masking` remembers reveals in a session-shaped mapping (`masking.SESSION_KEY` -> {subject: expiry}).
A token has no session, so `TokenReveals` keeps the same mapping in the `TokenReveal` table, one row per
(token, order): a Finance user's `POST /api/v1/orders/{id}/reveal/` with a token unmasks that order's later
reads with the same token for masking.REVEAL_SECONDS, as the session's reveal does for the pages; another
token of the same person stays masked. Expired rows are dropped whenever a reveal is written.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from dashboard.models import ApiToken
from orders import masking
from orders.models import TokenReveal


class TokenReveals(MutableMapping[str, Any]):
    """One token's reveals in force, shaped as the session masking reads: the single key masking.SESSION_KEY."""

    def __init__(self, token: ApiToken) -> None:
        self.token = token

    def _check(self, key: str) -> None:
        if key != masking.SESSION_KEY:
            raise KeyError(key)

    def _in_force(self) -> dict[str, float]:
        rows = TokenReveal.objects.filter(token=self.token, expires_at__gt=timezone.now())
        return {subject: expires.timestamp() for subject, expires in rows.values_list("subject", "expires_at")}

    def __getitem__(self, key: str) -> dict[str, float]:
        self._check(key)
        reveals = self._in_force()
        if not reveals:
            raise KeyError(key)
        return reveals

    def __setitem__(self, key: str, value: Any) -> None:
        self._check(key)
        reveals = {str(s): float(e) for s, e in dict(value).items() if isinstance(e, int | float)}
        rows = [
            TokenReveal(token=self.token, subject=subject, expires_at=datetime.fromtimestamp(expires, UTC))
            for subject, expires in reveals.items()
        ]
        with transaction.atomic():
            TokenReveal.objects.filter(expires_at__lte=timezone.now()).delete()
            # One upsert: two reveals at once (the same order or two) both land, and neither fails on the
            # unique (token, subject); nothing here removes another request's reveal.
            TokenReveal.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["token", "subject"], update_fields=["expires_at"]
            )

    def __delitem__(self, key: str) -> None:
        self._check(key)
        if not TokenReveal.objects.filter(token=self.token).delete()[0]:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter([masking.SESSION_KEY] if self._in_force() else [])

    def __len__(self) -> int:
        return 1 if self._in_force() else 0


def reveals_for(session: MutableMapping[str, Any], auth: object) -> MutableMapping[str, Any]:
    """Where this API caller's reveals live: the token's rows when `auth` (DRF's request.auth) is a personal
    token, else the browser session."""
    return TokenReveals(auth) if isinstance(auth, ApiToken) else session


def token_label(auth: object) -> str:
    """How the audit log names the token a reveal came through ("" for the browser session)."""
    return str(auth) if isinstance(auth, ApiToken) else ""
