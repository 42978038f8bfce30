"""JSON shapes of Juspay's answers, rendered for a given simulated time: Order Status
(https://juspay.io/api-reference/docs/express-checkout/order-status-api), payout Order Status
(https://juspay.io/api-reference/docs/payout/order-status) and webhooks (https://juspay.io/resources/docs/common-resources/webhooks)."""

import base64
import hashlib
import uuid
from typing import Any

from .catalog import (
    FAILURE_REASONS,
    GATEWAY_IDS,
    GATEWAY_SUCCESS,
    ORDER_STATUS_IDS,
    PAYOUT_TXN_RESPONSES,
    REFUND_FAILURE,
    REFUND_SUCCESS,
)
from .clock import iso
from .model import (
    AUTHENTICATION_WINDOW,
    Fulfillment,
    Order,
    PayoutItem,
    PayoutOrder,
    PayoutTxn,
    Refund,
    Txn,
    amount_refunded,
    fully_refunded,
    maximum_eligible_refund,
    offer_status,
    order_last_updated,
    order_status,
    payout_last_updated,
    payout_status,
    primary_txn,
    stage_reached,
    visible_refunds,
)

PAYMENT_LINK_HOST = "https://sandbox.juspay.in"
_AWAITING_GATEWAY = frozenset(
    {None, "STARTED", "PENDING_VBV", "VBV_SUCCESSFUL", "AUTHORIZING", "TO_BE_CHARGED", "COD_INITIATED"}
)


def order_body(order: Order, at: float, full_gateway_response: bool = False) -> dict:
    status = order_status(order, at)
    refunds = visible_refunds(order, at)
    refunded_sum = amount_refunded(order, at)
    body: dict = {
        "customer_email": order.customer.email,
        "customer_phone": order.customer.phone,
        "customer_id": order.customer.customer_id,
        "status_id": ORDER_STATUS_IDS[status],
        "status": status,
        "id": order.juspay_id,
        "merchant_id": order.merchant_id,
        "amount": order.amount,
        "effective_amount": order.effective_amount,
        "currency": order.currency,
        "order_id": order.order_id,
        "date_created": iso(order.created),
        "last_updated": iso(order_last_updated(order, at)),
        "return_url": order.return_url,
        "product_id": order.product_id,
        "payment_links": payment_links(order),
    }
    for index, value in enumerate(order.udfs, start=1):
        body[f"udf{index}"] = value
    if order.split_payment:
        body["txn_list"] = [_leg(order, leg, at, full_gateway_response) for leg in order.txns if leg.status(at)]
        body["payment_method_type"] = ""
        body["payment_method"] = ""
        body["auth_type"] = ""
    body["refunded"] = fully_refunded(order, at)
    body["amount_refunded"] = refunded_sum
    body["maximum_eligible_refund_amount"] = maximum_eligible_refund(order, at)
    body["resp_code"] = None
    body["resp_message"] = None
    body["resp_category"] = None
    if not order.split_payment:
        _add_primary_txn(body, order, at, full_gateway_response)
    body["offers"] = [_offer(order, offer, at) for offer in order.offers]
    if order.split_settlement is not None:
        body["split_settlement_response"] = order.split_settlement
    body["metadata"] = {"payment_page_client_id": order.merchant_id}
    body["additional_info"] = {}
    if refunds:
        body["refunds"] = [refund_body(refund, at) for refund in refunds]
    return body


def payment_links(order: Order) -> dict[str, str]:
    """`payment_links`: the payment page for desktop, mobile and an iframe, each its own address (shapes as in
    the examples of https://juspay.io/api-reference/docs/express-checkout/get-offer-order-status)."""
    return {
        "web": f"{PAYMENT_LINK_HOST}/merchant/pay/{order.juspay_id}",
        "mobile": f"{PAYMENT_LINK_HOST}/merchant/pay/{order.juspay_id}?mobile=true",
        "iframe": f"{PAYMENT_LINK_HOST}/merchant/ipay/{order.juspay_id}",
    }


