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
