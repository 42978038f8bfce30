"""`GET /api/v1/audit-events/`: the audit log for Manager and Admin, with the audit page's filter
(`dashboard.filters.AuditEventFilter`), newest first, by cursor. Personal data was masked when written."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers

from dashboard import audit
from dashboard.api_docs import problems
from dashboard.api_roles import allowed
from dashboard.filters import AuditEventFilter
from dashboard.models import AuditEvent


@extend_schema_field({"type": ["object", "null"], "description": "Personal data masked when written."})
class SnapshotField(serializers.JSONField):
    pass


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    before = SnapshotField(allow_null=True)
    after = SnapshotField(allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [*audit.HASHED_FIELDS, "hash"]  # every field the chain covers, and the hash itself


@extend_schema(tags=["audit"])
class AuditEventList(generics.ListAPIView[AuditEvent]):
    permission_classes = allowed("dashboard.view_auditevent")
    serializer_class = AuditEventSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEventFilter
    default_sort = ("sequence", True)

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.all()

    @extend_schema(
        summary="Audit events, newest first",
        description="The tamper-evident audit log (Manager, Admin), with the audit page's filters; personal data "
        "masked as stored.",
        responses={
            200: AuditEventSerializer(many=True),
            **problems(
                e400="A filter or cursor is not valid.", e401="No token or session.", e403="Manager and Admin only."
            ),
        },
    )
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)
