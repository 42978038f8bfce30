"""`/api/v1/` endpoints of the orders app (orders and payout orders), mounted by dashboard/api/urls.py."""

from django.urls import URLPattern, path

from orders import api_actions

urlpatterns: list[URLPattern] = []

# --- An order's actions: notes, refresh, reveal (orders/api_actions.py; branch api-actions) ---------------
urlpatterns += [
    path("orders/<str:order_id>/notes/", api_actions.NoteList.as_view(), name="order_notes"),
    path("orders/<str:order_id>/refresh/", api_actions.Refresh.as_view(), name="order_refresh"),
    path("orders/<str:order_id>/reveal/", api_actions.Reveal.as_view(), name="order_reveal"),
]
