"""Contract tests: the Juspay client against the running simulator, over real HTTP on 127.0.0.1.

Faults are switched on or off just before the n-th request leaves (see `Wire`), so "fails first, then
works" sequences are deterministic, and each test can assert the exact requests that went out.
"""

import asyncio
import time
from decimal import Decimal

import httpx
import pytest

from dashboard.juspay import (
    AsyncJuspayClient,
    JuspayClient,
    JuspayConfig,
    Order,
    Resolution,
    SplitSettlementDetails,
    errors,
)
from dashboard.juspay.enums import OrderStatus, PayoutOrderStatus

# Values the simulator sends that Juspay does not document (reported to the simulator's author).
KNOWN_SIMULATOR_DEVIATIONS = {("payment_method_type", "CASH")}


def config_for(sim, **changes) -> JuspayConfig:
    values = {
        "base_url": sim.base_url,
        "api_key": sim.api_key,
        "merchant_id": sim.merchant_id,
        "timeout": 1.0,
        "retry_timeout": 2.0,
        "backoff_base": 0.01,
    }
    return JuspayConfig(**(values | changes))


class Wire(httpx.HTTPTransport):
    """A real HTTP transport that records each request and runs `before[n]` just before the n-th one."""

    def __init__(self, **before) -> None:
        super().__init__()
        self.before = {int(key.removeprefix("request_")): action for key, action in before.items()}
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        action = self.before.get(len(self.sent))
        if action is not None:
            action()
        return super().handle_request(request)


@pytest.fixture
def juspay(juspay_sim):
    with JuspayClient(config_for(juspay_sim), request_id=lambda: "contract-test") as client:
        yield client


def client_with(sim, wire: Wire) -> JuspayClient:
    return JuspayClient(config_for(sim), transport=wire, request_id=lambda: "contract-test")


# --- Order Status ---------------------------------------------------------------------------------------


def test_every_seeded_order_parses_with_documented_fields_and_values(juspay_sim):
    async def fetch_all() -> list[Order]:  # the async client over its aiohttp transport, as bulk sync uses it
        async with AsyncJuspayClient(config_for(juspay_sim), request_id=lambda: "sweep") as client:
            return await asyncio.gather(*(client.order_status(order_id) for order_id in juspay_sim.order_ids()))

    orders = asyncio.run(fetch_all())
    assert len(orders) == len(juspay_sim.order_ids()) > 0
    assert [(o.order_id, o.unknown_fields()) for o in orders if o.unknown_fields()] == []
    unknown = {(u.path, u.value) for o in orders for u in o.unknown_values()}
    assert unknown <= KNOWN_SIMULATOR_DEVIATIONS
    assert all(OrderStatus.lookup(o.status).status_id == o.status_id for o in orders)


def test_order_status_of_a_new_charged_order(juspay, juspay_sim):
    order_id = juspay_sim.create_order(
        amount="1499.00", status="CHARGED", payment_method_type="CARD", customer={"customer_id": "cust_contract_1"}
    )
    order = juspay.order_status(order_id, customer_id="cust_contract_1")
    assert (order.order_id, order.status, order.status_id, order.is_paid) == (order_id, "CHARGED", 21, True)
    assert order.amount == Decimal("1499.00") and order.customer_id == "cust_contract_1"
    assert order.txn_detail is not None and order.txn_detail.status == "CHARGED"
    assert order.date_created is not None and order.date_created.tzinfo is not None
    assert order.raw["order_id"] == order_id
    assert order.payment_gateway_response is not None and order.payment_gateway_response.gateway_response is None


def test_full_gateway_response_option(juspay, juspay_sim):
    order_id = juspay_sim.create_order(status="CHARGED", payment_method_type="CARD")
    order = juspay.order_status(order_id, full_gateway_response=True)
    assert order.payment_gateway_response is not None
    assert order.payment_gateway_response.gateway_response  # the gateway's raw fields


