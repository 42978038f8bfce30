"""In Chromium: Admin sees a count next to "Sync health" when an import left ids behind, opens the page and reads
each id with its reason and next try; the home page's summary links there."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_admin_follows_the_count_to_the_failing_ids(page, live_server, make_user, login, sim_merchant, juspay_sim):
    from orders.bulk import sync_many

    good = juspay_sim.create_order(amount=120)
    report = sync_many(sim_merchant, [good, "LOST-IN-IMPORT-1", "LOST-IN-IMPORT-2"], remember_failures=True)
    assert len(report.failed) == 2

    login(make_user("Admin"))
    nav = page.get_by_role("navigation", name="Main")
    entry = nav.get_by_role("link", name="Sync health")
    expect(entry).to_contain_text("2")
    entry.click()
    expect(page.get_by_role("heading", name="Sync health", level=1)).to_be_visible()
    report_region = page.get_by_role("region", name="Sync health")
    expect(report_region.get_by_text("2 things need attention.")).to_be_visible()
    row = report_region.get_by_role("row").filter(has_text="LOST-IN-IMPORT-1")
    expect(row).to_contain_text("JuspayNotFound")
    expect(row).to_contain_text("1")  # attempts


def test_the_home_summary_loads_and_links_to_the_page(page, live_server, make_user, login, sim_merchant, juspay_sim):
    from django.template import engines

    from orders.bulk import sync_many

    sync_many(sim_merchant, ["LOST-HOME-1"], remember_failures=True)
    engines["django"].from_string("{% include 'dashboard/_home_health.html' %}")  # it exists and parses
    login(make_user("Admin"))
    page.goto(f"{live_server.url}/health/sync/summary/")
    expect(page.get_by_text("1 id could not be fetched")).to_be_visible()
    page.get_by_role("link", name="Open the sync health page").click()
    expect(page.get_by_role("heading", name="Sync health", level=1)).to_be_visible()
