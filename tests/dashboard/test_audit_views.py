"""The audit page: filters narrow the rows (by the ids people know, verbs as choices), each row links to its
object, the CSV export holds exactly the filtered rows."""

import csv
import io
import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from dashboard import audit


@pytest.fixture
def events(db, make_user):
    alice, bob = make_user("Finance", username="alice"), make_user("Support", username="bob")
    request = {"object_type": "fulfilment.actionrequest", "object_id": 7}
    audit.record("refund.approve", actor=alice, **request, summary="alice-approved-refund")
    audit.record("refund.raise", actor=bob, **request, summary="bob-raised-refund")
    audit.record("auth.login", actor=bob, obj=bob, summary="bob-logged-in")
    return alice, bob


def test_filters_by_actor_verb_and_object(client_as, events):
    client = client_as("Manager")
    page = client.get("/audit/", {"actor": "bob"}).content.decode()
    assert "bob-raised-refund" in page and "bob-logged-in" in page and "alice-approved-refund" not in page
    page = client.get("/audit/", {"verb": "refund."}).content.decode()
    assert "alice-approved-refund" in page and "bob-raised-refund" in page and "bob-logged-in" not in page
    page = client.get("/audit/", {"object_type": "fulfilment.actionrequest", "object_id": "7"}).content.decode()
    assert "alice-approved-refund" in page and "bob-raised-refund" in page and "bob-logged-in" not in page


