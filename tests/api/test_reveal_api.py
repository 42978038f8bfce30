"""POST /api/v1/orders/{order_id}/reveal/: Finance and Admin get the personal data unmasked, audited, for the
page's 15 minutes; everyone else gets 403 and nothing is written."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from dashboard.models import AuditEvent
from orders import masking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]


@pytest.mark.parametrize("role", ["Finance", "Admin"])
def test_finance_and_admin_get_the_unmasked_data_and_it_is_audited(api_as, charged, role):
    person = api_as(role)
    response = person.post(f"/api/v1/orders/{charged.order_id}/reveal/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["customer"] == {
        "customer_id": charged.customer_id,
        "email": "ananya.iyer@example.org",
        "phone": "9820104567",
    }
    until = datetime.fromisoformat(data["revealed_until"])
    expected = timezone.now() + timedelta(seconds=masking.REVEAL_SECONDS)
    assert abs((until - expected).total_seconds()) < 30
    event = AuditEvent.objects.get(verb="order.pii_revealed")
    assert event.actor_username == person.user.username and event.object_id == str(charged.pk)


@pytest.mark.parametrize("role", ["Support", "Manager", None])
def test_other_roles_are_refused_and_nothing_is_audited(api_as, charged, role):
    response = api_as(role).post(f"/api/v1/orders/{charged.order_id}/reveal/")
    assert response.status_code == 403
    assert "ananya" not in response.content.decode()
    assert not AuditEvent.objects.filter(verb="order.pii_revealed").exists()


def test_a_session_reveal_unmasks_the_order_page_too(client, make_user, charged):
    finance = make_user("Finance")
    client.force_login(finance)
    page = client.get(f"/orders/{charged.order_id}/").content.decode()
    assert "ananya.iyer@example.org" not in page
    response = client.post(f"/api/v1/orders/{charged.order_id}/reveal/", content_type="application/json")
    assert response.status_code == 200, response.content
    assert "ananya.iyer@example.org" in client.get(f"/orders/{charged.order_id}/").content.decode()


def test_a_session_reveal_needs_the_csrf_token(make_user, charged):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("Finance"))
    response = browser.post(f"/api/v1/orders/{charged.order_id}/reveal/", content_type="application/json")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(verb="order.pii_revealed").exists()
