"""The managers' KPI rollups of orders and refunds: small tables kept current by the sync, read by the KPI page.

Each cached order *contributes* a handful of cells to `KpiBucket` (METRICS below: its status, its payment method
and gateway, its failure reason, whether it was refunded, and one cell per refund), each cell one count and one amount
in the local hour (and day) of `KPI_TIME_ZONE` the thing happened in. The contribution is a pure function of
the order's cached columns (`facts_of`), so keeping the tables current is a difference: orders.sync takes the
order's facts before it writes and after, and `apply_change` adds `after - before` to the cells, in the same
transaction and under the order's row lock. `rebuild()` sums every order's contribution from scratch; the
property test (tests/test_kpi_rollups.py) checks that the two always agree. No KPI figure ever reads the
orders table.

Refunds that reached SUCCESS also get one `RefundTurnaround` row (seconds from raised to processed), the
bounded set of rows the turnaround percentiles of a period are read from. CHARGED orders get one `ChargedOrder`
row (when charged; fulfilment.kpi_rollups adds when its first Fulfilment Sync command succeeded), and each row
contributes cells of its own (CHARGED_METRICS: open or fulfilled at its charge time, and its time to fulfil in
a duration histogram), kept in the same transaction as the row and rebuilt from the ChargedOrder table
(`rebuild_charged_cells`). The fulfilment figures count from those cells and read ChargedOrder rows only inside
one histogram bucket (orders.kpi_histograms).

Histogram metrics (`hist.*`) keep day cells only (a period is whole local days); their key is a bucket of
orders.duration_buckets and their amount the sum of the seconds. fulfilment.kpi_rollups adds its request cells
the same way, through `add_cells`.

Which time an item counts at: an order at Juspay's `date_created`, a refund at its own `created` (an order or
refund without that date counts nowhere: Juspay documents both as always present). So a status that changes
after the period ends changes that period's figures, never moves the order into a later period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Func
from django.utils.dateparse import parse_datetime

from dashboard.juspay.enums import OrderStatus
from orders import duration_buckets, registry
from orders.kpi_periods import DAY, HOUR, bucket_starts, hour_start
from orders.models import (
    ChargedOrder,
    Fulfillment,
    KpiBucket,
    Offer,
    Order,
    PayoutOrder,
    Refund,
    RefundTurnaround,
    SplitDetail,
)

# metric -> what its key and sub hold (every cell counts 1 per item; amount as stated)
METRIC_ORDER = "order"  # key = order status; amount = what the customer paid (effective_amount, else amount)
METRIC_METHOD = "order.method"  # key = payment_method_type, sub = the status's outcome (OUTCOMES); amount as above
METRIC_GATEWAY = "order.gateway"  # key = gateway of the order's transaction, sub = the status's outcome
METRIC_FAILURE = "order.failure"  # key = bank error of an order whose status is a documented failure
METRIC_REFUNDED = "order.refunded"  # key = "yes" when a CHARGED order has amount_refunded > 0; amount = that
METRIC_REFUND = "refund"  # key = refund status, sub = "arn" when it carries an ARN/RRN; amount = refund amount
METRIC_SPLIT = "order.split"  # key = "yes" when a CHARGED order has split settlement applied (split_applied)
METRIC_OFFER = "offer"  # key = offer_code, sub = offer status; amount = its benefits' amounts (the discount)
METRIC_VENDOR = "split.vendor"  # key = sub_vendor_id of a CHARGED order's split; amount = the vendor's amount
METRIC_PAYOUT = "payout"  # key = payout order status, sub = "review" when in manual review; amount = its amount
METRIC_PAYOUT_FULFILMENT = "payout.fulfilment"  # key = a fulfilment's status (one per fulfilment)
METRIC_PAYOUT_WITH = "payout.with"  # key = a FULFILMENT_GROUP the payout order has a fulfilment in (once per order)
METRIC_PAYOUT_DONE = "payout.done"  # a FULFILLMENTS_SUCCESSFUL payout order: amount = seconds created -> updatedAt
METRIC_TURNAROUND = "refund.turnaround"  # a refund's RefundTurnaround: count 1, amount = its seconds (the means)
METRICS = (
    METRIC_ORDER,
    METRIC_METHOD,
    METRIC_GATEWAY,
    METRIC_FAILURE,
    METRIC_REFUNDED,
    METRIC_REFUND,
    METRIC_TURNAROUND,
    METRIC_SPLIT,
    METRIC_OFFER,
    METRIC_VENDOR,
    METRIC_PAYOUT,
    METRIC_PAYOUT_FULFILMENT,
    METRIC_PAYOUT_WITH,
    METRIC_PAYOUT_DONE,
)
# The payout fulfilment rates' groups of fulfilment statuses (the rows behind each rate: orders.payout_filters)
FULFILMENT_STATUSES = {
    "success": ("SUCCESS",),
    "failed": ("FAILURE", "CANCELLED", "DISCARDED"),
    "review": ("MANUAL_REVIEW",),
}
FULFILMENT_GROUP = {status: group for group, statuses in FULFILMENT_STATUSES.items() for status in statuses}
HISTOGRAM_PREFIX = "hist."  # a duration histogram: day cells only, key = orders.duration_buckets.key(seconds)
# key = "fulfilled" or "open" (no successful Fulfilment Sync command yet), at charged_at; a fulfilled one's sub is
# "in" (within KPI_FULFILMENT_TARGET_HOURS) or "late", its amount its seconds to fulfil (the sparklines' means)
METRIC_CHARGED = "charged"
FULFILLED_IN, FULFILLED_LATE = "in", "late"
METRIC_FULFIL_TIME = "hist.fulfil"  # a fulfilled ChargedOrder's fulfil_seconds, at charged_at
CHARGED_METRICS = (METRIC_CHARGED, METRIC_FULFIL_TIME)
NO_REASON = "(no reason given)"
CHARGED, TERMINAL, OPEN = "CHARGED", "terminal", "open"  # OUTCOMES: charged, another terminal status, the rest


@dataclass(frozen=True)
class RefundFacts:
    pk: int | None
    created: datetime | None
    status: str
    amount: Decimal | None
    arn: bool
    processed_at: datetime | None

    @property
    def turnaround_seconds(self) -> int | None:
        """Seconds from raised to SUCCESS, when Juspay gave both times (`created`, `pg_processed_at`)."""
        if self.status != "SUCCESS" or self.created is None or self.processed_at is None:
            return None
        return max(0, int((self.processed_at - self.created).total_seconds()))


@dataclass(frozen=True)
class OrderFacts:
    """What of one order the KPIs count (None: not cached yet, contributes nothing)."""

    merchant_id: int
    created: datetime | None
    status: str
    method: str
    gateway: str
    paid: Decimal
    failure: str
    refunded: Decimal
    split: bool
    refunds: tuple[RefundFacts, ...]
    offers: tuple[tuple[str, str, Decimal], ...] = ()  # code, status, discount
    vendors: tuple[tuple[str, Decimal], ...] = ()  # sub_vendor_id, amount
    charged_at: datetime | None = None  # CHARGED orders only (charged_time)


@dataclass(frozen=True)
class RawPieces:
    """The few pieces of an order's `raw` answer the KPIs read (RAW_PIECES says where each is; a piece that is
    absent is None): the rebuild reads only these, in SQL, instead of every order's whole answer."""

    offers: Any = None
    split_settlement_response: Any = None
    bank_error_message: Any = None
    bank_error_code: Any = None
    gateway_created: Any = None  # payment_gateway_response.created


