"""In Chromium: a person creates a personal API token on /account/tokens/, sees it once, a script uses it over
HTTP against the live server, and revoking it on the page stops it; Admin revokes someone else's."""

import re
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def api_status(live_server, secret: str) -> int:
    headers = {"Authorization": f"Bearer {secret}"}
    return httpx.get(f"{live_server.url}/api/v1/orders/", headers=headers, timeout=10).status_code


def test_create_use_and_revoke_a_token(page, live_server, make_user, login, tmp_path):
    login(make_user("Support"))
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    expect(page.get_by_text("You have no tokens yet.")).to_be_visible()
    page.get_by_label("Name").fill("helpdesk bot")
    page.get_by_label("Expires on (UTC)").fill((timezone.now() + timedelta(days=14)).date().isoformat())
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy it now: it is shown only once.")).to_be_visible()
    secret = page.get_by_label("Token", exact=True).input_value()
    assert re.fullmatch(r"jops_[\w-]{40,}", secret)
    page.screenshot(path=str(tmp_path / "tokens.png"), full_page=True)
    assert api_status(live_server, secret) == 200

    page.goto(f"{live_server.url}/account/tokens/")
    expect(page.get_by_role("cell", name="helpdesk bot", exact=True)).to_be_visible()
    assert secret not in page.content()  # shown once
    expect(page.get_by_role("cell", name="active", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile("Revoke token helpdesk bot")).click()
    expect(page.get_by_text("is revoked; it no longer works.")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("^revoked"))).to_be_visible()
    assert api_status(live_server, secret) == 401


def test_a_bad_expiry_is_a_form_error(page, live_server, make_user, login):
    login(make_user("Finance"))
    page.goto(f"{live_server.url}/account/tokens/")
    page.get_by_label("Name").fill("too long")
    page.get_by_label("Expires on (UTC)").fill((timezone.now() + timedelta(days=400)).date().isoformat())
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("alert")).to_contain_text("A token may live at most 90 days.")
    expect(page.get_by_text("You have no tokens yet.")).to_be_visible()


def test_admin_revokes_someone_elses_token(page, live_server, make_user, login):
    from dashboard import api_tokens

    owner = make_user("Support", username="leaver")
    secret = api_tokens.issue(owner, name="old laptop", expires_at=timezone.now() + timedelta(days=3)).secret
    login(make_user("Admin"))
    page.goto(f"{live_server.url}/people/")
    page.get_by_role("link", name="API tokens").last.click()
    expect(page.get_by_role("heading", name="Everyone else's tokens")).to_be_visible()
    expect(page.get_by_role("cell", name="leaver", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile("Revoke token old laptop")).click()
    expect(page.get_by_text("“old laptop”")).to_be_visible()
    assert api_status(live_server, secret) == 401


def test_the_api_docs_render_from_the_vendored_swagger_ui(page, live_server, make_user, login):
    """Swagger UI (drf-spectacular-sidecar, served by us) loads the schema and lists the endpoints."""
    login(make_user("Manager"))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_role("heading", name=re.compile("Juspay Ops API"))).to_be_visible(timeout=15000)
    expect(page.get_by_text("/api/v1/orders/{order_id}/").first).to_be_visible()
    assert requested and all(url.startswith(live_server.url) for url in requested), requested
