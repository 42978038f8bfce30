from django.http import HttpResponse
from django.shortcuts import render

from dashboard.access import SignedInRequest
from dashboard.home_panels import panels_for
from dashboard.navigation import items_for
from dashboard.roles import ADMIN, ROLE_DESCRIPTIONS, role_of


def home(request: SignedInRequest) -> HttpResponse:
    """A worklist per role: Support the orders they worked on and their open requests, Finance the queue (waiting
    for me first), Manager the headline KPIs, Admin the health of syncs and webhooks (`_home_health.html`). The
    panels come from the apps (dashboard.home_panels). Any signed-in user, with or without a role."""
    role = role_of(request.user)
    links = [item for item in items_for(request.user) if item["url_name"] != "home"]
    context = {
        "role": role,
        "role_description": ROLE_DESCRIPTIONS.get(role, ""),
        "links": links,
        "panels": panels_for(request, role) if role else [],
        "show_health": role == ADMIN,
    }
    return render(request, "dashboard/home.html", context)
