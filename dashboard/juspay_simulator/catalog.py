"""Reference tables from Juspay's API reference: status ids, gateways, instruments, failure codes
(https://juspay.io/api-reference/docs/express-checkout/order-status-api), payout vocabulary
(https://juspay.io/api-reference/docs/payout/order-status)."""

ORDER_STATUS_IDS: dict[str, int] = {
    "CREATED": 1,  # Juspay's status table: an order created, no payment attempted (beside NEW, 10)
    "NEW": 10,
    "STARTED": 20,
    "CHARGED": 21,
    "JUSPAY_DECLINED": 22,
    "PENDING_VBV": 23,
    "VBV_SUCCESSFUL": 24,
    "AUTHORIZED": 25,
    "AUTHENTICATION_FAILED": 26,
    "AUTHORIZATION_FAILED": 27,
    "AUTHORIZING": 28,
    "COD_INITIATED": 29,
    "VOIDED": 31,
    "VOID_INITIATED": 32,
    "CAPTURE_INITIATED": 33,
    "CAPTURE_FAILED": 34,
    "VOID_FAILED": 35,
    "AUTO_REFUNDED": 36,
    "PARTIAL_CHARGED": 37,
}
PAYMENT_FAILURES = frozenset({"JUSPAY_DECLINED", "AUTHENTICATION_FAILED", "AUTHORIZATION_FAILED"})
PENDING_PAYMENT = frozenset({"STARTED", "PENDING_VBV", "VBV_SUCCESSFUL", "AUTHORIZING"})

GATEWAY_IDS: dict[str, int] = {
    "RAZORPAY": 23,
    "DUMMY": 100,
    "PAYTM_V2": 19,
    "PAYU": 12,
    "CCAVENUE_V2": 16,
    "PHONEPE": 39,
    "LOYLTYREWARDZ": 273,
}

# (brand, isin prefix, card_type)
CARD_BRANDS = [
    ("VISA", "4", "CREDIT"),
    ("MASTERCARD", "5", "DEBIT"),
    ("RUPAY", "6", "DEBIT"),
    ("VISA", "4", "DEBIT"),
    ("MASTERCARD", "5", "CREDIT"),
    ("AMEX", "3", "CREDIT"),
]
# (issuer name, juspay bank code, net-banking payment_method)
BANKS = [
    ("HDFC Bank", "JP_HDFC", "NB_HDFC"),
    ("ICICI Bank", "JP_ICICI", "NB_ICICI"),
    ("State Bank of India", "JP_SBI", "NB_SBI"),
    ("Axis Bank", "JP_AXIS", "NB_AXIS"),
    ("Kotak Mahindra Bank", "JP_KOTAK", "NB_KOTAK"),
    ("Yes Bank", "JP_YES", "NB_YESB"),
]
UPI_APPS = ["com.phonepe.app", "com.google.android.apps.nbu.paisa.user", "net.one97.paytm", "in.org.npci.upiapp"]
WALLETS = [("PAYTM", "PAYTM_V2"), ("AMAZONPAY", "RAZORPAY"), ("PHONEPE", "PHONEPE"), ("MOBIKWIK", "PAYU")]
CARD_GATEWAYS = ["RAZORPAY", "PAYU", "CCAVENUE_V2"]
UPI_GATEWAYS = ["PAYTM_V2", "PHONEPE", "RAZORPAY"]
NB_GATEWAYS = ["PAYU", "CCAVENUE_V2", "RAZORPAY"]

# What each gateway answers on success: (resp_code, resp_message).
GATEWAY_SUCCESS = {
    "RAZORPAY": ("captured", "SUCCESS"),
    "PAYTM_V2": ("01", "Txn Success"),
    "PAYU": ("success", "No Error"),
    "CCAVENUE_V2": ("Success", "Success"),
    "PHONEPE": ("PAYMENT_SUCCESS", "Your payment is successful."),
    "LOYLTYREWARDZ": ("SUCCESS", "Points redeemed"),
    "DUMMY": ("00", "SUCCESS"),
}
REFUND_SUCCESS = {
    "RAZORPAY": ("processed", "processed"),
    "PAYTM_V2": ("10", "Refund Successfull"),
    "PAYU": ("1", "Refund Request Queued"),
    "CCAVENUE_V2": ("0", "Refund Successful"),
    "PHONEPE": ("PAYMENT_SUCCESS", "Refund processed"),
    "LOYLTYREWARDZ": ("SUCCESS", "Points reversed"),
    "DUMMY": ("00", "SUCCESS"),
}
REFUND_FAILURE = ("BAD_REQUEST_ERROR", "The refund could not be processed by the bank")

