"""`/api/v1/` endpoints of the orders app (orders and payout orders), mounted by dashboard/api/urls.py."""

from django.urls import URLPattern, path

from orders import api_actions, api_views

urlpatterns: list[URLPattern] = [
    path("orders/", api_views.OrderList.as_view(), name="orders-list"),
    path("orders/<str:order_id>/", api_views.OrderDetail.as_view(), name="orders-detail"),
    path("payouts/", api_views.PayoutList.as_view(), name="payouts-list"),
    path("payouts/<str:payout_order_id>/", api_views.PayoutDetail.as_view(), name="payouts-detail"),
]

# --- An order's actions: notes, refresh, reveal (orders/api_actions.py) ---------------------------------------
urlpatterns += [
    path("orders/<str:order_id>/notes/", api_actions.NoteList.as_view(), name="order_notes"),
    path("orders/<str:order_id>/refresh/", api_actions.Refresh.as_view(), name="order_refresh"),
    path("orders/<str:order_id>/reveal/", api_actions.Reveal.as_view(), name="order_reveal"),
]
