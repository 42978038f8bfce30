from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "fulfilment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Show requests on the order page and in its timeline, through orders' registry (orders cannot import us)."""
        from fulfilment import events
        from orders import registry

        registry.register_event_kinds(events.KINDS)
        # Between the payouts (20) and the notes (30) of orders' own categories.
        registry.register_timeline_category("actions", "Actions and approvals", ("action.",), position=25)
        registry.register_order_panel("fulfilment/order_actions_slot.html")
