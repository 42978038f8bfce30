"""The payouts list's filters: status, type, age, manual review, beneficiary method and merchant. Each is an
indexed equality (PayoutOrder.Meta.indexes, Fulfillment.beneficiary_type) or a range on the creation time, so
the first page is read from one index range; the list is not windowed by default (payouts are fewer than
orders, and the old ones are the ones people chase)."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from dashboard.juspay.enums import BeneficiaryType, PayoutOrderStatus, PayoutOrderType
from dashboard.merchant_scope import merchant_choices
from orders import rollups
from orders.filters import YES_NO, UtcIsoDateTimeFilter
from orders.models import Fulfillment, PayoutOrder

# Juspay moves a fulfilment pending for more than ten days to MANUAL_REVIEW (payout Order Status v3.2).
STUCK_DAYS = 10
AGES = [
    ("1", "Last 24 hours"),
    ("7", "Last 7 days"),
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    ("older_10", f"Older than {STUCK_DAYS} days"),
]
SORTS = [("newest", "Newest first"), ("oldest", "Oldest first")]


class PayoutFilter(django_filters.FilterSet):
    status = django_filters.CharFilter(
        method="filter_status",
        label="Status",
        widget=forms.TextInput(attrs={"list": "payout-statuses", "autocomplete": "off"}),
    )
    type = django_filters.ChoiceFilter(
        choices=[(t.value, f"{t.value} ({t.meaning})") for t in PayoutOrderType], label="Type", empty_label="Any"
    )
    age = django_filters.ChoiceFilter(choices=AGES, method="filter_age", label="Created", empty_label="Any time")
    manual_review = django_filters.BooleanFilter(label="Manual review", widget=forms.Select(choices=YES_NO))
    beneficiary = django_filters.ChoiceFilter(
        choices=[(b.value, b.meaning) for b in BeneficiaryType],
        method="filter_beneficiary",
        label="Beneficiary method",
        empty_label="Any",
    )
    merchant = django_filters.ModelChoiceFilter(
        queryset=merchant_choices, to_field_name="code", label="Merchant", empty_label="Any"
    )
    sort = django_filters.ChoiceFilter(choices=SORTS, method="filter_nothing", label="Sort", empty_label=None)
    # The payout orders behind a KPI figure (orders.kpi_figures): exact instants of KPI_TIME_ZONE's days, hidden.
    created_after = UtcIsoDateTimeFilter(
        field_name="juspay_created_at", lookup_expr="gte", label="Created at or after", widget=forms.HiddenInput
    )
    created_before = UtcIsoDateTimeFilter(
        field_name="juspay_created_at", lookup_expr="lt", label="Created before", widget=forms.HiddenInput
    )
    pending = django_filters.BooleanFilter(
        method="filter_pending", label="Still pending (Juspay's pending statuses)", widget=forms.HiddenInput
    )
    fulfilment = django_filters.ChoiceFilter(
        choices=[(g, g) for g in rollups.FULFILMENT_STATUSES],
        method="filter_fulfilment",
        label="With a fulfilment that is",
        widget=forms.HiddenInput,
    )
    done = django_filters.BooleanFilter(
        method="filter_done", label="FULFILLMENTS_SUCCESSFUL, with its time known", widget=forms.HiddenInput
    )

    class Meta:
        model = PayoutOrder
        fields: list[str] = []

    def filter_status(self, queryset: QuerySet[PayoutOrder], name: str, value: str) -> QuerySet[PayoutOrder]:
        return queryset.filter(status=value.strip().upper())  # any value: Juspay may send one we do not know

    def filter_age(self, queryset: QuerySet[PayoutOrder], name: str, value: str) -> QuerySet[PayoutOrder]:
        if value == "older_10":
            return queryset.filter(juspay_created_at__lt=timezone.now() - timedelta(days=STUCK_DAYS))
        return queryset.filter(juspay_created_at__gte=timezone.now() - timedelta(days=int(value)))

    def filter_pending(self, queryset: QuerySet[PayoutOrder], name: str, value: bool) -> QuerySet[PayoutOrder]:
        """Payout orders whose status is (or, with false, is not) one of the payout table's pending ones."""
        pending = [s.value for s in PayoutOrderStatus if s.outcome == "pending"]
        return queryset.filter(status__in=pending) if value else queryset.exclude(status__in=pending)

    def filter_fulfilment(self, queryset: QuerySet[PayoutOrder], name: str, value: str) -> QuerySet[PayoutOrder]:
        """Payout orders with at least one fulfilment in the group's statuses (the KPI fulfilment rates' rows)."""
        statuses = rollups.FULFILMENT_STATUSES[value]
        return queryset.filter(pk__in=Fulfillment.objects.filter(status__in=statuses).values("payout_order_id"))

    def filter_done(self, queryset: QuerySet[PayoutOrder], name: str, value: bool) -> QuerySet[PayoutOrder]:
        """Payout orders in FULFILLMENTS_SUCCESSFUL whose `updatedAt` is known (the time-to-successful figure's rows),
        or, with false, the others."""
        done = Q(status="FULFILLMENTS_SUCCESSFUL", juspay_updated_at__isnull=False)
        return queryset.filter(done) if value else queryset.exclude(done)

    def filter_beneficiary(self, queryset: QuerySet[PayoutOrder], name: str, value: str) -> QuerySet[PayoutOrder]:
        """Payout orders with at least one fulfilment paying this kind of beneficiary."""
        return queryset.filter(pk__in=Fulfillment.objects.filter(beneficiary_type=value).values("payout_order_id"))

    def filter_nothing(self, queryset: QuerySet[PayoutOrder], name: str, value: str) -> QuerySet[PayoutOrder]:
        return queryset  # read by the list's keyset pagination

    @property
    def sort_key(self) -> str:
        self.form.is_valid()
        return getattr(self.form, "cleaned_data", {}).get("sort") or "newest"


STATUS_SUGGESTIONS = [(s.value, s.meaning) for s in PayoutOrderStatus]
