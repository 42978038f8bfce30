"""Single sign-on pages: start the sign-in at the provider, its callback, "your account has no role here", and
the sign-out that ends the provider's session too.

The first three are public (the person is not signed in yet) and answer 404 while SSO is off. Failures go back
to the login page with a message (sso.FAILURE_MESSAGES) and count as failed logins (sso_accounts.record_failure).
`SignOutView` is every sign-out (`/accounts/logout/`): Django's, plus RP-initiated logout after an SSO sign-in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from dashboard import sso, sso_accounts
from dashboard.sso import FAILURE_MESSAGES, ProviderUnavailable, SsoFailure

_NO_ROLE_SESSION_KEY = "sso_no_role"


def _failed(request: HttpRequest, failure: SsoFailure) -> HttpResponse:
    sso_accounts.record_failure(request, failure)
    if failure.reason == "no_role":
        request.session[_NO_ROLE_SESSION_KEY] = {"identity": failure.identity, "groups": failure.groups[:50]}
        return HttpResponseRedirect(reverse("sso:no_role"))
    messages.error(request, FAILURE_MESSAGES.get(failure.reason, FAILURE_MESSAGES["provider"]))
    return HttpResponseRedirect(reverse("login"))


@method_decorator(login_not_required, name="dispatch")
class SsoLoginView(OIDCAuthenticationRequestView):
    """GET /sso/login/: a redirect to the provider's authorize page (state, nonce and PKCE in the session)."""

    def __init__(self, **kwargs: Any) -> None:  # the endpoint is looked up in get(), where failure is handled
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso.enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso.endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable as exc:
            return _failed(request, SsoFailure("provider", str(exc)))
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SsoCallbackView(OIDCAuthenticationCallbackView):
    """GET /sso/callback/?code=&state=: the provider sends the person back here."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso.enabled():
            raise Http404("Single sign-on is not configured.")
        if request.GET.get("error"):  # the provider refused: forget the state, sign out whoever was signed in
            states = request.session.get("oidc_states") or {}
            if states.pop(request.GET.get("state", ""), None) is not None:
                request.session["oidc_states"] = states
            if request.user.is_authenticated:
                auth.logout(request)
            return _failed(request, SsoFailure("denied", str(request.GET.get("error"))[:100]))
        try:
            return super().get(request)
        except SsoFailure as failure:
            return _failed(request, failure)
        except SuspiciousOperation as exc:  # a state this session never issued
            return _failed(request, SsoFailure("state", str(exc)))

    def login_success(self) -> HttpResponse:
        """Signed in: keep the id_token in the new session, the id_token_hint of the provider's logout."""
        response: HttpResponse = super().login_success()
        id_token = getattr(self.request, "sso_id_token", "")
        if id_token:
            self.request.session[sso.ID_TOKEN_SESSION_KEY] = id_token
        return response

    def login_failure(self) -> HttpResponse:  # no state in the session, or no user came back
        reason = "state" if "oidc_states" not in self.request.session else "token"
        return _failed(self.request, SsoFailure(reason, "the callback could not be completed"))


@login_not_required
def no_role(request: HttpRequest) -> HttpResponse:
    """The page a person whose provider groups map to no role lands on: signed in to nothing."""
    if not sso.enabled():
        raise Http404("Single sign-on is not configured.")
    attempt = request.session.get(_NO_ROLE_SESSION_KEY) or {}
    return render(
        request,
        "registration/sso_no_role.html",
        {
            "provider_name": sso.provider_name(),
            "identity": attempt.get("identity", ""),
            "groups": attempt.get("groups", []),
        },
    )


def _provider_logout(request: HttpRequest) -> str | None:
    """For a session signed in by SSO (with single logout on): the provider's end_session URL, audited
    (`sso.logout`); None for a password session, or when the provider cannot be told (the person is told)."""
    id_token = request.session.get(sso.ID_TOKEN_SESSION_KEY)
    if not id_token or not request.user.is_authenticated or not sso.single_logout():
        return None
    back_to = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    try:
        url = sso.provider_logout_url(str(id_token), back_to)
        reason = "" if url else "the identity provider offers no end_session endpoint"
    except ProviderUnavailable as exc:
        url, reason = None, f"the identity provider could not be reached ({exc})"[:300]
    sso_accounts.record_logout(request.user, provider_url=url, reason=reason)
    if url is None:
        messages.warning(
            request,
            f"You are signed out of Juspay Ops, but {sso.provider_name()} could not be told: your session there "
            "may still be open. Sign out there too, or close the browser.",
        )
    return url


@method_decorator(login_not_required, name="dispatch")
class SignOutView(auth_views.LogoutView):
    """POST /accounts/logout/: signs out here, as Django's LogoutView does (a password session: nothing else).

    After an SSO sign-in, with single logout on, the answer is a page that sends the browser on to the provider's
    end_session endpoint (id_token_hint, post_logout_redirect_uri = the login page, client_id), which ends the
    session there and sends the person back. A page, not a redirect: the pages' CSP lets forms post only to this
    origin, and browsers apply `form-action` to the redirects that follow a form's POST too."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider_url = _provider_logout(request)  # before the session ends
        response: HttpResponse = super().post(request, *args, **kwargs)
        if provider_url is None:
            return response
        # LogoutView's never_cache makes it no-store: the URL carries the id_token.
        context = {"provider_url": provider_url, "provider_name": sso.provider_name()}
        return render(request, "registration/sso_signed_out.html", context)
