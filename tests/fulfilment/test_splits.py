"""Split orders: one split per order (refused at raise), and refunds that say how much each vendor gives back,
from the form through approval and the executor to the simulator and back onto the order page."""

import json
import re
import uuid
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from dashboard.juspay.forms import SplitRefundDetails, SplitSettlementDetails
from fulfilment import services
from fulfilment.models import ActionKind, ActionRequest, ActionState

pytestmark = pytest.mark.django_db


def words(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def split(marketplace, *vendors) -> SplitSettlementDetails:
    return SplitSettlementDetails.model_validate(
        {"marketplace": {"amount": marketplace}, "vendor": {"split": [{"sub_mid": v, "amount": a} for v, a in vendors]}}
    )


def raise_split(order, maker, details):
    return services.raise_fulfilment(
        order,
        maker=maker,
        status="SUCCESS",
        command="POST_TXN_SPLIT_SETTLEMENT",
        split=details,
        form_token=uuid.uuid4(),
    )


def split_form(marketplace, vendors) -> dict:
    return {
        "fulfillment_status": "SUCCESS",
        "fulfillment_command": "POST_TXN_SPLIT_SETTLEMENT",
        "form_token": str(uuid.uuid4()),
        "marketplace_amount": str(marketplace),
        "vendors": vendors,
    }


# --- One split per order ----------------------------------------------------------------------------------


def test_a_second_split_is_refused_in_the_form_when_juspay_already_shows_one(client, make_user, cached_order):
    order = cached_order("order_status_split_settlement.json")
    client.force_login(make_user("Support"))
    response = client.post(reverse("fulfilment:raise_fulfilment", args=[order.pk]), split_form(0, "v1, 1000\nv2, 350"))
    assert response.status_code == 400
    assert "Juspay already shows a split settlement on this order; a second split is refused." in words(response)
    assert not ActionRequest.objects.exists()


@pytest.mark.parametrize(
    "state", [ActionState.PENDING, ActionState.APPROVED, ActionState.SENDING, ActionState.SUCCEEDED]
)
def test_a_second_split_is_refused_while_the_first_is_live_here(state, charged_order, make_user):
    maker = make_user("Support")
    first = raise_split(charged_order, maker, split(199, ("v1", 1300))).request
    ActionRequest.objects.filter(pk=first.pk).update(state=state)
    with pytest.raises(services.InvalidRequest, match=rf"Request #{first.pk} already asks for a split") as caught:
        raise_split(charged_order, maker, split(0, ("v2", 1499)))
    assert caught.value.field == "split"
    assert ActionRequest.objects.count() == 1


@pytest.mark.parametrize(
    "state", [ActionState.REJECTED, ActionState.CANCELLED, ActionState.EXPIRED, ActionState.FAILED]
)
def test_a_split_may_be_asked_for_again_once_the_first_ended_without_one(state, charged_order, make_user):
    maker = make_user("Support")
    first = raise_split(charged_order, maker, split(199, ("v1", 1300))).request
    ActionRequest.objects.filter(pk=first.pk).update(state=state)
    again = raise_split(charged_order, maker, split(0, ("v2", 1499)))
    assert again.created and again.request.pk != first.pk


def test_split_applied_false_is_no_split_and_reads_differently_from_none(client_as, cached_order, make_user):
    not_applied = cached_order(
        "order_status_split_settlement.json",
        order_id="SPLITNO",
        split_settlement_response={"split_applied": False, "split_details": []},
    )
    none = cached_order("order_status_charged.json")
    client = client_as("Support")
    page = words(client.get(f"/orders/{not_applied.order_id}/splits/", HTTP_HX_REQUEST="true"))
    assert "A split was requested, but Juspay says it was not applied" in page and "split_applied: false" in page
    assert "No split settlement on this order." not in page
    assert "No split settlement on this order." in words(
        client.get(f"/orders/{none.order_id}/splits/", HTTP_HX_REQUEST="true")
    )
    # Nothing was applied: a split may be asked for.
    assert raise_split(not_applied, make_user("Support"), split(0, ("v1", 1350))).created


# --- Refunds on split orders ------------------------------------------------------------------------------


@pytest.fixture
def split_order(sim_order, make_user, django_capture_on_commit_callbacks):
    """An order of 900 at the simulator, split by our own Fulfilment Sync request (marketplace 100, vendor_a
    500, vendor_b 300), approved, sent and synced back."""
    from orders.services import sync_order

    order = sim_order(amount=900)
    req = raise_split(order, make_user("Support"), split(100, ("vendor_a", 500), ("vendor_b", 300))).request
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(req.pk, approver=make_user("Finance"))
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED, req.error
    synced = sync_order(order.merchant, order.order_id).obj
    assert synced.split_details.count() == 2
    return synced


def refund_form(amount, marketplace="", vendor_a="", vendor_b="") -> dict:
    # The form numbers its vendor fields in the order of the rooms: marketplace, then vendors by sub_vendor_id.
    return {
        "amount": amount,
        "reason_code": "CUSTOMER_REQUEST",
        "comment": "item returned",
        "form_token": str(uuid.uuid4()),
        "split_marketplace": marketplace,
        "split_vendor_1": vendor_a,
        "split_vendor_2": vendor_b,
    }


def test_the_refund_form_of_a_split_order_asks_for_one_part_per_vendor(client, make_user, split_order, charged_order):
    client.force_login(make_user("Support"))
    page = words(client.get(reverse("fulfilment:raise_refund", args=[split_order.pk])))
    assert "From the marketplace" in page and "Received ₹100.00; at most ₹100.00 still to give back." in page
    assert "From vendor vendor_a" in page and "Received ₹500.00; at most ₹500.00 still to give back." in page
    assert "From vendor vendor_b" in page and "Received ₹300.00" in page
    plain = words(client.get(reverse("fulfilment:raise_refund", args=[charged_order.pk])))
    assert "From vendor" not in plain


@pytest.mark.parametrize(
    "fields, message",
    [
        (refund_form("200"), "This order is split between vendors: say how much comes back from each."),
        (refund_form("200", vendor_a="150", vendor_b="40"), "add up to 190.00, not the refund amount 200.00"),
        (refund_form("350", vendor_b="350"), "vendor_b: at most 300.00 (received 300.00, already refunded 0.00)"),
        (refund_form("150", marketplace="150"), "marketplace: at most 100.00 (received 100.00"),
    ],
)
def test_a_bad_allocation_is_refused_with_a_clear_error_and_nothing_raised(
    fields, message, client, make_user, split_order
):
    client.force_login(make_user("Support"))
    response = client.post(reverse("fulfilment:raise_refund", args=[split_order.pk]), fields)
    assert response.status_code == 400
    assert message in words(response)
    assert not ActionRequest.objects.filter(kind=ActionKind.REFUND).exists()


def test_a_refund_allocation_goes_from_the_form_to_juspay_and_back_to_the_order_page(
    client, make_user, split_order, juspay_sim, django_capture_on_commit_callbacks
):
    from orders.services import sync_order

    client.force_login(make_user("Support"))
    url = reverse("fulfilment:raise_refund", args=[split_order.pk])
    response = client.post(url, refund_form("200", marketplace="20", vendor_a="150", vendor_b="30"))
    assert response.status_code == 302
    req = ActionRequest.objects.get(kind=ActionKind.REFUND)
    assert req.payload["split_settlement_details"] == {
        "marketplace": {"refund_amount": 20},
        "vendor": {
            "split": [{"refund_amount": 150, "sub_mid": "vendor_a"}, {"refund_amount": 30, "sub_mid": "vendor_b"}]
        },
    }
    approval = words(client.get(reverse("fulfilment:detail", args=[req.pk])))
    assert "from vendor vendor_a 150" in approval and "from the marketplace 20" in approval

    # While it waits, its parts are held: the next refund may take only what is left from each.
    page = words(client.get(url))
    assert "Received ₹500.00; at most ₹350.00 still to give back." in page
    assert "Received ₹100.00; at most ₹80.00 still to give back." in page

    client.force_login(make_user("Finance"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("fulfilment:approve", args=[req.pk]))
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED, req.error

    (at_juspay,) = juspay_sim.refunds(split_order.order_id)
    assert json.loads(at_juspay["metadata"]["split_settlement_details"]) == req.payload["split_settlement_details"]
    answer = juspay_sim.http.get(f"/orders/{split_order.order_id}").json()
    (shown,) = answer["refunds"]
    assert json.loads(shown["metadata"]["split_settlement_details"])["vendor"]["split"][0]["sub_mid"] == "vendor_a"

    sync_order(split_order.merchant, split_order.order_id)
    refunds = words(client.get(f"/orders/{split_order.order_id}/refunds/", HTTP_HX_REQUEST="true"))
    assert "marketplace ₹20.00 vendor_a ₹150.00 vendor_b ₹30.00" in refunds
    # Once at Juspay, the parts count from Juspay's refunds, not twice.
    client.force_login(make_user("Support"))
    page = words(client.get(url))
    assert "Received ₹500.00; at most ₹350.00 still to give back." in page
    assert "Received ₹300.00; at most ₹270.00 still to give back." in page


def test_the_simulator_refuses_an_allocation_beyond_a_vendors_share(split_order, juspay_sim):
    details = SplitRefundDetails.model_validate(
        {"marketplace": {"refund_amount": 0}, "vendor": {"split": [{"sub_mid": "vendor_b", "refund_amount": 301}]}}
    )
    answer = juspay_sim.http.post(
        f"/orders/{split_order.order_id}/refunds",
        data={
            "unique_request_id": "SPLITOVER1",
            "amount": "301.00",
            "metadata.split_settlement_details": details.to_json_text(),
        },
    )
    assert answer.status_code == 400 and "vendor_b" in answer.text
    assert juspay_sim.refunds(split_order.order_id) == []
    assert Decimal(juspay_sim.http.get(f"/orders/{split_order.order_id}").json()["amount_refunded"]) == 0


def test_the_executor_does_not_send_an_allocation_that_no_longer_fits_juspays_answer(
    split_order, make_user, juspay_sim, django_capture_on_commit_callbacks
):
    details = SplitRefundDetails.model_validate(
        {"marketplace": {"refund_amount": 0}, "vendor": {"split": [{"sub_mid": "vendor_b", "refund_amount": 300}]}}
    )
    req = services.raise_refund(
        split_order,
        maker=make_user("Support"),
        amount=Decimal(300),
        reason_code="CUSTOMER_REQUEST",
        comment="whole parcel back",
        form_token=uuid.uuid4(),
        split=details,
    ).request
    # Meanwhile someone refunds 100 from vendor_b straight at Juspay.
    elsewhere = SplitRefundDetails.model_validate(
        {"marketplace": {"refund_amount": 0}, "vendor": {"split": [{"sub_mid": "vendor_b", "refund_amount": 100}]}}
    )
    answer = juspay_sim.http.post(
        f"/orders/{split_order.order_id}/refunds",
        data={
            "unique_request_id": "ELSEWHERE1",
            "amount": "100.00",
            "metadata.split_settlement_details": elsewhere.to_json_text(),
        },
    )
    assert answer.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(req.pk, approver=make_user("Finance"))
    req.refresh_from_db()
    assert req.state == ActionState.FAILED and not req.retry_safe
    assert "vendor_b: at most 200.00 (received 300.00, already refunded 100.00)" in req.error
    assert [r["unique_request_id"] for r in juspay_sim.refunds(split_order.order_id)] == ["ELSEWHERE1"]
