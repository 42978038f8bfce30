"""The local cache of what Juspay knows, normalised enough to search, filter and aggregate fast.

Each cached object keeps the last raw JSON Juspay sent for it (`raw`), so nothing Juspay adds is lost,
and knows its merchant. Rows are written only by `orders.sync` (and the timeline by `orders.events`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.expressions import Combinable
from django.utils import timezone

from dashboard.merchant_scope import MerchantScopedQuerySet
from dashboard.models import ApiToken, Merchant
from orders.freshness import next_sync_at


def money_field() -> models.DecimalField[Decimal | float | str | Combinable | None, Decimal | None]:
    """An amount as Juspay sends it (up to 14 digits and 4 decimals); empty when Juspay leaves it out."""
    return models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)


class SyncSource(models.TextChoices):
    JUSPAY_POLL = "juspay_poll", "Juspay poll"
    WEBHOOK = "webhook", "Webhook"
    DASHBOARD = "dashboard", "Dashboard"
    IMPORT = "import", "Import"


class RefundState(models.TextChoices):
    """A summary of an order's refunds, for filters and the list."""

    NONE = "none", "No refunds"
    PENDING = "pending", "Refund pending"
    PARTIAL = "partial", "Partially refunded"
    FULL = "full", "Fully refunded"
    FAILED = "failed", "Refund failed"
    REVIEW = "manual_review", "Refund in manual review"


class FulfilmentState(models.TextChoices):
    NONE = "none", "No fulfilments"
    OPEN = "open", "Fulfilment open"
    DONE = "done", "Fulfilled"
    FAILED = "failed", "Fulfilment failed"
    REVIEW = "manual_review", "Fulfilment in manual review"


class JuspayCopy(models.Model):
    """What every cached copy of a Juspay object carries to stay in step with Juspay: its last answer, what in
    it we do not know, and when it was synced, when it fails and when it is due again (orders.freshness).
    Orders and payout orders share it, so the sweep, the staleness rule and the failure back-off exist once.
    """

    juspay_created_at = models.DateTimeField(null=True, blank=True)
    juspay_updated_at = models.DateTimeField(null=True, blank=True)
    is_open = models.BooleanField(
        default=True, help_text="A payment, refund, payout or fulfilment on it is still moving."
    )
    raw = models.JSONField(default=dict, blank=True)
    answer_digest = models.CharField(
        max_length=32,
        blank=True,
        default="",
        help_text='Digest of the bytes of the Order Status answer `raw` came from ("" if unknown): bulk sync skips '
        "an answer with the same bytes.",
    )
    unknown = models.JSONField(default=list, blank=True, help_text="Fields/values Juspay sent that we do not know.")
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_fetch_started_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.TextField(blank=True)
    sync_failures = models.PositiveIntegerField(default=0)
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)

    # The columns `mark_synced` writes, for `save(update_fields=...)`.
    SYNC_STAMP_FIELDS: ClassVar[tuple[str, ...]] = (
        "last_synced_at",
        "last_fetch_started_at",
        "last_sync_error",
        "sync_failures",
        "next_sync_at",
    )

    class Meta:
        abstract = True

    def is_stale(self, fetched_at: datetime) -> bool:
        """Was an answer fetched at `fetched_at` asked for before the one already applied? Then it is older news."""
        return bool(self.last_fetch_started_at and fetched_at < self.last_fetch_started_at)

    def mark_synced(self, fetched_at: datetime) -> None:
        """Juspay answered (the answer fetched at `fetched_at` is applied): clear failures, schedule the next sync
        from `is_open`, so set `is_open` first. The caller saves."""
        self.last_synced_at = timezone.now()
        self.last_fetch_started_at = fetched_at
        self.last_sync_error = ""
        self.sync_failures = 0
        self.next_sync_at = next_sync_at(self.juspay_created_at, is_open=self.is_open, failures=0)

    def mark_failed(self, message: str) -> None:
        """Juspay could not be asked: keep the message and push the next try back. The caller saves."""
        self.last_sync_error = message[:2000]
        self.sync_failures += 1
        self.next_sync_at = next_sync_at(self.juspay_created_at, is_open=self.is_open, failures=self.sync_failures)


