"""The orders list's rows built in Python (orders/list_table.py) and its filter bar kept per query and merchant scope
(orders/list_filter_bar.py): what a person sees is escaped, masked, linked and scoped as the template had it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dashboard.models import Merchant, MerchantAccess
from orders import list_table, presenters
from orders.models import Order
from orders.statuses import Status
from tests.orders.lookup import days_ago

URL = "/orders/"
HOSTILE = '<script>alert("x")</script>'


@pytest.mark.parametrize("order_id", ["ORD-1", "a b", "50%off", "x&y=z", "ünï", "semi;colon", "at@sign:1~"])
def test_the_detail_link_is_what_reverse_gives(db, order_id):
    assert list_table.DetailUrls()(order_id) == reverse("orders:detail", args=[order_id])


@pytest.mark.django_db
def test_every_value_in_a_row_is_escaped_and_personal_data_masked(cached_order):
    order = cached_order(order_id="ESC1", date_created=days_ago(1), customer_email="priya.nair@example.org")
    Order.objects.filter(pk=order.pk).update(gateway=HOSTILE, payment_method=HOSTILE, status=HOSTILE)
    order.refresh_from_db()
    html = list_table.table_rows(presenters.list_rows([order]))
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 3  # status, method, gateway
    assert "priya.nair" not in html and "p•••@example.org" in html
    assert '<span class="badge badge-unknown">unknown</span>' in html  # a status Juspay does not document


def test_a_documented_status_shows_its_meaning_and_no_unknown_badge():
    badge = list_table.status_badge(Status("CHARGED", "Paid & captured", True, "success"))
    assert badge == '<span class="badge badge-success" title="Paid &amp; captured">CHARGED</span>'


@pytest.mark.django_db
def test_the_list_shows_amount_time_and_the_refund_and_fulfilment_labels(client_as, cached_order):
    order = cached_order(order_id="SHOW1", date_created=days_ago(1))
    body = client_as("Support").get(URL).content.decode()
    assert f'<a href="/orders/SHOW1/?merchant={order.merchant.code}">SHOW1</a>' in body
    assert f"<td>{order.get_refund_state_display()}<br>" in body
    assert f'<small class="muted">{order.get_fulfilment_state_display()}</small>' in body
    assert re.search(r'<td class="nowrap"><time datetime="[^"]+Z" title="[^"]+ UTC">', body)
    assert '<td class="num">₹' in body


@pytest.fixture
def two_merchants(merchant):
    other = Merchant.objects.create(code="bee", name="Bee Stores", base_url="http://127.0.0.1:9", api_key="k")
    return merchant, other


@pytest.mark.django_db
def test_the_kept_filter_bar_shows_a_limited_person_only_their_merchants(client, make_user, two_merchants):
    mine, other = two_merchants
    everyone = make_user("Support")
    client.force_login(everyone)
    assert f'value="{other.code}"' in client.get(URL).content.decode()  # the bar is now kept for "all merchants"
    limited = make_user("Support")
    MerchantAccess.objects.create(user=limited, merchant=mine)
    client.force_login(limited)
    body = client.get(URL).content.decode()
    assert f'value="{mine.code}"' in body and f'value="{other.code}"' not in body


@pytest.mark.django_db
def test_the_kept_filter_bar_shows_the_values_of_its_own_query(client_as):
    client = client_as("Support")
    assert 'value="RAZORPAY"' not in client.get(URL).content.decode()
    assert 'value="RAZORPAY"' in client.get(URL, {"gateway": "RAZORPAY"}).content.decode()
    assert 'value="RAZORPAY"' not in client.get(URL).content.decode()


@pytest.mark.django_db
def test_a_search_with_another_filter_still_narrows_the_matches(client_as, cached_order):
    cached_order(order_id="NAR1", customer_email="same@example.org", date_created=days_ago(1))
    cached_order(
        "order_status_with_refunds.json", order_id="NAR2", customer_email="same@example.org", date_created=days_ago(2)
    )
    client = client_as("Support")
    both = client.get(URL, {"q": "same@example.org"}).content.decode()
    assert "NAR1" in both and "NAR2" in both
    refunded = Order.objects.get(order_id="NAR2").refund_state
    narrowed = client.get(URL, {"q": "same@example.org", "refund_state": refunded}).content.decode()
    assert "NAR2" in narrowed and ">NAR1<" not in narrowed
