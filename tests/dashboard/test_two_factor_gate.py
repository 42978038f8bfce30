"""With MFA_REQUIRED_ROLES on, a Finance person who passed only the password reaches nothing but the step they owe:
no page, no htmx fragment and no session API answer, for every URL the role matrix lets Finance open."""

from typing import Any

import pytest
from django.test import Client
from django.urls import resolve, reverse
from rest_framework.views import APIView

from dashboard.roles import FINANCE
from tests.dashboard.two_factor_helpers import code_for, enrol
from tests.test_role_matrix import ACCESS, ANON
from tests.test_role_matrix import matrix_context as matrix_context  # the module-scoped fixture

ENROL = "/account/two-factor/set-up/"
VERIFY = "/account/two-factor/verify/"
STEP_PAGES = {"two_factor:enrol", "two_factor:verify"}
FINANCE_URLS = sorted(
    name for name, access in ACCESS.items() if FINANCE in access.allowed and ANON not in access.allowed
)


@pytest.fixture
def required(settings):
    settings.MFA_REQUIRED_ROLES = ["Finance", "Admin"]


def _request(client: Client, name: str, context: dict[str, Any], **headers: str):
    access = ACCESS[name]
    url = reverse(name, kwargs=access.kwargs(context))
    options: dict[str, Any] = {"headers": {**access.headers, **headers}}
    if access.content_type:
        options["content_type"] = access.content_type
    return url, getattr(client, access.method)(url, data=access.data(context), **options)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", [name for name in FINANCE_URLS if name not in STEP_PAGES])
def test_a_password_only_finance_session_gets_nothing_but_enrolment(
    client: Client,
    matrix_context: dict[str, Any],  # noqa: F811
    required: None,
    url_name: str,
) -> None:
    client.force_login(matrix_context["identities"][FINANCE])  # the password passed; no second factor yet
    url, response = _request(client, url_name, matrix_context)
    api = issubclass(getattr(resolve(url).func, "cls", object), APIView)
    if api:
        assert response.status_code == 403, url
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["title"] == "Second factor needed"
    else:
        assert response.status_code == 302 and response["Location"] == ENROL, (url, response.status_code)
        if ACCESS[url_name].method == "get":
            _, fragment = _request(client, url_name, matrix_context, HX_Request="true")
            assert fragment.status_code == 403 and fragment["HX-Redirect"] == ENROL
            assert fragment.content.decode().startswith("Your role signs in with a second factor")


@pytest.mark.django_db
def test_with_a_device_the_session_owes_the_code_step_until_it_passes(client, make_user, required):
    finance = make_user(FINANCE)
    device, _ = enrol(finance)
    client.force_login(finance)
    assert client.get("/approvals/")["Location"] == f"{VERIFY}?next=%2Fapprovals%2F"
    assert client.get(ENROL)["Location"].startswith(VERIFY)  # no second authenticator past the code step
    assert client.get("/api/v1/action-requests/").status_code == 403
    client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert client.get("/approvals/").status_code == 200
    assert client.get("/api/v1/action-requests/").status_code == 200
    assert client.get("/approvals/", headers={"HX-Request": "true"}).status_code == 200


@pytest.mark.django_db
def test_public_views_stay_public_for_a_session_that_owes_a_step(client, make_user, required):
    client.force_login(make_user(FINANCE))
    assert client.get("/healthz").status_code in (200, 503)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
