from django.urls import path

from orders.views import webhooks

app_name = "orders"

urlpatterns = [
    path("webhooks/juspay/", webhooks.juspay_webhook, name="webhook"),
]
