"""The executor against the Juspay simulator: validate, send with the request's key, record, exactly once."""

import json
import uuid
from decimal import Decimal

import pytest

from dashboard.juspay.client import JuspayClient
from dashboard.juspay.errors import JuspayOutcomeUnknown
from dashboard.juspay.forms import SplitSettlementDetails
from dashboard.juspay_access import client_for, config_for
from dashboard.models import AuditEvent
from fulfilment import executor, services
from fulfilment.models import ActionRequest, ActionState
from orders.models import Refund, TimelineEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_timeouts(settings):
    settings.JUSPAY_TIMEOUT_SECONDS = 0.3
    settings.JUSPAY_RETRY_TIMEOUT_SECONDS = 0.3


@pytest.fixture
def approved_refund(refund_request, make_user, django_capture_on_commit_callbacks):
    """approved_refund(order, amount) -> the request, approved without running the executor yet."""

    def _make(order, amount="250.00"):
        req = refund_request(order, amount)
        with django_capture_on_commit_callbacks(execute=False):
            services.approve(req.pk, approver=make_user("Finance"))
        return ActionRequest.objects.get(pk=req.pk)

    return _make


def timeline(order):
    return list(TimelineEvent.objects.filter(order=order).order_by("at", "id").values_list("kind", flat=True))


def test_an_approved_refund_reaches_juspay_once_and_is_recorded(sim_order, approved_refund, juspay_sim):
    order = sim_order(amount=1000)
    req = approved_refund(order, "250.00")
    assert executor.execute(req.pk) == ActionState.SUCCEEDED
    req.refresh_from_db()
    refunds = juspay_sim.refunds(order.order_id)
    assert [(r["unique_request_id"], r["amount"]) for r in refunds] == [(req.idempotency_key, 250.0)]
    assert req.attempts == 1 and req.result["resolution"] == "sent" and req.result["refund"]["status"] == "PENDING"
    assert Refund.objects.filter(order=order, unique_request_id=req.idempotency_key).exists()  # cache refreshed
    kinds = timeline(order)
    assert [k for k in kinds if k.startswith("action.")] == [
        "action.raised",
        "action.approved",
        "action.sent",
        "action.succeeded",
    ]
    assert "refund.created" in kinds  # the refund itself, from Juspay's answer
    assert list(
        AuditEvent.objects.filter(object_id=str(req.pk), object_type="fulfilment.actionrequest")
        .order_by("sequence")
        .values_list("verb", flat=True)
    ) == ["action.raised", "action.approved", "action.sent", "action.succeeded"]
    assert executor.execute(req.pk) == "nothing to do: succeeded"  # a second delivery changes nothing
    assert len(juspay_sim.refunds(order.order_id)) == 1


def test_a_refund_is_not_sent_when_juspay_no_longer_allows_the_amount(
    sim_order, approved_refund, juspay_sim, sim_merchant
):
    order = sim_order(amount=1000)
    req = approved_refund(order, "600.00")
    with client_for(sim_merchant) as juspay:  # someone refunds from Juspay's own dashboard meanwhile
        juspay.refund(order.order_id, unique_request_id="OUTSIDE1", amount=Decimal("500.00"))
    assert executor.execute(req.pk) == ActionState.FAILED
    req.refresh_from_db()
    assert "only ₹500.00" in req.error and not req.retry_safe
    assert [r["unique_request_id"] for r in juspay_sim.refunds(order.order_id)] == ["OUTSIDE1"]
    # the last step of the request (Juspay-dated refund events may sort later: the shared simulator's clock
    # runs ahead of ours once any test has advanced it)
    assert [k for k in timeline(order) if k.startswith("action.")][-1] == "action.failed"


def test_a_lost_answer_is_settled_through_order_status_without_a_second_refund(sim_order, approved_refund, juspay_sim):
    order = sim_order(amount=1000)
    req = approved_refund(order)
    juspay_sim.set_faults(lose_next_post_responses=1, lost_response_hang_seconds=1.0)
    assert executor.execute(req.pk) == ActionState.SUCCEEDED
    req.refresh_from_db()
    assert req.result["resolution"] == "found_on_check"
    assert len(juspay_sim.refunds(order.order_id)) == 1


def test_a_run_interrupted_after_sending_is_resumed_by_checking_first(
    sim_order, approved_refund, juspay_sim, monkeypatch
):
    order = sim_order(amount=1000)
    req = approved_refund(order)

    class WorkerDied(BaseException):
        pass

    def die():
        raise WorkerDied

    monkeypatch.setattr(executor, "after_send_hook", die)
    with pytest.raises(WorkerDied):
        executor.execute(req.pk)
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.SENDING
    assert len(juspay_sim.refunds(order.order_id)) == 1  # Juspay has it; we did not record it

    monkeypatch.setattr(executor, "after_send_hook", lambda: None)
    assert req.pk in executor.stalled(
        now=ActionRequest.objects.get(pk=req.pk).updated_at + executor.timedelta(seconds=1000)
    )
    assert executor.execute(req.pk) == ActionState.SUCCEEDED
    req.refresh_from_db()
    assert req.attempts == 2 and req.result["resolution"] == "found_before_sending"
    assert len(juspay_sim.refunds(order.order_id)) == 1


