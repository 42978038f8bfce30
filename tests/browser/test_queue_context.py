"""In Chromium at 1440 and 390 px: the approver sees, on the queue, the order's still-refundable amount and the
customer (masked) without scrolling sideways; bulk approve shows the total and asks to confirm; screenshots of
the queue, the request page and each role's home go to test-artifacts/ui-work/ (git-ignored)."""

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fulfilment.models import Decision

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui-work"
WIDTHS = {1440: 900, 390: 844}


@pytest.fixture
def requests_waiting(cached_order, make_user, merchant):
    from fulfilment import services

    merchant.base_url = "http://127.0.0.1:9"  # Juspay unreachable: pages read the cache
    merchant.save()
    order = cached_order("order_status_charged.json")
    support = make_user("Support", username="sam")

    def refund(amount: str, reason: str):
        return services.raise_refund(
            order,
            maker=support,
            amount=Decimal(amount),
            reason_code=reason,
            comment="Courier lost the parcel",
            form_token=uuid.uuid4(),
        ).request

    return order, support, [refund("100.00", "NOT_DELIVERED"), refund("10.50", "CUSTOMER_REQUEST")]


def shoot(page, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_approver_sees_refundable_and_customer_on_the_queue(
    page, live_server, make_user, login, requests_waiting, width
):
    from fulfilment import services

    order, _, (first, _second) = requests_waiting
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    login(make_user("Finance", username="fin"))
    page.goto(f"{live_server.url}/approvals/")
    row = page.locator(f"#request-{first.pk}")
    refundable = services.still_refundable(order)
    facts = row.get_by_label(f"Order {order.order_id}")
    still = facts.locator("div").filter(has=page.get_by_role("term").filter(has_text="Still refundable"))
    expect(still.get_by_role("definition")).to_have_text(f"₹{refundable:,.2f}")
    shoot(page, "queue", width)
    # Scroll the page (never the table's own box) down to the row: the facts must then be on screen.
    row.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 16)")
    expect(facts.get_by_text(f"₹{refundable:,.2f}")).to_be_in_viewport()
    expect(facts.get_by_text("a•••@example.org")).to_be_in_viewport()
    expect(row).to_contain_text("Reason: NOT_DELIVERED")
    expect(row).to_contain_text("sam")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"

    page.get_by_role("link", name=f"#{first.pk}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Request #{first.pk}", exact=False)).to_be_visible()
    expect(page.get_by_text(f"₹{refundable:,.2f}")).to_be_visible()
    shoot(page, "request", width)


def test_bulk_approve_shows_the_total_and_asks_to_confirm(page, live_server, make_user, login, requests_waiting):
    _, _, (first, second) = requests_waiting
    login(make_user("Finance", username="fin"))
    page.goto(f"{live_server.url}/approvals/")
    page.get_by_label(f"Select request {first.pk}").check()
    page.get_by_label(f"Select request {second.pk}").check()
    page.get_by_role("button", name="Approve selected…").click()
    confirm = page.get_by_role("article", name="Confirm the approvals")
    expect(confirm).to_contain_text("Approve 2 requests moving ₹110.50?")
    assert Decision.objects.count() == 0  # nothing approved before the confirm
    confirm.get_by_role("button", name="Confirm: approve 2").click()
    expect(page.get_by_role("status").filter(has_text="Approved 2 of 2 selected.")).to_be_visible()
    assert Decision.objects.filter(request__in=[first, second]).count() == 2


@pytest.mark.parametrize("width", list(WIDTHS))
def test_each_roles_home_is_a_worklist(page, live_server, make_user, login, logout, requests_waiting, width):
    order, support, _ = requests_waiting
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    login(support)
    page.goto(f"{live_server.url}/orders/{order.order_id}/?merchant=default")
    page.goto(f"{live_server.url}/")
    recent = page.get_by_role("region", name="Orders you worked on")
    expect(recent.get_by_role("link", name=order.order_id)).to_be_visible()
    expect(recent).to_contain_text("Opened")
    expect(page.get_by_role("region", name="Your open requests")).to_contain_text("Waiting for approval")
    shoot(page, "home-support", width)
    logout()
    for role, heading in (("Finance", "Waiting for your decision"), ("Manager", None), ("Admin", None)):
        login(make_user(role, username=f"{role.lower()}-{width}"))
        if heading:
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
        if role == "Manager":
            expect(page.locator("#kpi-headline")).not_to_contain_text("Loading the key figures")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{role}'s home scrolls sideways by {overflow}px at {width}px"
        shoot(page, f"home-{role.lower()}", width)
        logout()
