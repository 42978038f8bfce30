"""System checks of production mode (DJANGO_DEBUG=0): strong secrets, and a database role that cannot cut the
audit log.

* `dashboard.E001`-`E003` (Error: `runserver`, `migrate`, `check` and the WSGI application refuse to start):
  `SECRET_KEY`, `AUDIT_HMAC_KEY` or `JUSPAY_WEBHOOK_PASSWORD` is too short, too repetitive, or a value this
  repository ships for development (an empty webhook password is allowed: every webhook is then refused).
* `dashboard.E010` (Error): `MFA_REQUIRED_ROLES` names a role that does not exist.
* `dashboard.W010` (Warning, `check --deploy`, PostgreSQL only): the application's database role may
  TRUNCATE, DELETE or add/drop TRIGGERs on the audit table, or owns it (and so could switch the append-only
  trigger off). See the README's "Audit log" section for the grants to use.
"""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection

from dashboard import sso
from dashboard.models import AuditEvent
from dashboard.roles import ROLES

SECRETS_TAG = "juspay_ops_secrets"

# Values this repository (settings, Makefile, docs) uses outside production, and words that mark a placeholder.
KNOWN_DEV_VALUES = frozenset(
    {
        "dev-only-insecure-key-do-not-use-in-production-3c9f1e2a7b",
        "dev-only-audit-hmac-key",
        "dev-only-webhook-password",
        "check-audit-key",
        "juspay-webhook",
    }
)
PLACEHOLDER_MARKERS = ("dev-only", "insecure", "changeme", "change-me", "do-not-use", "example", "…")


def weakness(value: str, *, min_length: int) -> str:
    """Why a secret is weak, or "" when it is not."""
    if value in KNOWN_DEV_VALUES:
        return "it is a development value published in this repository"
    lowered = value.lower()
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return "it looks like a placeholder"
    if len(value) < min_length:
        return f"it is {len(value)} characters long; use at least {min_length}"
    if len(set(value)) < 10:
        return "it uses fewer than 10 different characters"
    return ""


def _secret_errors() -> list[CheckMessage]:
    found: list[tuple[str, str, str, int]] = [
        ("dashboard.E001", "SECRET_KEY", settings.SECRET_KEY, 50),
        ("dashboard.E002", "AUDIT_HMAC_KEY", settings.AUDIT_HMAC_KEY, 32),
    ]
    if settings.JUSPAY_WEBHOOK_PASSWORD:
        found.append(("dashboard.E003", "JUSPAY_WEBHOOK_PASSWORD", settings.JUSPAY_WEBHOOK_PASSWORD, 20))
    errors: list[CheckMessage] = []
    for code, name, value, min_length in found:
        reason = weakness(value, min_length=min_length)
        if reason:
            errors.append(
                Error(
                    f"{name} is weak: {reason}.",
                    hint=f"Set {name} to a long random value, e.g. `python -c 'import secrets; "
                    f"print(secrets.token_urlsafe(48))'`.",
                    id=code,
                )
            )
    return errors


@register(Tags.security, SECRETS_TAG)
def strong_secrets(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION_MODE:
        return []
    return _secret_errors()


AUDIT_RIGHTS = ("TRUNCATE", "DELETE", "TRIGGER")


def audit_table_rights() -> list[str]:
    """What the connected role may do to the audit table that it should not (PostgreSQL)."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(current_user, %s, 'TRUNCATE'), "
            "has_table_privilege(current_user, %s, 'DELETE'), "
            "has_table_privilege(current_user, %s, 'TRIGGER'), "
            "(SELECT c.relowner = r.oid FROM pg_class c WHERE c.oid = %s::regclass), "
            "r.rolsuper FROM pg_roles r WHERE r.rolname = current_user",
            [table, table, table, table],
        )
        row = cursor.fetchone()
    if row is None:
        return []
    rights = [right for right, held in zip(AUDIT_RIGHTS, row[:3], strict=True) if held]
    if row[3]:
        rights.append("ownership (it can switch the append-only trigger off)")
    if row[4]:
        rights.append("superuser")
    return rights


@register(Tags.security, deploy=True)
def audit_table_role(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION_MODE or connection.vendor != "postgresql":
        return []
    try:
        rights = audit_table_rights()
    except DatabaseError as exc:
        return [Warning(f"Could not read the database role's rights on the audit table: {exc}", id="dashboard.W011")]
    if not rights:
        return []
    return [
        Warning(
            f"The database role {connection.settings_dict.get('USER') or '(default)'} holds "
            f"{', '.join(rights)} on {AuditEvent._meta.db_table}: it could cut the audit log.",
            hint="Run the application as a role that does not own the tables and holds only SELECT and "
            "INSERT on the audit table (README, 'Audit log').",
            id="dashboard.W010",
        )
    ]


@register(Tags.security)
def sso_configuration(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """Single sign-on, when on (OIDC_RP_CLIENT_ID set): a readable role map, a secret, and where the provider is."""
    if not sso.enabled():
        return []
    errors: list[CheckMessage] = []
    try:
        if not sso.role_map():
            errors.append(Error("OIDC_ROLE_MAP is empty: nobody could sign in by SSO.", id="dashboard.E020"))
    except ImproperlyConfigured as exc:
        errors.append(Error(str(exc), id="dashboard.E020"))
    if not settings.OIDC_RP_CLIENT_SECRET:
        errors.append(Error("OIDC_RP_CLIENT_SECRET is not set.", id="dashboard.E021"))
    missing = [name for name in sso.ENDPOINT_SETTINGS if not getattr(settings, name)]
    if missing and not settings.OIDC_OP_DISCOVERY_URL:
        errors.append(
            Error(f"Set OIDC_OP_DISCOVERY_URL, or {', '.join(missing)}.", id="dashboard.E022"),
        )
    return errors


def two_factor_roles(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """`dashboard.E010`: MFA_REQUIRED_ROLES names a role that does not exist (a typo would require nobody)."""
    unknown = sorted(set(getattr(settings, "MFA_REQUIRED_ROLES", ())) - set(ROLES))
    if not unknown:
        return []
    return [
        Error(
            f"MFA_REQUIRED_ROLES names unknown role(s): {', '.join(unknown)}.",
            hint=f"Use a comma-separated list of {', '.join(ROLES)} (or leave it empty for none).",
            id="dashboard.E010",
        )
    ]