# field of RawPieces -> its path in `raw` (the rebuild reads them in SQL: `raw -> 'a' -> 'b'`, _JsonPiece)
RAW_PIECES: dict[str, tuple[str, ...]] = {
    "offers": ("offers",),
    "split_settlement_response": ("split_settlement_response",),
    "bank_error_message": ("bank_error_message",),
    "bank_error_code": ("bank_error_code",),
    "gateway_created": ("payment_gateway_response", "created"),
}


def raw_pieces(raw: dict[str, Any] | None) -> RawPieces:
    """The pieces of a whole answer, as the SQL of the rebuild reads them (a path through a non-object is None)."""
    found: dict[str, Any] = {}
    for name, path in RAW_PIECES.items():
        value: Any = raw or {}
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        found[name] = value
    return RawPieces(**found)


def charged_time(status: str, created: datetime | None, gateway_created: Any) -> datetime | None:
    """When a CHARGED order was charged: its `payment_gateway_response.created` (the gateway's answer, given as
    `gateway_created`), unless missing, unreadable or before the order's `date_created`; then `date_created`.
    None for other statuses."""
    if status != CHARGED:
        return None
    text = gateway_created
    try:
        at = parse_datetime(text) if isinstance(text, str) else None
    except ValueError:
        at = None
    if at is not None and at.tzinfo is None:
        at = None  # Juspay sends UTC with a zone; a time without one is not trusted
    if at is None or (created is not None and at < created):
        return created
    return at


Cell = tuple[str, str, str, datetime]  # metric, key, sub, local hour start
Contribution = dict[Cell, tuple[int, Decimal]]
MerchantCells = dict[int, Contribution]  # merchant id -> its cells


def histogram_cell(metric: str, seconds: int, at: datetime) -> tuple[Cell, tuple[int, Decimal]]:
    """The cell one duration adds to the histogram `metric` (a `hist.*` metric) at the moment `at`."""
    return (metric, duration_buckets.key(seconds), "", hour_start(at)), (1, Decimal(seconds))


def _failure_reason(pieces: RawPieces) -> str:
    reason = str(pieces.bank_error_message or pieces.bank_error_code or "").strip()
    return reason[:128] or NO_REASON


