"""The short path of POST /webhooks/juspay/ (orders/views/webhook_short_path.py): the same answers as through the
whole MIDDLEWARE list, the security headers and the request id still on them, no session read or written; every
other URL, and any other method on this one, still takes the whole list."""

import json

import pytest
from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from dashboard import request_context
from orders import webhooks
from orders.models import WebhookEvent
from orders.views import webhook_short_path
from tests.juspay.examples import example
from tests.orders.webhook_auth import URL

SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"


@pytest.fixture
def session_reads(monkeypatch):
    """Every load and save of the session store (the engine in settings)."""
    store = import_string(f"{django_settings.SESSION_ENGINE}.SessionStore")
    calls: list[str] = []
    original_load, original_save = store.load, store.save

    def load(self):
        calls.append("load")
        return original_load(self)

    def save(self, *args, **kwargs):
        calls.append("save")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(store, "load", load)
    monkeypatch.setattr(store, "save", save)
    return calls


def post(client, body, auth, **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers={"Authorization": auth, **headers})


def test_the_short_path_is_first_and_keeps_the_security_request_id_and_nul_middleware():
    assert django_settings.MIDDLEWARE[0] == "orders.views.webhook_short_path.WebhookShortPathMiddleware"
    kept = webhook_short_path.kept_middleware()
    assert kept == [path for path in django_settings.MIDDLEWARE if path in webhook_short_path.KEPT]
    assert set(kept) == webhook_short_path.KEPT  # each of them is in MIDDLEWARE, so each applies
    assert SESSION_MIDDLEWARE not in kept and "django.middleware.csrf.CsrfViewMiddleware" not in kept


@pytest.mark.django_db(transaction=True)
def test_a_good_webhook_is_accepted_with_the_usual_headers_and_no_session(
    client, merchant, good_auth, refreshes, session_reads
):
    response = post(client, example("webhook_order_succeeded.json"), good_auth)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    event = WebhookEvent.objects.get()
    assert refreshes == [event.pk] and response.json()["event_id"] == event.event_id
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"]
    if django_settings.PERMISSIONS_POLICY:
        assert response["Permissions-Policy"] == django_settings.PERMISSIONS_POLICY
    assert len(response["X-Request-ID"]) == 32
    assert not hasattr(response.wsgi_request, "session") and not hasattr(response.wsgi_request, "user")
    assert session_reads == [] and django_settings.SESSION_COOKIE_NAME not in response.cookies


@pytest.mark.django_db(transaction=True)
def test_a_session_cookie_sent_with_a_webhook_is_neither_read_nor_written(
    client, make_user, merchant, good_auth, refreshes, session_reads
):
    client.force_login(make_user("Admin"))
    session_reads.clear()
    response = post(client, example("webhook_order_succeeded.json"), good_auth)
    assert response.status_code == 200
    assert session_reads == [] and django_settings.SESSION_COOKIE_NAME not in response.cookies
    assert not hasattr(response.wsgi_request, "session")
    # without the Basic auth the session does not stand in for it
    refused = post(client, example("webhook_order_refunded.json"), "")
    assert refused.status_code == 401 and session_reads == []


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_is_answered_as_one(client, merchant, good_auth, refreshes):
    body = example("webhook_order_refunded.json")
    assert post(client, body, good_auth).json()["status"] == "accepted"
    again = post(client, body, good_auth)
    assert again.status_code == 200 and again.json() == {"status": "duplicate", "event_id": body["id"]}
    assert WebhookEvent.objects.count() == 1 and len(refreshes) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["", "Basic bm90OnJpZ2h0", "Bearer abc"])
