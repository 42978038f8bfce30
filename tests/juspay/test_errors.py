"""Each documented error shape maps to the right exception, with its code, messages and request id."""

import httpx
import pytest

from dashboard.juspay import errors
from dashboard.juspay.exchange import AttemptFailure, read_response, transport_failure
from dashboard.juspay.retry import Delivery

from .examples import example

SENT_ID = "ours-5f1c"


def answer(status: int, body=None, *, text: str | None = None, headers=None) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def failure_of(response: httpx.Response) -> AttemptFailure:
    outcome = read_response(response, sent_request_id=SENT_ID)
    assert isinstance(outcome, AttemptFailure), f"expected a failure, got {outcome!r}"
    return outcome


def test_structured_error_info_carries_codes_and_both_messages():
    error = failure_of(answer(400, example("error_400_invalid_input.json"))).error
    assert type(error) is errors.JuspayInvalidRequest
    assert (error.http_status, error.error_code, error.info_code, error.code) == (
        400,
        "Invalid",
        "INVALID_INPUT",
        "INVALID_INPUT",
    )
    assert error.message == "Cannot Void AUTHENTICATION_FAILED Transaction"
    assert error.user_message == "Invalid request params. Please verify your input."
    assert error.developer_message == "Cannot Void AUTHENTICATION_FAILED Transaction"
    assert error.category == "USER_ERROR"
    assert error.request_id == SENT_ID and error.sent_request_id == SENT_ID


def test_order_not_found_with_status_id_40():
    error = failure_of(answer(400, example("error_400.json"))).error
    assert isinstance(error, errors.JuspayNotFound) and isinstance(error, errors.JuspayApiError)
    assert (error.status, error.code, error.user_message) == ("NOT_FOUND", "RESOURCE_NOT_FOUND", "Order Not Found")


def test_older_not_found_body_without_error_info():
    error = failure_of(answer(400, {"status_id": 40, "status": "NOT_FOUND", "order_id": "X1"})).error
    assert type(error) is errors.JuspayNotFound
    assert (error.code, error.message, error.user_message) == ("NOT_FOUND", "NOT_FOUND", None)


def test_unauthorized_401():
    error = failure_of(answer(401, example("error_401.json"))).error
    assert type(error) is errors.JuspayAuthError
    assert (error.http_status, error.error_code, error.info_code) == (401, "access_denied", "UNAUTHORIZED")
    assert error.user_message == "Unauthorized."
    assert error.message == "Invalid API Key. Please pass a valid and active api key."


@pytest.mark.parametrize("status_id", [-1, "-1"])
def test_legacy_refund_errors_with_numeric_or_string_status_id(status_id):
    body = {**example("refund_error_duplicate.json"), "status_id": status_id}
    error = failure_of(answer(400, body)).error
    assert type(error) is errors.JuspayDuplicateRequest
    assert (error.status, error.error_code) == ("ERROR", "duplicate.call")
    assert error.message == "A refund call was already completed with this unique_request_id for the order."


def test_legacy_error_sent_with_http_200_is_still_an_error():
    failure = failure_of(answer(200, example("refund_error_amount_exceeded.json")))
    assert type(failure.error) is errors.JuspayAmountError
    assert failure.error.message == "Refund amount exceeds the refundable amount."
    assert failure.retryable is False and failure.delivery is Delivery.NOT_PROCESSED


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"status_id": -1, "status": "ERROR", "error_message": "Amount is invalid.", "error_code": "invalid amount"},
            errors.JuspayAmountError,
        ),
        (
            {
                "status_id": -1,
                "status": "ERROR",
                "error_message": "Cannot process unsuccessful order.",
                "error_code": "invalid.order.not_successful",
            },
            errors.JuspayNoSuccessfulTxn,
        ),
        (
            {
                "status": "Bad Request",
                "error_message": "Mandatory fields are missing",
                "error_code": "Mandatory fields are missing",
            },
            errors.JuspayInvalidRequest,
        ),
    ],
)
def test_other_documented_refund_errors(body, expected):
    error = failure_of(answer(400, body)).error
    assert type(error) is expected and error.message == body["error_message"]


def test_fulfilment_without_a_charged_txn_is_not_an_unknown_order():
    error = failure_of(answer(400, example("fulfillment_sync_error.json"))).error
    assert type(error) is errors.JuspayNoSuccessfulTxn
    assert error.request_id == "5e8a1c3f-7b2d-4e9a-8c6f-0d4b2a9e7c15"  # Juspay's, from error_info
    assert error.sent_request_id == SENT_ID
    assert error.user_message == "Cannot process your request as no transaction found for this order."


