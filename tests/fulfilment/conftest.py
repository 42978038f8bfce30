"""Fixtures for the approval flow: orders at the simulator and in the cache, and requests raised on them."""

import uuid
from decimal import Decimal

import pytest


@pytest.fixture
def sim_order(sim_merchant, juspay_sim):
    """sim_order(amount=1499) -> an orders.Order CHARGED at the simulator and synced into the cache."""
    from orders.services import sync_order

    def _make(amount: float = 1499.0, **fields):
        order_id = juspay_sim.create_order(amount=amount, status="CHARGED", **fields)
        result = sync_order(sim_merchant, order_id)
        assert result.obj is not None, result.error
        return result.obj

    return _make


@pytest.fixture
def charged_order(cached_order):
    """A CHARGED order in the cache only (built from Juspay's example), for tests that send nothing."""
    return cached_order("order_status_charged.json")


@pytest.fixture
def refund_request(make_user):
    """refund_request(order, amount="100.00", maker=None) -> a pending refund request raised by Support."""
    from fulfilment import services

    def _raise(order, amount: str = "100.00", maker=None, **extra):
        maker = maker or make_user("Support")
        return services.raise_refund(
            order,
            maker=maker,
            amount=Decimal(amount),
            reason_code="CUSTOMER_REQUEST",
            comment=extra.pop("comment", "customer called"),
            form_token=extra.pop("form_token", uuid.uuid4()),
            **extra,
        ).request

    return _raise


@pytest.fixture(autouse=True)
def tasks_inline():
    """Run Celery tasks inline here even when a broker is configured (CI's PostgreSQL pass); the real worker
    is exercised in tests/integration."""
    from dashboard.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
