"""Every payload in tests/juspay/payloads/ parses into the right type, with the right values.

Each payload has the shape Juspay documents (the URLs are in tests/juspay/payloads/README.md).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from dashboard.juspay import errors
from dashboard.juspay.enums import OrderStatus, RefundStatus, describe
from dashboard.juspay.forms import FulfillmentRequest, RefundRequest, TxnRefundRequest
from dashboard.juspay.types_fulfillment import FulfillmentResponse
from dashboard.juspay.types_order import Order
from dashboard.juspay.types_payout import PayoutOrder
from dashboard.juspay.types_refund import TxnRefund
from dashboard.juspay.types_webhook import PayoutWebhookEvent, WebhookEvent

from .examples import PAYLOADS, example, example_text, payload_names


def order(name: str) -> Order:
    parsed = Order.parse(example(name))
    assert parsed.raw == example(name)
    assert parsed.unknown_fields() == [] and parsed.unknown_values() == []
    return parsed


def check_order_status_charged() -> None:
    o = order("order_status_charged.json")
    assert (o.order_id, o.status, o.status_id, o.is_paid) == ("LH2503K11", "CHARGED", 21, True)
    assert o.status_info is OrderStatus.CHARGED and o.status_info.meaning == "Payment succeeded"
    assert o.amount == Decimal("1499") and isinstance(o.amount, Decimal)
    assert o.date_created == datetime(2025, 3, 11, 9, 14, 5, tzinfo=UTC)
    assert o.refunds == [] and o.offers == [] and o.txn_list == []
    assert o.card is not None and (o.card.last_four_digits, o.card.card_brand, o.card.card_type) == (
        "4242",
        "VISA",
        "CREDIT",
    )
    assert o.txn_detail is not None and o.txn_detail.status == "CHARGED" and o.txn_detail.gateway == "RAZORPAY"
    breakup = o.txn_detail.txn_amount_breakup
    assert [(b.name, b.amount, b.sno, b.method) for b in breakup] == [("BASE", Decimal("1499"), 1, "ADD")]
    assert o.payment_gateway_response is not None and o.payment_gateway_response.rrn == "503207715530"
    assert o.metadata == {"payment_page_client_id": "lotus_home"}
    assert o.udf1 == "web" and o.udf10 == ""


def check_order_status_refund_succeeded() -> None:
    o = order("order_status_refund_succeeded.json")
    assert o.status == "CHARGED" and o.refunded is False
    assert (o.amount_refunded, o.maximum_eligible_refund_amount) == (Decimal("499"), Decimal("1000"))
    (refund,) = o.refunds
    assert (refund.unique_request_id, refund.status, refund.amount, refund.sent_to_gateway) == (
        "RF-K11-01",
        "SUCCESS",
        Decimal("499"),
        True,
    )
    assert refund.pg_processed_at == datetime(2025, 3, 12, 8, 17, 40, tzinfo=UTC)
    assert refund.metadata == {"speed_requested": "normal", "speed_processed": "normal"}
    assert RefundStatus.lookup(refund.status) is RefundStatus.SUCCESS


def check_order_status_split_payment_txn_list() -> None:
    o = order("order_status_split_payment_txn_list.json")
    assert o.txn_detail is None and len(o.txn_list) == 2
    card_leg, reward_leg = o.txn_list
    assert (card_leg.payment_method_type, card_leg.effective_amount) == ("CARD", Decimal("1150"))
    assert (reward_leg.payment_method_type, reward_leg.payment_method, reward_leg.effective_amount) == (
        "REWARD",
        "LOYLTYREWARDZ",
        Decimal("450"),
    )
    assert reward_leg.card is None and reward_leg.gateway_id == 273
    assert [t.txn_amount for t in o.transaction_details()] == [Decimal("1150"), Decimal("450")]
    assert sum(t.effective_amount for t in o.txn_list) == o.amount


def check_order_status_split_settlement() -> None:
    o = order("order_status_split_settlement.json")
    split = o.split_settlement_response
    assert split is not None and split.split_applied is True
    assert [(d.sub_vendor_id, d.amount, d.merchant_commission) for d in split.split_details] == [
        ("seller_pune_03", Decimal("900"), Decimal("45")),
        ("seller_kochi_12", Decimal("450"), Decimal("20")),
    ]
    assert sum(d.amount for d in split.split_details) == o.amount


def check_order_status_with_offers() -> None:
    o = order("order_status_with_offers.json")
    assert (o.amount, o.effective_amount) == (Decimal("3000"), Decimal("2700"))
    (offer,) = o.offers
    assert (offer.offer_code, offer.status) == ("KOTAKSPRING10", "AVAILED")
    (benefit,) = offer.benefits
    assert (benefit.type, benefit.amount) == ("DISCOUNT", Decimal("300"))
    assert benefit.calculation_info is not None
    assert (
        benefit.calculation_info.calculation_rule,
        benefit.calculation_info.value,
        benefit.calculation_info.max_amount,
    ) == ("PERCENTAGE", Decimal("10"), Decimal("400"))
    assert o.txn_detail is not None and o.txn_detail.offer_deduction_amount == Decimal("300")
    breakup = o.txn_detail.txn_amount_breakup
    assert [(b.name, b.method, b.desc) for b in breakup] == [
        ("BASE", "ADD", None),
        ("ADD_ON", "ADD", "GiftBox"),
        ("OFFER", "SUB", None),
    ]
    signed = sum(b.amount if b.method == "ADD" else -b.amount for b in breakup)
    assert signed == o.effective_amount


def check_order_status_with_refunds() -> None:
    o = order("order_status_with_refunds.json")
    assert o.amount_refunded == Decimal("2000") and o.refunded is False
    assert [(r.unique_request_id, r.status) for r in o.refunds] == [
        ("RF-M27-01", "SUCCESS"),
        ("RF-M27-02", "PENDING"),
    ]
    pending = o.find_refund("RF-M27-02")
    assert pending is not None and pending.id is None and pending.ref is None and pending.sent_to_gateway is False
    assert pending.expected_refund_credit_time == datetime(2025, 3, 19, 6, tzinfo=UTC)
    assert o.upi is not None and o.upi.payer_app == "net.one97.paytm" and o.upi.txn_flow_type == "INTENT"


def check_refund_response() -> None:
    o = order("refund_response.json")
    refund = o.find_refund("RF-K11-01")
    assert refund is not None and (refund.status, refund.sent_to_gateway, refund.id) == ("PENDING", False, None)
    assert o.status == "CHARGED" and o.maximum_eligible_refund_amount == Decimal("1000")


def check_fulfillment_sync_response() -> None:
    r = FulfillmentResponse.parse(example("fulfillment_sync_response.json"))
    assert (r.status, r.order_id) == ("SUCCESS", "LH2503K11")
    (command,) = r.commands
    assert (command.command, command.status, command.metadata) == (
        "NO_ACTION",
        "SUCCESS",
        "courier=Delhivery;awb=9001234567801",
    )
    assert command.date_created == datetime(2025, 3, 11, 15, 42, 12, tzinfo=UTC)
    assert r.unknown_fields() == []


def check_payout_order_status_fulfillment() -> None:
    p = PayoutOrder.parse(example("payout_order_status_fulfillment.json"))
    assert (p.order_id, p.type, p.status, p.amount) == (
        "PAY2503F0007",
        "FULFILL_ONLY",
        "FULFILLMENTS_SUCCESSFUL",
        Decimal("1250"),
    )
    assert p.payments == [] and p.refunds == []
    (fulfillment,) = p.fulfillments
    assert (fulfillment.status, fulfillment.amount, fulfillment.preferred_method_list) == (
        "SUCCESS",
        Decimal("1250"),
        ["YESBANK_IMPS"],
    )
    beneficiary = fulfillment.beneficiary_details
    assert beneficiary is not None and beneficiary.type == "ACCOUNT_IFSC"
    assert beneficiary.details is not None and beneficiary.details.ifsc == "SBIN0004711"
    assert fulfillment.additional_info is not None and fulfillment.additional_info.attempt_threshold == 25
    (txn,) = p.transactions
    assert (txn.status, txn.fulfillment_method, txn.amount) == ("SUCCESS", "YESBANK_IMPS", Decimal("1250"))
    assert txn.txn_response is not None and txn.txn_response.request_id == txn.transaction_ref
    assert p.unknown_fields() == [] and p.unknown_values() == []


def check_payout_order_status_payment() -> None:
    p = PayoutOrder.parse(example("payout_order_status_payment.json"))
    (payment,) = p.payments
    assert (p.type, p.status, payment.amount, payment.payment_method_type, payment.auth_type) == (
        "PAYMENTS_ONLY",
        "PAYMENTS_SUCCESSFUL",
        Decimal("2100.00"),
        "UPI",
        "OTP",
    )
    assert payment.id == "ordeh_4f1c2a9be07d4c55a3e2b61d90c8f7a1" and payment.merchant_customer_id == "cust_lhp_3307"
    assert payment.upi_details is not None and payment.upi_details.payer_vpa == "anita.rao@okaxis"
    assert payment.card_details is not None and payment.card_details.saved_to_locker is True
    assert payment.bank_details is not None and payment.bank_details.metadata == {"purpose": "claim collection"}
    assert p.unknown_fields() == [] and p.unknown_values() == []


def check_payout_order_status_refund() -> None:
    p = PayoutOrder.parse(example("payout_order_status_refund.json"))
    first, second = p.refunds
    assert (first.unique_request_id, first.status, first.amount, first.sent_to_gateway) == (
        "PAY2503G0032-rf1",
        "SUCCESS",
        Decimal("2100.00"),
        True,
    )
    assert (second.status, second.error_message) == ("MANUAL_REVIEW", "Ambiguous answer from the bank")
    assert (p.type, p.status) == ("REFUNDS_ONLY", "REFUNDS_MANUAL_REVIEW") and p.unknown_values() == []
    assert p.unknown_fields() == []


def check_payout_webhook_order() -> None:
    w = PayoutWebhookEvent.parse(example("payout_webhook_order.json"))
    assert (w.label, w.value) == ("ORDER", "FULFILLMENTS_SUCCESSFUL")
    assert w.info is not None and (w.info.merchant_order_id, w.info.order_type) == ("PAY2503F0007", "FULFILL_ONLY")
    assert w.unknown_fields() == [] and w.unknown_values() == []


def check_payout_webhook_txn() -> None:
    w = PayoutWebhookEvent.parse(example("payout_webhook_txn.json"))
    assert (w.label, w.value) == ("FULFILLMENT_TXN", "SUCCESS")
    assert w.info is not None and w.info.fulfillment_id == "5c0d9e8f7a6b4c3d2e1f0a9b8c7d6e-f1"
    assert w.info.attempted is True and w.info.amount == Decimal("1250")
    assert w.unknown_fields() == []


def webhook(name: str) -> WebhookEvent:
    event = WebhookEvent.parse(example(name))
    assert event.unknown_fields() == [] and event.unknown_values() == []
    return event


def check_webhook_order_failed() -> None:
    event = webhook("webhook_order_failed.json")
    assert event.event_name == "ORDER_FAILED" and event.content.order is not None
    o = event.content.order
    assert (o.status, o.status_id, o.bank_error_message, o.is_paid) == (
        "AUTHORIZATION_FAILED",
        27,
        "Do not honour",
        False,
    )
    assert describe(OrderStatus, o.status) == "Customer authenticated, but the bank declined"


def check_webhook_order_refunded() -> None:
    o = webhook("webhook_order_refunded.json").content.order
    assert o is not None and o.status == "CHARGED" and [r.status for r in o.refunds] == ["SUCCESS"]


def check_webhook_order_succeeded() -> None:
    event = webhook("webhook_order_succeeded.json")
    assert event.date_created == datetime(2025, 3, 11, 9, 15, 3, tzinfo=UTC)
    assert event.content.order is not None and event.content.order.is_paid and event.content.txn is None


def check_webhook_txn_charged() -> None:
    txn = webhook("webhook_txn_charged.json").content.txn
    assert txn is not None and (txn.status, txn.status_id, txn.txn_amount) == ("CHARGED", 21, Decimal("1499"))
    assert txn.card is not None and txn.card.card_brand == "VISA"
    assert txn.payment_gateway_response is not None and txn.payment_gateway_response.auth_id_code == "604118"


def check_txn_refund_response() -> None:
    r = TxnRefund.parse(example("txn_refund_response.json"))
    assert (r.status, r.amount, r.sent_to_gateway, r.refund_type) == ("PENDING", Decimal("300"), False, "STANDARD")
    assert r.unknown_fields() == []


def check_refund_request() -> None:
    request = RefundRequest.model_validate(example("refund_request.json"))
    assert request.amount == Decimal("499.00")
    assert request.encode() == example_text("refund_request.form.txt")


def check_fulfillment_sync_request() -> None:
    request = FulfillmentRequest.model_validate(example("fulfillment_sync_request.json"))
    assert (request.fulfillment_command, request.fulfillment_id) == ("NO_ACTION", "SHP-30417-PNQ")
    assert request.encode() == example_text("fulfillment_sync_request.form.txt")


def check_fulfillment_sync_split_request() -> None:
    form = dict(parse_qsl(example_text("fulfillment_sync_split_request.form.txt")))
    request = FulfillmentRequest.model_validate(form)
    assert request.split_settlement_details is not None
    assert [(s.sub_mid, s.amount) for s in request.split_settlement_details.vendor.split] == [
        ("seller_pune_03", Decimal("800")),
        ("seller_kochi_12", Decimal("400")),
    ]
    assert request.encode() == example_text("fulfillment_sync_split_request.form.txt")


def check_txn_refund_request() -> None:
    request = TxnRefundRequest.model_validate(example("txn_refund_request.json"))
    assert request.to_form() == {
        "unique_request_id": "RF-K11-02",
        "amount": "300.00",
        "txn_id": "lotus_home-LH2503K11-1",
        "refund_type": "STANDARD",
    }


def error_for(name: str, http_status: int) -> errors.JuspayError:
    return errors.error_from_response(http_status, example(name))


def check_error_400() -> None:
    error = error_for("error_400.json", 400)
    assert type(error) is errors.JuspayNotFound and error.code == "RESOURCE_NOT_FOUND"


def check_error_400_invalid_input() -> None:
    error = error_for("error_400_invalid_input.json", 400)
    assert type(error) is errors.JuspayInvalidRequest and error.code == "INVALID_INPUT"


def check_error_401() -> None:
    error = error_for("error_401.json", 401)
    assert type(error) is errors.JuspayAuthError and error.error_code == "access_denied"


def check_fulfillment_sync_error() -> None:
    assert type(error_for("fulfillment_sync_error.json", 400)) is errors.JuspayNoSuccessfulTxn


def check_fulfillment_sync_error_duplicate() -> None:
    assert type(error_for("fulfillment_sync_error_duplicate.json", 400)) is errors.JuspayDuplicateRequest


def check_refund_error_amount_exceeded() -> None:
    assert type(error_for("refund_error_amount_exceeded.json", 400)) is errors.JuspayAmountError


def check_refund_error_duplicate() -> None:
    assert type(error_for("refund_error_duplicate.json", 400)) is errors.JuspayDuplicateRequest


def check_refund_error_missing_fields() -> None:
    assert type(error_for("refund_error_missing_fields.json", 400)) is errors.JuspayInvalidRequest


CHECKS: dict[str, Callable[[], None]] = {
    "order_status_charged.json": check_order_status_charged,
    "order_status_refund_succeeded.json": check_order_status_refund_succeeded,
    "order_status_split_payment_txn_list.json": check_order_status_split_payment_txn_list,
    "order_status_split_settlement.json": check_order_status_split_settlement,
    "order_status_with_offers.json": check_order_status_with_offers,
    "order_status_with_refunds.json": check_order_status_with_refunds,
    "refund_response.json": check_refund_response,
    "fulfillment_sync_response.json": check_fulfillment_sync_response,
    "payout_order_status_fulfillment.json": check_payout_order_status_fulfillment,
    "payout_order_status_payment.json": check_payout_order_status_payment,
    "payout_order_status_refund.json": check_payout_order_status_refund,
    "payout_webhook_order.json": check_payout_webhook_order,
    "payout_webhook_txn.json": check_payout_webhook_txn,
    "webhook_order_failed.json": check_webhook_order_failed,
    "webhook_order_refunded.json": check_webhook_order_refunded,
    "webhook_order_succeeded.json": check_webhook_order_succeeded,
    "webhook_txn_charged.json": check_webhook_txn_charged,
    "txn_refund_response.json": check_txn_refund_response,
    "refund_request.json": check_refund_request,
    "refund_request.form.txt": check_refund_request,
    "fulfillment_sync_request.json": check_fulfillment_sync_request,
    "fulfillment_sync_request.form.txt": check_fulfillment_sync_request,
    "fulfillment_sync_split_request.form.txt": check_fulfillment_sync_split_request,
    "txn_refund_request.json": check_txn_refund_request,
    "error_400.json": check_error_400,
    "error_400_invalid_input.json": check_error_400_invalid_input,
    "error_401.json": check_error_401,
    "fulfillment_sync_error.json": check_fulfillment_sync_error,
    "fulfillment_sync_error_duplicate.json": check_fulfillment_sync_error_duplicate,
    "refund_error_amount_exceeded.json": check_refund_error_amount_exceeded,
    "refund_error_duplicate.json": check_refund_error_duplicate,
    "refund_error_missing_fields.json": check_refund_error_missing_fields,
}


def test_every_example_file_has_a_check():
    on_disk = payload_names()
    assert on_disk, f"no payloads found in {PAYLOADS}"
    assert on_disk == set(CHECKS), "payloads without a check (or checks without a file)"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_parses_into_the_documented_type(name):
    CHECKS[name]()
