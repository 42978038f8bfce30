"""What the in-process benchmarks share: a session signed in as the sign-in and the code step leave it, and a
count of the queries a call runs.

A benchmark that skipped any of the session's keys would time a redirect to the sign-in or the code step instead
of the page (the first benchmark did, until 2026-12-01).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.db import connection
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard import two_factor, user_time_zone
from dashboard.session_idle import STAMP_KEY, current_stamp

BACKEND = "dashboard.auth_backend.ModelBackendOneQuery"  # one of settings.AUTHENTICATION_BACKENDS


def benchmark_admin(username: str) -> tuple[User, TOTPDevice]:
    """A superuser without a usable password, and a confirmed authenticator (an Admin must use one)."""
    user, _ = User.objects.get_or_create(username=username)
    user.is_superuser = user.is_staff = user.is_active = True
    if user.has_usable_password():  # a new unusable one would change the hash: sign out a run going on
        user.set_unusable_password()
    user.save()
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="benchmark", defaults={"confirmed": True})
    return user, device


def sign_in(session: MutableMapping[str, Any], user: User, device: TOTPDevice) -> None:
    """The keys a session has after the sign-in and the code step: the project's backend, the second factor
    passed, the idle stamp, the time zone."""
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[STAMP_KEY] = current_stamp()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[two_factor.ENROLLED_SESSION_KEY] = True
    session[user_time_zone.SESSION_KEY] = user_time_zone.stored_zone(user)


def count_queries(call: Callable[[], Any]) -> int:
    """How many queries `call()` runs on the default connection."""
    count = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        call()
    return count
