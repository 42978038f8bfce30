"""The embedded mode (`make run`: no broker, tasks inline) runs beat's whole schedule on a thread of its own
(dashboard.embedded_beat): a refund whose outcome is unknown does not stay `sending`, a webhook whose first refresh
failed is refreshed again, and ids an import could not fetch are brought in. Real HTTP against the simulator."""

import json
import uuid
from datetime import timedelta

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from dashboard.embedded_beat import EmbeddedBeat
from dashboard.juspay_access import client_for
from fulfilment import executor, services
from fulfilment.models import ActionRequest, ActionState
from orders.management.commands.rundemo import start_background_work
from orders.models import Order, SyncFailure, WebhookEvent
from tests.orders.webhook_auth import basic


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _quick_timeouts(settings):
    settings.JUSPAY_TIMEOUT_SECONDS = 0.3
    settings.JUSPAY_RETRY_TIMEOUT_SECONDS = 0.3


@pytest.fixture
def beat():
    clock = FakeClock()
    beat = EmbeddedBeat(clock=clock)
    beat.clock_for_test = clock  # type: ignore[attr-defined]
    return beat


def tick(beat: EmbeddedBeat) -> list[str]:
    """Move the beat's clock past every interval and run what is due."""
    beat.clock_for_test.now += max(entry.every for entry in beat.entries) + 1  # type: ignore[attr-defined]
    return beat.run_due()


def test_it_runs_every_entry_of_beats_schedule_at_its_interval(db, beat):
    assert {entry.task for entry in beat.entries} == {item["task"] for item in settings.CELERY_BEAT_SCHEDULE.values()}
    assert beat.run_due() == []  # nothing before its first interval, as with beat
    assert set(tick(beat)) == set(settings.CELERY_BEAT_SCHEDULE)
    assert all(entry.runs == 1 and entry.failures == 0 for entry in beat.entries)


def test_rundemo_starts_it_when_there_is_no_broker(db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    started = start_background_work()
    try:
        assert isinstance(started, EmbeddedBeat) and started._thread is not None and started._thread.is_alive()
    finally:
        assert started is not None
        started.stop()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert start_background_work() is None  # with a broker, beat does it (`make worker`)


def test_a_failing_task_is_counted_and_the_others_still_run(db):
    beat = EmbeddedBeat(
        {"boom": {"task": "no.such.task", "schedule": 5.0}, "sweep": {"task": "orders.tasks.sweep_due", "schedule": 5}},
        clock=FakeClock(),
    )
    results = beat.run_all()
    assert results["boom"] is None and beat.entries[0].failures == 1
    assert isinstance(results["sweep"], dict) and beat.entries[1].failures == 0


class AnswerLostThenDown(httpx.HTTPTransport):
    """Real HTTP to the simulator; the refund POST reaches it but its answer is lost, and Juspay is unreachable
    from then on (so the client's Order Status check cannot settle it either)."""

    down = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("Juspay unreachable", request=request)
        response = super().handle_request(request)
        if request.method == "POST":
            response.read()
            self.down = True
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


def test_a_refund_whose_answer_was_lost_while_juspay_went_down_is_resumed_and_never_sent_twice(
    sim_order, refund_request, make_user, juspay_sim, beat, monkeypatch, django_capture_on_commit_callbacks
):
    order = sim_order(amount=1000)
    req = refund_request(order, "250.00")
    monkeypatch.setattr(executor, "client_for", lambda merchant: client_for(merchant, transport=AnswerLostThenDown()))
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(req.pk, approver=make_user("Finance"))
    req.refresh_from_db()
    assert req.state == ActionState.SENDING and "Outcome unknown" in req.error
    assert len(juspay_sim.refunds(order.order_id)) == 1  # it did reach Juspay

    monkeypatch.setattr(executor, "client_for", client_for)  # Juspay is back
    assert tick(beat) and ActionRequest.objects.get(pk=req.pk).state == ActionState.SENDING  # not stalled yet
    ActionRequest.objects.filter(pk=req.pk).update(
        updated_at=timezone.now() - timedelta(seconds=settings.FULFILMENT_STALL_SECONDS + 1)
    )
    assert "resume-stalled-action-requests" in tick(beat)
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED and req.attempts == 2
    assert len(juspay_sim.refunds(order.order_id)) == 1  # found by Order Status, not sent again


def test_a_webhook_whose_first_refresh_failed_is_refreshed_again(
    sim_merchant, juspay_sim, client, beat, django_capture_on_commit_callbacks
):
    order_id = juspay_sim.create_order(amount=640)
    juspay_sim.set_faults(fail_rate=1.0)
    body = {
        "id": f"evt-{uuid.uuid4().hex[:8]}",
        "event_name": "ORDER_SUCCEEDED",
        "content": {"order": {"order_id": order_id}},
    }
    auth = basic(settings.JUSPAY_WEBHOOK_USERNAME, settings.JUSPAY_WEBHOOK_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/webhooks/juspay/", json.dumps(body), content_type="application/json", headers={"Authorization": auth}
        )
    assert answer.status_code == 200
    event = WebhookEvent.objects.get(event_id=body["id"])
    assert event.processed_at is None and event.attempts == 1 and event.error

    juspay_sim.reset_faults()
    WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    assert "retry-webhooks" in tick(beat)
    event.refresh_from_db()
    assert event.processed_at is not None and Order.objects.filter(order_id=order_id).exists()


def test_ids_an_import_could_not_fetch_are_brought_in(sim_merchant, juspay_sim, beat):
    from orders.bulk import sync_many

    order_id = juspay_sim.create_order(amount=720)
    juspay_sim.set_faults(fail_rate=1.0)
    sync_many(sim_merchant, [order_id], remember_failures=True)
    juspay_sim.reset_faults()
    SyncFailure.objects.update(next_try=timezone.now())
    assert "sweep-due-orders" in tick(beat)
    assert SyncFailure.objects.get(order_id=order_id).resolved_at is not None
    assert Order.objects.filter(order_id=order_id).exists()


def test_an_approval_while_the_broker_is_down_stands_and_the_stalled_sweep_sends_it(
    sim_order, refund_request, make_user, juspay_sim, beat, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from fulfilment import tasks

    order = sim_order(amount=800)
    req = refund_request(order, "80.00")

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.execute_request, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            services.approve(req.pk, approver=make_user("Finance"))  # no exception reaches the page
    req.refresh_from_db()
    assert req.state == ActionState.APPROVED and not juspay_sim.refunds(order.order_id)

    ActionRequest.objects.filter(pk=req.pk).update(
        updated_at=timezone.now() - timedelta(seconds=settings.FULFILMENT_STALL_SECONDS + 1)
    )
    tick(beat)
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.SUCCEEDED
    assert len(juspay_sim.refunds(order.order_id)) == 1
