"""Refuse NUL characters in a request's path, query and form fields with a 400 that says so.

PostgreSQL text cannot hold NUL (U+0000): a query or insert carrying one raised DataError, a 500, from the
search box, an order URL, `merchant=` or a note (issue 14). No value a person types or a link we make has
one, so the request is refused before any view runs, the same way on SQLite and PostgreSQL. Juspay's
webhook bodies are JSON, not form fields; their intake keeps a NUL inside a payload (orders.webhooks).
Under /api/ the refusal is an RFC 9457 problem (the shape of dashboard/api/problems.py) naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict

from dashboard import request_context

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REASON = "Bad request: the address or a form field contains a NUL character (U+0000), which no value may hold."


def _has_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def _fields_with_nul(data: QueryDict) -> list[str]:
    return [key for key, values in data.lists() if NUL in key or any(NUL in value for value in values)]


def _api_problem(request: HttpRequest) -> JsonResponse:
    names = _fields_with_nul(request.GET)
    if request.method == "POST" and request.content_type in FORM_TYPES:
        names += _fields_with_nul(request.POST)
    errors: list[dict[str, str | None]] = [
        {"field": name.replace(NUL, "\\u0000"), "detail": "Contains a NUL character (U+0000)."} for name in names
    ]
    body = {
        "type": "urn:juspay-ops:problem:invalid-request",
        "title": "The request is not valid",
        "status": 400,
        "detail": REASON.removeprefix("Bad request: "),
        "errors": errors or [{"field": None, "detail": "The address contains a NUL character (U+0000)."}],
        "request_id": request_context.current_request_id(),
    }
    return JsonResponse(body, status=400, content_type="application/problem+json")


def carries_nul(request: HttpRequest) -> bool:
    if NUL in request.path or _has_nul(request.GET):
        return True
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return False
    # Read (and cache) the body first: a view that reads `request.body` afterwards (Juspay's webhook) still
    # can, even for multipart. The app takes no uploads, so the body is small (DATA_UPLOAD_MAX_MEMORY_SIZE).
    request.body  # noqa: B018 - caches the body
    return _has_nul(request.POST)


def problem() -> dict[str, object]:
    """The refusal in the shape of dashboard/api/problems.py (which sits above this layer)."""
    return {
        "type": "urn:juspay-ops:problem:invalid-request",
        "title": "The request is not valid",
        "status": 400,
        "detail": REASON,
        "errors": [],
        "request_id": request_context.current_request_id(),
    }


class NulRefusalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if carries_nul(request):
            if request.path.startswith("/api/"):
                return _api_problem(request)
            return HttpResponseBadRequest(REASON, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
