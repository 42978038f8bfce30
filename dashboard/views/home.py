from django.http import HttpResponse
from django.shortcuts import render

from dashboard.access import SignedInRequest
from dashboard.navigation import items_for
from dashboard.roles import ROLE_DESCRIPTIONS, role_of


def home(request: SignedInRequest) -> HttpResponse:
    """Any signed-in user, with or without a role (LoginRequiredMiddleware keeps everyone else out)."""
    role = role_of(request.user)
    links = [item for item in items_for(request.user) if item["url_name"] != "home"]
    return render(
        request,
        "dashboard/home.html",
        {"role": role, "role_description": ROLE_DESCRIPTIONS.get(role, ""), "links": links},
    )
