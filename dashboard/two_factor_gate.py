"""The second factor, enforced on the server for every page, htmx fragment and session-authenticated API call.

A signed-in session that still owes a step (`dashboard.two_factor.step_needed`: the code step, or enrolment for
a role that requires it) reaches only that step's pages, logout and the public views (`@login_not_required`).
Anything else answers without running the view:

- a page: a redirect to the step (with `next` for a GET);
- an htmx request: 403 with `HX-Redirect` to the step (htmx then loads the whole page; nothing is swapped in);
- an API call on the session: a 403 problem (`application/problem+json`) naming the step.

An API call carrying `Authorization: Bearer` passes: DRF authenticates it by the token alone, never by the
session (README, "Two-factor sign-in", says why tokens need no code).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from rest_framework.views import APIView

from dashboard import two_factor
from dashboard.api.problems import CONTENT_TYPE, problem_body

STEP_VIEWS = {
    two_factor.VERIFY: frozenset({"two_factor:verify"}),
    two_factor.ENROL: frozenset({"two_factor:enrol"}),
}
STEP_DETAIL = {
    two_factor.VERIFY: "Enter the code from your authenticator app (two-factor sign-in) before anything else.",
    two_factor.ENROL: "Your role signs in with a second factor: set up two-factor sign-in before anything else.",
}


def _is_api_view(view_func: Callable[..., Any]) -> bool:
    cls = getattr(view_func, "cls", None)
    return isinstance(cls, type) and issubclass(cls, APIView)


def _carries_bearer(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").split(" ", 1)[0].lower() == "bearer"


class TwoFactorGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        api = _is_api_view(view_func)  # DRF marks its views login_not_required: it authenticates them itself
        if api and _carries_bearer(request):
            return None  # the token authenticates, not the session
        if not api and not getattr(view_func, "login_required", True):
            return None  # public: login, logout, /healthz, Juspay's webhook
        step = two_factor.step_needed(request)
        if step is None:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in STEP_VIEWS[step]:
            return None
        return self._refuse(request, step, api=api)

    @staticmethod
    def _refuse(request: HttpRequest, step: str, *, api: bool) -> HttpResponse:
        url = reverse(f"two_factor:{step}")
        if api:
            body = problem_body(403, STEP_DETAIL[step], title="Second factor needed")
            return JsonResponse(body, status=403, content_type=CONTENT_TYPE)
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(STEP_DETAIL[step], status=403, content_type="text/plain")
            response["HX-Redirect"] = url
            return response
        if request.method == "GET" and step == two_factor.VERIFY:
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
