"""The action-request API through real tokens: raise, list and filter, detail, approve, reject, cancel, retry,
with the page's rules (maker ≠ checker for superusers too, the two-person rule, states) as problem details."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fulfilment.models import ActionRequest, ActionState
from tests.api.action_fixtures import new_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]

LIST = "/api/v1/action-requests/"
REFUNDS = "/api/v1/action-requests/refunds/"
FULFILMENTS = "/api/v1/action-requests/fulfilments/"


def refund_body(order, **changes):
    return {
        "order_id": order.order_id,
        "amount": "100.00",
        "reason_code": "CUSTOMER_REQUEST",
        "comment": "customer called",
        **changes,
    }


def raise_refund(client, order, **changes):
    response = client.post(REFUNDS, refund_body(order, **changes), key=new_key())
    assert response.status_code == 201, response.content
    return response.json()


def test_support_raises_a_refund_that_waits_for_approval(api_as, charged):
    support = api_as("Support")
    response = support.post(REFUNDS, refund_body(charged, amount="250.50"), key=new_key())
    assert response.status_code == 201, response.content
    body = response.json()
    req = ActionRequest.objects.get(pk=body["id"])
    assert req.maker == support.user and req.state == ActionState.PENDING and req.amount == Decimal("250.50")
    assert body["amount"] == {"amount": "250.50", "currency": charged.currency}
    assert body["state"] == "pending" and body["maker"] == support.user.username
    assert body["unique_request_id"] == req.idempotency_key
    assert body["you_may"] == {"approve": False, "cancel": True, "retry": False, "resolve": False, "why_not": ""}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": "99999999.00"}, "amount"),  # over what is still refundable: the service's rule
        ({"reason_code": "BORED"}, "reason_code"),
        ({"comment": ""}, "comment"),
        ({"order_id": "NO-SUCH-ORDER"}, "order_id"),
        ({"split": {"marketplace": {}}}, "split"),
    ],
)
def test_a_bad_refund_body_is_a_problem_naming_the_field_and_creates_nothing(api_as, charged, changes, field):
    response = api_as("Support").post(REFUNDS, refund_body(charged, **changes), key=new_key())
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and [e["field"] for e in problem["errors"]] == [field]
    assert not ActionRequest.objects.exists()


def test_a_refund_without_an_idempotency_key_is_refused(api_as, charged):
    response = api_as("Support").post(REFUNDS, refund_body(charged))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not ActionRequest.objects.exists()


def test_an_unpaid_order_cannot_be_refunded(api_as, cached_order):
    order = cached_order("order_status_charged.json", order_id="ORDNEW1", status="NEW")
    response = api_as("Support").post(REFUNDS, refund_body(order), key=new_key())
    assert response.status_code == 422, response.content
    assert "paid" in response.json()["detail"]


@pytest.mark.parametrize("role", ["Manager", None])
def test_roles_that_may_not_raise_get_403(api_as, charged, role):
    response = api_as(role).post(REFUNDS, refund_body(charged), key=new_key())
    assert response.status_code == 403
    assert not ActionRequest.objects.exists()


def test_anonymous_gets_401(client, charged):
    response = client.post(REFUNDS, refund_body(charged), content_type="application/json")
    assert response.status_code == 401
    assert client.get(LIST).status_code == 401


def test_finance_approves_someone_elses_request(api_as, charged):
    body = raise_refund(api_as("Support"), charged)
    finance = api_as("Finance")
    listed = finance.get(LIST, {"waiting_for_me": "true"}).json()["results"]
    assert [r["id"] for r in listed] == [body["id"]] and listed[0]["you_may"]["approve"] is True
    response = finance.post(f"{LIST}{body['id']}/approve/", {"comment": "ok"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    assert [d["approver"] for d in response.json()["decisions"]] == [finance.user.username]
    assert finance.get(LIST, {"waiting_for_me": "true"}).json()["results"] == []
    again = finance.post(f"{LIST}{body['id']}/approve/", {})
    assert again.status_code == 409


@pytest.mark.parametrize("role", ["Finance", "Admin"])
def test_nobody_approves_their_own_request(api_as, charged, role):
    person = api_as(role)
    body = raise_refund(person, charged)
    response = person.post(f"{LIST}{body['id']}/approve/", {})
    assert response.status_code == 403, response.content
    assert "another person" in response.json()["detail"]
    assert ActionRequest.objects.get(pk=body["id"]).state == ActionState.PENDING


def test_a_superuser_cannot_approve_their_own_request_but_another_superuser_can(api_as, charged):
    root = api_as(None, is_superuser=True, is_staff=True)
    body = raise_refund(root, charged)
    assert root.post(f"{LIST}{body['id']}/approve/", {}).status_code == 403
    assert root.post(f"{LIST}{body['id']}/reject/", {"reason": "mine"}).status_code == 403
    other = api_as(None, is_superuser=True)
    response = other.post(f"{LIST}{body['id']}/approve/", {})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"


def test_a_large_refund_needs_two_people_other_than_the_maker(api_as, cached_order):
    order = cached_order(
        "order_status_charged.json", order_id="ORDBIG1", amount=50000, maximum_eligible_refund_amount=50000
    )
    body = raise_refund(api_as("Support"), order, amount="20000.00")
    assert body["required_approvals"] == 2
    first, second = api_as("Finance"), api_as("Finance")
    assert first.post(f"{LIST}{body['id']}/approve/", {}).json()["state"] == "pending"
    assert first.post(f"{LIST}{body['id']}/approve/", {}).status_code == 409  # one decision per person
    assert second.post(f"{LIST}{body['id']}/approve/", {}).json()["state"] == "approved"


def test_support_may_not_approve(api_as, charged):
    body = raise_refund(api_as("Support"), charged)
    assert api_as("Support").post(f"{LIST}{body['id']}/approve/", {}).status_code == 403


def test_reject_needs_a_reason(api_as, charged):
    body = raise_refund(api_as("Support"), charged)
    finance = api_as("Finance")
    response = finance.post(f"{LIST}{body['id']}/reject/", {"reason": "   "})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"
    response = finance.post(f"{LIST}{body['id']}/reject/", {"reason": "duplicate of #12"})
    assert response.status_code == 200 and response.json()["state"] == "rejected"
    assert response.json()["decisions"][0]["comment"] == "duplicate of #12"


def test_only_the_maker_cancels_and_only_while_it_waits(api_as, charged):
    maker = api_as("Support")
    body = raise_refund(maker, charged)
    assert api_as("Support").post(f"{LIST}{body['id']}/cancel/", {}).status_code == 403
    response = maker.post(f"{LIST}{body['id']}/cancel/", {"comment": "customer changed their mind"})
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert maker.post(f"{LIST}{body['id']}/cancel/", {}).status_code == 409


def test_retry_a_failed_request_by_someone_other_than_the_maker(api_as, charged):
    maker = api_as("Finance")
    body = raise_refund(maker, charged)
    ActionRequest.objects.filter(pk=body["id"]).update(state=ActionState.FAILED, retry_safe=True, error="timeout")
    assert maker.post(f"{LIST}{body['id']}/retry/", {}).status_code == 403
    response = api_as("Finance").post(f"{LIST}{body['id']}/retry/", {})
    assert response.status_code == 200 and response.json()["state"] == "approved"
    assert api_as("Finance").post(f"{LIST}{body['id']}/retry/", {}).status_code == 409  # no longer failed


def test_unknown_request_is_a_404_problem(api_as):
    finance = api_as("Finance")
    assert finance.get(f"{LIST}999999/").status_code == 404
    response = finance.post(f"{LIST}999999/approve/", {})
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_raise_a_fulfilment_sync_request(api_as, charged):
    body = {
        "order_id": charged.order_id,
        "fulfillment_command": "INITIATE_CREDIT",
        "fulfillment_status": "SUCCESS",
        "fulfillment_id": "AWB-1",
        "fulfillment_data": "BlueDart AWB 1",
    }
    response = api_as("Support").post(FULFILMENTS, body, key=new_key())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["kind"] == "fulfilment" and data["command"] == "INITIATE_CREDIT" and data["fulfillment_id"] == "AWB-1"
    assert data["amount"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"fulfillment_command": "LAUNCH_ROCKET"}, "fulfillment_command"),
        ({"fulfillment_status": "MAYBE"}, "fulfillment_status"),
        ({"amount": "10.00"}, "amount"),  # INITIATE_CREDIT moves no money
        ({"split": {"marketplace": {"amount": "1"}}}, "split"),
    ],
)
def test_a_bad_fulfilment_body_names_the_field(api_as, charged, changes, field):
    body = {
        "order_id": charged.order_id,
        "fulfillment_command": "INITIATE_CREDIT",
        "fulfillment_status": "SUCCESS",
        **changes,
    }
    response = api_as("Support").post(FULFILMENTS, body, key=new_key())
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_list_filters_and_pages(api_as, charged, cached_order):
    support, finance = api_as("Support"), api_as("Finance")
    other = cached_order("order_status_charged.json", order_id="ORDOTHER")
    a = raise_refund(support, charged, amount="10.00")
    b = raise_refund(finance, other, amount="20.00")
    c = raise_refund(support, other, amount="30.00")
    finance.post(f"{LIST}{a['id']}/reject/", {"reason": "no"})
    reader = api_as("Manager")

    def ids(**params):
        response = reader.get(LIST, params)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids() == [c["id"], b["id"], a["id"]]
    assert ids(state="pending") == [c["id"], b["id"]]
    assert ids(state=["rejected", "pending"]) == [c["id"], b["id"], a["id"]]
    assert ids(maker=finance.user.username) == [b["id"]]
    assert ids(order_id="ORDOTHER") == [c["id"], b["id"]]
    assert ids(kind="fulfilment") == []
    assert ids(merchant=charged.merchant.code) == [c["id"], b["id"], a["id"]]
    assert ids(created_after=(timezone.now() + timedelta(minutes=1)).isoformat()) == []
    assert ids(created_before=(timezone.now() + timedelta(minutes=1)).isoformat()) == [c["id"], b["id"], a["id"]]
    assert [r["id"] for r in finance.get(LIST, {"waiting_for_me": "true"}).json()["results"]] == [c["id"]]

    first = reader.get(LIST, {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == [c["id"], b["id"]] and first["previous"] is None
    second = reader.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [a["id"]] and second["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "sleeping"}, "state"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"cursor": "zzz"}, "cursor"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api_as, params, field):
    response = api_as("Manager").get(LIST, params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_list_reads_a_bounded_number_of_queries(api_as, charged, django_assert_max_num_queries):
    support = api_as("Support")
    for amount in ("1.00", "2.00", "3.00", "4.00", "5.00"):
        raise_refund(support, charged, amount=amount)
    reader = api_as("Finance")
    reader.get(LIST)  # warm the token's last-used stamp
    with django_assert_max_num_queries(12):
        response = reader.get(LIST)
    assert len(response.json()["results"]) == 5


def test_detail_shows_the_request_to_lookers(api_as, charged):
    body = raise_refund(api_as("Support"), charged)
    response = api_as("Manager").get(f"{LIST}{body['id']}/")
    assert response.status_code == 200
    assert response.json()["id"] == body["id"] and response.json()["you_may"]["approve"] is False
    assert api_as(None).get(f"{LIST}{body['id']}/").status_code == 403


def test_a_post_to_a_path_that_names_no_request_is_a_404_problem(api_as):
    from django.test import Client

    finance = api_as("Finance")
    finance.client = Client(enforce_csrf_checks=True)  # as a script: no CSRF token, and a token needs none
    assert finance.post(f"{LIST}1/approve/", {}).status_code == 404
    response = finance.post(f"{LIST}abc/approve/", {})
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


@pytest.fixture
def inline_tasks():
    from dashboard.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_raised_and_approved_through_the_api_the_refund_reaches_the_simulator_once(
    api_as, sim_merchant, juspay_sim, inline_tasks, django_capture_on_commit_callbacks
):
    from orders.services import sync_order

    order = sync_order(sim_merchant, juspay_sim.create_order(amount=1000.0, status="CHARGED")).obj
    key = new_key()
    support, finance = api_as("Support"), api_as("Finance")
    body = support.post(REFUNDS, refund_body(order, amount="250.00"), key=key).json()
    assert support.post(REFUNDS, refund_body(order, amount="250.00"), key=key).json() == body  # a retry: same
    with django_capture_on_commit_callbacks(execute=True):
        assert finance.post(f"{LIST}{body['id']}/approve/", {}).status_code == 200
    shown = finance.get(f"{LIST}{body['id']}/").json()
    assert shown["state"] == "succeeded" and shown["attempts"] == 1
    refunds = juspay_sim.refunds(order.order_id)
    assert [(r["unique_request_id"], r["amount"]) for r in refunds] == [(body["unique_request_id"], 250.0)]


@pytest.mark.parametrize(
    "value", ["0213-06-30T12:33:54.861469-22:12", "9999-12-31T23:59:59+14:00", "2026-13-01T00:00:00Z"]
)
def test_an_instant_postgresql_cannot_hold_is_a_400_naming_the_parameter(api_as, value):
    """Schemathesis found a 500 on PostgreSQL: an offset beyond ±15:59 reached the database."""
    for parameter in ("created_after", "created_before"):
        response = api_as("Finance").get("/api/v1/action-requests/", {parameter: value})
        assert response.status_code == 400, response.content
        assert [e["field"] for e in response.json()["errors"]] == [parameter]
