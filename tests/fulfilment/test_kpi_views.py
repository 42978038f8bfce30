"""The KPI page's views: the URL holds the state, sections answer in a bounded number of queries, CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders_today(cached_order):
    created = (timezone.now() - timedelta(minutes=5)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for i, method in enumerate(["UPI", "UPI", "CARD"]):
        cached_order("order_status_charged.json", order_id=f"V{i}", date_created=created, payment_method_type=method)


def test_the_page_keeps_its_state_in_every_fragment_url(client_as):
    response = client_as("Manager").get("/kpis/?period=custom&from=2025-03-01&to=2025-03-05&compare=1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "01 Mar 2025 – 05 Mar 2025, compared with 24 Feb 2025 – 28 Feb 2025" in html
    assert 'hx-get="/kpis/refunds/?period=custom&amp;from=2025-03-01&amp;to=2025-03-05&amp;compare=1"' in html


def test_an_unknown_merchant_is_said_and_all_are_shown(client_as):
    html = client_as("Admin").get("/kpis/?merchant=nope").content.decode()
    assert "No merchant &#x27;nope&#x27;; showing all merchants." in html


@pytest.mark.parametrize("name", ["payments", "refunds", "fulfilment", "payouts", "approvals"])
def test_each_section_reads_a_bounded_number_of_queries(client_as, orders_today, name, django_assert_max_num_queries):
    client = client_as("Manager")
    with django_assert_max_num_queries(
        20
    ):  # whatever the number of orders (fewer on PostgreSQL: one per percentile set)
        response = client.get(f"/kpis/{name}/?period=90d&compare=1")
    assert response.status_code == 200


def test_the_payments_section_shows_the_figures_and_a_table_fallback(client_as, orders_today):
    html = client_as("Manager").get("/kpis/payments/?period=today").content.decode()
    assert '<p class="kpi-value" title="Orders: every order created' in html
    assert "<caption>By payment method" in html
    assert "<summary>Table</summary>" in html  # the chart's numbers, for screen readers and copy-paste


def test_a_table_downloads_as_csv(client_as, orders_today):
    response = client_as("Manager").get("/kpis/payments/methods.csv?period=today")
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["Payment method", "Orders", "Charged", "Success rate", "Charged amount"]
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:]] == [("UPI", "2", "2", "1.0"), ("CARD", "1", "1", "1.0")]


def test_the_figures_csv_lists_every_tile(client_as, orders_today):
    response = client_as("Manager").get("/kpis/refunds/figures.csv?period=7d&compare=1")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["Figure", "Unit", "Value", "Comparison", "Delta"]
    assert "Refund turnaround p90" in [r[0] for r in rows]


def test_an_unknown_section_or_table_is_404(client_as):
    client = client_as("Manager")
    assert client.get("/kpis/nothing/").status_code == 404
    assert client.get("/kpis/payments/nothing.csv").status_code == 404


def test_the_manager_home_page_loads_the_headline_tiles(client_as, orders_today):
    client = client_as("Manager")
    assert 'hx-get="/kpis/headline/"' in client.get("/").content.decode()
    html = client.get("/kpis/headline/").content.decode()
    for label in ("Orders", "Success rate", "Charged amount", "Refund rate", "Refund turnaround p90"):
        assert label in html
    assert 'hx-get="/kpis/headline/"' not in client_as("Support").get("/").content.decode()
