"""In Chromium: each role signs in and sees its own navigation; htmx posts carry the CSRF token."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def nav_labels(page) -> list[str]:
    return [t.strip() for t in page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()]


def test_two_roles_see_different_navigation(page, live_server, make_user, login, logout):
    support = make_user("Support", first_name="Sam")
    admin = make_user("Admin", first_name="Arjun")

    login(support)
    expect(page.get_by_role("heading", name="Hello, Sam")).to_be_visible()
    expect(page.get_by_text("You are signed in as Support")).to_be_visible()
    assert "Audit log" not in nav_labels(page) and "People & roles" not in nav_labels(page)
    page.goto(f"{live_server.url}/audit/")
    expect(page.get_by_role("heading", name="You don't have access to this page")).to_be_visible()  # server-side
    page.goto(f"{live_server.url}/")
    logout()

    login(admin)
    expect(page.get_by_text("You are signed in as Admin")).to_be_visible()
    labels = nav_labels(page)
    assert {"Audit log", "People & roles", "Merchants"} <= set(labels)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_role("cell", name=support.username).first).to_be_visible()  # their login is logged


def test_admin_changes_a_role_through_htmx(page, live_server, make_user, login):
    admin = make_user("Admin")
    person = make_user("Support", username="pat")
    login(admin)
    page.goto(f"{live_server.url}/people/")
    row = page.locator(f"#person-{person.pk}")
    row.get_by_label("Role of pat").select_option("Finance")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(f"#person-{person.pk}").get_by_role("status")).to_have_text(re.compile("Saved: Finance"))

    from dashboard.models import AuditEvent
    from dashboard.roles import role_of

    person.refresh_from_db()
    assert role_of(person) == "Finance"
    assert AuditEvent.objects.filter(verb="user.role_changed", object_id=str(person.pk)).count() == 1


def test_layout_fits_a_phone_screen(page, live_server, make_user, login):
    page.set_viewport_size({"width": 390, "height": 844})
    login(make_user("Manager"))
    page.get_by_role("button", name="Menu").click()  # the navigation folds into a menu on a phone
    expect(page.get_by_role("link", name="Audit log").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
