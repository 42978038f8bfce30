"""The second factor without a device query per request (dashboard/two_factor_session.py): a verified session
reads no device row, and a device removed or reset, or a role that now requires one, applies on the very next
request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY

from dashboard import two_factor, two_factor_resets
from dashboard.roles import ADMIN, FINANCE, SUPPORT, set_role
from tests.dashboard.two_factor_helpers import code_for, enrol

BACKEND = "dashboard.auth_backend.ModelBackendOneQuery"
VERIFY = "/account/two-factor/verify/"
ENROL = "/account/two-factor/set-up/"
FRAGMENT = "/orders/search/?q="
HTMX = {"HX-Request": "true"}


@pytest.fixture
def required(settings):
    settings.MFA_REQUIRED_ROLES = ["Finance", "Admin"]


def _verified_client(client, user):
    device, _ = enrol(user)
    client.force_login(user, backend=BACKEND)
    response = client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302, response.content[:300]
    return device


@pytest.mark.django_db
def test_a_verified_session_reads_no_device_row(client, make_user, required):
    admin = make_user(ADMIN)
    _verified_client(client, admin)
    client.get(FRAGMENT, headers=HTMX)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(FRAGMENT, headers=HTMX)
    assert response.status_code == 200
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "otp_totp" in tables  # the person's query carries the device check …
    assert not any(q["sql"].startswith('SELECT "otp_') for q in captured.captured_queries)  # … no query of its own
    assert len(captured.captured_queries) <= 3  # the session (database sessions here), the person, permissions


@pytest.mark.django_db
def test_an_approved_reset_unverifies_the_session_on_its_next_request(client, make_user, required):
    finance = make_user(FINANCE)
    _verified_client(client, finance)
    assert client.get("/approvals/").status_code == 200
    proposer, approver = make_user(ADMIN), make_user(ADMIN)
    reset = two_factor_resets.propose(finance, actor=proposer, reason="lost phone")
    two_factor_resets.approve(reset.pk, actor=approver)
    response = client.get("/approvals/")
    assert response.status_code == 302
    assert DEVICE_ID_SESSION_KEY not in client.session  # dropped, as django-otp does
    assert client.get(FRAGMENT, headers=HTMX).status_code == 403


@pytest.mark.django_db
def test_removing_the_devices_unverifies_at_once_and_a_new_device_needs_a_new_code(client, make_user, required):
    finance = make_user(FINANCE)
    _verified_client(client, finance)
    assert client.get("/approvals/").status_code == 200
    two_factor.remove_all_devices(finance)
    enrol(finance)  # a new authenticator: the session did not pass a code from it
    response = client.get("/approvals/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


@pytest.mark.django_db
def test_a_session_naming_someone_elses_device_is_not_verified(client, make_user, required):
    finance, other = make_user(FINANCE), make_user(FINANCE)
    other_device, _ = enrol(other)
    enrol(finance)
    client.force_login(finance, backend=BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = other_device.persistent_id
    session.save()
    response = client.get("/approvals/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


@pytest.mark.django_db
def test_a_role_that_now_requires_a_second_factor_applies_on_the_next_request(client, make_user, required):
    person = make_user(SUPPORT)
    client.force_login(person, backend=BACKEND)
    assert client.get(FRAGMENT, headers=HTMX).status_code == 200
    set_role(person, FINANCE)
    response = client.get("/orders/")
    assert response.status_code == 302 and response["Location"] == ENROL
