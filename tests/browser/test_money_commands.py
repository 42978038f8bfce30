"""In Chromium: an INITIATE_REFUND sent from the order page needs two approvers, refunds once, and the order's
"refunds and Fulfilment Sync" panel shows Juspay's commands and who raised and approved the refund."""

import re

import pytest
from playwright.sync_api import expect

from fulfilment.models import ActionRequest

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def tasks_inline():
    from dashboard.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_initiate_refund_needs_two_approvers_and_the_panel_shows_what_juspay_did(
    page, live_server, make_user, login, logout, juspay_sim, sim_merchant
):
    from orders.services import sync_order

    order_id = juspay_sim.create_order(amount=12000, status="CHARGED")
    assert sync_order(sim_merchant, order_id).obj is not None
    order_page = f"{live_server.url}/orders/{order_id}/?merchant=default"

    login(make_user("Support", username="sam"))
    page.goto(order_page)
    page.get_by_role("button", name="Send a fulfilment command").click()
    page.get_by_label("Command", exact=True).select_option("INITIATE_REFUND")
    page.get_by_label("Fulfilment status", exact=True).select_option("FAILURE")
    page.get_by_label("Fulfilment id", exact=True).fill("RF-LOST-7")
    page.get_by_role("button", name="Raise command request").click()
    status = page.get_by_role("status").filter(has_text="raised")
    expect(status).to_contain_text("INITIATE_REFUND of ₹12,000.00")
    expect(status).to_contain_text("waiting for approval")
    pk = int(re.search(r"Request #(\d+) raised", status.inner_text()).group(1))
    assert ActionRequest.objects.get(pk=pk).required_approvals == 2
    logout()

    for name in ("fiona", "farid"):
        login(make_user("Finance", username=name))
        page.goto(f"{live_server.url}/approvals/")
        page.get_by_role("button", name=f"Approve #{pk}").click()
        expect(page.locator(f"#request-{pk}").get_by_role("status")).to_have_text("Approval recorded.")
        logout()
    assert [r["amount"] for r in juspay_sim.refunds(order_id)] == [12000.0]

    login(make_user("Support"))
    page.goto(order_page)
    refund_row = page.locator(f"#order-refund-{pk}")
    expect(refund_row).to_contain_text("INITIATE_REFUND")
    expect(refund_row).to_contain_text("sam")
    expect(refund_row).to_contain_text("fiona, farid")
    commands = page.get_by_role("table", name=f"Fulfilment Sync commands on order {order_id}")
    expect(commands).to_contain_text("INITIATE_REFUND")
    expect(commands).to_contain_text("SUCCESS")
