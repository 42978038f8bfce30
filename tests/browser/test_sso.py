"""In Chromium: "Sign in with <provider>" goes through the local test provider and lands signed in with the role
the groups map to; a person with no mapped group sees the no-role page. Screenshots of the login page at 1440
and 390 px go to test-artifacts/sso/ (git-ignored)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from dashboard.roles import FINANCE, role_of
from tests.fixtures.oidc_provider import OidcTestProvider

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "sso"


@pytest.fixture
def provider(settings) -> Iterator[OidcTestProvider]:
    provider = OidcTestProvider()
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    yield provider
    provider.stop()


def test_the_sso_button_signs_in_through_the_provider_with_the_mapped_role(page, live_server, provider):
    provider.user.groups = ["ops-finance"]
    page.goto(f"{live_server.url}/approvals/")  # sent to the login page, then back here after signing in
    expect(page.get_by_label("Password")).to_be_visible()
    page.get_by_role("button", name="Sign in with Test IdP").click()
    page.wait_for_url(f"{live_server.url}/approvals/")
    expect(page.get_by_text("asha", exact=True).first).to_be_visible()
    user = get_user_model().objects.get(username="asha")
    assert role_of(user) == FINANCE
    assert "GET /authorize" in provider.requests and "POST /token" in provider.requests


def test_no_mapped_group_lands_on_the_no_role_page(page, live_server, provider):
    provider.user.groups = ["contractors"]
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Test IdP").click()
    page.wait_for_url(f"{live_server.url}/sso/no-role/")
    expect(page.get_by_role("heading", name="Your account has no role here")).to_be_visible()
    expect(page.get_by_text("contractors")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "no-role-1440.png"), full_page=True)


@pytest.mark.parametrize("width", [1440, 390])
def test_login_page_screenshots(page, live_server, provider, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with Test IdP")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"login-{width}.png"), full_page=True)


def test_a_failing_provider_is_explained_on_the_login_page(page, live_server, provider):
    provider.fail = "token_500"
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Test IdP").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("status")).to_contain_text("could not be reached or gave an unusable answer")
    expect(page.get_by_label("Password")).to_be_visible()  # the password form stays
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "login-failure-390.png"), full_page=True)


def test_signing_out_ends_the_provider_session_and_comes_back_to_the_login_page(page, live_server, provider):
    """The sign-out button posts here; the signed-out page goes on to the provider's end_session endpoint (the
    pages' CSP allows forms to post only to this origin, so a redirect from the POST would be blocked)."""
    provider.post_logout_redirect_uris = [f"{live_server.url}/accounts/login/"]
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Test IdP").click()
    page.wait_for_url(f"{live_server.url}/")
    assert provider.user.subject in provider.sessions
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("Password")).to_be_visible()
    assert "GET /logout" in provider.requests and provider.user.subject not in provider.sessions
    assert provider.logouts[-1]["redirect"] == f"{live_server.url}/accounts/login/"
    page.goto(f"{live_server.url}/approvals/")  # signed out here too
    page.wait_for_url(f"{live_server.url}/accounts/login/?next=/approvals/")