def test_htmx_request_gets_only_the_results_fragment(client_as, events):
    response = client_as("Admin").get("/audit/", {"actor": "alice"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results">')
    assert "<html" not in body and "alice-approved-refund" in body


def test_csv_export_holds_the_filtered_rows_and_is_itself_audited(client_as, events):
    response = client_as("Admin").get("/audit/export.csv", {"actor": "bob"})
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(r["summary"] for r in rows) == ["bob-logged-in", "bob-raised-refund"]
    assert {r["actor_username"] for r in rows} == {"bob"}
    from dashboard.models import AuditEvent

    assert AuditEvent.objects.filter(verb="audit.export").exists()


def test_a_bad_date_filter_is_a_clear_400_on_export(client_as, events):
    response = client_as("Admin").get("/audit/export.csv", {"date_from": "yesterday"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_csv_export_defuses_text_a_spreadsheet_would_run(client_as, db):
    audit.record("auth.login_failed", actor_username='=HYPERLINK("http://evil")', summary="@SUM(A1)")
    response = client_as("Admin").get("/audit/export.csv", {"verb": "auth.login_failed"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["actor_username"] == '\'=HYPERLINK("http://evil")' and rows[0]["summary"] == "'@SUM(A1)"


# --- The ids people know, the verbs as choices, a link per row ----------------------------------------------


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def worked_order(cached_order, make_user):
    """An order with a note and a refund request on it, and another order with a note."""
    from fulfilment import services
    from orders.notes import add_note

    order = cached_order("order_status_charged.json")
    other = cached_order("order_status_charged.json", order_id="OTHER-ORDER")
    support = make_user("Support", username="sam")
    add_note(order, "customer called", author=support)
    add_note(other, "unrelated", author=support)
    req = services.raise_refund(
        order,
        maker=support,
        amount=Decimal("10.00"),
        reason_code="CUSTOMER_REQUEST",
        comment="parcel lost",
        form_token=uuid.uuid4(),
    ).request
    return order, other, req


def test_filter_by_the_order_id_people_know_finds_the_order_and_its_requests(client_as, worked_order):
    order, other, req = worked_order
    page = text(client_as("Manager").get("/audit/", {"ref": order.order_id}))
    assert f"note added to order {order.order_id}" in page
    assert f"#{req.pk} refund" in page  # action.raised, whose object is the request
    assert "OTHER-ORDER" not in page
    assert f"orders.order:{order.pk}" in page


def test_filter_by_a_request_number_or_the_raw_key(client_as, worked_order):
    order, _, req = worked_order
    client = client_as("Manager")
    for ref in (f"#{req.pk}", str(req.pk), req.idempotency_key):
        page = text(client.get("/audit/", {"ref": ref}))
        assert f"#{req.pk} refund" in page and "note added" not in page, ref
    page = text(client.get("/audit/", {"ref": f"orders.order:{order.pk}"}))
    assert f"note added to order {order.order_id}" in page and "OTHER-ORDER" not in page


def test_filter_by_a_payout_order_id(client_as, cached_order, merchant, make_user):
    from orders.services import refresh_payout_now
    from tests.orders.lookup import cached_payout

    order = cached_order("order_status_charged.json")
    payout = cached_payout(merchant, order.order_id, payout_order_id="PO-AUDIT-1")
    merchant.base_url = "http://127.0.0.1:9"
    merchant.save()
    refresh_payout_now(payout, actor=make_user("Support"))
    page = text(client_as("Manager").get("/audit/", {"ref": "PO-AUDIT-1"}))
    assert "refresh of payout order PO-AUDIT-1" in page


def test_an_id_that_names_nothing_says_so_and_shows_no_rows(client_as, worked_order):
    response = client_as("Manager").get("/audit/", {"ref": "NO-SUCH-ORDER"})
    assert response.status_code == 200
    page = text(response)
    assert "No order, payout order or request has the id “NO-SUCH-ORDER”" in page and "0 events" in page


def test_the_verb_filter_offers_the_verbs_as_choices(client_as, worked_order):
    client = client_as("Manager")
    body = client.get("/audit/").content.decode()
    select = re.search(r'<select name="verb".*?</select>', body, re.S).group(0)
    for value in ("order.", "action.", "auth.login", "auth.login_failed", "order.note_added", "action.raised"):
        assert f'value="{value}"' in select, value
    only_raised = text(client.get("/audit/", {"verb": "action.raised"}))
    assert "raised" in only_raised and "note added" not in only_raised
    assert "note added" in text(client.get("/audit/", {"verb": "order."}))
    refused = client.get("/audit/", {"verb": "no.such.verb"})
    assert refused.status_code == 200 and "Select a valid choice" in text(refused)


def test_a_verb_login_does_not_also_match_login_failed(client_as, db):
    audit.record("auth.login_failed", actor_username="mallory", summary="failed-login")
    page = text(client_as("Manager").get("/audit/", {"verb": "auth.login"}))
    assert "failed-login" not in page


def test_every_verb_the_code_writes_is_registered():
    from dashboard import audit_registry

    root = Path(__file__).resolve().parents[2]
    written = set()
    for path in [*root.glob("dashboard/**/*.py"), *root.glob("orders/**/*.py"), *root.glob("fulfilment/**/*.py")]:
        written |= set(re.findall(r'audit\.record\(\s*"([a-z_]+\.[a-z_.]+)"', path.read_text()))
    assert len(written) > 20
    assert written <= set(audit_registry.verbs()), written - set(audit_registry.verbs())


def test_each_row_links_to_its_object(client_as, worked_order, make_user, merchant):
    order, _, req = worked_order
    person = make_user("Support", username="pat")
    audit.record("user.role_changed", actor_username="admin", obj=person, summary="role-of-pat")
    audit.record("merchant.changed", actor_username="admin", obj=merchant, summary="merchant-edited")
    admin = client_as("Admin").get("/audit/").content.decode()
    assert f'href="/orders/{order.order_id}/?merchant=default"' in admin
    assert f'href="{reverse("fulfilment:detail", args=[req.pk])}"' in admin
    assert f'href="{reverse("people:list")}#person-{person.pk}"' in admin
    assert f'href="{reverse("merchants:edit", args=[merchant.pk])}"' in admin
    assert 'href="/audit/?actor=sam"' in admin
    manager = client_as("Manager").get("/audit/").content.decode()  # no link to pages a Manager may not open
    assert f'href="/orders/{order.order_id}/?merchant=default"' in manager
    assert "#person-" not in manager and reverse("merchants:edit", args=[merchant.pk]) not in manager


def test_the_page_reads_a_fixed_number_of_queries(client_as, cached_order, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.notes import add_note

    client = client_as("Admin")
    support = make_user("Support")

    def queries_with(n: int) -> int:
        for i in range(n):
            add_note(cached_order("order_status_charged.json", order_id=f"AQ-{n}-{i}"), "x", author=support)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/audit/").status_code == 200
        return len(captured)

    assert queries_with(2) == queries_with(8)


def test_times_show_in_the_viewers_zone_and_the_header_does_not_claim_utc(client_as, events, settings):
    settings.DEFAULT_USER_TIME_ZONE = "Asia/Kolkata"
    page = client_as("Admin").get("/audit/").content.decode()
    header = re.search(r"<thead>.*?</thead>", page, re.S)
    assert header and "When" in header.group(0) and "UTC" not in header.group(0)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d IST", page), "each time carries the viewer's zone"
