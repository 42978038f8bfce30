"""The action-request list's filters for the API (django-filter): state, kind, merchant, maker, waiting for me,
created range. "Waiting for me" is the services' own definition (`services.pending_for`)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import User
from django.db.models import QuerySet

from fulfilment import services
from fulfilment.models import ActionKind, ActionRequest, ActionState
from orders.filters import UtcIsoDateTimeFilter


class ActionRequestFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(
        choices=ActionState.choices, help_text="One or more states (repeat the parameter), e.g. pending."
    )
    kind = django_filters.ChoiceFilter(choices=ActionKind.choices, help_text="refund or fulfilment.")
    merchant = django_filters.CharFilter(field_name="merchant__code", help_text="A merchant's code.")
    maker = django_filters.CharFilter(
        field_name="maker__username", lookup_expr="iexact", help_text="The username of whoever raised it."
    )
    order_id = django_filters.CharFilter(field_name="order__order_id", help_text="The merchant's order id.")
    waiting_for_me = django_filters.BooleanFilter(
        method="filter_waiting_for_me",
        help_text="true: pending requests you could decide on now (not yours, not decided by you, not expired).",
    )
    created_after = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Raised at or after (ISO 8601)."
    )
    created_before = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="Raised before (ISO 8601)."
    )

    class Meta:
        model = ActionRequest
        fields: list[str] = []

    def filter_waiting_for_me(
        self, queryset: QuerySet[ActionRequest], name: str, value: Any
    ) -> QuerySet[ActionRequest]:
        user = getattr(self.request, "user", None)
        if value is None or not isinstance(user, User):
            return queryset
        waiting = services.pending_for(user).values("pk")
        return queryset.filter(pk__in=waiting) if value else queryset.exclude(pk__in=waiting)
