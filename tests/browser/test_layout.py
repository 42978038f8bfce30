"""In Chromium: the layout every page shares, at desktop (1440 px) and phone (390 px) widths.

- no page any role can open scrolls sideways (the URL list is the role matrix's table: every GET that role may open);
- each label of a label/value list sits beside or directly over its own value (the request page and the order page);
- the orders list fits 1280 px, its dates on one line; on a phone the first order and request show without scrolling;
- the filter bar shows active filters as chips that remove themselves, the rest behind "More filters";
- the phone menu opens the navigation; the theme choice (light, dark, system) applies and survives a reload;
- screenshots of the order page, the orders list, the approvals queue and a manager's home for the README go to
  test-artifacts/screenshots/ (git-ignored; copies under docs/screenshots/).
"""

import re
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.orders.lookup import cached_payout, days_ago, refunds
from tests.test_role_matrix import ACCESS

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
ROLES = ("Support", "Finance", "Manager", "Admin")

# Orders whose values are the widest the list shows: the longest status, long e-mail addresses, two-word methods.
ORDERS = [
    ("LAY-0001-CHARGED", "CHARGED", 38023.0, "ananya.iyer.long-address@example.org", "CARD", "MASTERCARD"),
    ("LAY-0002-AUTHFAIL", "AUTHENTICATION_FAILED", 1234567.0, "rohan.mehta@example.com", "WALLET", "PAYTM"),
    ("LAY-0003-PENDING", "PENDING_VBV", 499.0, "k.subramanian@example.in", "UPI", "UPI_COLLECT"),
    ("LAY-0004-DECLINED", "JUSPAY_DECLINED", 12.5, "meera@example.org", "NB", "NB_HDFC"),
    ("LAY-0005-NEW", "NEW", 2500.0, "farah.qureshi@example.com", "CARD", "VISA"),
    ("LAY-0006-STARTED", "STARTED", 899.0, "vikram.n@example.com", "UPI", "UPI_PAY"),
]

# A label over the wrong value: for every <dt>, its own <dd> must be on the same line to its right, or directly
# under it; and no other <dd> may sit directly under the <dt>.
DL_CHECK = """() => {
  const bad = [];
  const box = el => el.getBoundingClientRect();
  for (const dt of document.querySelectorAll('main dl dt')) {
    if (!dt.offsetParent) continue;  // hidden (a closed section)
    const dd = dt.nextElementSibling;
    if (!dd || dd.tagName !== 'DD') { bad.push(dt.textContent.trim() + ': no dd after it'); continue; }
    const t = box(dt), d = box(dd);
    const sameRow = Math.abs(d.top - t.top) < 6 && d.left >= t.right - 1 && d.left - t.right < 64;
    const under = Math.abs(d.left - t.left) < 3 && d.top >= t.bottom - 1 && d.top - t.bottom < 12;
    const at = r => `(${Math.round(r.left)},${Math.round(r.top)})`;
    if (!sameRow && !under)
      bad.push(`${dt.textContent.trim()} ${at(t)} vs its value ${dd.textContent.trim().slice(0, 30)} ${at(d)}`);
    for (const other of dt.closest('dl').querySelectorAll('dd')) {
      if (other === dd || !other.offsetParent) continue;
      const o = box(other);
      if (Math.abs(o.left - t.left) < 3 && o.top >= t.bottom - 1 && o.top - t.bottom < 12)
        bad.push(`${dt.textContent.trim()} sits over another value: ${other.textContent.trim().slice(0, 30)}`);
    }
  }
  return bad;
}"""


@pytest.fixture
def shop(cached_order, merchant, make_user) -> dict[str, Any]:
    """Orders (one with refunds), a payout order, a pending refund request raised by Support, a webhook, and one
    user per role: what the role matrix's URLs name."""
    from fulfilment import services
    from orders.models import WebhookEvent

    merchant.base_url = "http://127.0.0.1:9"  # Juspay unreachable: pages work from the cache
    merchant.save()
    order = cached_order("order_status_with_refunds.json", date_created=days_ago(0.1), refunds=refunds(2, amount=250.0))
    for i, (order_id, status, amount, email, method_type, method) in enumerate(ORDERS):
        cached_order(
            "order_status_charged.json",
            order_id=order_id,
            status=status,
            amount=amount,
            effective_amount=amount,
            customer_email=email,
            payment_method_type=method_type,
            payment_method=method,
            date_created=days_ago(0.2 + i / 5),
        )
    payout = cached_payout(merchant, order.order_id)
    users = {role: make_user(role, username=role.lower()) for role in ROLES}
    request = services.raise_refund(
        order,
        maker=users["Support"],
        amount=Decimal("125.00"),
        reason_code="NOT_DELIVERED",
        comment="Courier lost the parcel",
        form_token=uuid.uuid4(),
    ).request
    webhook = WebhookEvent.objects.create(
        merchant=merchant, event_id="evt_layout", event_name="ORDER_SUCCEEDED", order_id=order.order_id, payload={}
    )
    return {
        "order": order,
        "payout": payout,
        "action": request,
        "failed": request,
        "merchant": merchant,
        "webhook": webhook,
        "users": users,
    }


