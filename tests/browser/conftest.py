import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def login(page, live_server):
    """login(user) signs in through the real login form in Chromium."""

    def _login(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login


@pytest.fixture
def logout(page):
    def _logout():
        button = page.get_by_role("button", name="Log out")
        if not button.is_visible():  # at phone width the navigation, and Log out in it, sits behind Menu
            page.get_by_role("button", name="Menu").click()
        button.click()
        page.wait_for_url("**/accounts/login/")

    return _logout
