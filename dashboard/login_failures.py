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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Trail:
    """How one kind of failure is audited: the verb and summary of a window's first failure (with the previous
    window's count where there was one), and of the failure that reaches `LOGIN_FAILURE_LIMIT`."""

    opened: str
    opened_summary: str  # formatted with username
    previous_note: str  # formatted with previous, minutes
    reached: str
    reached_summary: str  # formatted with count, username


_PASSWORDS = _Trail(
    "auth.login_failed",
    "failed login for {username!r}",
    " ({previous} failure(s) in the previous {minutes} minutes)",
    "auth.login_locked_out",
    "{count} failed logins for {username!r} from one address: locked out",
)
_CODES = _Trail(
    "auth.otp_failed",
    "wrong second-factor code for {username!r} (the password was right)",
    " ({previous} in the previous {minutes} minutes)",
    "auth.otp_failed_repeatedly",
    "{count} wrong second-factor codes for {username!r} from one address: someone may hold this person's password",
)


def _count_and_audit(trail: _Trail, pair: str, username: str, ip: str | None, window: int, seconds: int) -> int:
    """Count one failure of `pair` (per address and window) and audit it when it opens the window or reaches the
    limit; returns the pair's count in the window."""
    count = _count(_key(pair, ip, window), timeout=2 * seconds)  # kept into the next window, which reads it
    minutes = seconds // 60
    if count == 1:
        previous = int(cache.get(_key(pair, ip, window - 1), 0))
        audit.record(
            trail.opened,
            actor_username=username,
            object_type="auth.user",
            object_id=username,
            after={"window_minutes": minutes, "previous_window_failures": previous},
            summary=trail.opened_summary.format(username=username)
            + (trail.previous_note.format(previous=previous, minutes=minutes) if previous else "")
            + "; repeats in this window are counted, not logged one by one",
        )
    elif count == settings.LOGIN_FAILURE_LIMIT:
        audit.record(
            trail.reached,
            actor_username=username,
            object_type="auth.user",
            object_id=username,
            after={"failures": count, "window_minutes": minutes},
            summary=trail.reached_summary.format(count=count, username=username),
        )
    return count


def record_failure(username: str, ip: str | None, *, now: float | None = None) -> int:
    """Count one failed sign-in and audit it when it opens a window or reaches the lock-out; returns the
    pair's count in the current window."""
    seconds = _window_seconds()
    window = int((time.time() if now is None else now) // seconds)
    if login_throttle.address_failures(ip) > settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        _record_throttled_address(ip, window, seconds)  # the address is refused: no new per-username events
        return failures_in_window(username, ip, now=now)
    return _count_and_audit(_PASSWORDS, username, username, ip, window, seconds)


def record_code_failure(username: str, ip: str | None, *, now: float | None = None) -> int:
    """A wrong code at the second-factor step (the password was right): counted per username, address and window
    like failed sign-ins, audited as one `auth.otp_failed` per window (with the previous window's count) and one
    `auth.otp_failed_repeatedly` when the pair reaches `LOGIN_FAILURE_LIMIT`; django-otp throttles the device."""
    seconds = _window_seconds()
    window = int((time.time() if now is None else now) // seconds)
    return _count_and_audit(_CODES, f"otp\x00{username}", username, ip, window, seconds)
