"""Every URL of the project, requested as anonymous and as each role, against the expected-access table.

A URL pattern missing from ACCESS fails the test: no page, fragment or endpoint can skip a decision.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dashboard.roles import ADMIN, FINANCE, MANAGER, ROLES, SUPPORT

ANON = "anonymous"
NO_ROLE = "no-role"
IDENTITIES = (ANON, NO_ROLE, *ROLES)
SIGNED_IN = (NO_ROLE, *ROLES)


@dataclass(frozen=True)
class Access:
    allowed: tuple[str, ...]  # identities that get `ok`
    method: str = "get"
    ok: int = 200
    denied: int = 403  # what a signed-in identity outside `allowed` gets
    anonymous: int | None = None  # what anonymous gets when not in allowed (default: redirect to login)
    kwargs: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda ctx: {})
    data: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda ctx: {})

    def expected(self, identity: str) -> int:
        if identity in self.allowed:
            return self.ok
        if identity == ANON:
            return self.anonymous if self.anonymous is not None else 302
        return self.denied


def only(*roles: str, **options: Any) -> Access:
    return Access(allowed=roles, **options)


ACCESS: dict[str, Access] = {
    "home": only(*SIGNED_IN),
    "healthz": only(*IDENTITIES),
    "login": Access(allowed=(ANON,), denied=302),  # signed-in users are sent on to the home page
    "logout": Access(allowed=IDENTITIES, method="post", ok=302),
    "audit:list": only(MANAGER, ADMIN),
    "audit:export": only(MANAGER, ADMIN),
    "people:list": only(ADMIN),
    "people:set_role": only(ADMIN, method="post", ok=302,
                            kwargs=lambda ctx: {"user_id": ctx["target"].pk},
                            data=lambda ctx: {f"{ctx['target'].pk}-role": SUPPORT}),
    "merchants:list": only(ADMIN),
    "merchants:add": only(ADMIN),
    # Juspay's webhooks authenticate with Basic auth, never a session: without it everyone gets 401.
    "orders:webhook": Access(allowed=IDENTITIES, method="post", ok=401),
    "merchants:edit": only(ADMIN, kwargs=lambda ctx: {"pk": ctx["merchant"].pk}),
}


def _walk(patterns: list, namespace: str = "") -> list[str]:
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            names += _walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(namespace + entry.name)
        elif isinstance(entry, URLPattern):
            names.append(f"{namespace}<unnamed {entry.pattern}>")
    return names


def all_url_names() -> list[str]:
    return _walk(get_resolver().url_patterns)


def test_every_url_pattern_has_an_access_decision():
    names = all_url_names()
    missing = sorted(set(names) - set(ACCESS))
    stale = sorted(set(ACCESS) - set(names))
    assert not missing, f"URL patterns without an entry in the role-matrix table: {missing}"
    assert not stale, f"Role-matrix entries for URLs that no longer exist: {stale}"


@pytest.fixture
def matrix_context(db, make_user):
    from dashboard.merchants import default_merchant

    return {"target": make_user(FINANCE, username="target-person"), "merchant": default_merchant()}


@pytest.mark.django_db
@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("url_name", sorted(ACCESS))
def test_role_matrix(client, make_user, matrix_context, url_name, identity):
    access = ACCESS[url_name]
    if identity != ANON:
        client.force_login(make_user(None if identity == NO_ROLE else identity))
    url = reverse(url_name, kwargs=access.kwargs(matrix_context))
    response = getattr(client, access.method)(url, data=access.data(matrix_context))
    expected = access.expected(identity)
    assert response.status_code == expected, (
        f"{identity} {access.method.upper()} {url}: got {response.status_code}, expected {expected}"
    )
    if expected == 302 and identity == ANON and ANON not in access.allowed:
        assert response["Location"].startswith("/accounts/login/")
