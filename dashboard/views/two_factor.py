"""Two-factor sign-in pages: the code step after the password, enrolment (QR, secret, confirm, recovery codes
shown once), removal and new recovery codes. Rules and audit records: dashboard/two_factor.py; who may reach
what while a step is owed: dashboard/two_factor_gate.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from dashboard import login_failures, request_context, two_factor
from dashboard.access import SignedInRequest

WRONG_CODE = "That code is not right. Enter the current code from your app, or a recovery code."


class CodeForm(forms.Form):
    code = forms.CharField(max_length=40, strip=True, label="Code")


def _next_url(request: SignedInRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return "/"


def verify(request: SignedInRequest) -> HttpResponse:
    """The code step: a code from the authenticator app, or one recovery code."""
    if two_factor.step_needed(request) != two_factor.VERIFY or not two_factor.remember(request.session, request.user):
        return redirect(_next_url(request))  # nothing to verify (or the factor was reset meanwhile): go on
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify_code(request.user, form.cleaned_data["code"])
        except two_factor.CodeError as error:
            device = None
            form.add_error("code", str(error))
        else:
            if device is None:
                form.add_error("code", WRONG_CODE)
        if device is not None:
            two_factor.passed(request, device)
            return redirect(_next_url(request))
        login_failures.record_code_failure(request.user.get_username(), request_context.client_ip(request))
        status = 400
    elif request.method == "POST":
        status = 400
    context = {"form": form, "next": _next_url(request), "two_factor_step": True}
    return render(request, "two_factor/verify.html", context, status=status)


def _codes_page(request: SignedInRequest, codes: list[str], *, new: bool) -> HttpResponse:
    return render(request, "two_factor/recovery_codes.html", {"codes": codes, "enrolled_now": new})


def enrol(request: SignedInRequest) -> HttpResponse:
    """Set up an authenticator: scan the QR code (or type the secret), confirm with a code, keep the codes."""
    if two_factor.has_authenticator(request.user):
        two_factor.remember(request.session, request.user)
        messages.info(request, "Two-factor sign-in is already set up.")
        return redirect("account")
    gated = two_factor.step_needed(request) == two_factor.ENROL
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.confirm_enrolment(request.user, form.cleaned_data["code"])
        except two_factor.CodeError as error:
            form.add_error("code", str(error))
        else:
            otp_login(request, device)
            request.session[two_factor.ENROLLED_SESSION_KEY] = True
            return _codes_page(request, codes, new=True)
    if request.method == "POST":
        status = 400
    context: dict[str, Any] = {
        "form": form,
        "enrolment": two_factor.enrolment_for(two_factor.pending_authenticator(request.user)),
        "required": gated,
        "two_factor_step": gated,
    }
    return render(request, "two_factor/enrol.html", context, status=status)


@require_POST
def remove(request: SignedInRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    try:
        if not form.is_valid():
            raise two_factor.CodeError("Enter a current code to remove two-factor sign-in.")
        two_factor.remove(request.user, form.cleaned_data["code"])
    except two_factor.CodeError as error:
        messages.error(request, f"Not removed: {error}")
    else:
        two_factor.forget_device(request.session)
        two_factor.remember(request.session, request.user)
        messages.success(request, "Two-factor sign-in is off; your authenticator and recovery codes no longer work.")
    return redirect("account")


@require_POST
def recovery_codes(request: SignedInRequest) -> HttpResponse:
    try:
        codes = two_factor.renew_recovery_codes(request.user)
    except two_factor.CodeError as error:
        messages.error(request, str(error))
        return redirect("account")
    return _codes_page(request, codes, new=False)
