import pytest

from dashboard.models import AuditEvent, Merchant
from dashboard.roles import role_of


def test_admin_assigns_a_role_and_it_is_audited(client_as, make_user):
    person = make_user("Support", username="pat")
    response = client_as("Admin").post(f"/people/{person.pk}/role/", {f"{person.pk}-role": "Manager"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert role_of(person) == "Manager"
    event = AuditEvent.objects.get(verb="user.role_changed")
    assert (event.before, event.after) == ({"role": "Support"}, {"role": "Manager"})


def test_an_unknown_role_is_refused_with_a_reason(client_as, make_user):
    person = make_user("Support")
    response = client_as("Admin").post(f"/people/{person.pk}/role/", {f"{person.pk}-role": "Overlord"})
    assert response.status_code == 400
    assert "not one of the available choices" in response.content.decode()
    person.refresh_from_db()
    assert role_of(person) == "Support"


@pytest.mark.django_db
def test_the_default_merchant_is_seeded_from_settings(settings):
    merchant = Merchant.objects.get(is_default=True)
    assert (merchant.base_url, merchant.merchant_id) == (settings.JUSPAY_BASE_URL, settings.JUSPAY_MERCHANT_ID)


def test_admin_adds_a_merchant_and_the_key_is_never_echoed_or_logged(client_as):
    client = client_as("Admin")
    response = client.post(
        "/merchants/add/",
        {
            "code": "eu",
            "name": "EU shop",
            "base_url": "https://sandbox.juspay.in",
            "merchant_id": "eu_shop",
            "api_key": "sk_live_supersecret1234",
            "api_version": "2023-06-30",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    merchant = Merchant.objects.get(code="eu")
    assert merchant.api_key == "sk_live_supersecret1234"
    event = AuditEvent.objects.get(verb="merchant.created")
    assert "supersecret" not in str(event.after) and event.after["api_key"] == "…1234"
    page = client.get(f"/merchants/{merchant.pk}/").content.decode()
    assert "supersecret" not in page


def test_a_merchant_form_with_errors_shows_them_and_saves_nothing(client_as):
    response = client_as("Admin").post("/merchants/add/", {"code": "x", "name": "", "base_url": "not a url"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid URL" in body and "A new merchant needs an API key" in body
    assert not Merchant.objects.filter(code="x").exists()


def test_editing_without_a_key_keeps_the_old_key(client_as):
    merchant = Merchant.objects.get(is_default=True)
    old_key = merchant.api_key
    response = client_as("Admin").post(
        f"/merchants/{merchant.pk}/",
        {
            "code": merchant.code,
            "name": "Renamed",
            "base_url": merchant.base_url,
            "merchant_id": merchant.merchant_id,
            "api_key": "",
            "api_version": merchant.api_version,
            "is_active": "on",
            "is_default": "on",
        },
    )
    assert response.status_code == 302
    old_name = merchant.name
    merchant.refresh_from_db()
    assert (merchant.name, merchant.api_key) == ("Renamed", old_key)
    event = AuditEvent.objects.get(verb="merchant.changed")
    assert (event.before["name"], event.after["name"]) == (old_name, "Renamed")
    assert event.before["api_key"] == event.after["api_key"] == f"…{old_key[-4:]}"
