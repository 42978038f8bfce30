from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.navigation import items_for
from dashboard.roles import ROLE_DESCRIPTIONS, role_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = role_of(request.user)
    links = [item for item in items_for(request.user) if item["url_name"] != "home"]
    return render(
        request,
        "dashboard/home.html",
        {"role": role, "role_description": ROLE_DESCRIPTIONS.get(role, ""), "links": links},
    )
