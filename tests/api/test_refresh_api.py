"""POST /api/v1/orders/{order_id}/refresh/: re-sync from the Juspay simulator over real HTTP, as the page's
Refresh now, rate-limited per token by a scoped throttle whose limit is in settings."""

from __future__ import annotations

import pytest

from dashboard.models import AuditEvent
from orders.models import Order
from orders.services import sync_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]


@pytest.fixture
def sim_cached(sim_merchant, juspay_sim):
    order_id = juspay_sim.create_order(amount=640.0, status="CHARGED")
    result = sync_order(sim_merchant, order_id)
    assert result.obj is not None, result.error
    return result.obj


def test_refresh_asks_juspay_and_says_what_it_found(api_as, sim_cached, juspay_sim):
    before = len(juspay_sim.requests(f"/orders/{sim_cached.order_id}"))
    response = api_as("Support").post(f"/api/v1/orders/{sim_cached.order_id}/refresh/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["refreshed"] is True and data["error"] is None and data["order_id"] == sim_cached.order_id
    assert len(juspay_sim.requests(f"/orders/{sim_cached.order_id}")) == before + 1  # one real Order Status call
    assert AuditEvent.objects.filter(verb="order.refresh", object_id=str(sim_cached.pk)).count() == 1
    assert data["last_synced_at"] is not None


def test_juspay_down_keeps_the_cached_copy_and_says_so(api_as, sim_cached, sim_merchant):
    sim_merchant.base_url = "http://127.0.0.1:9"  # nothing listens
    sim_merchant.save()
    response = api_as("Support").post(f"/api/v1/orders/{sim_cached.order_id}/refresh/")
    assert response.status_code == 200
    assert response.json()["refreshed"] is False and response.json()["error"]
    assert Order.objects.get(pk=sim_cached.pk).status == "CHARGED"


def test_refresh_is_rate_limited_per_token(api_as, sim_cached, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "order_refresh": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from rest_framework.throttling import SimpleRateThrottle

    previous = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates  # DRF reads the rates once at import
    try:
        support, other = api_as("Support"), api_as("Support")
        path = f"/api/v1/orders/{sim_cached.order_id}/refresh/"
        assert [support.post(path).status_code for _ in range(2)] == [200, 200]
        throttled = support.post(path)
        assert throttled.status_code == 429
        assert throttled["Content-Type"] == "application/problem+json" and int(throttled["Retry-After"]) > 0
        assert throttled.json()["retry_after"] > 0
        assert other.post(path).status_code == 200  # another token has its own budget
        assert api_as("Support").get(f"/api/v1/orders/{sim_cached.order_id}/notes/").status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = previous


def test_the_default_refresh_limit_is_in_settings(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["order_refresh"] == "10/minute"


@pytest.mark.parametrize(("role", "expected"), [("Manager", 403), (None, 403)])
def test_only_order_writers_refresh(api_as, sim_cached, role, expected):
    assert api_as(role).post(f"/api/v1/orders/{sim_cached.order_id}/refresh/").status_code == expected


def test_refresh_of_an_unknown_order_is_a_404(api_as, sim_merchant):
    assert api_as("Support").post("/api/v1/orders/NOPE/refresh/").status_code == 404
