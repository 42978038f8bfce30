import django_filters
from django import forms

from dashboard.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_username", lookup_expr="iexact", label="Actor")
    verb = django_filters.CharFilter(
        field_name="verb", lookup_expr="startswith", label="Verb", help_text="e.g. auth. or auth.login"
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
