"""Approvers see what they decide on: the order's status, amount, refunded and refundable, the customer (masked
unless revealed, as on the order page), the reason, the maker and the age; high-value requests are flagged; a
request the viewer already decided on leaves their "waiting for me" list and their nav badge."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fulfilment import services

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def badge(response) -> int:
    found = re.search(r'class="nav-count"[^>]*>(\d+)<', response.content.decode())
    return int(found.group(1)) if found else 0


@pytest.fixture
def big_order(sim_order):
    return sim_order(amount=25000.0)


def test_the_queue_shows_the_order_facts_reason_maker_and_age(client, make_user, charged_order, refund_request):
    refund_request(charged_order, "100.00", maker=make_user("Support", username="sam"))
    client.force_login(make_user("Finance"))
    page = text(client.get(reverse("fulfilment:queue")))
    refundable = services.still_refundable(charged_order)
    assert "Order status CHARGED" in page
    assert "Order amount ₹1,499.00" in page
    assert "Already refunded ₹0.00" in page
    assert f"Still refundable ₹{refundable:,.2f}" in page
    assert "Reason: CUSTOMER_REQUEST" in page and "by sam, just now" in page
    assert "a•••@example.org" in page and "••••••4567" in page  # masked until revealed
    assert "ananya.iyer@example.org" not in page


def test_still_refundable_counts_what_open_requests_hold(client, make_user, charged_order, refund_request):
    before = services.still_refundable(charged_order)
    refund_request(charged_order, "100.00")
    refund_request(charged_order, "250.00")
    client.force_login(make_user("Finance"))
    page = text(client.get(reverse("fulfilment:queue")))
    assert f"Still refundable ₹{before - 350:,.2f}" in page


@pytest.mark.parametrize("role", ["Support", "Manager"])
def test_the_customer_is_masked_for_those_who_may_not_reveal(client, make_user, charged_order, refund_request, role):
    refund_request(charged_order)
    client.force_login(make_user(role))
    page = text(client.get(reverse("fulfilment:queue") + "?state=all"))
    assert "a•••@example.org" in page and "ananya.iyer@example.org" not in page


def test_finance_sees_the_customer_on_the_queue_and_request_page_after_revealing_the_order(
    client, make_user, charged_order, refund_request
):
    req = refund_request(charged_order)
    client.force_login(make_user("Finance"))
    client.post(reverse("orders:reveal", args=[charged_order.order_id]) + "?merchant=default")
    assert "ananya.iyer@example.org" in text(client.get(reverse("fulfilment:queue")))
    assert "ananya.iyer@example.org" in text(client.get(reverse("fulfilment:detail", args=[req.pk])))


def test_the_request_page_shows_the_same_facts(client, make_user, charged_order, refund_request):
    req = refund_request(charged_order, "100.00", maker=make_user("Support", username="sam"))
    client.force_login(make_user("Support"))
    page = text(client.get(reverse("fulfilment:detail", args=[req.pk])))
    assert "Order status CHARGED" in page and "Still refundable ₹" in page and "Already refunded" in page
    assert "Reason CUSTOMER_REQUEST" in page and "Raised by sam" in page and "a•••@example.org" in page


def test_what_is_sent_to_juspay_shows_the_amount_as_sent_and_as_people_read_it(
    client, make_user, charged_order, refund_request
):
    req = refund_request(charged_order, "1234.50")
    client.force_login(make_user("Finance"))
    page = text(client.get(reverse("fulfilment:detail", args=[req.pk])))
    assert "What is sent to Juspay" in page
    assert "amount 1234.50 ₹1,234.50" in page  # the wire value untouched, then the one money format


def test_high_value_requests_are_flagged_by_the_policys_amount_rule(
    client, make_user, big_order, charged_order, refund_request
):
    big = refund_request(big_order, "12000.00")
    small = refund_request(charged_order, "100.00")
    client.force_login(make_user("Finance"))
    response = client.get(reverse("fulfilment:queue"))
    body = response.content.decode()
    rows = {pk: re.search(rf'<tr id="request-{pk}".*?</tr>', body, re.S).group(0) for pk in (big.pk, small.pk)}
    assert "High value" in rows[big.pk] and "High value" not in rows[small.pk]
    assert "High value" in text(client.get(reverse("fulfilment:detail", args=[big.pk])))


def test_a_request_one_decided_on_leaves_ones_waiting_list_and_badge(client, make_user, big_order, refund_request):
    req = refund_request(big_order, "12000.00")  # above 10,000: two approvals
    first, second = make_user("Finance", username="fin1"), make_user("Finance", username="fin2")
    for person in (first, second):
        client.force_login(person)
        response = client.get(reverse("fulfilment:queue") + "?state=for_me")
        assert f"#{req.pk}" in text(response) and badge(response) == 1
    services.approve(req.pk, approver=first)
    client.force_login(first)
    response = client.get(reverse("fulfilment:queue") + "?state=for_me")
    assert f'id="request-{req.pk}"' not in response.content.decode() and badge(response) == 0
    assert "nothing is waiting for your decision" in text(response)
    client.force_login(second)
    response = client.get(reverse("fulfilment:queue") + "?state=for_me")
    assert f'id="request-{req.pk}"' in response.content.decode() and badge(response) == 1


def test_the_queue_reads_a_fixed_number_of_queries_however_many_rows(client, make_user, cached_order, refund_request):
    client.force_login(make_user("Finance"))
    maker = make_user("Support")

    def queries_with(orders: int) -> int:
        for i in range(orders):
            order = cached_order("order_status_charged.json", order_id=f"Q-{orders}-{i}")
            refund_request(order, "10.00", maker=maker)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("fulfilment:queue")).status_code == 200
        return len(captured)

    few = queries_with(2)
    many = queries_with(8)  # 10 rows on 10 orders now
    assert many == few, "the queue's queries grow with its rows (N+1)"