def search_indexes(prefix: str, columns: list[str]) -> list[models.Index]:
    """One plain btree per column the search box looks up by equality (orders.search), named `<prefix>_<column>_eq`.

    Not `db_index=True`: on PostgreSQL that also makes a `*_like` (varchar_pattern_ops) twin, which serves the
    same equality and a `LIKE 'x%'` nobody runs: prefix search reads the `COLLATE "C"` indexes of
    orders/0015_typeahead instead. The twins were dropped in orders/0016_search_btrees (about 97 MB at 1M orders)."""
    return [models.Index(fields=[column], name=f"{prefix}_{column}_eq") for column in columns]


class Order(JuspayCopy):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders")
    order_id = models.CharField(max_length=64)  # searched across merchants (SEARCH_INDEXES)
    juspay_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=48, db_index=True)
    status_id = models.IntegerField(null=True, blank=True)
    amount = money_field()
    effective_amount = money_field()
    currency = models.CharField(max_length=8, blank=True)
    customer_id = models.CharField(max_length=128, blank=True)
    customer_email = models.CharField(max_length=254, blank=True)
    customer_phone = models.CharField(max_length=32, blank=True)
    email_normalized = models.CharField(max_length=254, blank=True)
    phone_normalized = models.CharField(max_length=16, blank=True)
    payment_method_type = models.CharField(max_length=32, blank=True, db_index=True)
    payment_method = models.CharField(max_length=64, blank=True)
    gateway = models.CharField(max_length=64, blank=True, db_index=True)
    txn_id = models.CharField(max_length=128, blank=True)
    txn_uuid = models.CharField(max_length=128, blank=True)
    refunded = models.BooleanField(default=False)
    amount_refunded = money_field()
    max_eligible_refund = money_field()
    udfs = models.JSONField(default=dict, blank=True)
    split_applied = models.BooleanField(null=True, blank=True)
    refund_state = models.CharField(max_length=16, choices=RefundState.choices, default=RefundState.NONE, db_index=True)
    fulfilment_state = models.CharField(
        max_length=16, choices=FulfilmentState.choices, default=FulfilmentState.NONE, db_index=True
    )
    first_seen_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedQuerySet.as_manager()  # .visible_to(user): dashboard/merchant_scope.py

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "order_id"], name="order_unique_per_merchant")]
        indexes = [
            models.Index(fields=["-juspay_created_at", "-id"], name="order_created_idx"),
            models.Index(fields=["status", "-juspay_created_at"], name="order_status_created_idx"),
            # The orders list: each equality filter walks its own index in the list's order (newest first),
            # so a filter matching most rows still reads only one page; and the list sorted by amount.
            models.Index(fields=["merchant", "-juspay_created_at", "-id"], name="order_merchant_created_idx"),
            models.Index(fields=["refund_state", "-juspay_created_at", "-id"], name="order_refund_created_idx"),
            models.Index(fields=["fulfilment_state", "-juspay_created_at", "-id"], name="order_fulfil_created_idx"),
            models.Index(fields=["gateway", "-juspay_created_at", "-id"], name="order_gateway_created_idx"),
            models.Index(fields=["payment_method_type", "-juspay_created_at", "-id"], name="order_method_created_idx"),
            models.Index(fields=["-amount", "-id"], name="order_amount_idx"),
            # The sync health page and its navigation count: the newest sync per merchant, the failing orders.
            models.Index(fields=["merchant", "last_synced_at"], name="order_merchant_synced_idx"),
            models.Index(fields=["merchant"], condition=models.Q(sync_failures__gt=0), name="order_sync_failing_idx"),
            *search_indexes(
                "order",
                ["order_id", "juspay_id", "customer_id", "email_normalized", "phone_normalized", "txn_id", "txn_uuid"],
            ),
        ]
        permissions = [
            ("refresh_order", "Can ask for an order to be re-synced now"),
            ("view_unmasked_pii", "Can see customer email, phone and card/account numbers"),
        ]

    def __str__(self) -> str:
        return self.order_id

    # --- Rules about one order, in one place (services, the executor and the pages call these) -------------

    def has_charged_transaction(self) -> bool:
        """Juspay takes a refund or a Fulfilment Sync command only for a CHARGED order with a CHARGED transaction."""
        return self.status == "CHARGED" and self.transactions.filter(status="CHARGED").exists()

    @property
    def juspay_refund_limit(self) -> Decimal:
        """What Juspay last said may still be refunded (`max_eligible_refund`); nothing when it has not said."""
        return self.max_eligible_refund if self.max_eligible_refund is not None else Decimal(0)