def test_bad_credentials_are_a_401_with_its_challenge(client, merchant, auth, refreshes):
    response = post(client, example("webhook_order_succeeded.json"), auth)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="juspay-webhooks"'
    assert response.json()["status"] == "rejected" and response["X-Content-Type-Options"] == "nosniff"
    assert not WebhookEvent.objects.exists() and refreshes == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"{not json", "not JSON"), ([1], "not a JSON object"), ({"hello": "world"}, "neither event_name nor label")],
)
def test_a_bad_body_is_a_400_with_its_reason(client, merchant, good_auth, refreshes, body, reason):
    response = post(client, body, good_auth)
    assert response.status_code == 400 and reason in response.json()["reason"]
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_request_id_is_bound_while_the_webhook_is_taken_in(client, merchant, good_auth, refreshes, monkeypatch):
    """What intake records or logs carries the request's id (the incoming well-formed X-Request-ID)."""
    seen: list[str] = []
    original = webhooks.receive

    def receive(authorization: str, raw_body: bytes) -> webhooks.Intake:
        seen.append(request_context.current_request_id())
        return original(authorization, raw_body)

    monkeypatch.setattr("orders.views.webhooks.receive", receive)
    response = post(client, example("webhook_order_succeeded.json"), good_auth, **{"X-Request-ID": "juspay-req-42"})
    assert response.status_code == 200 and response["X-Request-ID"] == "juspay-req-42"
    assert seen == ["juspay-req-42"]


@pytest.mark.django_db
def test_a_nul_in_the_address_is_refused_as_everywhere(client, merchant, good_auth, refreshes):
    response = post_to(client, f"{URL}?x=%00", good_auth)
    assert response.status_code == 400 and b"NUL" in response.content
    assert not WebhookEvent.objects.exists()


def post_to(client, url, auth):
    body = json.dumps(example("webhook_order_succeeded.json"))
    return client.post(url, data=body, content_type="application/json", headers={"Authorization": auth})


@pytest.mark.django_db
def test_an_error_in_the_view_is_the_usual_500(client, merchant, good_auth, monkeypatch):
    def broken(authorization: str, raw_body: bytes) -> webhooks.Intake:
        raise RuntimeError("boom")

    monkeypatch.setattr("orders.views.webhooks.receive", broken)
    client.raise_request_exception = False
    response = post(client, example("webhook_order_succeeded.json"), good_auth)
    assert response.status_code == 500


@pytest.mark.django_db
def test_other_methods_and_urls_still_take_the_whole_middleware_list(client, make_user, session_reads):
    client.force_login(make_user("Admin"))
    session_reads.clear()
    wrong_method = client.get(URL)
    assert wrong_method.status_code == 405
    assert hasattr(wrong_method.wsgi_request, "session") and wrong_method.wsgi_request.user.is_authenticated
    other = client.get("/webhooks/")
    assert other.status_code == 200 and other.wsgi_request.user.is_authenticated and "load" in session_reads


@pytest.mark.django_db(transaction=True)
def test_a_webhook_before_any_merchant_exists_is_stored_on_the_default_one_made_then(client, good_auth, refreshes):
    """The merchant's lookup is inside the INSERT on PostgreSQL: with no merchant at all, nothing is inserted by
    it, and the intake makes the default merchant and stores the event on it (once: a resend is a duplicate)."""
    from dashboard.models import Merchant

    Merchant.objects.all().delete()  # the one a migration may have made
    body = example("webhook_order_succeeded.json")
    response = post(client, body, good_auth)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    event = WebhookEvent.objects.get()
    assert event.merchant == Merchant.objects.get(is_default=True) and refreshes == [event.pk]
    assert post(client, body, good_auth).json()["status"] == "duplicate"


@pytest.mark.django_db
def test_a_host_not_allowed_is_a_400_as_through_the_whole_list(client, merchant, good_auth, refreshes):
    body = json.dumps(example("webhook_order_succeeded.json"))
    response = client.post(
        URL, data=body, content_type="application/json", headers={"Authorization": good_auth, "Host": "evil.example"}
    )
    assert response.status_code == 400 and not WebhookEvent.objects.exists()
