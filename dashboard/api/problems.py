"""RFC 9457 problem details for every API error: `application/problem+json` with `type`, `title`,
`status`, `detail`, `errors` (one entry per bad field, `{"field": "amount", "detail": "..."}`; `field` is
null for an error about the request as a whole) and the request id.

`exception_handler` is DRF's EXCEPTION_HANDLER (400, 401, 403, 404, 405, 406, 415, 429 and the rest);
`not_found` answers unknown `/api/` paths in the same shape. https://www.rfc-editor.org/rfc/rfc9457
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dashboard import request_context

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:juspay-ops:problem:"

# status -> (type slug, title)
KINDS: dict[int, tuple[str, str]] = {
    400: ("invalid-request", "The request is not valid"),
    401: ("not-authenticated", "Authentication needed"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("unprocessable", "The request cannot be carried out"),
    429: ("throttled", "Too many requests"),
}


def problem_type(status_code: int) -> str:
    return TYPE_BASE + KINDS.get(status_code, ("error", ""))[0]


def problem_body(
    status_code: int, detail: str, *, errors: list[dict[str, Any]] | None = None, title: str = ""
) -> dict[str, Any]:
    return {
        "type": problem_type(status_code),
        "title": title or KINDS.get(status_code, ("", "Error"))[1],
        "status": status_code,
        "detail": detail,
        "errors": errors or [],
        "request_id": request_context.current_request_id(),
    }


def field_errors(detail: Any, path: str | None = None) -> Iterator[dict[str, Any]]:
    """Flatten DRF's error detail (dicts of lists, nested serializers, lists) into one entry per message."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else str(key)
            yield from field_errors(value, f"{path}.{name}" if path and name else (name or path))
    elif isinstance(detail, list):
        nested = any(isinstance(item, dict | list) for item in detail)
        for index, item in enumerate(detail):
            yield from field_errors(item, f"{path}.{index}" if nested and path else path)
    else:
        yield {"field": path, "detail": str(detail)}


def _summary(status_code: int, exc: exceptions.APIException, errors: list[dict[str, Any]]) -> str:
    if isinstance(exc, exceptions.ValidationError):
        if len(errors) == 1:
            entry = errors[0]
            return f"{entry['field']}: {entry['detail']}" if entry["field"] else entry["detail"]
        return f"{len(errors)} fields are not valid; see errors."
    detail = exc.detail
    if isinstance(detail, dict | list):
        return "; ".join(e["detail"] for e in field_errors(detail))
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (which also turns Http404 and PermissionDenied into API errors), reshaped."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 handling and logging
    if not isinstance(exc, exceptions.APIException):
        exc = exceptions.NotFound() if response.status_code == 404 else exceptions.PermissionDenied()
    errors = list(field_errors(exc.detail)) if isinstance(exc, exceptions.ValidationError) else []
    body = problem_body(response.status_code, _summary(response.status_code, exc, errors), errors=errors)
    wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    if wait is not None:
        body["retry_after"] = int(wait)
    headers = {name: value for name, value in response.items() if name.lower() != "content-type"}
    return Response(body, status=response.status_code, headers=headers, content_type=CONTENT_TYPE)


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/: a 404 problem, not the HTML page."""
    return JsonResponse(
        problem_body(status.HTTP_404_NOT_FOUND, f"No API endpoint at {request.path}."),
        status=404,
        content_type=CONTENT_TYPE,
    )


not_found.login_required = False  # type: ignore[attr-defined]  # answers anonymous callers too


# --- the schema's description of problems ----------------------------------------------------------------------


class FieldErrorSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(allow_null=True, help_text="The bad field or parameter; null for the request")
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="A URI naming the kind of problem, e.g. urn:juspay-ops:problem:not-found")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for a person")
    errors = FieldErrorSerializer(many=True)  # type: ignore[assignment]
    request_id = serializers.CharField(help_text="Also in the X-Request-ID header; quote it to support")
    retry_after = serializers.IntegerField(required=False, help_text="429 only: seconds to wait")


EXAMPLE_DETAIL: dict[int, tuple[str, list[dict[str, Any]]]] = {
    400: ("created_from: Enter a valid date.", [{"field": "created_from", "detail": "Enter a valid date."}]),
    401: ("The token is unknown, expired or revoked.", []),
    403: ("Your role does not allow this (needs orders.view_order).", []),
    404: ("No cached order ORD-1.", []),
    409: ("Someone else changed this first.", []),
    429: ("Request was throttled. Expected available in 12 seconds.", []),
}


def problem_responses(*codes: int) -> dict[tuple[int, str], OpenApiResponse]:
    """`responses=` entries for `@extend_schema`: each code an `application/problem+json`, with an example."""
    responses: dict[tuple[int, str], OpenApiResponse] = {}
    for code in codes:
        detail, errors = EXAMPLE_DETAIL.get(code, (KINDS.get(code, ("", "Error"))[1], []))
        example = {**problem_body_static(code, detail, errors)}
        responses[(code, CONTENT_TYPE)] = OpenApiResponse(
            response=ProblemSerializer,
            description=KINDS.get(code, ("", "Error"))[1],
            examples=[OpenApiExample(KINDS.get(code, ("error", ""))[0], value=example, response_only=True)],
        )
    return responses


def problem_body_static(status_code: int, detail: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": problem_type(status_code),
        "title": KINDS.get(status_code, ("", "Error"))[1],
        "status": status_code,
        "detail": detail,
        "errors": errors,
        "request_id": "6f1c2a9e0b7d4c3e9a1f2b3c4d5e6f70",
    }


not_found.csrf_exempt = True  # type: ignore[attr-defined]  # a POST to an unknown path: the 404 problem, not CSRF's HTML 403