def refund_facts(refund: Refund) -> RefundFacts:
    return _refund(refund.pk, refund.created, refund.status, refund.amount, refund.arn, refund.processed_at)


def _refund(
    pk: int | None,
    created: datetime | None,
    status: str,
    amount: Decimal | None,
    arn: str,
    processed_at: datetime | None,
) -> RefundFacts:
    return RefundFacts(pk, created, status, amount, bool(arn), processed_at)


def _discount(benefits: Any) -> Decimal:
    total = Decimal(0)
    for benefit in benefits if isinstance(benefits, list) else []:
        try:
            total += Decimal(str((benefit or {}).get("amount") or 0))
        except (ArithmeticError, ValueError, AttributeError):
            continue  # an amount Juspay sent in another shape counts as none (the order page shows it as sent)
    return total


def facts_of(
    order: Order,
    refunds: Iterable[Refund] | None = None,
    offers: Iterable[Offer] | None = None,
    splits: Iterable[SplitDetail] | None = None,
) -> OrderFacts:
    """The order's facts from its columns; its refunds, offers and splits are read from the database unless given
    (offers and splits only when its answer has them, so most syncs read just the refunds)."""
    pieces = raw_pieces(order.raw)
    if refunds is None:
        refunds = Refund.objects.filter(order_id=order.pk).order_by("pk") if order.pk else []
    # Offer and split rows count only while the answer lists them (a later answer without `offers` leaves the
    # rows in the cache, orders.sync._apply_offers): the sync and the rebuild then agree.
    if not pieces.offers:
        offers = []
    elif offers is None:
        offers = Offer.objects.filter(order_id=order.pk).order_by("pk") if order.pk else []
    if not pieces.split_settlement_response:
        splits = []
    elif splits is None:
        splits = SplitDetail.objects.filter(order_id=order.pk).order_by("pk") if order.pk else []
    return order_facts(
        OrderColumns(
            order.merchant_id,
            order.juspay_created_at,
            order.status,
            order.payment_method_type,
            order.gateway,
            order.effective_amount,
            order.amount,
            order.amount_refunded,
            order.split_applied,
        ),
        pieces,
        tuple(refund_facts(r) for r in refunds),
        tuple((o.offer_code, o.status, o.benefits) for o in offers),
        tuple((s.sub_vendor_id, s.amount) for s in splits),
    )


class OrderColumns(NamedTuple):
    """The order columns the KPIs read (ORDER_COLUMNS: the rebuild reads them as tuples)."""

    merchant_id: int
    juspay_created_at: datetime | None
    status: str | None
    payment_method_type: str | None
    gateway: str | None
    effective_amount: Decimal | None
    amount: Decimal | None
    amount_refunded: Decimal | None
    split_applied: bool | None


ORDER_COLUMNS = OrderColumns._fields


def order_facts(
    order: OrderColumns,
    pieces: RawPieces,
    refunds: tuple[RefundFacts, ...],
    offers: Iterable[tuple[str, str, Any]],
    splits: Iterable[tuple[str, Decimal | None]],
) -> OrderFacts:
    """The facts of an order's columns, answer pieces and rows (offers: code, status, benefits; splits:
    sub_vendor_id, amount); offers and splits count only while the answer lists them. facts_of and the rebuild
    share it."""
    status = order.status or ""
    return OrderFacts(
        merchant_id=order.merchant_id,
        created=order.juspay_created_at,
        status=status,
        method=order.payment_method_type or "",
        gateway=order.gateway or "",
        paid=_paid(order.effective_amount, order.amount),
        failure=_failure_reason(pieces) if _is_failure(status) else "",
        refunded=order.amount_refunded or Decimal(0),
        split=bool(order.split_applied),
        refunds=refunds,
        offers=tuple((code, st, _discount(benefits)) for code, st, benefits in offers) if pieces.offers else (),
        vendors=tuple((vendor, amount or Decimal(0)) for vendor, amount in splits)
        if pieces.split_settlement_response
        else (),
        charged_at=charged_time(status, order.juspay_created_at, pieces.gateway_created),
    )


def _paid(effective: Decimal | None, amount: Decimal | None) -> Decimal:
    """What the customer paid, the split rule's reading (orders.split_rule): effective_amount, else amount."""
    value = effective if effective is not None else amount
    return value if value is not None else Decimal(0)


def outcome(status: str) -> str:
    """CHARGED, another terminal status of Juspay's status table (dashboard.juspay.enums), or open (an unknown
    status included: Juspay has not said it is final)."""
    if status == CHARGED:
        return CHARGED
    member = OrderStatus.lookup(status)
    return TERMINAL if member is not None and member.terminal else OPEN


def _is_failure(status: str | None) -> bool:
    member = OrderStatus.lookup(status or "")
    return member is not None and member.outcome == "failure"


