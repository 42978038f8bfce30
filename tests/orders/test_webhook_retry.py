"""Juspay or the broker being down never turns a webhook into a 5xx: the event is stored with its attempts and
last error, and the retry sweep (`orders.tasks.retry_webhooks`) refreshes the order later, with a back-off and a
bounded number of attempts."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from dashboard.juspay.errors import JuspayUnavailable
from orders import webhooks
from orders.models import Order, PayoutOrder, WebhookEvent
from orders.sync import SyncResult
from orders.tasks import retry_webhooks
from tests.juspay.examples import example
from tests.orders.webhook_auth import basic

URL = "/webhooks/juspay/"
DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused at once


def order_webhook(order_id: str, event_id: str) -> dict:
    return {"id": event_id, "event_name": "ORDER_SUCCEEDED", "content": {"order": {"order_id": order_id}}}


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks, inline_tasks):
    """POST a webhook the way Juspay does, running what intake leaves for after the commit (the refresh)."""

    def _deliver(body: dict):
        auth = basic(settings.JUSPAY_WEBHOOK_USERNAME, settings.JUSPAY_WEBHOOK_PASSWORD)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                URL, data=json.dumps(body), content_type="application/json", headers={"Authorization": auth}
            )

    return _deliver


def make_due(event: WebhookEvent) -> None:
    WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_juspay_unreachable_answers_2xx_and_the_retry_refreshes_the_order_later(deliver, sim_merchant, juspay_sim):
    order_id = juspay_sim.create_order(amount=640, status="CHARGED")
    sim_url = sim_merchant.base_url
    sim_merchant.base_url = DEAD
    sim_merchant.save()

    response = deliver(order_webhook(order_id, "evt_V2_retry_juspay_down"))  # the refresh runs inline and fails

    assert response.status_code == 200 and response.json()["status"] == "accepted"
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and event.attempts == 1
    assert "JuspayUnavailable" in event.error
    assert event.next_attempt_at > timezone.now() + timedelta(seconds=50)  # the first retry, after a minute
    assert not Order.objects.filter(order_id=order_id).exists()

    sim_merchant.base_url = sim_url  # Juspay is back
    sim_merchant.save()
    assert retry_webhooks() == {"tried": 0, "refreshed": 0, "failed": 0}  # not due yet
    make_due(event)
    assert retry_webhooks() == {"tried": 1, "refreshed": 1, "failed": 0}

    event.refresh_from_db()
    assert event.processed_at is not None and event.error == "" and event.next_attempt_at is None
    order = Order.objects.get(order_id=order_id)
    assert order.status == "CHARGED" and order.amount == 640
    assert retry_webhooks()["tried"] == 0  # processed: never tried again


@pytest.mark.django_db
def test_a_dead_broker_answers_2xx_and_leaves_the_event_for_the_retry(deliver, sim_merchant, juspay_sim, monkeypatch):
    order_id = juspay_sim.create_order(amount=120, status="CHARGED")

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr("orders.tasks.refresh_from_webhook.delay", broker_down)
    response = deliver(order_webhook(order_id, "evt_V2_retry_broker_down"))

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and event.attempts == 0 and event.next_attempt_at is not None
    make_due(event)
    assert retry_webhooks()["refreshed"] == 1
    assert Order.objects.filter(order_id=order_id).exists()


@pytest.fixture
def dead_broker():
    """Celery configured as with CELERY_BROKER_URL set (not eager), at an address nothing listens on."""
    from dashboard.celery import app

    saved = {name: app.conf[name] for name in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:9/0")
    _forget_connections(app)
    yield
    app.conf.update(saved)
    _forget_connections(app)  # the pools made for the dead broker are not for later tests


def _forget_connections(app) -> None:
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db
def test_a_real_unreachable_broker_answers_2xx(deliver, merchant, dead_broker):
    """Publishing fails (kombu's OperationalError after its own retries); the answer is still 2xx."""
    response = deliver(order_webhook("LH-BROKER-1", "evt_V2_retry_real_broker"))
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and event.attempts == 0 and event.next_attempt_at is not None


@pytest.mark.django_db
def test_a_refresh_that_breaks_answers_2xx_and_records_the_error(deliver, merchant, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("cache table locked")

    monkeypatch.setattr("orders.webhooks.services.sync_order", broken)
    assert deliver(order_webhook("LH-BROKEN-1", "evt_V2_retry_broken")).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.attempts == 1 and event.error == "RuntimeError: cache table locked"


@pytest.mark.django_db
def test_retries_back_off_and_stop_after_a_bounded_number_of_attempts(deliver, merchant, monkeypatch):
    tried: list[str] = []

    def juspay_down(merchant, order_id, **kwargs):
        tried.append(order_id)
        return SyncResult(None, failure=JuspayUnavailable("connection failed"))

    monkeypatch.setattr("orders.webhooks.services.sync_order", juspay_down)
    deliver(order_webhook("LH-DOWN-1", "evt_V2_retry_bounded"))
    event = WebhookEvent.objects.get()
    delays = []
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        event.refresh_from_db()
        delays.append(event.next_attempt_at - timezone.now())
        make_due(event)
        assert retry_webhooks() == {"tried": 1, "refreshed": 0, "failed": 1}

    event.refresh_from_db()
    assert event.attempts == webhooks.MAX_ATTEMPTS == len(tried)
    assert event.next_attempt_at is None and event.processed_at is None  # left for a person
    assert "connection failed" in event.error
    assert retry_webhooks()["tried"] == 0
    minutes = [round(d.total_seconds() / 60) for d in delays]
    assert minutes[:4] == [1, 2, 4, 8] and max(minutes) == 120  # doubling, capped at two hours


@pytest.mark.django_db
def test_a_payout_transaction_webhook_waits_for_its_fulfilment_then_refreshes_its_payout_order(
    deliver, merchant, monkeypatch
):
    synced: list[str] = []
    monkeypatch.setattr(
        "orders.webhooks.services.sync_payout_order",
        lambda merchant, payout_order_id, **kwargs: synced.append(payout_order_id) or SyncResult(None),
    )
    body = example("payout_webhook_txn.json")
    assert deliver(body).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.order_id == "" and synced == []  # no payout order has this fulfilment yet

    make_due(event)
    assert retry_webhooks()["failed"] == 1
    event.refresh_from_db()
    assert event.attempts == 1 and "is on no cached payout order yet" in event.error

    from dashboard.juspay.types_payout import PayoutOrder as ParsedPayout
    from orders.models import SyncSource
    from orders.sync import apply_payout_order

    payout = example("payout_order_status_fulfillment.json")
    apply_payout_order(merchant, ParsedPayout.parse(payout), source=SyncSource.IMPORT, fetched_at=timezone.now())
    make_due(event)
    assert retry_webhooks()["refreshed"] == 1
    event.refresh_from_db()
    assert synced == [payout["orderId"]] and event.order_id == payout["orderId"] and event.processed_at
    assert PayoutOrder.objects.filter(payout_order_id=payout["orderId"]).exists()


def test_beat_runs_the_retry_sweep():
    assert "orders.tasks.retry_webhooks" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
