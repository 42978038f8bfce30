"""In Chromium: an Admin limits a person to one merchant on the People page (htmx), at desktop and phone width;
the limited person's orders list then shows only that merchant's orders."""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.orders.lookup import days_ago

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.mark.parametrize("width", [1440, 390])
def test_admin_limits_a_person_to_a_merchant(page, live_server, make_user, login, logout, answer, merchant, width):
    from dashboard.models import AuditEvent, Merchant, MerchantAccess
    from orders.models import SyncSource
    from orders.sync import apply_order

    other = Merchant.objects.create(
        code="bee", name="Bee Stores", base_url="https://api.juspay.in", api_key="k", merchant_id="bee"
    )
    for m, order_id in ((merchant, "DEFAULT-1"), (other, "BEE-1")):
        parsed = answer("order_status_charged.json", order_id=order_id, date_created=days_ago(0.1))
        apply_order(m, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now())
    person = make_user("Support", username="pat")
    page.set_viewport_size({"width": width, "height": 900})
    login(make_user("Admin"))
    page.goto(f"{live_server.url}/people/")
    row = page.locator(f"#person-{person.pk}")
    row.get_by_text("All merchants").click()
    row.get_by_label("Bee Stores").check()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"people-merchants-{width}.png"), full_page=True)
    row.get_by_role("button", name="Set merchants").click()
    expect(page.locator(f"#person-{person.pk}").get_by_text("bee", exact=True)).to_be_visible()
    assert list(MerchantAccess.objects.filter(user=person).values_list("merchant__code", flat=True)) == ["bee"]
    assert AuditEvent.objects.filter(verb="user.merchants_limited", object_id=str(person.pk)).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    logout()

    login(person)
    page.goto(f"{live_server.url}/orders/?period=all")
    expect(page.get_by_text("BEE-1")).to_be_visible()
    expect(page.get_by_text("DEFAULT-1")).to_have_count(0)