def contribution(facts: OrderFacts | None) -> Contribution:
    """The cells one order adds to the rollups (a pure function: the rebuild and the sync share it)."""
    cells: Contribution = {}
    if facts is None:
        return cells

    def add(metric: str, key: str, sub: str, at: datetime, amount: Decimal) -> None:
        cell = (metric, key[:128], sub[:64], at)
        count, total = cells.get(cell, (0, Decimal(0)))
        cells[cell] = (count + 1, total + amount)

    if facts.created is not None:
        at = hour_start(facts.created)  # the local hour of every cell of the order
        add(METRIC_ORDER, facts.status, "", at, facts.paid)
        add(METRIC_METHOD, facts.method, outcome(facts.status), at, facts.paid)
        add(METRIC_GATEWAY, facts.gateway, outcome(facts.status), at, facts.paid)
        if facts.failure:
            add(METRIC_FAILURE, facts.failure, "", at, facts.paid)
        if facts.status == "CHARGED":
            add(METRIC_REFUNDED, "yes" if facts.refunded > 0 else "no", "", at, facts.refunded)
            add(METRIC_SPLIT, "yes" if facts.split else "no", "", at, facts.paid)
            for vendor, amount in facts.vendors:
                add(METRIC_VENDOR, vendor, "", at, amount)
        for code, status, discount in facts.offers:
            add(METRIC_OFFER, code, status, at, discount)
    for refund in facts.refunds:
        if refund.created is not None:
            hour = hour_start(refund.created)
            add(METRIC_REFUND, refund.status, "arn" if refund.arn else "", hour, refund.amount or Decimal(0))
            if (seconds := refund.turnaround_seconds) is not None:
                add(METRIC_TURNAROUND, "", "", hour, Decimal(seconds))
    return cells


def difference(before: Contribution, after: Contribution) -> Contribution:
    delta: Contribution = {}
    for cell in before.keys() | after.keys():
        c0, a0 = before.get(cell, (0, Decimal(0)))
        c1, a1 = after.get(cell, (0, Decimal(0)))
        if c1 != c0 or a1 != a0:
            delta[cell] = (c1 - c0, a1 - a0)
    return delta


def difference_by_merchant(before: MerchantCells, after: MerchantCells) -> MerchantCells:
    delta: MerchantCells = {}
    for merchant_id in before.keys() | after.keys():
        if cells := difference(before.get(merchant_id, {}), after.get(merchant_id, {})):
            delta[merchant_id] = cells
    return delta


def merge_by_merchant(into: MerchantCells, more: MerchantCells) -> MerchantCells:
    for merchant_id, cells in more.items():
        _merge(into.setdefault(merchant_id, {}), cells)
    return into


def _rows(by_merchant: MerchantCells) -> list[tuple[Any, ...]]:
    """Hour and day rows for each cell (day rows only for histograms), summed, in a fixed order (so concurrent
    writers lock rows alike)."""
    summed: dict[tuple[int, str, datetime, str, str, str], list[Any]] = {}
    days: dict[datetime, datetime] = {}
    for merchant_id, cells in by_merchant.items():
        for (metric, key, sub, hour), (count, amount) in cells.items():
            if (day := days.get(hour)) is None:
                day = days[hour] = bucket_starts(hour)[1]
            grains = ((DAY, day),) if metric.startswith(HISTOGRAM_PREFIX) else ((HOUR, hour), (DAY, day))
            for grain, start in grains:
                row = summed.setdefault((merchant_id, grain, start, metric, key, sub), [0, Decimal(0)])
                row[0] += count
                row[1] += amount
    adapt = connection.ops.adapt_datetimefield_value
    money = connection.ops.adapt_decimalfield_value
    return [
        (merchant_id, grain, adapt(start), metric, key, sub, count, money(amount, 24, 4))
        for (merchant_id, grain, start, metric, key, sub), (count, amount) in sorted(summed.items())
        if count or amount
    ]


def _add(merchant_id: int, cells: Contribution) -> None:
    add_cells({merchant_id: cells})


CELL_COLUMNS = ("merchant_id", "grain", "start", "metric", "key", "sub", "count", "amount")


