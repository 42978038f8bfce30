"""`/api/v1/` endpoints of the fulfilment app (action requests and the rest), mounted by dashboard/api/urls.py."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
