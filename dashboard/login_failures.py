"""Failed sign-ins in the audit log, aggregated so that a flood of them cannot grow the log without bound.

Per username and client address, per window of `LOGIN_FAILURE_AUDIT_WINDOW_MINUTES` (fixed windows counted
from the epoch), the audit log gets:

* one `auth.login_failed` event at the window's first failure; its `after` carries the number of failures of
  the same pair in the window before (`previous_window_failures`), which closes that window's count;
* one `auth.login_locked_out` event when the pair reaches `LOGIN_FAILURE_LIMIT` failures in the window.

Every other failure only increments a counter in the Django cache. A pair's log is therefore at most two
events a window. Once an address is past the login throttle's ceiling (dashboard/login_throttle.py), its
failures open no new pair events: one `auth.login_address_throttled` per address and window stands for them.
So one address adds at most about `LOGIN_ADDRESS_FAILURE_LIMIT` + 2 events per address window, however
many usernames it tries.
"""

import time
from hashlib import sha256

from django.conf import settings
from django.core.cache import cache

from dashboard import audit, login_throttle

_KEY_PREFIX = "juspay-ops:login-failures:"


def _window_seconds() -> int:
    return max(60, settings.LOGIN_FAILURE_AUDIT_WINDOW_MINUTES * 60)


def _key(username: str, ip: str | None, window: int) -> str:
    digest = sha256(f"{username}\x00{ip or '-'}".encode()).hexdigest()
    return f"{_KEY_PREFIX}{digest}:{window}"


def _count(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def failures_in_window(username: str, ip: str | None, *, now: float | None = None) -> int:
    window = int((time.time() if now is None else now) // _window_seconds())
    return int(cache.get(_key(username, ip, window), 0))


def _record_throttled_address(ip: str | None, window: int, seconds: int) -> None:
    """Failures from an address over the throttle's ceiling: one event per address and window, the rest counted."""
    key = f"{_KEY_PREFIX}address:{sha256((ip or '-').encode()).hexdigest()}:{window}"
    if _count(key, timeout=2 * seconds) == 1:
        audit.record(
            "auth.login_address_throttled",
            actor_username="",
            object_type="auth.address",
            object_id=ip or "",
            after={
                "limit": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
                "window_minutes": settings.LOGIN_ADDRESS_WINDOW_MINUTES,
            },
            summary=f"more than {settings.LOGIN_ADDRESS_FAILURE_LIMIT} failed logins from "
            f"{ip or 'an unknown address'}: refused; further ones from it in this window are not logged one by one",
        )


def record_failure(username: str, ip: str | None, *, now: float | None = None) -> int:
    """Count one failed sign-in and audit it when it opens a window or reaches the lock-out; returns the
    pair's count in the current window."""
    seconds = _window_seconds()
    window = int((time.time() if now is None else now) // seconds)
    if login_throttle.address_failures(ip) > settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        _record_throttled_address(ip, window, seconds)  # the address is refused: no new per-username events
        return failures_in_window(username, ip, now=now)
    count = _count(_key(username, ip, window), timeout=2 * seconds)  # kept into the next window, which reads it
    if count == 1:
        previous = int(cache.get(_key(username, ip, window - 1), 0))
        audit.record(
            "auth.login_failed",
            actor_username=username,
            object_type="auth.user",
            object_id=username,
            after={"window_minutes": seconds // 60, "previous_window_failures": previous},
            summary=f"failed login for {username!r}"
            + (f" ({previous} failure(s) in the previous {seconds // 60} minutes)" if previous else "")
            + "; repeats in this window are counted, not logged one by one",
        )
    elif count == settings.LOGIN_FAILURE_LIMIT:
        audit.record(
            "auth.login_locked_out",
            actor_username=username,
            object_type="auth.user",
            object_id=username,
            after={"failures": count, "window_minutes": seconds // 60},
            summary=f"{count} failed logins for {username!r} from one address: locked out",
        )
    return count


def record_code_failure(username: str, ip: str | None, *, now: float | None = None) -> int:
    """A wrong code at the second-factor step (the password was right): counted per username, address and window
    like failed sign-ins, audited as one `auth.otp_failed` per window (with the previous window's count) and one
    `auth.otp_failed_repeatedly` when the pair reaches `LOGIN_FAILURE_LIMIT`; django-otp throttles the device."""
    seconds = _window_seconds()
    window = int((time.time() if now is None else now) // seconds)
    pair = f"otp\x00{username}"
    count = _count(_key(pair, ip, window), timeout=2 * seconds)
    if count == 1:
        previous = int(cache.get(_key(pair, ip, window - 1), 0))
        audit.record(
            "auth.otp_failed",
            actor_username=username,
            object_type="auth.user",
            object_id=username,
            after={"window_minutes": seconds // 60, "previous_window_failures": previous},
            summary=f"wrong second-factor code for {username!r} (the password was right)"
            + (f" ({previous} in the previous {seconds // 60} minutes)" if previous else "")
            + "; repeats in this window are counted, not logged one by one",
        )
    elif count == settings.LOGIN_FAILURE_LIMIT:
        audit.record(
            "auth.otp_failed_repeatedly",
            actor_username=username,
            object_type="auth.user",
            object_id=username,
            after={"failures": count, "window_minutes": seconds // 60},
            summary=f"{count} wrong second-factor codes for {username!r} from one address: "
            "someone may hold this person's password",
        )
    return count
