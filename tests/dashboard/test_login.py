"""Login, logout and failed logins: audited, and repeated failures are throttled."""

import pytest

from dashboard.models import AuditEvent
from orders.models import Note
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_login_and_logout_are_audited(client, make_user):
    user = make_user("Support", username="sam")
    response = client.post("/accounts/login/", {"username": "sam", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    client.post("/accounts/logout/")
    verbs = list(AuditEvent.objects.order_by("sequence").values_list("verb", "actor_id"))
    assert verbs == [("auth.login", user.pk), ("auth.logout", user.pk)]


@pytest.mark.django_db
def test_failed_login_shows_an_error_and_is_audited(client, make_user):
    make_user("Support", username="sam")
    response = client.post("/accounts/login/", {"username": "sam", "password": "wrong"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    event = AuditEvent.objects.get(verb="auth.login_failed")
    assert event.actor_username == "sam" and event.actor_id is None


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_with_the_right_password(client, make_user, settings):
    make_user("Support", username="sam")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "sam", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "sam", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_request_in_a_new_minute_pushes_the_idle_expiry_forward_and_an_idle_session_ends(
    client, make_user, settings, monkeypatch
):
    """The session is written at most once a minute (dashboard/session_idle.py): a request in a later minute
    than the last write pushes the expiry forward; a session past its expiry has ended."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(make_user("Support"))
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(seconds=5))
    monkeypatch.setattr("dashboard.session_idle.current_stamp", lambda: 29_000_001)  # a minute later
    assert client.get("/").status_code == 200
    pushed = Session.objects.get(pk=session.pk).expire_date
    assert pushed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_anyone_not_signed_in_is_sent_to_sign_in_and_back_for_fragments_too(client, cached_order):
    order = cached_order("order_status_charged.json")
    fragment = f"/orders/{order.order_id}/timeline/?merchant=default"
    response = client.get(fragment, HTTP_HX_REQUEST="true")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/orders/{order.order_id}/timeline/%3Fmerchant%3Ddefault"
    note = client.post(f"/orders/{order.order_id}/notes/", {"body": "hi"})
    assert note.status_code == 302 and note["Location"].startswith("/accounts/login/")
    assert not Note.objects.exists()
