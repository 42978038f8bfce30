"""Without a broker, webhooks are answered at once and refreshed after the answer on the process's refresher
thread, one pull per order per batch; none is lost (orders/webhook_refresher.py)."""

import base64
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from orders import webhooks
from orders.models import Order, WebhookEvent
from orders.webhook_refresher import refresher

URL = "/webhooks/juspay/"


def _auth(settings) -> str:
    pair = f"{settings.JUSPAY_WEBHOOK_USERNAME}:{settings.JUSPAY_WEBHOOK_PASSWORD}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def _body(order_id: str, merchant_id: str) -> dict:
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "event_name": "ORDER_SUCCEEDED",
        "content": {"order": {"order_id": order_id, "merchant_id": merchant_id}},
    }


@pytest.mark.django_db(transaction=True)
def test_no_webhook_is_lost_under_concurrent_embedded_intake(settings, sim_merchant, juspay_sim):
    settings.WEBHOOK_EMBEDDED_REFRESH = "background"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded mode, also in CI's pass with a broker
    order_ids = [juspay_sim.create_order(amount=100 + i) for i in range(4)]
    auth, answers, errors = _auth(settings), [], []

    def send(n: int) -> None:
        client = Client()
        try:
            for i in range(n):
                body = _body(order_ids[i % len(order_ids)], juspay_sim.merchant_id)
                answers.append(client.post(URL, body, content_type="application/json", headers={"Authorization": auth}))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(6,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and [a.status_code for a in answers] == [200] * 24
    assert refresher.wait_idle(120)
    events = WebhookEvent.objects.filter(order_id__in=order_ids)
    assert events.count() == 24
    assert not events.filter(processed_at__isnull=True).exists(), list(events.values_list("error", flat=True))
    assert set(Order.objects.filter(order_id__in=order_ids).values_list("order_id", flat=True)) == set(order_ids)


@pytest.mark.django_db(transaction=True)
def test_a_batch_pulls_each_order_once_for_all_its_events(settings, sim_merchant, juspay_sim, monkeypatch):
    order_ids = [juspay_sim.create_order(amount=200 + i) for i in range(2)]
    auth = _auth(settings)
    pulls: list[str] = []
    real_sync = webhooks.services.sync_order
    monkeypatch.setattr(
        webhooks.services, "sync_order", lambda m, oid, **kw: pulls.append(oid) or real_sync(m, oid, **kw)
    )
    monkeypatch.setattr("orders.tasks.refresh_from_webhook.delay", lambda pk: None)  # store only; batch below
    client = Client()
    for i in range(6):
        body = _body(order_ids[i % 2], juspay_sim.merchant_id)
        assert (
            client.post(URL, body, content_type="application/json", headers={"Authorization": auth}).status_code == 200
        )
    pks = list(WebhookEvent.objects.filter(order_id__in=order_ids).values_list("pk", flat=True))
    totals = webhooks.refresh_batch(pks)
    assert sorted(pulls) == sorted(order_ids)
    assert totals == {"events": 6, "pulls": 2, "refreshed": 6, "failed": 0}
    assert not WebhookEvent.objects.filter(pk__in=pks, processed_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_when_juspay_is_down_every_event_of_the_order_keeps_its_retry(settings, sim_merchant, juspay_sim, monkeypatch):
    order_id = juspay_sim.create_order(amount=300)
    auth = _auth(settings)
    monkeypatch.setattr("orders.tasks.refresh_from_webhook.delay", lambda pk: None)
    client = Client()
    for _ in range(3):
        body = _body(order_id, juspay_sim.merchant_id)
        client.post(URL, body, content_type="application/json", headers={"Authorization": auth})
    pks = list(WebhookEvent.objects.filter(order_id=order_id).values_list("pk", flat=True))
    juspay_sim.set_faults(fail_rate=1.0)
    totals = webhooks.refresh_batch(pks)
    assert totals["failed"] == 3 and totals["refreshed"] == 0
    for event in WebhookEvent.objects.filter(pk__in=pks):
        assert event.processed_at is None and event.attempts == 1 and event.next_attempt_at is not None


def test_ids_arriving_within_the_linger_are_handed_on_as_one_batch():
    from orders.webhook_refresher import Handoff

    batches: list[list[int]] = []
    handoff = Handoff("test-handoff", batches.append, batch_max=4, linger=2.0)
    for pk in range(1, 7):
        handoff.submit(pk)
    assert handoff.wait_idle(30)
    # one hand-on per full batch, then one for the rest once the linger is over; none lost, none twice
    assert batches == [[1, 2, 3, 4], [5, 6]]