def pages_for(role: str, shop: dict[str, Any]) -> list[str]:
    """Every full page (not a fragment, not a download) the role matrix lets this role open with a GET."""
    client = Client()
    client.force_login(shop["users"][role])
    urls = []
    for name, access in sorted(ACCESS.items()):
        if access.method != "get" or access.ok != 200 or role not in access.allowed:
            continue
        url = reverse(name, kwargs=access.kwargs(shop))
        if name in ("orders:detail", "orders:payout_detail"):
            url += f"?merchant={shop['merchant'].code}"
        response = client.get(url)
        html = response.status_code == 200 and response["Content-Type"].startswith("text/html")
        if html and b'class="shell' in response.content:
            urls.append(url)
    return urls


def sign_in(page: Page, live_server, user) -> None:
    from tests.conftest import PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways(page: Page, live_server, shop, role: str, viewport: dict[str, int]):
    urls = pages_for(role, shop)
    assert len(urls) >= 5, urls  # home, orders, payouts, approvals and the pages of one order, payout and request
    page.set_viewport_size(viewport)
    sign_in(page, live_server, shop["users"][role])
    too_wide = {}
    for url in urls:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")  # htmx sections and charts have loaded
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            too_wide[url] = width
    assert not too_wide, f"pages wider than {viewport['width']} px for {role}: {too_wide}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_labels_sit_with_their_own_values(page: Page, live_server, shop, viewport: dict[str, int]):
    page.set_viewport_size(viewport)
    sign_in(page, live_server, shop["users"]["Finance"])
    order = shop["order"]
    for url in (
        reverse("fulfilment:detail", args=[shop["action"].pk]),
        reverse("orders:detail", args=[order.order_id]) + "?merchant=default",
        reverse("orders:payout_detail", args=[shop["payout"].payout_order_id]) + "?merchant=default",
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        assert page.locator("main dl dt").count() >= 5, url
        misplaced = page.evaluate(DL_CHECK)
        assert not misplaced, f"{url} at {viewport['width']} px: {misplaced}"
    # the money an approver decides on reads beside its label
    page.goto(live_server.url + reverse("fulfilment:detail", args=[shop["action"].pk]))
    amount = page.locator("dt", has_text="Amount").first
    expect(amount.locator("xpath=following-sibling::dd[1]")).to_contain_text("125.00")


def test_orders_list_fits_1280_px_with_dates_on_one_line(page: Page, live_server, shop):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, shop["users"]["Finance"])
    page.goto(f"{live_server.url}/orders/")
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name="LAY-0002-AUTHFAIL")).to_be_visible()
    sizes = table.evaluate("t => ({table: t.scrollWidth, box: t.parentElement.clientWidth})")
    print(f"orders list at 1280 px: table {sizes['table']} px in a {sizes['box']} px area")
    assert sizes["table"] <= sizes["box"], sizes
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    lines = page.evaluate(
        """() => [...document.querySelectorAll('#results tbody tr')].map(tr => {
             const range = document.createRange(); range.selectNodeContents(tr.cells[1]);
             return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; })"""
    )
    assert lines and all(n == 1 for n in lines), f"lines per created date: {lines}"


