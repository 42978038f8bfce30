"""Fixtures of the order tests (`inline_tasks` moved to tests/fixtures/orders.py, used beyond them)."""

import pytest

from tests.orders.webhook_auth import basic


@pytest.fixture
def good_auth(settings):
    """The Basic credentials the settings expect of Juspay's webhooks."""
    return basic(settings.JUSPAY_WEBHOOK_USERNAME, settings.JUSPAY_WEBHOOK_PASSWORD)


@pytest.fixture
def refreshes(monkeypatch):
    """The refresh tasks enqueued (not run: these tests are about intake; integration tests run the worker)."""
    calls: list[int] = []
    monkeypatch.setattr("orders.tasks.refresh_from_webhook.delay", lambda pk: calls.append(pk))
    return calls
