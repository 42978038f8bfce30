"""One try of a call: the request it sends, and its answer or exception read as a JSON body or a failure.

The sync and the async client share everything here and differ only in how they send (`Attempt.request`
is built by either httpx client, `Attempt.failed`/`Attempt.answered` read what came back), so a request is
built, read, classified and logged the same way on both paths. Tests can feed `read_response` any answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import calls
from .config import JuspayConfig
from .errors import (
    JuspayError,
    JuspayParseError,
    JuspayUnavailable,
    UnavailableCause,
    error_from_response,
    looks_like_error_body,
)
from .retry import (
    Delivery,
    RetryPolicy,
    delivery_of,
    delivery_of_status,
    is_retryable_status,
    is_timeout,
    retry_after_of,
)

log = logging.getLogger("dashboard.juspay")

Body = dict[str, Any]


@dataclass(frozen=True)
class AttemptFailure:
    """Why one try did not give a usable answer, and what that means for trying again."""

    error: JuspayError  # what the caller sees if this is the last word
    delivery: Delivery  # whether the request may have taken effect at Juspay
    retryable: bool  # whether another try could succeed
    retry_after: float | None = None


def http_timeout(config: JuspayConfig, seconds: float) -> httpx.Timeout:
    """`seconds` for connecting, sending and reading; waiting for a pooled connection is not Juspay's latency."""
    return httpx.Timeout(seconds, pool=config.pool_timeout)


def http_limits(config: JuspayConfig) -> httpx.Limits:
    return httpx.Limits(
        max_connections=config.max_connections, max_keepalive_connections=config.max_connections, keepalive_expiry=30.0
    )


