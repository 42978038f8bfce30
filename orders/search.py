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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import CharField, F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast, Collate

from dashboard.merchant_scope import Viewer, allowed_merchant_ids, of_merchants
from orders import search_sql
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
    target_hint: TargetHint | None = None  # what tells the box's target without asking again (target_of)

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


def _prefix_branches(
    columns: tuple[str, ...],
    bounds: Sequence[tuple[str, str]],
    exclude: Sequence[int],
    merchants: frozenset[int] | None,
) -> list[QuerySet[Any]]:
    """The branches of search_sql.prefix_page: one range per column and bound, of the merchants' orders."""
    orders = of_merchants(Order.objects.all(), merchants)  # Order.objects.visible_to(viewer)
    return [_prefix_range(orders, c, low, high, exclude) for c, (low, high) in zip(columns, bounds, strict=True)]


def _prefix_range(
    orders: QuerySet[Order], field_name: str, low: str, high: str, exclude: Sequence[int]
) -> QuerySet[Any]:
    """(pk, created) of at most COUNT_CAP + 1 orders whose `field_name` is in [low, high) (prefix_bounds), read in the
    prefix index's own order: one index range scan that stops after COUNT_CAP + 1 rows, however broad the
    prefix (no bitmap of every match, no sort, no plan that flips with the statistics). A branch of
    search_sql.prefix_page, which merges the ranges in the database."""
    queryset = (
        orders.annotate(_key=prefix_column(field_name))
        .filter(_key__gte=low, _key__lt=high)
        .exclude(pk__in=exclude)
        .order_by("_key")
    )
    named = queryset.annotate(row_pk=F("pk"), row_created=F("juspay_created_at"))  # named columns: see search_sql
    return named.values_list("row_pk", "row_created")[: COUNT_CAP + 1]


def _merge(target: dict[int, list[str]], pks: Iterable[int | None], reason: str) -> None:
    for pk in pks:
        if pk is not None and reason not in target.setdefault(pk, []):
            target[pk].append(reason)


def prefixes_of(q: str) -> list[tuple[str, str, str]]:
    """(column, value, reason) of each prefix range a clue of MIN_PREFIX or more characters reads: the order id
    as typed and upper-cased, the customer id; the email unless the clue is all phone characters (digits,
    spaces, + - ( ): read as a phone number); the phone number's national digits when it is shaped like one."""
    if len(q) < MIN_PREFIX:
        return []
    prefixes = [("order_id", v, "order id starts with") for v in dict.fromkeys([q, q.upper()])]
    prefixes.append(("customer_id", q, "customer id starts with"))
    if not _PHONE_CHARS.match(q):
        prefixes.append(("email_normalized", q.lower(), "email starts with"))
    if local := phone_prefix_of(q):
        prefixes.append(("phone_normalized", local, "phone starts with"))
    return prefixes


def search(query: str | None, *, viewer: Viewer, limit: int = DEFAULT_LIMIT) -> SearchResult:
    """`viewer` sees only the orders and payout orders of their merchants (dashboard/merchant_scope.py).
    Queries: one for every child id the clue may be (search_sql.clue_rows), one for the exact matches, one for
    all prefix ranges (search_sql.prefix_page), one to load the rows shown, and one for payout orders if any."""
    orders, payout_orders = Order.objects.visible_to(viewer), PayoutOrder.objects.visible_to(viewer)
    q = clean(query)
    result = SearchResult(query=q)
    if not q:
        return result
    email = normalise_email(q) if "@" in q else ""
    phone = phone_of(q)
    ids = list(dict.fromkeys([q, q.upper()]))

    # 1. Children whose ids point at an order: transactions, refunds, udfs, payouts and their transactions.
    merchants = allowed_merchant_ids(viewer)
    via, payouts, complete = _clue_matches(q, limit, merchants)
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
    exact_rows = list(orders.filter(exact).values_list("pk", "juspay_created_at", "order_id")[: COUNT_CAP + 1])
    exact_keys = _newest((pk, created) for pk, created, _ in exact_rows)
    # 3. Prefixes, for the clue being typed: one bounded index range per column and value (see _prefix_range),
    # merged, counted and sorted in the database; the newest of what they read come first.
    prefixes = prefixes_of(q)
    chosen = [(pk, True) for pk, _ in exact_keys[:limit]]
    want = max(0, limit - len(chosen))
    exact_pks = [pk for pk, _ in exact_keys]
    prefix_pks, prefix_count, prefix_capped = search_sql.prefix_page(
        _prefix_branches,
        tuple(name for name, _, _ in prefixes),
        [prefix_bounds(value) for _, value, _ in prefixes],
        exact_pks,
        merchants,
        want=want,
        cap=COUNT_CAP,
    )
    result.count = len(exact_keys) + prefix_count
    result.count_capped = len(exact_keys) > COUNT_CAP or prefix_capped or result.count > COUNT_CAP
    chosen += [(pk, False) for pk in prefix_pks[:want]]
    loaded = Order.objects.select_related("merchant").only(*ROW_COLUMNS).in_bulk([pk for pk, _ in chosen])
    hits = []
    for pk, is_exact in chosen:
        order = loaded[pk]
        if is_exact:
            reasons = _reasons(order, q, ids, email, phone) + via.get(pk, [])
            hits.append(Hit(order, exact=True, reasons=list(dict.fromkeys(reasons))))  # the order's txn id once
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
    if complete and len(exact_rows) <= COUNT_CAP:  # every candidate was read: the box's target follows
        result.target_hint = TargetHint(
            order_pks=[pk for pk, _, order_id in exact_rows if order_id == q],
            payout_pks=[pk for pk, (_, reasons) in payouts.items() if "payout order id" in reasons],
            refund_orders=complete,
        )
    return result


