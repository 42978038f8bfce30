from django.urls import path

from orders.views import order_actions, order_detail, order_list, payouts, search, webhooks

app_name = "orders"

urlpatterns = [
    path("webhooks/juspay/", webhooks.juspay_webhook, name="webhook"),
    path("webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook_detail"),
    # The support agents' order lookup: search, list, export, one page per order and its fragments.
    path("orders/", order_list.order_list, name="list"),
    path("orders/search/", search.suggestions, name="search"),
    path("orders/lookup/", search.lookup, name="lookup"),
    path("orders/export.csv", order_list.order_export, name="export"),
    path("orders/exports/", order_list.export_list, name="exports"),
    path("orders/exports/<uuid:pk>/", order_list.export_status, name="export_status"),
    path("orders/exports/<uuid:pk>/download/", order_list.export_download, name="export_download"),
    path("orders/<str:order_id>/", order_detail.order_detail, name="detail"),
    path("orders/<str:order_id>/timeline/", order_detail.timeline, name="timeline"),
    path("orders/<str:order_id>/payment/", order_detail.payment, name="payment"),
    path("orders/<str:order_id>/refunds/", order_detail.refunds, name="refunds"),
    path("orders/<str:order_id>/splits/", order_detail.splits, name="splits"),
    path("orders/<str:order_id>/offers/", order_detail.offers, name="offers"),
    path("orders/<str:order_id>/payouts/", order_detail.payouts, name="payouts"),
    path("orders/<str:order_id>/raw/", order_detail.raw, name="raw"),
    path("orders/<str:order_id>/refresh/", order_actions.refresh, name="refresh"),
    path("orders/<str:order_id>/reveal/", order_actions.reveal, name="reveal"),
    path("orders/<str:order_id>/notes/", order_actions.note, name="add_note"),
    # Payout orders (Juspay's payout Order Status): the list, one page per payout order, its fragments, actions.
    path("payouts/", payouts.payout_list, name="payout_list"),
    path("payouts/<str:payout_order_id>/", payouts.payout_detail, name="payout_detail"),
    path("payouts/<str:payout_order_id>/fulfillments/", payouts.fulfillments, name="payout_fulfillments"),
    path("payouts/<str:payout_order_id>/payments/", payouts.payments, name="payout_payments"),
    path("payouts/<str:payout_order_id>/refunds/", payouts.refunds, name="payout_refunds"),
    path("payouts/<str:payout_order_id>/related/", payouts.related, name="payout_related"),
    path("payouts/<str:payout_order_id>/timeline/", payouts.timeline, name="payout_timeline"),
    path("payouts/<str:payout_order_id>/raw/", payouts.raw, name="payout_raw"),
    path("payouts/<str:payout_order_id>/refresh/", payouts.refresh, name="payout_refresh"),
    path("payouts/<str:payout_order_id>/reveal/", payouts.reveal, name="payout_reveal"),
]
