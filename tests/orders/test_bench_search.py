"""bench_search runs on the orders in the database and prints a row per clue kind and case (no timing is
asserted: it is a benchmark)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.orders.lookup import days_ago


def test_bench_search_prints_percentiles_per_kind(cached_order):
    cached_order("order_status_with_refunds.json", date_created=days_ago(1))
    out = StringIO()
    call_command("bench_search", "--samples", "1", "--runs", "1", "--kinds", "order id,email", stdout=out)
    text = out.getvalue()
    for row in ("order id     typeahead", "email        whole, box", "email        whole, page", "all prefixes"):
        assert row in text, text
    assert "phone" not in text.split("slowest")[0].split("wall time")[1]  # only the kinds asked for


def test_bench_search_needs_orders(db):
    with pytest.raises(CommandError, match="No orders"):
        call_command("bench_search", stdout=StringIO())
