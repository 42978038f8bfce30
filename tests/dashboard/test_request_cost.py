"""The fixed cost of a signed-in request stays small: query caps that fail on a regression, the session written
at most once a minute, and the idle timeout still signing people out (README, "What a request costs")."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

FRAGMENT = "/orders/search/?q="
HTMX = {"HX-Request": "true"}

# Session, then the user with their permissions (one query, dashboard/auth_backend.py): what every signed-in
# request reads (sessions in the database; with CACHE_URL the session comes from the cache and it is one fewer).
FIXED_QUERIES = 2
# A password sign-in stores the backend that said yes (axes only guards), so the session loads the person through
# it: with the flag that spares unlimited people a query for their merchant limit (dashboard/auth_backend.py).
BACKEND = "dashboard.auth_backend.ModelBackendOneQuery"


def _orders(cached_order, n):
    for i in range(n):
        cached_order(order_id=f"ORDCOST{i:03d}", customer_email=f"cost{i}@example.com")


@pytest.mark.django_db
def test_an_empty_fragment_reads_only_the_session_the_user_and_the_permissions(
    client, make_user, django_assert_max_num_queries
):
    client.force_login(make_user("Support"), backend=BACKEND)
    client.get(FRAGMENT, headers=HTMX)
    with django_assert_max_num_queries(FIXED_QUERIES) as captured:
        response = client.get(FRAGMENT, headers=HTMX)
    assert response.status_code == 200
    assert not any("django_session" in q["sql"] and q["sql"].startswith("UPDATE") for q in captured.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["Support", "Admin"])
def test_with_the_second_factor_required_a_fragment_still_reads_only_those_two(
    client, make_user, settings, role, django_assert_max_num_queries
):
    """Whether the role must enrol, and whether the session's verifying device still exists, come with the person's
    row (dashboard/auth_backend.py): no query of their own."""
    from tests.dashboard.two_factor_helpers import code_for, enrol

    settings.MFA_REQUIRED_ROLES = ["Finance", "Admin"]
    user = make_user(role)
    device = enrol(user)[0] if role == "Admin" else None
    client.force_login(user, backend=BACKEND)
    if device is not None:
        assert client.post("/account/two-factor/verify/", {"code": code_for(device, steps_ahead=1)}).status_code == 302
    client.get(FRAGMENT, headers=HTMX)
    with django_assert_max_num_queries(FIXED_QUERIES):
        response = client.get(FRAGMENT, headers=HTMX)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "cap"), [({}, FIXED_QUERIES + 3), (HTMX, FIXED_QUERIES + 1)])
def test_a_list_page_costs_the_same_queries_for_1_or_25_orders(client, make_user, cached_order, headers, cap):
    client.force_login(make_user("Support"), backend=BACKEND)
    _orders(cached_order, 1)
    client.get("/orders/?created_after=2000-01-01T00:00:00Z", headers=headers)
    counts = []
    for more in (0, 24):
        _orders(cached_order, more)
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/orders/?created_after=2000-01-01T00:00:00Z", headers=headers)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], "a query per row"
    assert counts[1] <= cap, [q["sql"][:120] for q in captured.captured_queries]
    assert b"ORDCOST023" in response.content  # the rows were really there


@pytest.mark.django_db
def test_permissions_are_read_on_every_request_so_a_removed_role_applies_at_once(client, make_user):
    from dashboard.roles import set_role

    user = make_user("Support")
    client.force_login(user, backend=BACKEND)
    assert client.get(FRAGMENT, headers=HTMX).status_code == 200
    set_role(user, None)
    assert client.get(FRAGMENT, headers=HTMX).status_code == 403


@pytest.mark.django_db
def test_requests_within_a_minute_write_no_session(client, make_user):
    client.force_login(make_user("Support"), backend=BACKEND)
    client.get(FRAGMENT, headers=HTMX)  # the first request after sign-in may stamp the minute
    with CaptureQueriesContext(connection) as captured:
        for _ in range(5):
            client.get(FRAGMENT, headers=HTMX)
            client.get("/orders/")
    writes = [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]]
    assert writes == []


@pytest.mark.django_db
def test_a_session_idle_for_longer_than_the_timeout_is_signed_out(client, make_user, settings):
    client.force_login(make_user("Support"), backend=BACKEND)
    assert client.get("/orders/").status_code == 200
    # Nothing came for SESSION_IDLE_SECONDS since the session was last written: it has expired.
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/orders/")
    assert response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL)
    assert client.get(FRAGMENT, headers=HTMX).status_code == 302


@pytest.mark.django_db
def test_the_session_cookie_lives_for_the_idle_timeout_after_the_last_write(client, make_user, settings):
    client.force_login(make_user("Support"), backend=BACKEND)
    client.get("/orders/")
    expiry = Session.objects.get(session_key=client.session.session_key).expire_date
    lifetime = (expiry - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 <= lifetime <= settings.SESSION_COOKIE_AGE


@pytest.mark.django_db
def test_a_password_sign_in_loads_the_person_through_the_one_query_backend(client, make_user):
    user = make_user("Support")
    user.set_password("a-long-pass-phrase-1")
    user.save()
    response = client.post("/accounts/login/", {"username": user.username, "password": "a-long-pass-phrase-1"})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == BACKEND


@pytest.mark.django_db
def test_a_person_limited_to_a_merchant_still_sees_only_that_merchant(client, make_user, cached_order):
    from dashboard.models import Merchant
    from dashboard.people import limit_merchants

    other = Merchant.objects.create(code="other", name="Other", merchant_id="other_m", api_key="k")
    cached_order(order_id="ORDMINE1")
    user = make_user("Support")
    limit_merchants(user, [other], actor=make_user("Admin"))
    client.force_login(user, backend=BACKEND)
    response = client.get("/orders/?created_after=2000-01-01T00:00:00Z")
    assert response.status_code == 200 and b"ORDMINE1" not in response.content
