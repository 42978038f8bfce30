"""Signal receivers: logins, logouts and failed logins (aggregated) go to the audit log; roles follow `migrate`."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.http import HttpRequest

from dashboard import audit, login_failures, request_context, session_idle, sso, two_factor, user_time_zone
from dashboard.merchants import ensure_default_merchant
from dashboard.roles import ensure_roles


@receiver(user_logged_in)
def _login(sender: type, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    audit.record("auth.login", actor=user, obj=user, summary=f"{user.get_username()} logged in")
    if request is not None and hasattr(request, "session"):
        session_idle.stamp(request.session)
        user_time_zone.remember(request.session, user)
        two_factor.remember(request.session, user)  # whether the code step follows (dashboard/two_factor_gate.py)
        request.session.pop(sso.ID_TOKEN_SESSION_KEY, None)  # an SSO sign-in sets it again (views/sso.py)


@receiver(user_logged_out)
def _logout(sender: type, request: HttpRequest | None, user: AbstractBaseUser | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record("auth.logout", actor=user, obj=user, summary=f"{user.get_username()} logged out")


@receiver(user_login_failed)
def _login_failed(sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    ip = request_context.client_ip(request) if request is not None else request_context.current().ip
    login_failures.record_failure(username, ip)  # aggregated per username, address and window


@receiver(post_migrate)
def _after_migrate(sender: Any, **kwargs: Any) -> None:
    # Runs once per migrated app; permissions of apps not yet migrated are picked up on a later call.
    ensure_roles(strict=False)
    if sender.name == "dashboard":
        ensure_default_merchant()
