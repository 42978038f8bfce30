"""/account/: the signed-in person's own settings (their time zone). Every signed-in user may open it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from dashboard import two_factor, user_time_zone
from dashboard.access import SignedInRequest


def account(request: SignedInRequest) -> HttpResponse:
    current = user_time_zone.zone_for_request(request)
    if request.method == "POST":
        form = user_time_zone.TimeZoneForm(request.POST)
        if form.is_valid():
            name = user_time_zone.set_zone(request.user, form.cleaned_data["time_zone"], session=request.session)
            messages.success(request, f"Times now show in {name}.")
            return redirect("account")
        status = 400
    else:
        form = user_time_zone.TimeZoneForm(initial={"time_zone": current})
        status = 200
    context = {
        "form": form,
        "current": current,
        "default_zone": user_time_zone.default_zone(),
        "now": timezone.now(),
        "two_factor": two_factor.status(request.user),
    }
    return render(request, "dashboard/account.html", context, status=status)
