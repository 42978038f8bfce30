"""In Chromium: Admin finds a webhook Juspay delivered while it was unreachable, filters the list, and reads what
in its body did not fit."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def stored_webhook(merchant):
    from orders.models import WebhookEvent

    return WebhookEvent.objects.create(
        merchant=merchant,
        event_id="evt_V2_browser_1",
        event_name="ORDER_REFUNDED",
        order_id="LH-BROWSER-1",
        payload={"id": "evt_V2_browser_1", "content": {"order": {"order_id": "LH-BROWSER-1", "amount": "lots"}}},
        parse_problems=[
            {
                "path": "content.order.amount",
                "value": "lots",
                "problem": "does not fit: Input should be a valid decimal",
            }
        ],
        attempts=2,
        error="JuspayUnavailable: Juspay: connection failed",
        next_attempt_at=timezone.now(),
    )


def test_admin_reads_a_retried_webhook_and_its_parse_problems(page, live_server, make_user, login, merchant):
    stored_webhook(merchant)
    login(make_user("Admin"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks from Juspay")).to_be_visible()
    table = page.get_by_role("region", name="Webhooks")
    expect(table.get_by_text("ORDER_REFUNDED")).to_be_visible()
    expect(table.get_by_text("retrying (2 failed)")).to_be_visible()

    page.get_by_label("Show").select_option("Refreshed")  # htmx swaps the list
    expect(table.get_by_text("No webhooks in this state")).to_be_visible()
    page.get_by_label("Show").select_option("With parse problems")
    table.get_by_role("link").first.click()

    expect(page.get_by_role("heading", name="Webhook ORDER_REFUNDED")).to_be_visible()
    expect(page.get_by_role("cell", name="content.order.amount")).to_be_visible()
    expect(page.get_by_role("cell", name="does not fit: Input should be a valid decimal")).to_be_visible()
    expect(page.get_by_text("2 of at most 10 attempts failed")).to_be_visible()
