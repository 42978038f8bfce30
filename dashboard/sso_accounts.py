"""Who an SSO sign-in is here, and which role they get: the one place SSO creates, links or re-roles a user.

The rule that matches a provider's account to a local user (the README's "Single sign-on" says the same):

1. The issuer and subject (`iss`, `sub`) already linked (`SsoIdentity`): that user, always.
2. Otherwise, with `OIDC_LINK_BY_EMAIL` on, the provider says the email is verified (`email_verified` true)
   and exactly one local user has that email (case ignored): that user is linked, unless they are an Admin or
   a superuser, whom an email claim never takes over unless `OIDC_LINK_ADMINS_BY_EMAIL` is on.
3. Otherwise a new user is created (no usable password), named after `OIDC_USERNAME_CLAIM` (else the email's
   local part), with a suffix when that name is taken: a username claim never takes over a local user.

On every SSO sign-in the role is set from the groups claim (sso.role_for_groups). Groups that map to no role
remove the person's role and sign them in to nothing; no user is created for them. Linking, creation, role
changes and the sign-in itself are audited in the same transaction.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from dashboard import audit, sso
from dashboard.models import SsoIdentity
from dashboard.roles import ADMIN, role_of, set_role
from dashboard.sso import SsoFailure

_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


def identity_label(claims: dict[str, Any]) -> str:
    """What the audit log and the throttle call this person: email, else username claim, else subject."""
    for key in ("email", sso_username_claim(), "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value:
            return value[:150]
    return "sso"


def sso_username_claim() -> str:
    return str(settings.OIDC_USERNAME_CLAIM)


def _is_local_admin(user: User) -> bool:
    return user.is_superuser or role_of(user) == ADMIN


def _match_by_email(claims: dict[str, Any], label: str, groups: list[str]) -> User | None:
    email = claims.get("email")
    if not settings.OIDC_LINK_BY_EMAIL or not isinstance(email, str) or not email:
        return None
    if claims.get("email_verified") is not True:
        return None
    users = list(User.objects.filter(email__iexact=email)[:2])
    if len(users) > 1:
        raise SsoFailure("ambiguous", f"several users have {email}", identity=label, groups=groups)
    if not users:
        return None
    user = users[0]
    if _is_local_admin(user) and not settings.OIDC_LINK_ADMINS_BY_EMAIL:
        raise SsoFailure("admin_email", f"{user.username} is an Admin", identity=label, groups=groups)
    return user


def _free_username(claims: dict[str, Any]) -> str:
    wanted = claims.get(sso_username_claim())
    if not isinstance(wanted, str) or not wanted.strip():
        email = claims.get("email")
        wanted = email.split("@", 1)[0] if isinstance(email, str) and email else f"sso-{claims['sub']}"
    base = _USERNAME_UNSAFE.sub("-", wanted.strip())[:140] or "sso-user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-sso{n if n > 2 else ''}"
    return candidate


def _names(claims: dict[str, Any]) -> dict[str, str]:
    fields = {}
    for field, claim in (("first_name", "given_name"), ("last_name", "family_name"), ("email", "email")):
        value = claims.get(claim)
        if isinstance(value, str) and value:
            fields[field] = value[: User._meta.get_field(field).max_length]  # type: ignore[union-attr]
    return fields


def sign_in(claims: dict[str, Any], *, issuer: str) -> User:
    """The user these verified claims sign in, with their role synced; SsoFailure when they may not sign in."""
    subject = claims.get("sub")
    label = identity_label(claims)
    groups = sso.groups_from_claims(claims)
    if not isinstance(subject, str) or not subject:
        raise SsoFailure("claims", "no sub claim", identity=label, groups=groups)
    role = sso.role_for_groups(groups)
    with transaction.atomic():
        linked = SsoIdentity.objects.select_for_update().select_related("user")
        identity = linked.filter(issuer=issuer, subject=subject).first()
        if identity is not None:
            user = identity.user
        else:
            user_or_none = _match_by_email(claims, label, groups)
            if user_or_none is None and role is None:
                raise SsoFailure("no_role", "no group maps to a role", identity=label, groups=groups)
            if user_or_none is None:
                user = User.objects.create_user(_free_username(claims), password=None, **_names(claims))
                audit.record(
                    "sso.user_created",
                    actor=user,
                    obj=user,
                    after={"username": user.username, "issuer": issuer, "subject": subject},
                    summary=f"{user.username} created at first single sign-on ({label})",
                )
            else:
                user = user_or_none
                audit.record(
                    "sso.linked",
                    actor=user,
                    obj=user,
                    after={"issuer": issuer, "subject": subject, "matched_by": "verified email"},
                    summary=f"{user.username} linked to the provider's account {label} by verified email",
                )
            identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        if not user.is_active:
            raise SsoFailure("inactive", f"{user.username} is inactive", identity=label, groups=groups)
        names = _names(claims)
        if any(getattr(user, field) != value for field, value in names.items()):
            User.objects.filter(pk=user.pk).update(**names)
            for field, value in names.items():
                setattr(user, field, value)
        before = role_of(user)
        if before != (role or ""):
            set_role(user, role)
            audit.record(
                "sso.role_synced",
                actor=user,
                obj=user,
                before={"role": before},
                after={"role": role or "", "groups": groups},
                summary=f"{user.username}: {before or 'no role'} → {role or 'no role'} from the provider's groups",
            )
        identity.email = str(claims.get("email") or "")[:254]
        identity.groups = groups
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["email", "groups", "last_login_at"])
        if role is not None:
            audit.record(
                "sso.login",
                actor=user,
                obj=user,
                after={"issuer": issuer, "subject": subject, "groups": groups, "role": role},
                summary=f"{user.username} signed in through {sso.provider_name()} as {role}",
            )
    if role is None:  # the role removal above is committed; the person is signed in to nothing
        raise SsoFailure("no_role", "no group maps to a role", identity=label, groups=groups)
    return user


def record_logout(user: User, *, provider_url: str | None, reason: str = "") -> None:
    """An SSO session's sign-out (before the usual `auth.logout`): whether the browser goes on to the provider's
    end_session endpoint (its host, never the URL, which carries the id_token), or why not."""
    host = urlsplit(provider_url).netloc if provider_url else ""
    audit.record(
        "sso.logout",
        actor=user,
        obj=user,
        after={"at_provider": bool(provider_url), "endpoint_host": host, "reason": reason},
        summary=(
            f"{user.username} signed out; sent to {host} to end the {sso.provider_name()} session too"
            if provider_url
            else f"{user.username} signed out here only: {reason}"
        ),
    )


def record_failure(request: HttpRequest, failure: SsoFailure) -> None:
    """A failed SSO sign-in counts as a failed login: the throttle and the aggregated audit see it
    (dashboard/signals.py → login_failures.record_failure), once per attempt."""
    if getattr(request, "axes_locked_out", False):
        return  # already refused and counted by the throttle
    username = f"sso:{failure.identity}" if failure.identity else "sso"
    user_login_failed.send(sender=__name__, credentials={"username": username[:150]}, request=request)
