"""The money-safety rule for state-changing calls, as an explicit decision table.

    A refund or a fulfilment command never goes out twice without first checking Order Status.

Each POST carries an idempotency key (`unique_request_id` for a refund, `fulfillment_id` for a
fulfilment command) and every try of it sends the same key. What happens after a try:

- Juspay answered and the answer shows our refund/command: done (`Resolution.SENT`).
- Never sent (connect failure) or refused before processing (429): send again after a backoff, if
  tries are left.
- Outcome unknown (timeout after sending, connection dropped, 5xx, a 2xx we cannot read or that does
  not show our item): check Order Status.
- `duplicate.call` / `ALREADY_EXISTS`, or any refusal after an earlier unknown try: check Order Status.
- Any other refusal (amount, auth, not found, ...): raise it; nothing happened.
- The check finds our refund/command: done (`Resolution.FOUND_ON_CHECK`); nothing is sent again.
- The check does not find it, no duplicate was seen and tries are left: send again, same key.
- The check does not find it after a duplicate answer: check once more after a pause, then give up.
- The check itself fails, or no try is left: raise `JuspayOutcomeUnknown`.

Order Status shows refunds (by `unique_request_id`) and split settlements, but Juspay documents no
list of fulfilment commands in it. When a check cannot tell (`UNOBSERVABLE`), the only safe resend is
one Juspay deduplicates itself: a fulfilment command with the same `fulfillment_id`, which Juspay
refuses with `ALREADY_EXISTS` ("Request has already been executed successfully") if it was executed.
That refusal then confirms our earlier try (`Resolution.CONFIRMED_BY_DUPLICATE`). Refunds never take
this path: their effect is always visible in Order Status. Nor do fulfilment commands that move money
(INITIATE_REFUND, or any the caller flags): Juspay's page calls `fulfillment_id` "A unique/repeat
merchant-generated identifier" and does not promise that a repeat is refused, so for them the plan gets no
`confirm_duplicate` and an unobservable outcome ends in `JuspayOutcomeUnknown`, never in a resend.

With `check_first=True` (a caller that does not know whether an earlier process already sent it,
e.g. an executor restarted mid-flight) the table starts with a check; finding the item then gives
`Resolution.FOUND_BEFORE_SENDING` and nothing is sent.

`PostPlan` is that table; it does no I/O. `JuspayClient` drives it: `Send` -> send and report with
`after_answer`/`after_failure`; `Check` -> look in Order Status and report with `after_check`/
`after_check_failed`; `Finish`/`Fail` end the call.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from .errors import JuspayApiError, JuspayDuplicateRequest, JuspayError, JuspayOutcomeUnknown
from .exchange import AttemptFailure, Body, unreadable_answer
from .retry import Delivery, RetryPolicy

MAX_CHECKS_AFTER_DUPLICATE = 2


class Resolution(StrEnum):
    SENT = "sent"  # Juspay answered this request
    FOUND_ON_CHECK = "found_on_check"  # the answer was lost; Order Status shows it took effect
    FOUND_BEFORE_SENDING = "found_before_sending"  # check_first found it already there; nothing was sent
    CONFIRMED_BY_DUPLICATE = "confirmed_by_duplicate"  # a resend with the same key was refused as already done


@dataclass(frozen=True)
class Send:
    attempt: int
    delay: float


@dataclass(frozen=True)
class Check:
    delay: float


@dataclass(frozen=True)
class Finish[T]:
    value: T
    resolution: Resolution


@dataclass(frozen=True)
class Fail:
    error: JuspayError


type Step[T] = Send | Check | Finish[T] | Fail


class Unobservable:
    """A check's answer when Order Status cannot show whether the request took effect."""

    def __repr__(self) -> str:
        return "UNOBSERVABLE"


UNOBSERVABLE = Unobservable()

type Lookup[T] = T | None | Unobservable


