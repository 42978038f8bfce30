"""Opening an order page notes the visit for the person's home at most once a minute per person and order (one
cache round trip otherwise, not a locked upsert); another person or another order is noted at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import worklist
from orders.models import OrderVisit

pytestmark = pytest.mark.django_db


def test_a_page_opened_again_within_a_minute_writes_no_visit(client, make_user, cached_order):
    order = cached_order("order_status_charged.json", order_id="VISIT-1")
    support = make_user("Support")
    client.force_login(support)
    url = reverse("orders:detail", args=[order.order_id])
    client.get(url)
    first = OrderVisit.objects.get(user=support, order=order).at
    with CaptureQueriesContext(connection) as seen:
        assert client.get(url).status_code == 200
    assert not [q for q in seen.captured_queries if "orders_ordervisit" in q["sql"]]
    assert OrderVisit.objects.get(user=support, order=order).at == first


def test_another_person_or_order_is_noted_at_once(client, make_user, cached_order):
    one = cached_order("order_status_charged.json", order_id="VISIT-2")
    two = cached_order("order_status_charged.json", order_id="VISIT-3")
    a, b = make_user("Support", username="a"), make_user("Support", username="b")
    worklist.record_visit(a, one)
    worklist.record_visit(a, two)
    worklist.record_visit(b, one)
    assert set(OrderVisit.objects.values_list("user__username", "order__order_id")) == {
        ("a", "VISIT-2"),
        ("a", "VISIT-3"),
        ("b", "VISIT-2"),
    }


def test_after_the_minute_the_visit_moves_forward(make_user, cached_order, monkeypatch):
    from django.core.cache import cache

    order = cached_order("order_status_charged.json", order_id="VISIT-4")
    support = make_user("Support")
    worklist.record_visit(support, order)
    first = OrderVisit.objects.get(user=support, order=order).at
    cache.delete(f"orders:visit:{support.pk}:{order.pk}")  # what the minute's expiry does
    worklist.record_visit(support, order)
    assert OrderVisit.objects.get(user=support, order=order).at > first
