"""Headers on every answer: a Content-Security-Policy with nothing inline allowed, a Permissions-Policy, and
`Cache-Control: no-store` on what a signed-in person sees (pages, fragments, exports) but not on static files.
The browser side (no CSP violation on the main pages, per role) is tests/browser/test_content_security_policy.py."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.django_db
def test_the_login_page_has_a_strict_policy_with_a_fresh_nonce(client):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")
    policy = csp_directives(first)
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive] and "'unsafe-eval'" not in policy[directive]
        assert any(source.startswith("'nonce-") for source in policy[directive])
    assert first["Content-Security-Policy"] != second["Content-Security-Policy"]  # one nonce per answer
    nonce = re.search(r"'nonce-([^']+)'", first["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in first.content.decode()  # htmx's <script> carries it


@pytest.mark.django_db
def test_every_answer_carries_a_permissions_policy(client, client_as):
    assert "camera=()" in client.get("/accounts/login/")["Permissions-Policy"]
    assert "geolocation=()" in client_as("Support").get("/")["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("Support", "/"),
        ("Support", "/orders/"),
        ("Manager", "/audit/"),
        ("Manager", "/audit/export.csv"),
        ("Support", "/orders/export.csv"),
        ("Admin", "/people/"),
        ("Finance", "/approvals/"),
    ],
)
def test_signed_in_pages_and_exports_are_not_stored(client_as, role, url):
    response = client_as(role).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_htmx_fragments_are_not_stored(client_as, cached_order):
    order = cached_order("order_status_charged.json")
    response = client_as("Support").get(f"/orders/{order.order_id}/timeline/?merchant=default", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_static_files_stay_cacheable(live_server):
    import httpx

    response = httpx.get(f"{live_server.url}/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_no_template_has_inline_scripts_styles_or_handlers():
    """The policy allows nothing inline: scripts and styles come from static/, behaviour from static/js."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle=", r"\son[a-z]+=", r"\shx-on[:-]"):
            offenders += [f"{template.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []
