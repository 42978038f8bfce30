"""Admin's sync health page (/health/sync/): last successful sync per merchant, ids that fail (with reason, attempts
and next try), webhooks whose refresh failed, stuck requests; the navigation's count and the home summary. The
failures are made the way production makes them: an import and a sync against the simulator under faults."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from fulfilment.models import ActionRequest, ActionState
from orders.models import Order, SyncFailure, WebhookEvent
from orders.services import sync_order
from tests.orders.webhook_auth import basic

PAGE = "/health/sync/"


# import_orders and the sweep queue their chunks: run them inline here, also when a broker is configured.
pytestmark = pytest.mark.usefixtures("inline_tasks")


@pytest.fixture(autouse=True)
def _quick_timeouts(settings):
    settings.JUSPAY_TIMEOUT_SECONDS = 0.3
    settings.JUSPAY_RETRY_TIMEOUT_SECONDS = 0.3


@pytest.fixture
def trouble(sim_merchant, juspay_sim, tmp_path, sim_order, refund_request, client, django_capture_on_commit_callbacks):
    """One of each: an id an import could not fetch, a cached order whose sync fails, a webhook not refreshed,
    a request stuck in `approved`."""
    ids = tmp_path / "ids.txt"
    ids.write_text("NEVER-THERE-1\n")
    with pytest.raises(CommandError):
        call_command("import_orders", str(ids), stdout=StringIO(), stderr=StringIO())

    failing = sim_order(amount=500)
    stuck_order = sim_order(amount=900)
    juspay_sim.set_faults(fail_rate=1.0)
    assert sync_order(sim_merchant, failing.order_id).failure is not None
    body = {"id": "evt-health-1", "event_name": "ORDER_SUCCEEDED", "content": {"order": {"order_id": failing.order_id}}}
    auth = basic(settings.JUSPAY_WEBHOOK_USERNAME, settings.JUSPAY_WEBHOOK_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/webhooks/juspay/", json.dumps(body), content_type="application/json", headers={"Authorization": auth}
        )
    juspay_sim.reset_faults()

    req = refund_request(stuck_order, "100.00")
    long_ago = timezone.now() - timedelta(seconds=settings.FULFILMENT_STALL_SECONDS + 60)
    ActionRequest.objects.filter(pk=req.pk).update(state=ActionState.APPROVED, updated_at=long_ago)
    return {"failing": failing, "request": req}


def test_admin_sees_every_kind_of_trouble_with_its_reason(client_as, trouble, django_assert_max_num_queries):
    client = client_as("Admin")
    with django_assert_max_num_queries(30):
        page = client.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "4 things need attention" in text
    assert "NEVER-THERE-1" in text and "JuspayNotFound" in text  # the id, with its reason
    assert trouble["failing"].order_id in text and "JuspayUnavailable" in text
    assert "evt-health-1" not in text and "ORDER_SUCCEEDED" in text  # the webhook row, linked by its pk
    assert reverse("orders:webhook_detail", args=[WebhookEvent.objects.get(event_id="evt-health-1").pk]) in text
    assert reverse("fulfilment:detail", args=[trouble["request"].pk]) in text
    assert "sim_merchant" in text or Order.objects.first().merchant.code in text


def test_the_navigation_counts_what_needs_attention_for_admin_only(client_as, trouble, django_assert_max_num_queries):
    admin = client_as("Admin")
    home = admin.get("/").content.decode()
    assert 'title="4 need attention">4</span>' in home
    SyncFailure.objects.update(resolved_at=timezone.now())
    ActionRequest.objects.update(state=ActionState.SUCCEEDED)
    assert 'title="2 need attention">2</span>' in admin.get("/").content.decode()
    finance = client_as("Finance").get("/").content.decode()
    assert "need attention" not in finance and "Sync health" not in finance


def test_all_clear_shows_no_count(client_as, merchant):
    client = client_as("Admin")
    assert "need attention" not in client.get("/").content.decode()
    assert "All clear" in client.get(PAGE).content.decode()


def test_the_home_summary_fragment_and_its_include(client_as, trouble):
    client = client_as("Admin")
    fragment = client.get(reverse("health:summary")).content.decode()
    assert "1 id could not be fetched" in fragment and "1 stuck request" in fragment
    assert reverse("health:sync") in fragment and "<html" not in fragment

    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = ActionRequest.objects.first().maker  # Support: the include shows nothing
    assert render_to_string("dashboard/_home_health.html", request=request).strip() == ""


def test_the_htmx_refresh_gets_the_report_only(client_as, trouble):
    answer = client_as("Admin").get(PAGE, headers={"HX-Request": "true"})
    text = answer.content.decode()
    assert 'id="sync-health"' in text and "<html" not in text


def test_the_navigation_count_is_one_bounded_query(trouble, django_assert_num_queries):
    from fulfilment import sync_health

    with django_assert_num_queries(1):
        assert sync_health.attention(None) == 4
