"""`/api/v1/` endpoints of the orders app (orders and payout orders), mounted by dashboard/api/urls.py."""

from django.urls import path

from orders import api_views

urlpatterns = [
    path("orders/", api_views.OrderList.as_view(), name="orders-list"),
    path("orders/<str:order_id>/", api_views.OrderDetail.as_view(), name="orders-detail"),
    path("payouts/", api_views.PayoutList.as_view(), name="payouts-list"),
    path("payouts/<str:payout_order_id>/", api_views.PayoutDetail.as_view(), name="payouts-detail"),
]
