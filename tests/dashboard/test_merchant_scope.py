"""Per-merchant access (dashboard/merchant_scope.py): a person limited to merchant A sees nothing of merchant B.

Two merchants each hold orders, payout-free; the same customer email shops at both, so one clue finds orders
of both merchants for an unlimited person. The role matrix (tests/test_role_matrix.py) asks every URL about
B's objects; these tests check what a limited person reads: search, lists and counts, exports, KPIs, the
approvals queue and its decisions, the API, and how an Admin sets the limit (audited).
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from dashboard.models import AuditEvent, Merchant, MerchantAccess
from tests.orders.lookup import days_ago

pytestmark = pytest.mark.django_db

EMAIL = "shared.customer@example.org"
A_IDS = ["A-ORD-1", "A-ORD-2"]
B_IDS = ["B-ORD-1", "B-ORD-2", "B-ORD-3"]


@pytest.fixture
def merchants(merchant: Merchant) -> tuple[Merchant, Merchant]:
    b = Merchant.objects.create(
        code="bee", name="Bee Stores", base_url="https://api.juspay.in", api_key="k", merchant_id="bee"
    )
    return merchant, b


@pytest.fixture
def orders(merchants: tuple[Merchant, Merchant], answer: Any) -> dict[str, Any]:
    """Charged orders at A (2) and B (3), yesterday, all bought by the same customer email."""
    from orders.models import SyncSource
    from orders.sync import apply_order

    found = {}
    for merchant, ids in zip(merchants, (A_IDS, B_IDS), strict=True):
        for n, order_id in enumerate(ids):
            parsed = answer(
                "order_status_charged.json",
                order_id=order_id,
                customer_email=EMAIL,
                amount=100.0 * (n + 1),
                effective_amount=100.0 * (n + 1),
                date_created=days_ago(1),
            )
            found[order_id] = apply_order(
                merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now()
            ).obj
    return found


@pytest.fixture
def limited(make_user: Any, merchants: tuple[Merchant, Merchant]) -> Any:
    """limited("Finance") -> a new user of that role limited to merchant A."""

    def _make(role: str) -> Any:
        user = make_user(role)
        MerchantAccess.objects.create(user=user, merchant=merchants[0])
        return user

    return _make


def _signed_in(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def test_allowed_merchant_ids_none_for_unlimited_and_the_set_for_limited(merchants, make_user, limited):
    from dashboard.merchant_scope import allowed_merchant_ids
    from orders.models import Order

    a, _ = merchants
    assert allowed_merchant_ids(make_user("Support")) is None
    assert allowed_merchant_ids(limited("Support")) == frozenset({a.pk})
    assert Order.objects.visible_to(None).count() == Order.objects.count()  # the system sees everything


def test_search_finds_only_the_allowed_merchants_orders_with_a_true_count(orders, make_user, limited):
    from orders import search

    everyone = search.search(EMAIL, viewer=make_user("Support"))
    assert sorted(h.order.order_id for h in everyone.hits) == sorted(A_IDS + B_IDS)
    mine = search.search(EMAIL, viewer=limited("Support"))
    assert sorted(h.order.order_id for h in mine.hits) == sorted(A_IDS)
    assert mine.count == len(A_IDS)


def test_an_exact_id_of_another_merchant_opens_nothing(orders, limited, make_user):
    from orders import search

    assert search.exact_target("B-ORD-1", viewer=make_user("Support")).order.order_id == "B-ORD-1"
    assert search.exact_target("B-ORD-1", viewer=limited("Support")) is None
    assert search.find_orders("B-ORD-1", viewer=limited("Support")) == []


def test_typeahead_suggestions_and_the_list_leave_out_the_other_merchant(orders, limited, client):
    client = _signed_in(client, limited("Support"))
    suggestions = client.get("/orders/search/", {"q": EMAIL}, headers={"HX-Request": "true"}).content.decode()
    assert all(order_id in suggestions for order_id in A_IDS)
    assert not any(order_id in suggestions for order_id in B_IDS)
    listed = client.get("/orders/", {"q": EMAIL}).content.decode()
    assert all(order_id in listed for order_id in A_IDS)
    assert not any(order_id in listed for order_id in B_IDS)
    default_window = client.get("/orders/").content.decode()
    assert "A-ORD-1" in default_window and "B-ORD-1" not in default_window
    # Typed exactly, another merchant's order id opens no page (the list says nothing matched).
    assert client.get("/orders/", {"q": "B-ORD-2"}).status_code == 200
    assert client.get("/orders/B-ORD-2/").status_code == 404


def test_the_merchant_filter_offers_only_the_allowed_merchants(orders, limited, client):
    client = _signed_in(client, limited("Support"))
    page = client.get("/orders/", {"merchant": "bee"})
    assert page.status_code == 400  # "bee" is no valid choice for them, as an unknown code
    assert 'value="bee"' not in client.get("/orders/").content.decode()


def _csv_ids(content: bytes) -> list[str]:
    return [row["order_id"] for row in csv.DictReader(io.StringIO(content.decode()))]


def test_a_limited_persons_csv_holds_no_row_of_the_other_merchant(orders, limited, client):
    client = _signed_in(client, limited("Support"))
    response = client.get("/orders/export.csv", {"period": "all"})
    assert sorted(_csv_ids(b"".join(response.streaming_content))) == sorted(A_IDS)


def test_a_background_export_is_scoped_to_its_owner_too(
    orders, limited, client, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from orders.models import OrderExport
    from orders.tasks import export_orders

    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports")},
        },
    }
    settings.ORDERS_EXPORT_INLINE_MAX = 1
    monkeypatch.setattr(export_orders, "delay", lambda pk: export_orders(pk))
    client = _signed_in(client, limited("Support"))
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/orders/export.csv", {"period": "all"})
    job = OrderExport.objects.get()
    download = client.get(f"/orders/exports/{job.pk}/download/")
    assert sorted(_csv_ids(b"".join(download.streaming_content))) == sorted(A_IDS)


def _kpi_figures(client: Any, **params: str) -> dict[str, Any]:
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    today = timezone.localdate().isoformat()
    query = {"period": "custom", "from": day, "to": today, "section": "payments", **params}
    body = client.get("/api/v1/kpis/", query).json()
    return {f["key"]: f["value"] for f in body["sections"]["payments"]["figures"]}


def test_kpi_totals_of_a_limited_manager_are_their_merchants_own(orders, limited, make_user, client):
    unlimited = _signed_in(client, make_user("Manager"))
    all_merchants = _kpi_figures(unlimited)
    merchant_a = _kpi_figures(unlimited, merchant="default")
    assert all_merchants["orders"] == len(A_IDS) + len(B_IDS)  # the fixture counts, so the comparison bites
    limited_client = _signed_in(client, limited("Manager"))
    mine = _kpi_figures(limited_client)
    assert mine == merchant_a
    assert mine["orders"] == len(A_IDS)
    assert mine["charged_amount"]["amount"] == "300.00"  # 100 + 200, A's two orders
    # Another merchant's code is refused as an unknown one.
    assert limited_client.get("/api/v1/kpis/", {"merchant": "bee"}).status_code == 400


def test_the_kpi_page_picker_lists_only_allowed_merchants(orders, limited, client):
    page = _signed_in(client, limited("Manager")).get("/kpis/").content.decode()
    assert 'value="default"' in page
    assert 'value="bee"' not in page and "Bee Stores" not in page


@pytest.fixture
def b_request(orders, make_user) -> Any:
    from fulfilment import services

    return services.raise_refund(
        orders["B-ORD-1"],
        maker=make_user("Support"),
        amount=Decimal("10.00"),
        reason_code="CUSTOMER_REQUEST",
        comment="customer called",
        form_token=uuid.uuid4(),
    ).request


def test_a_limited_finance_user_cannot_see_or_decide_another_merchants_request(b_request, limited, client):
    from fulfilment.models import ActionState

    finance = limited("Finance")
    client = _signed_in(client, finance)
    assert f"#{b_request.pk}" not in client.get("/approvals/").content.decode()
    assert client.get(f"/approvals/{b_request.pk}/").status_code == 404
    assert client.post(f"/approvals/{b_request.pk}/approve/").status_code == 404
    assert client.post(f"/approvals/{b_request.pk}/reject/", {"comment": "no"}).status_code == 404
    client.post("/approvals/bulk-approve/", {"requests": [b_request.pk], "confirm": "x"})
    b_request.refresh_from_db()
    assert b_request.state == ActionState.PENDING and not b_request.decisions.exists()


def test_the_services_refuse_another_merchant_even_when_called_directly(b_request, orders, limited):
    from fulfilment import services

    finance = limited("Finance")
    with pytest.raises(services.NotAllowed):
        services.approve(b_request.pk, approver=finance)
    with pytest.raises(services.NotAllowed):
        services.raise_refund(
            orders["B-ORD-2"],
            maker=finance,
            amount=Decimal("1.00"),
            reason_code="CUSTOMER_REQUEST",
            comment="x",
            form_token=uuid.uuid4(),
        )


def test_the_approvals_badge_counts_only_the_allowed_merchants(b_request, orders, limited, make_user):
    from fulfilment import services

    services.raise_refund(
        orders["A-ORD-1"],
        maker=make_user("Support"),
        amount=Decimal("5.00"),
        reason_code="CUSTOMER_REQUEST",
        comment="customer called",
        form_token=uuid.uuid4(),
    )
    assert services.pending_for(make_user("Finance")).count() == 2
    assert [r.order.order_id for r in services.pending_for(limited("Finance"))] == ["A-ORD-1"]


def test_the_api_lists_and_finds_only_the_allowed_merchants(orders, b_request, limited, client):
    from dashboard import api_tokens

    user = limited("Finance")
    secret = api_tokens.issue(user, name="t", expires_at=timezone.now() + timedelta(days=1)).secret
    headers = {"Authorization": f"Bearer {secret}"}
    listed = client.get("/api/v1/orders/", {"period": "all"}, headers=headers).json()
    assert sorted(o["order_id"] for o in listed["results"]) == sorted(A_IDS)
    assert client.get("/api/v1/orders/B-ORD-1/", headers=headers).status_code == 404
    requests = client.get("/api/v1/action-requests/", headers=headers).json()
    assert b_request.pk not in [r["id"] for r in requests["results"]]
    assert client.get(f"/api/v1/action-requests/{b_request.pk}/", headers=headers).status_code == 404


def test_an_admin_limits_a_person_and_lifts_it_audited(merchants, make_user, client):
    person = make_user("Support")
    admin = _signed_in(client, make_user("Admin"))
    a, b = merchants
    response = admin.post(f"/people/{person.pk}/merchants/", {f"m{person.pk}-merchants": [b.code]})
    assert response.status_code == 302
    assert list(MerchantAccess.objects.filter(user=person).values_list("merchant__code", flat=True)) == ["bee"]
    event = AuditEvent.objects.get(verb="user.merchants_limited")
    assert event.before == {"merchants": []} and event.after == {"merchants": ["bee"]}
    assert "bee" in admin.get("/people/").content.decode()
    admin.post(f"/people/{person.pk}/merchants/", {})  # nothing ticked: every merchant again
    assert not MerchantAccess.objects.filter(user=person).exists()
    assert AuditEvent.objects.filter(verb="user.merchants_limited").count() == 2


def test_a_limited_admin_cannot_change_anyones_merchants(merchants, make_user, limited, client):
    person = make_user("Support")
    admin = _signed_in(client, limited("Admin"))
    a, b = merchants
    for target in (person, admin_user := limited("Admin")):
        response = admin.post(f"/people/{target.pk}/merchants/", {f"m{target.pk}-merchants": [a.code, b.code]})
        assert response.status_code == 403
    assert not MerchantAccess.objects.filter(user=person).exists()
    assert list(MerchantAccess.objects.filter(user=admin_user).values_list("merchant_id", flat=True)) == [a.pk]
    assert not AuditEvent.objects.filter(verb="user.merchants_limited").exists()


def test_a_limited_admin_sees_only_their_merchants_accounts_and_health(merchants, limited, client):
    a, b = merchants
    client = _signed_in(client, limited("Admin"))
    listed = client.get("/merchants/").content.decode()
    assert "Bee Stores" not in listed
    assert client.get(f"/merchants/{b.pk}/").status_code == 404
    assert "Bee Stores" not in client.get("/health/sync/").content.decode()


NEW_MERCHANT = {
    "code": "sea",
    "name": "Sea Shop",
    "base_url": "https://sandbox.juspay.in",
    "merchant_id": "sea_shop",
    "api_key": "sk_test_sea_0001",
    "api_version": "2023-06-30",
    "is_active": "on",
}


def test_a_limited_admin_cannot_add_a_merchant_and_is_told_why(merchants, limited, client):
    """The merchant would be hidden from them at once, and giving them access to it would widen their own limit."""
    client = _signed_in(client, limited("Admin"))
    listed = client.get("/merchants/").content.decode()
    assert "Add a merchant" not in listed and "you cannot add one" in listed
    form = client.get("/merchants/add/")
    assert form.status_code == 403 and "only an Admin who sees every merchant" in form.content.decode()
    response = client.post("/merchants/add/", NEW_MERCHANT)
    assert response.status_code == 403 and "you cannot add one" in response.content.decode()
    assert not Merchant.objects.filter(code="sea").exists()
    assert not AuditEvent.objects.filter(verb="merchant.created").exists()


def test_the_service_refuses_a_limited_admins_new_merchant_but_not_their_edits(merchants, limited):
    from dashboard import merchants as service

    admin = limited("Admin")
    with pytest.raises(service.MerchantAddRefused, match="limited to some merchants"):
        service.save_merchant(Merchant(code="sea", name="Sea", base_url="https://api.juspay.in"), actor=admin)
    assert not Merchant.objects.filter(code="sea").exists()
    a = merchants[0]
    a.name = "Renamed by its own Admin"
    service.save_merchant(a, actor=admin)  # a merchant they see stays theirs to edit
    assert Merchant.objects.get(pk=a.pk).name == "Renamed by its own Admin"


def test_an_unlimited_admin_adds_a_merchant_and_sees_it(merchants, make_user, client):
    client = _signed_in(client, make_user("Admin"))
    assert "Add a merchant" in client.get("/merchants/").content.decode()
    assert client.post("/merchants/add/", NEW_MERCHANT).status_code == 302
    assert "Sea Shop" in client.get("/merchants/").content.decode()


def test_the_audit_log_stays_whole_but_links_only_to_what_a_limited_viewer_may_open(
    orders, b_request, merchants, limited, make_user, client
):
    """A limited Manager or Admin reads every event (the log is not scoped), but an event about merchant B's
    order, request or account shows its object as text: the page it would link to answers 404 for them."""
    from dashboard import audit
    from dashboard.models import AuditEvent

    a, b = merchants
    a_order, b_order = orders["A-ORD-1"], orders["B-ORD-1"]
    audit.record("order.note_added", actor_username="pat", obj=a_order, summary="note-on-a")
    audit.record("order.note_added", actor_username="pat", obj=b_order, summary="note-on-b")
    audit.record("merchant.changed", actor_username="root", obj=b, summary="bee-edited")
    audit.record("merchant.changed", actor_username="root", obj=a, summary="a-edited")
    a_link = f'href="/orders/{a_order.order_id}/?merchant={a.code}"'
    b_link = f'href="/orders/{b_order.order_id}/?merchant={b.code}"'
    b_request_link = f'href="/approvals/{b_request.pk}/"'

    unlimited = _signed_in(client, make_user("Admin")).get("/audit/").content.decode()
    assert a_link in unlimited and b_link in unlimited and b_request_link in unlimited
    assert f'href="/merchants/{b.pk}/"' in unlimited

    for role in ("Manager", "Admin"):
        page = _signed_in(client, limited(role)).get("/audit/").content.decode()
        assert "note-on-a" in page and "note-on-b" in page and "bee-edited" in page  # every row stays
        assert a_link in page
        assert b_link not in page and b_request_link not in page and f'href="/merchants/{b.pk}/"' not in page
        assert f"orders.order:{b_order.pk}" in page and f"fulfilment.actionrequest:{b_request.pk}" in page
        for href in (h for h in page.split('href="')[1:] if h.startswith(("/orders/", "/approvals/", "/merchants/"))):
            url = href.split('"', 1)[0].replace("&amp;", "&")
            assert client.get(url).status_code == 200, url  # every link it shows opens
    assert f'href="/merchants/{a.pk}/"' in _signed_in(client, limited("Admin")).get("/audit/").content.decode()
    report = audit.verify_chain()  # leaving links out touched no row: the chain still verifies
    assert report.ok and report.checked == AuditEvent.objects.count()
