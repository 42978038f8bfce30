"""One search box: whatever clue the customer has, find the order.

The clue may be an order id, a customer id, an email, a phone number, a transaction id or uuid, a gateway
transaction id or RRN, a refund's `unique_request_id`, one of the order's udf1..udf10; or, for payout
orders (their own hits, `payouts`), a payout order id, a fulfilment id, a payout transaction ref or UTR,
or a customer id. Every lookup is an
indexed equality (or an indexed prefix range), so a search costs the same at a thousand orders and at a
million: a fixed handful of queries, none of which scans a table.

Exact matches come first (newest first among them), then prefix matches for the half-typed clue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Collate

from dashboard.merchant_scope import Viewer
from orders.models import Fulfillment, Order, OrderUdf, PayoutOrder, PayoutTransaction, Refund, Transaction
from orders.normalisers import normalise_email

MIN_PREFIX = 3
DEFAULT_LIMIT = 50
# The suggestions say how many orders match ("16 orders for isaac.bak…"). Counting is done by reading the keys
# (pk, created) of at most COUNT_CAP + 1 matches, which also gives the newest first without an ORDER BY that
# could make PostgreSQL walk the date index past every non-match. A short prefix on a million orders may match
# tens of thousands; reading all of them on every keystroke would make the box slow, so above the cap the
# count reads "1,000+" instead of a figure nobody acts on.
COUNT_CAP = 1000
_ORDER_ID_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-,@.]{2,63}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s\-()]+$")
_TOP = "\U0010ffff"
# The opened payout's id and merchant (its URL), not its raw Juspay answers.
PAYOUT_COLUMNS = ("pk", "payout_order_id", "merchant__code")
# What a list row or a suggestion shows of an order (orders/list_table.py) and what the match reasons read: the
# lists load only these (`.only()`), not the order's raw Juspay answers and the rest of its ~60 columns.
ROW_COLUMNS = (
    "pk",
    "merchant__code",
    "order_id",
    "juspay_id",
    "status",
    "amount",
    "currency",
    "customer_id",
    "customer_email",
    "customer_phone",
    "email_normalized",
    "phone_normalized",
    "payment_method_type",
    "payment_method",
    "gateway",
    "txn_id",
    "txn_uuid",
    "refund_state",
    "fulfilment_state",
    "juspay_created_at",
)


@dataclass
class Hit:
    order: Order
    exact: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class PayoutHit:
    """A payout order that matched (its page is the place to go; a linked payment order is a hit of its own)."""

    payout: PayoutOrder
    reasons: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    payouts: list[PayoutHit] = field(default_factory=list)
    truncated: bool = False
    count: int = 0  # matching orders, exact and prefix (at most COUNT_CAP + 1 of each are read)
    count_capped: bool = False  # more than COUNT_CAP match: show "1,000+"

    @property
    def count_label(self) -> str:
        """The true count, or "1,000+" above the cap."""
        return f"{COUNT_CAP:,}+" if self.count_capped else f"{self.count:,}"

    @property
    def exact_count(self) -> int:
        return sum(1 for h in self.hits if h.exact)

    @property
    def too_short(self) -> bool:
        """Shorter than MIN_PREFIX: only exact ids were looked up, nothing that starts with the clue."""
        return 0 < len(self.query) < MIN_PREFIX

    @property
    def min_prefix(self) -> int:
        return MIN_PREFIX

    @property
    def empty(self) -> bool:
        return not self.hits and not self.payouts

    @property
    def order_pks(self) -> list[int]:
        return [h.order.pk for h in self.hits]

    @property
    def offers_live_lookup(self) -> bool:
        """A miss on something shaped like an order id (and no payout order matched): offer to ask Juspay."""
        return not any(h.exact for h in self.hits) and not self.payouts and looks_like_order_id(self.query)


def clean(query: str | None) -> str:
    return (query or "").strip()[:200]


def looks_like_order_id(query: str) -> bool:
    q = clean(query)
    return bool(_ORDER_ID_SHAPE.match(q)) and "@" not in q.rstrip("@") and not phone_of(q)


def phone_of(query: str) -> str:
    """The last ten digits when the clue is a whole Indian phone number (10 digits, 0+10, 91+10), else ''."""
    if not _PHONE_CHARS.match(query):
        return ""
    digits = re.sub(r"\D", "", query)
    if (
        len(digits) == 10
        or (len(digits) == 11 and digits.startswith("0"))
        or (len(digits) == 12 and digits.startswith("91"))
    ):
        return digits[-10:]
    return ""


def phone_prefix_of(query: str) -> str:
    """The digits a half-typed phone number starts with, as phone_normalized holds them (the national number:
    no +91, no leading 0), when the clue is shaped like one and has 4 to 9 of them; else ''."""
    if not _PHONE_CHARS.match(query):
        return ""
    digits = re.sub(r"\D", "", query)
    if query.lstrip().startswith("+") and digits.startswith("91"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    return digits if 4 <= len(digits) < 10 else ""


def prefix_bounds(value: str) -> tuple[str, str]:
    """[low, high): the strings that start with `value`, in code point order (PostgreSQL's "C" collation on
    UTF-8, SQLite's BINARY): `value` itself up to `value` with its last character incremented."""
    last = ord(value[-1])
    if last >= 0x10FFFF:
        return value, value + _TOP
    following = 0xE000 if last == 0xD7FF else last + 1  # skip the surrogates, which no text holds
    return value, value[:-1] + chr(following)


def prefix_column(field_name: str) -> Collate | F:
    """The column as the prefix indexes hold it. PostgreSQL: the column under the "C" collation, so one btree
    (orders.migrations: `<table>_<column>_c_idx`) serves the prefix range and its order, whatever the database's
    collation. SQLite compares text in code point order already (the plain index serves it)."""
    return Collate(F(field_name), "C") if connection.vendor == "postgresql" else F(field_name)


def _prefix_keys(orders: QuerySet[Order], field_name: str, value: str, exclude: list[int]) -> list[tuple[int, Any]]:
    """(pk, created) of at most COUNT_CAP + 1 orders whose `field_name` starts with `value`, read in the
    prefix index's own order: one index range scan that stops after COUNT_CAP + 1 rows, however broad the
    prefix (no bitmap of every match, no sort, no plan that flips with the statistics)."""
    low, high = prefix_bounds(value)
    queryset = (
        orders.annotate(_key=prefix_column(field_name))
        .filter(_key__gte=low, _key__lt=high)
        .exclude(pk__in=exclude)
        .order_by("_key")
    )
    return list(queryset.values_list("pk", "juspay_created_at")[: COUNT_CAP + 1])


def _merge(target: dict[int, list[str]], pks: Iterable[int | None], reason: str) -> None:
    for pk in pks:
        if pk is not None and reason not in target.setdefault(pk, []):
            target[pk].append(reason)


def search(query: str | None, *, viewer: Viewer, limit: int = DEFAULT_LIMIT) -> SearchResult:
    """`viewer` sees only the orders and payout orders of their merchants (dashboard/merchant_scope.py)."""
    orders, payout_orders = Order.objects.visible_to(viewer), PayoutOrder.objects.visible_to(viewer)
    q = clean(query)
    result = SearchResult(query=q)
    if not q:
        return result
    email = normalise_email(q) if "@" in q else ""
    phone = phone_of(q)
    ids = list(dict.fromkeys([q, q.upper()]))

    # 1. Children whose ids point at an order: transactions, refunds, payouts and their transactions.
    via: dict[int, list[str]] = {}
    labels = ("RRN", "gateway txn id", "txn id", "txn uuid")
    for order_pk, *txn_ids in Transaction.objects.filter(
        Q(txn_id=q) | Q(txn_uuid=q) | Q(rrn=q) | Q(epg_txn_id=q)
    ).values_list("order_id", "rrn", "epg_txn_id", "txn_id", "txn_uuid")[:limit]:
        for txn_id, label in zip(txn_ids, labels, strict=True):
            if txn_id == q:
                _merge(via, [order_pk], label)
    for order_pk, request_id in Refund.objects.filter(Q(unique_request_id=q) | Q(juspay_refund_id=q)).values_list(
        "order_id", "unique_request_id"
    )[:limit]:
        _merge(via, [order_pk], "refund request id" if request_id == q else "refund id")
    _merge_udfs(via, q, limit)
    payouts = _payout_matches(q, limit)
    for linked_pk, reasons in payouts.values():
        for reason in reasons:
            _merge(via, [linked_pk], reason)  # the payment order its payments[] name, when cached

    # 2. The order's own fields, exactly.
    exact = Q(order_id__in=ids) | Q(customer_id=q) | Q(txn_id=q) | Q(txn_uuid=q) | Q(juspay_id=q)
    if email:
        exact |= Q(email_normalized=email)
    if phone:
        exact |= Q(phone_normalized=phone)
    if via:
        exact |= Q(pk__in=list(via))
    exact_keys = _newest_keys(orders.filter(exact))
    prefixes: list[tuple[str, str, str]] = []
    if len(q) >= MIN_PREFIX:
        prefixes = [("order_id", v, "order id starts with") for v in ids]
        prefixes.append(("customer_id", q, "customer id starts with"))
        if not _PHONE_CHARS.match(q):
            prefixes.append(("email_normalized", q.lower(), "email starts with"))
        if local := phone_prefix_of(q):
            prefixes.append(("phone_normalized", local, "phone starts with"))
    # 3. Prefixes, for the clue being typed: one bounded index range per column and value (see _prefix_keys);
    # the newest of what they read come first.
    prefix_keys: list[tuple[int, float]] = []
    prefix_capped = False
    if prefixes:
        exact_pks = [pk for pk, _ in exact_keys]
        created: dict[int, Any] = {}
        for name, value, _ in prefixes:
            keys = _prefix_keys(orders, name, value, exact_pks)
            prefix_capped = prefix_capped or len(keys) > COUNT_CAP
            created.update(keys)
        prefix_keys = _newest(created.items())
    result.count = len(exact_keys) + len(prefix_keys)
    result.count_capped = len(exact_keys) > COUNT_CAP or prefix_capped or result.count > COUNT_CAP
    chosen = [(pk, True) for pk, _ in exact_keys[:limit]]
    chosen += [(pk, False) for pk, _ in prefix_keys[: max(0, limit - len(chosen))]]
    loaded = Order.objects.select_related("merchant").only(*ROW_COLUMNS).in_bulk([pk for pk, _ in chosen])
    hits = []
    for pk, is_exact in chosen:
        order = loaded[pk]
        if is_exact:
            hits.append(Hit(order, exact=True, reasons=_reasons(order, q, ids, email, phone) + via.get(pk, [])))
        else:
            reasons = [label for name, value, label in prefixes if str(getattr(order, name) or "").startswith(value)]
            hits.append(Hit(order, exact=False, reasons=list(dict.fromkeys(reasons))))
    result.truncated = result.count > limit
    result.hits = hits
    if payouts:
        rows = payout_orders.select_related("merchant").filter(pk__in=list(payouts))
        result.payouts = sorted(
            (PayoutHit(p, payouts[p.pk][1]) for p in rows),
            key=lambda h: -(h.payout.juspay_created_at.timestamp() if h.payout.juspay_created_at else 0.0),
        )
    return result


def _newest_keys(queryset: QuerySet[Order]) -> list[tuple[int, float]]:
    """(pk, -created) of at most COUNT_CAP + 1 matching orders, newest first (sorted here, see COUNT_CAP)."""
    return _newest(queryset.values_list("pk", "juspay_created_at")[: COUNT_CAP + 1])


def _newest(rows: Iterable[tuple[int, Any]]) -> list[tuple[int, float]]:
    keys = [(pk, -(created.timestamp() if created else 0.0)) for pk, created in rows]
    return sorted(keys, key=lambda key: (key[1], -key[0]))


def _merge_udfs(via: dict[int, list[str]], q: str, limit: int) -> None:
    """Orders one of whose user-defined fields (udf1..udf10, as the merchant set them at order create) is the
    clue, exactly: one indexed equality on orders.models.OrderUdf."""
    for order_pk, slot in OrderUdf.objects.filter(value=q[:255]).values_list("order_id", "slot")[:limit]:
        _merge(via, [order_pk], f"udf{slot}")


PAYOUT_CLUES = ("payout order id", "fulfilment id", "payout transaction ref", "payout UTR", "customer id")


def _payout_matches(q: str, limit: int) -> dict[int, tuple[int | None, list[str]]]:
    """Payout orders the clue names, each with the payment order it is linked to and why it matched: its payout
    order id, a fulfilment's id, a payout transaction's `transactionRef` or `gatewayRefId` (the UTR), or its
    customer id. Each lookup is an indexed equality."""
    found: dict[int, tuple[int | None, list[str]]] = {}

    def add(rows: Iterable[tuple[Any, Any]], reason: str) -> None:  # (payout pk, linked order pk or None)
        for payout_pk, linked_pk in rows:
            _, reasons = found.setdefault(payout_pk, (linked_pk, []))
            if reason not in reasons:
                reasons.append(reason)

    add(PayoutOrder.objects.filter(payout_order_id=q).values_list("pk", "order_id")[:limit], "payout order id")
    add(
        Fulfillment.objects.filter(fulfillment_id=q).values_list("payout_order_id", "payout_order__order_id")[:limit],
        "fulfilment id",
    )
    for payout_pk, linked_pk, ref, gw in PayoutTransaction.objects.filter(
        Q(gateway_ref_id=q) | Q(transaction_ref=q)
    ).values_list(
        "fulfillment__payout_order_id", "fulfillment__payout_order__order_id", "transaction_ref", "gateway_ref_id"
    )[:limit]:
        if ref == q:
            add([(payout_pk, linked_pk)], "payout transaction ref")
        if gw == q:
            add([(payout_pk, linked_pk)], "payout UTR")
    customer = PayoutOrder.objects.filter(customer_id=q).order_by("-juspay_created_at", "-pk")
    add(customer.values_list("pk", "order_id")[:limit], "customer id")
    return found


@dataclass(frozen=True)
class ExactTarget:
    """The one page an exact id names: an order's or a payout order's."""

    order: Order | None = None
    payout: PayoutOrder | None = None
    why: str = ""  # "order id", "payout order id", "refund id", "refund request id"


def exact_target(query: str | None, *, viewer: Viewer) -> ExactTarget | None:
    """The page to open straight away when the clue is exactly one order id, payout order id, or refund id
    (Juspay's refund `id` or its `unique_request_id`), and names one object only. None when it names nothing
    or several (the same order id at two merchants): the list shows them. Indexed equalities only."""
    visible, payout_orders = Order.objects.visible_to(viewer), PayoutOrder.objects.visible_to(viewer)
    q = clean(query)
    if not q or not looks_like_order_id(q):
        return None
    orders = list(visible.select_related("merchant").only(*ROW_COLUMNS).filter(order_id=q)[:2])
    if orders:
        return ExactTarget(order=orders[0], why="order id") if len(orders) == 1 else None
    payouts = list(payout_orders.select_related("merchant").only(*PAYOUT_COLUMNS).filter(payout_order_id=q)[:2])
    if payouts:
        return ExactTarget(payout=payouts[0], why="payout order id") if len(payouts) == 1 else None
    for field_name, why in (("juspay_refund_id", "refund id"), ("unique_request_id", "refund request id")):
        refunds = Refund.objects.filter(**{field_name: q}, order__in=visible.values("pk"))
        order_pks = set(refunds.values_list("order_id", flat=True)[:2])
        if len(order_pks) == 1:
            order = visible.select_related("merchant").only(*ROW_COLUMNS).get(pk=order_pks.pop())
            return ExactTarget(order=order, why=why)
        if order_pks:
            return None
    return None


def find_payouts(payout_order_id: str, merchant_code: str | None = None, *, viewer: Viewer) -> list[PayoutOrder]:
    """The cached payout orders with this payout order id (one per merchant at most), for the payout page's URL."""
    queryset = PayoutOrder.objects.visible_to(viewer).select_related("merchant").filter(payout_order_id=payout_order_id)
    if merchant_code:
        queryset = queryset.filter(merchant__code=merchant_code)
    return list(queryset.order_by("merchant__code")[:20])


def find_orders(order_id: str, merchant_code: str | None = None, *, viewer: Viewer) -> list[Order]:
    """The cached orders with this merchant order id (one per merchant at most), for the order page's URL."""
    queryset = Order.objects.visible_to(viewer).select_related("merchant").filter(order_id=order_id)
    if merchant_code:
        queryset = queryset.filter(merchant__code=merchant_code)
    return list(queryset.order_by("merchant__code")[:20])


def _newest_first(order: Order) -> float:
    return -(order.juspay_created_at.timestamp() if order.juspay_created_at else 0.0)


def _reasons(order: Order, q: str, ids: list[str], email: str, phone: str) -> list[str]:
    checks = [
        (order.order_id in ids, "order id"),
        (order.customer_id == q, "customer id"),
        (bool(email) and order.email_normalized == email, "email"),
        (bool(phone) and order.phone_normalized == phone, "phone"),
        (order.txn_id == q, "txn id"),
        (order.txn_uuid == q, "txn uuid"),
        (order.juspay_id == q, "Juspay order id"),
    ]
    return [label for ok, label in checks if ok]
