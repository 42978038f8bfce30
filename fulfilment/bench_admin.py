"""Django admin's change list over the orders table: the benchmark's peer for the orders list, nothing more.

Mounted at /bench-admin/ only when BENCH_ADMIN=1, which only `manage.py benchmark` sets (for the server it
starts); the product itself has no admin site. Registered like a developer would give admin an orders table:
the list's columns, two filters, a search over order id and e-mail, newest first.
"""

from django.contrib import admin
from django.urls import URLPattern, URLResolver

from orders.models import Order


class OrderAdmin(admin.ModelAdmin):
    list_display = ("order_id", "status", "amount", "currency", "customer_email", "gateway", "juspay_created_at")
    list_filter = ("status", "gateway")
    search_fields = ("order_id", "customer_email")
    ordering = ("-juspay_created_at", "-id")
    list_per_page = 50


admin.site.register(Order, OrderAdmin)

app_name = "admin"
urlpatterns: list[URLPattern | URLResolver] = admin.site.get_urls()
