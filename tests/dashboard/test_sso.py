"""Single sign-on (dashboard/sso.py): the group-to-role map, and the whole code flow over real HTTP against the
local test provider (tests/fixtures/oidc_provider.py): first sign-in, role changes on re-login, no mapped
group, account matching, and every way the provider can fail."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from dashboard import login_throttle, sso
from dashboard.models import AuditEvent, SsoIdentity
from dashboard.roles import ADMIN, FINANCE, MANAGER, SUPPORT, role_of, set_role
from tests.conftest import PASSWORD
from tests.fixtures.oidc_provider import CLIENT_ID, IdpUser, OidcTestProvider

User = get_user_model()


# --- the group-to-role map ------------------------------------------------------------------------------
def test_the_role_map_reads_group_equals_role_pairs():
    mapping = sso.parse_role_map(" ops-support=Support, ops-finance = finance ,, team=ops=Admin ")
    assert mapping == {"ops-support": SUPPORT, "ops-finance": FINANCE, "team=ops": ADMIN}
    assert sso.parse_role_map("") == {}


@pytest.mark.parametrize(
    "text", ["ops-support=Supprt", "ops-support", "=Support", "a=Support,a=Finance", "ops=Superuser"]
)
def test_a_role_map_with_a_mistake_is_refused_not_half_applied(text):
    with pytest.raises(ImproperlyConfigured):
        sso.parse_role_map(text)


def test_the_highest_role_among_the_groups_wins_and_unmapped_groups_give_none():
    mapping = sso.parse_role_map("s=Support,f=Finance,m=Manager,a=Admin")
    assert sso.role_for_groups(["s"], mapping) == SUPPORT
    assert sso.role_for_groups(["s", "f"], mapping) == FINANCE
    assert sso.role_for_groups(["f", "m"], mapping) == MANAGER
    assert sso.role_for_groups(["everyone", "a", "s"], mapping) == ADMIN
    assert sso.role_for_groups(["everyone", "S"], mapping) is None  # group names are exact
    assert sso.role_for_groups([], mapping) is None


def test_the_groups_claim_is_configurable_and_may_be_one_string(settings):
    settings.OIDC_GROUPS_CLAIM = "roles"
    assert sso.groups_from_claims({"roles": "ops-support", "groups": ["x"]}) == ["ops-support"]
    assert sso.groups_from_claims({"roles": ["a", "b", {"nested": 1}]}) == ["a", "b"]
    assert sso.groups_from_claims({"groups": ["x"]}) == []


def test_a_bad_sso_configuration_stops_the_app_at_start(settings):
    from dashboard.checks import sso_configuration

    settings.OIDC_ENABLED = False
    assert sso_configuration(None) == []
    settings.OIDC_ENABLED = True
    settings.OIDC_ROLE_MAP = "ops-support=Suport"
    settings.OIDC_RP_CLIENT_SECRET = ""
    settings.OIDC_OP_DISCOVERY_URL = ""
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example.com/token"
    errors = {error.id: error.msg for error in sso_configuration(None)}
    assert set(errors) == {"dashboard.E020", "dashboard.E021", "dashboard.E022"}
    assert "'Suport' is not a role" in errors["dashboard.E020"]
    assert (
        "OIDC_OP_TOKEN_ENDPOINT" not in errors["dashboard.E022"] and "OIDC_OP_JWKS_ENDPOINT" in errors["dashboard.E022"]
    )
    settings.OIDC_ROLE_MAP = "ops-support=Support"
    settings.OIDC_RP_CLIENT_SECRET = "s3cret"
    settings.OIDC_OP_DISCOVERY_URL = "https://idp.example.com/.well-known/openid-configuration"
    assert sso_configuration(None) == []


# --- the flow over real HTTP ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def _provider() -> Iterator[OidcTestProvider]:
    provider = OidcTestProvider()
    yield provider
    provider.stop()


@pytest.fixture
def provider(_provider: OidcTestProvider, settings, db) -> OidcTestProvider:
    _provider.user = IdpUser()
    _provider.fail = ""
    _provider.requests.clear()
    _provider.sessions.clear()
    _provider.logouts.clear()
    _provider.post_logout_redirect_uris = None
    for name, value in _provider.settings().items():
        setattr(settings, name, value)
    return _provider


def start(client: Client, provider: OidcTestProvider, next_url: str = "") -> str:
    """Press "Sign in with ...": returns where the provider sends the browser back to (path and query)."""
    response = client.get("/sso/login/", {"next": next_url} if next_url else {})
    assert response.status_code == 302
    authorize = urlparse(response["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{provider.issuer}/authorize"
    query = parse_qs(authorize.query)
    assert query["client_id"] == [CLIENT_ID] and query["code_challenge_method"] == ["S256"]
    at_provider = httpx.get(response["Location"], follow_redirects=False)
    assert at_provider.status_code == 302
    back = urlparse(at_provider.headers["location"])
    assert back.path == "/sso/callback/"
    return f"{back.path}?{back.query}"


def sign_in(client: Client, provider: OidcTestProvider, next_url: str = ""):
    return client.get(start(client, provider, next_url))


def signed_in_user(client: Client):
    return client.get("/account/").wsgi_request.user


def verbs_for(username: str) -> list[str]:
    return list(AuditEvent.objects.filter(actor_username=username).order_by("sequence").values_list("verb", flat=True))


def test_the_login_page_offers_the_provider_beside_the_password_form_only_when_configured(client, provider, settings):
    page = client.get("/accounts/login/?next=/payouts/").content.decode()
    assert "Sign in with Test IdP" in page
    assert 'href="/sso/login/?next=/payouts/"' in page
    assert 'name="password"' in page
    settings.OIDC_ENABLED = False
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page and 'name="password"' in page
    assert client.get("/sso/login/").status_code == 404
    assert client.get("/sso/callback/?code=x&state=y").status_code == 404


def test_first_sign_in_creates_the_user_with_the_mapped_role_and_audits_it(client, provider):
    response = sign_in(client, provider, next_url="/payouts/")
    assert response.status_code == 302 and response["Location"] == "/payouts/"
    user = signed_in_user(client)
    assert user.is_authenticated and user.username == "asha"
    assert (user.email, user.first_name, user.last_name) == ("asha.rao@example.com", "Asha", "Rao")
    assert role_of(user) == SUPPORT and not user.has_usable_password()
    assert SsoIdentity.objects.get(user=user).subject == "idp-user-1"
    assert verbs_for("asha") == ["sso.user_created", "sso.role_synced", "sso.login", "auth.login"]
    assert provider.requests.count("POST /token") == 1 and "GET /userinfo" in provider.requests


def test_roles_follow_the_groups_on_every_sign_in(client, provider):
    sign_in(client, provider)
    user = User.objects.get(username="asha")
    assert role_of(user) == SUPPORT
    client.post("/accounts/logout/")

    provider.user.groups = ["ops-finance", "everyone"]
    provider.user.email = "asha.r@example.com"  # the subject, not the email, names the person
    sign_in(client, provider)
    assert signed_in_user(client).pk == user.pk
    assert role_of(User.objects.get(pk=user.pk)) == FINANCE
    synced = AuditEvent.objects.filter(verb="sso.role_synced", object_id=str(user.pk)).order_by("sequence").last()
    assert synced.before == {"role": SUPPORT} and synced.after["role"] == FINANCE
    assert User.objects.filter(username__startswith="asha").count() == 1
    client.post("/accounts/logout/")

    provider.user.groups = ["ops-finance"]  # unchanged: no role event
    count = AuditEvent.objects.filter(verb="sso.role_synced").count()
    sign_in(client, provider)
    assert AuditEvent.objects.filter(verb="sso.role_synced").count() == count


def test_a_person_whose_groups_map_to_no_role_is_signed_in_to_nothing(client, provider):
    provider.user.groups = ["everyone", "contractors"]
    response = sign_in(client, provider)
    assert response.status_code == 302 and response["Location"] == "/sso/no-role/"
    page = client.get("/sso/no-role/").content.decode()
    assert "Your account has no role here" in page and "contractors" in page
    assert not signed_in_user(client).is_authenticated
    assert not User.objects.filter(username="asha").exists()  # nobody is created for nothing
    failed = AuditEvent.objects.get(verb="auth.login_failed")
    assert failed.actor_username == "sso:asha.rao@example.com"


def test_losing_the_last_mapped_group_removes_the_role_and_refuses_the_sign_in(client, provider):
    sign_in(client, provider)
    client.post("/accounts/logout/")
    provider.user.groups = []
    response = sign_in(client, provider)
    assert response["Location"] == "/sso/no-role/"
    assert not signed_in_user(client).is_authenticated
    user = User.objects.get(username="asha")
    assert role_of(user) == ""
    synced = AuditEvent.objects.filter(verb="sso.role_synced").order_by("sequence").last()
    assert synced.before == {"role": SUPPORT} and synced.after["role"] == ""


def test_an_existing_user_is_linked_by_verified_email_once_and_then_by_subject(client, provider):
    local = User.objects.create_user("asha.local", email="Asha.Rao@example.com", password=PASSWORD)
    set_role(local, MANAGER)
    sign_in(client, provider)
    assert signed_in_user(client).pk == local.pk
    assert role_of(User.objects.get(pk=local.pk)) == SUPPORT  # the provider's groups decide
    assert "sso.linked" in verbs_for("asha.local")
    client.post("/accounts/logout/")
    local.email = "changed@example.com"
    local.save()
    sign_in(client, provider)
    assert signed_in_user(client).pk == local.pk


def test_an_unverified_email_or_a_matching_username_never_takes_over_a_local_user(client, provider):
    same_email = User.objects.create_user("someone", email="asha.rao@example.com", password=PASSWORD)
    same_name = User.objects.create_user("asha", email="", password=PASSWORD)
    provider.user.email_verified = False
    sign_in(client, provider)
    user = signed_in_user(client)
    assert user.pk not in (same_email.pk, same_name.pk)
    assert user.username == "asha-sso"


def test_a_local_admin_is_not_taken_over_by_email_unless_configured(client, provider, settings):
    admin = User.objects.create_user("root-admin", email="asha.rao@example.com", password=PASSWORD)
    set_role(admin, ADMIN)
    response = sign_in(client, provider)
    assert response["Location"] == "/accounts/login/"
    assert "An Admin account here has your email address" in client.get("/accounts/login/").content.decode()
    assert not signed_in_user(client).is_authenticated
    assert role_of(User.objects.get(pk=admin.pk)) == ADMIN and not SsoIdentity.objects.exists()

    settings.OIDC_LINK_ADMINS_BY_EMAIL = True
    provider.user.groups = ["ops-admins"]
    sign_in(client, provider)
    assert signed_in_user(client).pk == admin.pk


def test_a_disabled_account_is_refused(client, provider):
    sign_in(client, provider)
    client.post("/accounts/logout/")
    User.objects.filter(username="asha").update(is_active=False)
    response = sign_in(client, provider)
    assert response["Location"] == "/accounts/login/"
    assert "Your account here is disabled" in client.get("/accounts/login/").content.decode()


# --- failures: a clear message on the login page, counted as failed logins ------------------------------
def _failure_shown(client: Client, response, text: str) -> None:
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert text in page
    assert not signed_in_user(client).is_authenticated


@pytest.mark.parametrize(
    ("fail", "text"),
    [
        ("token_500", "could not be reached or gave an unusable answer"),
        ("bad_signature", "could not be verified"),
        ("wrong_audience", "could not be verified"),
        ("expired", "could not be verified"),
    ],
)
def test_a_bad_token_answer_is_shown_and_recorded_as_a_failed_login(client, provider, fail, text):
    provider.fail = fail
    _failure_shown(client, sign_in(client, provider), text)
    assert AuditEvent.objects.filter(verb="auth.login_failed").count() == 1
    assert login_throttle.address_failures("127.0.0.1") == 1
    assert not User.objects.filter(username="asha").exists()


def test_a_state_this_browser_never_started_is_refused(client, provider):
    callback = start(Client(), provider)  # another browser's sign-in
    _failure_shown(client, client.get(callback), "did not come from this browser")
    start(client, provider)
    _failure_shown(client, client.get(callback), "did not come from this browser")  # a state of its own, not this
    assert login_throttle.address_failures("127.0.0.1") == 2
    assert "POST /token" not in provider.requests


def test_the_provider_refusing_is_shown(client, provider):
    start(client, provider)
    state = client.session["oidc_states"]
    response = client.get("/sso/callback/", {"error": "access_denied", "state": next(iter(state))})
    _failure_shown(client, response, "did not sign you in")
    assert client.session["oidc_states"] == {}


def test_a_provider_that_is_down_is_shown_at_the_start(client, settings, db):
    down = OidcTestProvider()
    for name, value in down.settings().items():
        setattr(settings, name, value)
    down.stop()
    _failure_shown(client, client.get("/sso/login/"), "could not be reached")
    assert AuditEvent.objects.filter(verb="auth.login_failed", actor_username="sso").exists()


def test_a_provider_that_goes_down_mid_flow_is_shown(client, settings, db):
    provider = OidcTestProvider()
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    callback = start(client, provider)  # discovery is cached from here on
    provider.stop()
    _failure_shown(client, client.get(callback), "could not be reached")


def test_a_password_sign_in_never_reaches_the_provider(client, provider, make_user):
    user = make_user(FINANCE, username="pat")
    response = client.post("/accounts/login/?code=forged&state=forged", {"username": "pat", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_user(client).pk == user.pk
    assert provider.requests == []


@pytest.mark.parametrize("role", [None, SUPPORT, ADMIN])
def test_the_sso_pages_are_public_while_it_is_on(client, provider, make_user, role):
    if role is not None:
        client.force_login(make_user(role))
    assert client.get("/sso/login/")["Location"].startswith(provider.issuer)
    assert client.get("/sso/no-role/").status_code == 200
    assert client.get("/sso/callback/")["Location"] == "/accounts/login/"


def test_an_address_over_the_throttle_ceiling_is_refused_before_the_provider_is_asked(client, provider, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    provider.fail = "bad_signature"
    for _ in range(3):
        sign_in(client, provider)
    assert login_throttle.address_failures("127.0.0.1") == 3
    provider.fail = ""
    provider.requests.clear()
    response = sign_in(client, provider)
    assert response.status_code == 429
    assert "POST /token" not in provider.requests
    assert not signed_in_user(client).is_authenticated


# --- single logout (RP-initiated, OpenID Connect RP-Initiated Logout 1.0) -------------------------------------
LOGIN_PAGE = "http://testserver/accounts/login/"


def sign_out(client: Client):
    return client.post("/accounts/logout/")


def continue_url(page: str) -> str:
    """The provider URL the signed-out page sends the browser on to (its meta refresh and its link)."""
    match = re.search(r'<a href="([^"]+)" id="sso-logout-continue"', page)
    assert match, page
    url = html.unescape(match.group(1))
    assert f'content="0;url={match.group(1)}"' in page  # the same URL, followed at once
    return url


def test_signing_out_after_sso_ends_the_provider_session_too_over_http(client, provider):
    provider.post_logout_redirect_uris = [LOGIN_PAGE]  # registered for the client, as a real provider requires
    sign_in(client, provider)
    assert provider.user.subject in provider.sessions
    response = sign_out(client)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]  # the URL holds the id_token
    page = response.content.decode()
    assert "You are signed out of Juspay Ops" in page and "Continue to Test IdP" in page
    assert not signed_in_user(client).is_authenticated  # signed out here before going anywhere
    url = urlparse(continue_url(page))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{provider.issuer}/logout"
    query = parse_qs(url.query)
    assert query["post_logout_redirect_uri"] == [LOGIN_PAGE] and query["client_id"] == [CLIENT_ID]
    assert query["id_token_hint"][0].count(".") == 2  # the id_token of this sign-in

    at_provider = httpx.get(continue_url(page), follow_redirects=False)
    assert at_provider.status_code == 302 and at_provider.headers["location"] == LOGIN_PAGE
    assert provider.user.subject not in provider.sessions
    assert provider.logouts == [{"sub": "idp-user-1", "redirect": LOGIN_PAGE, "client_id": CLIENT_ID}]
    assert verbs_for("asha")[-2:] == ["sso.logout", "auth.logout"]
    event = AuditEvent.objects.get(verb="sso.logout")
    assert event.after == {"at_provider": True, "endpoint_host": f"127.0.0.1:{provider.port}", "reason": ""}
    assert "id_token" not in str(event.after) and query["id_token_hint"][0] not in event.summary
    assert client.get("/accounts/login/").status_code == 200


def test_the_provider_refuses_a_logout_it_cannot_trust(client, provider):
    """The fixture checks what a real provider checks, so the test above can fail."""
    provider.post_logout_redirect_uris = [LOGIN_PAGE]
    sign_in(client, provider)
    url = continue_url(sign_out(client).content.decode())
    for change in ({"id_token_hint": "not.a.token"}, {"post_logout_redirect_uri": "https://evil.example/"}):
        parts = urlparse(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()} | change
        assert httpx.get(f"{provider.issuer}/logout", params=query).status_code == 400
    assert provider.user.subject in provider.sessions and provider.logouts == []


def test_a_password_session_signs_out_as_before_with_sso_on(client, provider, make_user):
    user = make_user("Support", username="pw-user")
    assert client.post("/accounts/login/", {"username": "pw-user", "password": PASSWORD}).status_code == 302
    response = sign_out(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "GET /logout" not in provider.requests and not AuditEvent.objects.filter(verb="sso.logout").exists()
    assert verbs_for(user.username)[-1] == "auth.logout"


def test_a_refused_sso_attempt_leaves_no_token_for_a_later_password_session(client, provider, make_user):
    provider.user.groups = ["contractors"]  # signed in at the provider, refused here
    assert sign_in(client, provider)["Location"] == "/sso/no-role/"
    make_user("Support", username="pw-user")
    assert client.post("/accounts/login/", {"username": "pw-user", "password": PASSWORD}).status_code == 302
    assert sign_out(client).status_code == 302
    assert not AuditEvent.objects.filter(verb="sso.logout").exists()


def test_single_logout_can_be_switched_off(client, provider, settings):
    settings.OIDC_SINGLE_LOGOUT = False
    sign_in(client, provider)
    response = sign_out(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert provider.user.subject in provider.sessions and "GET /logout" not in provider.requests


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [("no_end_session", "offers no end_session endpoint"), ("down", "could not be reached")],
)
def test_a_provider_that_cannot_be_told_still_signs_you_out_here_and_says_so(
    client, provider, settings, breakage, reason
):
    if breakage == "no_end_session":
        provider.fail = "no_end_session"
    sign_in(client, provider)
    if breakage == "down":  # discovery is read again at sign-out and the provider is gone
        from django.core.cache import cache

        cache.clear()
        settings.OIDC_OP_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    response = sign_out(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not signed_in_user(client).is_authenticated
    page = client.get("/accounts/login/").content.decode()
    assert "could not be told: your session there may still be open" in page
    event = AuditEvent.objects.get(verb="sso.logout")
    assert event.after["at_provider"] is False and reason in event.after["reason"]


def test_a_configured_logout_endpoint_wins_over_discovery_and_keeps_its_query(settings, provider):
    settings.OIDC_OP_LOGOUT_ENDPOINT = f"{provider.issuer}/logout?tenant=ops"
    url = urlparse(sso.provider_logout_url("a.b.c", LOGIN_PAGE) or "")
    assert url.path == "/logout"
    assert parse_qs(url.query) == {
        "tenant": ["ops"],
        "id_token_hint": ["a.b.c"],
        "post_logout_redirect_uri": [LOGIN_PAGE],
        "client_id": [CLIENT_ID],
    }
    settings.OIDC_ENABLED = False
    assert sso.provider_logout_url("a.b.c", LOGIN_PAGE) is None