def test_unknown_order_is_not_found_with_messages_and_our_request_id(juspay):
    with pytest.raises(errors.JuspayNotFound) as caught:
        juspay.order_status("NOSUCHORDER1")
    error = caught.value
    assert (error.http_status, error.status, error.code) == (400, "NOT_FOUND", "RESOURCE_NOT_FOUND")
    assert error.user_message == "Order Not Found"
    assert error.request_id == "contract-test"  # echoed by the server in x-request-id


def test_wrong_api_key_is_an_auth_error(juspay_sim):
    wire = Wire()
    client = JuspayClient(config_for(juspay_sim, api_key="sk_wrong"), transport=wire, request_id=lambda: "r")
    with client, pytest.raises(errors.JuspayAuthError) as caught:
        client.order_status(juspay_sim.order_ids()[0])
    assert (caught.value.http_status, caught.value.error_code, caught.value.user_message) == (
        401,
        "access_denied",
        "Unauthorized.",
    )
    assert len(wire.sent) == 1  # a refusal is not retried


def test_payout_order_status_with_fulfilments_and_transactions(juspay, juspay_sim):
    payouts = [juspay.payout_order_status(order_id) for order_id in juspay_sim.payout_order_ids()]
    assert payouts and all(PayoutOrderStatus.known(p.status) for p in payouts)
    with_txns = [p for p in payouts if p.transactions]
    assert with_txns, "the seeded data has payouts with transactions"
    fulfillment = with_txns[0].fulfillments[0]
    assert fulfillment.beneficiary_details is not None and fulfillment.beneficiary_details.type
    assert all(isinstance(t.amount, Decimal) for t in with_txns[0].transactions)
    assert [(p.order_id, p.unknown_fields()) for p in payouts if p.unknown_fields()] == []
    assert {(u.path, u.value) for p in payouts for u in p.unknown_values()} <= KNOWN_SIMULATOR_DEVIATIONS


def test_unknown_payout_order_is_not_found(juspay):
    with pytest.raises(errors.JuspayNotFound):
        juspay.payout_order_status("PO_NOT_THERE_1")


# --- Retries ----------------------------------------------------------------------------------------------


def test_a_timeout_is_retried_and_the_retry_succeeds(juspay_sim):
    order_id = juspay_sim.create_order(status="CHARGED")
    juspay_sim.set_faults(timeout_rate=1.0, timeout_seconds=5)
    wire = Wire(request_2=juspay_sim.reset_faults)
    started = time.monotonic()
    with client_with(juspay_sim, wire) as client:
        assert client.order_status(order_id).order_id == order_id
    assert wire.sent == [f"GET /orders/{order_id}"] * 2
    assert time.monotonic() - started < 4  # the first try was cut at its 1 s timeout, not the 5 s hang


def test_server_errors_are_retried_until_the_server_recovers(juspay_sim):
    order_id = juspay_sim.create_order(status="CHARGED")
    juspay_sim.set_faults(fail_rate=1.0)
    wire = Wire(request_3=juspay_sim.reset_faults)
    with client_with(juspay_sim, wire) as client:
        assert client.order_status(order_id).status == "CHARGED"
    assert len(wire.sent) == 3  # two 500s, then the third try worked


def test_persistent_server_errors_end_in_unavailable_after_bounded_tries(juspay_sim):
    order_id = juspay_sim.create_order(status="CHARGED")
    juspay_sim.set_faults(fail_rate=1.0)
    wire = Wire()
    with client_with(juspay_sim, wire) as client, pytest.raises(errors.JuspayUnavailable) as caught:
        client.order_status(order_id)
    assert (caught.value.http_status, caught.value.attempts, caught.value.cause) == (500, 3, "http")
    assert len(wire.sent) == 3


