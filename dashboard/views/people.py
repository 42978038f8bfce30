from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dashboard import merchant_scope, two_factor, two_factor_resets
from dashboard.access import SignedInRequest, requires
from dashboard.models import Merchant, MerchantAccess
from dashboard.people import MerchantLimitError, change_role, limit_merchants
from dashboard.roles import ROLES, role_of
from dashboard.views.proposal_actions import act_and_redirect


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[("", "— no role —"), *[(r, r) for r in ROLES]], required=False)


class MerchantsForm(forms.Form):
    """The merchants a person is limited to; none ticked: every merchant."""

    merchants = forms.ModelMultipleChoiceField(
        queryset=Merchant.objects.order_by("code"),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Limited to",
    )


def _row(person: User, limits: dict[int, list[Merchant]], **extra: Any) -> dict[str, Any]:
    """One line of the people table: the person, their role and merchants, and the forms to change them."""
    role = role_of(person)
    mine = limits.get(person.pk, [])
    return {
        "user": person,
        "role": role,
        "form": RoleForm(initial={"role": role}, prefix=str(person.pk)),
        "merchants": mine,
        "merchants_form": MerchantsForm(initial={"merchants": mine}, prefix=f"m{person.pk}"),
        **extra,
    }


def _limits(people: list[User]) -> dict[int, list[Merchant]]:
    found: dict[int, list[Merchant]] = {}
    rows = MerchantAccess.objects.filter(user__in=people).select_related("merchant").order_by("merchant__code")
    for row in rows:
        found.setdefault(row.user_id, []).append(row.merchant)
    return found


def _context(request: SignedInRequest) -> dict[str, Any]:
    return {"may_limit": not merchant_scope.is_limited(request.user)}


@requires("dashboard.manage_roles")
def people_list(request: SignedInRequest) -> HttpResponse:
    people = list(User.objects.order_by("username").prefetch_related("groups"))
    limits = _limits(people)
    enrolled = two_factor.enrolled_user_ids([person.pk for person in people])
    resets = [(reset, two_factor_resets.why_not_approve(request.user, reset)) for reset in two_factor_resets.pending()]
    waiting = {reset.person_id for reset, _ in resets}
    rows = [
        _row(person, limits, two_factor=person.pk in enrolled, reset_waits=person.pk in waiting) for person in people
    ]
    return render(request, "dashboard/people.html", {"people": rows, "resets": resets, **_context(request)})


def _answer_row(request: SignedInRequest, person: User, message: str) -> HttpResponse:
    if request.htmx:
        person = User.objects.prefetch_related("groups").get(pk=person.pk)
        enrolled = bool(two_factor.enrolled_user_ids([person.pk]))
        waits = any(reset.person_id == person.pk for reset in two_factor_resets.pending())
        row = _row(person, _limits([person]), saved=True, two_factor=enrolled, reset_waits=waits)
        return render(request, "dashboard/people.html#person", {"person": row, **_context(request)})
    messages.success(request, message)
    return redirect("people:list")


@requires("dashboard.manage_roles")
@require_POST
def set_user_role(request: SignedInRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    form = RoleForm(request.POST, prefix=str(person.pk))
    if not form.is_valid():
        return HttpResponse(f"Invalid role: {form.errors.as_text()}", status=400, content_type="text/plain")
    new_role = form.cleaned_data["role"] or None
    change_role(person, new_role, actor=request.user)
    return _answer_row(request, person, f"{person.get_username()} is now {new_role or 'without a role'}.")


@requires("dashboard.manage_roles")
@require_POST
def set_user_merchants(request: SignedInRequest, user_id: int) -> HttpResponse:
    """Limit a person to the merchants ticked (none: every merchant). Only an Admin without a limit may."""
    person = get_object_or_404(User, pk=user_id)
    form = MerchantsForm(request.POST, prefix=f"m{person.pk}")
    if not form.is_valid():
        return HttpResponse(f"Invalid merchants: {form.errors.as_text()}", status=400, content_type="text/plain")
    chosen = list(form.cleaned_data["merchants"])
    try:
        limit_merchants(person, chosen, actor=request.user)
    except MerchantLimitError as error:
        return HttpResponse(str(error), status=403, content_type="text/plain")
    codes = ", ".join(m.code for m in chosen)
    return _answer_row(request, person, f"{person.get_username()} now sees {codes or 'every merchant'}.")


@requires("dashboard.manage_roles")
@require_POST
def propose_factor_reset(request: SignedInRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    return act_and_redirect(
        request,
        lambda: two_factor_resets.propose(person, actor=request.user, reason=request.POST.get("reason", "")),
        refused=two_factor_resets.ResetError,
        not_done="Not proposed",
        done=lambda _reset: f"The reset of {person.get_username()}'s second factor waits for another Admin.",
        to="people:list",
    )


@requires("dashboard.manage_roles")
@require_POST
def approve_factor_reset(request: SignedInRequest, pk: int) -> HttpResponse:
    return act_and_redirect(
        request,
        lambda: two_factor_resets.approve(pk, actor=request.user),
        refused=two_factor_resets.ResetError,
        not_done="Not approved",
        done=lambda reset: f"{reset.person.get_username()}'s second factor is reset; they set it up again.",
        to="people:list",
    )


@requires("dashboard.manage_roles")
@require_POST
def reject_factor_reset(request: SignedInRequest, pk: int) -> HttpResponse:
    return act_and_redirect(
        request,
        lambda: two_factor_resets.reject(pk, actor=request.user),
        refused=two_factor_resets.ResetError,
        not_done="Not rejected",
        done=lambda reset: f"The reset of {reset.person.get_username()}'s second factor is {reset.state}.",
        to="people:list",
    )