def add_cells(by_merchant: MerchantCells, *, fresh: bool = False) -> None:
    """Add the counts and amounts to the cells: one INSERT .. ON CONFLICT DO UPDATE (PostgreSQL and SQLite), rows
    sorted by merchant, grain, start, metric, key and sub. Call it last in the transaction (its row locks are the
    ones other writers wait for). `fresh`: a rebuild that deleted every cell of these metrics under its table
    lock, so nothing can conflict (COPY on PostgreSQL)."""
    rows = _rows(by_merchant)
    if not rows:
        return
    if fresh and connection.vendor == "postgresql":
        insert_rows(KpiBucket, CELL_COLUMNS, rows)
        return
    q = connection.ops.quote_name
    table = q(KpiBucket._meta.db_table)
    cols = list(CELL_COLUMNS)
    conflict = ", ".join(q(c) for c in cols[:6])
    upsert = (
        f"ON CONFLICT ({conflict}) DO UPDATE SET {q('count')} = {table}.{q('count')} + excluded.{q('count')}, "
        f"{q('amount')} = {table}.{q('amount')} + excluded.{q('amount')}"
    )
    into = f"INSERT INTO {table} ({', '.join(q(c) for c in cols)})"  # names come from the model, values are params
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > UNNEST_FROM:
            # many rows (a rebuild, a bulk import): one statement per UNNEST_BATCH rows, still in the sorted order
            arrays = ", ".join(f"%s::{kind}[]" for kind in UNNEST_TYPES)
            picked = ", ".join(f"r.{c}" for c in cols)
            sql = f"{into} SELECT {picked} FROM unnest({arrays}) WITH ORDINALITY AS r({', '.join(cols)}, n) ORDER BY n "  # noqa: S608
            for first in range(0, len(rows), UNNEST_BATCH):
                part = rows[first : first + UNNEST_BATCH]
                cursor.execute(sql + upsert, [list(column) for column in zip(*part, strict=True)])
        else:
            cursor.executemany(f"{into} VALUES ({', '.join(['%s'] * len(cols))}) {upsert}", rows)  # noqa: S608


UNNEST_FROM = 200  # rows: below it, one statement per row (a sync's few cells)
UNNEST_BATCH = 5000
UNNEST_TYPES = ("bigint", "text", "timestamptz", "text", "text", "text", "bigint", "numeric")


def _turnarounds(order_pk: int, facts: OrderFacts) -> list[RefundTurnaround]:
    found = []
    for refund in facts.refunds:
        seconds = refund.turnaround_seconds
        if seconds is not None and refund.pk is not None and refund.created is not None:
            found.append(
                RefundTurnaround(
                    refund_id=refund.pk,
                    order_id=order_pk,
                    merchant_id=facts.merchant_id,
                    raised_at=refund.created,
                    seconds=seconds,
                )
            )
    return found


def fulfil_seconds(charged_at: datetime, fulfilled_at: datetime | None) -> int | None:
    if fulfilled_at is None:
        return None
    return max(0, int((fulfilled_at - charged_at).total_seconds()))


def _charged(order_pk: int, facts: OrderFacts, fulfilled_at: datetime | None = None) -> ChargedOrder | None:
    if facts.charged_at is None:
        return None
    return ChargedOrder(
        order_id=order_pk,
        merchant_id=facts.merchant_id,
        charged_at=facts.charged_at,
        fulfilled_at=fulfilled_at,
        fulfil_seconds=fulfil_seconds(facts.charged_at, fulfilled_at),
    )


def charged_contribution(charged_at: datetime, fulfilled_at: datetime | None, seconds: int | None) -> Contribution:
    """The cells one ChargedOrder row adds (CHARGED_METRICS), at its charge time: open or fulfilled, and its time
    to fulfil in the histogram (a pure function of the row: the rebuild and the incremental writes share it)."""
    hour = hour_start(charged_at)
    if fulfilled_at is None:
        cells: Contribution = {(METRIC_CHARGED, "open", "", hour): (1, Decimal(0))}
    else:
        late = seconds is None or seconds > settings.KPI_FULFILMENT_TARGET_HOURS * 3600
        sub = FULFILLED_LATE if late else FULFILLED_IN
        cells = {(METRIC_CHARGED, "fulfilled", sub, hour): (1, Decimal(seconds or 0))}
    if fulfilled_at is not None and seconds is not None:
        cell, value = histogram_cell(METRIC_FULFIL_TIME, seconds, charged_at)
        cells[cell] = value
    return cells


CHARGED_FIELDS = ("merchant_id", "charged_at", "fulfilled_at", "fulfil_seconds")
ChargedRow = tuple[int, datetime, datetime | None, int | None]  # CHARGED_FIELDS' values


def _charged_cells(row: ChargedRow | None) -> MerchantCells:
    if row is None:
        return {}
    merchant_id, charged_at, fulfilled_at, seconds = row
    return {merchant_id: charged_contribution(charged_at, fulfilled_at, seconds)}


def _charged_row(order_pk: int) -> ChargedRow | None:
    return ChargedOrder.objects.filter(order_id=order_pk).values_list(*CHARGED_FIELDS).first()


def _apply_charged(order_pk: int, before: OrderFacts | None, after: OrderFacts) -> MerchantCells:
    """Keep the order's ChargedOrder row: one while it is CHARGED (its fulfilment time kept), none otherwise.
    Returns the change to its cells (the caller adds them with the order's, last)."""
    if before is not None and before.charged_at == after.charged_at and before.merchant_id == after.merchant_id:
        return {}
    old = _charged_row(order_pk)
    if after.charged_at is None:
        ChargedOrder.objects.filter(order_id=order_pk).delete()
        return difference_by_merchant(_charged_cells(old), {})
    if old is not None:
        fulfilled = old[2]
    else:  # charged now, not before: its first fulfilment, if it already had one (fulfilment knows)
        fulfilled = registry.first_fulfilment(order_pk) if before is not None else None
    row = _charged(order_pk, after, fulfilled)
    assert row is not None
    ChargedOrder.objects.update_or_create(
        order_id=order_pk,
        defaults={
            "merchant_id": row.merchant_id,
            "charged_at": row.charged_at,
            "fulfilled_at": row.fulfilled_at,
            "fulfil_seconds": row.fulfil_seconds,
        },
    )
    new = (row.merchant_id, row.charged_at, row.fulfilled_at, row.fulfil_seconds)
    return difference_by_merchant(_charged_cells(old), _charged_cells(new))


