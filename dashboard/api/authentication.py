"""`Authorization: Bearer <token>` with a personal API token (dashboard.api_tokens).

A token acts as its user, with the user's role and no more: permissions are read from the user as for a
page. A missing, unknown, expired or revoked token, or one whose user is inactive, is a 401 problem.
DRF's SessionAuthentication (with its CSRF check) stays on after this one, for the browser.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from dashboard import api_tokens
from dashboard.models import ApiToken

KEYWORD = b"bearer"


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be `Bearer <token>`.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token holds characters no token has.") from None
        token = api_tokens.find_active(secret)
        if token is None:
            raise exceptions.AuthenticationFailed("The token is unknown, expired or revoked.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is inactive.")
        api_tokens.mark_used(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token in the OpenAPI schema (drf-spectacular finds it by the class path)."""

    target_class = "dashboard.api.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, created on /account/tokens/ (shown once).",
        }
