"""Homes are worklists: Support the orders they worked on and their open requests; Finance the queue, waiting
for me first; Manager the headline numbers; Admin the health summary's place (filled by another part)."""

import re

import pytest
from django.urls import reverse

from fulfilment import services

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def section(response, heading_id: str) -> str:
    found = re.search(
        rf'<section class="home-panel" aria-labelledby="{heading_id}">.*?</section>', response.content.decode(), re.S
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))) if found else ""


def test_support_sees_the_orders_they_opened_and_noted_newest_first(client, make_user, cached_order):
    first = cached_order("order_status_charged.json", order_id="SUP-1")
    second = cached_order("order_status_charged.json", order_id="SUP-2")
    untouched = cached_order("order_status_charged.json", order_id="SUP-3")
    support = make_user("Support")
    client.force_login(support)
    client.get(reverse("orders:detail", args=[first.order_id]))
    from orders.notes import add_note

    add_note(second, "customer called", author=support)
    recent = section(client.get(reverse("home")), "home-recent")
    assert recent.index("SUP-2") < recent.index("SUP-1")
    assert "Internal note" in recent and "Opened" in recent and untouched.order_id not in recent


def test_someone_elses_work_is_not_on_my_home(client, make_user, cached_order):
    order = cached_order("order_status_charged.json", order_id="OTHER-1")
    client.force_login(make_user("Support", username="a"))
    client.get(reverse("orders:detail", args=[order.order_id]))
    client.force_login(make_user("Support", username="b"))
    assert "OTHER-1" not in section(client.get(reverse("home")), "home-recent")


def test_support_sees_their_open_requests_and_not_closed_ones(client, make_user, charged_order, refund_request):
    support = make_user("Support", username="sam")
    open_one = refund_request(charged_order, "100.00", maker=support)
    closed = refund_request(charged_order, "50.00", maker=support)
    services.cancel(closed.pk, actor=support)
    refund_request(charged_order, "70.00")  # someone else's
    client.force_login(support)
    mine = section(client.get(reverse("home")), "home-my-requests")
    assert f"#{open_one.pk}" in mine and f"#{closed.pk}" not in mine and "₹70.00" not in mine
    assert "Still refundable" not in mine and "refundable ₹" in mine


def test_finance_sees_the_queue_waiting_for_me_first(client, make_user, charged_order, refund_request):
    finance = make_user("Finance", username="fin")
    theirs = refund_request(charged_order, "100.00")
    own = refund_request(charged_order, "40.00", maker=finance)  # Finance may raise too; not theirs to decide
    client.force_login(finance)
    response = client.get(reverse("home"))
    queue = section(response, "home-queue")
    assert queue.index(f"#{theirs.pk}") < queue.index("Also waiting") < queue.index(f"#{own.pk}")
    assert "You raised it" in queue
    assert response.content.decode().index('id="home-queue"') < response.content.decode().index('id="home-recent"')


def test_a_request_finance_decided_leaves_their_home_list(client, make_user, charged_order, refund_request):
    finance = make_user("Finance")
    req = refund_request(charged_order, "100.00")
    services.reject(req.pk, approver=finance, comment="duplicate")
    client.force_login(finance)
    queue = section(client.get(reverse("home")), "home-queue")
    assert "Nothing is waiting for your decision." in queue and f"#{req.pk}" not in queue


def test_a_manager_gets_the_headline_numbers_and_no_worklists(client, make_user, charged_order, refund_request):
    refund_request(charged_order)
    client.force_login(make_user("Manager"))
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert 'id="kpi-headline"' in body and reverse("kpis:headline") in body
    assert "home-queue" not in body and "home-recent" not in body and "home-my-requests" not in body
    assert client.get(reverse("kpis:headline"), HTTP_HX_REQUEST="true").status_code == 200


def test_an_admin_home_includes_the_health_summary_place(client, make_user):
    client.force_login(make_user("Admin"))
    response = client.get(reverse("home"))
    assert "dashboard/_home_health.html" in [t.name for t in response.templates]
    client.force_login(make_user("Manager"))
    assert "dashboard/_home_health.html" not in [t.name for t in client.get(reverse("home")).templates]


def test_no_role_no_panels(client, make_user):
    client.force_login(make_user(None))
    page = text(client.get(reverse("home")))
    assert "You have no role yet" in page and "Orders you worked on" not in page


@pytest.mark.parametrize("role", ["Support", "Finance"])
def test_the_home_reads_a_fixed_number_of_queries(client, make_user, cached_order, refund_request, role):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = make_user(role)
    client.force_login(person)

    def queries_with(n: int) -> int:
        for i in range(n):
            order = cached_order("order_status_charged.json", order_id=f"H-{n}-{i}")
            client.get(reverse("orders:detail", args=[order.order_id]))
            refund_request(order, "10.00", maker=person if role == "Support" else None)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    assert queries_with(2) == queries_with(6)