def fulfilled_change(order_pk: int, fulfilled_at: datetime | None) -> MerchantCells:
    """Record when the order's first Fulfilment Sync command succeeded (None: none has) and return the change to
    its cells, for the caller to add (`add_cells`, last in its transaction). An order that is not CHARGED has no
    row and no cells."""
    old = _charged_row(order_pk)
    if old is None or old[2] == fulfilled_at:
        return {}
    merchant_id, charged_at = old[0], old[1]
    seconds = fulfil_seconds(charged_at, fulfilled_at)
    ChargedOrder.objects.filter(order_id=order_pk).update(fulfilled_at=fulfilled_at, fulfil_seconds=seconds)
    return difference_by_merchant(_charged_cells(old), _charged_cells((merchant_id, charged_at, fulfilled_at, seconds)))


def set_fulfilled(order_pk: int, fulfilled_at: datetime | None) -> None:
    """`fulfilled_change`, its cells added at once (call it in the transaction of the request's state change)."""
    add_cells(fulfilled_change(order_pk, fulfilled_at))


def apply_change(order: Order, before: OrderFacts | None, after: OrderFacts) -> None:
    """Bring the rollups from `before` (None for a new order) to `after`, inside the sync's transaction; the
    cells last, in one statement."""
    delta = difference(contribution(before), contribution(after))
    if before is None or before.refunds != after.refunds:
        RefundTurnaround.objects.filter(order_id=order.pk).delete()
        RefundTurnaround.objects.bulk_create(_turnarounds(order.pk, after))
    charged = _apply_charged(order.pk, before, after)
    add_cells(merge_by_merchant({after.merchant_id: delta}, charged))


def add_new(pairs: Sequence[tuple[Order, OrderFacts]]) -> None:
    """New orders inserted in bulk (orders.sync.create_orders): add their contributions in one go."""
    by_merchant: dict[int, Contribution] = defaultdict(dict)
    turnarounds: list[RefundTurnaround] = []
    charged: list[ChargedOrder] = []
    for order, facts in pairs:
        _merge(by_merchant[facts.merchant_id], contribution(facts))
        turnarounds += _turnarounds(order.pk, facts)
        if (row := _charged(order.pk, facts)) is not None:
            charged.append(row)
            cells = charged_contribution(row.charged_at, row.fulfilled_at, row.fulfil_seconds)
            _merge(by_merchant[row.merchant_id], cells)
    RefundTurnaround.objects.bulk_create(turnarounds, batch_size=1000)
    ChargedOrder.objects.bulk_create(charged, batch_size=1000)
    add_cells(by_merchant)


def _merge(into: Contribution, cells: Contribution) -> None:
    for cell, (count, amount) in cells.items():
        c0, a0 = into.get(cell, (0, Decimal(0)))
        into[cell] = (c0 + count, a0 + amount)


# --- payout orders --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutFacts:
    """What of one payout order the KPIs count, at its `createdAt` (payout Order Status v3.2)."""

    merchant_id: int
    created: datetime | None
    updated: datetime | None
    status: str
    review: bool
    amount: Decimal
    fulfilments: tuple[str, ...]  # each fulfilment's status


def payout_facts(payout: PayoutOrder, fulfilments: Iterable[str] | None = None) -> PayoutFacts:
    if fulfilments is None:
        rows = Fulfillment.objects.filter(payout_order_id=payout.pk) if payout.pk else Fulfillment.objects.none()
        fulfilments = rows.order_by("pk").values_list("status", flat=True)
    return PayoutFacts(
        merchant_id=payout.merchant_id,
        created=payout.juspay_created_at,
        updated=payout.juspay_updated_at,
        status=payout.status or "",
        review=payout.manual_review,
        amount=payout.amount or Decimal(0),
        fulfilments=tuple(fulfilments),
    )


