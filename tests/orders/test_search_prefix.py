"""The search box while one types: prefixes of every clue kind find the order (SQLite and PostgreSQL), newest
first, each through a bounded index range; short clues say how long they must be; on PostgreSQL the prefix
indexes exist and a broad prefix is served by them, each range stopping at COUNT_CAP + 1 rows, no sequential
scan."""

import html
import importlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfilment.management.commands import bench_kpis
from orders import search
from tests.juspay.examples import example
from tests.orders.lookup import days_ago

REFUNDS = example("order_status_with_refunds.json")  # LH2503M27, cust_lh_0932, vikram.desai@…, 9845067123

prefix_migration = importlib.import_module("orders.migrations.0015_typeahead")
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the prefix indexes are PostgreSQL's")


@pytest.fixture
def order(cached_order):
    return cached_order("order_status_with_refunds.json", date_created=days_ago(1))


@pytest.fixture
def other(cached_order):
    """An order that shares no prefix of 3 characters with the first one's clues."""
    return cached_order(
        "order_status_charged.json",
        order_id="ZX77001",
        customer_id="zed_4411",
        customer_email="qa.team@sample.net",
        customer_phone="7012345678",
        date_created=days_ago(2),
    )


def prefix_hits(query):
    return [(h.order.order_id, h.exact) for h in search.search(query, viewer=None).hits]


@pytest.mark.parametrize(
    ("clue", "why"),
    [
        ("LH2", "order id starts with"),
        ("lh2503", "order id starts with"),  # typed in lower case
        ("LH2503M2", "order id starts with"),
        ("cust_lh", "customer id starts with"),
        ("vik", "email starts with"),
        ("Vikram.Desai@Exa", "email starts with"),  # any case
        ("9845", "phone starts with"),
        ("98450 67", "phone starts with"),
        ("+91 98450", "phone starts with"),  # with the country code
        ("+91-984-50", "phone starts with"),
        ("098450", "phone starts with"),  # with the trunk 0
        ("(98450) 6", "phone starts with"),
    ],
)
def test_a_prefix_of_each_clue_finds_the_order_and_says_why(order, other, clue, why):
    result = search.search(clue, viewer=None)
    assert [(h.order.pk, h.exact) for h in result.hits] == [(order.pk, False)]
    assert why in result.hits[0].reasons


@pytest.mark.parametrize("clue", [REFUNDS["txn_id"], REFUNDS["customer_id"], "+91 98450 67123", REFUNDS["order_id"]])
def test_whole_clues_are_exact_hits_and_come_first(order, other, clue):
    assert prefix_hits(clue)[0] == (order.order_id, True)


def test_the_prefix_is_literal_and_exact_at_its_end(order, other, cached_order):
    # Neighbours in the index's order that do not start with the clue: before it, after it, and one whose
    # next character is the clue's last one incremented.
    for order_id in ("LH2503M26", "LH2503M3", "LH2503N", "LH%503"):
        cached_order("order_status_charged.json", order_id=order_id, customer_email="", customer_phone="")
    assert {oid for oid, _ in prefix_hits("LH2503M2")} == {"LH2503M27", "LH2503M26"}
    assert {oid for oid, _ in prefix_hits("LH%50")} == {"LH%503"}  # % is a character, not a wildcard


def test_prefix_hits_are_newest_first(cached_order):
    for n, age in ((1, 5), (2, 1), (3, 3)):
        cached_order("order_status_charged.json", order_id=f"NEWEST{n}", date_created=days_ago(age))
    assert [oid for oid, _ in prefix_hits("NEWEST")] == ["NEWEST2", "NEWEST3", "NEWEST1"]


def test_more_matches_than_the_cap_read_as_capped(cached_order, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    for n in range(5):
        cached_order("order_status_charged.json", order_id=f"CAPPED{n}", date_created=days_ago(n + 1))
    result = search.search("CAPPED", viewer=None, limit=2)
    assert result.count_capped and result.count_label == "3+"
    assert len(result.hits) == 2 and result.truncated


def test_a_clue_shorter_than_three_characters_looks_up_exact_ids_only(order):
    assert prefix_hits("LH") == []
    assert prefix_hits("vi") == []
    assert search.search("vi", viewer=None).too_short and not search.search("vik", viewer=None).too_short


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_box_says_how_many_characters_a_prefix_needs(client_as, order):
    short = text(client_as("Support").get("/orders/search/", {"q": "vi"}, HTTP_HX_REQUEST="true"))
    assert "Type 3 or more characters" in short
    found = text(client_as("Support").get("/orders/search/", {"q": "vik"}, HTTP_HX_REQUEST="true"))
    assert "Type 3 or more" not in found and REFUNDS["order_id"] in found


def test_every_prefix_range_is_a_bounded_branch_of_one_statement(order):
    with CaptureQueriesContext(connection) as queries:
        search.search("vik", viewer=None)
    ranged = [q["sql"] for q in queries.captured_queries if ">=" in q["sql"] and "LIMIT" in q["sql"]]
    # order id as typed and in upper case, customer id, email: each its own bounded range, in one statement
    assert len(ranged) == 1, ranged
    assert ranged[0].count(f"LIMIT {search.COUNT_CAP + 1}") == 4, ranged


# --- PostgreSQL: the indexes and the plan ---------------------------------------------------------


@postgresql_only
def test_the_prefix_indexes_exist(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orders_order'")
        indexes = dict(cursor.fetchall())
    for column in prefix_migration.COLUMNS:
        definition = indexes[prefix_migration.index_name(column)]
        assert f'({column})::text COLLATE "C"' in definition or f'{column} COLLATE "C"' in definition, definition


@postgresql_only
def test_a_broad_prefix_walks_its_index_in_order_with_no_sort(merchant):
    # 20,000 orders whose ids all start with BENCH (the benchmark's own fill), then fresh statistics that say
    # every row matches: the shape that used to make PostgreSQL read every match, or scan the table, and sort.
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(*bench_kpis._orders_sql(merchant.pk, 0, 19_999, 20_000, 90, 11, now))
        cursor.execute("ANALYZE orders_order")
    with CaptureQueriesContext(connection) as queries:
        result = search.search("BEN", viewer=None)
    assert result.count_capped and len(result.hits) == search.DEFAULT_LIMIT
    ranged = [q["sql"] for q in queries.captured_queries if ">=" in q["sql"] and "LIMIT" in q["sql"]]
    assert len(ranged) == 1
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + ranged[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    scans = re.findall(r"Index (?:Only )?Scan using (\w+_c_idx) .*rows=(\d+)", plan)
    # each range walks its own prefix index in order (no sort under its LIMIT) and stops at COUNT_CAP + 1 rows;
    # only the few hundred rows read are merged and sorted
    assert len(scans) == len(search.prefixes_of("BEN")) == 3 and all(
        int(rows) <= search.COUNT_CAP + 1 for _, rows in scans
    ), plan
    assert re.search(r"Limit .*\n\s+->  Index (Only )?Scan using \w+order_id_c_idx", plan), plan