class PostPlan[T]:
    """The decision table above for one state-changing request. Create one per call.

    `confirm_duplicate` is for operations whose effect Order Status cannot show (most fulfilment
    commands): Juspay refuses to execute the same command twice ("Request has already been executed
    successfully"), so that refusal, after a try of ours that may have gone through, confirms it.
    Without it, an unobservable effect always ends in `JuspayOutcomeUnknown`.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        operation: str,
        order_id: str,
        key: str,
        check_first: bool = False,
        confirm_duplicate: Callable[[JuspayDuplicateRequest], T] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.policy = policy
        self.operation = operation
        self.order_id = order_id
        self.key = key
        self.check_first = check_first
        self.confirm_duplicate = confirm_duplicate
        self.rng = rng
        self.sends = 0
        self.checks = 0
        self.maybe_processed = check_first  # could a request with this key already have taken effect?
        self.duplicate: JuspayDuplicateRequest | None = None
        self.checks_since_duplicate = 0
        self.last_failure: AttemptFailure | None = None

    # --- Steps -------------------------------------------------------------------------------------

    def start(self) -> Step[T]:
        return Check(0.0) if self.check_first else self._send(retry_after=None)

    def after_body(self, body: Body, read: Callable[[Body], T | None]) -> Step[T]:
        """Juspay answered 2xx with a JSON object; `read` finds our item in it (or raises a parse error)."""
        try:
            found = read(body)
        except JuspayError as error:
            return self.after_failure(unreadable_answer(error))
        return self.after_answer(found)

    def after_answer(self, value: T | None) -> Step[T]:
        """Juspay answered 2xx; `value` is our refund/command found in the answer, or None."""
        if value is not None:
            return Finish(value, Resolution.SENT)
        self.maybe_processed = True
        return self._check()

    def after_failure(self, failure: AttemptFailure) -> Step[T]:
        self.last_failure = failure
        error = failure.error
        if isinstance(error, JuspayDuplicateRequest):
            if self.maybe_processed and self.confirm_duplicate is not None:
                return Finish(self.confirm_duplicate(error), Resolution.CONFIRMED_BY_DUPLICATE)
            self.duplicate = error
            self.checks_since_duplicate = 0
            return self._check()
        if isinstance(error, JuspayApiError):
            # After a try that may have gone through, a refusal can be caused by that very try
            # (e.g. "amount exceeds refundable" because our first refund took it): look before failing.
            return self._check() if self.maybe_processed else Fail(error)
        if failure.delivery is Delivery.UNKNOWN:
            self.maybe_processed = True
            return self._check()
        if failure.retryable and self.policy.can_retry(self.sends):
            return self._send(retry_after=failure.retry_after)
        return Fail(self._unknown(error) if self.maybe_processed else error)

    def after_check(self, found: Lookup[T]) -> Step[T]:
        if isinstance(found, Unobservable):
            return self._after_blind_check()
        if found is not None:
            resolution = Resolution.FOUND_ON_CHECK if self.sends else Resolution.FOUND_BEFORE_SENDING
            return Finish(found, resolution)
        if self.sends == 0:
            return self._send(retry_after=None)  # check_first: not there, so send it
        if self.duplicate is not None:
            if self.checks_since_duplicate < MAX_CHECKS_AFTER_DUPLICATE:
                return self._check()
            if not self.maybe_processed:
                return Fail(self.duplicate)  # refused on our first try and not ours: a real duplicate
            return Fail(self._unknown(self.duplicate))
        if self.last_failure is not None and isinstance(self.last_failure.error, JuspayApiError):
            return Fail(self._unknown(self.last_failure.error))
        if self.policy.can_retry(self.sends):
            return self._send(retry_after=None)
        return Fail(self._unknown(self.last_failure.error if self.last_failure else None))

    def after_check_failed(self, error: JuspayError) -> Step[T]:
        if self.sends == 0 and isinstance(error, JuspayApiError):
            return Fail(error)  # check_first and Juspay refused the look-up itself: nothing was sent
        return Fail(self._unknown(error))

    # --- Helpers -------------------------------------------------------------------------------------

    def _after_blind_check(self) -> Step[T]:
        """Order Status cannot show the effect: only Juspay's own duplicate refusal can settle it."""
        if self.duplicate is not None:  # refused as already done, and no try of ours may have done it
            return Fail(self._unknown(self.duplicate) if self.maybe_processed else self.duplicate)
        cause = self.last_failure.error if self.last_failure else None
        if self.confirm_duplicate is None or isinstance(cause, JuspayApiError):
            return Fail(self._unknown(cause))
        if self.sends == 0 or self.policy.can_retry(self.sends):
            return self._send(retry_after=None)  # same key: Juspay refuses it if it was executed
        return Fail(self._unknown(cause))

    def _send(self, *, retry_after: float | None) -> Send:
        self.sends += 1
        delay = self.policy.delay_before(self.sends, retry_after=retry_after, rng=self.rng)
        return Send(self.sends, delay)

    def _check(self) -> Check:
        self.checks += 1
        self.checks_since_duplicate += 1
        # The first look is immediate; later ones wait, in case Juspay is still processing our try.
        if self.checks == 1:
            return Check(0.0)
        delay = max(self.policy.backoff_base, self.policy.delay_before(self.checks, rng=self.rng))
        return Check(delay)

    def _unknown(self, cause: JuspayError | None) -> JuspayOutcomeUnknown:
        detail = f": {cause.message}" if cause is not None else ""
        error = JuspayOutcomeUnknown(
            f"{self.operation} for order {self.order_id} with key {self.key} may or may not have taken effect, "
            f"and Order Status does not show it (after {self.sends} send(s), {self.checks} check(s)){detail}",
            operation=self.operation,
            order_id=self.order_id,
            idempotency_key=self.key,
            http_status=cause.http_status if cause else None,
            sent_request_id=cause.sent_request_id if cause else None,
        )
        error.__cause__ = cause
        return error
