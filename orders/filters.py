"""The orders list's filters. Every filter is an indexed equality or range; the date window is bounded by
default (the last 7 days) so the first page of a million orders is read from one index range."""

from __future__ import annotations

import copy
from collections import OrderedDict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from django_filters.filters import Filter, FilterMethod, QuerySetRequestMixin

from dashboard.juspay.enums import OrderStatus, PaymentMethodType
from dashboard.merchant_scope import Viewer, merchant_choices
from orders import search
from orders.models import ChargedOrder, FulfilmentState, Offer, Order, Refund, RefundState, RefundTurnaround

DEFAULT_DAYS = 7
PERIODS = [("30", "Last 30 days"), ("90", "Last 90 days"), ("365", "Last 365 days"), ("all", "All time")]
SORTS = [
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("amount_high", "Amount, highest first"),
    ("amount_low", "Amount, lowest first"),
]
DRILL_FILTERS = (
    "created_after",
    "created_before",
    "has_refunded",
    "refund_from",
    "refund_to",
    "refund_status",
    "turnaround_min",
    "charged_from",
    "charged_to",
    "fulfilled",
    "fulfil_min",
    "fulfil_max",
)
YES_NO = [("", "Any"), ("true", "Yes"), ("false", "No")]


# The dates the filters take. `created_to` reads up to the next midnight, so 9999-12-31 overflowed Python's
# calendar (a 500); any real order lies well inside these bounds.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9998, 12, 31)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, kept in UTC. PostgreSQL refuses offsets beyond ±15:59 ("2027-09-28T16:51:16-17:47"
    was a 500 from the API's fuzzing), and an instant outside EARLIEST_DAY..LATEST_DAY has no order."""

    def clean(self, value: Any) -> datetime | None:
        instant: datetime | None = super().clean(value)
        if instant is None:
            return None
        try:
            instant = instant.astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("Enter a date and time within the calendar.") from None
        if not EARLIEST_DAY <= instant.date() <= LATEST_DAY:
            raise forms.ValidationError(f"Enter a time between {EARLIEST_DAY} and {LATEST_DAY}.")
        return instant


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class OrderFilterForm(forms.Form):
    """The filters' form: refuses dates outside EARLIEST_DAY..LATEST_DAY with a reason (the list answers 400)."""

    def _day(self, name: str) -> date | None:
        value: date | None = self.cleaned_data.get(name)
        if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
            raise forms.ValidationError(f"Enter a date between {EARLIEST_DAY} and {LATEST_DAY}.")
        return value

    def clean_created_from(self) -> date | None:
        return self._day("created_from")

    def clean_created_to(self) -> date | None:
        return self._day("created_to")


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        help_text="Order id, email, phone, customer id, txn id, RRN, udf, refund or payout id",
    )
    status = django_filters.CharFilter(
        method="filter_status",
        label="Status",
        widget=forms.TextInput(attrs={"list": "order-statuses", "autocomplete": "off"}),
    )
    period = django_filters.ChoiceFilter(
        choices=PERIODS,
        method="filter_period",
        label="Created",
        empty_label=f"Last {DEFAULT_DAYS} days (all time when searching)",
    )
    created_from = django_filters.DateFilter(
        method="filter_from", label="From (UTC)", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = django_filters.DateFilter(
        method="filter_to", label="To (UTC)", widget=forms.DateInput(attrs={"type": "date"})
    )
    payment_method_type = django_filters.ChoiceFilter(
        choices=[(m.value, m.meaning) for m in PaymentMethodType], label="Payment method", empty_label="Any"
    )
    gateway = django_filters.CharFilter(
        method="filter_gateway", label="Gateway", widget=forms.TextInput(attrs={"placeholder": "e.g. RAZORPAY"})
    )
    merchant = django_filters.ModelChoiceFilter(
        queryset=merchant_choices, to_field_name="code", label="Merchant", empty_label="Any"
    )
    refund_state = django_filters.ChoiceFilter(choices=RefundState.choices, label="Refunds", empty_label="Any")
    fulfilment_state = django_filters.ChoiceFilter(
        choices=FulfilmentState.choices, label="Fulfilment", empty_label="Any"
    )
    split_applied = django_filters.BooleanFilter(label="Split applied", widget=forms.Select(choices=YES_NO))
    offer_code = django_filters.CharFilter(method="filter_offer", label="Offer code")
    sort = django_filters.ChoiceFilter(choices=SORTS, method="filter_nothing", label="Sort", empty_label=None)
    # The rows behind a KPI figure (orders.kpi_figures links here): exact instants, not UTC days, because the
    # KPIs count days of KPI_TIME_ZONE. Hidden fields, so the other filters keep them while a person narrows.
    created_after = UtcIsoDateTimeFilter(
        field_name="juspay_created_at", lookup_expr="gte", label="Created at or after", widget=forms.HiddenInput
    )
    created_before = UtcIsoDateTimeFilter(
        field_name="juspay_created_at", lookup_expr="lt", label="Created before", widget=forms.HiddenInput
    )
    has_refunded = django_filters.BooleanFilter(
        method="filter_has_refunded", label="Money refunded", widget=forms.HiddenInput
    )
    refund_from = UtcIsoDateTimeFilter(
        method="filter_nothing", label="A refund raised at or after", widget=forms.HiddenInput
    )
    refund_to = UtcIsoDateTimeFilter(method="filter_nothing", label="A refund raised before", widget=forms.HiddenInput)
    refund_status = django_filters.CharFilter(method="filter_nothing", label="Refund status", widget=forms.HiddenInput)
    turnaround_min = django_filters.NumberFilter(
        method="filter_nothing", label="Refund turnaround at least (s)", widget=forms.HiddenInput
    )
    # The charged orders behind a fulfilment figure (orders.kpi_fulfilment): the KPI rollup's charge time.
    charged_from = UtcIsoDateTimeFilter(method="filter_nothing", label="Charged at or after", widget=forms.HiddenInput)
    charged_to = UtcIsoDateTimeFilter(method="filter_nothing", label="Charged before", widget=forms.HiddenInput)
    fulfilled = django_filters.BooleanFilter(
        method="filter_nothing", label="A fulfilment command succeeded", widget=forms.HiddenInput
    )
    fulfil_min = django_filters.NumberFilter(
        method="filter_nothing", label="Charged to fulfilment at least (s)", widget=forms.HiddenInput
    )
    fulfil_max = django_filters.NumberFilter(
        method="filter_nothing", label="Charged to fulfilment at most (s)", widget=forms.HiddenInput
    )

    class Meta:
        model = Order
        fields: list[str] = []
        form = OrderFilterForm

    def __init__(self, *args: Any, viewer: Viewer = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer if self.request is None else self.request.user  # whose merchants the search sees

    # -- built once per process, not per request (see SharedConfigFilters) ----------------------------------

    _form_classes: ClassVar[dict[type, type[forms.Form]]] = {}

    def get_form_class(self) -> type[forms.Form]:
        """django-filter builds the form class, and a field per filter, on every request; the fields depend only
        on the declarations, except a request's querysets (the merchants the viewer may see), which `form`
        sets on each form. So the class is built once per FilterSet class (its fields' querysets for no one)."""
        cls = type(self)
        if cls not in self._form_classes:
            fields = {name: copy.deepcopy(f, {}).field for name, f in cls.base_filters.items()}
            for field in fields.values():
                if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
                    field.queryset = field.queryset.none()
            self._form_classes[cls] = type(f"{cls.__name__}Form", (self._meta.form,), fields)
        return self._form_classes[cls]

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            Form = self.get_form_class()
            self._form = Form(self.data, prefix=self.form_prefix) if self.is_bound else Form(prefix=self.form_prefix)
            for name, filter_ in self.filters.items():
                if isinstance(filter_, QuerySetRequestMixin):  # the viewer's own merchants
                    field = self._form.fields[name]
                    assert isinstance(field, forms.ModelChoiceField)
                    field.queryset = filter_.get_queryset(self.request)
        return self._form

    # -- methods -----------------------------------------------------------------------------------

    def filter_search(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        self.search_result = search.search(value, viewer=self.viewer, limit=search.DEFAULT_LIMIT * 2)
        return queryset.filter(pk__in=self.search_result.order_pks)

    def filter_status(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        return queryset.filter(status=value.strip().upper())

    def _explicit_dates(self) -> bool:
        data = self.form.cleaned_data
        return bool(data.get("created_from") or data.get("created_to"))

    def filter_period(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        if value == "all" or self._explicit_dates():
            return queryset
        return queryset.filter(juspay_created_at__gte=timezone.now() - timedelta(days=int(value)))

    def filter_from(self, queryset: QuerySet[Order], name: str, value: date) -> QuerySet[Order]:
        return queryset.filter(juspay_created_at__gte=_start_of(value))

    def filter_to(self, queryset: QuerySet[Order], name: str, value: date) -> QuerySet[Order]:
        return queryset.filter(juspay_created_at__lt=_start_of(value + timedelta(days=1)))

    def filter_gateway(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        return queryset.filter(gateway=value.strip().upper())

    def filter_offer(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        codes = list(dict.fromkeys([value.strip(), value.strip().upper()]))
        return queryset.filter(pk__in=Offer.objects.filter(offer_code__in=codes).values("order_id"))

    def filter_nothing(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        return queryset  # read by the list's keyset pagination

    def filter_has_refunded(self, queryset: QuerySet[Order], name: str, value: bool) -> QuerySet[Order]:
        """Juspay's `amount_refunded` (what its successful refunds returned) is above 0, or not."""
        return queryset.filter(amount_refunded__gt=0) if value else queryset.exclude(amount_refunded__gt=0)

    def _refund_window(self, queryset: QuerySet[Order]) -> QuerySet[Order]:
        """Orders with a refund raised in [refund_from, refund_to) (of `refund_status`, when given); with
        `turnaround_min`, only refunds that reached SUCCESS at least that many seconds after being raised."""
        data = self.form.cleaned_data
        start, end = data.get("refund_from"), data.get("refund_to")
        status, slowest = (data.get("refund_status") or "").strip(), data.get("turnaround_min")
        if not (start or end or status or slowest is not None):
            return queryset
        rows: QuerySet[RefundTurnaround] | QuerySet[Refund]
        if slowest is not None:
            rows = RefundTurnaround.objects.filter(seconds__gte=int(slowest))
            field = "raised_at"
        else:
            rows = Refund.objects.filter(status=status) if status else Refund.objects.all()
            field = "created"
        if start:
            rows = rows.filter(**{f"{field}__gte": start})
        if end:
            rows = rows.filter(**{f"{field}__lt": end})
        return queryset.filter(pk__in=rows.values_list("order_id", flat=True))

    def _charged_window(self, queryset: QuerySet[Order]) -> QuerySet[Order]:
        """CHARGED orders charged in [charged_from, charged_to), fulfilled or not, within the seconds given."""
        data = self.form.cleaned_data
        names = ("charged_from", "charged_to", "fulfilled", "fulfil_min", "fulfil_max")
        if all(data.get(name) is None for name in names):
            return queryset
        rows = ChargedOrder.objects.all()
        if data.get("charged_from"):
            rows = rows.filter(charged_at__gte=data["charged_from"])
        if data.get("charged_to"):
            rows = rows.filter(charged_at__lt=data["charged_to"])
        if data.get("fulfilled") is not None:
            rows = rows.filter(fulfilled_at__isnull=not data["fulfilled"])
        if data.get("fulfil_min") is not None:
            rows = rows.filter(fulfil_seconds__gte=int(data["fulfil_min"]))
        if data.get("fulfil_max") is not None:
            rows = rows.filter(fulfil_seconds__lte=int(data["fulfil_max"]))
        return queryset.filter(pk__in=rows.values_list("order_id", flat=True))

    def filter_queryset(self, queryset: QuerySet[Order]) -> QuerySet[Order]:
        queryset = self._charged_window(self._refund_window(super().filter_queryset(queryset)))
        data = self.form.cleaned_data
        if not (data.get("q") or data.get("period") or self._explicit_dates() or self.drilled):
            queryset = queryset.filter(juspay_created_at__gte=timezone.now() - timedelta(days=DEFAULT_DAYS))
        return queryset

    # -- what the page needs ------------------------------------------------------------------------

    def _cleaned(self) -> dict[str, Any]:
        self.form.is_valid()
        return getattr(self.form, "cleaned_data", {})  # the valid fields, even when another one is not

    @property
    def sort_key(self) -> str:
        return self._cleaned().get("sort") or "newest"

    @property
    def query(self) -> str:
        return self._cleaned().get("q") or ""

    @property
    def drilled(self) -> bool:
        """True when the list shows the rows behind a KPI figure (its hidden filters are set)."""
        data = self._cleaned()
        return any(data.get(name) not in (None, "") for name in DRILL_FILTERS)

    @property
    def windowed(self) -> bool:
        """True when the list shows only the default window (so the page can offer to widen it)."""
        data = self._cleaned()
        return not (
            data.get("q") or data.get("period") or data.get("created_from") or data.get("created_to") or self.drilled
        )


class SharedConfigFilters(OrderedDict[str, Filter]):
    """A FilterSet's `base_filters` whose deep copy (django-filter makes one per FilterSet, so each request's
    filters know their FilterSet) copies each filter and its `extra` but shares what they hold: the declared
    widgets, choices, labels and queryset callables, which nothing changes after declaration (a form field
    deep-copies its widget itself; a request's queryset replaces the copy's own `extra` entry). A filter with a
    `method` gets its own FilterMethod, bound to the copy (django-filter resolves the method on its parent).
    Deep-copying those lazy labels and choices was most of a list page's FilterSet cost."""

    def __deepcopy__(self, memo: dict[int, Any]) -> OrderedDict[str, Filter]:
        copies: OrderedDict[str, Filter] = OrderedDict()
        for name, filter_ in self.items():
            clone = copy.copy(filter_)
            clone.extra = dict(filter_.extra)
            if isinstance(filter_.__dict__.get("filter"), FilterMethod):
                clone.filter = FilterMethod(clone)
            memo[id(filter_)] = copies[name] = clone
        return copies


OrderFilter.base_filters = SharedConfigFilters(OrderFilter.base_filters)

STATUS_SUGGESTIONS = [(s.value, s.meaning) for s in OrderStatus]