def test_a_failed_try_is_logged_once_with_its_request_id(juspay_sim, caplog):
    order_id = juspay_sim.create_order(status="CHARGED")
    juspay_sim.set_faults(fail_rate=1.0)
    wire = Wire(request_2=juspay_sim.reset_faults)
    client = JuspayClient(config_for(juspay_sim), transport=wire, request_id=lambda: "req-log-1")
    with caplog.at_level("INFO", logger="dashboard.juspay"), client:
        assert client.order_status(order_id).order_id == order_id
    failed = [r.getMessage() for r in caplog.records if "failed after" in r.getMessage()]
    assert len(failed) == 1, failed
    assert failed[0].count("req-log-1") == 1, failed[0]  # the error's own text names it; it is not named twice


def test_malformed_body_is_a_parse_error_with_the_raw_text(juspay, juspay_sim):
    order_id = juspay_sim.create_order(status="CHARGED")
    juspay_sim.set_faults(malformed_rate=1.0)
    with pytest.raises(errors.JuspayParseError) as caught:
        juspay.order_status(order_id)
    assert caught.value.raw_text and caught.value.raw_text.startswith("{") and order_id in caught.value.raw_text


# --- Refunds ----------------------------------------------------------------------------------------------


def test_refund_is_created_pending_and_counted(juspay, juspay_sim):
    order_id = juspay_sim.create_order(amount="1000.00", status="CHARGED")
    outcome = juspay.refund(order_id, unique_request_id="RFDC1", amount=Decimal("250.50"))
    assert outcome.resolution is Resolution.SENT and outcome.sent_now
    assert (outcome.refund.unique_request_id, outcome.refund.status, outcome.refund.amount) == (
        "RFDC1",
        "PENDING",
        Decimal("250.50"),
    )
    assert outcome.refund.sent_to_gateway is False
    assert outcome.order.amount_refunded == Decimal("250.50")
    assert outcome.order.maximum_eligible_refund_amount == Decimal("749.50")
    assert len(juspay_sim.refunds(order_id)) == 1


def test_refund_errors(juspay, juspay_sim):
    order_id = juspay_sim.create_order(amount="100.00", status="CHARGED")
    with pytest.raises(errors.JuspayAmountError) as exceeded:
        juspay.refund(order_id, unique_request_id="RFDE1", amount=Decimal("100.01"))
    assert exceeded.value.error_code == "invalid.amount.exceeded"
    unpaid = juspay_sim.create_order(amount="100.00", status="AUTHORIZATION_FAILED")
    with pytest.raises(errors.JuspayNoSuccessfulTxn):
        juspay.refund(unpaid, unique_request_id="RFDE2", amount=Decimal("10"))
    with pytest.raises(errors.JuspayNotFound):
        juspay.refund("NOSUCHORDER2", unique_request_id="RFDE3", amount=Decimal("10"))
    assert juspay_sim.refunds(order_id) == [] and juspay_sim.refunds(unpaid) == []


def test_the_same_key_again_returns_the_same_refund_and_another_amount_is_refused(juspay, juspay_sim):
    order_id = juspay_sim.create_order(amount="500.00", status="CHARGED")
    first = juspay.refund(order_id, unique_request_id="RFDK1", amount=Decimal("50"))
    again = juspay.refund(order_id, unique_request_id="RFDK1", amount=Decimal("50"))
    assert again.resolution is Resolution.FOUND_ON_CHECK and again.refund.unique_request_id == "RFDK1"
    with pytest.raises(errors.JuspayDuplicateRequest):
        juspay.refund(order_id, unique_request_id="RFDK1", amount=Decimal("60"))
    assert first.refund.amount == Decimal("50") and len(juspay_sim.refunds(order_id)) == 1


def test_refund_whose_answer_is_lost_is_resolved_through_order_status_without_a_second_refund(juspay, juspay_sim):
    order_id = juspay_sim.create_order(amount="1000.00", status="CHARGED")
    juspay_sim.set_faults(lose_next_post_responses=1)
    wire = Wire()
    with client_with(juspay_sim, wire) as client:
        outcome = client.refund(order_id, unique_request_id="RFDL1", amount=Decimal("100"))
    assert wire.sent == [f"POST /orders/{order_id}/refunds", f"GET /orders/{order_id}"]
    assert outcome.resolution is Resolution.FOUND_ON_CHECK
    assert (outcome.refund.unique_request_id, outcome.refund.amount) == ("RFDL1", Decimal("100"))
    assert len(juspay_sim.refunds(order_id)) == 1


