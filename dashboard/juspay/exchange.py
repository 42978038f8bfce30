"""One try of a call: turning an httpx answer or exception into a JSON body or a classified failure.

No I/O here, so the sync and async clients share it and tests can feed it any answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import (
    JuspayError,
    JuspayParseError,
    JuspayUnavailable,
    error_from_response,
    looks_like_error_body,
)
from .retry import Delivery, delivery_of, delivery_of_status, is_retryable_status, is_timeout, retry_after_seconds


@dataclass(frozen=True)
class AttemptFailure:
    """Why one try did not give a usable answer, and what that means for trying again."""

    error: JuspayError  # what the caller sees if this is the last word
    delivery: Delivery  # whether the request may have taken effect at Juspay
    retryable: bool  # whether another try could succeed
    retry_after: float | None = None


Body = dict[str, Any]


def _decode(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def read_response(response: httpx.Response, *, sent_request_id: str) -> Body | AttemptFailure:
    """A 2xx JSON object that is not an error, or the failure this answer amounts to."""
    status = response.status_code
    text = response.text
    body = _decode(response.content)
    request_id = response.headers.get("x-request-id")
    error_args: dict[str, Any] = {"raw_text": text, "request_id": request_id, "sent_request_id": sent_request_id}
    if 200 <= status < 300:
        if not isinstance(body, dict):
            shape = "not JSON" if body is None else f"JSON {type(body).__name__}, not an object"
            error = JuspayParseError(f"unreadable answer ({shape})", http_status=status, **error_args)
            return AttemptFailure(error, Delivery.UNKNOWN, retryable=False)
        if looks_like_error_body(body):
            return AttemptFailure(
                error_from_response(status, body, **error_args), Delivery.NOT_PROCESSED, retryable=False
            )
        return body
    error = error_from_response(status, body if isinstance(body, dict) else None, **error_args)
    if is_retryable_status(status):
        return AttemptFailure(
            error, delivery_of_status(status), retryable=True, retry_after=retry_after_seconds(response)
        )
    return AttemptFailure(error, Delivery.NOT_PROCESSED, retryable=False)


def transport_failure(exc: httpx.TransportError, *, timeout: float, sent_request_id: str) -> AttemptFailure:
    """A timeout or connection failure: always worth another try; maybe processed unless never sent."""
    if is_timeout(exc):
        message = f"no answer within {timeout:g} s ({type(exc).__name__})"
        cause = "timeout"
    else:
        message = f"connection failed ({type(exc).__name__}: {exc})"
        cause = "connection"
    error = JuspayUnavailable(message, cause=cause, sent_request_id=sent_request_id)
    return AttemptFailure(error, delivery_of(exc), retryable=True)


def final_error(failure: AttemptFailure, attempts: int) -> JuspayError:
    """The exception to raise once no try is left."""
    error = failure.error
    if isinstance(error, JuspayUnavailable):
        error.attempts = attempts
    return error


def unreadable_answer(error: JuspayError) -> AttemptFailure:
    """A 2xx whose body does not fit the documented answer: it may well have worked."""
    return AttemptFailure(error, Delivery.UNKNOWN, retryable=False)
