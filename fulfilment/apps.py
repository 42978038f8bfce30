from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "fulfilment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Wire the app into the layers it may not be imported by: orders' registry and our own tasks."""
        from fulfilment import events, story, tasks
        from orders import registry

        # Show requests on the order page and in its timeline (orders cannot import us).
        registry.register_event_kinds(events.KINDS)
        # Between the payouts (20) and the notes (30) of orders' own categories.
        registry.register_timeline_category(
            "actions", "Actions and approvals", ("action.", "juspay.command"), position=25
        )
        # Tell the requests' events as sentences, add Juspay's Fulfilment Sync commands, name refunds' makers.
        registry.register_teller("action.", story.tell)
        registry.register_juspay_lines(story.juspay_lines)
        registry.register_refund_origins(story.refund_origins)
        registry.register_order_panel("fulfilment/order_actions_slot.html")
        # Approved requests are queued to the executor (services announce them; they never import tasks).
        tasks.connect()