def test_refund_hitting_a_server_error_is_checked_then_sent_once(juspay_sim):
    order_id = juspay_sim.create_order(amount="1000.00", status="CHARGED")
    juspay_sim.set_faults(fail_rate=1.0)
    wire = Wire(request_2=juspay_sim.reset_faults)  # the server recovers before the Order Status check
    with client_with(juspay_sim, wire) as client:
        outcome = client.refund(order_id, unique_request_id="RFD5X1", amount=Decimal("100"))
    assert wire.sent == [
        f"POST /orders/{order_id}/refunds",
        f"GET /orders/{order_id}",
        f"POST /orders/{order_id}/refunds",
    ]
    assert outcome.resolution is Resolution.SENT
    assert len(juspay_sim.refunds(order_id)) == 1


def test_refund_check_first_finds_an_earlier_send_and_sends_nothing(juspay, juspay_sim):
    order_id = juspay_sim.create_order(amount="1000.00", status="CHARGED")
    juspay.refund(order_id, unique_request_id="RFDF1", amount=Decimal("100"))
    again = juspay.refund(order_id, unique_request_id="RFDF1", amount=Decimal("100"), check_first=True)
    assert again.resolution is Resolution.FOUND_BEFORE_SENDING
    assert len(juspay_sim.refunds(order_id)) == 1


def test_refund_whose_answer_is_lost_while_juspay_is_down_is_unknown_not_failed(juspay_sim):
    order_id = juspay_sim.create_order(amount="1000.00", status="CHARGED")
    juspay_sim.set_faults(lose_next_post_responses=1)
    wire = Wire(request_2=lambda: juspay_sim.set_faults(fail_rate=1.0))  # Juspay goes down before the check
    with client_with(juspay_sim, wire) as client, pytest.raises(errors.JuspayOutcomeUnknown) as caught:
        client.refund(order_id, unique_request_id="RFDU1", amount=Decimal("100"))
    assert (caught.value.operation, caught.value.idempotency_key) == ("refund", "RFDU1")
    assert wire.sent == [f"POST /orders/{order_id}/refunds"] + [f"GET /orders/{order_id}"] * 3  # no second POST
    juspay_sim.reset_faults()
    assert len(juspay_sim.refunds(order_id)) == 1  # it did happen: the caller must not raise a new one


# --- Fulfillment Sync ---------------------------------------------------------------------------------------


def test_fulfilment_command_is_recorded(juspay, juspay_sim):
    order_id = juspay_sim.create_order(status="CHARGED")
    outcome = juspay.fulfillment_sync(
        order_id, fulfillment_id="DLV-1", status="SUCCESS", command="NO_ACTION", data="courier=BlueDart;awb=1"
    )
    assert outcome.resolution is Resolution.SENT and outcome.response is not None
    assert (outcome.command.command, outcome.command.status, outcome.command.metadata) == (
        "NO_ACTION",
        "SUCCESS",
        "courier=BlueDart;awb=1",
    )


def test_fulfilment_errors(juspay, juspay_sim):
    unpaid = juspay_sim.create_order(status="AUTHENTICATION_FAILED")
    with pytest.raises(errors.JuspayNoSuccessfulTxn) as caught:
        juspay.fulfillment_sync(unpaid, fulfillment_id="DLV-E1", status="SUCCESS", command="NO_ACTION")
    assert caught.value.user_message == "Cannot process your request as no transaction found for this order."
    with pytest.raises(errors.JuspayNotFound):
        juspay.fulfillment_sync("NOSUCHORDER3", fulfillment_id="DLV-E2", status="SUCCESS", command="NO_ACTION")


