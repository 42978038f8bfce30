"""The order page's refunds / Fulfilment Sync panel is kept in the cache (fulfilment/templatetags/fulfilment_tags.py):
whatever it shows changes at once when a request is raised, decided, cancelled or moved on by the executor; its
Cancel button (and that form's CSRF token) is only ever its maker's; a request's age is worked out per view."""

import html
import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fulfilment import services
from fulfilment.models import ActionRequest, ActionState

pytestmark = pytest.mark.django_db


def _page(client, order) -> str:
    response = client.get(f"/orders/{order.order_id}/", {"merchant": order.merchant.code})
    assert response.status_code == 200
    return response.content.decode()


def _text(body: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_raising_deciding_and_cancelling_show_at_once(make_user, charged_order, refund_request):
    maker, finance = make_user("Support"), make_user("Finance")
    viewer = _signed_in(make_user("Admin"))
    assert "No refund or fulfilment requests on this order yet" in _page(viewer, charged_order)
    req = refund_request(charged_order, "100.00", maker=maker)
    shown = _text(_page(viewer, charged_order))
    assert f"#{req.pk}" in shown and f"0 of {req.required_approvals}" in shown
    services.approve(req.pk, approver=finance)
    req.refresh_from_db()
    shown = _text(_page(viewer, charged_order))
    assert f"1 of {req.required_approvals}" in shown
    other = refund_request(charged_order, "50.00", maker=maker)
    assert f"#{other.pk}" in _text(_page(viewer, charged_order))
    services.cancel(other.pk, actor=maker)
    other.refresh_from_db()
    row = re.search(rf'id="order-request-{other.pk}".*?</tr>', _page(viewer, charged_order), re.S)
    assert row and other.get_state_display() in row.group(0)


def test_the_executor_moving_a_request_shows_at_once(make_user, charged_order, refund_request):
    viewer = _signed_in(make_user("Admin"))
    req = refund_request(charged_order, "100.00")
    _page(viewer, charged_order)  # cached
    ActionRequest.objects.filter(pk=req.pk).update(  # as fulfilment/executor.py writes its outcomes
        state=ActionState.FAILED, error="Juspay said no", finished_at=timezone.now(), updated_at=timezone.now()
    )
    assert "Juspay said no" in _text(_page(viewer, charged_order))


def test_a_fulfilment_command_shows_at_once(make_user, charged_order):
    viewer = _signed_in(make_user("Admin"))
    _page(viewer, charged_order)
    raised = services.raise_fulfilment(
        charged_order,
        maker=make_user("Support"),
        status="SUCCESS",
        command="NO_ACTION",
        fulfillment_id="DLV-CACHE",
        form_token=uuid.uuid4(),
    )
    assert f"#{raised.request.pk}" in _text(_page(viewer, charged_order))


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_only_the_maker_sees_their_cancel_button_with_their_own_token(make_user, charged_order, refund_request):
    from django.middleware.csrf import _unmask_cipher_token

    maker = make_user("Support")
    req = refund_request(charged_order, "100.00", maker=maker)
    button = f"Cancel request #{req.pk}"
    colleague = _signed_in(make_user("Support"))
    assert button not in _page(colleague, charged_order)
    mine = _signed_in(maker)
    body = _page(mine, charged_order)
    assert button in body
    form = re.search(r'<form method="post" action="[^"]*cancel[^"]*".*?</form>', body, re.S)
    assert form is not None
    (token,) = CSRF_INPUT.findall(form.group(0))
    assert _unmask_cipher_token(token) == mine.cookies["csrftoken"].value
    assert button not in _page(colleague, charged_order)  # the maker's copy is not the colleague's
    assert button not in _page(_signed_in(make_user("Finance")), charged_order)


def test_a_requests_age_is_worked_out_on_each_view(make_user, charged_order, refund_request, monkeypatch):
    from dashboard import time_display

    viewer = _signed_in(make_user("Admin"))
    refund_request(charged_order, "100.00")
    assert "just now" in _text(_page(viewer, charged_order))
    later = timezone.now() + timedelta(days=2)
    original = time_display.relative_text
    monkeypatch.setattr(time_display, "relative_text", lambda moment, now=None: original(moment, now=later))
    shown = _text(_page(viewer, charged_order))
    assert "2 days ago" in shown and "<!--ago" not in _page(viewer, charged_order)
