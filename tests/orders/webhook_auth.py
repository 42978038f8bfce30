"""Juspay's webhook credentials as the tests send them (Basic auth, orders/webhooks.py)."""

import base64

URL = "/webhooks/juspay/"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