class OrderUdf(models.Model):
    """One non-empty user-defined field (udf1..udf10) of an order, so search can find an order by any udf with
    one indexed equality. A copy of `Order.udfs`, rewritten by orders.sync whenever those change."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="udf_values")
    slot = models.PositiveSmallIntegerField(help_text="1..10: which udf")
    value = models.CharField(max_length=255, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "slot"], name="udf_unique_per_order")]

    def __str__(self) -> str:
        return f"udf{self.slot}={self.value}"


class Transaction(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transactions")
    txn_id = models.CharField(max_length=128)
    txn_uuid = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=48)
    gateway = models.CharField(max_length=64, blank=True)
    gateway_id = models.IntegerField(null=True, blank=True)
    amount = money_field()
    net_amount = money_field()
    currency = models.CharField(max_length=8, blank=True)
    payment_method_type = models.CharField(max_length=32, blank=True)
    payment_method = models.CharField(max_length=64, blank=True)
    rrn = models.CharField(max_length=64, blank=True)
    epg_txn_id = models.CharField(max_length=128, blank=True)
    error_code = models.CharField(max_length=128, blank=True)
    error_message = models.TextField(blank=True)
    created = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "txn_id"], name="txn_unique_per_order")]
        indexes = search_indexes("txn", ["txn_id", "txn_uuid", "rrn", "epg_txn_id"])


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    unique_request_id = models.CharField(max_length=128, db_index=True)
    juspay_refund_id = models.CharField(max_length=128, blank=True, db_index=True)  # the search box opens it
    ref = models.CharField(max_length=128, blank=True)
    amount = money_field()
    status = models.CharField(max_length=32)
    sent_to_gateway = models.BooleanField(null=True, blank=True)
    refund_type = models.CharField(max_length=32, blank=True)
    error_code = models.CharField(max_length=128, blank=True)
    error_message = models.TextField(blank=True)
    arn = models.CharField(max_length=128, blank=True)
    created = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "unique_request_id"], name="refund_unique_per_order")]


class Offer(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="offers")
    offer_id = models.CharField(max_length=128)
    offer_code = models.CharField(max_length=128, blank=True, db_index=True)
    status = models.CharField(max_length=32, blank=True)
    benefits = models.JSONField(default=list, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "offer_id"], name="offer_unique_per_order")]


class SplitDetail(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="split_details")
    sub_vendor_id = models.CharField(max_length=128)
    amount = money_field()
    merchant_commission = money_field()
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "sub_vendor_id"], name="split_unique_per_order")]


class PayoutOrder(JuspayCopy):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="payout_orders")
    # The payment order its `payments[]` names by Juspay's order id (orders.sync.linked_order); empty otherwise.
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="payout_orders")
    payout_order_id = models.CharField(max_length=64, db_index=True)  # searched across merchants
    status = models.CharField(max_length=48, db_index=True)
    type = models.CharField(max_length=32, blank=True)
    amount = money_field()
    customer_id = models.CharField(max_length=128, blank=True, db_index=True)
    udfs = models.JSONField(default=dict, blank=True)
    manual_review = models.BooleanField(
        default=False, help_text="The order, a fulfilment, an attempt, a payment or a refund is in manual review."
    )

    objects = MerchantScopedQuerySet.as_manager()  # .visible_to(user): dashboard/merchant_scope.py

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "payout_order_id"], name="payout_unique_per_merchant")
        ]
        indexes = [
            # The payouts list, newest first: each equality filter walks its own index in the list's order.
            models.Index(fields=["-juspay_created_at", "-id"], name="payout_created_idx"),
            models.Index(fields=["merchant", "-juspay_created_at", "-id"], name="payout_merchant_created_idx"),
            models.Index(fields=["status", "-juspay_created_at", "-id"], name="payout_status_created_idx"),
            models.Index(fields=["type", "-juspay_created_at", "-id"], name="payout_type_created_idx"),
            models.Index(fields=["manual_review", "-juspay_created_at", "-id"], name="payout_review_created_idx"),
        ]

    def __str__(self) -> str:
        return self.payout_order_id

    @property
    def currency(self) -> str:
        """Juspay's payouts pay out in INR (the Payout Order Status answer carries no currency of its own)."""
        return "INR"


