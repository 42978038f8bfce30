"""The navigation's counts are kept a short while per person (fulfilment/nav_counts.py), and the approvals count
follows every request raised, decided or moved out of "pending" on the next page."""

import re

import pytest
from django.urls import reverse

from fulfilment import services
from fulfilment.models import ActionRequest, ActionState


@pytest.fixture(autouse=True)
def _keep(settings):
    settings.NAV_COUNTS_SECONDS = 30


def approvals_badge(client) -> int:
    found = re.search(
        r'Approvals <span class="nav-count" title="(\d+) waiting">', client.get(reverse("home")).content.decode()
    )
    return int(found.group(1)) if found else 0


def test_a_kept_count_is_not_counted_again_on_the_next_page(client, make_user, charged_order, refund_request):
    refund_request(charged_order)
    client.force_login(make_user("Finance"))
    assert approvals_badge(client) == 1
    ActionRequest.objects.update(state=ActionState.CANCELLED)  # behind the service's back: no bump
    assert approvals_badge(client) == 1, "kept, not counted again"


def test_a_new_request_shows_at_once(client, make_user, charged_order, refund_request):
    refund_request(charged_order)
    client.force_login(make_user("Finance"))
    assert approvals_badge(client) == 1
    refund_request(charged_order)
    assert approvals_badge(client) == 2


def test_approving_rejecting_and_cancelling_show_at_once(client, make_user, charged_order, refund_request):
    first, second, third = (refund_request(charged_order) for _ in range(3))
    finance, other = make_user("Finance"), make_user("Finance")
    client.force_login(finance)
    assert approvals_badge(client) == 3
    services.approve(first.pk, approver=finance)  # two approvals needed: still pending, but not for finance
    assert approvals_badge(client) == 2
    services.reject(second.pk, approver=other, comment="duplicate")
    assert approvals_badge(client) == 1
    services.cancel(third.pk, actor=third.maker, comment="customer withdrew")
    assert approvals_badge(client) == 0


def test_each_person_has_their_own_count(client, make_user, charged_order, refund_request):
    finance = make_user("Finance")
    refund_request(charged_order)
    refund_request(charged_order, maker=finance)  # their own does not count for them
    client.force_login(finance)
    assert approvals_badge(client) == 1
    client.force_login(make_user("Admin"))
    assert approvals_badge(client) == 2


def test_the_sync_health_count_is_kept_for_its_time_and_live_when_keeping_is_off(
    client_as, settings, charged_order, refund_request
):
    req = refund_request(charged_order)
    ActionRequest.objects.filter(pk=req.pk).update(state=ActionState.UNRESOLVED)  # a person must settle it
    admin = client_as("Admin")
    assert 'title="1 need attention"' in admin.get("/").content.decode()
    ActionRequest.objects.filter(pk=req.pk).update(state=ActionState.SUCCEEDED)
    assert 'title="1 need attention"' in admin.get("/").content.decode(), "kept for NAV_COUNTS_SECONDS"
    settings.NAV_COUNTS_SECONDS = 0
    assert "need attention" not in admin.get("/").content.decode(), "computed again: all clear"
