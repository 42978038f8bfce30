"""Request rates per token (or per signed-in user for the browser session), per IP for anonymous callers.

The limits are `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` in settings, from API_THROTTLE_USER and
API_THROTTLE_ANON. An endpoint with a tighter budget (a refresh that calls Juspay) adds a ScopedTokenThrottle
with its own `throttle_scope`. Over the limit: a 429 problem with `Retry-After`.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle as DrfAnonRateThrottle
from rest_framework.throttling import SimpleRateThrottle

from dashboard.models import ApiToken


def identity(request: Request) -> str | None:
    """token:<id> for a token, user:<id> for a session, None for anonymous."""
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return None


class SettingsRates:
    """Read the rate from the settings when asked (DRF binds them once, at import: tests and reloads missed it)."""

    scope: str | None

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        rate = rates.get(self.scope) if self.scope else None
        return None if rate is None else str(rate)


class AnonRateThrottle(SettingsRates, DrfAnonRateThrottle):
    """Anonymous callers by IP, on an endpoint open to them (DRF throttles after authentication and
    permissions, so a caller without a valid token gets its 401 first)."""


class TokenRateThrottle(SettingsRates, SimpleRateThrottle):
    """Each token has its own budget; a person's browser session has another."""

    scope = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        ident = identity(request)
        return None if ident is None else self.cache_format % {"scope": self.scope, "ident": ident}


class ScopedTokenThrottle(SettingsRates, SimpleRateThrottle):
    """Per token/user for the view's `throttle_scope` (a rate named the same in DEFAULT_THROTTLE_RATES)."""

    scope_attr = "throttle_scope"

    def __init__(self) -> None:
        pass  # the rate is read in allow_request, once the view (and so the scope) is known

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        ident = identity(request) or self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


__all__ = ["AnonRateThrottle", "ScopedTokenThrottle", "TokenRateThrottle", "identity"]
