"""The one exception hierarchy of the Juspay client. Callers never see httpx exceptions.

    JuspayError                       anything the client raises
    ├── JuspayApiError                Juspay answered and refused the request (documented error body)
    │   ├── JuspayAuthError           401 `access_denied` / `UNAUTHORIZED` (and 403)
    │   ├── JuspayNotFound            `NOT_FOUND` with status_id 40, `RESOURCE_NOT_FOUND`, HTTP 404
    │   └── JuspayInvalidRequest      any other 4xx refusal (`INVALID_INPUT`, legacy `status: ERROR`)
    │       ├── JuspayDuplicateRequest   `duplicate.call` / `ALREADY_EXISTS`
    │       ├── JuspayAmountError        `invalid.amount.exceeded`, `invalid amount`
    │       └── JuspayNoSuccessfulTxn    `No txn Found`, `invalid.order.not_successful...`
    ├── JuspayUnavailable             timeouts, connection failures, 429 and 5xx, after the retries
    ├── JuspayOutcomeUnknown          a state-changing POST whose result could not be settled
    └── JuspayParseError              a body that is not the JSON we expect (carries the raw text)

Juspay uses several error shapes; `error_from_response` reads all of them: structured `error_info`,
legacy `{"status": "ERROR", "status_id": -1 | "-1", ...}`, the order `NOT_FOUND` body with status_id
40, and the 401 `access_denied` body (documented at
https://juspay.io/api-reference/docs/express-checkout/order-status-api and
https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api). The user-facing text is read
from a top-level `user_message` first, then from `error_info.user_message`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

UnavailableCause = Literal["timeout", "connection", "http", "rate_limited"]


class JuspayError(Exception):
    """Base class. Every attribute is optional: not every failure comes with an answer from Juspay."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        status: str | None = None,
        error_code: str | None = None,
        info_code: str | None = None,
        category: str | None = None,
        user_message: str | None = None,
        developer_message: str | None = None,
        request_id: str | None = None,
        sent_request_id: str | None = None,
        body: Mapping[str, Any] | None = None,
        raw_text: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.status = status
        self.error_code = error_code
        self.info_code = info_code
        self.category = category
        self.user_message = user_message
        self.developer_message = developer_message
        self.request_id = request_id or sent_request_id
        self.sent_request_id = sent_request_id
        self.body = dict(body) if body is not None else None
        self.raw_text = raw_text

    @property
    def code(self) -> str | None:
        """The most specific code Juspay gave: `error_info.code`, else `error_code`, else `status`."""
        return self.info_code or self.error_code or self.status

    def __str__(self) -> str:
        parts = [f"Juspay {self.http_status}" if self.http_status else "Juspay"]
        if self.code:
            parts.append(self.code)
        text = " ".join(parts) + f": {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class JuspayApiError(JuspayError):
    """Juspay understood the request and refused it. Sending it again unchanged will not help."""


class JuspayAuthError(JuspayApiError):
    """The API key (or the merchant id that goes with it) was refused."""


class JuspayNotFound(JuspayApiError):
    """The order id is unknown to Juspay for this merchant."""


class JuspayInvalidRequest(JuspayApiError):
    """A 4xx refusal of the request's content."""


class JuspayDuplicateRequest(JuspayInvalidRequest):
    """The idempotency key (or the same command, or the same refund amount just now) was already used."""


class JuspayAmountError(JuspayInvalidRequest):
    """The refund amount is zero, malformed, or more than what is still refundable."""


class JuspayNoSuccessfulTxn(JuspayInvalidRequest):
    """The order has no CHARGED transaction, so it cannot be refunded or fulfilled."""