def _newest(rows: Iterable[tuple[int, Any]]) -> list[tuple[int, float]]:
    keys = [(pk, -(created.timestamp() if created else 0.0)) for pk, created in rows]
    return sorted(keys, key=lambda key: (key[1], -key[0]))


PAYOUT_CLUES = ("payout order id", "fulfilment id", "payout transaction ref", "payout UTR", "customer id")
_TXN_LABELS = ("RRN", "gateway txn id", "txn id", "txn uuid")
_TXN, _REFUND, _UDF, _PAYOUT, _FULFILMENT, _PAYOUT_TXN, _PAYOUT_CUSTOMER = range(1, 8)
_PAYOUT_REASONS = {_PAYOUT: "payout order id", _FULFILMENT: "fulfilment id", _PAYOUT_CUSTOMER: "customer id"}


def _columns(queryset: QuerySet[Any], o: str, p: str | None, *texts: str) -> QuerySet[Any]:
    """The branch's rows as clue_rows wants them: o and p (order and payout order pks, or NULL), a..d (text)."""
    no_int = Cast(Value(None), IntegerField())
    names = [Cast(F(name), CharField()) if name == "slot" else F(name) for name in texts]
    padded = names + [Cast(Value(None), CharField())] * (4 - len(names))
    columns = dict(zip("abcd", padded, strict=True))
    return queryset.annotate(o=F(o), p=F(p) if p else no_int, **columns).values_list("o", "p", *"abcd")


def _clue_branches(q: str, limit: int, merchants: frozenset[int] | None) -> list[tuple[int, QuerySet[Any]]]:
    """The branches of _clue_matches' query: (kind, an indexed equality of at most `limit` rows)."""
    return [
        (
            _TXN,
            _columns(
                of_merchants(Transaction.objects.all(), merchants, "order__merchant_id").filter(
                    Q(txn_id=q) | Q(txn_uuid=q) | Q(rrn=q) | Q(epg_txn_id=q)
                ),
                "order_id",
                None,
                "rrn",
                "epg_txn_id",
                "txn_id",
                "txn_uuid",
            )[:limit],
        ),
        (
            _REFUND,
            _columns(
                of_merchants(Refund.objects.all(), merchants, "order__merchant_id").filter(
                    Q(unique_request_id=q) | Q(juspay_refund_id=q)
                ),
                "order_id",
                None,
                "unique_request_id",
                "juspay_refund_id",
            )[:limit],
        ),
        (
            _UDF,
            _columns(
                of_merchants(OrderUdf.objects.all(), merchants, "order__merchant_id").filter(value=q[:255]),
                "order_id",
                None,
                "slot",
            )[:limit],
        ),
        (
            _PAYOUT,
            _columns(of_merchants(PayoutOrder.objects.all(), merchants).filter(payout_order_id=q), "order_id", "pk")[
                :limit
            ],
        ),
        (
            _FULFILMENT,
            _columns(
                of_merchants(Fulfillment.objects.all(), merchants, "payout_order__merchant_id").filter(
                    fulfillment_id=q
                ),
                "payout_order__order_id",
                "payout_order_id",
            )[:limit],
        ),
        (
            _PAYOUT_TXN,
            _columns(
                of_merchants(
                    PayoutTransaction.objects.all(), merchants, "fulfillment__payout_order__merchant_id"
                ).filter(Q(gateway_ref_id=q) | Q(transaction_ref=q)),
                "fulfillment__payout_order__order_id",
                "fulfillment__payout_order_id",
                "transaction_ref",
                "gateway_ref_id",
            )[:limit],
        ),
        (
            _PAYOUT_CUSTOMER,
            _columns(
                of_merchants(PayoutOrder.objects.all(), merchants)
                .filter(customer_id=q)
                .order_by("-juspay_created_at", "-pk"),
                "order_id",
                "pk",
            )[:limit],
        ),
    ]


