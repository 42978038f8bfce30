"""The money-safety decision table for POSTs (dashboard.juspay.posts), driven without any network.

Each scenario scripts what each send and each Order Status check returns, and asserts both the
result and the exact sequence of sends and checks: a second send never happens without a check.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from dashboard.juspay import errors
from dashboard.juspay.exchange import AttemptFailure, read_response, transport_failure
from dashboard.juspay.posts import UNOBSERVABLE, Check, Fail, Finish, PostPlan, Resolution, Send
from dashboard.juspay.retry import RetryPolicy

from .examples import example

POLICY = RetryPolicy(max_attempts=3, backoff_base=0.1, backoff_max=1.0)
DONE = "refund RFD1"  # what a send or a check returns when it shows our refund


def timeout() -> AttemptFailure:
    return transport_failure(httpx.ReadTimeout("slow"), timeout=1.0, sent_request_id="r")


def refused_connection() -> AttemptFailure:
    return transport_failure(httpx.ConnectError("refused"), timeout=1.0, sent_request_id="r")


def http(status: int, body: Any = None, headers: dict | None = None) -> AttemptFailure:
    outcome = read_response(httpx.Response(status, json=body, headers=headers), sent_request_id="r")
    assert isinstance(outcome, AttemptFailure)
    return outcome


def refund_duplicate() -> AttemptFailure:
    return http(400, example("refund_error_duplicate.json"))


def amount_exceeded() -> AttemptFailure:
    return http(400, example("refund_error_amount_exceeded.json"))


def command_duplicate() -> AttemptFailure:
    return http(400, example("fulfillment_sync_error_duplicate.json"))


@dataclass
class Script:
    sends: list[Any]  # per send: DONE (answer shows ours), None (answer without ours) or an AttemptFailure
    checks: list[Any] = field(default_factory=list)  # per check: DONE, None, UNOBSERVABLE or a JuspayError
    trace: list[str] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)


def run(
    script: Script, *, check_first: bool = False, confirm: Callable[[errors.JuspayDuplicateRequest], Any] | None = None
) -> tuple[Any, Resolution]:
    plan: PostPlan[Any] = PostPlan(
        POLICY,
        operation="refund",
        order_id="ORD1",
        key="RFD1",
        check_first=check_first,
        confirm_duplicate=confirm,
        rng=random.Random(7),
    )
    step = plan.start()
    for _ in range(50):
        if isinstance(step, Send):
            script.trace.append("send")
            script.delays.append(step.delay)
            outcome = script.sends.pop(0)
            step = plan.after_failure(outcome) if isinstance(outcome, AttemptFailure) else plan.after_answer(outcome)
        elif isinstance(step, Check):
            script.trace.append("check")
            found = script.checks.pop(0)
            step = plan.after_check_failed(found) if isinstance(found, errors.JuspayError) else plan.after_check(found)
        elif isinstance(step, Finish):
            return step.value, step.resolution
        else:
            assert isinstance(step, Fail)
            raise step.error
    raise AssertionError("the plan did not end")


def test_answer_received_first_time():
    script = Script(sends=[DONE])
    assert run(script) == (DONE, Resolution.SENT)
    assert script.trace == ["send"]


def test_lost_answer_found_in_order_status_is_not_sent_again():
    script = Script(sends=[timeout()], checks=[DONE])
    assert run(script) == (DONE, Resolution.FOUND_ON_CHECK)
    assert script.trace == ["send", "check"]


@pytest.mark.parametrize(
    "lost",
    [
        timeout,
        lambda: http(500),
        lambda: http(502),
        lambda: transport_failure(httpx.RemoteProtocolError("dropped"), timeout=1.0, sent_request_id="r"),
    ],
)
def test_every_unknown_outcome_is_checked_before_anything_else(lost):
    script = Script(sends=[lost()], checks=[DONE])
    assert run(script) == (DONE, Resolution.FOUND_ON_CHECK)
    assert script.trace == ["send", "check"]


def test_an_answer_that_does_not_show_our_refund_is_checked():
    script = Script(sends=[None], checks=[DONE])
    assert run(script) == (DONE, Resolution.FOUND_ON_CHECK)


def test_not_found_on_check_is_sent_again_with_the_same_key():
    script = Script(sends=[timeout(), DONE], checks=[None])
    assert run(script) == (DONE, Resolution.SENT)
    assert script.trace == ["send", "check", "send"]


def test_never_settled_ends_in_outcome_unknown_after_bounded_tries():
    script = Script(sends=[timeout(), timeout(), timeout()], checks=[None, None, None])
    with pytest.raises(errors.JuspayOutcomeUnknown) as caught:
        run(script)
    assert script.trace == ["send", "check", "send", "check", "send", "check"]
    assert (caught.value.operation, caught.value.order_id, caught.value.idempotency_key) == ("refund", "ORD1", "RFD1")


def test_a_request_that_never_left_is_sent_again_without_checking():
    script = Script(sends=[refused_connection(), DONE])
    assert run(script) == (DONE, Resolution.SENT)
    assert script.trace == ["send", "send"]


def test_a_request_that_never_left_three_times_is_unavailable_not_unknown():
    script = Script(sends=[refused_connection()] * 3)
    with pytest.raises(errors.JuspayUnavailable):
        run(script)
    assert script.trace == ["send"] * 3


def test_rate_limited_is_sent_again_after_retry_after():
    script = Script(sends=[http(429, headers={"retry-after": "0.7"}), DONE])
    assert run(script) == (DONE, Resolution.SENT)
    assert script.trace == ["send", "send"] and script.delays[1] >= 0.7


def test_a_refusal_on_the_first_try_is_raised_as_is():
    script = Script(sends=[amount_exceeded()])
    with pytest.raises(errors.JuspayAmountError):
        run(script)
    assert script.trace == ["send"]


def test_a_duplicate_on_the_first_try_that_is_not_ours_is_raised_after_looking_twice():
    script = Script(sends=[refund_duplicate()], checks=[None, None])
    with pytest.raises(errors.JuspayDuplicateRequest):
        run(script)
    assert script.trace == ["send", "check", "check"]


def test_a_duplicate_that_is_ours_returns_the_existing_refund():
    script = Script(sends=[refund_duplicate()], checks=[DONE])
    assert run(script) == (DONE, Resolution.FOUND_ON_CHECK)


def test_a_refusal_after_a_lost_answer_is_checked_because_our_first_try_may_have_caused_it():
    script = Script(sends=[timeout(), amount_exceeded()], checks=[None, DONE])
    assert run(script) == (DONE, Resolution.FOUND_ON_CHECK)
    assert script.trace == ["send", "check", "send", "check"]


def test_a_refusal_after_a_lost_answer_that_stays_unexplained_is_unknown_not_failed():
    script = Script(sends=[timeout(), amount_exceeded()], checks=[None, None])
    with pytest.raises(errors.JuspayOutcomeUnknown):
        run(script)


def test_a_duplicate_after_a_lost_answer_is_looked_up_again_after_a_pause():
    script = Script(sends=[timeout(), refund_duplicate()], checks=[None, None, DONE])
    assert run(script) == (DONE, Resolution.FOUND_ON_CHECK)
    assert script.trace == ["send", "check", "send", "check", "check"]


def test_a_failing_check_after_a_lost_answer_is_unknown():
    script = Script(sends=[timeout()], checks=[errors.JuspayUnavailable("down", cause="timeout")])
    with pytest.raises(errors.JuspayOutcomeUnknown) as caught:
        run(script)
    assert isinstance(caught.value.__cause__, errors.JuspayUnavailable)
    assert script.trace == ["send", "check"]


def test_check_first_finds_it_and_sends_nothing():
    script = Script(sends=[], checks=[DONE])
    assert run(script, check_first=True) == (DONE, Resolution.FOUND_BEFORE_SENDING)
    assert script.trace == ["check"]


def test_check_first_not_there_sends_it():
    script = Script(sends=[DONE], checks=[None])
    assert run(script, check_first=True) == (DONE, Resolution.SENT)
    assert script.trace == ["check", "send"]


def test_check_first_refused_by_juspay_raises_that_refusal():
    script = Script(sends=[], checks=[errors.JuspayAuthError("bad key", http_status=401)])
    with pytest.raises(errors.JuspayAuthError):
        run(script, check_first=True)
    assert script.trace == ["check"]


def test_check_first_unreachable_is_unknown():
    script = Script(sends=[], checks=[errors.JuspayUnavailable("down")])
    with pytest.raises(errors.JuspayOutcomeUnknown):
        run(script, check_first=True)


def confirmed(error: errors.JuspayDuplicateRequest) -> str:
    return f"confirmed: {error.info_code}"


def test_unobservable_effect_is_confirmed_by_juspays_duplicate_refusal():
    script = Script(sends=[timeout(), command_duplicate()], checks=[UNOBSERVABLE])
    assert run(script, confirm=confirmed) == ("confirmed: ALREADY_EXISTS", Resolution.CONFIRMED_BY_DUPLICATE)
    assert script.trace == ["send", "check", "send"]


def test_unobservable_effect_that_had_not_happened_is_sent_once_more():
    script = Script(sends=[timeout(), DONE], checks=[UNOBSERVABLE])
    assert run(script, confirm=confirmed) == (DONE, Resolution.SENT)


def test_unobservable_effect_without_a_confirming_duplicate_is_unknown():
    script = Script(sends=[timeout()], checks=[UNOBSERVABLE])
    with pytest.raises(errors.JuspayOutcomeUnknown):
        run(script)
    assert script.trace == ["send", "check"]


def test_a_duplicate_command_on_the_first_try_is_a_refusal_not_a_confirmation():
    script = Script(sends=[command_duplicate()], checks=[UNOBSERVABLE])
    with pytest.raises(errors.JuspayDuplicateRequest):
        run(script, confirm=confirmed)


def test_check_first_with_an_unobservable_effect_relies_on_the_duplicate_refusal():
    script = Script(sends=[command_duplicate()], checks=[UNOBSERVABLE])
    assert run(script, check_first=True, confirm=confirmed)[1] is Resolution.CONFIRMED_BY_DUPLICATE
    assert script.trace == ["check", "send"]


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(max_attempts=6, backoff_base=0.5, backoff_max=1.5)
    rng = random.Random(1)
    for attempt, ceiling in [(2, 0.5), (3, 1.0), (4, 1.5), (5, 1.5), (6, 1.5)]:
        delays = [policy.delay_before(attempt, rng=rng) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= ceiling
        assert max(delays) > ceiling * 0.8  # full jitter spreads over the whole range
    assert policy.delay_before(1) == 0.0
    assert (policy.timeout_for(1), policy.timeout_for(2), policy.timeout_for(3)) == (1.0, 2.0, 2.0)
