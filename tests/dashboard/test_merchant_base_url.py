"""A merchant's Juspay base_url: https only (loopback in debug), an optional allow-list, the key re-entered,
and a second Admin's approval before it takes effect (issue 14: an Admin pointed base_url at a server they
control and received the write-only key on the next lookup)."""

import pytest

from dashboard import merchants
from dashboard.models import AuditEvent, Merchant, MerchantChange


def _form(merchant, **change):
    data = {
        "code": merchant.code,
        "name": merchant.name,
        "base_url": merchant.base_url,
        "merchant_id": merchant.merchant_id,
        "api_key": "",
        "api_version": merchant.api_version,
        "is_active": "on",
        "is_default": "on" if merchant.is_default else "",
    }
    return {**data, **change}


@pytest.fixture
def shop(db):
    return Merchant.objects.create(
        code="shop", name="Shop", base_url="https://api.juspay.in", api_key="sk_live_old_key_9999", merchant_id="shop"
    )


def test_changing_the_base_url_without_re_entering_the_key_is_refused(client_as, shop):
    response = client_as("Admin").post(f"/merchants/{shop.pk}/", _form(shop, base_url="https://evil.example.com"))
    assert response.status_code == 400
    assert "re-enter the API key" in response.content.decode()
    shop.refresh_from_db()
    assert shop.base_url == "https://api.juspay.in" and not MerchantChange.objects.exists()


def test_a_new_base_url_waits_for_a_second_admin_and_the_old_settings_stay_in_force(client, make_user, shop):
    maker, checker = make_user("Admin"), make_user("Admin")
    client.force_login(maker)
    response = client.post(
        f"/merchants/{shop.pk}/",
        _form(shop, base_url="https://sandbox.juspay.in", api_key="sk_test_new_key_1234", name="Shop (sandbox)"),
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    # Other edits apply; the connection does not until approved.
    assert shop.name == "Shop (sandbox)"
    assert (shop.base_url, shop.api_key) == ("https://api.juspay.in", "sk_live_old_key_9999")
    change = MerchantChange.objects.get(merchant=shop, state="pending")
    listing = client.get("/merchants/").content.decode()
    assert "https://sandbox.juspay.in" in listing and "waits for another Admin" in listing
    assert "sk_test_new_key" not in listing
    # The maker cannot approve it.
    client.post(f"/merchants/changes/{change.pk}/approve/")
    shop.refresh_from_db()
    assert shop.base_url == "https://api.juspay.in"
    client.force_login(checker)
    assert client.post(f"/merchants/changes/{change.pk}/approve/").status_code == 302
    shop.refresh_from_db()
    assert (shop.base_url, shop.api_key) == ("https://sandbox.juspay.in", "sk_test_new_key_1234")
    change.refresh_from_db()
    assert change.state == "approved" and change.api_key == ""  # the key copy is not kept once applied
    verbs = list(AuditEvent.objects.filter(object_type="dashboard.merchant").values_list("verb", flat=True))
    assert "merchant.base_url_proposed" in verbs and "merchant.base_url_changed" in verbs
    assert "sk_test_new_key" not in str(list(AuditEvent.objects.values_list("before", "after", "summary")))


def test_a_rejected_change_never_takes_effect(make_user, shop):
    maker, checker = make_user("Admin"), make_user("Admin")
    change = merchants.propose_base_url(shop, base_url="https://sandbox.juspay.in", api_key="sk_k_5678", actor=maker)
    with pytest.raises(merchants.MerchantChangeError, match="another Admin"):
        merchants.approve_change(change.pk, actor=maker)
    merchants.reject_change(change.pk, actor=checker)
    shop.refresh_from_db()
    assert shop.base_url == "https://api.juspay.in"
    with pytest.raises(merchants.MerchantChangeError, match="already"):
        merchants.approve_change(change.pk, actor=checker)


@pytest.mark.parametrize(
    "url, debug, allow, ok",
    [
        ("https://api.juspay.in", False, [], True),
        ("http://api.juspay.in", False, [], False),
        ("http://127.0.0.1:8765", True, [], True),
        ("http://localhost:8765", True, [], True),
        ("http://127.0.0.1:8765", False, [], False),
        ("http://10.0.0.5", True, [], False),
        ("https://evil.example.com", False, ["api.juspay.in", "sandbox.juspay.in"], False),
        ("https://sandbox.juspay.in", False, ["api.juspay.in", "sandbox.juspay.in"], True),
        ("https://user:pw@api.juspay.in", False, [], False),
    ],
)
def test_base_url_rules(settings, url, debug, allow, ok):
    settings.JUSPAY_BASE_URL_LOOPBACK_HTTP = debug
    settings.JUSPAY_BASE_URL_ALLOWLIST = allow
    assert (merchants.why_not_base_url(url) is None) == ok


def test_the_form_refuses_a_host_outside_the_allow_list(client_as, settings, shop):
    settings.JUSPAY_BASE_URL_ALLOWLIST = ["api.juspay.in", "sandbox.juspay.in"]
    response = client_as("Admin").post(
        f"/merchants/{shop.pk}/", _form(shop, base_url="https://evil.example.com", api_key="sk_x_1111")
    )
    assert response.status_code == 400 and "not in JUSPAY_BASE_URL_ALLOWLIST" in response.content.decode()
    assert not MerchantChange.objects.exists()
