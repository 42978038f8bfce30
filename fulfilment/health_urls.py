from django.urls import path

from fulfilment.views import sync_health

app_name = "health"

urlpatterns = [
    path("sync/", sync_health.page, name="sync"),
    path("sync/summary/", sync_health.summary, name="summary"),
]
