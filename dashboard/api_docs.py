"""What the OpenAPI schema says about errors: the problem-details shape (dashboard/api/problems.py) and ready-made
`responses` entries for `@extend_schema`, each with an example, so every endpoint documents its 4xx answers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from dashboard.api.problems import ProblemSerializer
from dashboard.api_idempotency import HEADER, REPLAYED_HEADER

TYPE_BASE = "urn:juspay-ops:problem:"
PROBLEM_TYPE = "application/problem+json"  # dashboard/api/problems.py answers every error with it


_EXAMPLES: dict[int, tuple[str, str, str, list[dict[str, Any]]]] = {
    400: (
        "invalid-request",
        "The request is not valid",
        "amount: Enter an amount above zero.",
        [{"field": "amount", "detail": "Enter an amount above zero."}],
    ),
    401: ("not-authenticated", "Authentication needed", "Authentication credentials were not provided.", []),
    403: ("forbidden", "Not allowed", "You raised this request; another person must decide on it.", []),
    404: ("not-found", "Not found", "No such request.", []),
    409: ("conflict", "Conflict", "This request is already approved, queued for sending.", []),
    422: ("unprocessable", "The request cannot be carried out", "Only a paid order can be refunded.", []),
    429: ("throttled", "Too many requests", "Request was throttled. Expected available in 42 seconds.", []),
}


def problem(status: int, description: str) -> OpenApiResponse:
    kind, title, detail, errors = _EXAMPLES[status]
    example = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "errors": errors,
        "request_id": "4f9c2b1e8d7a4c3b",
    }
    return OpenApiResponse(
        ProblemSerializer,
        description=description,
        examples=[OpenApiExample(title, value=example, status_codes=[status])],
    )


def problems(**descriptions: str) -> dict[Any, OpenApiResponse]:
    """`problems(e400="...", e403="...")` -> the `responses` entries for those statuses, as problem+json. A 400
    is always among them: a NUL character in the path or query is refused before any view runs; and a 429, since
    every endpoint is throttled per token (API_THROTTLE_USER)."""
    descriptions.setdefault("e400", "A NUL character in the path or query (dashboard/input_guard.py).")
    descriptions.setdefault("e429", "Too many requests from this token or session; see Retry-After.")
    return {(int(name[1:]), PROBLEM_TYPE): problem(int(name[1:]), text) for name, text in descriptions.items()}


IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="Any unique string per request (a UUID). Sent again with the same body, the first answer comes "
    f"back (same status and body, with `{REPLAYED_HEADER}: true`); with another body: 422.",
)
OPTIONAL_IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Optional here: sent again with the same body, the first answer comes back; with another body: 422.",
)
