"""Personal API tokens: issue (the secret shown once), look up, mark used, revoke.

The scheme is django-rest-knox's: a random secret, of which only a SHA-256 digest and a short prefix are
stored, so a copy of the database gives no usable token. Issuing and revoking are audited in the same
transaction. A token lives until its expiry (required, at most API_TOKEN_MAX_DAYS) or its revocation.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dashboard import audit
from dashboard.models import ApiToken

TOKEN_PREFIX = "jops_"
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8  # what a person sees of a token: "jops_" and 8 characters
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most once a minute per token


class TokenError(ValueError):
    """A token cannot be issued or revoked as asked; the message says why."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole token: shown to its owner once, never stored


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def max_expiry_days() -> int:
    return int(settings.API_TOKEN_MAX_DAYS)


def issue(user: User, *, name: str, expires_at: datetime) -> IssuedToken:
    """Create a token for `user` (who asked for it); the secret is returned once."""
    now = timezone.now()
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name, e.g. the script that will use it.")
    if expires_at <= now:
        raise TokenError("The expiry must be in the future.")
    if expires_at > now + timedelta(days=max_expiry_days()):
        raise TokenError(f"A token may live at most {max_expiry_days()} days.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:100], prefix=secret[:PREFIX_LENGTH], digest=digest_of(secret), expires_at=expires_at
        )
        audit.record(
            "api_token.create",
            actor=user,
            obj=token,
            after={"name": token.name, "prefix": token.prefix, "expires_at": expires_at.isoformat()},
            summary=f"API token {token.name!r} ({token.prefix}…) created, expires {expires_at:%Y-%m-%d %H:%M} UTC",
        )
    return IssuedToken(token=token, secret=secret)


def find_active(secret: str) -> ApiToken | None:
    """The unrevoked, unexpired token whose digest matches `secret`, with its user; None otherwise."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
    if token is None or token.revoked_at is not None or token.expires_at <= timezone.now():
        return None
    if not secrets.compare_digest(token.digest, digest_of(secret)):
        return None
    return token


def mark_used(token: ApiToken) -> None:
    """Stamp last_used_at, at most once a minute (a conditional UPDATE: concurrent requests write once)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now


def can_manage_all(user: User) -> bool:
    return user.has_perm("dashboard.manage_api_tokens")


def visible_to(user: User) -> QuerySet[ApiToken]:
    """The tokens `user` may list: their own, or everyone's for Admin."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    return tokens if can_manage_all(user) else tokens.filter(user=user)


def revoke(token_id: int, *, actor: User) -> ApiToken:
    """Revoke a token: its owner may, and Admin may revoke anyone's. Revoking twice changes nothing."""
    with transaction.atomic():
        token = visible_to(actor).select_for_update(of=("self",)).filter(pk=token_id).first()
        if token is None:
            raise TokenError("No such token.")
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            "api_token.revoke",
            actor=actor,
            obj=token,
            before={"revoked": False},
            after={"revoked": True, "owner": token.user.get_username()},
            summary=f"API token {token.name!r} ({token.prefix}…) of {token.user.get_username()} revoked",
        )
    return token
