"""An exact order id, payout order id or refund id typed in the search box opens that page; suggestions list
the newest matches first with the true count (capped, see orders.search.COUNT_CAP)."""

import html
import re

import pytest

from orders import search
from tests.orders.lookup import cached_payout, days_ago


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def order(cached_order):
    return cached_order("order_status_with_refunds.json", date_created=days_ago(1))


@pytest.mark.parametrize(
    ("clue", "why"),
    [("LH2503M27", "order id"), ("20250311911210000539056263", "refund id"), ("RF-M27-02", "refund request id")],
)
def test_an_exact_id_opens_the_order_page(client_as, order, clue, why):
    response = client_as("Support").get("/orders/", {"q": clue})
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.order_id}/?merchant=default"
    assert search.exact_target(clue, viewer=None).why == why


def test_an_exact_payout_order_id_opens_the_payout_page(client_as, order, merchant):
    cached_payout(merchant, order.order_id, payout_order_id="PO-EXACT-1")
    response = client_as("Support").get("/orders/", {"q": "PO-EXACT-1"})
    assert response.status_code == 302
    assert response["Location"] == "/payouts/PO-EXACT-1/?merchant=default"


def test_a_prefix_or_a_filtered_list_stays_a_list(client_as, order):
    client = client_as("Support")
    assert client.get("/orders/", {"q": "LH2503"}).status_code == 200  # only a prefix
    assert client.get("/orders/", {"q": "LH2503M27", "all": "1"}).status_code == 200  # "All results for …"
    assert client.get("/orders/", {"q": "LH2503M27", "status": "CHARGED"}).status_code == 200
    assert client.get("/orders/", {"q": "LH2503M27"}, HTTP_HX_REQUEST="true").status_code == 200


def test_the_same_order_id_at_two_merchants_shows_both(client_as, order, answer):
    from django.utils import timezone

    from dashboard.models import Merchant
    from orders.models import SyncSource
    from orders.sync import apply_order

    other = Merchant.objects.create(code="second", name="Second", base_url="http://127.0.0.1:1", api_key="k")
    twin = answer("order_status_with_refunds.json")
    apply_order(other, twin, source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now())
    assert search.exact_target("LH2503M27", viewer=None) is None
    assert client_as("Support").get("/orders/", {"q": "LH2503M27"}).status_code == 200


def test_suggestions_say_enter_opens_the_order(client_as, order):
    response = client_as("Support").get("/orders/search/", {"q": "RF-M27-02"}, HTTP_HX_REQUEST="true")
    assert "Enter opens order LH2503M27 (its refund request id)" in text(response)


def test_suggestions_give_the_true_count_newest_first(client_as, cached_order):
    for i in range(16):
        cached_order(
            "order_status_charged.json",
            order_id=f"ISB{i:03d}",
            customer_email=f"isaac.baker+{i}@example.org",
            date_created=days_ago(20 - i),  # ISB015 is the newest
        )
    response = client_as("Finance").get("/orders/search/", {"q": "isaac.bak"}, HTTP_HX_REQUEST="true")
    page = text(response)
    assert "16 orders for “isaac.bak”, the newest 8 shown" in page
    shown = re.findall(r"ISB\d{3}", page)
    assert shown == [f"ISB{i:03d}" for i in range(15, 7, -1)]


def test_the_count_is_capped_above_the_limit(cached_order, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    for i in range(7):
        cached_order("order_status_charged.json", order_id=f"CAP{i:03d}", date_created=days_ago(i + 1))
    result = search.search("CAP", limit=3, viewer=None)
    assert result.count_capped and result.count_label == "5+"
    assert [h.order.order_id for h in result.hits] == ["CAP000", "CAP001", "CAP002"]


def test_suggestions_run_a_bounded_number_of_queries(client_as, cached_order, django_assert_max_num_queries):
    for i in range(30):
        cached_order("order_status_charged.json", order_id=f"QRY{i:03d}", date_created=days_ago(i + 1))
    client = client_as("Support")
    with django_assert_max_num_queries(25):
        response = client.get("/orders/search/", {"q": "QRY"}, HTTP_HX_REQUEST="true")
    assert "30 orders for" in text(response)
