"""GET /api/v1/payouts/ and /api/v1/payouts/{payout_order_id}/: the payouts page's FilterSet, cursor pages, and
the detail's sections masked as the page masks them for the same person."""

from __future__ import annotations

import pytest

from orders.models import PayoutOrder
from tests.api.test_problems import assert_problem
from tests.orders.lookup import days_ago
from tests.orders.payouts import payout_answer, sync_payout, with_payments_and_refunds
from tests.orders.test_payout_views import SECRETS, listed, make

URL = "/api/v1/payouts/"


def api_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["payout_order_id"] for row in response.json()["results"]]


@pytest.fixture
def payouts(merchant):
    make(merchant, "PO-OK", days=3)
    make(merchant, "PO-FAIL", days=30, status="FULFILLMENTS_FAILURE", fulfilment="FAILURE")
    make(merchant, "PO-REVIEW", days=12, status="FULFILLMENTS_MANUAL_REVIEW", fulfilment="MANUAL_REVIEW")
    PayoutOrder.objects.filter(payout_order_id="PO-REVIEW").update(type="PAY_AND_FULFILL")
    upi = payout_answer(orderId="PO-UPI", createdAt=days_ago(1))
    upi["fulfillments"][0].update(id="PO-UPI-f1", beneficiaryDetails={"type": "UPI_ID", "details": {"vpa": "a@ybl"}})
    sync_payout(merchant, upi)


@pytest.fixture
def full(merchant):
    return sync_payout(merchant, with_payments_and_refunds(payout_answer(orderId="PO-FULL-1", createdAt=days_ago(2))))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "fulfillments_failure"},
        {"type": "PAY_AND_FULFILL"},
        {"age": "older_10"},
        {"age": "7"},
        {"manual_review": "true"},
        {"manual_review": "false"},
        {"beneficiary": "UPI_ID"},
        {"beneficiary": "ACCOUNT_IFSC", "age": "7"},
        {"sort": "oldest"},
        {"merchant": "default"},
    ],
)
def test_the_list_answers_what_the_page_lists(client_as, issue_token, payouts, params):
    assert api_ids(issue_token("Support").get(URL, params)) == listed(client_as("Support"), **params)


def test_rows_and_pages(issue_token, payouts):
    api = issue_token("Manager")
    first = api.get(URL, {"page_size": 3}).json()
    assert [r["payout_order_id"] for r in first["results"]] == ["PO-UPI", "PO-OK", "PO-REVIEW"]
    row = first["results"][0]
    assert row["beneficiary_types"] == ["UPI_ID"] and row["amount"]["currency"] == "INR"
    assert isinstance(row["amount"]["amount"], str)
    rest = api.get(first["next"]).json()
    assert [r["payout_order_id"] for r in rest["results"]] == ["PO-FAIL"] and rest["next"] is None


def test_bad_filters_are_problems_naming_the_field(issue_token, payouts):
    api = issue_token("Support")
    assert_problem(api.get(URL, {"beneficiary": "CARRIER_PIGEON"}), 400, field="beneficiary")
    assert_problem(api.get(URL, {"age": "forever"}), 400, field="age")
    assert_problem(api.get(URL, {"cursor": "!!"}), 400, field="cursor")
    assert_problem(api.get(f"{URL}PO-NOPE/"), 404)


@pytest.mark.parametrize("role", ["Support", "Manager", "Finance"])
def test_the_detail_is_masked_for_everyone_until_revealed(issue_token, full, role):
    body = issue_token(role).get(f"{URL}PO-FULL-1/")
    assert body.status_code == 200
    text = body.content.decode()
    for secret in SECRETS:
        assert secret not in text
    data = body.json()
    beneficiary = dict((f["label"], f["value"]) for f in data["fulfillments"][0]["beneficiary"])
    assert beneficiary["Account"] == "•••• 1234" and beneficiary["Name"] == "R••• R•••"
    assert beneficiary["IFSC"] == "SBIN0004711"
    assert data["payments"] and data["refunds"] and data["timeline"]
    assert data["pii"]["can_reveal"] is (role == "Finance")


def test_a_finance_reveal_in_the_session_unmasks_the_api_for_that_session_only(client_as, issue_token, full):
    """The API shows what the page shows the same person: after a reveal on the page, that browser session sees
    the details unmasked through the API as well; a token (no session) still sees them masked."""
    client = client_as("Finance")
    assert client.post("/payouts/PO-FULL-1/reveal/?merchant=default").status_code == 302
    shown = client.get(f"{URL}PO-FULL-1/").content.decode()
    for secret in SECRETS:
        assert secret in shown
    token = issue_token("Finance").get(f"{URL}PO-FULL-1/").content.decode()
    for secret in SECRETS:
        assert secret not in token


def test_queries_do_not_grow_with_the_rows(issue_token, merchant, django_assert_max_num_queries):
    for n in range(20):
        make(merchant, f"PO-Q{n}", days=1 + n / 10)
    api = issue_token("Support")
    with django_assert_max_num_queries(9):
        assert len(api_ids(api.get(URL, {"page_size": 20}))) == 20
