"""The audit page: filters narrow the rows, the CSV export holds exactly the filtered rows."""

import csv
import io

import pytest

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
