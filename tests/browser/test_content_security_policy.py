"""In Chromium: the main pages, as each role, load under the Content-Security-Policy without one violation
(no inline script, style or handler refused), htmx fragments and charts included."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""

PAGES = {
    "Support": ["/", "/orders/", "{order}", "/payouts/", "/approvals/"],
    "Finance": ["/", "/orders/", "{order}", "/approvals/"],
    "Manager": ["/", "/kpis/", "/orders/", "/audit/", "/approvals/"],
    "Admin": ["/", "/kpis/", "{order}", "/audit/", "/people/", "/merchants/", "/webhooks/", "/approvals/policy/"],
}


@pytest.fixture
def violations(page):
    """Every CSP violation the browser reports: the page's securitypolicyviolation events and console errors."""
    console: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: console.append(message.text) if "Content Security Policy" in message.text else None,
    )

    def _collect() -> list[str]:
        """The violations since the last call."""
        found = [*page.evaluate("window.__cspViolations.splice(0)"), *console]
        console.clear()
        return found

    return _collect


@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_load_without_a_csp_violation(page, live_server, make_user, login, cached_order, violations, role):
    order = cached_order("order_status_charged.json")
    login(make_user(role))
    seen: dict[str, list[str]] = {}
    if found := violations():
        seen["sign-in"] = found
    for path in PAGES[role]:
        url = path.replace("{order}", f"/orders/{order.order_id}/?merchant=default")
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 200, url
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")  # the htmx sections and charts have loaded
        if found := violations():
            seen[url] = found
    assert seen == {}


def test_the_htmx_close_button_works_without_an_inline_handler(
    page, live_server, make_user, login, cached_order, violations
):
    order = cached_order("order_status_charged.json")
    login(make_user("Support"))
    page.goto(f"{live_server.url}/orders/{order.order_id}/?merchant=default")
    page.get_by_role("button", name="Raise a refund").click()
    expect(page.get_by_role("button", name="Raise refund request")).to_be_visible()
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("button", name="Raise refund request")).to_have_count(0)
    assert violations() == []


def test_the_recorder_does_see_a_violation(page, live_server, make_user, login, violations):
    """The control: an inline style set from script is refused, and the test above would have seen it."""
    login(make_user("Support"))
    page.evaluate("document.body.setAttribute('style', 'outline: 1px solid red')")
    page.wait_for_timeout(200)
    assert any("style-src" in found for found in violations())
