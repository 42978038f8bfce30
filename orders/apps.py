from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orders import events, registry

        registry.register_event_kinds(events.KINDS)
        for position, (name, title, prefixes) in enumerate(events.TIMELINE_CATEGORIES):
            registry.register_timeline_category(name, title, prefixes, position=position * 10)
