"""The authentication backend of single sign-on: mozilla-django-oidc's code flow, with our checks and accounts.

Always in AUTHENTICATION_BACKENDS; it acts only on the SSO callback URL while SSO is on, so a password
sign-in never reaches the provider. On top of the library it:

- takes the endpoints from discovery (dashboard/sso.py) when they are not set one by one;
- checks the id_token's issuer and audience (the library checks the signature, expiry and nonce) and that the
  userinfo answer is about the same subject;
- lets sso_accounts decide who the person is and which role they get;
- turns every way the flow can fail (the provider down, a bad token, refused claims) into an SsoFailure with a
  reason, which the callback view shows on the login page and counts as a failed login.
"""

from __future__ import annotations

from typing import Any

import jwt
import requests
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from dashboard import sso, sso_accounts
from dashboard.sso import ProviderUnavailable, SsoFailure

CALLBACK_VIEW = "sso:callback"


class SsoBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # endpoints are read when a callback needs them
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def _configure(self) -> None:
        self.OIDC_OP_TOKEN_ENDPOINT = sso.endpoint("OIDC_OP_TOKEN_ENDPOINT")
        self.OIDC_OP_USER_ENDPOINT = sso.endpoint("OIDC_OP_USER_ENDPOINT")
        self.OIDC_OP_JWKS_ENDPOINT = sso.endpoint("OIDC_OP_JWKS_ENDPOINT")
        self.OIDC_OP_ISSUER = sso.endpoint("OIDC_OP_ISSUER")
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        self.OIDC_RP_CLIENT_SECRET = self.get_settings("OIDC_RP_CLIENT_SECRET")
        self.OIDC_RP_SIGN_ALGO = self.get_settings("OIDC_RP_SIGN_ALGO", "RS256")
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        match = getattr(request, "resolver_match", None)
        if request is None or not sso.enabled() or match is None or match.view_name != CALLBACK_VIEW:
            return None
        try:
            self._configure()
            return super().authenticate(request, **kwargs)
        except SsoFailure:
            raise
        except ProviderUnavailable as exc:
            raise SsoFailure("provider", str(exc)) from exc
        except requests.RequestException as exc:
            raise SsoFailure("provider", str(exc)) from exc
        except (SuspiciousOperation, jwt.PyJWTError) as exc:
            raise SsoFailure("token", str(exc)) from exc
        except (ValueError, KeyError, TypeError) as exc:  # a JSON answer without what the protocol requires
            raise SsoFailure("provider", f"unusable answer: {exc!r}") from exc

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(token, str) or not token:
            raise SuspiciousOperation("the token answer has no id_token")
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        if "nonce" not in kwargs:  # a signed userinfo answer: no iss/aud rules of its own
            return payload
        if payload.get("iss") != self.OIDC_OP_ISSUER:
            raise SuspiciousOperation(f"id_token issuer {payload.get('iss')!r} is not {self.OIDC_OP_ISSUER!r}")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("id_token is not meant for this client (aud)")
        if "exp" not in payload:
            raise SuspiciousOperation("id_token has no expiry")
        return payload

    def store_tokens(self, access_token: str, id_token: str) -> None:
        """Keep the verified id_token on the request only: the callback view puts it in the session once the
        person is signed in (a refused sign-in leaves nothing behind for a later password session)."""
        self.request.sso_id_token = id_token

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict):
            raise SsoFailure("provider", "userinfo is not a JSON object")
        if userinfo.get("sub") != payload.get("sub"):
            raise SsoFailure("token", "userinfo is about another subject than the id_token")
        claims = {**payload, **userinfo}
        if sso.groups_from_claims(userinfo) == [] and sso.groups_from_claims(payload):
            claims[str(self.get_settings("OIDC_GROUPS_CLAIM", "groups"))] = sso.groups_from_claims(payload)
        return sso_accounts.sign_in(claims, issuer=self.OIDC_OP_ISSUER)
