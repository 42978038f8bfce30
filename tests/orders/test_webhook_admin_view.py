"""/webhooks/ (Admin): the webhooks received, whether each refresh happened or is being retried, and what in each
body did not fit, with personal data masked."""

import json

import pytest
from django.conf import settings

from dashboard.roles import ADMIN, FINANCE, SUPPORT
from orders.models import WebhookEvent
from tests.orders.webhook_auth import basic

pytestmark = pytest.mark.django_db

ODD = {
    "id": "evt_V2_admin_view",
    "event_name": "ORDER_SUCCEEDED",
    "content": {
        "order": {
            "order_id": "LH-ADMIN-1",
            "status": "CHARGED",
            "amount": "1,499.00",
            "customer_phone": {"number": "9820104567"},
            "customer_email": "ananya.iyer@example.org",
        }
    },
}


@pytest.fixture
def stored(client, merchant, django_capture_on_commit_callbacks, inline_tasks):
    """ODD delivered while Juspay is unreachable: accepted, flagged, its refresh failed once."""
    merchant.base_url = "http://127.0.0.1:9"
    merchant.save()
    auth = basic(settings.JUSPAY_WEBHOOK_USERNAME, settings.JUSPAY_WEBHOOK_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/webhooks/juspay/", data=json.dumps(ODD), content_type="application/json", headers={"Authorization": auth}
        )
    assert response.status_code == 200
    return WebhookEvent.objects.get()


def test_admin_sees_each_webhook_with_its_refresh_state_and_problem_count(
    client_as, stored, django_assert_max_num_queries
):
    admin = client_as(ADMIN)
    with django_assert_max_num_queries(10):
        page = admin.get("/webhooks/").content.decode()
    assert "ORDER_SUCCEEDED" in page and "LH-ADMIN-1" in page
    assert "retrying" in page and "(1 failed)" in page
    assert "<strong>2</strong>" in page  # amount and customer_phone did not fit
    assert "JuspayUnavailable" in page


def test_the_list_filters_by_state(client_as, stored):
    admin = client_as(ADMIN)
    assert "LH-ADMIN-1" in admin.get("/webhooks/?state=problems").content.decode()
    assert "LH-ADMIN-1" in admin.get("/webhooks/?state=pending").content.decode()
    assert "LH-ADMIN-1" not in admin.get("/webhooks/?state=processed").content.decode()
    partial = admin.get("/webhooks/?state=given_up", headers={"HX-Request": "true"}).content.decode()
    assert "No webhooks in this state" in partial and "<h1>" not in partial


def test_the_detail_shows_the_parse_problems_and_the_body_with_personal_data_masked(client_as, stored):
    page = client_as(ADMIN).get(f"/webhooks/{stored.pk}/").content.decode()
    assert "content.order.amount" in page and "&quot;1,499.00&quot;" in page
    assert "content.order.customer_phone" in page
    assert "9820104567" not in page and "ananya.iyer@example.org" not in page  # masked, in problems and body
    assert "1 of at most 10 attempts failed" in page and "next try" in page


@pytest.mark.parametrize("role", [SUPPORT, FINANCE])
def test_other_roles_may_not_read_webhooks(client_as, stored, role):
    assert client_as(role).get("/webhooks/").status_code == 403
    assert client_as(role).get(f"/webhooks/{stored.pk}/").status_code == 403


def test_an_unknown_webhook_is_a_404(client_as, merchant):
    assert client_as(ADMIN).get("/webhooks/999999/").status_code == 404