def test_fulfilment_command_already_executed():
    error = failure_of(answer(400, example("fulfillment_sync_error_duplicate.json"))).error
    assert type(error) is errors.JuspayDuplicateRequest
    assert (error.error_code, error.info_code) == ("invalid_request", "ALREADY_EXISTS")
    assert error.user_message == "Request has already been executed successfully."


def test_top_level_user_message_wins_over_error_info():
    body = {
        "status": "ERROR",
        "error_code": "x",
        "user_message": "Top level",
        "error_info": {"user_message": "Inner", "code": "INVALID_INPUT"},
    }
    assert failure_of(answer(400, body)).error.user_message == "Top level"


def test_request_id_from_the_response_header_when_the_body_has_none():
    error = failure_of(answer(400, example("error_400.json"), headers={"x-request-id": "jp-77"})).error
    assert (error.request_id, error.sent_request_id) == ("jp-77", SENT_ID)
    assert "jp-77" in str(error) and "RESOURCE_NOT_FOUND" in str(error)


@pytest.mark.parametrize(
    ("status", "cause", "delivery"),
    [(500, "http", Delivery.UNKNOWN), (503, "http", Delivery.UNKNOWN), (429, "rate_limited", Delivery.NOT_PROCESSED)],
)
def test_server_faults_and_rate_limits_are_retryable_unavailability(status, cause, delivery):
    failure = failure_of(answer(status, text="<html>oops</html>", headers={"retry-after": "1"}))
    assert type(failure.error) is errors.JuspayUnavailable
    assert (failure.error.cause, failure.error.http_status, failure.error.raw_text) == (
        cause,
        status,
        "<html>oops</html>",
    )
    assert failure.retryable and failure.delivery is delivery and failure.retry_after == 1.0


def test_a_500_with_a_not_found_body_is_still_a_server_fault():
    failure = failure_of(answer(500, example("error_400.json")))
    assert type(failure.error) is errors.JuspayUnavailable and failure.retryable


def test_unknown_path_404_without_body():
    error = failure_of(answer(404, text="Not Found")).error
    assert type(error) is errors.JuspayNotFound and error.raw_text == "Not Found"


@pytest.mark.parametrize("text", ["{not json", "", "[1, 2]", '"CHARGED"', "null"])
def test_unreadable_2xx_body_is_a_parse_error_carrying_the_raw_text(text):
    failure = failure_of(answer(200, text=text))
    assert type(failure.error) is errors.JuspayParseError
    assert failure.error.raw_text == text and failure.error.http_status == 200
    assert failure.delivery is Delivery.UNKNOWN and not failure.retryable


@pytest.mark.parametrize(
    ("exc", "cause", "delivery"),
    [
        (httpx.ReadTimeout("slow"), "timeout", Delivery.UNKNOWN),
        (httpx.ConnectTimeout("slow"), "timeout", Delivery.NOT_PROCESSED),
        (httpx.ConnectError("refused"), "connection", Delivery.NOT_PROCESSED),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), "connection", Delivery.UNKNOWN),
        (httpx.ReadError("reset"), "connection", Delivery.UNKNOWN),
    ],
)
def test_transport_failures_become_unavailable_with_what_we_know_about_delivery(exc, cause, delivery):
    failure = transport_failure(exc, timeout=1.0, sent_request_id=SENT_ID)
    assert type(failure.error) is errors.JuspayUnavailable and failure.error.cause == cause
    assert failure.delivery is delivery and failure.retryable
    assert failure.error.request_id == SENT_ID


def test_one_hierarchy():
    for cls in (
        errors.JuspayAuthError,
        errors.JuspayNotFound,
        errors.JuspayInvalidRequest,
        errors.JuspayDuplicateRequest,
        errors.JuspayAmountError,
        errors.JuspayNoSuccessfulTxn,
    ):
        assert issubclass(cls, errors.JuspayApiError)
    for cls in (errors.JuspayApiError, errors.JuspayUnavailable, errors.JuspayOutcomeUnknown, errors.JuspayParseError):
        assert issubclass(cls, errors.JuspayError)
    assert not issubclass(errors.JuspayOutcomeUnknown, errors.JuspayUnavailable)
