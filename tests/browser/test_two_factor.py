"""In Chromium, with two-factor sign-in required of Finance: a Finance person signs in with the password, is sent to
enrolment, reads the secret off the page, confirms with the code an app would show, keeps the recovery codes, signs
out, signs in with password + code, and once with a recovery code (which then no longer works). Screenshots of the
enrolment and code pages at 1440 and 390 px go to test-artifacts/screenshots/."""

import re
from base64 import b32decode
from pathlib import Path

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORTS = {"1440": {"width": 1440, "height": 900}, "390": {"width": 390, "height": 844}}


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the secret typed in from the page."""
    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{totp(key, step=30, digits=6, drift=steps_ahead):06d}"


def password_step(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_url("**/accounts/login/")


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"two-factor-{name}-{label}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], (name, label)
    page.set_viewport_size(VIEWPORTS["1440"])


def test_finance_enrols_then_signs_in_with_a_code_and_once_with_a_recovery_code(
    page: Page, live_server, make_user, settings
):
    settings.MFA_REQUIRED_ROLES = ["Finance", "Admin"]
    finance = make_user("Finance", username="fiona")
    page.set_viewport_size(VIEWPORTS["1440"])

    password_step(page, live_server, "fiona")
    page.wait_for_url("**/account/two-factor/set-up/")
    expect(page.get_by_text("Your role signs in with a second factor")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    expect(page.get_by_role("link", name="Orders")).to_have_count(0)  # no way around the step
    page.goto(f"{live_server.url}/approvals/")  # nor by typing a URL
    page.wait_for_url("**/account/two-factor/set-up/")
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", secret), secret
    shoot(page, "enrol")

    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    codes = [c.strip() for c in page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()]
    assert len(codes) == 10 and len(set(codes)) == 10
    page.get_by_role("button", name="I have saved them: continue").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    sign_out(page)

    password_step(page, live_server, "fiona")
    page.wait_for_url("**/account/two-factor/verify/**")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    shoot(page, "code")
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))  # the enrolment used the current one
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/approvals/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("pprovals")
    sign_out(page)

    password_step(page, live_server, "fiona")
    page.wait_for_url("**/account/two-factor/verify/**")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/account/")
    expect(page.get_by_text("9 recovery codes left")).to_be_visible()
    sign_out(page)

    password_step(page, live_server, "fiona")
    page.wait_for_url("**/account/two-factor/verify/**")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")  # used once already
    shoot(page, "code-wrong")
    assert finance.pk  # the same person throughout


def test_an_admin_proposes_a_reset_on_the_people_page_and_another_approves(page: Page, live_server, make_user):
    from tests.dashboard.two_factor_helpers import enrol

    person = make_user("Finance", username="lost-phone")
    enrol(person)
    ada, bo = make_user("Admin", username="ada"), make_user("Admin", username="bo")
    page.set_viewport_size(VIEWPORTS["1440"])

    def sign_in_as(user) -> None:
        password_step(page, live_server, user.username)
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/people/")

    sign_in_as(ada)
    row = page.locator(f"#person-{person.pk}")
    row.get_by_text("on", exact=True).click()
    row.get_by_label("Why reset lost-phone's second factor?").fill("phone lost, checked on a video call")
    row.get_by_role("button", name="Propose reset").click()
    expect(page.get_by_text("waits for another Admin")).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw the reset of lost-phone")).to_be_visible()
    expect(page.get_by_role("button", name="Approve the reset of lost-phone")).to_have_count(0)
    shoot(page, "people-reset")
    sign_out(page)

    sign_in_as(bo)
    page.get_by_role("button", name="Approve the reset of lost-phone").click()
    expect(page.get_by_text("lost-phone's second factor is reset")).to_be_visible()
    expect(page.locator(f"#person-{person.pk}")).to_contain_text("off")
