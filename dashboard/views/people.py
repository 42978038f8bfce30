from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dashboard import audit
from dashboard.roles import ROLES, role_of, set_role

User = get_user_model()


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[("", "— no role —"), *[(r, r) for r in ROLES]], required=False)


def _people() -> list[dict]:
    users = User.objects.order_by("username").prefetch_related("groups")
    return [
        {"user": u, "role": role_of(u), "form": RoleForm(initial={"role": role_of(u)}, prefix=str(u.pk))} for u in users
    ]


@login_required
@permission_required("dashboard.manage_roles", raise_exception=True)
def people_list(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/people.html", {"people": _people()})


@login_required
@permission_required("dashboard.manage_roles", raise_exception=True)
@require_POST
def set_user_role(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    form = RoleForm(request.POST, prefix=str(person.pk))
    if not form.is_valid():
        return HttpResponse(f"Invalid role: {form.errors.as_text()}", status=400, content_type="text/plain")
    before = role_of(person)
    new_role = form.cleaned_data["role"] or None
    with transaction.atomic():
        set_role(person, new_role)
        audit.record(
            "user.role_changed",
            actor=request.user,
            obj=person,
            before={"role": before},
            after={"role": new_role or ""},
            summary=f"{person.get_username()}: {before or 'no role'} → {new_role or 'no role'}",
        )
    person = User.objects.prefetch_related("groups").get(pk=person.pk)
    if request.htmx:
        row = {
            "user": person,
            "role": role_of(person),
            "form": RoleForm(initial={"role": role_of(person)}, prefix=str(person.pk)),
            "saved": True,
        }
        return render(request, "dashboard/people.html#person", {"person": row})
    messages.success(request, f"{person.get_username()} is now {new_role or 'without a role'}.")
    return redirect("people:list")
