from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dashboard import two_factor, two_factor_resets
from dashboard.access import SignedInRequest, requires
from dashboard.people import change_role
from dashboard.roles import ROLES, role_of


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[("", "— no role —"), *[(r, r) for r in ROLES]], required=False)


def _row(person: User, **extra: Any) -> dict[str, Any]:
    """One line of the people table: the person, their role, and a form to change it."""
    role = role_of(person)
    return {"user": person, "role": role, "form": RoleForm(initial={"role": role}, prefix=str(person.pk)), **extra}


@requires("dashboard.manage_roles")
def people_list(request: SignedInRequest) -> HttpResponse:
    people = list(User.objects.order_by("username").prefetch_related("groups"))
    enrolled = two_factor.enrolled_user_ids([person.pk for person in people])
    resets = [(reset, two_factor_resets.why_not_approve(request.user, reset)) for reset in two_factor_resets.pending()]
    waiting = {reset.person_id for reset, _ in resets}
    rows = [_row(person, two_factor=person.pk in enrolled, reset_waits=person.pk in waiting) for person in people]
    return render(request, "dashboard/people.html", {"people": rows, "resets": resets})


@requires("dashboard.manage_roles")
@require_POST
def set_user_role(request: SignedInRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    form = RoleForm(request.POST, prefix=str(person.pk))
    if not form.is_valid():
        return HttpResponse(f"Invalid role: {form.errors.as_text()}", status=400, content_type="text/plain")
    new_role = form.cleaned_data["role"] or None
    change_role(person, new_role, actor=request.user)
    if request.htmx:
        person = User.objects.prefetch_related("groups").get(pk=person.pk)
        enrolled = bool(two_factor.enrolled_user_ids([person.pk]))
        waits = any(reset.person_id == person.pk for reset in two_factor_resets.pending())
        row = _row(person, saved=True, two_factor=enrolled, reset_waits=waits)
        return render(request, "dashboard/people.html#person", {"person": row})
    messages.success(request, f"{person.get_username()} is now {new_role or 'without a role'}.")
    return redirect("people:list")


@requires("dashboard.manage_roles")
@require_POST
def propose_factor_reset(request: SignedInRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    try:
        two_factor_resets.propose(person, actor=request.user, reason=request.POST.get("reason", ""))
    except two_factor_resets.ResetError as error:
        messages.error(request, f"Not proposed: {error}")
    else:
        messages.success(request, f"The reset of {person.get_username()}'s second factor waits for another Admin.")
    return redirect("people:list")


@requires("dashboard.manage_roles")
@require_POST
def approve_factor_reset(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        reset = two_factor_resets.approve(pk, actor=request.user)
    except two_factor_resets.ResetError as error:
        messages.error(request, f"Not approved: {error}")
    else:
        messages.success(request, f"{reset.person.get_username()}'s second factor is reset; they set it up again.")
    return redirect("people:list")


@requires("dashboard.manage_roles")
@require_POST
def reject_factor_reset(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        reset = two_factor_resets.reject(pk, actor=request.user)
    except two_factor_resets.ResetError as error:
        messages.error(request, f"Not rejected: {error}")
    else:
        messages.success(request, f"The reset of {reset.person.get_username()}'s second factor is {reset.state}.")
    return redirect("people:list")