# The 3DS result Order Status carries in `authentication` for 15 minutes after the customer authenticated
# (https://juspay.io/api-reference/docs/express-checkout/order-status-api).
_AUTHENTICATED = frozenset(
    {"VBV_SUCCESSFUL", "AUTHORIZING", "AUTHORIZED", "AUTHORIZATION_FAILED", "CHARGED", "CAPTURE_INITIATED"}
)
# `authorization` is documented for pre-auth flows (txn_type AUTHORIZATION, AUTHN_AUTHZ, CAPTURE, AUTHZ_CAPTURE).
_PRE_AUTH = frozenset({"AUTHORIZED", "CAPTURE_INITIATED", "CAPTURE_FAILED", "VOID_INITIATED", "VOIDED", "VOID_FAILED"})


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def authentication_block(txn: Txn, at: float) -> dict | None:
    """The `authentication` block of a 3DS card payment, while Juspay still keeps it (15 minutes)."""
    if txn.instrument.auth_type != "THREE_DS":
        return None
    done = next((s.at for s in txn.stages if s.status in _AUTHENTICATED and s.at <= at), None)
    if done is None or at - done > AUTHENTICATION_WINDOW:
        return None
    seed = _digest("authentication", txn.txn_uuid)
    return {
        "eci": "05" if txn.instrument.payment_method in ("VISA", "RUPAY") else "02",
        "cavv": base64.b64encode(bytes.fromhex(seed[:40])).decode(),
        "threeDSVersion": "2.2.0",
        "threeDSTransStatusReason": "",
        "threeDSServerTransID": str(uuid.UUID(seed[:32])),
        "threeDSTransStatus": "Y",
        "cavvAlgorithm": "2",
        "threeDSTransId": str(uuid.UUID(seed[32:64])),
    }


def authorization_block(txn: Txn, at: float) -> dict | None:
    """The `authorization` block of a pre-auth card payment: the auth code a capture uses, and the acquirer.
    Juspay documents these three as "Auth Id Code", "acquirer Bin" and "acquirer Mid" without key names; the
    names here are our reading, in the answer's snake_case."""
    if not any(s.status in _PRE_AUTH and s.at <= at for s in txn.stages):
        return None
    seed = _digest("authorization", txn.txn_uuid)
    return {
        "auth_id_code": txn.auth_id_code,
        "acquirer_bin": str(400000 + int(seed[:6], 16) % 100000),
        "acquirer_mid": f"MID{int(seed[6:16], 16) % 10**10:010d}",
    }


def _add_primary_txn(body: dict, order: Order, at: float, full: bool) -> None:
    txn = primary_txn(order, at)
    if txn is None:
        body.update(
            {
                "txn_id": "",
                "txn_uuid": "",
                "payment_method_type": "",
                "payment_method": "",
                "auth_type": "",
                "bank_error_code": "",
                "bank_error_message": "",
            }
        )
        return
    status = txn.status(at)
    code, message = _failure(txn, status)
    body.update(
        {
            "txn_id": txn.txn_id,
            "txn_uuid": txn.txn_uuid,
            "payment_method_type": txn.instrument.payment_method_type,
            "payment_method": txn.instrument.payment_method,
            "auth_type": txn.instrument.auth_type,
            "bank_error_code": code or "",
            "bank_error_message": message or "",
            "gateway_id": GATEWAY_IDS[txn.instrument.gateway],
            "gateway_reference_id": None,
        }
    )
    _add_instrument(body, txn)
    if (authentication := authentication_block(txn, at)) is not None:
        body["authentication"] = authentication
    if (authorization := authorization_block(txn, at)) is not None:
        body["authorization"] = authorization
    body["txn_detail"] = txn_detail(order, txn, at)
    body["payment_gateway_response"] = gateway_response(order, txn, at, full)


def _add_instrument(body: dict, txn: Txn) -> None:
    instrument = txn.instrument
    if instrument.card is not None:
        body["card"] = instrument.card
    if instrument.upi is not None:
        body["payer_app_name"] = instrument.upi["payer_app"]
        body["upi"] = instrument.upi
    if instrument.wallet is not None:
        body["wallet"] = instrument.wallet


def _failure(txn: Txn, status: str | None) -> tuple[str | None, str | None]:
    if status in FAILURE_REASONS or status == "AUTO_REFUNDED":
        return txn.failure or ("", "")
    return None, None


