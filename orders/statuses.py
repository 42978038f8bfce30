"""A status as the pages show it: the value Juspay sent, its documented meaning, and how it turned out.

Juspay documents its statuses (https://juspay.io/api-reference/docs/express-checkout/order-status-api); the
vocabularies live in dashboard.juspay.enums. A value the documentation does not have is shown as it came and
marked unknown, never an error. `outcome` picks the badge's colour (templates/orders/_status.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.juspay.enums import (
    Documented,
    OfferStatus,
    PayoutFulfillmentStatus,
    PayoutTransactionStatus,
    RefundStatus,
    describe,
)


@dataclass(frozen=True)
class Status:
    """A status as Juspay sent it, with its documented meaning, or marked unknown."""

    value: str
    meaning: str
    known: bool
    outcome: str  # success | failure | pending | other | unknown

    def __str__(self) -> str:
        return self.value


def status(vocabulary: type[Documented], value: str | None) -> Status:
    text = value or ""
    member = vocabulary.lookup(text)
    if member is None:
        return Status(text, describe(vocabulary, text) if text else "Not set", False, "unknown" if text else "other")
    return Status(text, member.meaning, True, getattr(member, "outcome", "other"))


# Refund and payout vocabularies carry no outcome of their own: it follows from the status's name.
_REFUND_OUTCOME = {"SUCCESS": "success", "FAILURE": "failure", "PENDING": "pending", "MANUAL_REVIEW": "other"}
_PAYOUT_OUTCOME = {
    "SUCCESS": "success",
    "FAILURE": "failure",
    "MANUAL_REVIEW": "other",
    "CANCELLED": "failure",
    "DISCARDED": "failure",
    "REVERSED": "failure",
    "CONFLICTED": "other",
}


def _outcome_by_name(st: Status, table: dict[str, str]) -> Status:
    if not st.known:
        return st
    return Status(st.value, st.meaning, True, table.get(st.value, "pending"))


def refund_status(value: str | None) -> Status:
    return _outcome_by_name(status(RefundStatus, value), _REFUND_OUTCOME)


def payout_status(vocabulary: type[PayoutFulfillmentStatus | PayoutTransactionStatus], value: str | None) -> Status:
    """A fulfilment's or a payout attempt's status."""
    return _outcome_by_name(status(vocabulary, value), _PAYOUT_OUTCOME)


# Offer statuses (https://juspay.io/api-reference/docs/express-checkout/get-offer-order-status): AVAILED ("Offer
# was redeemed") is the benefit given, FAILED the offer not redeemed; INITIATED, REFUNDED and PARTIALLY_REFUNDED
# are neither. Juspay's page describes AVAILED as "redeemed", so a REDEEMED value, should Juspay ever send one,
# gets the same colour (it stays marked unknown: it is not in the documented list).
_OFFER_OUTCOME = {"AVAILED": "success", "REDEEMED": "success", "FAILED": "failure"}


def offer_status(value: str | None) -> Status:
    """An offer's status, coloured by its outcome: given (green), failed (red), anything else neutral."""
    st = status(OfferStatus, value)
    return Status(st.value, st.meaning, st.known, _OFFER_OUTCOME.get(st.value, "other"))