def test_a_wide_table_scrolls_in_its_own_box_on_a_phone(page: Page, live_server, shop):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, shop["users"]["Finance"])
    page.goto(f"{live_server.url}/orders/")
    wrap = page.get_by_role("table").locator("xpath=..")
    sizes = wrap.evaluate("w => ({inner: w.scrollWidth, box: w.clientWidth, overflow: getComputedStyle(w).overflowX})")
    assert sizes["inner"] > sizes["box"] and sizes["overflow"] == "auto", sizes
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("path", ["/orders/", "/approvals/"])
def test_on_a_phone_the_first_row_shows_without_scrolling(page: Page, live_server, shop, path: str):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, shop["users"]["Finance"])
    page.goto(live_server.url + path)
    first = page.locator("main tbody tr").first
    expect(first).to_be_attached()
    top = first.evaluate("r => r.getBoundingClientRect().top")
    print(f"{path} at 390x844: first row at {top:.0f} px")
    assert top < PHONE["height"] - 40, f"the first row starts at {top} px, below the fold"


def test_filter_chips_remove_one_filter_and_more_filters_folds_the_rest(page: Page, live_server, shop):
    sign_in(page, live_server, shop["users"]["Support"])
    page.goto(f"{live_server.url}/orders/?status=CHARGED&payment_method_type=CARD&period=all")
    form = page.get_by_role("form", name="Filter orders")
    expect(form.get_by_label("Status")).to_be_visible()
    expect(form.get_by_label("Refunds")).to_be_hidden()  # behind "More filters"
    form.get_by_text("More filters").click()
    expect(form.get_by_label("Refunds")).to_be_visible()

    chips = page.get_by_role("list", name="Active filters")
    expect(chips.get_by_role("link")).to_have_count(4)  # three chips and "Clear all"
    expect(page.get_by_role("link", name="LAY-0001-CHARGED")).to_be_visible()
    chips.get_by_role("link", name=re.compile("^Status: CHARGED")).click()
    page.wait_for_url("**/orders/?payment_method_type=CARD&period=all")
    expect(page.get_by_role("link", name="LAY-0005-NEW")).to_be_visible()  # a CARD order that is not CHARGED
    expect(
        page.get_by_role("list", name="Active filters").get_by_role("link", name=re.compile(r"^Payment method: Card"))
    ).to_be_visible()

    # a filter changed through htmx shows its chip at once
    page.get_by_role("form", name="Filter orders").get_by_label("Status").fill("NEW")
    page.get_by_role("form", name="Filter orders").get_by_label("Status").press("Enter")
    expect(
        page.get_by_role("list", name="Active filters").get_by_role("link", name=re.compile("^Status: NEW"))
    ).to_be_visible()


def test_the_phone_menu_opens_the_navigation(page: Page, live_server, shop):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, shop["users"]["Admin"])
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(nav.get_by_role("link", name="Approval policy")).to_be_visible()
    nav.get_by_role("link", name="Approvals").click()
    expect(page.get_by_role("heading", name="Approvals", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()  # closed again on the new page


def background(page: Page) -> str:
    colour = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert colour.startswith("rgb("), f"the page has no opaque background: {colour}"
    return colour


def is_dark(rgb: str) -> bool:
    red, green, blue = (int(part) for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue < 80


def test_dark_mode_follows_the_system_and_the_toggle_wins(page: Page, live_server, shop):
    page.emulate_media(color_scheme="dark")
    sign_in(page, live_server, shop["users"]["Manager"])
    assert is_dark(background(page)), "System (the default) follows a dark system setting"
    theme = page.get_by_label("Colour theme")
    expect(theme).to_have_value("system")

    theme.select_option("Light")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert not is_dark(background(page))
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"  # stored, set before first paint
    expect(page.get_by_label("Colour theme")).to_have_value("light")

    page.emulate_media(color_scheme="light")
    page.get_by_label("Colour theme").select_option("Dark")
    assert is_dark(background(page))
    page.goto(f"{live_server.url}/orders/")
    assert is_dark(background(page)), "the choice holds on every page"

    page.get_by_label("Colour theme").select_option("System")
    assert page.evaluate("document.documentElement.dataset.theme") is None
    assert not is_dark(background(page)), "back to the (light) system setting"


def test_readme_screenshots(page: Page, live_server, shop):
    """The four pictures at the top of the README, taken at 1440 px (copied to docs/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    order = shop["order"]
    shots = {
        "Finance": [
            ("orders-list", "/orders/?period=all"),
            ("order-page", reverse("orders:detail", args=[order.order_id]) + "?merchant=default"),
            ("approvals-queue", reverse("fulfilment:queue")),
        ],
        "Manager": [("manager-home", reverse("home"))],
    }
    for role, pages in shots.items():
        page.context.clear_cookies()
        sign_in(page, live_server, shop["users"][role])
        for name, url in pages:
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)  # charts finish drawing
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
            assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
