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


# --- A token's reveal carries over to that token's later reads (kept server-side: orders.token_reveals) ---------

EMAIL = "ananya.iyer@example.org"
PHONE = "9820104567"


def detail(client, order) -> dict:
    response = client.get(f"/api/v1/orders/{order.order_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_tokens_reveal_unmasks_that_orders_detail_for_that_token(api_as, token_client, charged, cached_order):
    finance = api_as("Finance")
    other_order = cached_order("order_status_charged.json", order_id="ORDOTHER")
    before = detail(finance, charged)
    assert before["customer"]["email"] != EMAIL and before["pii"] == {
        "can_reveal": True,
        "revealed": False,
        "expires_at": None,
    }
    revealed = finance.post(f"/api/v1/orders/{charged.order_id}/reveal/").json()

    after = detail(finance, charged)
    assert after["customer"] == {"customer_id": charged.customer_id, "email": EMAIL, "phone": PHONE}
    assert after["pii"]["revealed"] is True
    assert datetime.fromisoformat(after["pii"]["expires_at"]) == datetime.fromisoformat(revealed["revealed_until"])
    assert EMAIL not in detail(finance, other_order)["customer"]["email"]  # that order only
    # The same person's other token, and the same person's browser session, stay masked.
    assert detail(token_client(finance.user), charged)["customer"]["email"] != EMAIL
    from django.test import Client

    browser = Client()
    browser.force_login(finance.user)
    assert detail(browser, charged)["customer"]["email"] != EMAIL
    assert EMAIL not in browser.get(f"/orders/{charged.order_id}/").content.decode()


@pytest.mark.parametrize("role", ["Support", "Manager"])
def test_after_a_finance_reveal_other_roles_still_read_it_masked(api_as, charged, role):
    assert api_as("Finance").post(f"/api/v1/orders/{charged.order_id}/reveal/").status_code == 200
    shown = detail(api_as(role), charged)
    assert shown["customer"]["email"] != EMAIL and shown["customer"]["phone"] != PHONE
    assert shown["pii"] == {"can_reveal": False, "revealed": False, "expires_at": None}


def test_the_tokens_reveal_is_audited_naming_the_token(api_as, charged):
    finance = api_as("Finance")
    finance.post(f"/api/v1/orders/{charged.order_id}/reveal/")
    event = AuditEvent.objects.get(verb="order.pii_revealed")
    token = finance.user.api_tokens.get()
    assert event.actor_username == finance.user.username and event.after["api_token"] == str(token)
    assert str(token) in event.summary and EMAIL not in str(event.after)


def test_after_the_reveal_time_the_detail_is_masked_again(api_as, charged, monkeypatch):
    import time as real_time
    from types import SimpleNamespace

    from orders import token_reveals

    finance = api_as("Finance")
    finance.post(f"/api/v1/orders/{charged.order_id}/reveal/")
    assert detail(finance, charged)["customer"]["email"] == EMAIL
    later = masking.REVEAL_SECONDS + 5
    real_now = timezone.now
    monkeypatch.setattr(masking, "time", SimpleNamespace(time=lambda: real_time.time() + later))
    monkeypatch.setattr(token_reveals.timezone, "now", lambda: real_now() + timedelta(seconds=later))
    shown = detail(finance, charged)
    assert shown["customer"]["email"] != EMAIL and shown["pii"]["revealed"] is False


def test_the_store_honours_expiry_by_itself_and_drops_expired_rows(api_as, charged, cached_order):
    """Expiry is the server's, not only masking's clock: an expired row reads as no reveal; the next write drops it."""
    from orders.models import TokenReveal

    finance = api_as("Finance")
    finance.post(f"/api/v1/orders/{charged.order_id}/reveal/")
    TokenReveal.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert detail(finance, charged)["customer"]["email"] != EMAIL
    other = cached_order("order_status_charged.json", order_id="ORDOTHER")
    finance.post(f"/api/v1/orders/{other.order_id}/reveal/")
    assert list(TokenReveal.objects.values_list("subject", flat=True)) == [str(other.pk)]


def test_a_revoked_token_cannot_read_what_it_revealed(api_as, charged):
    from dashboard import api_tokens

    finance = api_as("Finance")
    finance.post(f"/api/v1/orders/{charged.order_id}/reveal/")
    api_tokens.revoke(finance.user.api_tokens.get().pk, actor=finance.user)
    response = finance.get(f"/api/v1/orders/{charged.order_id}/")
    assert response.status_code == 401 and EMAIL not in response.content.decode()


def test_two_reveals_by_one_token_both_hold_and_revealing_again_extends(api_as, charged, cached_order):
    from orders.models import TokenReveal

    finance = api_as("Finance")
    other = cached_order("order_status_charged.json", order_id="ORDOTHER")
    finance.post(f"/api/v1/orders/{charged.order_id}/reveal/")
    finance.post(f"/api/v1/orders/{other.order_id}/reveal/")
    first = TokenReveal.objects.get(subject=str(charged.pk)).expires_at
    finance.post(f"/api/v1/orders/{charged.order_id}/reveal/")
    assert TokenReveal.objects.get(subject=str(charged.pk)).expires_at >= first
    assert TokenReveal.objects.count() == 2
    assert detail(finance, charged)["customer"]["email"] == EMAIL
    assert detail(finance, other)["customer"]["email"] == EMAIL
    assert AuditEvent.objects.filter(verb="order.pii_revealed").count() == 3