def test_fulfilment_whose_answer_is_lost_is_not_executed_twice(juspay, juspay_sim):
    order_id = juspay_sim.create_order(status="CHARGED")
    juspay_sim.set_faults(lose_next_post_responses=1)
    wire = Wire()
    with client_with(juspay_sim, wire) as client:
        lost = client.fulfillment_sync(
            order_id, fulfillment_id="DLV-L1", status="SUCCESS", command="BLOCK_IMEI", data="imei=1"
        )
    # Order Status shows no fulfilment commands, so the same fulfillment_id goes again and Juspay refuses it
    # as already executed: that refusal is the confirmation.
    assert wire.sent == [
        f"POST /orders/{order_id}/fulfillment",
        f"GET /orders/{order_id}",
        f"POST /orders/{order_id}/fulfillment",
    ]
    assert lost.resolution is Resolution.CONFIRMED_BY_DUPLICATE
    assert (lost.command.command, lost.command.fulfillment_id) == ("BLOCK_IMEI", "DLV-L1")
    later = juspay.fulfillment_sync(
        order_id, fulfillment_id="DLV-L2", status="SUCCESS", command="NO_ACTION", data="awb=2"
    )
    assert later.response is not None
    assert [c.metadata for c in later.response.commands] == ["imei=1", "awb=2"]


def test_a_money_moving_command_whose_answer_is_lost_is_not_sent_again(juspay_sim):
    order_id = juspay_sim.create_order(amount="700.00", status="CHARGED")
    juspay_sim.set_faults(lose_next_post_responses=1)
    wire = Wire()
    with client_with(juspay_sim, wire) as client, pytest.raises(errors.JuspayOutcomeUnknown):
        client.fulfillment_sync(
            order_id, fulfillment_id="RF-L1", status="SUCCESS", command="INITIATE_REFUND", moves_money=True
        )
    # Order Status cannot tell which refund the command made, and a resend could pay twice: one POST only.
    assert wire.sent == [f"POST /orders/{order_id}/fulfillment", f"GET /orders/{order_id}"]
    assert len(juspay_sim.refunds(order_id)) == 1


def test_split_settlement_whose_answer_is_lost_is_found_in_order_status(juspay, juspay_sim):
    order_id = juspay_sim.create_order(amount="900.00", status="CHARGED")
    split = SplitSettlementDetails.model_validate(
        {
            "marketplace": {"amount": 0},
            "mdr_borne_by": "ALL",
            "vendor": {
                "split": [
                    {"sub_mid": "vendor_n1", "amount": 600, "merchant_commission": 30},
                    {"sub_mid": "vendor_s7", "amount": 300, "merchant_commission": 15},
                ]
            },
        }
    )
    juspay_sim.set_faults(lose_next_post_responses=1)
    wire = Wire()
    with client_with(juspay_sim, wire) as client:
        outcome = client.fulfillment_sync(
            order_id,
            fulfillment_id="SPL-1",
            status="SUCCESS",
            command="POST_TXN_SPLIT_SETTLEMENT",
            split_settlement_details=split,
        )
    assert wire.sent == [f"POST /orders/{order_id}/fulfillment", f"GET /orders/{order_id}"]
    assert outcome.resolution is Resolution.FOUND_ON_CHECK and outcome.order is not None
    applied = outcome.order.split_settlement_response
    assert applied is not None and [(d.sub_vendor_id, d.amount) for d in applied.split_details] == [
        ("vendor_n1", Decimal("600")),
        ("vendor_s7", Decimal("300")),
    ]
    again = juspay.fulfillment_sync(
        order_id,
        fulfillment_id="SPL-1",
        status="SUCCESS",
        command="POST_TXN_SPLIT_SETTLEMENT",
        split_settlement_details=split,
        check_first=True,
    )
    assert again.resolution is Resolution.FOUND_BEFORE_SENDING
