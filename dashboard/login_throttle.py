"""Login throttling: django-axes counting in the Django cache, by username and address, with an address ceiling.

Two counters, both in the Django cache (`CACHE_URL`: Redis shares them between hosts):

* **username + address** (axes' own cache handler): `LOGIN_FAILURE_LIMIT` failures for one username from one
  address lock that pair out for `LOGIN_COOLOFF_MINUTES` (each further failure restarts the cool-off). The
  same person signing in from another address is not affected, so an attacker cannot lock a real user out
  of their account from elsewhere, and no counter is kept per username alone.
* **address** (this module): `LOGIN_ADDRESS_FAILURE_LIMIT` failures from one address across any usernames
  within a fixed window of `LOGIN_ADDRESS_WINDOW_MINUTES` refuse every sign-in from that address until the
  window ends. It stops one address from trying many usernames, and because the window is short and fixed
  (further failures do not extend it), people who share that address (an office behind one NAT) are
  kept out for at most a few minutes, not a long lock-out.

The address is `dashboard.request_context.client_ip`: REMOTE_ADDR, or behind the TLS proxy (`BEHIND_TLS_PROXY`)
the X-Forwarded-For entry our proxy appended, so every client behind the proxy is counted on its own.
"""

from hashlib import sha256
from typing import Any

from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache
from django.conf import settings
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest


def _address_key(ip_address: str | None) -> str:
    return "juspay-ops:login-address:" + sha256((ip_address or "-").encode()).hexdigest()


def address_failures(ip_address: str | None) -> int:
    return int(get_cache().get(_address_key(ip_address), 0))


def count_address_failure(ip_address: str | None) -> int:
    """One more failure from this address, in the current fixed window (the first failure opens it)."""
    cache = get_cache()
    key = _address_key(ip_address)
    if cache.add(key, 1, timeout=settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, timeout=settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60)
        return 1


class LoginThrottleHandler(AxesCacheHandler):
    """axes' cache handler (username + address) plus the per-address ceiling."""

    def __init__(self) -> None:  # axes keeps one handler per process: look the cache up on each use instead
        pass

    @property
    def cache(self) -> BaseCache:
        return get_cache()

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if address_failures(getattr(request, "axes_ip_address", None)) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return True
        return bool(super().is_locked(request, credentials))

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or self.is_whitelisted(request, credentials):
            return
        ip_address = getattr(request, "axes_ip_address", None)
        if count_address_failure(ip_address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            request.axes_locked_out = True  # type: ignore[attr-defined]  # AxesMiddleware answers with the lock-out page
            request.axes_credentials = credentials  # type: ignore[attr-defined]
