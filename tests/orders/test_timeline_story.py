"""The order page tells the story: Juspay's own events at Juspay's times, the dashboard's interleaved, each a
sentence with its detail one click away; refunds raised here name their maker and approvers; "Raise a refund"
is not offered when nothing is refundable, and the page says why."""

import html
import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from fulfilment import services
from fulfilment.models import ActionRequest
from orders import events
from orders.models import TimelineEvent

pytestmark = pytest.mark.django_db


def words(response) -> str:
    body = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def sentences(response) -> list[str]:
    """The timeline's sentences, in the order the page shows them."""
    found = re.findall(r'<strong class="timeline-sentence">(.*?)</strong>', response.content.decode(), re.S)
    return [html.unescape(" ".join(s.split())) for s in found]


def timeline(client, order, **params):
    return client.get(f"/orders/{order.order_id}/timeline/", params, HTTP_HX_REQUEST="true")


def raise_refund(order, maker, amount="100.00"):
    return services.raise_refund(
        order,
        maker=maker,
        amount=Decimal(amount),
        reason_code="CUSTOMER_REQUEST",
        comment="customer called",
        form_token=uuid.uuid4(),
    ).request


def test_juspay_events_come_first_at_juspays_times_as_sentences(client_as, cached_order):
    order = cached_order("order_status_with_refunds.json")
    told = sentences(timeline(client_as("Support"), order))
    expected = [
        "Order created at Juspay for ₹3,200.00",  # 2025-03-10 14:02:11 UTC
        "Payment of ₹3,200.00 by UPI UPI",  # the attempt, 14:02:40
        "Refund of ₹1,200.00 (RF-M27-01) raised at Juspay",  # 2025-03-11 05:20
        "Refund of ₹1,200.00 (RF-M27-01) settled",  # 05:36
        "Refund of ₹800.00 (RF-M27-02) raised at Juspay",  # 2025-03-12, still pending: not settled
    ]
    positions = []
    for sentence in expected:
        matches = [i for i, s in enumerate(told) if s.startswith(sentence)]
        assert matches, f"{sentence!r} not in {told}"
        positions.append(matches[0])
    assert positions == sorted(positions)  # oldest first
    assert not any("RF-M27-02) settled" in s for s in told)
    # What the dashboard saw (today) comes after what happened at Juspay (in 2025).
    seen = next(i for i, s in enumerate(told) if s.startswith("First seen here"))
    assert seen > max(positions)
    assert "First seen here: CHARGED, ₹3,200.00" in told
    assert not any(": " in s and "·" in s for s in told)  # no key: value dumps in the sentences


def test_each_line_says_when_and_where_with_the_detail_one_click_away(client_as, cached_order, settings):
    order = cached_order("order_status_with_refunds.json")
    page = timeline(client_as("Support"), order).content.decode()
    # Juspay's time in the viewer's zone (Asia/Kolkata by default), the exact UTC time on hover.
    assert 'title="2025-03-10 14:02:11 UTC">2025-03-10 19:32:11 IST</time>' in page
    assert "ago</time>" in page and "At Juspay" in page
    assert page.count("<details") >= 5 and "<summary>Details</summary>" in page


def test_dashboard_events_are_interleaved_by_when_they_happened(client_as, make_user, cached_order):
    order = cached_order("order_status_with_refunds.json")
    agent = make_user("Support", username="asha")
    events.refresh_requested(order, actor=agent).save()
    note = TimelineEvent.objects.create(
        order=order, kind="note.added", source="dashboard", actor=agent, at=order.juspay_created_at, data={"text": "hi"}
    )
    assert note.pk
    told = sentences(timeline(client_as("Support"), order))
    # The note was dated at the order's creation: right after "Order created", before the payment.
    assert told.index("Note by asha") == told.index("Order created at Juspay for ₹3,200.00") + 1
    assert told[-1] == "Refresh from Juspay asked for by asha"


def test_approvals_read_as_sentences_and_link_to_the_request(client_as, make_user, cached_order):
    order = cached_order("order_status_charged.json")
    support, finance = make_user("Support", username="sam"), make_user("Finance", username="finance")
    req = raise_refund(order, support, "50.00")
    services.approve(req.pk, approver=finance)
    response = timeline(client_as("Support"), order)
    told = sentences(response)
    assert any(s.startswith("Refund of ₹50.00 asked for by sam") for s in told), told
    assert any(s.startswith("Refund of ₹50.00 approved by finance") for s in told), told
    link = reverse("fulfilment:detail", args=[req.pk])
    assert f'<a href="{link}">request #{req.pk}</a>' in response.content.decode()
    actions_only = sentences(timeline(client_as("Support"), order, category="actions"))
    assert actions_only and all("Refund of ₹50.00" in s for s in actions_only)
    juspay_only = sentences(timeline(client_as("Support"), order, source="juspay"))
    assert juspay_only[0].startswith("Order created at Juspay") and not any("asked for" in s for s in juspay_only)