class Fulfillment(models.Model):
    payout_order = models.ForeignKey(PayoutOrder, on_delete=models.CASCADE, related_name="fulfillments")
    fulfillment_id = models.CharField(max_length=128, db_index=True)  # searched
    status = models.CharField(max_length=48, db_index=True)
    amount = money_field()
    beneficiary_type = models.CharField(max_length=32, blank=True, db_index=True)  # the payouts list's filter
    beneficiary = models.JSONField(default=dict, blank=True)
    method = models.CharField(max_length=64, blank=True)
    juspay_created_at = models.DateTimeField(null=True, blank=True)
    status_updated_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payout_order", "fulfillment_id"], name="fulfillment_unique_per_payout")
        ]


class PayoutTransaction(models.Model):
    fulfillment = models.ForeignKey(Fulfillment, on_delete=models.CASCADE, related_name="transactions")
    transaction_ref = models.CharField(max_length=128, db_index=True)
    status = models.CharField(max_length=48)
    amount = money_field()
    method = models.CharField(max_length=64, blank=True)
    gateway_ref_id = models.CharField(max_length=128, blank=True, db_index=True)
    response_code = models.CharField(max_length=64, blank=True)
    response_message = models.TextField(blank=True)
    created = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fulfillment", "transaction_ref"], name="payout_txn_unique_per_fulfillment")
        ]


