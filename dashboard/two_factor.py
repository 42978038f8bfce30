"""Two-factor sign-in: a TOTP authenticator (django-otp's TOTPDevice) and ten single-use recovery codes (its
StaticDevice), who must use it, and the code step.

- **Who.** `MFA_REQUIRED_ROLES` (settings: Finance and Admin in production mode, none in debug and tests) names
  the roles that must enrol; a superuser counts as Admin. Anyone may enrol at /account/.
- **The flow.** The password signs the person in as before; then `step_needed` says what the session still
  owes: `"verify"` (the person has an authenticator and this session has not passed a code) or `"enrol"` (their
  role requires one and they have none). `dashboard.two_factor_gate` lets such a session reach only that step.
- **Codes.** `verify_code` takes a 6-digit authenticator code or a recovery code (used up by the match);
  django-otp throttles each device after a wrong code (1, 2, 4, … seconds), and the view records failures
  with `login_failures.record_code_failure` (aggregated like failed sign-ins).
- Enrolment, removal, recovery-code use and renewal are audited here, in the same transaction as the change;
  resets of someone else's factor go through a second Admin (`dashboard.two_factor_resets`).
"""

from __future__ import annotations

import re
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard import audit
from dashboard.roles import ADMIN

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
# Whether the signed-in person has an authenticator, kept in the session from sign-in on, so that a request of
# someone without one reads no extra row (refreshed by enrolment, removal and the code step).
ENROLLED_SESSION_KEY = "_two_factor_enrolled"

VERIFY = "verify"
ENROL = "enrol"

# Set on the signed-in person by dashboard/auth_backend.py, in the query that loads them (so a request reads no
# extra row for them): whether their role must use a second factor (computed for REQUIRED_ROLES_FLAG's roles),
# and the pk of their first confirmed authenticator and recovery-code device (None: none).
REQUIRED_FLAG = "two_factor_required"
REQUIRED_ROLES_FLAG = "two_factor_required_roles"
TOTP_FLAG = "two_factor_totp_id"
STATIC_FLAG = "two_factor_static_id"

AUDIT_VERBS = {
    "auth.otp_verified": "Second factor passed",
    "auth.otp_failed": "Wrong second-factor code",
    "auth.otp_failed_repeatedly": "Wrong second-factor codes, repeatedly",
    "two_factor.enrolled": "Two-factor sign-in set up",
    "two_factor.removed": "Two-factor sign-in removed",
    "two_factor.recovery_code_used": "Recovery code used",
    "two_factor.recovery_codes_renewed": "Recovery codes renewed",
    "two_factor.reset_proposed": "Two-factor reset proposed",
    "two_factor.reset": "Two-factor reset (approved)",
    "two_factor.reset_rejected": "Two-factor reset rejected",
    "two_factor.reset_withdrawn": "Two-factor reset withdrawn",
}


class CodeError(ValueError):
    """A code that was not accepted, with what to tell the person."""


class CodeThrottled(CodeError):
    """Too many wrong codes: django-otp refuses to check another one before `until`."""

    def __init__(self, until: datetime | None) -> None:
        super().__init__("Too many wrong codes: wait a few seconds, then try again.")
        self.until = until


# --- who must use it -----------------------------------------------------------------------------------------


def required_roles() -> frozenset[str]:
    return frozenset(getattr(settings, "MFA_REQUIRED_ROLES", ()) or ())


