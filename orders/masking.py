"""Who sees which personal data, and how it looks masked. Every page, fragment and export asks here.

Rules
- Support (and Manager) see emails, phones, card numbers, account numbers, UPI ids, names on cards and
  beneficiary names masked, always.
- People holding `orders.view_unmasked_pii` (Finance, Admin) see the same masked view by default; they may
  reveal one order's details. A reveal is written to the audit log (verb `order.pii_revealed`) and lasts
  for that order, in that session, for REVEAL_SECONDS (or until the session ends, whichever comes first);
  through the API with a personal token, for that token (stored server-side: orders/token_reveals.py).
- CSV exports are masked for everyone (a reveal is about one order, never a bulk copy).
- Order ids, customer ids, transaction ids, RRN/ARN/UTR, IFSC and amounts are not masked: support needs them
  to talk to banks and customers, and they identify a payment, not a person.

Masked forms keep enough to confirm with a caller ("the email starting with r at example.com", "the phone
ending 5670", "the card ending 1111") and nothing more.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

from dashboard import audit
from orders.models import Order, PayoutOrder

BULLET = "•"
REVEAL_SECONDS = 15 * 60
SESSION_KEY = "orders.pii_revealed"
PERMISSION = "orders.view_unmasked_pii"
JUSPAY_MASKED = "FILTERED"  # what Juspay itself sends for masked fields in webhooks


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def mask_email(value: str | None) -> str:
    """rahul.verma@example.com -> r•••@example.com (the domain helps confirm with the caller)."""
    if _blank(value) or value == JUSPAY_MASKED:
        return value or ""
    text = str(value).strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return mask_text(text)
    return f"{local[:1]}{BULLET * 3}@{domain}"


def mask_phone(value: str | None) -> str:
    """+91 98123 45670 -> ••••••5670: only the last four digits stay."""
    if _blank(value) or value == JUSPAY_MASKED:
        return value or ""
    digits = re.sub(r"\D", "", str(value))
    if len(digits) <= 4:
        return BULLET * max(len(digits), 4)
    return BULLET * 6 + digits[-4:]


def mask_number(value: str | None, keep: int = 4) -> str:
    """A card or account number: 001234567890123 -> •••• 0123."""
    if _blank(value) or value == JUSPAY_MASKED:
        return value or ""
    text = re.sub(r"\s", "", str(value))
    if len(text) <= keep:
        return BULLET * 4
    return f"{BULLET * 4} {text[-keep:]}"


def mask_name(value: str | None) -> str:
    """Priya Nair -> P•••• N••• : the initials only."""
    if _blank(value) or value == JUSPAY_MASKED:
        return value or ""
    return " ".join(f"{word[:1]}{BULLET * 3}" for word in str(value).split())


def mask_vpa(value: str | None) -> str:
    """sunil.p@okhdfc -> s•••@okhdfc (the UPI handle names the bank app, not the person)."""
    return mask_email(value)


def mask_text(value: str | None) -> str:
    """Anything else that identifies a person: its first character only."""
    if _blank(value) or value == JUSPAY_MASKED:
        return value or ""
    text = str(value)
    return f"{text[:1]}{BULLET * 3}"


def hide(value: Any) -> str:
    """Values with no safe partial form (expiry dates, card fingerprints, token references)."""
    return "" if _blank(value) else BULLET * 4


# --- free text --------------------------------------------------------------------------------------

_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LONG_NUMBER_IN_TEXT = re.compile(r"(?<![\w])(?:\+?\d[\d -]{6,}\d)(?![\w])")


def scrub_text(text: str) -> str:
    """Free text (a note) with emails and long numbers (phones, cards, accounts) masked, for the audit log."""
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
    return _LONG_NUMBER_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


# --- Juspay JSON ------------------------------------------------------------------------------------

# Key (as Juspay sends it, snake_case or camelCase) -> how to mask its value, anywhere in a payload.
PII_KEYS: dict[str, Callable[[Any], str]] = {
    "customer_email": mask_email,
    "email": mask_email,
    "customerEmail": mask_email,
    "customer_phone": mask_phone,
    "phone": mask_phone,
    "customerPhone": mask_phone,
    "mobile": mask_phone,
    "mobile_number": mask_phone,
    "mobileNumber": mask_phone,
    "wallet_identifier": mask_phone,
    "walletIdentifier": mask_phone,
    "account": mask_number,
    "account_number": mask_number,
    "accountNumber": mask_number,
    "vpa": mask_vpa,
    "payer_vpa": mask_vpa,
    "payerVpa": mask_vpa,
    "upi_id": mask_vpa,
    "name_on_card": mask_name,
    "nameOnCard": mask_name,
    "customer_name": mask_name,
    "customerName": mask_name,
    "card_isin": hide,
    "cardIsin": hide,
    "expiry_month": hide,
    "expiry_year": hide,
    "card_fingerprint": hide,
    "card_reference": hide,
    "cardReference": hide,
    "payment_account_reference": hide,
    "par": hide,
    "card_number": mask_number,
    "cardNumber": mask_number,
}
# `name` is a person only inside a beneficiary block (elsewhere it is e.g. an amount component: BASE, OFFER).
PERSON_BLOCKS = {
    "details",
    "beneficiary_details",
    "beneficiaryDetails",
    "payee_additional_details",
    "payeeAdditionalDetails",
    "beneficiary",
    "beneficiary_details_masked",
}


def mask_json(data: Any, *, parent: str = "") -> Any:
    """A copy of a Juspay payload with every personal field masked (at any depth)."""
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for key, value in data.items():
            masker = PII_KEYS.get(key)
            if masker is None and key == "name" and parent in PERSON_BLOCKS:
                masker = mask_name
            if masker is not None and not isinstance(value, Mapping | list):
                out[key] = masker(None if value is None else str(value)) if value not in (None, "") else value
            else:
                out[key] = mask_json(value, parent=key)
        return out
    if isinstance(data, list):
        return [mask_json(item, parent=parent) for item in data]
    return data


# --- display shapes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Customer:
    customer_id: str
    email: str
    phone: str


def customer(order: Order, *, unmasked: bool) -> Customer:
    if unmasked:
        return Customer(order.customer_id, order.customer_email, order.customer_phone)
    return Customer(order.customer_id, mask_email(order.customer_email), mask_phone(order.customer_phone))


def card(data: Mapping[str, Any] | None, *, unmasked: bool) -> list[tuple[str, str]]:
    """The card block of an Order Status answer as (label, value) rows; [] when there is none."""
    if not isinstance(data, Mapping) or not data:
        return []
    last4 = str(data.get("last_four_digits") or "")
    bin6 = str(data.get("card_isin") or "")
    if unmasked:
        number = f"{bin6 or BULLET * 6} {BULLET * 6} {last4 or BULLET * 4}".strip()
    else:
        number = f"{BULLET * 4} {last4}" if last4 else BULLET * 4
    expiry = f"{data.get('expiry_month') or '??'}/{data.get('expiry_year') or '????'}"
    rows = [
        ("Card", number),
        ("Brand", str(data.get("card_brand") or "")),
        ("Type", str(data.get("card_type") or data.get("extended_card_type") or "")),
        ("Issuer", " · ".join(str(v) for v in (data.get("card_issuer"), data.get("card_issuer_country")) if v)),
        ("Name on card", str(data.get("name_on_card") or "") if unmasked else mask_name(data.get("name_on_card"))),
        ("Expiry", expiry if unmasked else hide(expiry)),
        # What an agent quotes to Juspay about a saved card: personal (they follow one card), so hidden unless revealed.
        ("Card reference", _card_secret(data.get("card_reference"), unmasked=unmasked)),
        ("Card fingerprint", _card_secret(data.get("card_fingerprint"), unmasked=unmasked)),
        (
            "Saved card / token",
            ", ".join(
                k.replace("_", " ") for k in ("using_saved_card", "using_token", "saved_to_locker") if data.get(k)
            )
            or "no",
        ),
    ]
    return [(label, value) for label, value in rows if value]


def _card_secret(value: Any, *, unmasked: bool) -> str:
    if _blank(value) or isinstance(value, Mapping | list):
        return ""
    return str(value) if unmasked else hide(value)


BENEFICIARY_FIELDS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("name", "Name", mask_name),
    ("account", "Account", mask_number),
    ("ifsc", "IFSC", lambda v: v or ""),
    ("vpa", "UPI id", mask_vpa),
    ("brand", "Brand", lambda v: v or ""),
    ("card_type", "Card type", lambda v: v or ""),
    ("bank_code", "Bank", lambda v: v or ""),
    ("card_reference", "Card reference", hide),
    ("wallet_identifier", "Wallet", mask_phone),
    ("id", "Beneficiary id", lambda v: v or ""),
]


def beneficiary(data: Mapping[str, Any] | None, *, unmasked: bool) -> list[tuple[str, str]]:
    """A payout beneficiary (`{"type", "details": {...}}`, snake or camel keys) as (label, value) rows."""
    if not isinstance(data, Mapping):
        return []
    details = data.get("details") or {}
    if not isinstance(details, Mapping):
        return []
    rows = []
    for key, label, masker in BENEFICIARY_FIELDS:
        camel = re.sub(r"_(\w)", lambda m: m.group(1).upper(), key)
        value = details.get(key) if details.get(key) not in (None, "") else details.get(camel)
        if value in (None, ""):
            continue
        rows.append((label, str(value) if unmasked else masker(str(value))))
    return rows


# --- reveals ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PiiView:
    """What one person sees of one order right now."""

    can_reveal: bool
    revealed: bool
    expires_at: datetime | None = None

    @property
    def unmasked(self) -> bool:
        return self.revealed


def _reveals(session: MutableMapping[str, Any]) -> dict[str, float]:
    now = time.time()
    stored = session.get(SESSION_KEY) or {}
    return {k: v for k, v in stored.items() if isinstance(v, int | float) and v > now}


def reveal(session: MutableMapping[str, Any], order_pk: int | str, *, seconds: int = REVEAL_SECONDS) -> datetime:
    """Remember in the session that this order's details are shown unmasked until the returned time."""
    reveals = _reveals(session)
    expires = time.time() + seconds
    reveals[str(order_pk)] = expires
    session[SESSION_KEY] = reveals
    return datetime.fromtimestamp(expires, UTC)