class TimelineEvent(models.Model):
    """One thing that happened to an order (or a payout order), with its source and actor."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    payout_order = models.ForeignKey(
        PayoutOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=48, db_index=True)
    source = models.CharField(max_length=16, choices=SyncSource.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["order", "-at"], name="timeline_order_at_idx")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M:%S}"


class WebhookEvent(models.Model):
    """A webhook as received: stored once per event id, then the order it names is refreshed from Order Status
    (orders.webhooks). A refresh that fails is tried again later, a bounded number of times."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="webhook_events")
    event_id = models.CharField(max_length=128, unique=True)
    event_name = models.CharField(max_length=64, db_index=True)
    order_id = models.CharField(max_length=64, blank=True, db_index=True)
    kind = models.CharField(max_length=16, default="order", help_text="order or payout")
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField()
    raw_body = models.TextField(blank=True, help_text="The body exactly as Juspay sent it.")
    parse_problems = models.JSONField(
        default=list, blank=True, help_text="What in the body did not fit its documented type, or is not documented."
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Refreshes tried and failed so far.")
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    error = models.TextField(blank=True, help_text="Why the last refresh failed.")

    objects = MerchantScopedQuerySet.as_manager()  # .visible_to(user): dashboard/merchant_scope.py

    class Meta:
        # The sync health page and its navigation count read the few events not refreshed yet.
        indexes = [
            models.Index(
                fields=["received_at"], condition=models.Q(processed_at__isnull=True), name="webhook_unprocessed_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_name} {self.order_id}"


class OrderVisit(models.Model):
    """When a person last opened an order's page: one row per person and order, rewritten on each visit, so the
    Support home can list the orders they worked on (orders.worklist). Not an audit record."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["user", "order"], name="visit_unique_per_user_order")]
        indexes = [models.Index(fields=["user", "-at"], name="visit_user_at_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} opened {self.order_id} @ {self.at:%Y-%m-%d %H:%M}"


class Note(models.Model):
    """An internal note someone wrote on an order; written by `orders.notes.add_note` (audited, on the timeline)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ("add", "view")
        permissions = [("view_raw", "Can see the raw Juspay answers of an order")]

    def __str__(self) -> str:
        return f"note on {self.order_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class TokenReveal(models.Model):
    """A reveal made through a personal API token (orders/token_reveals.py): the browser keeps its reveals in
    the session, a token here, so that the token's later reads of that order show it unmasked until
    `expires_at` (masking.REVEAL_SECONDS after the audited reveal). Only for that token, never its siblings."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="reveals")
    subject = models.CharField(max_length=64, help_text="What was revealed: an order's pk, or payout:<pk>.")
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["token", "subject"], name="token_reveal_once")]

    def __str__(self) -> str:
        return f"{self.subject} for token {self.token_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class ExportState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class OrderExport(models.Model):
    """A CSV export of the orders list too large to stream: written by a task under DATA_DIR/exports."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="order_exports")
    query = models.TextField(blank=True, help_text="The list's filters, as a query string.")
    state = models.CharField(max_length=16, choices=ExportState.choices, default=ExportState.QUEUED)
    rows = models.PositiveIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"export {self.id} ({self.state})"


class KpiBucket(models.Model):
    """One rollup cell of the managers' KPIs (orders.rollups): how many things of one kind, and their amount, a
    merchant had in one hour or one day of `KPI_TIME_ZONE` (`start` is that hour's or day's first instant).

    `metric` names what is counted and `key`/`sub` the dimension (orders.rollups.METRICS lists them). Kept
    current in the transaction of every order sync (a delta: the order's old contribution out, the new one in),
    and rebuilt from the cache by `python manage.py rebuild_kpis` (also after changing `KPI_TIME_ZONE`)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    grain = models.CharField(max_length=1, help_text="h = hour, d = day (of KPI_TIME_ZONE)")
    start = models.DateTimeField()
    metric = models.CharField(max_length=24)
    key = models.CharField(max_length=128, blank=True)
    sub = models.CharField(max_length=64, blank=True)
    count = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=24, decimal_places=4, default=Decimal(0))

    class Meta:
        default_permissions = ()
        permissions = [("view_kpis", "Can see the managers' KPI page")]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "grain", "start", "metric", "key", "sub"], name="kpi_bucket_unique"
            )
        ]
        indexes = [models.Index(fields=["grain", "metric", "start"], name="kpi_bucket_grain_idx")]

    def __str__(self) -> str:
        return f"{self.metric}[{self.key}/{self.sub}] {self.grain}@{self.start:%Y-%m-%d %H:%M}: {self.count}"


class RefundTurnaround(models.Model):
    """A refund that reached SUCCESS, with the seconds from raised (`created`) to Juspay's `pg_processed_at`: the
    bounded set of rows the turnaround percentiles of a period are read from (orders.rollups keeps them)."""

    refund = models.OneToOneField(Refund, on_delete=models.CASCADE, related_name="turnaround")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    raised_at = models.DateTimeField()
    seconds = models.BigIntegerField()

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["raised_at", "seconds"], name="refund_turnaround_idx")]

    def __str__(self) -> str:
        return f"refund {self.refund_id}: {self.seconds} s"


class SyncFailure(models.Model):
    """An id Juspay could not be asked about before it was ever cached (an import, the demo load): kept with the
    reason, tried again by the freshness sweep with a back-off (orders.failure_retry), listed on the sync health
    page, and resolved once the id is in the cache. A cached order's failures live on the order itself
    (`JuspayCopy.last_sync_error`, `sync_failures`), since the sweep retries it through `next_sync_at` anyway."""

    class Kind(models.TextChoices):
        ORDER = "order", "Order"
        PAYOUT = "payout", "Payout order"

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="sync_failures")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ORDER)
    order_id = models.CharField(max_length=64, help_text="The order id (or payout order id) that failed.")
    source = models.CharField(max_length=16, choices=SyncSource.choices, default=SyncSource.IMPORT)
    reason = models.TextField(help_text="Why the last try failed.")
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)
    next_try = models.DateTimeField(null=True, blank=True, help_text="Empty once the retries are used up.")
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = MerchantScopedQuerySet.as_manager()  # .visible_to(user): dashboard/merchant_scope.py

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "kind", "order_id"], name="sync_failure_unique_per_id")
        ]
        indexes = [models.Index(fields=["resolved_at", "next_try"], name="sync_failure_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.order_id}: {self.reason[:60]}"


class ChargedOrder(models.Model):
    """A CHARGED order, when it was charged, and when its first Fulfilment Sync command succeeded: the bounded set
    of rows the fulfilment KPIs (time to fulfil, share within the target, orders still unfulfilled) are read from.

    orders.rollups keeps `charged_at` (in the sync's transaction: a row while the order is CHARGED, none
    otherwise); fulfilment.kpi_rollups keeps `fulfilled_at` (in the transaction of every request state change),
    and `fulfil_seconds` is the difference. `rebuild_kpis` recomputes both."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, primary_key=True, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    charged_at = models.DateTimeField(help_text="the gateway's answer time, else the order's date_created")
    fulfilled_at = models.DateTimeField(null=True, blank=True, help_text="the first successful fulfilment command")
    fulfil_seconds = models.BigIntegerField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        indexes = [
            models.Index(fields=["charged_at", "fulfil_seconds"], name="charged_order_idx"),
            models.Index(
                fields=["charged_at"], name="charged_unfulfilled_idx", condition=models.Q(fulfilled_at__isnull=True)
            ),
            # one histogram bucket's rows (orders.kpi_histograms): a range of seconds, then the period
            models.Index(
                fields=["fulfil_seconds", "charged_at"],
                name="charged_fulfil_seconds_idx",
                condition=models.Q(fulfil_seconds__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} charged {self.charged_at:%Y-%m-%d %H:%M}"


class SyncRun(models.Model):
    """One bulk sync (an import, `sync_orders`, a freshness sweep): its ids split into `SyncChunk`s that any
    Celery worker on any host takes (orders.sync_runs). The counters add up as chunks finish."""

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        SYNC = "sync", "Bulk sync"
        SWEEP = "sweep", "Freshness sweep"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=SyncSource.choices, default=SyncSource.JUSPAY_POLL)
    remember_failures = models.BooleanField(
        default=False, help_text="Ids that fail become SyncFailure rows (retried by the sweep)."
    )
    concurrency = models.PositiveIntegerField(default=32, help_text="Juspay calls in flight per chunk.")
    ids_total = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    synced = models.PositiveIntegerField(default=0)
    changes = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    planned = models.BooleanField(default=False, help_text="Every chunk has been queued.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} run {self.pk}: {self.chunks_done}/{self.chunks_total} chunks"


class SyncChunk(models.Model):
    """A few hundred ids of a `SyncRun`, fetched and applied by one task; what failed is kept per id."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        DONE = "done", "Done"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    order_ids = models.JSONField(default=list)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    synced = models.PositiveIntegerField(default=0)
    changes = models.PositiveIntegerField(default=0)
    failed = models.JSONField(default=dict, blank=True, help_text="Order id -> why it failed.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="sync_chunk_unique_index")]

    def __str__(self) -> str:
        return f"chunk {self.index} of run {self.run_id} ({self.state})"
