from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from dashboard.access import SignedInRequest, requires
from dashboard.forms import MerchantForm
from dashboard.merchants import save_merchant
from dashboard.models import Merchant


@requires("dashboard.change_merchant")
def merchant_list(request: SignedInRequest) -> HttpResponse:
    return render(request, "dashboard/merchants.html", {"merchants": Merchant.objects.order_by("code")})


@requires("dashboard.change_merchant")
def merchant_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    merchant = get_object_or_404(Merchant, pk=pk) if pk else Merchant()
    form = MerchantForm(request.POST or None, instance=merchant)
    if request.method == "POST" and form.is_valid():
        save_merchant(form.save(commit=False), actor=request.user)
        messages.success(request, f"Merchant {merchant.code} saved.")
        return redirect("merchants:list")
    return render(
        request,
        "dashboard/merchant_form.html",
        {"form": form, "merchant": merchant},
        status=400 if form.errors else 200,
    )
