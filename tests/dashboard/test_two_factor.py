"""Two-factor sign-in: the setting, enrolment, the code step, recovery codes, throttling, removal, API tokens."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard import api_tokens, checks, two_factor
from dashboard.models import ApiToken, AuditEvent
from tests.conftest import PASSWORD
from tests.dashboard.two_factor_helpers import code_for, enrol, wrong_code

ROOT = Path(__file__).resolve().parents[2]
ENROL = "/account/two-factor/set-up/"
VERIFY = "/account/two-factor/verify/"


@pytest.fixture
def required(settings):
    settings.MFA_REQUIRED_ROLES = ["Finance", "Admin"]
    return settings


def sign_in(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("sequence").values_list("verb", flat=True))


def roles_in(env: dict[str, str]) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings; print(','.join(settings.MFA_REQUIRED_ROLES))"
    )
    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "MFA_REQUIRED_ROLES"}}
    answer = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "dashboard.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return answer.stdout.strip()


def test_the_setting_requires_finance_and_admin_in_production_and_nobody_in_the_demo():
    production = {
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(40),
    }
    assert roles_in(production) == "Finance,Admin"
    assert roles_in({**production, "MFA_REQUIRED_ROLES": ""}) == ""  # switched off explicitly
    assert roles_in({**production, "MFA_REQUIRED_ROLES": "Admin"}) == "Admin"
    assert roles_in({"DJANGO_DEBUG": "1"}) == ""  # make run: the printed password alone signs in
    assert roles_in({"DJANGO_DEBUG": "1", "MFA_REQUIRED_ROLES": "Finance, Support"}) == "Finance,Support"


def test_the_tests_require_nobody_by_default(settings):
    assert list(settings.MFA_REQUIRED_ROLES) == []


def test_an_unknown_role_in_the_setting_stops_the_app(settings):
    settings.MFA_REQUIRED_ROLES = ["Finance", "Finnance"]
    [error] = checks.two_factor_roles(None)
    assert error.id == "dashboard.E010" and error.is_serious() and "Finnance" in error.msg
    settings.MFA_REQUIRED_ROLES = ["Finance", "Admin"]
    assert checks.two_factor_roles(None) == []


@pytest.mark.django_db
def test_with_the_setting_off_the_password_alone_signs_in(client, make_user):
    sign_in(client, make_user("Finance"))
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_required_role_without_a_device_is_sent_to_enrolment_and_enrols(client, make_user, required):
    finance = make_user("Finance")
    sign_in(client, finance)
    assert client.get("/")["Location"] == ENROL
    assert client.get("/orders/")["Location"] == ENROL
    page = client.get(ENROL)
    text = page.content.decode()
    assert page.status_code == 200 and "data:image/svg+xml" in text  # the QR code, served as an image
    device = TOTPDevice.objects.get(user=finance, confirmed=False)
    secret = two_factor.enrolment_for(device).secret
    assert secret in text
    assert client.get(ENROL).content.decode().count(secret) == 1  # the same secret on a second visit

    wrong = client.post(ENROL, {"code": wrong_code(device)})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert client.get("/")["Location"] == ENROL

    device.refresh_from_db()
    device.throttle_reset()  # the wrong code throttles the next try for a second
    done = client.post(ENROL, {"code": code_for(device)})
    assert done.status_code == 200
    codes = list(StaticToken.objects.filter(device__user=finance).values_list("token", flat=True))
    assert len(codes) == 10 and all(code in done.content.decode() for code in codes)
    assert client.get("/").status_code == 200  # this session is verified
    assert "two_factor.enrolled" in verbs()
    assert client.get(ENROL)["Location"] == "/account/"  # set up already: shown once


@pytest.mark.django_db
def test_a_person_with_a_device_passes_the_code_step_after_the_password(client, make_user, required):
    finance = make_user("Finance")
    device, _ = enrol(finance)
    response = sign_in(client, finance)
    assert response["Location"] == "/"
    step = client.get("/orders/?status=CHARGED")
    assert step.status_code == 302 and step["Location"] == f"{VERIFY}?next=%2Forders%2F%3Fstatus%3DCHARGED"
    assert "Enter your code" in client.get(step["Location"]).content.decode()
    passed = client.post(VERIFY, {"code": code_for(device, steps_ahead=1), "next": "/orders/?status=CHARGED"})
    assert passed.status_code == 302 and passed["Location"] == "/orders/?status=CHARGED"
    assert client.get("/orders/").status_code == 200
    assert verbs()[-2:] == ["auth.login", "auth.otp_verified"]


@pytest.mark.django_db
def test_anyone_who_enrolled_passes_the_code_step_even_when_their_role_does_not_require_it(client, make_user):
    support = make_user("Support")
    device, _ = enrol(support)
    sign_in(client, support)
    assert client.get("/")["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": code_for(device, steps_ahead=1)}).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_code_is_accepted_once(client, make_user):
    support = make_user("Support")
    device, _ = enrol(support)  # the enrolment used the current code
    sign_in(client, support)
    again = client.post(VERIFY, {"code": code_for(device)})
    assert again.status_code == 400 and client.get("/")["Location"].startswith(VERIFY)


@pytest.mark.django_db
def test_a_recovery_code_signs_in_once(client, make_user, required):
    finance = make_user("Finance")
    _, codes = enrol(finance)
    sign_in(client, finance)
    grouped = f" {codes[3][:4].upper()}-{codes[3][4:]} "  # as people type it: spaces, a dash, capitals
    assert client.post(VERIFY, {"code": grouped})["Location"] == "/"
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(verb="two_factor.recovery_code_used")
    assert event.after == {"recovery_codes_left": 9}

    client.post("/accounts/logout/")
    sign_in(client, finance)
    reused = client.post(VERIFY, {"code": codes[3]})
    assert reused.status_code == 400 and client.get("/")["Location"].startswith(VERIFY)


@pytest.mark.django_db
def test_wrong_codes_are_throttled_and_recorded_like_failed_logins(client, make_user, settings):
    support = make_user("Support", username="sam")
    device, _ = enrol(support)
    sign_in(client, support)
    first = client.post(VERIFY, {"code": wrong_code(device)})
    assert first.status_code == 400
    right_but_too_soon = client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})  # throttled: 1 s after a miss
    assert right_but_too_soon.status_code == 400 and "Too many wrong codes" in right_but_too_soon.content.decode()
    assert client.get("/")["Location"].startswith(VERIFY)
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 2):
        client.post(VERIFY, {"code": wrong_code(device)})
    failed = AuditEvent.objects.filter(verb__startswith="auth.otp_failed")
    assert list(failed.values_list("verb", "actor_username")) == [
        ("auth.otp_failed_repeatedly", "sam"),
        ("auth.otp_failed", "sam"),
    ]  # one event for the window, one when the count reaches the limit; the rest only counted

    device.refresh_from_db()
    device.throttle_reset()
    assert client.post(VERIFY, {"code": code_for(device, steps_ahead=1)}).status_code == 302


@pytest.mark.django_db
def test_the_code_step_sends_nowhere_outside_the_site(client, make_user):
    support = make_user("Support")
    device, _ = enrol(support)
    sign_in(client, support)
    answer = client.post(VERIFY, {"code": code_for(device, steps_ahead=1), "next": "https://evil.example/"})
    assert answer["Location"] == "/"


@pytest.mark.django_db
def test_removing_needs_a_current_code_and_a_required_role_then_enrols_again(client, make_user, required):
    finance = make_user("Finance")
    device, codes = enrol(finance)
    sign_in(client, finance)
    client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    page = client.get("/account/").content.decode()
    assert "Remove two-factor sign-in" in page and "10 recovery codes left" in page
    client.post("/account/two-factor/remove/", {"code": wrong_code(device)})
    assert TOTPDevice.objects.filter(user=finance, confirmed=True).exists()  # a wrong code removes nothing

    answer = client.post("/account/two-factor/remove/", {"code": codes[0]}, follow=True)  # a recovery code does too
    assert not TOTPDevice.objects.filter(user=finance, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=finance).exists()
    assert "two_factor.removed" in verbs()
    assert answer.redirect_chain[-1][0] == ENROL  # Finance must use it: straight to a new authenticator


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old_ones(client, make_user):
    support = make_user("Support")
    device, old = enrol(support)
    sign_in(client, support)
    client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    page = client.post("/account/two-factor/recovery-codes/")
    new = list(StaticToken.objects.filter(device__user=support).values_list("token", flat=True))
    assert len(new) == 10 and not set(new) & set(old) and all(code in page.content.decode() for code in new)
    assert "two_factor.recovery_codes_renewed" in verbs()
    assert two_factor.verify_code(support, old[0]) is None


@pytest.mark.django_db
def test_a_token_is_created_only_from_a_verified_session_when_the_role_requires_it(client, make_user, required):
    finance = make_user("Finance")
    device, _ = enrol(finance)
    assert two_factor.why_not_issue_token(finance, verified=False)
    assert two_factor.why_not_issue_token(finance, verified=True) is None
    assert two_factor.why_not_issue_token(make_user("Support"), verified=False) is None

    sign_in(client, finance)
    expiry = (timezone.now() + timedelta(days=5)).date().isoformat()
    refused = client.post("/account/tokens/new/", {"name": "script", "expires_on": expiry})
    assert refused.status_code == 302 and not ApiToken.objects.exists()
    client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    created = client.post("/account/tokens/new/", {"name": "script", "expires_on": expiry})
    assert created.status_code == 200 and ApiToken.objects.filter(user=finance).count() == 1


@pytest.mark.django_db
def test_bearer_token_calls_need_no_code(client, make_user, required):
    finance = make_user("Finance")
    enrol(finance)
    secret = api_tokens.issue(finance, name="bot", expires_at=timezone.now() + timedelta(days=1)).secret
    assert client.get("/api/v1/orders/", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    sign_in(client, finance)  # the same person's password-only session next to it changes nothing for the token
    assert client.get("/api/v1/orders/", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.get("/api/v1/orders/").status_code == 403