def txn_detail(order: Order, txn: Txn, at: float) -> dict:
    status = txn.status(at) or "STARTED"
    code, message = _failure(txn, status)
    return {
        "txn_id": txn.txn_id,
        "order_id": order.order_id,
        "txn_uuid": txn.txn_uuid,
        "status": status,
        "error_code": code,
        "error_message": message or "",
        "gateway": txn.instrument.gateway,
        "gateway_id": GATEWAY_IDS[txn.instrument.gateway],
        "currency": order.currency,
        "net_amount": txn.net_amount,
        "txn_amount": txn.txn_amount,
        "surcharge_amount": txn.surcharge,
        "tax_amount": txn.tax,
        "offer_deduction_amount": txn.offer_deduction,
        "express_checkout": True,
        "redirect": txn.instrument.payment_method_type != "REWARD",
        "txn_flow_type": txn.instrument.txn_flow_type,
        "created": iso(txn.created),
        "last_updated": iso(txn.updated(at)),
        "metadata": {"payment_channel": txn.channel, "microapp": "hyperpay"},
        "txn_amount_breakup": txn.breakup,
    }


def gateway_response(order: Order, txn: Txn, at: float, full: bool) -> dict:
    status = txn.status(at)
    settled = status not in _AWAITING_GATEWAY
    code, message = _failure(txn, status)
    succeeded = settled and code is None
    if succeeded:
        code, message = GATEWAY_SUCCESS[txn.instrument.gateway]
    body: dict[str, Any] = {
        "resp_code": code,
        "resp_message": message,
        "rrn": txn.rrn if succeeded else None,
        "epg_txn_id": txn.epg_txn_id if settled else None,
        "auth_id_code": txn.auth_id_code if succeeded else "",
        "txn_id": txn.txn_id,
        "created": iso(txn.updated(at)),
        "network_error_code": None,
        "network_error_message": None,
    }
    if full:
        body["gateway_response"] = _raw_gateway_response(order, txn, status, code, message)
    return body


def _raw_gateway_response(order: Order, txn: Txn, status: str | None, code, message) -> dict:
    """What the PG itself returned (options.add_full_gateway_response=true). Shapes are illustrative."""
    charged = status in ("CHARGED", "AUTO_REFUNDED")
    if txn.instrument.gateway == "RAZORPAY":
        return {
            "id": txn.epg_txn_id,
            "entity": "payment",
            "amount": int(round(txn.txn_amount * 100)),
            "currency": order.currency,
            "status": "captured" if charged else ("failed" if code else "created"),
            "method": txn.instrument.payment_method_type.lower(),
            "captured": charged,
            "email": order.customer.email,
            "contact": f"+91{order.customer.phone}",
            "error_code": None if charged else code,
            "error_description": None if charged else message,
            "acquirer_data": {"rrn": txn.rrn, "auth_code": txn.auth_id_code},
            "created_at": int(txn.created),
        }
    return {
        "STATUS": "TXN_SUCCESS" if charged else ("TXN_FAILURE" if code else "PENDING"),
        "TXNID": txn.epg_txn_id,
        "BANKTXNID": txn.rrn if charged else "",
        "ORDERID": txn.txn_id,
        "TXNAMOUNT": f"{txn.txn_amount:.2f}",
        "RESPCODE": code or "",
        "RESPMSG": message or "",
        "GATEWAYNAME": txn.instrument.gateway,
        "PAYMENTMODE": txn.instrument.payment_method_type,
        "TXNDATE": iso(txn.created),
    }


def _leg(order: Order, txn: Txn, at: float, full: bool) -> dict:
    """One element of `txn_list` (split payments, in the Order Status answer)."""
    status = txn.status(at)
    code, message = _failure(txn, status)
    refunds = [r for r in visible_refunds(order, at) if r.txn_id == txn.txn_id]
    leg_refunded = round(sum(r.amount for r in refunds if r.status(at) != "FAILURE"), 2)
    body: dict[str, Any] = {
        "txn_id": txn.txn_id,
        "txn_uuid": txn.txn_uuid,
        "status": status,
        "payment_method_type": txn.instrument.payment_method_type,
        "payment_method": txn.instrument.payment_method,
        "auth_type": txn.instrument.auth_type,
    }
    if txn.instrument.card is not None:
        body["card"] = txn.instrument.card
    body.update(
        {
            "refunded": status == "AUTO_REFUNDED" or (leg_refunded > 0 and leg_refunded >= txn.txn_amount),
            "amount_refunded": leg_refunded,
            "effective_amount": txn.txn_amount,
            "resp_code": None,
            "resp_message": None,
            "resp_category": None,
            "bank_error_code": code or "",
            "bank_error_message": message or "",
            "gateway_id": GATEWAY_IDS[txn.instrument.gateway],
            "gateway_reference_id": None,
            "txn_detail": txn_detail(order, txn, at),
            "payment_gateway_response": gateway_response(order, txn, at, full),
            "metadata": {},
            "offers": [],
            "refunds": [refund_body(r, at) for r in refunds],
        }
    )
    return body


