"""Fixtures of the API tests: a personal token per role and a client that sends it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client


class TokenClient:
    """The test client with `Authorization: Bearer <token>` on every request (and no session)."""

    def __init__(self, secret: str, user: Any) -> None:
        self.secret = secret
        self.user = user
        self.client = Client()

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", **(headers or {})}

    def get(self, path: str, data: Any = None, headers: dict[str, str] | None = None, **extra: Any) -> Any:
        return self.client.get(path, data, headers=self._headers(headers), **extra)

    def post(self, path: str, data: Any = None, headers: dict[str, str] | None = None, **extra: Any) -> Any:
        extra.setdefault("content_type", "application/json")
        return self.client.post(path, data, headers=self._headers(headers), **extra)

    def generic(self, method: str, path: str, headers: dict[str, str] | None = None, **extra: Any) -> Any:
        return self.client.generic(method, path, headers=self._headers(headers), **extra)


@pytest.fixture
def issue_token(make_user) -> Callable[..., TokenClient]:
    """issue_token("Support") -> a TokenClient acting as a new Support user through a fresh token."""
    from django.utils import timezone

    from dashboard import api_tokens

    def _issue(role: str | None, *, user: Any = None, days: int = 30, name: str = "test script") -> TokenClient:
        owner = user or make_user(role)
        issued = api_tokens.issue(owner, name=name, expires_at=timezone.now() + timedelta(days=days))
        return TokenClient(issued.secret, owner)

    return _issue


@pytest.fixture(autouse=True)
def _generous_throttles(settings):
    """Tests of other things must not trip the throttles; tests of the throttles set their own rates."""
    from django.core.cache import cache

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "100000/minute", "anon": "100000/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    cache.clear()
    yield
    cache.clear()
