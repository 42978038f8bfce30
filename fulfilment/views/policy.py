"""The approval policy editor (Admin): every save proposes a new, audited version, and another Admin
approves (or rejects) it here before it takes effect."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dashboard.access import SignedInRequest, requires
from dashboard.juspay.enums import FulfillmentCommand
from fulfilment import policy
from fulfilment.forms import CommandOptionForm, PolicyForm
from fulfilment.models import ApprovalPolicy, FulfilmentCommandOption


def _commands() -> list[str]:
    extra = FulfilmentCommandOption.objects.filter(is_active=True).values_list("value", flat=True)
    return [c.value for c in FulfillmentCommand] + [v for v in extra if not FulfillmentCommand.known(v)]


def _page(
    request: SignedInRequest, form: PolicyForm, command_form: CommandOptionForm, status: int = 200
) -> HttpResponse:
    pending = policy.pending_policy()
    return render(
        request,
        "fulfilment/policy.html",
        {
            "form": form,
            "command_form": command_form,
            "current": policy.active_policy(),
            "pending": pending,
            "pending_refusal": policy.why_not_decide_policy(request.user, pending) if pending else None,
            "history": ApprovalPolicy.objects.select_related("created_by", "decided_by")[:50],
            "options": FulfilmentCommandOption.objects.select_related("created_by"),
        },
        status=status,
    )


@requires("fulfilment.change_approvalpolicy")
def policy_edit(request: SignedInRequest) -> HttpResponse:
    current = policy.active_policy()
    form = PolicyForm(request.POST or None, commands=_commands(), initial=PolicyForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            row = policy.propose_policy(
                form.rules(), actor=request.user, based_on=form.cleaned_data["based_on"], note=form.cleaned_data["note"]
            )
        except policy.PolicyError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(
                request, f"Version {row.version} is proposed; it takes effect when another Admin approves it."
            )
            return redirect("fulfilment:policy")
    return _page(request, form, CommandOptionForm(), status=400 if form.errors else 200)


@requires("fulfilment.change_approvalpolicy")
@require_POST
def command_add(request: SignedInRequest) -> HttpResponse:
    command_form = CommandOptionForm(request.POST)
    if command_form.is_valid():
        try:
            option = policy.add_command_option(
                command_form.cleaned_data["value"],
                description=command_form.cleaned_data["description"],
                actor=request.user,
            )
        except policy.PolicyError as error:
            command_form.add_error("value", str(error))
        else:
            messages.success(request, f"{option.value} can now be chosen when sending a fulfilment command.")
            return redirect("fulfilment:policy")
    form = PolicyForm(commands=_commands(), initial=PolicyForm.initial_for(policy.active_policy()))
    return _page(request, form, command_form, status=400)


@requires("fulfilment.change_approvalpolicy")
@require_POST
def command_remove(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        option = policy.remove_command_option(pk, actor=request.user)
    except FulfilmentCommandOption.DoesNotExist:
        messages.error(request, "No such command.")
    else:
        messages.success(request, f"{option.value} is no longer offered.")
    return redirect("fulfilment:policy")


@requires("fulfilment.change_approvalpolicy")
@require_POST
def policy_approve(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        row = policy.approve_policy(pk, actor=request.user, comment=request.POST.get("comment", ""))
    except policy.PolicyError as error:
        messages.error(request, f"Not approved: {error}.")
    else:
        messages.success(request, f"Approval policy version {row.version} is now in force for new requests.")
    return redirect("fulfilment:policy")


@requires("fulfilment.change_approvalpolicy")
@require_POST
def policy_reject(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        row = policy.reject_policy(pk, actor=request.user, comment=request.POST.get("comment", ""))
    except policy.PolicyError as error:
        messages.error(request, f"Not rejected: {error}.")
    else:
        messages.success(request, f"Version {row.version} is {row.get_state_display().lower()}; nothing changed.")
    return redirect("fulfilment:policy")
