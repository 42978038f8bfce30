"""/account/: a person chooses their time zone; every page then shows times in it (UTC on hover)."""

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from dashboard.models import AuditEvent, UserProfile
from dashboard.roles import SUPPORT

pytestmark = pytest.mark.django_db


def test_the_default_zone_applies_until_a_person_chooses(client_as, settings):
    settings.DEFAULT_USER_TIME_ZONE = "Asia/Kolkata"
    page = client_as(SUPPORT).get(reverse("account")).content.decode()
    assert "Times show in <strong>Asia/Kolkata</strong>" in page
    assert '<option value="Asia/Kolkata" selected>' in page


def test_a_chosen_zone_is_stored_audited_and_shown(client, make_user, cached_order):
    user = make_user(SUPPORT)
    client.force_login(user)
    order = cached_order()
    response = client.post(reverse("account"), {"time_zone": "America/New_York"})
    assert response.status_code == 302
    assert UserProfile.objects.get(user=user).time_zone == "America/New_York"
    assert AuditEvent.objects.filter(verb="account.time_zone", actor_id=user.pk).exists()
    page = client.get(reverse("account")).content.decode()
    assert "Times show in <strong>America/New_York</strong>" in page
    # The order page shows Juspay's creation time in that zone, with the UTC time on hover.
    created = order.juspay_created_at
    detail = client.get(reverse("orders:detail", args=[order.order_id])).content.decode()
    local = created.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M:%S")
    assert f'title="{created.strftime("%Y-%m-%d %H:%M:%S")} UTC">{local} E' in detail


def test_another_person_keeps_the_default_zone(client, make_user, cached_order, settings):
    settings.DEFAULT_USER_TIME_ZONE = "Asia/Kolkata"
    order = cached_order()
    tokyo, other = make_user(SUPPORT), make_user(SUPPORT)
    UserProfile.objects.create(user=tokyo, time_zone="Asia/Tokyo")
    client.force_login(tokyo)  # signing in copies the zone into the session
    tokyo_page = client.get(reverse("orders:detail", args=[order.order_id])).content.decode()
    client.force_login(other)
    other_page = client.get(reverse("orders:detail", args=[order.order_id])).content.decode()
    assert " JST</time>" in tokyo_page and " IST</time>" not in tokyo_page
    assert " IST</time>" in other_page and " JST</time>" not in other_page


@pytest.mark.parametrize("bad", ["Mars/Olympus", "", "../etc/passwd", "x" * 500])
def test_an_unknown_zone_is_a_form_error_and_nothing_changes(client, make_user, bad):
    user = make_user(SUPPORT)
    client.force_login(user)
    response = client.post(reverse("account"), {"time_zone": bad})
    assert response.status_code == 400
    assert "Choose a time zone from the list" in response.content.decode() or "This field is required" in (
        response.content.decode()
    )
    assert not UserProfile.objects.filter(user=user).exists()
