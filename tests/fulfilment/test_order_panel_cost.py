"""The order page's requests panel reads what it needs in one query when the order has few requests: still
refundable and Juspay's latest Fulfilment Sync answer come from the requests already loaded, and the viewer's
roles are read only when there is a request to decide on. The figures must equal the ones the queries give."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fulfilment import selectors, services
from fulfilment.models import ActionKind, ActionRequest, ActionState

pytestmark = pytest.mark.django_db


def _page(client, order):
    return client.get(reverse("orders:detail", args=[order.order_id]) + f"?merchant={order.merchant.code}")


def test_still_refundable_from_the_loaded_requests_equals_the_query(charged_order, refund_request, make_user):
    finance = make_user("Finance")
    pending = refund_request(charged_order, "100.00")
    refund_request(charged_order, "250.00")
    rejected = refund_request(charged_order, "40.00")
    services.reject(rejected.pk, approver=finance, comment="duplicate")
    services.cancel(pending.pk, actor=pending.maker)
    unresolved = refund_request(charged_order, "30.00")
    ActionRequest.objects.filter(pk=unresolved.pk).update(state=ActionState.UNRESOLVED)
    every = list(ActionRequest.objects.filter(order=charged_order))
    expected = services.still_refundable(charged_order)
    assert services.still_refundable_of(charged_order, every) == expected
    assert expected == charged_order.juspay_refund_limit - Decimal("280.00")  # 250 pending + 30 unresolved


def _panel_queries(client, order) -> tuple[str, list[str], list[str]]:
    with CaptureQueriesContext(connection) as seen:
        page = _page(client, order).content.decode()
    panel = [q["sql"] for q in seen.captured_queries if "fulfilment_actionrequest" in q["sql"]]
    groups = [q["sql"] for q in seen.captured_queries if '"auth_group"' in q["sql"] and "permission" not in q["sql"]]
    return page, panel, groups


def test_an_order_without_requests_costs_one_panel_query(client, make_user, charged_order):
    client.force_login(make_user("Finance"))
    _page(client, charged_order)  # warm: the visit is written once a minute
    cache.clear()  # the panel's HTML is not in the cache: it is built
    page, panel, groups = _panel_queries(client, charged_order)
    refundable = services.still_refundable(charged_order)
    assert f"Still refundable: ₹{refundable:,.2f}" in page
    # the panel's one query (besides the counts: its stamp, the navigation's approvals count); no SUM, no
    # answered-request query
    assert not any("SUM(" in sql for sql in panel)
    assert len([sql for sql in panel if "COUNT(" not in sql]) == 1
    assert groups == []
    # once cached, only the stamp (a COUNT) is asked: the same HTML, no list query
    again, panel, groups = _panel_queries(client, charged_order)
    assert f"Still refundable: ₹{refundable:,.2f}" in again
    assert [sql for sql in panel if "COUNT(" not in sql] == [] and groups == []


def test_the_panel_shows_what_open_requests_hold_at_once(client, make_user, charged_order, refund_request):
    client.force_login(make_user("Finance"))
    before = services.still_refundable(charged_order)
    assert f"Still refundable: ₹{before:,.2f}" in _page(client, charged_order).content.decode()
    request = refund_request(charged_order, "100.00")
    page = _page(client, charged_order).content.decode()
    assert f"Still refundable: ₹{before - 100:,.2f}" in page and f"#{request.pk}" in page
    services.cancel(request.pk, actor=request.maker)
    assert f"Still refundable: ₹{before:,.2f}" in _page(client, charged_order).content.decode()


def _answered(order, maker, finished_at, answer):
    return ActionRequest.objects.create(
        kind=ActionKind.FULFILMENT,
        order=order,
        merchant=order.merchant,
        payload={"commands": []},
        command="MARK_FULFILLED",
        fulfillment_id=f"ful-{uuid.uuid4().hex[:8]}",  # one open command per order, command and fulfilment
        maker=maker,
        state=ActionState.SUCCEEDED,
        form_token=uuid.uuid4(),
        idempotency_key=uuid.uuid4().hex,
        required_approvals=1,
        expires_at=timezone.now() + timedelta(days=1),
        juspay_answer=answer,
        finished_at=finished_at,
    )


def test_the_latest_answer_from_the_loaded_requests_equals_the_query(make_user, charged_order):
    maker = make_user("Support")
    now = timezone.now()
    _answered(charged_order, maker, now - timedelta(minutes=5), {"n": 1})
    latest = _answered(charged_order, maker, now, {"n": 2})
    _answered(charged_order, maker, now - timedelta(minutes=1), {"n": 3})
    every = list(ActionRequest.objects.filter(order=charged_order).order_by("-created_at", "-id"))
    assert selectors._latest_answered(every) == selectors._latest_answered_query(charged_order) == latest
    unfinished = _answered(charged_order, maker, None, {"n": 4})  # NULL sorts differently: the database decides
    every = list(ActionRequest.objects.filter(order=charged_order))
    assert selectors._latest_answered(every) == selectors._latest_answered_query(charged_order)
    assert selectors._latest_answered(every) in (latest, unfinished)


def test_a_person_with_requests_to_decide_still_has_their_roles(make_user, charged_order, refund_request):
    refund_request(charged_order, "100.00", maker=make_user("Support", username="sam"))
    actions = selectors.order_actions(charged_order, make_user("Finance"))
    assert actions.rows[0].can_decide  # Finance holds the approver role: the roles were read
    assert not selectors.order_actions(charged_order, make_user("Support")).rows[0].can_decide
