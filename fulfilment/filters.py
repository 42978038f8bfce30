"""The requests list's filters for the rows behind an approval KPI (fulfilment.kpi_figures links here).

Hidden fields on the approvals page (`/approvals/?raised_after=...`): the exact instants of the KPI's local days,
the request state, and the durations the KPI rollup (`RequestFact`) holds, so the list selects exactly the
requests a figure counted.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from dashboard.merchant_scope import merchant_choices
from fulfilment.models import ActionKind, ActionRequest, ActionState, RequestFact
from orders.filters import UtcIsoDateTimeFilter

FIELDS = (
    "raised_after",
    "raised_before",
    "request_state",
    "kind",
    "decided",
    "decision_min",
    "answered",
    "answer_min",
    "merchant",
)


class RequestFilter(django_filters.FilterSet):
    raised_after = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Raised at or after", widget=forms.HiddenInput
    )
    raised_before = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Raised before", widget=forms.HiddenInput
    )
    request_state = django_filters.ChoiceFilter(
        field_name="state", choices=ActionState.choices, label="State", widget=forms.HiddenInput
    )
    kind = django_filters.ChoiceFilter(choices=ActionKind.choices, label="Kind", widget=forms.HiddenInput)
    merchant = django_filters.ModelChoiceFilter(
        queryset=merchant_choices, to_field_name="code", label="Merchant", widget=forms.HiddenInput
    )
    decided = django_filters.BooleanFilter(
        method="filter_nothing", label="People decided (raise to decision known)", widget=forms.HiddenInput
    )
    decision_min = django_filters.NumberFilter(
        method="filter_nothing", label="Raise to decision at least (s)", widget=forms.HiddenInput
    )
    answered = django_filters.BooleanFilter(
        method="filter_nothing", label="Juspay answered (approval to answer known)", widget=forms.HiddenInput
    )
    answer_min = django_filters.NumberFilter(
        method="filter_nothing", label="Approval to answer at least (s)", widget=forms.HiddenInput
    )

    class Meta:
        model = ActionRequest
        fields: list[str] = []

    def filter_nothing(self, queryset: QuerySet[ActionRequest], name: str, value: object) -> QuerySet[ActionRequest]:
        return queryset  # read together in filter_queryset

    def filter_queryset(self, queryset: QuerySet[ActionRequest]) -> QuerySet[ActionRequest]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        facts = RequestFact.objects.all()
        narrowed = False
        for flag, minimum, column in (
            ("decided", "decision_min", "decision_seconds"),
            ("answered", "answer_min", "answer_seconds"),
        ):
            if data.get(flag) is not None:
                facts, narrowed = facts.filter(**{f"{column}__isnull": not data[flag]}), True
            if data.get(minimum) is not None:
                facts, narrowed = facts.filter(**{f"{column}__gte": int(data[minimum])}), True
        if narrowed:
            queryset = queryset.filter(pk__in=facts.values("request_id"))
        return queryset

    @property
    def active(self) -> bool:
        """True when any of these filters is in the query (the page then lists exactly their rows)."""
        return any(self.data.get(name) not in (None, "") for name in FIELDS)
