"""`/account/tokens/`: a person's personal API tokens (create, shown once; list; revoke), and, for Admin,
everyone's (list and revoke). The rules and the audit records are in dashboard/api_tokens.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dashboard import api_tokens, two_factor
from dashboard.access import SignedInRequest
from dashboard.forms import ApiTokenForm

PAGE = "dashboard/tokens.html"
DEFAULT_DAYS = 30


def _form(request: SignedInRequest, data: Any = None) -> ApiTokenForm:
    days = api_tokens.max_expiry_days()
    initial = {"expires_on": (timezone.now() + timedelta(days=min(DEFAULT_DAYS, days))).date()}
    return ApiTokenForm(data, initial=initial, max_days=days)


def _context(request: SignedInRequest, form: ApiTokenForm, **extra: Any) -> dict[str, Any]:
    tokens = api_tokens.visible_to(request.user)
    return {
        "form": form,
        "mine": list(tokens.filter(user=request.user)[:200]),
        "everyone": list(tokens.exclude(user=request.user)[:500]) if api_tokens.can_manage_all(request.user) else None,
        "now": timezone.now(),
        **extra,
    }


def token_list(request: SignedInRequest) -> HttpResponse:
    """Any signed-in person manages their own tokens (a token can do only what their role may)."""
    return render(request, PAGE, _context(request, _form(request)))


@require_POST
def token_create(request: SignedInRequest) -> HttpResponse:
    form = _form(request, request.POST)
    if not form.is_valid():
        return render(request, PAGE, _context(request, form), status=400)
    refusal = two_factor.why_not_issue_token(request.user, verified=two_factor.is_verified(request.user))
    if refusal:  # the gate sends such a session to the code step first; this holds even without it
        form.add_error(None, refusal)
        return render(request, PAGE, _context(request, form), status=403)
    try:
        issued = api_tokens.issue(request.user, name=form.cleaned_data["name"], expires_at=form.expires_at)
    except api_tokens.TokenError as error:
        form.add_error(None, str(error))
        return render(request, PAGE, _context(request, form), status=400)
    # The secret is in this answer only: never in a URL, a message or the session.
    return render(request, PAGE, _context(request, _form(request), issued=issued))


@require_POST
def token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        token = api_tokens.revoke(pk, actor=request.user)
    except api_tokens.TokenError:
        raise Http404("No such token.") from None  # someone else's token does not exist for you
    messages.success(request, f"Token “{token.name}” ({token.prefix}…) is revoked; it no longer works.")
    return redirect("tokens:list")
