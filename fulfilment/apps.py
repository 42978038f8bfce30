from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "fulfilment"
    default_auto_field = "django.db.models.BigAutoField"
