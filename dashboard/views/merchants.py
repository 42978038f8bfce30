from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dashboard import merchants as service
from dashboard.access import SignedInRequest, requires
from dashboard.forms import MerchantForm
from dashboard.merchant_scope import may_see_merchant, visible_merchants
from dashboard.models import Merchant, MerchantChange
from dashboard.views.proposal_actions import act_and_redirect


@requires("dashboard.change_merchant")
def merchant_list(request: SignedInRequest) -> HttpResponse:
    visible = visible_merchants(request.user)
    changes = [change for change in service.pending_changes() if may_see_merchant(request.user, change.merchant_id)]
    pending = [(change, service.why_not_approve(request.user, change)) for change in changes]
    context = {
        "merchants": visible.order_by("code"),
        "pending": pending,
        "add_refusal": service.why_not_add(request.user),
    }
    return render(request, "dashboard/merchants.html", context)


def _visible_change(request: SignedInRequest, pk: int) -> None:
    """A change of a merchant the Admin may not see does not exist for them."""
    get_object_or_404(MerchantChange.objects.filter(merchant__in=visible_merchants(request.user)), pk=pk)


@requires("dashboard.change_merchant")
def merchant_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    if pk is None and (refusal := service.why_not_add(request.user)):
        return render(request, "dashboard/merchant_add_refused.html", {"refusal": refusal}, status=403)
    merchant = get_object_or_404(visible_merchants(request.user), pk=pk) if pk else Merchant()
    form = MerchantForm(request.POST or None, instance=merchant)
    if request.method == "POST" and form.is_valid():
        try:
            change = service.save_merchant(form.save(commit=False), actor=request.user)
        except service.MerchantAddRefused as refusal:  # limited since the form was shown
            return render(request, "dashboard/merchant_add_refused.html", {"refusal": str(refusal)}, status=403)
        except service.MerchantChangeError as error:
            form.add_error("base_url", str(error))
        else:
            messages.success(request, f"Merchant {merchant.code} saved.")
            if change is not None:
                messages.info(
                    request,
                    f"The new base URL {change.base_url} waits for another Admin's approval; "
                    "the current URL and key stay in force until then.",
                )
            return redirect("merchants:list")
    return render(
        request,
        "dashboard/merchant_form.html",
        {"form": form, "merchant": merchant},
        status=400 if form.errors else 200,
    )


@requires("dashboard.change_merchant")
@require_POST
def change_approve(request: SignedInRequest, pk: int) -> HttpResponse:
    _visible_change(request, pk)
    return act_and_redirect(
        request,
        lambda: service.approve_change(pk, actor=request.user),
        refused=service.MerchantChangeError,
        not_done="Not approved",
        done=lambda change: f"Merchant {change.merchant.code} now uses {change.base_url}.",
        to="merchants:list",
    )


@requires("dashboard.change_merchant")
@require_POST
def change_reject(request: SignedInRequest, pk: int) -> HttpResponse:
    _visible_change(request, pk)
    return act_and_redirect(
        request,
        lambda: service.reject_change(pk, actor=request.user),
        refused=service.MerchantChangeError,
        not_done="Not rejected",
        done=lambda change: f"The base URL change for {change.merchant.code} is {change.get_state_display().lower()}.",
        to="merchants:list",
    )