def _clue_matches(
    q: str, limit: int, merchants: frozenset[int] | None
) -> tuple[dict[int, list[str]], dict[int, tuple[int | None, list[str]]], dict[str, set[int]] | None]:
    """In one query (search_sql.clue_rows of _clue_branches), of the viewer's merchants: the orders a child id
    names, with why (transactions: RRN, gateway txn id, txn id, txn uuid; refunds: refund request id or refund
    id; udf1..udf10, the merchant's user-defined fields, exactly: orders.models.OrderUdf), and the payout
    orders the clue names, each with the payment order it is linked to and why (its payout order id, a
    fulfilment's id, a payout transaction's `transactionRef` or `gatewayRefId` (the UTR), or its customer id).
    Each branch is an indexed equality of at most `limit` rows. Third: the orders a refund's Juspay id or
    request id names, when no branch that tells the box's target was cut at `limit` (else None)."""
    via: dict[int, list[str]] = {}
    found: dict[int, tuple[int | None, list[str]]] = {}
    refunds: dict[str, set[int]] = {"refund id": set(), "refund request id": set()}
    read = dict.fromkeys(range(_TXN, _PAYOUT_CUSTOMER + 1), 0)

    def add(payout_pk: int, linked_pk: int | None, reason: str) -> None:
        _, reasons = found.setdefault(payout_pk, (linked_pk, []))
        if reason not in reasons:
            reasons.append(reason)

    for kind, order_pk, payout_pk, a, b, c, d in search_sql.clue_rows(_clue_branches, q, limit, merchants):
        read[kind] += 1
        if kind == _TXN:
            for txn_id, label in zip((a, b, c, d), _TXN_LABELS, strict=True):
                if txn_id == q:
                    _merge(via, [order_pk], label)
        elif kind == _REFUND:
            _merge(via, [order_pk], "refund request id" if a == q else "refund id")
            for value, why in ((b, "refund id"), (a, "refund request id")):
                if value == q:
                    refunds[why].add(order_pk)
        elif kind == _UDF:
            _merge(via, [order_pk], f"udf{a}")
        elif kind == _PAYOUT_TXN:
            if a == q:
                add(payout_pk, order_pk, "payout transaction ref")
            if b == q:
                add(payout_pk, order_pk, "payout UTR")
        else:
            add(payout_pk, order_pk, _PAYOUT_REASONS[kind])
    complete = read[_PAYOUT] < limit and read[_REFUND] < limit
    return via, found, refunds if complete else None


@dataclass(frozen=True)
class TargetHint:
    """What search() read that tells the box's target (see target_of), when it read every candidate."""

    order_pks: list[int]  # visible orders whose order id is the clue as typed
    payout_pks: list[int]  # visible payout orders whose payout order id is the clue
    refund_orders: dict[str, set[int]]  # "refund id" / "refund request id": the visible orders they name


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


def target_of(result: SearchResult, *, viewer: Viewer) -> ExactTarget | None:
    """exact_target(result.query) from what search() already read (its exact matches, payout orders and
    refunds, all of `viewer`'s merchants): no query when the target is among the hits, one to load it when not;
    asks again (exact_target) when search() could not read every candidate."""
    hint, q = result.target_hint, result.query
    if not q or not looks_like_order_id(q):
        return None
    if hint is None:
        return exact_target(q, viewer=viewer)
    if hint.order_pks:
        return (
            ExactTarget(order=_shown_order(result, hint.order_pks[0]), why="order id")
            if len(hint.order_pks) == 1
            else None
        )
    if hint.payout_pks:
        if len(hint.payout_pks) > 1:
            return None
        payout = next(h.payout for h in result.payouts if h.payout.pk == hint.payout_pks[0])
        return ExactTarget(payout=payout, why="payout order id")
    for why in ("refund id", "refund request id"):
        order_pks = hint.refund_orders[why]
        if len(order_pks) == 1:
            return ExactTarget(order=_shown_order(result, next(iter(order_pks))), why=why)
        if order_pks:
            return None
    return None


def _shown_order(result: SearchResult, pk: int) -> Order:
    """The hit's order when it is shown, else loaded as a hit's is (select_related merchant, ROW_COLUMNS)."""
    shown = next((h.order for h in result.hits if h.order.pk == pk), None)
    return shown or Order.objects.select_related("merchant").only(*ROW_COLUMNS).get(pk=pk)


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
