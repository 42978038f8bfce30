"""The short path of Juspay's webhooks: `POST /webhooks/juspay/` past the middleware it has no use for.

Juspay authenticates every webhook with Basic auth (`orders.webhooks.credentials_ok`), never with a session or
a CSRF token, and the view is `login_not_required` and `csrf_exempt`. Yet each webhook went through the whole
MIDDLEWARE list: the session (a cookie sent with a webhook was read, and could be written back), CSRF, the
authentication, OTP and two-factor gates, the idle-session clock, the user's time zone, messages, htmx and axes,
and the URL resolver. This middleware, first in MIDDLEWARE, hands that exact path and method straight to the
view through the few middleware that still matter to its answer, in the order MIDDLEWARE lists them:

- `SecurityMiddleware`, the CSP middleware, `XFrameOptionsMiddleware` and `SecurityHeadersMiddleware`: the
  same security headers as every other answer (and the HTTPS redirect, when it is on);
- `RequestContextMiddleware`: the request id (`X-Request-ID`), stamped on whatever the intake logs or records;
- `NulRefusalMiddleware`: a NUL in the address is refused as everywhere else;
- and the `Host` is checked against ALLOWED_HOSTS, as `CommonMiddleware` does.

Every other URL, and any other method on this one, takes the whole list as before. Nothing reads a session on
this path, so a cookie sent with a webhook is neither read nor written. Django's own handler still runs around
it: the request signals (database connections kept or closed), the 4xx/5xx logging and the 500 page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.module_loading import import_string

from orders.views.webhooks import juspay_webhook

# The middleware a webhook's answer still goes through (when MIDDLEWARE lists them, in its order).
KEPT = frozenset(
    {
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.csp.ContentSecurityPolicyMiddleware",
        "dashboard.request_context.RequestContextMiddleware",
        "dashboard.input_guard.NulRefusalMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "dashboard.security_headers.SecurityHeadersMiddleware",
    }
)

Handler = Callable[[HttpRequest], HttpResponseBase]
Layer = Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]  # what Django's wrapper returns


def kept_middleware() -> list[str]:
    return [path for path in settings.MIDDLEWARE if path in KEPT]


def _view(request: HttpRequest) -> HttpResponseBase:
    request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks on the whole list (DisallowedHost: a 400)
    return juspay_webhook(request)


class WebhookShortPathMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.path = reverse("orders:webhook")
        handler: Layer = convert_exception_to_response(_view)
        for path in reversed(kept_middleware()):
            # each layer converts its exceptions to answers, as Django's handler does for MIDDLEWARE
            handler = convert_exception_to_response(import_string(path)(handler))
        self.short = handler

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method == "POST" and request.path_info == self.path:
            return cast(HttpResponseBase, self.short(request))  # a WSGI app: never awaitable
        return self.get_response(request)
