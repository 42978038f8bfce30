"""Fuzz: whatever a person (or an attacker) puts in the list pages' query parameters, the search box and the
main forms, the answer is never a 5xx (issue 14). Hypothesis draws hostile values (NUL bytes, calendar-edge
dates, NaN and 1e30 amounts, deep brackets, long and non-ASCII text) into every parameter.

The budget is bounded (a few dozen examples per target, no deadline, no example database) so the module
runs in well under 20 s; it reaches the database, so tests/conftest.py marks it `database` and CI runs it
on SQLite and on PostgreSQL. A 500 makes the test client raise, so a failure shows its traceback.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fixtures.policy import activate_policy

pytestmark = pytest.mark.django_db


def budget(examples: int) -> settings:
    """A fixed number of examples per target, no deadline, and no shrinking: a failure reports the example
    that failed at once instead of spending minutes making it smaller (the budget holds when it fails too)."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


HOSTILE = [
    "",
    "\x00",
    "a\x00b",
    "9999-12-31",
    "0001-01-01",
    "2024-02-30",
    "NaN",
    "-Infinity",
    "1e30",
    "-1",
    "0",
    "99999999999999999999.99",
    "[" * 2000,
    "{" * 50 + "}" * 50,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00",
    "ORD\u202eDER",
    "🙂" * 40,
    "x" * 5000,
]


def _cursor(value: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, 1]).encode()).decode().rstrip("=")


# Each parameter draws from what its field takes (valid and edge values, which Hypothesis favours: the first
# and last date, NaN, infinities) or from anything hostile.
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
hostile = st.one_of(st.sampled_from(HOSTILE), text)
EDGE_DATES = ["9999-12-31", "0001-01-01", "1900-01-01", "9998-12-31", "2024-02-29"]
dates = st.one_of(st.sampled_from(EDGE_DATES), st.dates().map(str), hostile)
EDGE_AMOUNTS = ["1e30", "-1e30", "NaN", "sNaN", "Infinity", "1e-30", "-0", "0.001", "99999999999999999999.99"]
amounts = st.one_of(
    st.sampled_from(EDGE_AMOUNTS),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.integers().map(str),
    hostile,
)
cursors = st.one_of(
    st.sampled_from(EDGE_AMOUNTS + EDGE_DATES).map(_cursor),
    st.decimals(allow_nan=True, allow_infinity=True).map(str).map(_cursor),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: _cursor(d.isoformat())),
    hostile,
)
nested = st.integers(min_value=0, max_value=3000).map(lambda n: "[" * n + "]" * n)


def choice(*valid: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(valid), hostile)


ORDER_LIST = {
    "q": hostile,
    "status": choice("CHARGED", "PENDING_VBV"),
    "period": choice("30", "90", "365", "all"),
    "created_from": dates,
    "created_to": dates,
    "payment_method_type": choice("CARD", "UPI"),
    "gateway": hostile,
    "merchant": choice("default"),
    "refund_state": hostile,
    "fulfilment_state": hostile,
    "split_applied": choice("true", "false"),
    "offer_code": hostile,
    "sort": choice("newest", "oldest", "amount_high", "amount_low"),
    "after": cursors,
    "before": cursors,
}
PAYOUT_LIST = {
    "status": hostile,
    "type": hostile,
    "age": choice("1", "7", "older_10"),
    "manual_review": choice("true", "false"),
    "beneficiary": hostile,
    "merchant": choice("default"),
    "sort": choice("newest", "oldest"),
    "after": cursors,
    "before": cursors,
}
AUDIT = {
    "actor": hostile,
    "verb": hostile,
    "object_type": hostile,
    "object_id": hostile,
    "date_from": dates,
    "date_to": dates,
}


