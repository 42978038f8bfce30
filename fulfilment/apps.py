from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "fulfilment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Wire the app into the layers it may not be imported by: orders' registry and our own tasks."""
        from fulfilment import events, selectors, tasks
        from orders import registry

        # Show requests on the order page and in its timeline (orders cannot import us).
        registry.register_event_kinds(events.KINDS)
        # Between the payouts (20) and the notes (30) of orders' own categories.
        registry.register_timeline_category("actions", "Actions and approvals", ("action.",), position=25)
        registry.register_order_panel("fulfilment/order_actions_slot.html")
        # The API's order detail lists the Fulfillment Sync commands, as the panel does.
        registry.register_order_api_section("fulfilment_commands", selectors.order_sync_commands)
        # Approved requests are queued to the executor (services announce them; they never import tasks).
        tasks.connect()