def test_an_unknown_outcome_stays_sending_and_the_next_run_checks_before_sending(
    sim_order, approved_refund, juspay_sim, monkeypatch
):
    order = sim_order(amount=1000)
    req = approved_refund(order)

    class Unsure(JuspayClient):
        def refund(self, *args, **kwargs):
            raise JuspayOutcomeUnknown(
                "refund may or may not have taken effect",
                operation="refund",
                order_id=order.order_id,
                idempotency_key=req.idempotency_key,
            )

    monkeypatch.setattr(executor, "client_for", lambda merchant: Unsure(config_for(merchant)))
    assert executor.execute(req.pk) == "unknown"
    req.refresh_from_db()
    assert req.state == ActionState.SENDING and "Outcome unknown" in req.error
    assert AuditEvent.objects.filter(verb="action.outcome_unknown", object_id=str(req.pk)).exists()

    monkeypatch.setattr(executor, "client_for", client_for)
    assert executor.execute(req.pk) == ActionState.SUCCEEDED  # checked Order Status, found nothing, sent once
    req.refresh_from_db()
    assert req.attempts == 2 and req.result["resolution"] == "sent"
    assert len(juspay_sim.refunds(order.order_id)) == 1


def test_juspay_unreachable_fails_retryably_and_a_retry_sends_once(
    sim_order, approved_refund, sim_merchant, juspay_sim, make_user, django_capture_on_commit_callbacks
):
    order = sim_order(amount=1000)
    req = approved_refund(order)
    real_url = sim_merchant.base_url
    sim_merchant.base_url = "http://127.0.0.1:9"  # nothing listens there
    sim_merchant.save()
    assert executor.execute(req.pk) == ActionState.FAILED
    req.refresh_from_db()
    assert req.retry_safe and "could not be re-fetched" in req.error
    sim_merchant.base_url = real_url
    sim_merchant.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.retry(req.pk, actor=make_user("Finance"))
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED and req.attempts == 2
    assert len(juspay_sim.refunds(order.order_id)) == 1


def test_no_action_is_sent_without_approval_and_recorded(
    sim_order, make_user, juspay_sim, django_capture_on_commit_callbacks
):
    order = sim_order(amount=800)
    with django_capture_on_commit_callbacks(execute=True):
        raised = services.raise_fulfilment(
            order,
            maker=make_user("Support"),
            status="SUCCESS",
            command="NO_ACTION",
            fulfillment_id="DLV-77",
            fulfillment_data='{"awb":"77812345601"}',
            form_token=uuid.uuid4(),
        )
    req = ActionRequest.objects.get(pk=raised.request.pk)
    assert req.state == ActionState.SUCCEEDED, req.error
    assert req.result["command"]["command"] == "NO_ACTION" and req.result["command"]["status"] == "SUCCESS"


def test_a_refused_command_shows_juspays_message(sim_order, make_user, juspay_sim, django_capture_on_commit_callbacks):
    order = sim_order(amount=900)
    maker, finance = make_user("Support"), make_user("Finance")

    def split_request(vendor_amount):
        details = SplitSettlementDetails.model_validate(
            {
                "marketplace": {"amount": 900 - vendor_amount},
                "vendor": {"split": [{"sub_mid": "v1", "amount": vendor_amount}]},
            }
        )
        req = services.raise_fulfilment(
            order,
            maker=maker,
            status="SUCCESS",
            command="POST_TXN_SPLIT_SETTLEMENT",
            split=details,
            form_token=uuid.uuid4(),
        ).request
        with django_capture_on_commit_callbacks(execute=True):
            services.approve(req.pk, approver=finance)
        return ActionRequest.objects.get(pk=req.pk)

    # A split reaches Juspay behind the cache's back (another system, or before the cache synced): the raise
    # check sees none, and Juspay's own refusal is what the request shows.
    details = {"marketplace": {"amount": 300}, "vendor": {"split": [{"sub_mid": "v1", "amount": 600}]}}
    sent = juspay_sim.http.post(
        f"/orders/{order.order_id}/fulfillment",
        data={
            "fulfillment_status": "SUCCESS",
            "fulfillment_command": "POST_TXN_SPLIT_SETTLEMENT",
            "split_settlement_details": json.dumps(details),
        },
    )
    assert sent.status_code == 200
    second = split_request(500)  # Juspay executes a split settlement once per order
    assert second.state == ActionState.FAILED
    assert second.error.startswith("Juspay refused it: ") and "already" in second.error
    assert second.retry_safe  # nothing happened at Juspay


def test_the_beat_tasks_expire_overdue_requests_and_pick_up_lost_ones(
    sim_order, approved_refund, refund_request, juspay_sim
):
    from datetime import timedelta

    from django.utils import timezone

    from fulfilment import tasks

    order = sim_order(amount=1000)
    lost = approved_refund(order, "100.00")  # approved, but its task never reached a worker
    overdue = refund_request(order, "50.00")
    long_ago = timezone.now() - timedelta(hours=80)
    ActionRequest.objects.filter(pk=lost.pk).update(updated_at=long_ago)
    ActionRequest.objects.filter(pk=overdue.pk).update(expires_at=long_ago)
    assert tasks.expire_requests.delay().get() == 1
    assert tasks.resume_stalled.delay().get() == 1
    states = dict(ActionRequest.objects.values_list("pk", "state"))
    assert states == {lost.pk: ActionState.SUCCEEDED, overdue.pk: ActionState.EXPIRED}
    assert len(juspay_sim.refunds(order.order_id)) == 1


def test_a_request_is_not_sent_when_the_order_has_no_charged_transaction_any_more(
    cached_order, sim_merchant, juspay_sim, approved_refund
):
    # The cache still shows the order CHARGED (when the refund was raised); Juspay now says otherwise.
    order_id = juspay_sim.create_order(amount=1499, status="AUTHORIZATION_FAILED")
    order = cached_order("order_status_charged.json", order_id=order_id)
    assert order.has_charged_transaction()
    req = approved_refund(order, "100.00")
    assert executor.execute(req.pk) == ActionState.FAILED
    req.refresh_from_db()
    assert "no CHARGED transaction any more" in req.error and not req.retry_safe
    assert juspay_sim.refunds(order_id) == []