def refund_body(refund: Refund, at: float) -> dict:
    status = refund.status(at)
    body: dict = {
        "id": None,
        "unique_request_id": refund.unique_request_id,
        "ref": None,
        "amount": refund.amount,
        "status": status,
        "sent_to_gateway": refund.sent_to_gateway(at),
        "refund_type": refund.refund_type,
        "refund_source": refund.gateway,
        "initiated_by": refund.initiated_by,
        "error_code": None,
        "error_message": "",
        "created": iso(refund.created),
    }
    if status == "SUCCESS":
        code, message = REFUND_SUCCESS[refund.gateway]
        body.update(
            id=refund.gateway_refund_id,
            ref=refund.gateway_refund_id,
            error_code=code,
            error_message=message,
            pg_processed_at=iso(refund.resolves_at),
        )
        if refund.arn:
            body["arn"] = refund.arn
    elif status == "FAILURE":
        code, message = REFUND_FAILURE
        body.update(
            id=refund.unique_request_id, error_code=code, error_message=message, pg_processed_at=iso(refund.resolves_at)
        )
    elif status == "MANUAL_REVIEW":
        body.update(id=refund.unique_request_id, error_message="Refund pending at gateway for more than 10 days")
    else:
        body["expected_refund_credit_time"] = iso(refund.created + 7 * 86400)
    if refund.gateway == "RAZORPAY" and status == "SUCCESS":
        body["metadata"] = {"speed_requested": "normal", "speed_processed": "normal"}
    if refund.metadata.get("split_settlement_details"):
        # The refund call takes `metadata.split_settlement_details`; refunds[] carry a `metadata` object
        # (https://juspay.io/api-reference/docs/express-checkout/order-status-api). Juspay documents no echo of
        # the allocation there: the simulator shows it under the key the request used, as the JSON text sent.
        body.setdefault("metadata", {})["split_settlement_details"] = refund.metadata["split_settlement_details"]
    return body


def _offer(order: Order, offer, at: float) -> dict:
    return {
        "offer_id": offer.offer_id,
        "offer_code": offer.offer_code,
        "status": offer_status(order, at),
        "benefits": [
            {
                "type": offer.benefit_type,
                "amount": offer.amount,
                "calculation_info": {
                    "calculation_rule": offer.rule,
                    "value": offer.value,
                    "max_amount": offer.max_amount,
                },
            }
        ],
        "metadata": {"minimum_order_amount": f"{offer.minimum_order_amount:.2f}"},
    }


def txn_event_body(order: Order, txn: Txn, at: float) -> dict:
    """`content.txn` of TXN_CHARGED / TXN_FAILED webhooks (see the webhooks reference in the module docstring)."""
    detail = txn_detail(order, txn, at)
    for key in ("offer_deduction_amount", "last_updated", "metadata", "txn_amount_breakup"):
        detail.pop(key)
    detail["status_id"] = ORDER_STATUS_IDS.get(detail["status"], -1)
    detail["payment_method"] = txn.instrument.payment_method
    detail["payment_method_type"] = txn.instrument.payment_method_type
    detail["payment_gateway_response"] = gateway_response(order, txn, at, False)
    if txn.instrument.card is not None:
        detail["card"] = txn.instrument.card
    return detail


# --- Payout -----------------------------------------------------------------------------------------------


def payout_body(order: PayoutOrder, at: float, expand: frozenset[str]) -> dict:
    body: dict[str, Any] = {
        "orderId": order.order_id,
        "type": order.type,
        "status": payout_status(order, at),
        "amount": order.amount,
        "customerId": order.customer_id,
        "createdAt": iso(order.created),
        "updatedAt": iso(payout_last_updated(order, at)),
        "udf1": order.udf1,
        "udf2": "",
        "udf3": "",
        "udf4": "",
        "udf5": "",
        "payments": [payout_payment_body(p, at) for p in order.payments if p.status(at)] if "payment" in expand else [],
        "refunds": [payout_refund_body(r, at) for r in order.refunds if r.status(at)] if "refund" in expand else [],
        "fulfillments": [fulfillment_body(f, at) for f in order.fulfillments if f.status(at)]
        if "fulfillment" in expand
        else [],
    }
    return body


