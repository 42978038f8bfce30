"""In Chromium: on a split order, Support reads the split (marketplace share, sub-accounts) and raises a refund
that says how much each vendor gives back; a wrong sum is refused in the form."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from dashboard.juspay.forms import SplitSettlementDetails
from fulfilment import services
from fulfilment.models import ActionKind, ActionRequest, ActionState

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def tasks_inline():
    from dashboard.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def split_order_id(juspay_sim, sim_merchant, make_user):
    """An order of 900, split by our own approved request: marketplace 100, vendor_a 500, vendor_b 300."""
    from orders.services import sync_order

    order_id = juspay_sim.create_order(amount=900, status="CHARGED")
    order = sync_order(sim_merchant, order_id).obj
    details = SplitSettlementDetails.model_validate(
        {
            "marketplace": {"amount": 100},
            "vendor": {"split": [{"sub_mid": "vendor_a", "amount": 500}, {"sub_mid": "vendor_b", "amount": 300}]},
        }
    )
    req = services.raise_fulfilment(
        order,
        maker=make_user("Support"),
        status="SUCCESS",
        command="POST_TXN_SPLIT_SETTLEMENT",
        split=details,
        form_token=uuid.uuid4(),
    ).request
    services.approve(req.pk, approver=make_user("Finance"))  # the executor runs on commit, inline
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.SUCCEEDED
    sync_order(sim_merchant, order_id)
    return order_id


def test_support_allocates_a_refund_across_the_vendors_of_a_split_order(
    page, live_server, make_user, login, split_order_id
):
    login(make_user("Support", username="sam"))
    page.goto(f"{live_server.url}/orders/{split_order_id}/?merchant=default")
    splits = page.get_by_role("region", name="Split settlement", exact=True)
    expect(splits).to_contain_text("Split applied: yes")
    marketplace = splits.get_by_role("row", name=re.compile("Marketplace"))
    expect(marketplace).to_contain_text("the remainder: Juspay's answer lists vendors only")
    expect(marketplace).to_contain_text("₹100.00")
    expect(splits.get_by_role("row", name=re.compile("vendor_a"))).to_contain_text(re.compile(r"₹500\.00.*acc_\w+"))
    expect(splits).not_to_contain_text("do not add up")

    page.get_by_role("button", name="Raise a refund").click()
    expect(page.get_by_text("Received ₹500.00; at most ₹500.00 still to give back.")).to_be_visible()
    page.get_by_label("Amount").fill("200")
    page.get_by_label("From vendor vendor_a").fill("150")
    page.get_by_label("From vendor vendor_b").fill("40")
    page.get_by_label("Reason").select_option("NOT_DELIVERED")
    page.get_by_label("Comment for the approver").fill("One item lost")
    page.get_by_role("button", name="Raise refund request").click()
    expect(page.get_by_role("alert").filter(has_text="add up to 190.00, not the refund amount 200.00")).to_be_visible()
    assert not ActionRequest.objects.filter(kind=ActionKind.REFUND).exists()

    page.get_by_label("From vendor vendor_b").fill("50")
    page.get_by_role("button", name="Raise refund request").click()
    expect(page.get_by_role("status").filter(has_text="raised")).to_contain_text("waiting for approval")
    req = ActionRequest.objects.get(kind=ActionKind.REFUND)
    assert req.payload["split_settlement_details"]["vendor"]["split"] == [
        {"refund_amount": 150, "sub_mid": "vendor_a"},
        {"refund_amount": 50, "sub_mid": "vendor_b"},
    ]
