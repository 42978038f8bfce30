"""Bulk approve shows the money being approved (total per currency, and the count) in a confirm step rendered by
the server; only confirming what was shown approves."""

import re

import pytest
from django.urls import reverse

from fulfilment.models import Decision

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
URL = reverse("fulfilment:bulk_approve") + "?state=pending"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def fingerprint(response) -> str:
    return re.search(r'name="confirm" value="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def finance(make_user):
    return make_user("Finance", username="fin")


def test_the_confirm_step_shows_the_total_and_count_and_approves_nothing(
    client, finance, charged_order, refund_request
):
    a = refund_request(charged_order, "100.00")
    b = refund_request(charged_order, "250.50")
    own = refund_request(charged_order, "999.00", maker=finance)  # left out: maker ≠ checker
    client.force_login(finance)
    step = client.post(URL, {"requests": [a.pk, b.pk, own.pk], "comment": "batch"}, **HTMX)
    page = text(step)
    assert "Approve 2 requests moving ₹350.50?" in page
    assert f"#{own.pk} (You raised this request" in page
    assert "Confirm: approve 2" in page
    assert Decision.objects.count() == 0


def test_confirming_what_was_shown_approves_each_request(client, finance, charged_order, refund_request):
    a, b = refund_request(charged_order, "100.00"), refund_request(charged_order, "250.50")
    client.force_login(finance)
    data = {"requests": [a.pk, b.pk], "comment": "batch"}
    step = client.post(URL, data, **HTMX)
    done = client.post(URL, {**data, "confirm": fingerprint(step)}, **HTMX)
    assert "Approved 2 of 2 selected." in text(done)
    assert set(Decision.objects.filter(approver=finance).values_list("request", flat=True)) == {a.pk, b.pk}
    assert Decision.objects.filter(comment="batch").count() == 2


def test_a_selection_that_changed_since_it_was_shown_is_shown_again(client, finance, charged_order, refund_request):
    a, b = refund_request(charged_order, "100.00"), refund_request(charged_order, "250.50")
    client.force_login(finance)
    shown = fingerprint(client.post(URL, {"requests": [a.pk]}, **HTMX))  # shown: INR 100.00
    again = client.post(URL, {"requests": [a.pk, b.pk], "confirm": shown}, **HTMX)  # posted: more money
    page = text(again)
    assert "The selection changed since it was shown" in page and "moving ₹350.50" in page
    assert Decision.objects.count() == 0


def test_a_forged_confirm_approves_nothing(client, finance, charged_order, refund_request):
    a = refund_request(charged_order, "100.00")
    client.force_login(finance)
    client.post(URL, {"requests": [a.pk], "confirm": f"{a.pk}|INR:1.00"}, **HTMX)
    assert Decision.objects.count() == 0


def test_without_htmx_the_confirm_step_is_a_page(client, finance, charged_order, refund_request):
    a = refund_request(charged_order, "100.00")
    client.force_login(finance)
    step = client.post(URL, {"requests": [a.pk]})
    assert step.status_code == 200 and "<html" in step.content.decode()
    assert "Approve 1 request moving ₹100.00?" in text(step)
    done = client.post(URL, {"requests": [a.pk], "confirm": fingerprint(step)})
    assert done.status_code == 302 and Decision.objects.filter(request=a).count() == 1


def test_nothing_selected_or_nothing_decidable_says_so(client, finance, charged_order, refund_request):
    own = refund_request(charged_order, "100.00", maker=finance)
    client.force_login(finance)
    assert "Select at least one request." in text(client.post(URL, {}, **HTMX))
    assert "None of the selected requests is waiting for your decision." in text(
        client.post(URL, {"requests": [own.pk]}, **HTMX)
    )