# Failure codes per status: (error_code, error_message).
FAILURE_REASONS = {
    "AUTHENTICATION_FAILED": [
        ("AUTHENTICATION_FAILED", "User did not complete authentication"),
        ("U69", "Collect request expired"),
    ],
    "AUTHORIZATION_FAILED": [
        ("05", "Do not honour"),
        ("51", "Not sufficient funds"),
        ("U30", "Debit has failed"),
        ("ZM", "Invalid UPI PIN"),
    ],
    "JUSPAY_DECLINED": [
        ("JP703", "Offer application failed: invalid offer code"),
        ("JP708", "Offer application failed: amount validation"),
        ("INVALID_CARD", "Card number is invalid"),
    ],
    "CAPTURE_FAILED": [("CAPTURE_FAILED", "Capture was rejected by the gateway")],
    "VOID_FAILED": [("VOID_FAILED", "Void was rejected by the gateway")],
}

OFFER_KINDS = [
    ("DISCOUNT", "PERCENTAGE"),
    ("DISCOUNT", "ABSOLUTE"),
    ("CASHBACK", "PERCENTAGE"),
    ("CASHBACK", "ABSOLUTE"),
]
OFFER_CODES = ["HDFCFEST10", "FLAT100", "UPICASH5", "NEWUSER50", "AXISWEEKEND", "SBICARD15", "PAYDAY200"]

# Payout ("fulfillment" product)
BENEFICIARY_TYPES = ["ACCOUNT_IFSC", "UPI_ID", "CARD", "WALLET", "BENE_ID"]
PAYOUT_METHODS = {
    "ACCOUNT_IFSC": ["YESBANK_IMPS", "CASHFREE_IMPS"],
    "UPI_ID": ["YESBANK_UPI", "CASHFREE_UPI"],
    "CARD": ["JUSPAY_VISADIRECT", "YESBANK_VISADIRECT"],
    "WALLET": ["PAYTM_WALLET"],
    "BENE_ID": ["YESBANK_IMPS", "DUMMY_IMPS"],
}
FULFILLMENT_STATUSES = ["CREATED", "PENDING", "SUCCESS", "FAILURE", "MANUAL_REVIEW", "CANCELLED"]
PAYOUT_TXN_STATUSES = [
    "CREATED",
    "INITIATED",
    "PENDING",
    "FAILURE",
    "SUCCESS",
    "MANUAL_REVIEW",
    "REVERSED",
    "CONFLICTED",
]
PAYOUT_ORDER_WEBHOOK_VALUES = frozenset(
    {
        "FULFILLMENTS_SCHEDULED",
        "FULFILLED_PARTIALLY",
        "FULFILLMENTS_FAILURE",
        "FULFILLMENTS_SUCCESSFUL",
        "FULFILLMENTS_MANUAL_REVIEW",
        "FULFILLMENTS_CANCELLED",
    }
)
PAYOUT_TXN_RESPONSES = {
    "SUCCESS": ("00", "COMPLETED", "Approved"),
    "FAILURE": ("91", "FAILED", "Beneficiary bank offline"),
    "PENDING": ("", "PENDING", "Awaiting bank confirmation"),
    "INITIATED": ("", "INITIATED", "Sent to gateway"),
    "MANUAL_REVIEW": ("", "PENDING", "No final answer from the bank"),
    "REVERSED": ("R01", "REVERSED", "Credit reversed by beneficiary bank"),
    "CONFLICTED": ("00", "COMPLETED", "Gateway changed a failure to success"),
}

TEN_DAYS = 10 * 24 * 3600.0
REFUND_QUEUE_MAX = 15 * 60.0