def payout_contribution(facts: PayoutFacts | None) -> Contribution:
    cells: Contribution = {}
    if facts is None or facts.created is None:
        return cells
    hour = hour_start(facts.created)

    def add(metric: str, key: str, sub: str, amount: Decimal) -> None:
        cell = (metric, key[:128], sub, hour)
        count, total = cells.get(cell, (0, Decimal(0)))
        cells[cell] = (count + 1, total + amount)

    add(METRIC_PAYOUT, facts.status, "review" if facts.review else "", facts.amount)
    for status in facts.fulfilments:
        add(METRIC_PAYOUT_FULFILMENT, status, "", Decimal(0))
    for group in sorted({FULFILMENT_GROUP[s] for s in facts.fulfilments if s in FULFILMENT_GROUP}):
        add(METRIC_PAYOUT_WITH, group, "", Decimal(0))
    if facts.status == "FULFILLMENTS_SUCCESSFUL" and facts.updated is not None:
        add(METRIC_PAYOUT_DONE, "", "", Decimal(max(0, int((facts.updated - facts.created).total_seconds()))))
    return cells


def apply_payout_change(before: PayoutFacts | None, after: PayoutFacts) -> None:
    """Bring the rollups from the payout order's `before` facts (None when new) to `after` (orders.sync)."""
    _add(after.merchant_id, difference(payout_contribution(before), payout_contribution(after)))


PAYOUT_FIELDS = ("merchant_id", "juspay_created_at", "juspay_updated_at", "status", "manual_review", "amount")


def _rebuild_payouts(by_merchant: dict[int, Contribution], batch: int) -> int:
    done, last_pk = 0, 0
    while True:
        chunk = list(PayoutOrder.objects.filter(pk__gt=last_pk).order_by("pk").only(*PAYOUT_FIELDS)[:batch])
        if not chunk:
            return done
        last_pk = chunk[-1].pk
        statuses: dict[int, list[str]] = defaultdict(list)
        rows = Fulfillment.objects.filter(payout_order_id__in=[p.pk for p in chunk]).order_by("pk")
        for payout_pk, status in rows.values_list("payout_order_id", "status"):
            statuses[payout_pk].append(status)
        for payout in chunk:
            _merge(by_merchant[payout.merchant_id], payout_contribution(payout_facts(payout, statuses[payout.pk])))
        done += len(chunk)


PAYOUT_METRICS = (METRIC_PAYOUT, METRIC_PAYOUT_FULFILMENT, METRIC_PAYOUT_WITH, METRIC_PAYOUT_DONE)


def rebuild_payout_cells(*, batch: int = 5000) -> int:
    """Recompute the payout cells (PAYOUT_METRICS) from the cached payout orders only (`rebuild_kpis --only
    payout-cells`). Returns how many payout orders were read."""
    with transaction.atomic():
        lock_tables(KpiBucket)
        KpiBucket.objects.filter(metric__in=PAYOUT_METRICS).delete()
        by_merchant: dict[int, Contribution] = defaultdict(dict)
        done = _rebuild_payouts(by_merchant, batch)
        add_cells(dict(by_merchant), fresh=True)
    return done


class _JsonPiece(Func):
    """`raw -> 'a' -> 'b'`: one piece of a JSON column, as JSON (NULL when absent or under a non-object), so the
    rebuild transfers and parses only that piece of each answer."""

    output_field = models.JSONField()

    def __init__(self, field: str, path: tuple[str, ...]) -> None:
        super().__init__(F(field))
        self.path = path

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql}{' -> %s' * len(self.path)})", (*params, *self.path)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} -> %s)", (*params, "$." + ".".join(self.path))


PIECE_ALIASES = {name: f"kpi_{name}" for name in RAW_PIECES}
REFUND_FIELDS = ("order_id", "pk", "created", "status", "amount", "arn", "processed_at")
OFFER_FIELDS = ("order_id", "offer_code", "status", "benefits")
SPLIT_FIELDS = ("order_id", "sub_vendor_id", "amount")


