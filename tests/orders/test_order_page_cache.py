"""The order page's cached sections (orders/section_cache.py): never another viewer's masking, never stale after
a sync, never served to someone without access; and the page's and fragments' query caps."""

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.models import Merchant, MerchantAccess
from orders.models import SyncSource
from orders.sync import apply_order
from tests.orders.lookup import refunds

CACHED = ("payment", "refunds", "splits", "offers")
NAME_ON_CARD = "Ananya Iyer"  # in order_status_charged.json's card block: masked as "A••• I•••"


def text(response) -> str:
    body = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def section(client, order, name):
    return client.get(f"/orders/{order.order_id}/{name}/", {"merchant": order.merchant.code}, HTTP_HX_REQUEST="true")


def test_a_masked_viewer_never_gets_the_unmasked_copy_another_viewer_filled(client, make_user, cached_order):
    order = cached_order("order_status_charged.json")
    revealer = Client()
    revealer.force_login(make_user("Finance"))
    assert revealer.post(f"/orders/{order.order_id}/reveal/?merchant={order.merchant.code}").status_code in (200, 302)
    assert NAME_ON_CARD in text(section(revealer, order, "payment"))  # revealed: the cache now holds this copy
    for role in ("Support", "Finance"):  # another Finance person has not revealed this order
        client.force_login(make_user(role))
        page = text(section(client, order, "payment"))
        assert NAME_ON_CARD not in page and "A••• I•••" in page
    assert NAME_ON_CARD in text(section(revealer, order, "payment"))  # and the revealer still sees theirs


def test_a_sync_that_changes_the_order_shows_in_every_section_at_once(client_as, cached_order, answer, merchant):
    order = cached_order("order_status_charged.json", order_id="UPD1", refunds=refunds(1))
    client = client_as("Support")
    before = {name: text(section(client, order, name)) for name in CACHED}
    assert "RFD-0000" in before["refunds"] and "RFD-0002" not in before["refunds"]
    parsed = answer("order_status_charged.json", order_id="UPD1", refunds=refunds(3, status="PENDING"))
    apply_order(merchant, parsed, source=SyncSource.WEBHOOK, fetched_at=timezone.now())
    after = text(section(client, order, "refunds"))
    assert "RFD-0002" in after and "PENDING" in after


def test_a_new_order_with_an_old_ones_id_never_meets_its_entry(client_as, cached_order, merchant):
    first = cached_order("order_status_charged.json", order_id="OLD1")
    client = client_as("Support")
    shown = {name: section(client, first, name).content for name in CACHED}
    first.delete()
    second = cached_order("order_status_with_offers.json", order_id="OLD1")  # same id, maybe the same pk
    again = {name: section(client, second, name).content for name in CACHED}
    assert again["offers"] != shown["offers"] and b"No offers on this order" in shown["offers"]
    assert b"No offers on this order" not in again["offers"]


def test_people_without_access_get_403_or_404_even_when_the_section_is_cached(client, make_user, cached_order):
    order = cached_order("order_status_with_refunds.json")
    client.force_login(make_user("Admin"))
    for name in CACHED:
        assert section(client, order, name).status_code == 200  # now cached
    other = Merchant.objects.create(code="other", name="Other merchant")
    limited = make_user("Support")
    MerchantAccess.objects.create(user=limited, merchant=other)
    client.force_login(limited)
    for name in CACHED:
        assert section(client, order, name).status_code == 404
    client.force_login(make_user(None))
    for name in CACHED:
        assert section(client, order, name).status_code == 403
    client.logout()
    for name in CACHED:
        assert section(client, order, name).status_code == 302  # to the sign-in


def test_a_viewers_time_zone_is_part_of_the_cached_copy(client_as, cached_order):
    order = cached_order("order_status_charged.json")
    client = client_as("Support")
    utc = section(client, order, "payment").content.decode()
    session = client.session
    from dashboard import user_time_zone

    session[user_time_zone.SESSION_KEY] = "America/New_York"
    session.save()
    new_york = section(client, order, "payment").content.decode()
    assert " IST<" in utc and " IST<" not in new_york and new_york != utc  # not the copy cached for IST


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    return len(captured)


