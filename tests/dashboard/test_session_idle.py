"""Signed-in sessions stay alive without a session write on every request (dashboard/session_idle.py)."""

import pytest
from django.contrib.sessions.models import Session

from dashboard import session_idle


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


@pytest.mark.django_db
def test_requests_within_a_minute_do_not_rewrite_the_session(client, make_user, monkeypatch):
    monkeypatch.setattr(session_idle, "current_stamp", lambda: 1000)
    client.force_login(make_user("Support"))
    client.get("/orders/")
    first = _expiry(client)
    client.get("/orders/")
    client.get("/orders/")
    assert _expiry(client) == first  # no write: the stamp has not changed


@pytest.mark.django_db
def test_a_new_minute_pushes_the_idle_expiry_forward(client, make_user, monkeypatch):
    stamp = {"now": 1000}
    monkeypatch.setattr(session_idle, "current_stamp", lambda: stamp["now"])
    client.force_login(make_user("Support"))
    client.get("/orders/")
    first = _expiry(client)
    stamp["now"] = 1001
    client.get("/orders/")
    assert _expiry(client) > first
