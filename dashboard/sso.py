"""Single sign-on through OpenID Connect: its configuration, the group-to-role map and the provider's endpoints.

Off unless `OIDC_RP_CLIENT_ID` is set (dashboard/settings.py, the README's "Single sign-on"). The flow itself is
mozilla-django-oidc's (views/sso.py, sso_backend.py); who the person is here and which role they get is
decided in sso_accounts.py. This module holds no audit and no users: it reads settings and the provider.

- `role_map()` reads `OIDC_ROLE_MAP` ("ops-support=Support,ops-finance=Finance,..."): group name → role.
- `role_for_groups(groups)`: the role the groups give; with several, the highest of `roles.ROLE_PRECEDENCE`
  (a person has one role here); None when no group maps, which signs them in to nothing.
- `endpoint(name)`: an endpoint set on its own (`OIDC_OP_TOKEN_ENDPOINT`, ...) or read from the discovery
  document at `OIDC_OP_DISCOVERY_URL`, kept in the Django cache for an hour; `ProviderUnavailable` when the
  provider cannot be reached or its document lacks the endpoint.
- `provider_logout_url(id_token, back_to)`: where to send the browser to end the provider's session too
  (RP-initiated logout: `end_session_endpoint` with `id_token_hint`, `post_logout_redirect_uri`, `client_id`);
  None when single logout is off or the provider offers no end_session endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from dashboard.roles import ROLE_PRECEDENCE, ROLES

DISCOVERY_CACHE_SECONDS = 3600
# The session key holding the id_token of an SSO sign-in, for the provider's logout (its id_token_hint). Set by
# views/sso.py after the sign-in, dropped at every other sign-in (signals.py); a password session never has one.
ID_TOKEN_SESSION_KEY = "sso_id_token"

# Setting name → the discovery document's key, for the endpoints that may come from discovery.
ENDPOINT_SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_ISSUER": "issuer",
}


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered something unusable."""


class SsoFailure(Exception):
    """An SSO sign-in that cannot go on; `reason` is one of FAILURE_MESSAGES' keys."""

    def __init__(self, reason: str, detail: str = "", *, identity: str = "", groups: Iterable[str] = ()) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.identity = identity
        self.groups = list(groups)


# What the login page says for each failure (never the provider's own text, which the page would reflect).
FAILURE_MESSAGES = {
    "state": "Single sign-on could not be completed: the sign-in request expired or did not come from this "
    "browser. Please try again.",
    "denied": "The identity provider did not sign you in (it refused or was cancelled).",
    "provider": "The identity provider could not be reached or gave an unusable answer. Please try again in a "
    "few minutes, or sign in with your password.",
    "token": "The identity provider's answer could not be verified, so you were not signed in.",
    "claims": "The identity provider did not say who you are (no subject or email), so you were not signed in.",
    "ambiguous": "More than one account here has your email address. Ask an Admin to link your account.",
    "admin_email": "An Admin account here has your email address; it cannot be taken over by single sign-on. "
    "Ask another Admin to link it, or sign in with your password.",
    "inactive": "Your account here is disabled.",
    "no_role": "Your account has no role here.",
}


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


def provider_name() -> str:
    return str(settings.OIDC_PROVIDER_NAME)


def parse_role_map(text: str) -> dict[str, str]:
    """'ops-support=Support, ops-finance=Finance' → {'ops-support': 'Support', 'ops-finance': 'Finance'}.

    Role names are matched without regard to case; an unknown role or an entry without '=' is a configuration
    error (raised, so a typo never silently gives nobody a role). A group may appear once.
    """
    by_lower = {role.lower(): role for role in ROLES}
    mapping: dict[str, str] = {}
    for entry in text.split(","):
        entry = entry.strip()
        if not entry:
            continue
        group, sep, role = entry.rpartition("=")
        group, role = group.strip(), role.strip()
        if not sep or not group:
            raise ImproperlyConfigured(f"OIDC_ROLE_MAP: {entry!r} is not group=Role")
        if role.lower() not in by_lower:
            raise ImproperlyConfigured(f"OIDC_ROLE_MAP: {role!r} is not a role (one of {', '.join(ROLES)})")
        if group in mapping:
            raise ImproperlyConfigured(f"OIDC_ROLE_MAP: group {group!r} is mapped twice")
        mapping[group] = by_lower[role.lower()]
    return mapping


def role_map() -> dict[str, str]:
    return parse_role_map(str(settings.OIDC_ROLE_MAP))


def groups_from_claims(claims: dict[str, Any]) -> list[str]:
    """The groups claim (`OIDC_GROUPS_CLAIM`) as a list of strings: a list, or one string, or nothing."""
    value = claims.get(settings.OIDC_GROUPS_CLAIM)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def role_for_groups(groups: Iterable[str], mapping: dict[str, str] | None = None) -> str | None:
    mapping = role_map() if mapping is None else mapping
    granted = {mapping[group] for group in groups if group in mapping}
    for role in ROLE_PRECEDENCE:
        if role in granted:
            return role
    return None


def _discovery() -> dict[str, Any]:
    url = str(settings.OIDC_OP_DISCOVERY_URL)
    key = "juspay-ops:oidc-discovery:" + url
    document = cache.get(key)
    if isinstance(document, dict):
        return document
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"discovery document at {url}: {exc}") from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"discovery document at {url} is not a JSON object")
    cache.set(key, document, timeout=DISCOVERY_CACHE_SECONDS)
    return document


def endpoint(setting_name: str) -> str:
    """The provider URL a setting names, from the setting or the discovery document."""
    value = str(getattr(settings, setting_name, "") or "")
    if value:
        return value
    if not settings.OIDC_OP_DISCOVERY_URL:
        raise ProviderUnavailable(f"{setting_name} is not set and there is no OIDC_OP_DISCOVERY_URL")
    found = _discovery().get(ENDPOINT_SETTINGS[setting_name])
    if not isinstance(found, str) or not found:
        raise ProviderUnavailable(f"the discovery document has no {ENDPOINT_SETTINGS[setting_name]}")
    return found


def single_logout() -> bool:
    """Whether signing out after an SSO sign-in ends the provider's session too."""
    return enabled() and bool(getattr(settings, "OIDC_SINGLE_LOGOUT", True))


def end_session_endpoint() -> str | None:
    """The provider's end_session endpoint: `OIDC_OP_LOGOUT_ENDPOINT`, else the discovery document's
    `end_session_endpoint`; None when neither names one (a provider without RP-initiated logout).
    `ProviderUnavailable` when the discovery document cannot be read."""
    value = str(getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", "") or "")
    if value:
        return value
    if not settings.OIDC_OP_DISCOVERY_URL:
        return None
    found = _discovery().get("end_session_endpoint")
    return found if isinstance(found, str) and found.startswith(("https://", "http://")) else None


def provider_logout_url(id_token: str, back_to: str) -> str | None:
    """The end_session URL that ends the provider's session of the person this id_token names and sends the
    browser back to `back_to` (an absolute URL registered at the provider as a post-logout redirect URI);
    None when single logout is off or the provider has no end_session endpoint."""
    if not single_logout() or not id_token:
        return None
    found = end_session_endpoint()
    if found is None:
        return None
    parts = urlsplit(found)
    query = [
        *parse_qsl(parts.query, keep_blank_values=True),
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", back_to),
        ("client_id", str(settings.OIDC_RP_CLIENT_ID)),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