# The page and each fragment (Admin, the most the page shows), on the first view and once cached. Counted in
# tests/ (SQLite, no Redis session cache): more than in production, where the session comes from the cache.
CAPS = {"": 16, "timeline/": 12, "payment/": 8, "refunds/": 9, "splits/": 8, "offers/": 8, "payouts/": 9}


@pytest.mark.parametrize("name", list(CAPS))
def test_the_page_and_each_fragment_stay_under_a_query_cap(client_as, cached_order, name):
    order = cached_order("order_status_with_refunds.json", order_id="CAP1", refunds=refunds(5))
    client = client_as("Admin")
    url = f"/orders/{order.order_id}/{name}?merchant={order.merchant.code}"
    first, cached = _count(client, url), _count(client, url)
    assert first <= CAPS[name], f"/orders/<id>/{name}: {first} queries, cap {CAPS[name]}"
    assert cached <= first
    if name.rstrip("/") in CACHED:
        assert cached < first, f"/orders/<id>/{name}: the cached copy should spare its queries"


# --- the page itself: its header, fulfilment panel and section placeholders come from the cache --------------


def page(client, order):
    return client.get(f"/orders/{order.order_id}/", {"merchant": order.merchant.code})


def test_a_masked_viewer_never_gets_the_revealed_header_another_viewer_saw(client, make_user, cached_order):
    from orders import masking

    order = cached_order("order_status_charged.json")
    email, masked = order.customer_email, masking.mask_email(order.customer_email)
    assert email and masked != email
    revealer = Client()
    revealer.force_login(make_user("Finance"))
    revealer.post(f"/orders/{order.order_id}/reveal/?merchant={order.merchant.code}")
    assert email in text(page(revealer, order))
    for role in ("Support", "Finance", "Admin"):  # none of them revealed this order
        client.force_login(make_user(role))
        shown = text(page(client, order))
        assert email not in shown and masked in shown
    shown = text(page(revealer, order))
    assert email in shown and "shown unmasked until" in shown  # the revealer's own copy, with its expiry


def _buttons(body: str) -> dict[str, bool]:
    return {
        "Refresh now": "Refresh now" in body,
        "Reveal customer details": "Reveal customer details" in body,
        "Raise a refund": "Raise a refund" in body,
        "Send a fulfilment command": "Send a fulfilment command" in body,
        "Raw Juspay answers": "Raw Juspay answers" in body,
    }


def _allowed(user) -> dict[str, bool]:
    from fulfilment import permissions
    from orders import masking

    return {
        "Refresh now": user.has_perm("orders.refresh_order"),
        "Reveal customer details": user.has_perm(masking.PERMISSION),
        "Raise a refund": user.has_perm(permissions.RAISE),
        "Send a fulfilment command": user.has_perm(permissions.RAISE),
        "Raw Juspay answers": user.has_perm("orders.view_raw"),
    }


@pytest.mark.parametrize("first", ["Admin", "Finance", "Support"])
def test_nobody_sees_a_button_they_lack_the_permission_whoever_filled_the_cache(client, make_user, cached_order, first):
    order = cached_order("order_status_charged.json")
    client.force_login(make_user(first))
    assert page(client, order).status_code == 200  # the first viewer's copy is now cached
    seen = {}
    for role in ("Admin", "Finance", "Support"):
        user = make_user(role)
        client.force_login(user)
        shown = _buttons(page(client, order).content.decode())
        assert shown == _allowed(user), role
        seen[role] = shown
    assert len({tuple(s.values()) for s in seen.values()}) > 1  # the roles differ: the test can tell them apart


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_the_csrf_tokens_in_the_page_are_the_viewers_own(make_user, cached_order):
    from django.middleware.csrf import _unmask_cipher_token

    order = cached_order("order_status_charged.json")
    secrets = []
    for _ in range(2):
        client = Client()
        client.force_login(make_user("Admin"))
        response = page(client, order)
        tokens = CSRF_INPUT.findall(response.content.decode())
        assert len(tokens) >= 2  # the header's refresh and reveal forms (cached HTML), and the log-out form
        secret = client.cookies["csrftoken"].value
        assert {_unmask_cipher_token(t) for t in tokens} == {secret}
        secrets.append(secret)
    assert secrets[0] != secrets[1]