def test_fulfilment_sync_commands_show_at_juspays_time(client_as, make_user, cached_order):
    order = cached_order("order_status_charged.json")
    maker = make_user("Support")
    ActionRequest.objects.create(
        kind="fulfilment",
        order=order,
        merchant=order.merchant,
        maker=maker,
        command="NO_ACTION",
        fulfillment_id="DLV-1",
        idempotency_key="DLV-1",
        form_token=uuid.uuid4(),
        required_approvals=0,
        expires_at=order.juspay_created_at,
        state="succeeded",
        juspay_answer={
            "status": "SUCCESS",
            "commands": [
                {
                    "command": "NO_ACTION",
                    "status": "SUCCESS",
                    "fulfillment_id": "DLV-1",
                    "date_created": "2025-03-11T09:20:00Z",
                }
            ],
        },
    )
    page = timeline(client_as("Support"), order).content.decode()
    assert "Fulfilment Sync command NO_ACTION recorded at Juspay: SUCCESS" in html.unescape(page)
    assert 'title="2025-03-11 09:20:00 UTC"' in page


def test_a_refund_raised_here_names_its_maker_and_approvers_and_links_to_the_request(
    client_as, make_user, cached_order
):
    order = cached_order("order_status_with_refunds.json")
    support, finance = make_user("Support", username="sam"), make_user("Finance", username="fin")
    req = ActionRequest.objects.create(
        kind="refund",
        order=order,
        merchant=order.merchant,
        maker=support,
        amount=Decimal("1200"),
        currency="INR",
        idempotency_key="RF-M27-01",  # the refund Juspay lists was raised from this request
        form_token=uuid.uuid4(),
        required_approvals=1,
        expires_at=order.juspay_created_at,
        state="succeeded",
    )
    req.decisions.create(approver=finance, verdict="approve")
    response = client_as("Support").get(f"/orders/{order.order_id}/refunds/", HTTP_HX_REQUEST="true")
    page = words(response)
    assert f"RF-M27-01 raised here by sam, approved by fin · request #{req.pk}" in page
    assert f'href="{reverse("fulfilment:detail", args=[req.pk])}"' in response.content.decode()
    assert "RF-M27-02 raised here" not in page  # raised elsewhere (Juspay's dashboard, the API)


def actions(client, order):
    return words(client.get(f"/orders/{order.order_id}/"))


def test_raise_a_refund_is_offered_while_something_is_refundable(client_as, cached_order):
    order = cached_order("order_status_charged.json", maximum_eligible_refund_amount=1499.0)
    page = actions(client_as("Support"), order)
    assert "Raise a refund" in page and "Still refundable: ₹1,499.00" in page


def test_a_fully_refunded_order_says_so_instead_of_offering_a_refund(client_as, cached_order):
    order = cached_order("order_status_refund_succeeded.json", amount_refunded=1499.0, maximum_eligible_refund_amount=0)
    page = actions(client_as("Support"), order)
    assert "Raise a refund" not in page
    assert "Nothing left to refund: the order is fully refunded (₹1,499.00)." in page
    assert "Send a fulfilment command" in page


def test_an_order_that_was_not_charged_says_so(client_as, cached_order):
    order = cached_order("order_status_charged.json", status="AUTHORIZATION_FAILED", maximum_eligible_refund_amount=0)
    page = actions(client_as("Support"), order)
    assert "Raise a refund" not in page
    assert "Nothing to refund: the order is not charged (status AUTHORIZATION_FAILED)." in page


def test_open_requests_holding_the_rest_are_named(client_as, make_user, cached_order):
    order = cached_order("order_status_charged.json", maximum_eligible_refund_amount=100.0)
    raise_refund(order, make_user("Support"), "100.00")
    page = actions(client_as("Support"), order)
    assert "Raise a refund" not in page
    assert "requests waiting for approval or on their way to Juspay hold the last ₹100.00" in page


def test_a_role_that_cannot_raise_sees_no_reason_either(client_as, cached_order):
    order = cached_order("order_status_refund_succeeded.json", amount_refunded=1499.0, maximum_eligible_refund_amount=0)
    page = actions(client_as("Manager"), order)
    assert "Raise a refund" not in page and "Nothing left to refund" not in page
