"""POST /api/v1/action-requests/{id}/resolve/: settling a request whose outcome is unknown, through a real token,
with the request page's rules (services.resolve): an approver the policy names and never the maker (superusers
included), only while the request is unresolved, `outcome` and `comment` required; audited, on the timeline."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from dashboard.models import AuditEvent
from fulfilment import executor, services
from fulfilment.models import ActionRequest, ActionState
from orders.models import TimelineEvent
from tests.api.action_fixtures import new_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]

LIST = "/api/v1/action-requests/"


def resolve_url(pk: int) -> str:
    return f"{LIST}{pk}/resolve/"


@pytest.fixture(autouse=True)
def _quick_timeouts(settings):
    settings.JUSPAY_TIMEOUT_SECONDS = 0.3
    settings.JUSPAY_RETRY_TIMEOUT_SECONDS = 0.3


@pytest.fixture
def unresolved(make_user, charged):
    """A refund request in state unresolved (as the executor leaves one whose answer was lost), raised by Support."""

    def _make(maker=None) -> ActionRequest:
        req = services.raise_refund(
            charged,
            maker=maker or make_user("Support"),
            amount=Decimal("10.00"),
            reason_code="GOODWILL",
            comment="resolve tests",
            form_token=uuid.uuid4(),
        ).request
        ActionRequest.objects.filter(pk=req.pk).update(state=ActionState.UNRESOLVED, error="answer lost")
        return ActionRequest.objects.get(pk=req.pk)

    return _make


def test_a_lost_answer_is_settled_through_the_api_end_to_end(
    api_as, sim_merchant, juspay_sim, django_capture_on_commit_callbacks
):
    """Raised and approved through the API, sent to the simulator whose answer is lost, then settled."""
    from orders.services import sync_order

    order = sync_order(sim_merchant, juspay_sim.create_order(amount=1000.0, status="CHARGED")).obj
    maker, approver, settler = api_as("Support"), api_as("Finance"), api_as("Finance")
    raised = maker.post(
        f"{LIST}fulfilments/",
        {
            "order_id": order.order_id,
            "fulfillment_command": "INITIATE_REFUND",
            "fulfillment_status": "SUCCESS",
            "fulfillment_id": "RF-API-1",
        },
        key=new_key(),
    )
    assert raised.status_code == 201, raised.content
    pk = raised.json()["id"]
    with django_capture_on_commit_callbacks(execute=False):
        assert approver.post(f"{LIST}{pk}/approve/", {}).json()["state"] == "approved"
    juspay_sim.set_faults(lose_next_post_responses=1, lost_response_hang_seconds=1.0)
    assert executor.execute(pk) == ActionState.UNRESOLVED

    shown = settler.get(f"{LIST}{pk}/").json()
    assert shown["state"] == "unresolved" and shown["you_may"]["resolve"] is True
    assert maker.get(f"{LIST}{pk}/").json()["you_may"]["resolve"] is False

    response = settler.post(resolve_url(pk), {"outcome": "happened", "comment": "Juspay ticket 5521: refund went"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "succeeded" and body["you_may"]["resolve"] is False and body["error"] == ""
    assert len(juspay_sim.refunds(order.order_id)) == 1  # settled, and nothing sent again
    event = AuditEvent.objects.get(verb="action.resolved")
    assert event.actor_username == settler.user.username and event.object_id == str(pk)
    assert event.before["state"] == "unresolved" and event.after["state"] == "succeeded"
    assert "Juspay ticket 5521" in event.summary
    settled = TimelineEvent.objects.filter(order=order, kind="action.succeeded").get()
    assert settled.data["request"] == pk and "Juspay ticket 5521" in settled.data["result"]

    again = settler.post(resolve_url(pk), {"outcome": "happened", "comment": "twice"})
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    assert AuditEvent.objects.filter(verb="action.resolved").count() == 1


def test_not_happened_fails_it_and_makes_a_retry_safe(api_as, unresolved):
    req = unresolved()
    finance = api_as("Finance")
    response = finance.post(resolve_url(req.pk), {"outcome": "not_happened", "comment": "Juspay: no such refund"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "failed" and body["retry_safe"] is True and "did not take effect" in body["error"]
    assert body["you_may"]["retry"] is True
    req.refresh_from_db()
    assert req.state == ActionState.FAILED and req.retry_safe


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"comment": "asked Juspay"}, "outcome"),
        ({"outcome": "maybe", "comment": "asked Juspay"}, "outcome"),
        ({"outcome": "happened"}, "comment"),
        ({"outcome": "happened", "comment": "   "}, "comment"),
        ({"outcome": "happened", "comment": "x" * 1001}, "comment"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field_and_changes_nothing(api_as, unresolved, body, field):
    req = unresolved()
    response = api_as("Finance").post(resolve_url(req.pk), body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.UNRESOLVED
    assert not AuditEvent.objects.filter(verb="action.resolved").exists()


@pytest.mark.parametrize("role", ["Support", "Manager", None])
def test_roles_that_may_not_approve_get_403(api_as, unresolved, role):
    req = unresolved()
    response = api_as(role).post(resolve_url(req.pk), {"outcome": "happened", "comment": "asked"})
    assert response.status_code == 403
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.UNRESOLVED


def test_anonymous_gets_401(client, unresolved):
    req = unresolved()
    response = client.post(resolve_url(req.pk), {"outcome": "happened", "comment": "asked"})
    assert response.status_code == 401
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.UNRESOLVED


@pytest.mark.parametrize(("role", "extra"), [("Finance", {}), ("Admin", {}), (None, {"is_superuser": True})])
def test_nobody_settles_their_own_request_superusers_included(api_as, make_user, token_client, unresolved, role, extra):
    person = make_user(role, **extra)
    req = unresolved(maker=person)
    response = token_client(person).post(resolve_url(req.pk), {"outcome": "happened", "comment": "I checked myself"})
    assert response.status_code == 403, response.content
    assert "another person must settle it" in response.json()["detail"]
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.UNRESOLVED
    assert api_as("Finance").post(resolve_url(req.pk), {"outcome": "happened", "comment": "ok"}).status_code == 200


def test_the_policy_may_name_another_role(api_as, unresolved):
    req = unresolved()
    ActionRequest.objects.filter(pk=req.pk).update(approver_roles=["Admin"])
    response = api_as("Finance").post(resolve_url(req.pk), {"outcome": "happened", "comment": "asked"})
    assert response.status_code == 403 and "Admin" in response.json()["detail"]
    assert api_as("Admin").post(resolve_url(req.pk), {"outcome": "happened", "comment": "asked"}).status_code == 200


@pytest.mark.parametrize("state", [ActionState.PENDING, ActionState.FAILED, ActionState.SUCCEEDED])
def test_a_request_not_waiting_to_be_settled_is_a_409(api_as, unresolved, state):
    req = unresolved()
    ActionRequest.objects.filter(pk=req.pk).update(state=state)
    response = api_as("Finance").post(resolve_url(req.pk), {"outcome": "happened", "comment": "asked"})
    assert response.status_code == 409, response.content
    assert "not waiting to be settled" in response.json()["detail"]
    assert ActionRequest.objects.get(pk=req.pk).state == state


def test_an_unknown_request_is_a_404_problem(api_as):
    response = api_as("Finance").post(resolve_url(999999), {"outcome": "happened", "comment": "asked"})
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_a_session_settles_it_with_the_csrf_token_only(make_user, unresolved):
    from django.test import Client

    req = unresolved()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("Finance"))
    body = '{"outcome": "happened", "comment": "asked Juspay"}'
    refused = browser.post(resolve_url(req.pk), body, content_type="application/json")
    assert refused.status_code == 403
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.UNRESOLVED
    browser.get("/approvals/")  # sets the CSRF cookie, as the page does
    token = browser.cookies["csrftoken"].value
    done = browser.post(resolve_url(req.pk), body, content_type="application/json", headers={"X-CSRFToken": token})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "succeeded"
