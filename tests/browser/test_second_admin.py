"""In Chromium: a policy change and a merchant's new base URL take effect only when a second Admin approves."""

import pytest
from playwright.sync_api import expect

from dashboard.models import Merchant
from fulfilment import policy

pytestmark = pytest.mark.browser


def test_one_admin_proposes_a_policy_change_and_another_puts_it_in_force(page, live_server, make_user, login, logout):
    maker, checker = make_user("Admin", username="ada"), make_user("Admin", username="bea")
    login(maker)
    page.goto(f"{live_server.url}/approvals/policy/")
    page.get_by_label("A pending request expires after (hours)").fill("24")
    page.get_by_label("Why this change").fill("shorter expiry")
    page.get_by_role("button", name="Propose as a new version").click()
    expect(page.get_by_role("status")).to_contain_text("takes effect when another Admin approves it")
    expect(page.get_by_role("heading", name="Change waiting for approval: version 1")).to_be_visible()
    expect(page.get_by_text("another Admin must approve it")).to_be_visible()
    expect(page.get_by_role("button", name="Approve version 1")).to_have_count(0)
    assert policy.active_policy().version == 0
    logout()

    login(checker)
    page.goto(f"{live_server.url}/approvals/policy/")
    page.get_by_role("button", name="Approve version 1").click()
    expect(page.get_by_role("status")).to_contain_text("version 1 is now in force")
    expect(page.get_by_text("v1 (in force)")).to_be_visible()
    assert policy.active_policy().expires_in.total_seconds() == 24 * 3600


def test_a_new_base_url_waits_on_the_merchants_page_for_a_second_admin(page, live_server, make_user, login, logout):
    shop = Merchant.objects.create(
        code="shop", name="Shop", base_url="https://api.juspay.in", api_key="sk_live_old_1111", merchant_id="shop"
    )
    maker, checker = make_user("Admin", username="ada"), make_user("Admin", username="bea")
    login(maker)
    page.goto(f"{live_server.url}/merchants/{shop.pk}/")
    page.get_by_label("Base url").fill("https://sandbox.juspay.in")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Changing the base URL needs you to re-enter the API key.")).to_be_visible()
    page.get_by_label("Api key").fill("sk_test_new_2222")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("waits for another Admin's approval")).to_be_visible()
    expect(page.get_by_role("cell", name="https://sandbox.juspay.in (waits for another Admin)")).to_be_visible()
    shop.refresh_from_db()
    assert shop.base_url == "https://api.juspay.in"
    logout()

    login(checker)
    page.goto(f"{live_server.url}/merchants/")
    page.get_by_role("button", name="Approve https://sandbox.juspay.in for shop").click()
    expect(page.get_by_role("status")).to_contain_text("shop now uses https://sandbox.juspay.in")
    shop.refresh_from_db()
    assert (shop.base_url, shop.api_key) == ("https://sandbox.juspay.in", "sk_test_new_2222")
