"""The pages for money-moving Fulfilment Sync commands: raising INITIATE_REFUND, two approvers, the order
page's refunds and Fulfilment Sync panel, the policy editor's money flag, settling an unknown outcome."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard.models import AuditEvent
from fulfilment import executor, selectors, services
from fulfilment.models import ActionRequest, ActionState, ApprovalPolicy
from tests.fixtures.policy import activate_policy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_timeouts(settings):
    settings.JUSPAY_TIMEOUT_SECONDS = 0.3
    settings.JUSPAY_RETRY_TIMEOUT_SECONDS = 0.3


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def raise_initiate_refund(client, order, **extra):
    return client.post(
        reverse("fulfilment:raise_fulfilment", args=[order.pk]),
        {
            "fulfillment_command": "INITIATE_REFUND",
            "fulfillment_status": "FAILURE",
            "fulfillment_id": extra.pop("fulfillment_id", "RF-WEB-1"),
            "comment": "parcel lost",
            "form_token": str(uuid.uuid4()),
            **extra,
        },
    )


def test_an_initiate_refund_above_the_threshold_waits_for_two_approvers_on_the_pages(
    client, make_user, sim_order, juspay_sim, django_capture_on_commit_callbacks
):
    order = sim_order(amount=15000)
    client.force_login(make_user("Support", username="sam"))
    response = raise_initiate_refund(client, order)
    req = ActionRequest.objects.get()
    assert response.status_code == 302
    assert req.required_approvals == 2 and req.amount == 15000

    first, second = make_user("Finance", username="fiona"), make_user("Finance", username="farid")
    client.force_login(first)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("fulfilment:approve", args=[req.pk]))
    page = text(client.get(reverse("fulfilment:detail", args=[req.pk])))
    assert "Waiting for approval" in page and "1 of 2" in page
    assert juspay_sim.refunds(order.order_id) == []

    client.force_login(second)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("fulfilment:approve", args=[req.pk]))
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED, req.error
    assert len(juspay_sim.refunds(order.order_id)) == 1


def test_the_raise_form_refuses_an_amount_beyond_what_is_still_refundable(client, make_user, sim_order, refund_request):
    order = sim_order(amount=1000)
    refund_request(order, "1000.00")
    client.force_login(make_user("Support"))
    page = text(raise_initiate_refund(client, order))
    assert "Nothing is still refundable on this order" in page
    assert ActionRequest.objects.filter(kind="fulfilment").count() == 0


def test_the_order_panel_shows_juspays_commands_and_the_refunds_raised_here(
    client, make_user, sim_order, juspay_sim, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    order = sim_order(amount=900)
    sam, fiona = make_user("Support", username="sam"), make_user("Finance", username="fiona")
    refund = services.raise_refund(
        order, maker=sam, amount=Decimal("300.00"), reason_code="GOODWILL", comment="late", form_token=uuid.uuid4()
    ).request
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(refund.pk, approver=fiona)
    with django_capture_on_commit_callbacks(execute=True):
        services.raise_fulfilment(
            order,
            maker=sam,
            status="SUCCESS",
            command="NO_ACTION",
            fulfillment_id="SHP-9",
            fulfillment_data="courier=BlueDart; awb=778",
            form_token=uuid.uuid4(),
        )
    refund.refresh_from_db()
    assert refund.state == ActionState.SUCCEEDED, refund.error

    client.force_login(make_user("Support"))
    with django_assert_max_num_queries(14):
        page = text(client.get(reverse("fulfilment:order_actions", args=[order.pk])))

    juspay_refund_id = refund.result["refund"]["id"] or refund.idempotency_key
    assert "Refunds raised here" in page
    assert refund.idempotency_key in page and juspay_refund_id in page
    assert re.search(rf"order-refund-{refund.pk}.*?sam.*?fiona", page)
    assert "Fulfilment Sync commands at Juspay" in page
    assert f"status <strong>SUCCESS</strong>, order {order.order_id}, merchant {juspay_sim.merchant_id}" in page
    assert "courier=BlueDart; awb=778" in page  # free-form data shown as text
    assert "recorded; not final (NO_ACTION can be sent again)" in page


def test_unknown_fields_of_the_answer_are_kept_and_shown(charged_order, make_user):
    req = services.raise_fulfilment(
        charged_order, maker=make_user("Support"), status="SUCCESS", command="INVOICE", form_token=uuid.uuid4()
    ).request
    answer = {
        "status": "SUCCESS",
        "order_id": charged_order.order_id,
        "merchant_id": "m1",
        "trace": "t-1",
        "commands": [{"command": "INVOICE", "status": "QUEUED_AT_LSP", "lsp_ref": {"id": 7}}, "odd"],
    }
    ActionRequest.objects.filter(pk=req.pk).update(state=ActionState.SUCCEEDED, juspay_answer=answer)
    shown = selectors.sync_answer(ActionRequest.objects.get(pk=req.pk))
    assert shown is not None and shown.other == [("trace", "t-1")]
    assert shown.commands[0].status == "QUEUED_AT_LSP" and shown.commands[0].other == [("lsp_ref", '{"id": 7}')]
    assert shown.commands[1].data == "odd"


def test_the_policy_page_flags_a_command_as_moving_money_and_the_change_is_audited(client, make_user):
    client.force_login(make_user("Admin"))
    page = text(client.get(reverse("fulfilment:policy")))
    assert "INITIATE_REFUND moves money" in page and "BLOCK_IMEI data is JSON" in page
    response = client.post(
        reverse("fulfilment:policy"),
        {
            "based_on": "0",
            "approver_roles": ["Finance", "Admin"],
            "expiry_hours": "72",
            "refund_approvals": "1",
            "refund_threshold": "10000",
            "refund_high_approvals": "2",
            "fulfilment_approvals": "1",
            "cmd_NO_ACTION": "0",
            "money_INITIATE_REFUND": "balance",
            "money_INITIATE_CREDIT": "entered",
            "json_INVOICE": "on",
            "note": "credit moves money",
        },
    )
    assert response.status_code == 302
    pending = ApprovalPolicy.objects.get(state="pending")
    client.force_login(make_user("Admin"))
    assert client.post(reverse("fulfilment:policy_approve", args=[pending.pk])).status_code == 302
    rules = ApprovalPolicy.objects.get(is_active=True).rules["fulfilment"]
    assert rules["money"] == {"INITIATE_CREDIT": "entered", "INITIATE_REFUND": "balance"}
    assert rules["json_data"] == ["INVOICE"]
    event = AuditEvent.objects.get(verb="policy.changed")
    assert event.after["rules"]["fulfilment"]["money"]["INITIATE_CREDIT"] == "entered"
    assert event.before["rules"]["fulfilment"]["money"] == {"INITIATE_REFUND": "balance"}


def test_an_unresolved_command_is_in_the_queue_with_its_reason_and_a_person_settles_it(
    client, make_user, sim_order, juspay_sim, django_capture_on_commit_callbacks
):
    order = sim_order(amount=1000)
    req = services.raise_fulfilment(
        order, maker=make_user("Support"), status="SUCCESS", command="INITIATE_REFUND", form_token=uuid.uuid4()
    ).request
    with django_capture_on_commit_callbacks(execute=False):
        services.approve(req.pk, approver=make_user("Finance"))
    juspay_sim.set_faults(lose_next_post_responses=1, lost_response_hang_seconds=1.0)
    assert executor.execute(req.pk) == ActionState.UNRESOLVED

    client.force_login(make_user("Finance", username="fiona"))
    queue = text(client.get(reverse("fulfilment:queue") + "?state=unresolved"))
    assert f"#{req.pk}" in queue and "Outcome unknown: a person must check with Juspay" in queue
    assert "not sent again" in queue and f"Check with Juspay and settle #{req.pk}" in queue
    detail = text(client.get(reverse("fulfilment:detail", args=[req.pk])))
    assert "Juspay confirms it took effect" in detail

    no_outcome = client.post(reverse("fulfilment:resolve", args=[req.pk]), {"comment": "asked"}, follow=True)
    assert "Say whether Juspay confirmed it took effect or not." in text(no_outcome)
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.UNRESOLVED
    response = client.post(
        reverse("fulfilment:resolve", args=[req.pk]), {"outcome": "happened", "comment": "Juspay ticket 5521"}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED and len(juspay_sim.refunds(order.order_id)) == 1


def test_an_entered_amount_travels_from_the_form_to_the_request(client, make_user, sim_order):
    admin = make_user("Admin")
    activate_policy({"fulfilment": {"approvals": 1, "money": {"INITIATE_REFUND": "entered"}}}, actor=admin, based_on=0)
    order = sim_order(amount=1000)
    client.force_login(make_user("Support"))
    form = text(client.get(reverse("fulfilment:raise_fulfilment", args=[order.pk])))
    assert "Still refundable: ₹1,000.00" in form

    too_much = text(raise_initiate_refund(client, order, amount="1000.01"))
    assert "At most ₹1,000.00 is still refundable" in too_much
    assert raise_initiate_refund(client, order, amount="250.00").status_code == 302
    req = ActionRequest.objects.get()
    assert req.amount == Decimal("250.00") and req.payload["fulfillment_data"] == '{"amount":"250.00"}'
