from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

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
    people = User.objects.order_by("username").prefetch_related("groups")
    return render(request, "dashboard/people.html", {"people": [_row(person) for person in people]})


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
        return render(request, "dashboard/people.html#person", {"person": _row(person, saved=True)})
    messages.success(request, f"{person.get_username()} is now {new_role or 'without a role'}.")
    return redirect("people:list")
