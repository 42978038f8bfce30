"""`/api/v1/` endpoints of the orders app (orders and payout orders), mounted by dashboard/api/urls.py."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