def is_required(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether the person's role must sign in with a second factor (no query when no role must)."""
    roles = required_roles()
    if not roles or not user.is_authenticated or not isinstance(user, User):
        return False
    if user.is_superuser and ADMIN in roles:
        return True
    if getattr(user, REQUIRED_ROLES_FLAG, None) == roles:  # loaded with the person, for these roles
        return bool(getattr(user, REQUIRED_FLAG))  # SQLite answers 0/1, PostgreSQL a boolean
    return user.groups.filter(name__in=roles).exists()


def has_authenticator(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists())


def enrolled_user_ids(user_ids: list[int]) -> set[int]:
    """Which of these people have an authenticator (one query, for the people page)."""
    return set(TOTPDevice.objects.filter(user_id__in=user_ids, confirmed=True).values_list("user_id", flat=True))


def remember(session: Any, user: AbstractBaseUser) -> bool:
    """Note in the session whether the person has an authenticator (at sign-in, and after any change)."""
    enrolled = has_authenticator(user)
    session[ENROLLED_SESSION_KEY] = enrolled
    return enrolled


def is_verified(user: Any) -> bool:
    """This session passed a code (django-otp's OTPMiddleware sets `is_verified`)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def step_needed(request: Any) -> str | None:
    """What a signed-in session still owes before any other page: VERIFY, ENROL or None."""
    user = request.user
    if not user.is_authenticated or is_verified(user):
        return None
    enrolled = request.session.get(ENROLLED_SESSION_KEY)
    if enrolled is None:
        enrolled = remember(request.session, user)
    if enrolled:
        return VERIFY
    return ENROL if is_required(user) else None


def why_not_issue_token(user: AbstractBaseUser, *, verified: bool) -> str | None:
    """API tokens skip the code step, so a role that must use two-factor sign-in creates them only from a
    verified session; None when the person may create one."""
    if is_required(user) and not verified:
        return "Your role signs in with a second factor: pass the code step before creating an API token."
    return None


# --- enrolment -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the QR code (an SVG data URI), the secret to type in, the otpauth URI."""

    qr_data_uri: str
    secret: str
    uri: str


def pending_authenticator(user: User) -> TOTPDevice:
    """The person's not-yet-confirmed authenticator: the same secret on every visit until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def enrolment_for(device: TOTPDevice) -> Enrolment:
    uri = device.config_url
    secret = b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#111", light="#fff")
    return Enrolment(qr_data_uri=qr, secret=" ".join(re.findall(".{1,4}", secret)), uri=uri)


def _new_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    device.throttle_reset(commit=False)
    device.confirmed = True
    device.save()
    return codes


def confirm_enrolment(user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """A code from the new authenticator confirms it; returns it and ten new recovery codes (shown once)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            raise CodeError("Start again: open the set-up page to get a new QR code.")
        allowed, info = device.verify_is_allowed()
        if not allowed:
            raise CodeThrottled((info or {}).get("locked_until"))
        if not device.verify_token(normalise(code)):
            raise CodeError("That code is not right: check the app shows Juspay Ops and enter its current code.")
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit.record(
            "two_factor.enrolled",
            actor=user,
            obj=user,
            after={"authenticator": device.name, "recovery_codes": len(codes)},
            summary=f"{user.get_username()} set up two-factor sign-in ({len(codes)} recovery codes)",
        )
    return device, codes


def renew_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes replace the old ones (which stop working)."""
    with transaction.atomic():
        if not has_authenticator(user):
            raise CodeError("Set up two-factor sign-in first.")
        codes = _new_recovery_codes(user)
        audit.record(
            "two_factor.recovery_codes_renewed",
            actor=user,
            obj=user,
            after={"recovery_codes": len(codes)},
            summary=f"{user.get_username()} renewed their recovery codes; the old ones no longer work",
        )
    return codes


def remove_all_devices(user: User) -> int:
    """Delete the person's authenticators and recovery codes (the caller audits); returns how many devices."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    return removed


def remove(user: User, code: str) -> None:
    """The person removes their own factor, confirming with a current code (or a recovery code)."""
    with transaction.atomic():
        device = verify_code(user, code)
        if device is None:
            raise CodeError("That code is not right; the two-factor sign-in stays on.")
        remove_all_devices(user)
        audit.record(
            "two_factor.removed",
            actor=user,
            obj=user,
            summary=f"{user.get_username()} removed their two-factor sign-in",
        )


# --- the code step -------------------------------------------------------------------------------------------


def normalise(code: str) -> str:
    return re.sub(r"[\s-]+", "", code or "").lower()[:32]


def verify_code(user: User, code: str) -> Device | None:
    """The device that accepts `code` (an authenticator code, or a recovery code, which is used up), or None.

    Raises CodeThrottled when the device the code is for refuses to check it yet (wrong codes just before)."""
    code = normalise(code)
    if not code:
        return None
    model: type[Device] = TOTPDevice if code.isdigit() and len(code) <= 8 else StaticDevice
    throttled: datetime | None = None
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            allowed, info = device.verify_is_allowed()
            if not allowed:
                throttled = (info or {}).get("locked_until") or throttled
                continue
            if device.verify_token(code):
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    audit.record(
                        "two_factor.recovery_code_used",
                        actor=user,
                        obj=user,
                        after={"recovery_codes_left": left},
                        summary=f"{user.get_username()} used a recovery code ({left} left)",
                    )
                return device
        if throttled is not None:
            raise CodeThrottled(throttled)
    return None


def passed(request: Any, device: Device) -> None:
    """Mark the session verified by `device` (django-otp's login) and audit it."""
    from django_otp import login as otp_login

    otp_login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True
    request.session.cycle_key()  # a new session id once the second factor is in
    audit.record(
        "auth.otp_verified",
        actor=request.user,
        obj=request.user,
        after={"device": "recovery code" if isinstance(device, StaticDevice) else "authenticator"},
        summary=f"{request.user.get_username()} passed the second factor",
    )


def forget_device(session: Any) -> None:
    session.pop(DEVICE_ID_SESSION_KEY, None)


def status(user: User) -> dict[str, Any]:
    """The account page's two-factor section: on or off, required or not, recovery codes left."""
    enrolled = has_authenticator(user)
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count() if enrolled else 0
    return {"enrolled": enrolled, "required": is_required(user), "recovery_left": left}
