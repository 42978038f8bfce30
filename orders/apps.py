from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dashboard import audit_registry, warmup
        from dashboard.home_panels import register_home_panel
        from dashboard.roles import FINANCE, SUPPORT
        from orders import events, registry, section_cache, signals, tasks
        from orders.views import audit_objects, home_panels

        registry.register_event_kinds(events.KINDS)
        # The audit page: our verbs, the orders an id names, links to their pages (dashboard cannot import us).
        audit_registry.register_verbs(audit_objects.VERBS)
        audit_registry.register_finder(audit_objects.find)
        audit_registry.register_object_kind(
            "orders.order", label="Order", permission="orders.view_order", links=audit_objects.order_links
        )
        audit_registry.register_object_kind(
            "orders.payoutorder", label="Payout order", permission="orders.view_order", links=audit_objects.payout_links
        )
        register_home_panel(
            "recent_orders",
            roles=(SUPPORT, FINANCE),
            template="orders/_home_recent.html",
            build=home_panels.recent_orders,
            position={SUPPORT: 10, FINANCE: 20},
        )
        for position, (name, title, prefixes) in enumerate(events.TIMELINE_CATEGORIES):
            registry.register_timeline_category(name, title, prefixes, position=position * 10)
        # The domain announces what it committed; its tasks act on it (the domain never imports them).
        signals.webhook_stored.connect(tasks.refresh_after_webhook, dispatch_uid="orders.refresh_after_webhook")
        signals.export_queued.connect(tasks.write_export, dispatch_uid="orders.write_export")
        warmup.serving_starts.connect(section_cache.warm, dispatch_uid="orders.section_cache.warm")
