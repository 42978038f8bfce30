"""In Chromium: Support raises a refund on the order page, Finance approves it, Juspay gets it exactly once."""

import re

import pytest
from playwright.sync_api import expect

from fulfilment.models import ActionRequest, ActionState

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def tasks_inline():
    """The live server runs the executor inline after the last approval, broker or not."""
    from dashboard.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def sim_order_id(juspay_sim, sim_merchant):
    from orders.services import sync_order

    def _make(amount: float) -> str:
        order_id = juspay_sim.create_order(amount=amount, status="CHARGED")
        assert sync_order(sim_merchant, order_id).obj is not None
        return order_id

    return _make


def raise_refund(page, live_server, order_id: str, amount: str) -> int:
    page.goto(f"{live_server.url}/orders/{order_id}/?merchant=default")
    page.get_by_role("button", name="Raise a refund").click()
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Reason").select_option("NOT_DELIVERED")
    page.get_by_label("Comment for the approver").fill("Courier lost the parcel")
    page.get_by_role("button", name="Raise refund request").dblclick()  # an impatient double click
    status = page.get_by_role("status").filter(has_text="raised")
    expect(status).to_contain_text("waiting for approval")
    return int(re.search(r"Request #(\d+) raised", status.inner_text()).group(1))


def approve(page, live_server, pk: int):
    page.goto(f"{live_server.url}/approvals/")
    page.get_by_role("button", name=f"Approve #{pk}").click()
    row = page.locator(f"#request-{pk}")
    expect(row.get_by_role("status")).to_have_text("Approval recorded.")
    return row


def test_support_raises_finance_approves_and_juspay_gets_one_refund(
    page, live_server, make_user, login, logout, juspay_sim, sim_order_id
):
    order_id = sim_order_id(2000)
    support = make_user("Support", username="sam")
    finance = make_user("Finance", username="fiona")

    login(support)
    pk = raise_refund(page, live_server, order_id, "400")
    assert ActionRequest.objects.count() == 1  # the double click raised one request
    page.goto(f"{live_server.url}/approvals/")
    row = page.locator(f"#request-{pk}")
    expect(row).to_contain_text("sam")
    expect(row).to_contain_text("₹400.00")
    expect(page.get_by_role("button", name=f"Approve #{pk}")).to_have_count(0)  # Support cannot approve
    logout()

    login(finance)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name=re.compile(r"Approvals\s*1"))).to_be_visible()
    row = approve(page, live_server, pk)
    expect(row).to_contain_text("Accepted by Juspay")
    assert [r["amount"] for r in juspay_sim.refunds(order_id)] == [400.0]

    page.goto(f"{live_server.url}/orders/{order_id}/?merchant=default")
    timeline = page.locator("#timeline-body")
    for step in (  # the story, in sentences
        f"Refund of ₹400.00 asked for by {support.username}",
        "Refund of ₹400.00 approved by",
        "Refund of ₹400.00 sent to Juspay",
        "Juspay accepted the refund of ₹400.00",
        "raised at Juspay",
    ):
        expect(timeline.get_by_text(step).first).to_be_visible()
    expect(page.locator(f"#order-request-{pk}")).to_contain_text("Accepted by Juspay")


def test_a_high_refund_needs_a_second_finance_approver(
    page, live_server, make_user, login, logout, juspay_sim, sim_order_id
):
    order_id = sim_order_id(20000)
    support, first, second = make_user("Support"), make_user("Finance"), make_user("Finance")

    login(support)
    pk = raise_refund(page, live_server, order_id, "15000")
    logout()

    login(first)
    row = approve(page, live_server, pk)
    expect(row).to_contain_text("1 of 2")
    expect(row).to_contain_text("Waiting for approval")
    expect(row).to_contain_text("You already decided")
    assert juspay_sim.refunds(order_id) == []
    logout()

    login(second)
    row = approve(page, live_server, pk)
    expect(row).to_contain_text("Accepted by Juspay")
    assert ActionRequest.objects.get(pk=pk).state == ActionState.SUCCEEDED
    assert [r["amount"] for r in juspay_sim.refunds(order_id)] == [15000.0]
