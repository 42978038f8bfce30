"""Helpers for the two-factor tests: enrol someone through the service, and compute the code their app shows."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard import two_factor


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` 30-second steps later: a code is used once)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Set up the person's authenticator as the enrolment page does; returns the device and the recovery codes."""
    device = two_factor.pending_authenticator(user)
    return two_factor.confirm_enrolment(user, code_for(device))


def wrong_code(device: TOTPDevice) -> str:
    """Six digits the app shows at none of the steps the device accepts now."""
    accepted = {code_for(device, steps_ahead=n) for n in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in accepted)
