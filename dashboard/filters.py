from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from dashboard import audit_registry
from dashboard.models import AuditEvent

RECENT_VERBS = 5000  # the latest events whose verbs join the registered ones in the verb filter (see verb_choices)


def verb_choices() -> list[tuple[str, str]]:
    """The verb filter's choices: each group ("order.", every verb of orders) then each verb. Registered verbs
    (dashboard.audit_registry) and those of the latest RECENT_VERBS events (one indexed read), so a verb
    nobody registered is still offered; a DISTINCT over the whole log would read every row."""
    recent = AuditEvent.objects.order_by("-sequence").values_list("verb", flat=True)[:RECENT_VERBS]
    labels = audit_registry.verbs()
    names = sorted(set(labels) | set(recent))
    groups = sorted({name.split(".", 1)[0] + "." for name in names if "." in name})
    return [
        *((group, f"{group}* (all {group[:-1]} events)") for group in groups),
        *((name, f"{name} ({labels[name]})" if name in labels else name) for name in names),
    ]


class VerbChoiceFilter(django_filters.ChoiceFilter):
    """A group ("order.") matches every verb it starts; a verb matches itself only."""

    def filter(self, qs: QuerySet[AuditEvent], value: str) -> QuerySet[AuditEvent]:
        if not value:
            return qs
        return qs.filter(verb__startswith=value) if value.endswith(".") else qs.filter(verb=value)


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_username", lookup_expr="iexact", label="Actor")
    verb = VerbChoiceFilter(choices=verb_choices, label="Verb", empty_label="Any verb")
    ref = django_filters.CharFilter(
        method="filter_ref",
        label="Order, payout or request",
        help_text="An order id, payout order id or request number (#12), as people know them",
    )
    object_type = django_filters.CharFilter(field_name="object_type", lookup_expr="iexact", label="Object type")
    object_id = django_filters.CharFilter(field_name="object_id", lookup_expr="exact", label="Object id")
    date_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ref_objects: list[tuple[str, str]] = []

    def filter_ref(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        """The events about the objects the id names (dashboard.audit_registry.find_objects): an order id finds
        the order and the requests raised on it, `orders.order:290` the key itself. Names nothing: no rows."""
        self.ref_objects = audit_registry.find_objects(value)
        if not self.ref_objects:
            return queryset.none()
        match = Q()
        for object_type, object_id in self.ref_objects:
            match |= Q(object_type=object_type, object_id=object_id)
        return queryset.filter(match)