def _grouped(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    """Rows whose first value is an order pk, grouped by it (the rest of each row, in the rows' order)."""
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        found[row[0]].append(row[1:])
    return found


def _order_chunks(batch: int) -> Iterator[list[tuple[Any, ...]]]:
    """Every order as (pk, *ORDER_COLUMNS, *RAW_PIECES), in pk order, `batch` at a time: tuples, not models, and
    only the pieces of `raw` the facts read."""
    last_pk = 0
    pieces = {alias: _JsonPiece("raw", RAW_PIECES[name]) for name, alias in PIECE_ALIASES.items()}
    while True:
        chunk = list(
            Order.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .annotate(**pieces)
            .values_list("pk", *ORDER_COLUMNS, *PIECE_ALIASES.values())[:batch]
        )
        if not chunk:
            return
        yield chunk
        last_pk = chunk[-1][0]


def _facts_of_chunk(chunk: list[tuple[Any, ...]]) -> Iterator[tuple[int, OrderFacts]]:
    """(pk, facts) of each order of a chunk, its refunds, offers and splits read for the chunk's pk range."""
    in_range = {"order_id__gt": chunk[0][0] - 1, "order_id__lte": chunk[-1][0]}
    refunds = _grouped(Refund.objects.filter(**in_range).order_by("pk").values_list(*REFUND_FIELDS))
    offers = _grouped(Offer.objects.filter(**in_range).order_by("pk").values_list(*OFFER_FIELDS))
    splits = _grouped(SplitDetail.objects.filter(**in_range).order_by("pk").values_list(*SPLIT_FIELDS))
    width = len(ORDER_COLUMNS)
    for row in chunk:
        pk = row[0]
        facts = order_facts(
            OrderColumns(*row[1 : 1 + width]),
            RawPieces(*row[1 + width :]),
            tuple(_refund(*r) for r in refunds.get(pk, ())),
            offers.get(pk, ()),
            splits.get(pk, ()),
        )
        yield pk, facts


def insert_rows(model: Any, fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """A rebuild's rows into a table it emptied under its lock (column values in `fields`' order): COPY on
    PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        q = connection.ops.quote_name
        columns = ", ".join(q(model._meta.get_field(f).column) for f in fields)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {q(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=1000)


TURNAROUND_FIELDS = ("refund_id", "order_id", "merchant_id", "raised_at", "seconds")
CHARGED_ROW_FIELDS = ("order_id", *CHARGED_FIELDS)


def rebuild(*, batch: int = 5000) -> dict[str, int]:
    """Recompute every rollup from the cache, in one transaction (syncs wait for it on PostgreSQL). Returns
    the number of orders read and of rows written.

    The same rule as the sync's, over tuples: each order's facts (`order_facts`, from its columns, the few pieces
    of `raw` the facts read, and its refunds, offers and splits), their `contribution()` and their ChargedOrder
    row's `charged_contribution()`, summed, then written at once (by COPY on PostgreSQL: the cells of these
    metrics were deleted under the lock). tests/orders/test_kpi_rebuild.py checks it against the incremental
    path on varied orders."""
    with transaction.atomic():
        # a sync's delta waits, then applies on top of the rebuilt rows (tables locked in the order a sync writes)
        lock_tables(RefundTurnaround, ChargedOrder, KpiBucket)
        KpiBucket.objects.filter(metric__in=(*METRICS, *CHARGED_METRICS)).delete()
        RefundTurnaround.objects.all().delete()
        # The fulfilment times are fulfilment's to rebuild (fulfilment.kpi_rollups.rebuild); kept across this one.
        fulfilled = dict(
            ChargedOrder.objects.filter(fulfilled_at__isnull=False).values_list("order_id", "fulfilled_at")
        )
        ChargedOrder.objects.all().delete()
        by_merchant: dict[int, Contribution] = defaultdict(dict)
        turnarounds = 0
        orders = 0
        for chunk in _order_chunks(batch):
            rows: list[tuple[Any, ...]] = []
            charged: list[tuple[Any, ...]] = []
            for pk, facts in _facts_of_chunk(chunk):
                cells = by_merchant[facts.merchant_id]
                _merge(cells, contribution(facts))
                rows += [
                    (t.refund_id, t.order_id, t.merchant_id, t.raised_at, t.seconds) for t in _turnarounds(pk, facts)
                ]
                if (at := facts.charged_at) is not None:  # its ChargedOrder row, as _charged makes it
                    done_at = fulfilled.get(pk)
                    seconds = fulfil_seconds(at, done_at)
                    charged.append((pk, facts.merchant_id, at, done_at, seconds))
                    _merge(cells, charged_contribution(at, done_at, seconds))
            insert_rows(RefundTurnaround, TURNAROUND_FIELDS, rows)
            insert_rows(ChargedOrder, CHARGED_ROW_FIELDS, charged)
            turnarounds += len(rows)
            orders += len(chunk)
        payouts = _rebuild_payouts(by_merchant, batch)
        add_cells(by_merchant, fresh=True)
    return {"payouts": payouts, "orders": orders, "buckets": KpiBucket.objects.count(), "turnarounds": turnarounds}


def lock_tables(*models: Any) -> None:
    """PostgreSQL: lock the tables against writers (EXCLUSIVE: reads go on) until the transaction ends. Name them
    in the order the writers touch them (RequestFact, RefundTurnaround, ChargedOrder, KpiBucket), or a writer
    holding a row of one and waiting for the next deadlocks with the rebuild."""
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")


def rebuild_charged_cells(*, batch: int = 5000) -> int:
    """Recompute the cells of CHARGED_METRICS from the ChargedOrder table (not from the orders: fast, and what
    `rebuild_kpis --only fulfilment-cells` runs). Returns how many rows were read."""
    with transaction.atomic():
        lock_tables(ChargedOrder, KpiBucket)
        KpiBucket.objects.filter(metric__in=CHARGED_METRICS).delete()
        by_merchant: MerchantCells = defaultdict(dict)
        done = 0
        for row in ChargedOrder.objects.order_by().values_list(*CHARGED_FIELDS).iterator(chunk_size=batch):
            merge_by_merchant(by_merchant, _charged_cells(row))
            done += 1
        add_cells(by_merchant, fresh=True)
    return done
