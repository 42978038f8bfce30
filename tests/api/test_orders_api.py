"""GET /api/v1/orders/ and /api/v1/orders/{order_id}/: the page's filters, search and sort (the same FilterSet),
cursor pages, the detail's sections, problems for bad input, and bounded query counts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.api.test_problems import assert_problem
from tests.orders.lookup import days_ago

URL = "/api/v1/orders/"


def page_ids(response) -> list[str]:
    return re.findall(r'<a href="/orders/([^/"]+)/\?merchant=', response.content.decode())


def api_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["order_id"] for row in response.json()["results"]]


@pytest.fixture
def orders(cached_order):
    return {
        "new": cached_order("order_status_charged.json", order_id="NEW1", date_created=days_ago(1)),
        "refunded": cached_order("order_status_with_refunds.json", order_id="REF1", date_created=days_ago(2)),
        "offer": cached_order("order_status_with_offers.json", order_id="OFF1", date_created=days_ago(3)),
        "split": cached_order("order_status_split_settlement.json", order_id="SPL1", date_created=days_ago(4)),
        "old": cached_order("order_status_charged.json", order_id="OLD1", date_created=days_ago(40)),
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"period": "all"},
        {"period": "30"},
        {"period": "all", "status": "charged"},
        {"period": "all", "refund_state": "pending"},
        {"period": "all", "payment_method_type": "UPI"},
        {"period": "all", "gateway": "razorpay"},
        {"period": "all", "merchant": "default"},
        {"period": "all", "split_applied": "true"},
        {"period": "all", "offer_code": "kotakspring10"},
        {"period": "all", "sort": "oldest"},
        {"period": "all", "sort": "amount_high"},
        {"period": "all", "sort": "amount_low"},
        {"q": "OFF1"},
        {"q": "ananya.iyer@example.org"},
    ],
)
def test_the_list_answers_what_the_page_lists(client_as, issue_token, orders, params):
    """Same filters, search and sort as the orders page, for the same person."""
    api = issue_token("Support")
    # An exact id typed in the page's search opens the order; `all=1` (the suggestions' "All results") lists it.
    page = client_as("Support").get("/orders/", {**params, "all": "1"} if "q" in params else params)
    assert page.status_code == 200
    assert api_ids(api.get(URL, params)) == page_ids(page)


def test_search_by_email_finds_the_order_and_says_why(issue_token, orders):
    response = issue_token("Support").get(URL, {"q": "ananya.iyer@example.org"})
    rows = response.json()["results"]
    assert [r["order_id"] for r in rows] == ["NEW1", "OLD1"]
    assert rows[0]["email"] == "a•••@example.org" and rows[0]["match"]
    assert response.json()["next"] is None


def test_rows_carry_money_as_strings_with_the_currency(issue_token, cached_order):
    cached_order("order_status_charged.json", order_id="M1", amount=38023, date_created=days_ago(1))
    row = issue_token("Manager").get(URL).json()["results"][0]
    assert row["amount"] == {"amount": "38023.00", "currency": "INR"}
    assert row["status"]["value"] == "CHARGED" and row["status"]["known"] is True


def test_cursor_pages_walk_forward_and_back_through_ties(issue_token, cached_order):
    """Amounts tie; the keyset on (amount, id) still gives every order once, in order, both ways."""
    for n in range(7):
        cached_order("order_status_charged.json", order_id=f"T{n}", amount=100 if n < 5 else 50 + n, txn_id=f"t{n}")
    api = issue_token("Support")
    seen, pages, params = [], [], {"period": "all", "sort": "amount_high", "page_size": 3}
    response = api.get(URL, params)
    while True:
        pages.append(api_ids(response))
        seen += pages[-1]
        link = response.json()["next"]
        if not link:
            break
        response = api.get(link)
    assert len(seen) == 7 and len(set(seen)) == 7
    amounts = [Decimal(api.get(f"{URL}{oid}/").json()["amount"]["amount"]) for oid in seen]
    assert amounts == sorted(amounts, reverse=True)
    assert [len(p) for p in pages] == [3, 3, 1]
    back = api.get(response.json()["previous"])
    assert api_ids(back) == pages[1]


def test_bad_filters_and_cursors_are_problems_that_name_the_field(issue_token, orders):
    api = issue_token("Support")
    assert_problem(api.get(URL, {"created_from": "31/12/2026"}), 400, field="created_from")
    assert_problem(api.get(URL, {"created_to": "9999-12-31"}), 400, field="created_to")
    assert_problem(api.get(URL, {"refund_state": "bogus"}), 400, field="refund_state")
    assert_problem(api.get(URL, {"sort": "sideways"}), 400, field="sort")
    assert_problem(api.get(URL, {"cursor": "not-a-cursor"}), 400, field="cursor")
    assert_problem(api.get(URL, {"page_size": "0"}), 400, field="page_size")
    assert_problem(api.get(URL, {"page_size": "lots"}), 400, field="page_size")
    # A cursor of the right shape whose value no order can hold (NaN amount, naive or impossible time).
    import base64
    import json

    for value in ("NaN", "Infinity", "1e400"):
        forged = base64.urlsafe_b64encode(json.dumps({"v": value, "k": 1, "b": False}).encode()).decode()
        assert_problem(api.get(URL, {"sort": "amount_high", "cursor": forged}), 400, field="cursor")
    for value in ("2026-13-40T00:00:00Z", "yesterday", "2026-01-01T00:00:00"):
        forged = base64.urlsafe_b64encode(json.dumps({"v": value, "k": 1, "b": False}).encode()).decode()
        assert_problem(api.get(URL, {"cursor": forged}), 400, field="cursor")


def test_the_detail_has_every_section_of_the_page(issue_token, cached_order):
    order = cached_order("order_status_with_refunds.json", order_id="DET1")
    cached_order("order_status_with_offers.json", order_id="DET2")
    cached_order("order_status_split_settlement.json", order_id="DET3")
    api = issue_token("Support")
    body = api.get(f"{URL}DET1/").json()
    assert body["order_id"] == "DET1" and body["merchant"] == order.merchant.code
    assert body["payment"]["transactions"][0]["rrn"]
    refunds = body["refunds"]["rows"]
    assert refunds and all(r["amount"]["currency"] == "INR" for r in refunds)
    assert {r["unique_request_id"] for r in refunds} == set(order.refunds.values_list("unique_request_id", flat=True))
    assert body["timeline"] and {"at", "kind", "label", "source", "summary"} <= set(body["timeline"][0])
    assert body["fulfilment_commands"] == []
    offers = api.get(f"{URL}DET2/").json()["offers"]
    assert offers["rows"] and offers["rows"][0]["offer_code"]
    splits = api.get(f"{URL}DET3/").json()["splits"]
    assert splits["rows"] and splits["split_applied"] is True


def test_the_detail_lists_fulfillment_sync_commands_from_the_fulfilment_app(issue_token, cached_order, make_user):
    """The fulfilment app fills the section through orders.registry; orders never imports it."""
    import uuid

    from fulfilment.models import ActionKind, ActionRequest, ActionState

    order = cached_order("order_status_charged.json", order_id="CMD1")
    from django.utils import timezone

    ActionRequest.objects.create(
        kind=ActionKind.FULFILMENT,
        order=order,
        merchant=order.merchant,
        command="NO_ACTION",
        fulfillment_id="ful-1",
        maker=make_user("Support"),
        state=ActionState.SUCCEEDED,
        idempotency_key="ful-1",
        form_token=uuid.uuid4(),
        required_approvals=0,
        expires_at=timezone.now(),
        finished_at=timezone.now(),
        juspay_answer={
            "status": "SUCCESS",
            "order_id": "CMD1",
            "commands": [{"command": "NO_ACTION", "status": "SUCCESS", "fulfillment_id": "ful-1", "x": 1}],
        },
    )
    commands = issue_token("Manager").get(f"{URL}CMD1/").json()["fulfilment_commands"]
    assert commands == [
        {
            "command": "NO_ACTION",
            "status": "SUCCESS",
            "fulfillment_id": "ful-1",
            "date_created": "",
            "error_message": "",
            "data": "",
            "not_final": True,
        }
    ]


def test_missing_and_ambiguous_orders(issue_token, cached_order, merchant):
    from dashboard.models import Merchant

    cached_order("order_status_charged.json", order_id="TWICE")
    other = Merchant.objects.create(code="second", name="Second", base_url="https://x.example", api_key="k")
    from django.utils import timezone

    from dashboard.juspay.types_order import Order as JuspayOrder
    from orders.models import SyncSource
    from orders.sync import apply_order
    from tests.juspay.examples import example

    apply_order(
        other,
        JuspayOrder.parse({**example("order_status_charged.json"), "order_id": "TWICE"}),
        source=SyncSource.JUSPAY_POLL,
        fetched_at=timezone.now(),
    )
    api = issue_token("Support")
    assert_problem(api.get(f"{URL}NOPE1/"), 404)
    assert_problem(api.get(f"{URL}TWICE/"), 400, field="merchant")
    assert api.get(f"{URL}TWICE/", {"merchant": "second"}).json()["merchant"] == "second"


def test_queries_do_not_grow_with_the_rows(issue_token, cached_order, django_assert_max_num_queries):
    api = issue_token("Support")
    for n in range(30):
        cached_order("order_status_with_refunds.json", order_id=f"Q{n}", txn_id=f"t{n}", date_created=days_ago(1))
    with django_assert_max_num_queries(8):
        assert len(api_ids(api.get(URL, {"page_size": 30}))) == 30
    with django_assert_max_num_queries(40):
        assert api.get(f"{URL}Q3/").status_code == 200


def test_an_offset_the_database_cannot_hold_is_read_in_utc_not_a_500(client_as, issue_token, orders):
    """Found by Schemathesis on PostgreSQL: an offset past ±15:59 in created_before was a DataError (a 500)."""
    for name in ("created_after", "created_before", "refund_from", "refund_to"):
        assert issue_token("Support").get(URL, {name: "2027-09-28T16:51:16-17:47"}).status_code == 200
        assert client_as("Support").get("/orders/", {name: "2027-09-28T16:51:16-17:47"}).status_code == 200
    assert (
        issue_token("Support").get("/api/v1/payouts/", {"created_before": "2027-09-28T16:51:16-17:47"}).status_code
        == 200
    )


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-10:00", "1423-03-21T09:09"])
def test_instants_outside_the_calendar_are_refused_naming_the_filter(client_as, issue_token, orders, value):
    for name in ("created_after", "created_before", "refund_from", "refund_to"):
        assert_problem(issue_token("Support").get(URL, {name: value}), 400, field=name)
        assert client_as("Support").get("/orders/", {name: value}).status_code == 400  # the page: ignored, 400
    assert_problem(
        issue_token("Support").get("/api/v1/payouts/", {"created_before": value}), 400, field="created_before"
    )


def test_an_offset_instant_is_read_in_utc(issue_token, cached_order):
    cached_order("order_status_charged.json", order_id="TZ1", date_created="2026-11-30T10:00:00Z")
    api = issue_token("Support")
    assert api_ids(api.get(URL, {"created_after": "2026-11-30T15:29:00+05:30"})) == ["TZ1"]
    assert api_ids(api.get(URL, {"created_after": "2026-11-30T15:31:00+05:30"})) == []
