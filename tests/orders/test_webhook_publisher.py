"""With a broker, intake stores the webhook in one INSERT committed on its own, answers, and a thread of the web
process publishes the refresh tasks after the answer, one per batch of ids (`orders.tasks.publisher`); none is
lost, a broker that refuses the task leaves the event to the retry sweep, and the worker's task refreshes a batch
with one pull per order (orders/webhook_refresher.py)."""

import base64
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from kombu.exceptions import OperationalError

from orders import tasks
from orders.models import Order, WebhookEvent
from orders.tasks import publisher, refresh_from_webhooks

URL = "/webhooks/juspay/"


def _auth(settings) -> str:
    pair = f"{settings.JUSPAY_WEBHOOK_USERNAME}:{settings.JUSPAY_WEBHOOK_PASSWORD}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def _body(order_id: str, merchant_id: str = "") -> dict:
    order = {"order_id": order_id, **({"merchant_id": merchant_id} if merchant_id else {})}
    return {"id": f"evt_{uuid.uuid4().hex}", "event_name": "ORDER_SUCCEEDED", "content": {"order": order}}


def _post(client, settings, body):
    return client.post(URL, body, content_type="application/json", headers={"Authorization": _auth(settings)})


@pytest.fixture
def broker_mode(settings, monkeypatch):
    """As with CELERY_BROKER_URL set and the default WEBHOOK_ENQUEUE: the published batches, recorded (not sent)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WEBHOOK_ENQUEUE = "background"
    published: list[list[int]] = []
    monkeypatch.setattr(tasks.refresh_from_webhooks, "delay", lambda pks: published.append(list(pks)))
    return published


@pytest.mark.django_db(transaction=True)
def test_intake_is_one_statement_and_no_transaction(client, merchant, settings, broker_mode, django_assert_num_queries):
    """One INSERT committed on its own, the merchant's lookup inside it on PostgreSQL (elsewhere a SELECT of the
    merchant's pk first): no BEGIN / COMMIT round trips, no publish."""
    from django.db import connection

    expected = ["INSERT"] if connection.vendor == "postgresql" else ["SELECT", "INSERT"]
    with django_assert_num_queries(len(expected)) as captured:
        response = _post(client, settings, _body("LH-PUB-Q"))
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert [q["sql"].split()[0] for q in captured.captured_queries] == expected
    assert publisher.wait_idle(30)
    assert broker_mode == [[WebhookEvent.objects.get().pk]]


@pytest.mark.django_db
def test_a_duplicate_inside_a_callers_transaction_leaves_it_usable(
    client, merchant, settings, broker_mode, django_capture_on_commit_callbacks
):
    body = _body("LH-PUB-DUP")
    with django_capture_on_commit_callbacks(execute=True):  # the test's transaction never commits: run them
        assert _post(client, settings, body).json()["status"] == "accepted"
        assert _post(client, settings, body).json()["status"] == "duplicate"
    assert WebhookEvent.objects.count() == 1  # the test's transaction survived the duplicate's IntegrityError
    assert publisher.wait_idle(30)
    assert sum(broker_mode, []) == [WebhookEvent.objects.get().pk]


@pytest.mark.django_db(transaction=True)
def test_no_webhook_is_lost_under_concurrent_intake_and_batches_stay_small(merchant, settings, broker_mode):
    answers, errors = [], []

    def send(n: int) -> None:
        client = Client()
        try:
            for i in range(n):
                answers.append(_post(client, settings, _body(f"LH-PUB-{i % 5}")))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(15,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and [a.status_code for a in answers] == [200] * 60
    assert publisher.wait_idle(60)
    published = sum(broker_mode, [])
    assert sorted(published) == sorted(WebhookEvent.objects.values_list("pk", flat=True))  # each once, none lost
    assert all(1 <= len(batch) <= publisher.batch_max for batch in broker_mode)


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_refuses_the_task_leaves_the_event_for_the_retry_sweep(client, merchant, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WEBHOOK_ENQUEUE = "background"

    def refused(pks):
        raise OperationalError("Error 111 connecting to 127.0.0.1:9. Connection refused.")

    monkeypatch.setattr(tasks.refresh_from_webhooks, "delay", refused)
    response = _post(client, settings, _body("LH-PUB-DOWN"))
    assert response.status_code == 200
    assert publisher.wait_idle(30)
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and event.attempts == 0 and event.next_attempt_at is not None


@pytest.mark.django_db
def test_the_workers_batch_task_refreshes_each_order_once(client, sim_merchant, juspay_sim, settings, monkeypatch):
    order_ids = [juspay_sim.create_order(amount=300 + i) for i in range(2)]
    monkeypatch.setattr(tasks.refresh_from_webhook, "delay", lambda pk: None)  # store only (inline publishing)
    for i in range(5):
        assert _post(client, settings, _body(order_ids[i % 2], juspay_sim.merchant_id)).status_code == 200
    pks = list(WebhookEvent.objects.values_list("pk", flat=True))
    assert refresh_from_webhooks.run(pks) == {"events": 5, "pulls": 2, "refreshed": 5, "failed": 0}
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
    assert set(Order.objects.values_list("order_id", flat=True)) == set(order_ids)
