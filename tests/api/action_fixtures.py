"""Fixtures of the action-request, notes, refresh, reveal, audit and KPI API tests: a client per person that
talks JSON with a real personal token (`Authorization: Bearer`), as a script would.

A plugin of tests/conftest.py. Modules that call the API use `pytestmark = pytest.mark.usefixtures("fresh_throttles")`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client


class TokenClient:
    """The Django test client with a Bearer token: `get`, `post` (JSON bodies), and the user it acts as."""

    def __init__(self, user: Any, secret: str) -> None:
        self.user = user
        self.client = Client()
        self.auth = {"Authorization": f"Bearer {secret}"}

    def get(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(path, data or {}, headers={**self.auth, **headers})

    def post(self, path: str, body: Any = None, *, key: str | None = None, **headers: str) -> Any:
        extra = {**self.auth, **headers}
        if key is not None:
            extra["Idempotency-Key"] = key
        return self.client.post(
            path, json.dumps(body if body is not None else {}), content_type="application/json", headers=extra
        )


@pytest.fixture
def token_client(make_user: Callable[..., Any]) -> Callable[..., TokenClient]:
    """token_client(user) -> a TokenClient acting as `user` with a fresh token."""
    from django.utils import timezone

    from dashboard import api_tokens

    def _client(user: Any) -> TokenClient:
        issued = api_tokens.issue(user, name="tests", expires_at=timezone.now() + timedelta(days=1))
        return TokenClient(user, issued.secret)

    return _client


@pytest.fixture
def api_as(make_user: Callable[..., Any], token_client: Callable[..., TokenClient]) -> Callable[..., TokenClient]:
    """api_as("Finance") -> a TokenClient for a new person of that role (None: no role; superuser=True works)."""

    def _as(role: str | None, **extra: Any) -> TokenClient:
        return token_client(make_user(role, **extra))

    return _as


@pytest.fixture
def charged(cached_order: Callable[..., Any]) -> Any:
    """A CHARGED order in the cache (Juspay's example), refundable."""
    return cached_order("order_status_charged.json")


def new_key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def fresh_throttles() -> Any:
    """Throttle counts live in the cache: each test starts with a full budget."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
