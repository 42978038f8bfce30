"""RFC 9457 problem details: every API error (400, 401, 403, 404, 405, 406, 415, 429) has the same shape."""

from __future__ import annotations

import pytest
from django.test import Client

PROBLEM_KEYS = {"type", "title", "status", "detail", "errors", "request_id"}


def assert_problem(response, status: int, *, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status and body["type"].startswith("urn:juspay-ops:problem:")
    assert body["title"] and body["detail"]
    assert body["request_id"] == response["X-Request-ID"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
        assert all(e["detail"] for e in body["errors"])
    return body


@pytest.mark.django_db
def test_unauthenticated_is_401_with_a_bearer_challenge():
    body = assert_problem(Client().get("/api/v1/orders/"), 401)
    assert "credentials" in body["detail"].lower()
    assert Client().get("/api/v1/orders/")["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
def test_bad_tokens_are_401(issue_token):
    for header in ("Bearer", "Bearer a b", "Bearer jops_unknown", "Bearer \u00e9t\u00e9"):
        response = Client().get("/api/v1/orders/", headers={"Authorization": header})
        assert_problem(response, 401)


def test_403_names_the_permission(issue_token):
    body = assert_problem(issue_token(None).get("/api/v1/orders/"), 403)
    assert "orders.view_order" in body["detail"]


def test_404_for_an_unknown_path_and_an_unknown_order(issue_token):
    api = issue_token("Support")
    assert_problem(api.get("/api/v1/no-such-thing/"), 404)
    assert_problem(Client().get("/api/v9/"), 404)
    assert_problem(api.get("/api/v1/orders/NOPE/"), 404)


def test_405_and_406_and_415(issue_token):
    api = issue_token("Support")
    body = assert_problem(api.post("/api/v1/orders/", {}), 405)
    assert "POST" in body["detail"]
    assert_problem(api.get("/api/v1/orders/", headers={"Accept": "text/csv"}), 406)
    assert_problem(
        api.generic("POST", "/api/v1/orders/", data=b"a=1", content_type="application/x-www-form-urlencoded"), 405
    )


def test_a_session_post_without_csrf_is_403(client_as, make_user):
    """The browser session works, with DRF's CSRF check (the test client skips CSRF unless asked)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("Support"))
    assert client.get("/api/v1/orders/").status_code == 200
    assert_problem(client.post("/api/v1/orders/", {}, content_type="application/json"), 403)


def test_429_with_retry_after(issue_token, settings):
    from django.core.cache import cache

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    cache.clear()
    api, other = issue_token("Support"), issue_token("Support")
    for _ in range(3):
        assert api.get("/api/v1/orders/").status_code == 200
    body = assert_problem(api.get("/api/v1/orders/"), 429)
    assert body["retry_after"] > 0 and int(api.get("/api/v1/orders/")["Retry-After"]) > 0
    assert other.get("/api/v1/orders/").status_code == 200  # the budget is per token


def test_field_errors_flatten_nested_detail():
    from dashboard.api.problems import field_errors

    detail = {
        "amount": ["Too big."],
        "non_field_errors": ["Pick one."],
        "splits": [{"vendor": ["Unknown vendor."]}, {}],
    }
    assert list(field_errors(detail)) == [
        {"field": "amount", "detail": "Too big."},
        {"field": None, "detail": "Pick one."},
        {"field": "splits.0.vendor", "detail": "Unknown vendor."},
    ]


def test_money_is_a_string_never_a_float():
    from dashboard.api.money import amount_text

    assert amount_text(38023) == "38023.00"
    assert amount_text("3200.0000") == "3200.00"
    assert amount_text("1.0050") == "1.005"
    assert amount_text("0.1") == "0.10"
    with pytest.raises(ValueError):
        amount_text("NaN")


def test_a_nul_in_a_parameter_is_a_problem_naming_it(issue_token):
    body = assert_problem(issue_token("Support").get("/api/v1/orders/", {"gateway": "RAZOR\x00PAY"}), 400)
    assert body["errors"][0]["field"] == "gateway"
    page = issue_token("Support").client.get("/orders/", {"gateway": "x\x00"})
    assert page.status_code == 400 and page["Content-Type"].startswith("text/plain")  # the pages keep theirs