class JuspayUnavailable(JuspayError):
    """Juspay could not be reached or kept failing (timeouts, connection errors, 429, 5xx) after retries.

    From a POST this means the request certainly did not take effect (it never left, or Juspay refused
    it before processing); a POST that may have taken effect raises `JuspayOutcomeUnknown` instead.
    """

    def __init__(self, message: str, *, cause: UnavailableCause = "http", attempts: int = 1, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.cause = cause
        self.attempts = attempts


class JuspayOutcomeUnknown(JuspayError):
    """A state-changing POST may or may not have taken effect, and Order Status could not settle it.

    The caller must not raise a new request with a new idempotency key: check again later (the client
    does that first when called with `check_first=True`) or reconcile by hand.
    """

    def __init__(
        self, message: str, *, operation: str, order_id: str, idempotency_key: str | None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.operation = operation
        self.order_id = order_id
        self.idempotency_key = idempotency_key


class JuspayParseError(JuspayError):
    """The body was not JSON, or not shaped like the documented answer. `raw_text` holds it."""


# --- Reading an error answer -----------------------------------------------------------------------


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _status_id(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def looks_like_error_body(body: Mapping[str, Any]) -> bool:
    """True for bodies that are errors even when they come with HTTP 200 (legacy answers do)."""
    status = (_text(body.get("status")) or "").upper()
    return (
        status in {"ERROR", "NOT_FOUND"}
        or _status_id(body.get("status_id")) in {-1, 40}
        or isinstance(body.get("error_info"), Mapping)
    )


def _error_class(
    http_status: int | None, status: str, status_id: int | None, error_code: str, info_code: str
) -> type[JuspayError]:
    code = error_code.lower()
    if http_status is not None and (http_status >= 500 or http_status == 429):
        return JuspayUnavailable  # a server fault or rate limit, whatever its body says
    if http_status in {401, 403} or code == "access_denied" or info_code == "UNAUTHORIZED":
        return JuspayAuthError
    if code == "no txn found" or code.startswith("invalid.order.not_success"):
        return JuspayNoSuccessfulTxn
    if status == "NOT_FOUND" or status_id == 40 or info_code == "RESOURCE_NOT_FOUND" or http_status == 404:
        return JuspayNotFound
    if code == "duplicate.call" or info_code == "ALREADY_EXISTS":
        return JuspayDuplicateRequest
    if code.startswith("invalid.amount") or code == "invalid amount":
        return JuspayAmountError
    return JuspayInvalidRequest


def error_from_response(
    http_status: int | None,
    body: Mapping[str, Any] | None,
    *,
    raw_text: str | None = None,
    request_id: str | None = None,
    sent_request_id: str | None = None,
) -> JuspayError:
    """Build the exception for an error answer. `body` is the decoded JSON object, or None.

    `request_id` is the id Juspay's response headers gave (x-request-id); a `request_id` inside
    `error_info` takes precedence, and `sent_request_id` (ours) is the fallback.
    """
    body = body or {}
    error_info = body.get("error_info")
    info: Mapping[str, Any] = error_info if isinstance(error_info, Mapping) else {}
    status = _text(body.get("status"))
    error_code = _text(body.get("error_code"))
    info_code = _text(info.get("code"))
    developer_message = _text(info.get("developer_message"))
    user_message = _text(body.get("user_message")) or _text(info.get("user_message"))
    message = (
        _text(body.get("error_message"))
        or developer_message
        or user_message
        or status
        or (raw_text or "").strip()[:200]
        or f"HTTP {http_status}"
    )
    cls = _error_class(
        http_status,
        (status or "").upper(),
        _status_id(body.get("status_id")),
        error_code or "",
        (info_code or "").upper(),
    )
    kwargs: dict[str, Any] = {
        "http_status": http_status,
        "status": status,
        "error_code": error_code,
        "info_code": info_code,
        "category": _text(info.get("category")),
        "user_message": user_message,
        "developer_message": developer_message,
        "request_id": _text(info.get("request_id")) or request_id,
        "sent_request_id": sent_request_id,
        "body": body or None,
        "raw_text": raw_text,
    }
    if cls is JuspayUnavailable:
        return JuspayUnavailable(message, cause="rate_limited" if http_status == 429 else "http", **kwargs)
    return cls(message, **kwargs)
