"""GET/POST /api/v1/orders/{order_id}/notes/: the page's notes (orders.notes.add_note: timeline, audit)."""

from __future__ import annotations

import pytest

from dashboard.models import AuditEvent
from orders.models import Note, TimelineEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]


def url(order) -> str:
    return f"/api/v1/orders/{order.order_id}/notes/"


def test_support_adds_a_note_that_lands_on_the_timeline_and_in_the_audit_log(api_as, charged):
    support = api_as("Support")
    response = support.post(url(charged), {"body": "  Customer asked, mail ananya@example.org  "})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["body"] == "Customer asked, mail ananya@example.org" and data["author"] == support.user.username
    note = Note.objects.get(pk=data["id"])
    assert note.order == charged
    assert TimelineEvent.objects.filter(order=charged, kind="note.added").exists()
    event = AuditEvent.objects.get(verb="order.note_added")
    assert "ananya@example.org" not in str(event.after)  # masked in the audit log, as from the page


def test_notes_list_newest_first_for_lookers(api_as, charged):
    support = api_as("Support")
    for text in ("first", "second", "third"):
        support.post(url(charged), {"body": text})
    response = api_as("Manager").get(url(charged), {"page_size": 2})
    assert response.status_code == 200
    page = response.json()
    assert [n["body"] for n in page["results"]] == ["third", "second"]
    assert [n["body"] for n in api_as("Manager").get(page["next"]).json()["results"]] == ["first"]


@pytest.mark.parametrize(("text", "words"), [("   ", "empty"), ("x" * 2001, "2000")])
def test_an_empty_or_long_note_is_a_400_naming_body(api_as, charged, text, words):
    response = api_as("Support").post(url(charged), {"body": text})
    assert response.status_code == 400
    problem = response.json()
    assert problem["errors"][0]["field"] == "body" and words in problem["errors"][0]["detail"]
    assert not Note.objects.exists()


def test_a_missing_body_field_is_a_400(api_as, charged):
    response = api_as("Support").post(url(charged), {})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "body"


def test_manager_reads_but_may_not_write(api_as, charged):
    manager = api_as("Manager")
    assert manager.get(url(charged)).status_code == 200
    assert manager.post(url(charged), {"body": "hello"}).status_code == 403
    assert api_as(None).get(url(charged)).status_code == 403


def test_unknown_order_is_a_404_problem(api_as):
    response = api_as("Support").get("/api/v1/orders/NOPE/notes/")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert api_as("Support").post("/api/v1/orders/NOPE/notes/", {"body": "x"}).status_code == 404


def test_an_order_id_two_merchants_share_needs_the_merchant(api_as, charged, answer):
    from django.utils import timezone

    from dashboard.models import Merchant
    from orders.models import SyncSource
    from orders.sync import apply_order

    other = Merchant.objects.create(
        code="second", name="Second", base_url="https://api.juspay.in", api_key="k", merchant_id="m2"
    )
    apply_order(other, answer("order_status_charged.json"), source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now())
    support = api_as("Support")
    assert support.get(url(charged)).status_code == 409
    response = support.post(url(charged) + "?merchant=second", {"body": "for the second merchant"})
    assert response.status_code == 201
    assert Note.objects.get().order.merchant == other


def test_a_nul_in_the_query_is_a_400_problem(api_as, charged):
    response = api_as("Support").get(url(charged), {"merchant": "a\x00b"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json" and "NUL" in response.json()["detail"]
