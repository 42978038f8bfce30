from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from dashboard.forms import MerchantForm
from dashboard.merchants import save_merchant, snapshot
from dashboard.models import Merchant


@login_required
@permission_required("dashboard.change_merchant", raise_exception=True)
def merchant_list(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/merchants.html", {"merchants": Merchant.objects.order_by("code")})


@login_required
@permission_required("dashboard.change_merchant", raise_exception=True)
def merchant_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    merchant = get_object_or_404(Merchant, pk=pk) if pk else Merchant()
    before = snapshot(merchant) if pk else None
    form = MerchantForm(request.POST or None, instance=merchant)
    if request.method == "POST" and form.is_valid():
        save_merchant(form.save(commit=False), actor=request.user, before=before)
        messages.success(request, f"Merchant {merchant.code} saved.")
        return redirect("merchants:list")
    return render(
        request,
        "dashboard/merchant_form.html",
        {"form": form, "merchant": merchant},
        status=400 if form.errors else 200,
    )