def params(fields: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[dict[str, str]]:
    """A value for every field; each is then requested on its own (one bad value would hide the others)."""
    return st.fixed_dictionaries(fields)


def one_at_a_time(client: Any, path: str, drawn: dict[str, str], sort: str, headers: dict[str, str]) -> None:
    """Each drawn value alone (with a valid sort, so cursors reach the paging), then all of them together."""
    for key, value in drawn.items():
        query = {key: value} if key == "sort" else {"sort": sort, key: value}
        never_5xx(client.get(path, query, headers=headers), f"{path} {query!r}")
    never_5xx(client.get(path, drawn, headers=headers), f"{path} {drawn!r}")


def never_5xx(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


@pytest.fixture
def admin(client, make_user, cached_order):
    from dashboard.merchants import default_merchant

    merchant = default_merchant()
    merchant.base_url = "http://127.0.0.1:9"  # nothing listens: a live lookup fails fast
    merchant.save()
    admin = make_user("Admin")
    activate_policy({"fulfilment": {"approvals": 1, "json_data": ["BLOCK_IMEI"]}}, actor=admin)  # data checked as JSON
    client.force_login(admin)
    return client, cached_order("order_status_charged.json")


def test_list_pages_and_search_never_answer_5xx(admin):
    client, _ = admin

    @budget(6)  # each example makes ~40 requests: every list parameter on its own, then together
    @given(
        orders=params(ORDER_LIST),
        payouts=params(PAYOUT_LIST),
        audit=params(AUDIT),
        q=hostile,
        state=hostile,
        htmx=st.booleans(),
        order_sort=st.sampled_from(["newest", "oldest", "amount_high", "amount_low"]),
        payout_sort=st.sampled_from(["newest", "oldest"]),
    )
    def run(orders, payouts, audit, q, state, htmx, order_sort, payout_sort):
        headers = {"HX-Request": "true"} if htmx else {}
        one_at_a_time(client, "/orders/", orders, order_sort, headers)
        never_5xx(client.get("/orders/export.csv", orders), f"/orders/export.csv {orders!r}")
        one_at_a_time(client, "/payouts/", payouts, payout_sort, headers)
        one_at_a_time(client, "/audit/", audit, "", {})
        never_5xx(client.get("/orders/search/", {"q": q}, headers=headers), f"search {q!r}")
        never_5xx(client.get("/approvals/", {"state": state, "mine": state}), f"/approvals/ {state!r}")
        never_5xx(client.get("/webhooks/", {"state": state}), f"/webhooks/ {state!r}")

    run()


def test_order_urls_never_answer_5xx(admin):
    client, order = admin
    ids = hostile.filter(lambda s: "/" not in s and s not in ("", ".", ".."))

    @budget(20)
    @given(order_id=ids, merchant=choice("default"))
    def run(order_id, merchant):
        for name in ("orders:detail", "orders:timeline", "orders:payouts"):
            url = reverse(name, args=[order_id])
            never_5xx(client.get(url, {"merchant": merchant}), f"{url} merchant={merchant!r}")
        url = reverse("orders:payout_detail", args=[order_id])
        never_5xx(client.get(url, {"merchant": merchant}), url)
        never_5xx(client.get(reverse("orders:detail", args=[order.order_id]), {"merchant": merchant}), "merchant=")

    run()


def test_main_forms_never_answer_5xx(admin):
    client, order = admin
    commands = choice("INITIATE_REFUND", "POST_TXN_SPLIT_SETTLEMENT", "NO_ACTION", "BLOCK_IMEI")

    @budget(12)
    @given(
        note=hostile,
        lookup=hostile,
        amount=amounts,
        reason=choice("CUSTOMER_REQUEST", "OTHER"),
        command=commands,
        status=choice("SUCCESS", "FAILURE"),
        data=st.one_of(hostile, nested),
        split=amounts,
        fulfilment_time=dates,
    )
    def run(note, lookup, amount, reason, command, status, data, split, fulfilment_time):
        never_5xx(client.post(reverse("orders:add_note", args=[order.order_id]), {"body": note}), f"note {note!r}")
        never_5xx(client.post(reverse("orders:lookup"), {"order_id": lookup, "merchant": reason}), "lookup")
        refund = {"amount": amount, "reason_code": reason, "comment": note, "form_token": str(uuid.uuid4())}
        never_5xx(client.post(reverse("fulfilment:raise_refund", args=[order.pk]), refund), f"refund {refund!r}")
        fulfilment = {
            "fulfillment_command": command,
            "fulfillment_status": status,
            "fulfillment_id": reason,
            "fulfillment_time": fulfilment_time,
            "fulfillment_data": data,
            "amount": amount,
            "marketplace_amount": split,
            "vendors": f"vendor_a, {split}\nvendor_b, {amount}, {split}",
            "comment": note,
            "form_token": str(uuid.uuid4()),
        }
        url = reverse("fulfilment:raise_fulfilment", args=[order.pk])
        never_5xx(client.post(url, fulfilment), f"fulfilment {fulfilment!r}")
        # The two commands whose fields are read further: a split's shares, and JSON fulfillment_data.
        for fixed in ("POST_TXN_SPLIT_SETTLEMENT", "BLOCK_IMEI"):
            variant = {**fulfilment, "fulfillment_command": fixed, "form_token": str(uuid.uuid4())}
            never_5xx(client.post(url, variant), f"fulfilment {variant!r}")
        policy_form = {
            "based_on": amount,
            "approver_roles": reason,
            "expiry_hours": amount,
            "refund_approvals": split,
            "refund_threshold": amount,
            "refund_high_approvals": split,
            "fulfilment_approvals": amount,
            "cmd_NO_ACTION": split,
            "note": note,
        }
        never_5xx(client.post(reverse("fulfilment:policy"), policy_form), f"policy {policy_form!r}")
        merchant = {"code": reason, "name": note, "base_url": data, "merchant_id": reason, "api_key": amount}
        never_5xx(client.post(reverse("merchants:add"), merchant), f"merchant {merchant!r}")

    run()
