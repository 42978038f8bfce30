"""Admin's sync health page (/health/sync/) and its summary fragment for the home page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from dashboard.access import SignedInRequest, requires
from dashboard.htmx import render_page_or_partial
from fulfilment import sync_health
from orders import sync_failures, webhooks

PERMISSION = "orders.view_syncfailure"


@requires(PERMISSION)
def page(request: SignedInRequest) -> HttpResponse:
    context = {
        "health": sync_health.page(request.user),
        "max_attempts": sync_failures.MAX_ATTEMPTS,
        "webhook_max_attempts": webhooks.MAX_ATTEMPTS,
    }
    return render_page_or_partial(request, "health/sync.html", "report", context)


@requires(PERMISSION)
def summary(request: SignedInRequest) -> HttpResponse:
    return render(request, "health/sync.html#summary", {"health": sync_health.page(request.user)})
