from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dashboard import audit_registry, checks, signals, two_factor  # noqa: F401  (checks; signals: login audit, roles)
        from dashboard.views import audit

        audit_registry.register_verbs(audit.VERBS)
        audit_registry.register_verbs(two_factor.AUDIT_VERBS)
        for object_type, label, permission, links in audit.OBJECT_KINDS:
            audit_registry.register_object_kind(object_type, label=label, permission=permission, links=links)
