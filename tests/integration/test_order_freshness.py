"""The cache stays fresh on real parts: simulator webhooks reach the dashboard, a real Celery worker pulls
the truth from the simulator into PostgreSQL, and the sweep picks up what changed at Juspay."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from dashboard.juspay_access import client_for
from orders.models import Order, SyncSource, TimelineEvent, WebhookEvent
from orders.services import sync_order
from orders.tasks import sweep_due
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def point_webhooks_at(sim, live_server, *, password=None, duplicates=0.0) -> None:
    sim.set_webhook(
        f"{live_server.url}/webhooks/juspay/",
        settings.JUSPAY_WEBHOOK_USERNAME,
        password or settings.JUSPAY_WEBHOOK_PASSWORD,
        duplicates=duplicates,
    )


def new_deliveries(sim, before: int) -> list[dict]:
    return sim.webhook_deliveries()[before:]


def raise_refund(sim_merchant, order_id: str, key: str, amount: str = "10.00") -> None:
    with client_for(sim_merchant) as juspay:
        juspay.refund(order_id, unique_request_id=key, amount=Decimal(amount))


def test_a_webhook_leads_the_worker_to_sync_the_order(celery_worker, live_server, juspay_sim, sim_merchant):
    order_id = juspay_sim.create_order(amount=500, status="CHARGED")
    point_webhooks_at(juspay_sim, live_server)
    raise_refund(sim_merchant, order_id, "RFD-WH-1")  # Juspay fires a refund webhook

    event = wait_for(lambda: WebhookEvent.objects.filter(order_id=order_id, processed_at__isnull=False).first())
    order = Order.objects.get(order_id=order_id)
    assert event.event_id.startswith("evt_")
    assert order.refunds.get().unique_request_id == "RFD-WH-1"
    assert TimelineEvent.objects.filter(order=order, kind="order.discovered", source=SyncSource.WEBHOOK).exists()


def test_a_duplicate_webhook_stores_nothing_new(celery_worker, live_server, juspay_sim, sim_merchant):
    order_id = juspay_sim.create_order(amount=300, status="CHARGED")
    point_webhooks_at(juspay_sim, live_server, duplicates=1.0)  # every webhook delivered twice
    before = len(juspay_sim.webhook_deliveries())
    raise_refund(sim_merchant, order_id, "RFD-DUP-1")

    delivered = wait_for(
        lambda: (
            [d for d in new_deliveries(juspay_sim, before) if d["status"] == 200]
            if len([d for d in new_deliveries(juspay_sim, before) if d["status"] == 200]) >= 2
            else None
        )
    )
    assert delivered[0]["event_id"] == delivered[1]["event_id"]  # the same event, twice
    wait_for(lambda: WebhookEvent.objects.filter(order_id=order_id, processed_at__isnull=False).exists())
    assert WebhookEvent.objects.filter(event_id=delivered[0]["event_id"]).count() == 1
    order = Order.objects.get(order_id=order_id)
    assert TimelineEvent.objects.filter(order=order, kind="order.discovered").count() == 1


def test_a_webhook_with_bad_credentials_is_refused_and_nothing_stored(
    celery_worker, live_server, juspay_sim, sim_merchant
):
    order_id = juspay_sim.create_order(amount=200, status="CHARGED")
    point_webhooks_at(juspay_sim, live_server, password="wrong-password")
    before = len(juspay_sim.webhook_deliveries())
    raise_refund(sim_merchant, order_id, "RFD-BAD-1")

    deliveries = wait_for(lambda: new_deliveries(juspay_sim, before))
    assert {d["status"] for d in deliveries} == {401}
    assert not WebhookEvent.objects.filter(order_id=order_id).exists()
    assert not Order.objects.filter(order_id=order_id).exists()


def test_the_sweep_picks_up_a_refund_that_resolved_at_juspay(celery_worker, juspay_sim, sim_merchant):
    juspay_sim.set_faults(refund_outcome="SUCCESS")
    order_id = juspay_sim.create_order(amount=800, status="CHARGED")
    raise_refund(sim_merchant, order_id, "RFD-SWEEP-1", amount="100.00")
    sync_order(sim_merchant, order_id, source=SyncSource.IMPORT)
    order = Order.objects.get(order_id=order_id)
    assert order.refunds.get().status == "PENDING" and order.is_open

    juspay_sim.advance(3600)  # an hour at Juspay: the refund is sent and resolves
    Order.objects.filter(pk=order.pk).update(next_sync_at=timezone.now() - timedelta(seconds=1))
    sweep_due.delay()

    refund = wait_for(lambda: order.refunds.filter(status="SUCCESS").first())
    assert refund.sent_to_gateway is True
    kinds = set(TimelineEvent.objects.filter(order=order, source=SyncSource.JUSPAY_POLL).values_list("kind", flat=True))
    assert {"refund.sent_to_gateway", "refund.status_changed"} <= kinds