def test_the_header_changes_at_once_with_a_sync_or_a_failed_sync(client_as, cached_order, answer, merchant):
    from dashboard.juspay.errors import JuspayError
    from orders.models import Order
    from orders.sync import record_failure

    order = cached_order("order_status_charged.json", order_id="HDR1")
    client = client_as("Support")
    before = text(page(client, order))
    assert "RFD-" not in before
    parsed = answer("order_status_charged.json", order_id="HDR1", refunds=refunds(1), status="AUTHORIZING")
    apply_order(merchant, parsed, source=SyncSource.WEBHOOK, fetched_at=timezone.now())
    after = text(page(client, order))
    assert "AUTHORIZING" in after and "AUTHORIZING" not in before
    record_failure(Order, merchant, "order_id", "HDR1", JuspayError("Juspay is down today"))
    assert "The last sync with Juspay failed" in text(page(client, order))


def test_the_last_synced_age_is_worked_out_on_each_view(client_as, cached_order, monkeypatch):
    from datetime import timedelta

    from dashboard import time_display

    order = cached_order("order_status_charged.json")
    client = client_as("Support")
    assert "Last synced just now" in text(page(client, order))
    later = timezone.now() + timedelta(hours=3)
    original = time_display.relative_text
    monkeypatch.setattr(time_display, "relative_text", lambda moment, now=None: original(moment, now=later))
    assert "Last synced 3 hours ago" in text(page(client, order))  # the same cached header, a new age


def test_people_without_access_get_403_or_404_or_sign_in_even_when_the_page_is_cached(client, make_user, cached_order):
    order = cached_order("order_status_with_refunds.json")
    client.force_login(make_user("Admin"))
    assert page(client, order).status_code == 200
    other = Merchant.objects.create(code="other", name="Other merchant")
    limited = make_user("Support")
    MerchantAccess.objects.create(user=limited, merchant=other)
    client.force_login(limited)
    assert page(client, order).status_code == 404
    client.force_login(make_user(None))
    assert page(client, order).status_code == 403
    client.logout()
    assert page(client, order).status_code == 302


def test_the_cached_page_stays_under_five_queries_more_than_an_empty_fragment(client_as, cached_order):
    order = cached_order("order_status_with_refunds.json", order_id="CAP2", refunds=refunds(5))
    client = client_as("Admin")
    url = f"/orders/{order.order_id}/?merchant={order.merchant.code}"
    client.get(url)
    with CaptureQueriesContext(connection) as empty:
        client.get("/orders/search/?q=", HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url).status_code == 200
    # the page's own: the order, the panel's stamp, the navigation's counts (tests: no session cache, no visit)
    assert len(cached) - len(empty) <= 5, [q["sql"][:80] for q in cached.captured_queries]


def test_the_fingerprint_covers_the_templates_a_page_includes(tmp_path):
    from pathlib import Path

    from orders import section_cache

    (tmp_path / "orders").mkdir()
    page_file, partial = tmp_path / "orders" / "page.html", tmp_path / "orders" / "_status.html"
    page_file.write_text('{% include "orders/_status.html" %}')
    partial.write_text("<span>old</span>")
    before = section_cache.fingerprint_of_dirs([tmp_path])
    partial.write_text("<span>new</span>")  # a deploy that changes only the included partial
    assert section_cache.fingerprint_of_dirs([tmp_path]) != before
    dirs = section_cache.template_dirs()
    assert any((Path(d) / "orders" / "_status.html").is_file() for d in dirs)
    assert any((Path(d) / "fulfilment" / "_order_actions.html").is_file() for d in dirs)
