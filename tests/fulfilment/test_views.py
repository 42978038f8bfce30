"""The pages: the queue, htmx decisions, the raise forms on the order page, the policy editor, the nav count."""

import re
import uuid

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from fulfilment import services
from fulfilment.models import ActionRequest, ActionState, ApprovalPolicy, Decision
from tests.fixtures.policy import activate_policy

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- The queue ----------------------------------------------------------------------------------------


def test_the_queue_shows_age_amount_order_and_maker_with_a_bounded_number_of_queries(
    client, make_user, charged_order, refund_request, django_assert_max_num_queries
):
    support = make_user("Support", username="sam")
    for _ in range(6):
        refund_request(charged_order, "12.50", maker=support)
    client.force_login(make_user("Finance"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("fulfilment:queue"))
    page = text(response)
    assert response.status_code == 200
    assert page.count("refund of ₹12.50") == 6 and charged_order.order_id in page and "sam" in page
    assert "0 of 1" in page and ">just now</time>" in page  # the queue's age, relative
    assert re.search(r'expires <time datetime="[^"]+" title="[^"]+ UTC">in \d+ (hours?|days?)</time>', page)
    assert page.count("Approve #") == 6 and "Approve selected" in page


def test_a_manager_reads_the_queue_without_decision_buttons(client, make_user, charged_order, refund_request):
    refund_request(charged_order)
    client.force_login(make_user("Manager"))
    page = text(client.get(reverse("fulfilment:queue")))
    assert "₹100.00" in page and "Approve" not in page and "Reject" not in page


def test_approving_through_htmx_answers_the_updated_row(client, make_user, charged_order, refund_request):
    req = refund_request(charged_order)
    client.force_login(make_user("Finance"))
    response = client.post(reverse("fulfilment:approve", args=[req.pk]), {"comment": "checked"}, **HTMX)
    row = text(response)
    assert row.lstrip().startswith(f'<tr id="request-{req.pk}"')
    assert "Approval recorded." in row and "Approved, queued for sending" in row and "1 of 1" in row
    assert Decision.objects.get(request=req).comment == "checked"


def test_approving_ones_own_request_shows_why_in_the_row(client, make_user, charged_order, refund_request):
    finance = make_user("Finance")
    req = refund_request(charged_order, maker=finance)
    client.force_login(finance)
    row = text(client.post(reverse("fulfilment:approve", args=[req.pk]), **HTMX))
    assert "another person must decide" in row
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.PENDING


def test_rejecting_without_htmx_redirects_to_the_request_with_a_message(
    client, make_user, charged_order, refund_request
):
    req = refund_request(charged_order)
    client.force_login(make_user("Finance"))
    response = client.post(reverse("fulfilment:reject", args=[req.pk]), {"comment": "duplicate"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("fulfilment:detail", args=[req.pk])
    page = text(response)
    assert "rejected" in page and "duplicate" in page and "Rejected" in page


def test_bulk_approve_reports_per_request(client, make_user, charged_order, refund_request):
    finance = make_user("Finance")
    a, b = refund_request(charged_order), refund_request(charged_order)
    own = refund_request(charged_order, maker=finance)
    client.force_login(finance)
    url = reverse("fulfilment:bulk_approve") + "?state=all"
    step = client.post(url, {"requests": [a.pk, b.pk, own.pk], "comment": "batch"}, **HTMX)  # the confirm step
    confirm = re.search(r'name="confirm" value="([^"]+)"', step.content.decode()).group(1)
    response = client.post(url, {"requests": [a.pk, b.pk, own.pk], "comment": "batch", "confirm": confirm}, **HTMX)
    page = text(response)
    assert "Approved 2 of 3 selected." in page and "another person must decide" in page
    assert Decision.objects.filter(approver=finance).count() == 2


def test_the_detail_page_shows_payload_decisions_and_history(client, make_user, charged_order, refund_request):
    req = refund_request(charged_order, comment="parcel lost")
    services.approve(req.pk, approver=make_user("Finance", username="fin"), comment="ok to pay")
    client.force_login(make_user("Manager"))
    page = text(client.get(reverse("fulfilment:detail", args=[req.pk])))
    assert req.idempotency_key in page and "parcel lost" in page and "ok to pay" in page and "fin" in page
    assert "raised this refund" in page and "approved it" in page


# --- Raising from the order page ----------------------------------------------------------------------


def render_slot(order, user) -> str:
    request = RequestFactory().get("/orders/x/")
    request.user = user
    template = engines["django"].from_string('{% include "fulfilment/order_actions_slot.html" %}')
    return re.sub(r"\s+", " ", template.render({"order": order}, request))


def test_the_order_page_slot_offers_both_entry_points_and_lists_open_requests(make_user, charged_order, refund_request):
    support = make_user("Support")
    req = refund_request(charged_order, maker=support)
    html = render_slot(charged_order, support)
    assert "Raise a refund" in html and "Send a fulfilment command" in html
    assert f"#{req.pk}" in html and "Waiting for approval" in html and f"Cancel request #{req.pk}" in html
    assert "Raise a refund" not in render_slot(charged_order, make_user("Manager"))
    assert render_slot(charged_order, make_user(None)).strip() == ""


def test_the_refund_form_shows_errors_inline_without_replacing_the_slot(client, make_user, charged_order):
    client.force_login(make_user("Support"))
    url = reverse("fulfilment:raise_refund", args=[charged_order.pk])
    form = client.get(url, **HTMX)
    assert 'name="form_token"' in form.content.decode()
    response = client.post(
        url, {"amount": "5000", "reason_code": "GOODWILL", "comment": "x", "form_token": str(uuid.uuid4())}, **HTMX
    )
    assert response["HX-Retarget"] == f"#order-action-form-{charged_order.pk}"
    assert "At most ₹1,499.00 is still refundable" in text(response)
    assert ActionRequest.objects.count() == 0


def test_submitting_the_refund_form_twice_creates_one_request(client, make_user, charged_order):
    client.force_login(make_user("Support"))
    url = reverse("fulfilment:raise_refund", args=[charged_order.pk])
    data = {
        "amount": "100",
        "reason_code": "NOT_DELIVERED",
        "comment": "courier lost it",
        "form_token": str(uuid.uuid4()),
    }
    first_response = client.post(url, data, **HTMX)
    second_response = client.post(url, data, **HTMX)
    first, second = text(first_response), text(second_response)
    req = ActionRequest.objects.get()
    assert "order-changed" in first_response["HX-Trigger"]  # the order page reloads its timeline
    assert "HX-Trigger" not in second_response
    assert f"Request #{req.pk} raised: refund of ₹100.00, waiting for approval." in first
    assert f"Request #{req.pk} was already raised from this form" in second


def test_the_fulfilment_form_checks_json_and_the_split_sum(client, make_user, charged_order):
    client.force_login(make_user("Support"))
    url = reverse("fulfilment:raise_fulfilment", args=[charged_order.pk])
    base = {"fulfillment_status": "SUCCESS", "form_token": str(uuid.uuid4())}
    activate_policy({"fulfilment": {"approvals": 1, "json_data": ["BLOCK_IMEI"]}}, actor=make_user("Admin"), based_on=0)
    bad_json = text(client.post(url, {**base, "fulfillment_command": "BLOCK_IMEI", "fulfillment_data": "{oops"}))
    assert "Fulfilment data must be JSON for BLOCK_IMEI." in bad_json
    bad_sum = text(
        client.post(
            url,
            {
                **base,
                "fulfillment_command": "POST_TXN_SPLIT_SETTLEMENT",
                "marketplace_amount": "100",
                "vendors": "v1, 800, 20\nv2, 500",
            },
        )
    )
    assert "add up to ₹1,400.00, ₹99.00 short of the ₹1,499.00 paid." in bad_sum
    assert ActionRequest.objects.count() == 0
    response = client.post(
        url,
        {
            **base,
            "fulfillment_command": "POST_TXN_SPLIT_SETTLEMENT",
            "marketplace_amount": "199",
            "vendors": "v1, 800, 20\nv2, 500",
        },
    )
    req = ActionRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("fulfilment:detail", args=[req.pk])
    assert req.amount == 1499 and req.payload["split_settlement_details"]["marketplace"] == {"amount": 199}


def test_the_maker_cancels_from_the_order_page(client, make_user, charged_order, refund_request):
    support = make_user("Support")
    req = refund_request(charged_order, maker=support)
    client.force_login(support)
    client.post(reverse("fulfilment:cancel", args=[req.pk]), {"next": "/somewhere/"})
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.CANCELLED


# --- Policy and navigation ------------------------------------------------------------------------------


def test_admin_proposes_a_policy_version_from_the_form_and_another_admin_puts_it_in_force(client, make_user):
    client.force_login(make_user("Admin"))
    page = client.get(reverse("fulfilment:policy"))
    assert "NO_ACTION" in text(page)
    response = client.post(
        reverse("fulfilment:policy"),
        {
            "based_on": "0",
            "approver_roles": ["Finance"],
            "expiry_hours": "24",
            "refund_approvals": "1",
            "refund_threshold": "5000",
            "refund_high_approvals": "2",
            "fulfilment_approvals": "1",
            "cmd_NO_ACTION": "0",
            "cmd_INITIATE_REFUND": "2",
            "note": "tighter",
        },
    )
    assert response.status_code == 302
    assert not ApprovalPolicy.objects.filter(is_active=True).exists()  # the default stays until approved
    proposed = ApprovalPolicy.objects.get(state="pending")
    page = text(client.get(reverse("fulfilment:policy")))
    assert "Change waiting for approval: version 1" in page and "another Admin must approve it" in page
    client.force_login(make_user("Admin"))
    assert "Approve version 1" in text(client.get(reverse("fulfilment:policy")))
    client.post(reverse("fulfilment:policy_approve", args=[proposed.pk]))
    saved = ApprovalPolicy.objects.get(is_active=True)
    assert saved.rules["refund"]["tiers"] == [{"above": "5000.00", "approvals": 2}]
    assert saved.rules["fulfilment"]["commands"] == {"INITIATE_REFUND": 2, "NO_ACTION": 0}
    stale = client.post(
        reverse("fulfilment:policy"),
        {
            "based_on": "0",
            "approver_roles": ["Finance"],
            "expiry_hours": "24",
            "refund_approvals": "1",
            "fulfilment_approvals": "1",
        },
    )
    assert stale.status_code == 400 and "changed meanwhile" in text(stale)


def test_the_navigation_shows_how_many_requests_wait_for_this_approver(
    client, make_user, charged_order, refund_request
):
    finance = make_user("Finance")
    refund_request(charged_order)
    refund_request(charged_order)
    refund_request(charged_order, maker=finance)  # their own does not count for them
    client.force_login(finance)
    page = text(client.get(reverse("home")))
    assert re.search(r'Approvals <span class="nav-count" title="2 waiting">2</span>', page)
    client.force_login(make_user("Admin"))
    assert 'title="3 waiting"' in text(client.get(reverse("home")))