def reveal_order(
    session: MutableMapping[str, Any], order: Order, *, actor: AbstractBaseUser, via: str = ""
) -> datetime:
    """A person asks to see this order unmasked: remember it in their session (or, through the API, the token's
    store: orders.token_reveals), and write it to the audit log; `via` names the API token, if any."""
    until = reveal(session, order.pk)
    after = {"until": until.isoformat(), **({"api_token": via} if via else {})}
    audit.record(
        "order.pii_revealed",
        actor=actor,
        obj=order,
        after=after,
        summary=f"customer details of order {order.order_id} revealed for {REVEAL_SECONDS // 60} minutes"
        + (f" (API token {via})" if via else ""),
    )
    return until


def pii_view(user: User | AnonymousUser, session: MutableMapping[str, Any], order_pk: int | str) -> PiiView:
    if not user.has_perm(PERMISSION):
        return PiiView(can_reveal=False, revealed=False)
    expires = _reveals(session).get(str(order_pk))
    if expires is None:
        return PiiView(can_reveal=True, revealed=False)
    return PiiView(can_reveal=True, revealed=True, expires_at=datetime.fromtimestamp(expires, UTC))


# --- payout orders: the same reveal, kept apart from the orders' (their primary keys overlap) -------------------


def payout_key(payout_pk: int) -> str:
    return f"payout:{payout_pk}"


def reveal_payout(session: MutableMapping[str, Any], payout: PayoutOrder, *, actor: AbstractBaseUser) -> datetime:
    """A person asks to see this payout order's beneficiaries and payers unmasked: remembered, and audited."""
    until = reveal(session, payout_key(payout.pk))
    audit.record(
        "payout.pii_revealed",
        actor=actor,
        obj=payout,
        after={"until": until.isoformat()},
        summary=f"personal details of payout order {payout.payout_order_id} revealed for {REVEAL_SECONDS // 60} min",
    )
    return until


def payout_pii_view(user: User | AnonymousUser, session: MutableMapping[str, Any], payout_pk: int) -> PiiView:
    return pii_view(user, session, payout_key(payout_pk))
