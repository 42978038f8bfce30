"""Raising a refund or a Fulfilment Sync command from the order page, and the order page's slot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django_htmx.http import reswap, retarget, trigger_client_event

from dashboard import htmx
from dashboard.access import SignedInRequest, requires
from fulfilment import selectors, services
from fulfilment.forms import FulfilmentForm, RefundForm
from orders.models import Order

FIELD_OF = {"split": "vendors"}  # service field names that the form shows under another field


def _slot(
    request: SignedInRequest, order: Order, *, flash: str = "", part: str = "", changed: bool = False
) -> HttpResponse:
    actions = selectors.order_actions(order, request.user)
    context = {"actions": actions, "flash": flash}
    response = render(request, "fulfilment/_order_actions.html" + ("#requests" if part == "requests" else ""), context)
    if changed or (part == "requests" and not actions.moving):
        trigger_client_event(response, htmx.ORDER_CHANGED)  # the order page reloads its timeline and refunds
    return response


@requires("fulfilment.view_actionrequest")
def order_actions(request: SignedInRequest, order_pk: int) -> HttpResponse:
    """The slot on its own, for htmx to refresh while a request is on its way to Juspay."""
    order = get_object_or_404(Order.objects.visible_to(request.user).select_related("merchant"), pk=order_pk)
    return _slot(request, order, part=request.GET.get("part", ""))


Submit = Callable[[Order, dict[str, Any]], services.Raised]


def _raise(
    request: SignedInRequest,
    order_pk: int,
    form_class: type[RefundForm | FulfilmentForm],
    template: str,
    submit: Submit,
) -> HttpResponse:
    order = get_object_or_404(Order.objects.visible_to(request.user).select_related("merchant"), pk=order_pk)
    form = form_class.for_order(order, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            raised = submit(order, form.cleaned_data)
        except services.ActionError as error:
            field = FIELD_OF.get(error.field or "", error.field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            req = raised.request
            if raised.created:
                flash = f"Request #{req.pk} raised: {services.describe(req)}, " + (
                    "waiting for approval." if req.required_approvals else "no approval needed; sending."
                )
            else:
                flash = f"Request #{req.pk} was already raised from this form; nothing new was created."
            if request.htmx:
                return _slot(request, order, flash=flash, changed=raised.created)
            return redirect("fulfilment:detail", pk=req.pk)
    context = {
        "form": form,
        "order": order,
        "still_refundable": services.still_refundable(order),
        "order_url": selectors.order_url(order),
    }
    if request.htmx:
        response = render(request, f"{template}#form", context)
        if request.method == "POST":  # errors: show them in the form, not in place of the slot
            response = reswap(retarget(response, f"#order-action-form-{order.pk}"), "innerHTML")
        return response
    return render(request, template, context, status=400 if form.errors else 200)


@requires("fulfilment.raise_actionrequest")
def raise_refund(request: SignedInRequest, order_pk: int) -> HttpResponse:
    def submit(order: Order, data: dict[str, Any]) -> services.Raised:
        return services.raise_refund(
            order,
            maker=request.user,
            amount=data["amount"],
            reason_code=data["reason_code"],
            comment=data["comment"],
            form_token=data["form_token"],
            split=data["split"],
        )

    return _raise(request, order_pk, RefundForm, "fulfilment/raise_refund.html", submit)


@requires("fulfilment.raise_actionrequest")
def raise_fulfilment(request: SignedInRequest, order_pk: int) -> HttpResponse:
    def submit(order: Order, data: dict[str, Any]) -> services.Raised:
        return services.raise_fulfilment(
            order,
            maker=request.user,
            status=data["fulfillment_status"],
            command=data["fulfillment_command"],
            form_token=data["form_token"],
            fulfillment_id=data["fulfillment_id"],
            fulfillment_time=data["fulfillment_time"],
            fulfillment_data=data["fulfillment_data"],
            split=data["split"],
            comment=data["comment"],
            amount=data["amount"],
        )

    return _raise(request, order_pk, FulfilmentForm, "fulfilment/raise_fulfilment.html", submit)
