"""Refresh now, reveal personal data, add a note: each audited, each shown on the page."""

import html
import re

import pytest

from dashboard.models import AuditEvent
from orders.models import Note, TimelineEvent
from tests.juspay.examples import example

REFUNDS = example("order_status_with_refunds.json")


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def order(cached_order, merchant):
    merchant.base_url = "http://127.0.0.1:9"  # nothing listens there: Juspay is unreachable
    merchant.save()
    return cached_order("order_status_with_refunds.json")


def post(client, order, action, **data):
    return client.post(f"/orders/{order.order_id}/{action}/", data, HTTP_HX_REQUEST="true")


def test_refresh_when_juspay_is_unreachable_keeps_the_cache_and_says_so(client_as, order):
    response = post(client_as("Support"), order, "refresh")
    page = text(response)
    assert response.status_code == 200 and response["HX-Trigger"] == "order-changed"
    assert "Juspay could not be reached." in page and "Showing the cached copy" in page
    assert "Order LH2503M27" in page and "Payment succeeded" in page and "₹3,200.00" in page
    assert TimelineEvent.objects.filter(order=order, kind="sync.refreshed").count() == 1
    event = AuditEvent.objects.get(verb="order.refresh")
    assert event.object_id == str(order.pk) and event.after["error"]


def test_refresh_pulls_the_new_state_from_juspay(client_as, cached_order, sim_merchant, juspay_sim):
    order_id = juspay_sim.create_order(order_id="RFSH1001", amount=700, status="CHARGED")
    cached_order("order_status_charged.json", order_id=order_id, status="PENDING_VBV", status_id=23)
    response = post(client_as("Support"), type("O", (), {"order_id": order_id}), "refresh")
    page = text(response)
    assert "Refreshed from Juspay just now" in page and "CHARGED" in page and "Payment succeeded" in page


def test_refresh_without_htmx_redirects_back_with_a_message(client_as, order):
    client = client_as("Support")
    response = client.post(f"/orders/{order.order_id}/refresh/")
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.order_id}/?merchant=default"
    assert "Juspay could not be reached" in text(client.get(response["Location"]))


def test_finance_reveals_one_order_for_a_while_and_the_reveal_is_audited(client_as, order, cached_order):
    other = cached_order("order_status_charged.json")
    client = client_as("Finance")
    response = post(client, order, "reveal")
    page = text(response)
    assert response.status_code == 200 and response["HX-Trigger"] == "order-changed"
    assert REFUNDS["customer_email"] in page and REFUNDS["customer_phone"] in page
    assert "shown unmasked until" in page
    event = AuditEvent.objects.get(verb="order.pii_revealed")
    assert event.object_id == str(order.pk) and event.actor_username.startswith("finance")
    # still revealed on the next visit; the other order stays masked
    assert REFUNDS["customer_email"] in text(client.get(f"/orders/{order.order_id}/"))
    other_page = text(client.get(f"/orders/{other.order_id}/"))
    assert "ananya.iyer@example.org" not in other_page and "Reveal customer details" in other_page


def test_a_reveal_unmasks_card_and_beneficiary_in_the_sections(client_as, cached_order):
    card_order = cached_order("order_status_charged.json")
    client = client_as("Admin")
    assert "Ananya Iyer" not in text(client.get(f"/orders/{card_order.order_id}/payment/"))
    post(client, card_order, "reveal")
    payment = text(client.get(f"/orders/{card_order.order_id}/payment/"))
    assert "Name on card Ananya Iyer" in payment and "424242" in payment


def test_support_cannot_reveal(client_as, order):
    response = post(client_as("Support"), order, "reveal")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(verb="order.pii_revealed").exists()


def test_a_note_lands_in_the_timeline_and_the_audit_log(client_as, order):
    client = client_as("Support")
    body = "Customer vikram.desai@example.org called: refund RF-M27-02 not credited yet."
    response = post(client, order, "notes", body=body)
    page = text(response)
    assert response.status_code == 200
    assert "Note added." in page and "Internal note" in page and "refund RF-M27-02 not credited yet" in page
    note = Note.objects.get()
    assert note.order == order and note.body == body
    assert TimelineEvent.objects.get(kind="note.added").data["note_id"] == note.pk
    event = AuditEvent.objects.get(verb="order.note_added")
    assert "vikram.desai" not in event.after["text"] and "RF-M27-02" in event.after["text"]
    assert "refund RF-M27-02 not credited yet" in text(client.get(f"/orders/{order.order_id}/timeline/"))


def test_an_empty_note_is_refused_with_a_message(client_as, order):
    response = post(client_as("Support"), order, "notes", body="   ")
    assert "Write something first" in text(response)
    assert not Note.objects.exists() and not AuditEvent.objects.filter(verb="order.note_added").exists()


def test_an_overlong_note_is_refused_and_kept_for_editing(client_as, order):
    response = post(client_as("Support"), order, "notes", body="x" * 2001)
    assert "at most 2000 characters" in text(response) and "x" * 2001 in response.content.decode()
    assert not Note.objects.exists()
