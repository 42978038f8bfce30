"""Personal API tokens: shown once and stored as a digest, bounded expiry, last-used stamped at most once a
minute, revocation, audit records, the /account/tokens/ page, and a token acting with its user's role only."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.test_problems import assert_problem

PAGE = "/account/tokens/"


def test_only_a_digest_and_a_prefix_are_stored(issue_token):
    from dashboard.models import ApiToken

    api = issue_token("Support")
    token = ApiToken.objects.get(user=api.user)
    assert api.secret.startswith("jops_") and len(api.secret) > 40
    assert token.digest == hashlib.sha256(api.secret.encode()).hexdigest()
    assert api.secret.startswith(token.prefix) and len(token.prefix) == 13
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values())
    assert api.secret not in stored


def test_expiry_is_required_and_bounded(make_user, settings):
    from dashboard import api_tokens

    settings.API_TOKEN_MAX_DAYS = 10
    user = make_user("Support")
    with pytest.raises(api_tokens.TokenError, match="at most 10 days"):
        api_tokens.issue(user, name="x", expires_at=timezone.now() + timedelta(days=11))
    with pytest.raises(api_tokens.TokenError, match="future"):
        api_tokens.issue(user, name="x", expires_at=timezone.now())
    with pytest.raises(api_tokens.TokenError, match="name"):
        api_tokens.issue(user, name="  ", expires_at=timezone.now() + timedelta(days=1))


def test_expired_revoked_and_inactive_tokens_are_401(issue_token):
    from dashboard import api_tokens
    from dashboard.models import ApiToken

    expired, revoked, inactive = issue_token("Support"), issue_token("Support"), issue_token("Support")
    assert expired.get("/api/v1/orders/").status_code == 200
    ApiToken.objects.filter(user=expired.user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_problem(expired.get("/api/v1/orders/"), 401)
    token = ApiToken.objects.get(user=revoked.user)
    api_tokens.revoke(token.pk, actor=revoked.user)
    assert_problem(revoked.get("/api/v1/orders/"), 401)
    inactive.user.is_active = False
    inactive.user.save()
    assert_problem(inactive.get("/api/v1/orders/"), 401)


def test_last_used_is_written_at_most_once_a_minute(issue_token):
    from dashboard.models import ApiToken

    api = issue_token("Support")
    assert ApiToken.objects.get(user=api.user).last_used_at is None
    api.get("/api/v1/orders/")
    first = ApiToken.objects.get(user=api.user).last_used_at
    assert first is not None
    api.get("/api/v1/orders/")
    assert ApiToken.objects.get(user=api.user).last_used_at == first
    ApiToken.objects.filter(user=api.user).update(last_used_at=first - timedelta(seconds=61))
    api.get("/api/v1/orders/")
    assert ApiToken.objects.get(user=api.user).last_used_at > first


def test_a_token_acts_with_its_users_role_and_no_more(issue_token, cached_order):
    cached_order("order_status_charged.json", order_id="ROLE1")
    assert issue_token("Manager").get("/api/v1/orders/ROLE1/").status_code == 200
    assert_problem(issue_token(None).get("/api/v1/orders/ROLE1/"), 403)
    api = issue_token("Support")
    assert api.get("/api/v1/orders/ROLE1/").json()["pii"] == {
        "can_reveal": False,
        "revealed": False,
        "expires_at": None,
    }
    from dashboard.roles import set_role

    set_role(api.user, None)  # the role goes: the token loses what it gave
    api.user.__dict__.pop("_perm_cache", None)
    assert_problem(api.get("/api/v1/orders/ROLE1/"), 403)


def test_creation_and_revocation_are_audited(issue_token, make_user):
    from dashboard import api_tokens
    from dashboard.models import ApiToken, AuditEvent

    api = issue_token("Support")
    token = ApiToken.objects.get(user=api.user)
    created = AuditEvent.objects.get(verb="api_token.create", object_id=str(token.pk))
    assert created.actor_id == api.user.pk and token.prefix in created.summary
    assert api.secret not in str(created.after) and api.secret not in created.summary
    admin = make_user("Admin")
    api_tokens.revoke(token.pk, actor=admin)
    revoked = AuditEvent.objects.get(verb="api_token.revoke", object_id=str(token.pk))
    assert revoked.actor_id == admin.pk and revoked.after["owner"] == api.user.username
    api_tokens.revoke(token.pk, actor=admin)  # again: nothing more happens
    assert AuditEvent.objects.filter(verb="api_token.revoke").count() == 1


def test_the_page_creates_a_token_shown_once(client_as):
    client = client_as("Support")
    expires = (timezone.now() + timedelta(days=7)).date().isoformat()
    response = client.post(f"{PAGE}new/", {"name": "helpdesk bot", "expires_on": expires})
    assert response.status_code == 200
    secret = re.search(r'value="(jops_[^"]+)"', response.content.decode()).group(1)
    listed = client.get(PAGE).content.decode()
    assert "helpdesk bot" in listed and secret not in listed and secret[:13] in listed


def test_the_created_token_works(client_as):
    client = client_as("Support")
    expires = (timezone.now() + timedelta(days=7)).date().isoformat()
    body = client.post(f"{PAGE}new/", {"name": "bot", "expires_on": expires}).content.decode()
    secret = re.search(r'value="(jops_[^"]+)"', body).group(1)
    client.logout()
    assert Client().get("/api/v1/orders/", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "", "expires_on": "2099-01-01"}, "This field is required"),
        ({"name": "x", "expires_on": ""}, "This field is required"),
        ({"name": "x", "expires_on": "not a date"}, "Enter a valid date"),
        ({"name": "x", "expires_on": "2000-01-01"}, "Choose a day after today"),
        ({"name": "x", "expires_on": "9999-12-31"}, "at most 90 days"),
        ({"name": "x" * 101, "expires_on": "2099-01-01"}, "at most 100 characters"),
    ],
)
def test_bad_input_on_the_page_is_a_form_error(client_as, data, error):
    from dashboard.models import ApiToken

    response = client_as("Support").post(f"{PAGE}new/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not ApiToken.objects.exists()


def test_people_revoke_their_own_and_admin_anyones(client_as, issue_token, make_user):
    from dashboard.models import ApiToken

    other = issue_token("Finance")
    token = ApiToken.objects.get(user=other.user)
    support = client_as("Support")
    assert "Everyone else" not in support.get(PAGE).content.decode()
    assert support.post(f"{PAGE}{token.pk}/revoke/").status_code == 404  # not theirs: does not exist for them
    assert other.get("/api/v1/orders/").status_code == 200
    admin = Client()
    admin.force_login(make_user("Admin"))
    page = admin.get(PAGE).content.decode()
    assert "Everyone else" in page and other.user.username in page
    assert admin.post(f"{PAGE}{token.pk}/revoke/").status_code == 302
    assert_problem(other.get("/api/v1/orders/"), 401)
    assert "revoked" in admin.get(PAGE).content.decode()


def test_the_owner_revokes_on_the_page(client, issue_token):
    from dashboard.models import ApiToken

    api = issue_token("Support")
    client.force_login(api.user)
    token = ApiToken.objects.get(user=api.user)
    assert client.post(f"{PAGE}{token.pk}/revoke/").status_code == 302
    assert_problem(api.get("/api/v1/orders/"), 401)
