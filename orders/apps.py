from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orders import events, registry, signals, tasks

        registry.register_event_kinds(events.KINDS)
        for position, (name, title, prefixes) in enumerate(events.TIMELINE_CATEGORIES):
            registry.register_timeline_category(name, title, prefixes, position=position * 10)
        # The domain announces what it committed; its tasks act on it (the domain never imports them).
        signals.webhook_stored.connect(tasks.refresh_after_webhook, dispatch_uid="orders.refresh_after_webhook")
        signals.export_queued.connect(tasks.write_export, dispatch_uid="orders.write_export")
