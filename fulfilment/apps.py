from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "fulfilment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Wire the app into the layers it may not be imported by: orders' registry and our own tasks."""
        from dashboard import audit_registry
        from dashboard.home_panels import register_home_panel
        from dashboard.roles import FINANCE, SUPPORT
        from fulfilment import events, kpi_rollups, selectors, story, tasks
        from fulfilment.views import audit_objects, home_panels
        from orders import registry

        # The audit page: our verbs, the requests an id names, links to the request and policy pages.
        audit_registry.register_verbs(audit_objects.VERBS)
        audit_registry.register_finder(audit_objects.find)
        audit_registry.register_object_kind(
            "fulfilment.actionrequest",
            label="Request",
            permission="fulfilment.view_actionrequest",
            links=audit_objects.request_links,
        )
        for object_type in ("fulfilment.approvalpolicy", "fulfilment.fulfilmentcommandoption"):
            audit_registry.register_object_kind(
                object_type,
                label="Approval policy",
                permission="fulfilment.change_approvalpolicy",
                links=audit_objects.policy_links,
            )

        # Homes are worklists: Finance's queue first; the requests Support raised that are still open.
        register_home_panel(
            "approvals_queue",
            roles=(FINANCE,),
            template="fulfilment/_home_queue.html",
            build=home_panels.queue,
            position={FINANCE: 10},
        )
        register_home_panel(
            "my_open_requests",
            roles=(SUPPORT, FINANCE),
            template="fulfilment/_home_my_requests.html",
            build=home_panels.my_open_requests,
            position={SUPPORT: 20, FINANCE: 30},
        )

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
        # The KPIs' charged orders need their first successful Fulfilment Sync command (orders.rollups).
        registry.register_first_fulfilment(kpi_rollups.first_fulfilment)
        # The API's order detail lists the Fulfillment Sync commands, as the panel does.
        registry.register_order_api_section("fulfilment_commands", selectors.order_sync_commands)
        # Approved requests are queued to the executor (services announce them; they never import tasks).
        tasks.connect()