def fulfillment_body(fulfillment: Fulfillment, at: float) -> dict:
    stage = stage_reached(fulfillment.stages, at)
    txns = [t for t in fulfillment.txns if t.status(at)]
    updated = max([stage.at] + [stage_reached(t.stages, at).at for t in txns])
    return {
        "id": fulfillment.id,
        "type": "ORDER",
        "status": stage.status,
        "amount": fulfillment.amount,
        "merchantCustomerId": fulfillment.customer_id,
        "preferredMethodList": fulfillment.preferred,
        "fulfillmentMethodList": sorted({t.method for t in txns}) or fulfillment.preferred,
        "updatedBy": "DEFAULT",
        "createdAt": iso(fulfillment.created),
        "updatedAt": iso(updated),
        "statusUpdatedAt": iso(stage.at),
        "udf1": fulfillment.udf1,
        "udf2": "",
        "udf3": "",
        "udf4": "",
        "udf5": "",
        "beneficiaryDetails": fulfillment.beneficiary,
        "additionalInfo": {"remark": fulfillment.remark, "isRetriable": True, "attemptThreshold": 3},
        "transactions": [payout_txn_body(t, at) for t in txns],
    }


def _item_common(item: PayoutItem, kind: str, at: float) -> dict:
    """What `payments[]` and `refunds[]` items share on the v3.2 page: its names (camelCase here), and the amount
    as a String, as the page's tables type it."""
    stage = stage_reached(item.stages, at)
    return {
        "id": item.id,
        "type": kind,
        "status": stage.status,
        "amount": f"{item.amount:.2f}",
        "merchantCustomerId": item.customer_id,
        "updatedBy": "DEFAULT",
        "createdAt": iso(item.created),
        "updatedAt": iso(stage.at),
        "statusUpdatedAt": iso(stage.at),
    }


def payout_payment_body(item: PayoutItem, at: float) -> dict:
    """A `payments[]` item (expand=payment) with every field of the v3.2 page's table, under the page's own names:
    snake_case for the instrument (`payment_method_type`, `upi_details`, ...), "auth-type" with its hyphen, and
    `card_details` for the block the page titles "card details" (a key cannot hold the space; snake_case like its
    siblings is assumed). `bank_details.metadata` is typed String with "{param1, ...}": JSON text of key-values."""
    return {**_item_common(item, "PAYMENT", at), **item.details}


def payout_refund_body(item: PayoutItem, at: float) -> dict:
    """A `refunds[]` item (expand=refund) with every field of the v3.2 page's table (`unique_request_id`, `ref`,
    `error_message`, `sent_to_gateway` in snake_case, as the page writes them)."""
    body = _item_common(item, "REFUND", at)
    status = body["status"]
    body.update(
        {
            "unique_request_id": item.details["unique_request_id"],
            "ref": item.details["ref"] if status != "PENDING" else "",
            "error_message": item.details["error_message"] if status == "FAILURE" else "",
            "sent_to_gateway": status != "PENDING",
        }
    )
    return body


def payout_txn_body(txn: PayoutTxn, at: float) -> dict:
    stage = stage_reached(txn.stages, at)
    code, message, description = PAYOUT_TXN_RESPONSES.get(stage.status, ("", stage.status, ""))
    return {
        "transactionRef": txn.ref,
        "status": stage.status,
        "amount": txn.amount,
        "fulfillmentMethod": txn.method,
        "gatewayRefId": txn.gateway_ref_id if stage.status not in ("CREATED", "INITIATED") else "",
        "epgTxnId": txn.epg_txn_id if stage.status not in ("CREATED", "INITIATED") else "",
        "responseCode": code,
        "responseMessage": message,
        "responseDescription": description,
        "txnResponse": {"status": stage.status, "requestId": txn.ref, "amount": txn.amount},
        "createdAt": iso(txn.stages[0].at),
        "updatedAt": iso(stage.at),
        "timeStamp": iso(stage.at),
    }
