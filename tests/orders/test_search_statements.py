"""The search's compound statements (orders/search_sql.py): the child-id lookups in one query, the prefix ranges
merged in the database, the box's exact target read from what the search read (orders.search.target_of), and
in each of them only the viewer's merchants: a person limited to merchant A reads nothing of B's, not even a
count. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.models import Merchant, MerchantAccess
from orders import search
from tests.orders.lookup import cached_payout, days_ago

pytestmark = pytest.mark.django_db

TXN_ID, RRN, REFUND_ID, REQUEST_ID = "lotus_home-LH2503M27-1", "503105529904", "20250311911210000539056263", "RF-M27-02"
UDF = "VIP-TAG-9"


@pytest.fixture
def twins(merchant: Merchant, answer: Any) -> tuple[Any, Any]:
    """The same order (order id, txn, refunds, udf3, customer) at merchant A and at merchant B, and a payout
    order at B only."""
    from orders.models import SyncSource
    from orders.sync import apply_order

    b = Merchant.objects.create(
        code="bee", name="Bee", base_url="https://api.juspay.in", api_key="k", merchant_id="bee"
    )
    made = [
        apply_order(
            m,
            answer("order_status_with_refunds.json", udf3=UDF, date_created=days_ago(n + 1)),
            source=SyncSource.JUSPAY_POLL,
            fetched_at=timezone.now(),
        ).obj
        for n, m in enumerate((merchant, b))
    ]
    cached_payout(b, "LH2503M27", payout_order_id="PO-B-ONLY")
    return made[0], made[1]


@pytest.fixture
def limited(make_user: Any, merchant: Merchant) -> Any:
    user = make_user("Support")
    MerchantAccess.objects.create(user=user, merchant=merchant)
    return user


def _target(target: search.ExactTarget | None) -> tuple[Any, ...] | None:
    if target is None:
        return None
    return (target.order and target.order.pk, target.payout and target.payout.pk, target.why)


CLUES = ["LH2503M27", REFUND_ID, REQUEST_ID, "PO-B-ONLY", "LH2503", TXN_ID, "vikram.desai@example.org", "nothing-1"]


@pytest.mark.parametrize("clue", CLUES)
def test_the_box_target_is_what_exact_target_asks_for(twins, limited, make_user, clue):
    for viewer in (None, make_user("Support"), limited):
        result = search.search(clue, viewer=viewer, limit=8)
        assert _target(search.target_of(result, viewer=viewer)) == _target(search.exact_target(clue, viewer=viewer))


def test_the_target_differs_by_scope_as_it_should(twins, limited):
    a, _ = twins
    for clue, why in (("LH2503M27", "order id"), (REFUND_ID, "refund id"), (REQUEST_ID, "refund request id")):
        assert search.target_of(search.search(clue, viewer=None, limit=8), viewer=None) is None  # at A and at B
        mine = search.target_of(search.search(clue, viewer=limited, limit=8), viewer=limited)
        assert mine is not None and mine.order is not None and (mine.order.pk, mine.why) == (a.pk, why)
    everyone = search.target_of(search.search("PO-B-ONLY", viewer=None, limit=8), viewer=None)
    assert everyone is not None and everyone.payout is not None
    assert search.target_of(search.search("PO-B-ONLY", viewer=limited, limit=8), viewer=limited) is None


@pytest.mark.parametrize(
    "clue", [TXN_ID, RRN, REFUND_ID, REQUEST_ID, UDF, "cust_lh_0932", "LH25", "vikram", "PO-B-ONLY"]
)
def test_a_limited_person_reads_only_their_merchants_rows_and_counts(twins, limited, clue):
    a, b = twins
    everyone = search.search(clue, viewer=None)
    mine = search.search(clue, viewer=limited)
    assert {h.order.pk for h in mine.hits} <= {a.pk}
    assert all(p.payout.merchant_id == a.merchant_id for p in mine.payouts)
    assert mine.count == len(mine.hits) <= 1
    if clue != "PO-B-ONLY":  # the payout order's linked order at B is all B has for this clue
        assert {h.order.pk for h in everyone.hits} == {a.pk, b.pk} and everyone.count == 2  # the scope bites


def test_the_child_ids_say_why_from_one_query(twins):
    a, _ = twins
    reasons = {}
    for clue in (TXN_ID, RRN, REFUND_ID, REQUEST_ID, UDF):
        with CaptureQueriesContext(connection) as queries:
            result = search.search(clue, viewer=None)
        children = [q for q in queries.captured_queries if "orders_transaction" in q["sql"]]
        assert len(children) == 1 and "orders_refund" in children[0]["sql"] and "orders_orderudf" in children[0]["sql"]
        reasons[clue] = next(h.reasons for h in result.hits if h.order.pk == a.pk)
    assert reasons == {
        TXN_ID: ["txn id"],  # the order's own and its transaction's: once
        RRN: ["RRN"],
        REFUND_ID: ["refund id"],
        REQUEST_ID: ["refund request id"],
        UDF: ["udf3"],
    }


def test_the_box_asks_four_queries_at_most(twins):
    for clue in ("LH2503M27", "LH25", "vikram.de", REQUEST_ID):
        with CaptureQueriesContext(connection) as queries:
            search.target_of(search.search(clue, viewer=None, limit=8), viewer=None)
        assert len(queries) <= 4, [q["sql"][:80] for q in queries.captured_queries]


def test_an_order_two_ranges_read_counts_once_with_both_reasons(cached_order):
    cached_order("order_status_charged.json", order_id="DUPX-1", customer_id="DUPX-customer", date_created=days_ago(1))
    cached_order("order_status_charged.json", order_id="DUPX-2", customer_id="other", date_created=days_ago(2))
    result = search.search("DUPX", viewer=None)
    assert result.count == 2 and not result.count_capped
    assert [(h.order.order_id, h.reasons) for h in result.hits] == [
        ("DUPX-1", ["order id starts with", "customer id starts with"]),
        ("DUPX-2", ["order id starts with"]),
    ]


def test_the_count_is_capped_when_one_range_reads_past_the_cap(cached_order, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    for n in range(3):
        cached_order("order_status_charged.json", order_id=f"RNG{n}", date_created=days_ago(n + 1))
    result = search.search("RNG", viewer=None, limit=1)
    assert result.count_capped and [h.order.order_id for h in result.hits] == ["RNG0"]


def test_undated_orders_come_last_among_prefix_hits(cached_order):
    from orders.models import Order

    old = cached_order("order_status_charged.json", order_id="UND-1", date_created=days_ago(9))
    undated = cached_order("order_status_charged.json", order_id="UND-2", date_created=days_ago(1))
    Order.objects.filter(pk=undated.pk).update(juspay_created_at=None)
    assert [h.order.pk for h in search.search("UND", viewer=None).hits] == [old.pk, undated.pk]