@dataclass(frozen=True)
class Attempt:
    """Try number `number` of `call`, sent with our `request_id` under `timeout` seconds."""

    config: JuspayConfig
    call: calls.Call
    number: int
    request_id: str
    timeout: float
    started: float = field(default_factory=time.monotonic)

    def request(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        """The request to send: the call's method, path, query and body, with the documented headers."""
        return http.build_request(
            self.call.method,
            self.call.path,
            params=self.call.params or None,
            headers=calls.headers(self.config, self.call, self.request_id),
            content=calls.body(self.call),
            timeout=http_timeout(self.config, self.timeout),
        )

    def failed(self, exc: httpx.TransportError) -> AttemptFailure:
        """The send raised: no answer arrived."""
        failure = transport_failure(exc, timeout=self.timeout, sent_request_id=self.request_id)
        self._log(status=None, failure=failure)
        return failure

    def answered(self, response: httpx.Response) -> Body | AttemptFailure:
        """Juspay answered: its JSON body, or the failure the answer amounts to."""
        return self.answered_with(response.status_code, response.content, response.headers, text=lambda: response.text)

    def unchanged(self, status: int) -> None:
        """Juspay answered with the very bytes the caller already holds (`answer_digest`): nothing to read."""
        self._log(status=status, failure=None)

    def answered_with(
        self, status: int, content: bytes, headers: Mapping[str, str], *, text: Callable[[], str] | None = None
    ) -> Body | AttemptFailure:
        """`answered` for an answer read without httpx (the async client's own aiohttp path): its status, body
        and case-insensitive headers; `text` decodes the body for error messages (default: UTF-8)."""
        outcome = read_answer(status, content, headers, sent_request_id=self.request_id, text=text)
        self._log(status=status, failure=outcome if isinstance(outcome, AttemptFailure) else None)
        return outcome

    def _log(self, *, status: int | None, failure: AttemptFailure | None) -> None:
        elapsed_ms = (time.monotonic() - self.started) * 1000
        call = self.call
        if failure is None:
            log.debug(
                "juspay %s %s try %d: %s in %.0f ms (request id %s)",
                call.method,
                call.operation,
                self.number,
                status,
                elapsed_ms,
                self.request_id,
            )
        else:
            error = str(failure.error)  # a JuspayError's text already ends with the request id it was sent with
            named = f" (request id {self.request_id})" if self.request_id and self.request_id not in error else ""
            log.info(
                "juspay %s %s try %d failed after %.0f ms: %s%s",
                call.method,
                call.operation,
                self.number,
                elapsed_ms,
                error,
                named,
            )


def answer_digest(content: bytes) -> str:
    """A digest of an answer's bytes (BLAKE2b, 128 bits): two answers with one digest are byte-identical, so
    bulk sync neither decodes nor parses an answer whose digest is the one it stored with the last."""
    return hashlib.blake2b(content, digest_size=16).hexdigest()


def _decode(content: bytes) -> object:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def read_response(response: httpx.Response, *, sent_request_id: str) -> Body | AttemptFailure:
    """A 2xx JSON object that is not an error, or the failure this answer amounts to."""
    return read_answer(
        response.status_code,
        response.content,
        response.headers,
        sent_request_id=sent_request_id,
        text=lambda: response.text,
    )


def read_answer(
    status: int,
    content: bytes,
    headers: Mapping[str, str],
    *,
    sent_request_id: str,
    text: Callable[[], str] | None = None,
) -> Body | AttemptFailure:
    """`read_response` from the answer's parts (`headers` case-insensitive). The body is decoded as text only
    for an error's message: a usable answer never needs it."""

    def raw_text() -> str:
        return text() if text is not None else content.decode("utf-8", "replace")

    body = _decode(content)
    request_id = headers.get("x-request-id")
    if 200 <= status < 300:
        if not isinstance(body, dict):
            shape = "not JSON" if body is None else f"JSON {type(body).__name__}, not an object"
            parse_error = JuspayParseError(
                f"unreadable answer ({shape})",
                http_status=status,
                raw_text=raw_text(),
                request_id=request_id,
                sent_request_id=sent_request_id,
            )
            return AttemptFailure(parse_error, Delivery.UNKNOWN, retryable=False)
        if looks_like_error_body(body):
            refusal = error_from_response(
                status, body, raw_text=raw_text(), request_id=request_id, sent_request_id=sent_request_id
            )
            return AttemptFailure(refusal, Delivery.NOT_PROCESSED, retryable=False)
        return body
    error = error_from_response(
        status,
        body if isinstance(body, dict) else None,
        raw_text=raw_text(),
        request_id=request_id,
        sent_request_id=sent_request_id,
    )
    if is_retryable_status(status):
        return AttemptFailure(
            error, delivery_of_status(status), retryable=True, retry_after=retry_after_of(headers.get("retry-after"))
        )
    return AttemptFailure(error, Delivery.NOT_PROCESSED, retryable=False)


def transport_failure(exc: httpx.TransportError, *, timeout: float, sent_request_id: str) -> AttemptFailure:
    """A timeout or connection failure: always worth another try; maybe processed unless never sent."""
    cause: UnavailableCause
    if is_timeout(exc):
        message = f"no answer within {timeout:g} s ({type(exc).__name__})"
        cause = "timeout"
    else:
        message = f"connection failed ({type(exc).__name__}: {exc})"
        cause = "connection"
    error = JuspayUnavailable(message, cause=cause, sent_request_id=sent_request_id)
    return AttemptFailure(error, delivery_of(exc), retryable=True)


def delay_before_next_get(
    policy: RetryPolicy, failure: AttemptFailure, attempt: int, rng: random.Random | None
) -> float | None:
    """After try `attempt` of a GET failed: how long to wait before the next try, or None to give up.

    A GET changes nothing at Juspay, so any failure another try could cure (timeouts, connection errors,
    429, 5xx) is simply tried again while tries are left; a refusal is final.
    """
    if not failure.retryable or not policy.can_retry(attempt):
        return None
    return policy.delay_before(attempt + 1, retry_after=failure.retry_after, rng=rng)


def final_error(failure: AttemptFailure, attempts: int) -> JuspayError:
    """The exception to raise once no try is left."""
    error = failure.error
    if isinstance(error, JuspayUnavailable):
        error.attempts = attempts
    return error


def unreadable_answer(error: JuspayError) -> AttemptFailure:
    """A 2xx whose body does not fit the documented answer: it may well have worked."""
    return AttemptFailure(error, Delivery.UNKNOWN, retryable=False)
