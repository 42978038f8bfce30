"""The orders list: a bounded default window, filters, keyset pages, search, htmx, fixed query counts."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import paging
from tests.orders.lookup import days_ago

URL = "/orders/"


def order_ids(response) -> list[str]:
    return re.findall(r'<a href="/orders/([^/"]+)/\?merchant=', response.content.decode())


@pytest.fixture
def orders(cached_order):
    return {
        "new": cached_order("order_status_charged.json", order_id="NEW1", date_created=days_ago(1)),
        "refunded": cached_order("order_status_with_refunds.json", order_id="REF1", date_created=days_ago(2)),
        "offer": cached_order("order_status_with_offers.json", order_id="OFF1", date_created=days_ago(3)),
        "split": cached_order("order_status_split_settlement.json", order_id="SPL1", date_created=days_ago(4)),
        "old": cached_order("order_status_charged.json", order_id="OLD1", date_created=days_ago(40)),
    }


def test_default_window_is_the_last_seven_days_and_can_be_widened(client_as, orders):
    client = client_as("Support")
    response = client.get(URL)
    assert order_ids(response) == ["NEW1", "REF1", "OFF1", "SPL1"]
    assert "created in the last 7 days" in response.content.decode()
    assert "All time" in response.content.decode()
    assert order_ids(client.get(URL, {"period": "all"})) == ["NEW1", "REF1", "OFF1", "SPL1", "OLD1"]
    assert order_ids(client.get(URL, {"period": "30"})) == ["NEW1", "REF1", "OFF1", "SPL1"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "charged"}, ["NEW1", "REF1", "OFF1", "SPL1", "OLD1"]),
        ({"status": "PENDING_VBV"}, []),
        ({"refund_state": "pending"}, ["REF1"]),
        ({"payment_method_type": "UPI"}, ["REF1"]),
        ({"gateway": "razorpay"}, ["NEW1", "OFF1", "SPL1", "OLD1"]),
        ({"merchant": "default"}, ["NEW1", "REF1", "OFF1", "SPL1", "OLD1"]),
        ({"split_applied": "true"}, ["SPL1"]),
        ({"split_applied": "false"}, []),
        ({"offer_code": "kotakspring10"}, ["OFF1"]),
        ({"fulfilment_state": "none"}, ["NEW1", "REF1", "OFF1", "SPL1", "OLD1"]),
    ],
)
def test_each_filter_selects_its_orders(client_as, orders, params, expected):
    response = client_as("Support").get(URL, {"period": "all", **params})
    assert response.status_code == 200
    assert order_ids(response) == expected


def test_date_range_overrides_the_window(client_as, orders):
    old = orders["old"].juspay_created_at.date()
    response = client_as("Support").get(URL, {"created_from": old.isoformat(), "created_to": old.isoformat()})
    assert order_ids(response) == ["OLD1"]


def test_an_invalid_filter_is_named_and_the_rest_still_applies(client_as, orders):
    response = client_as("Support").get(URL, {"refund_state": "bogus", "period": "all", "status": "CHARGED"})
    assert response.status_code == 400  # bad input is a 4xx (issue 14); the page still lists what applies
    assert "Some filters were ignored" in response.content.decode()
    assert len(order_ids(response)) == 5


def test_pages_walk_forward_and_back_without_gaps_or_repeats(client_as, cached_order, monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 3)
    for n in range(8):
        cached_order("order_status_charged.json", order_id=f"P{n}", date_created=days_ago(n * 0.5))
    client = client_as("Support")
    seen, pages, params = [], [], {"sort": "newest"}
    while True:
        response = client.get(URL, params)
        pages.append(order_ids(response))
        seen += pages[-1]
        next_link = re.search(r'href="\?([^"]*after=[^"]+)"', response.content.decode())
        if not next_link:
            break
        params = {k: v[0] for k, v in parse_qs(next_link.group(1).replace("&amp;", "&")).items()}
    assert seen == [f"P{n}" for n in range(8)]
    assert [len(p) for p in pages] == [3, 3, 2]
    assert params["sort"] == "newest"  # the filters travel with the page links
    prev_link = re.search(r'href="\?([^"]*before=[^"]+)"', response.content.decode()).group(1).replace("&amp;", "&")
    back = client.get(URL + "?" + prev_link)
    assert order_ids(back) == pages[1]


def test_oldest_and_amount_sorts(client_as, cached_order):
    cached_order("order_status_charged.json", order_id="A", amount=10, date_created=days_ago(1))
    cached_order("order_status_charged.json", order_id="B", amount=30, date_created=days_ago(2))
    cached_order("order_status_charged.json", order_id="C", amount=20, date_created=days_ago(3))
    client = client_as("Support")
    assert order_ids(client.get(URL, {"sort": "oldest"})) == ["C", "B", "A"]
    assert order_ids(client.get(URL, {"sort": "amount_high"})) == ["B", "C", "A"]
    assert order_ids(client.get(URL, {"sort": "amount_low"})) == ["A", "C", "B"]


def test_htmx_gets_only_the_results_and_links_keep_the_filters(client_as, orders):
    response = client_as("Support").get(URL, {"status": "CHARGED"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and body.strip().startswith('<section id="results"')
    assert 'hx-push-url="true"' in body
    assert "/orders/export.csv?status=CHARGED" in body


def test_search_in_the_list_ignores_the_window_and_ranks_exact_first(client_as, cached_order):
    cached_order("order_status_charged.json", order_id="XYZ100", date_created=days_ago(90))
    cached_order("order_status_charged.json", order_id="XYZ1000", date_created=days_ago(1))
    # all=1: the list itself (a bare exact order id opens the order page, tests/orders/test_search_exact.py)
    response = client_as("Support").get(URL, {"q": "XYZ100", "all": "1"})
    assert order_ids(response) == ["XYZ100", "XYZ1000"]
    body = response.content.decode()
    assert "1 exact, shown first" in body and "order id starts with" in body


def test_a_search_miss_shaped_like_an_order_id_offers_a_live_lookup(client_as, orders):
    body = client_as("Support").get(URL, {"q": "ORD404X"}).content.decode()
    assert "No cached order matches" in body and "Look up “ORD404X” at Juspay" in body
    manager = client_as("Manager").get(URL, {"q": "ORD404X"}).content.decode()
    assert "No cached order matches" in manager and "Look up" not in manager  # Manager only looks


def test_unknown_statuses_are_listed_as_they_came(client_as, cached_order):
    cached_order("order_status_charged.json", order_id="ODD1", status="TELEPORTED", date_created=days_ago(1))
    response = client_as("Support").get(URL)
    body = response.content.decode()
    assert response.status_code == 200 and "TELEPORTED" in body and ">unknown<" in body


def test_the_list_masks_email_and_phone(client_as, orders):
    body = client_as("Finance").get(URL).content.decode()
    assert "ananya.iyer@example.org" not in body and "9820104567" not in body
    assert "a•••@example.org" in body and "••••••4567" in body


def test_empty_list_says_so_and_offers_all_time(client_as, db):
    body = client_as("Support").get(URL).content.decode()
    assert "No orders match these filters." in body and "search all time" in body


def test_list_runs_the_same_number_of_queries_for_one_order_or_many(client_as, cached_order):
    client = client_as("Support")
    cached_order("order_status_with_refunds.json", order_id="Q0", date_created=days_ago(1))

    def queries(params):
        cache.clear()  # the filter bar is kept a minute (orders/list_filter_bar.py): count it every time
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params).status_code == 200
        return len(captured)

    one, one_search = queries({}), queries({"q": "vikram.desai@example.org"})
    for n in range(1, 25):
        cached_order("order_status_with_refunds.json", order_id=f"Q{n}", txn_id=f"t{n}", date_created=days_ago(1))
    assert len(order_ids(client.get(URL))) == 25
    assert queries({}) == one
    assert queries({"q": "vikram.desai@example.org"}) == one_search


def test_page_links_are_shareable_urls(client_as, orders):
    response = client_as("Support").get(URL, {"gateway": "RAZORPAY", "period": "all"})
    for href in re.findall(r'href="(/orders/export\.csv\?[^"]+)"', response.content.decode()):
        assert parse_qs(urlparse(href.replace("&amp;", "&")).query) == {"gateway": ["RAZORPAY"], "period": ["all"]}
