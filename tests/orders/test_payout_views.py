"""The payouts list (filters, keyset pages) and the payout page (header, fulfilments, payments, refunds, the
customer's orders, timeline, refresh, reveal), masking by role, and bounded query counts."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import AuditEvent, Merchant
from orders import paging
from orders.models import PayoutOrder, TimelineEvent
from tests.orders.lookup import cached_payout, days_ago
from tests.orders.payouts import payout_answer, sync_payout, with_payments_and_refunds


def text(response) -> str:
    body = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def section(client, payout, name, **params):
    return client.get(f"/payouts/{payout.payout_order_id}/{name}/", params, HTTP_HX_REQUEST="true")


def listed(client, **params) -> list[str]:
    body = client.get("/payouts/", params).content.decode()
    return re.findall(r'<a href="/payouts/([^/]+)/\?merchant=', body)


def make(merchant, payout_order_id, *, days=1.0, status="FULFILLMENTS_SUCCESSFUL", fulfilment="SUCCESS", **changes):
    data = payout_answer(orderId=payout_order_id, createdAt=days_ago(days), status=status, **changes)
    for n, item in enumerate(data["fulfillments"], start=1):
        item["id"] = f"{payout_order_id}-f{n}"
        item["status"] = fulfilment
        item["transactions"][0]["transactionRef"] = f"{payout_order_id}-t{n}"
        item["transactions"][0]["gatewayRefId"] = f"UTR-{payout_order_id}"
    return sync_payout(merchant, data)


@pytest.fixture
def full(merchant):
    """A payout order with a fulfilment, a payment (naming no cached order) and two refunds."""
    return sync_payout(merchant, with_payments_and_refunds(payout_answer(orderId="PO-FULL-1", createdAt=days_ago(2))))


# --- the list ------------------------------------------------------------------------------------------------


def test_the_list_shows_payouts_newest_first_with_their_status_type_and_beneficiary(client_as, merchant):
    make(merchant, "PO-OLD", days=20)
    make(merchant, "PO-NEW", days=1)
    client = client_as("Manager")
    page = text(client.get("/payouts/"))
    assert listed(client) == ["PO-NEW", "PO-OLD"]
    assert "FULFILLMENTS_SUCCESSFUL" in page and "FULFILL_ONLY" in page and "ACCOUNT_IFSC" in page
    assert "Showing 2 payout orders." in page


def test_the_navigation_links_the_payouts_for_those_who_may_view_orders(client_as):
    assert 'href="/payouts/"' in client_as("Support").get("/").content.decode()
    assert 'href="/payouts/"' not in client_as(None).get("/").content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "fulfillments_failure"}, ["PO-FAIL"]),
        ({"type": "PAY_AND_FULFILL"}, ["PO-REVIEW"]),
        ({"age": "older_10"}, ["PO-REVIEW", "PO-FAIL"]),
        ({"age": "7"}, ["PO-UPI", "PO-OK"]),
        ({"manual_review": "true"}, ["PO-REVIEW"]),
        ({"manual_review": "false"}, ["PO-UPI", "PO-OK", "PO-FAIL"]),
        ({"beneficiary": "UPI_ID"}, ["PO-UPI"]),
        ({"beneficiary": "ACCOUNT_IFSC", "age": "7"}, ["PO-OK"]),
        ({"sort": "oldest"}, ["PO-FAIL", "PO-REVIEW", "PO-OK", "PO-UPI"]),
    ],
)
def test_each_filter_narrows_the_list(client_as, merchant, params, expected):
    make(merchant, "PO-OK", days=3)
    make(merchant, "PO-FAIL", days=30, status="FULFILLMENTS_FAILURE", fulfilment="FAILURE")
    make(merchant, "PO-REVIEW", days=12, status="FULFILLMENTS_MANUAL_REVIEW", fulfilment="MANUAL_REVIEW")
    PayoutOrder.objects.filter(payout_order_id="PO-REVIEW").update(type="PAY_AND_FULFILL")
    upi = payout_answer(orderId="PO-UPI", createdAt=days_ago(1))
    upi["fulfillments"][0].update(id="PO-UPI-f1", beneficiaryDetails={"type": "UPI_ID", "details": {"vpa": "a@ybl"}})
    sync_payout(merchant, upi)
    assert listed(client_as("Support"), **params) == expected


def test_an_unknown_status_can_be_filtered_and_an_invalid_filter_is_reported(client_as, merchant):
    make(merchant, "PO-ODD", status="FULFILLMENTS_TELEPORTED")
    client = client_as("Support")
    assert listed(client, status="FULFILLMENTS_TELEPORTED") == ["PO-ODD"]
    page = text(client.get("/payouts/", {"beneficiary": "CARRIER_PIGEON"}))
    assert "Some filters were ignored" in page


def test_the_list_pages_by_keyset_forward_and_back(client_as, merchant, monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    for n in range(5):
        make(merchant, f"PO-P{n}", days=n + 1)  # PO-P0 newest
    client = client_as("Support")
    first = client.get("/payouts/").content.decode()
    assert re.findall(r'<a href="/payouts/([^/]+)/\?merchant=', first) == ["PO-P0", "PO-P1"]
    after = re.search(r"after=([\w-]+)", first)
    assert after and "before=" not in first
    second = client.get("/payouts/", {"after": after.group(1)}).content.decode()
    assert re.findall(r'<a href="/payouts/([^/]+)/\?merchant=', second) == ["PO-P2", "PO-P3"]
    before = re.search(r"before=([\w-]+)", second)
    assert before
    back = client.get("/payouts/", {"before": before.group(1)}).content.decode()
    assert re.findall(r'<a href="/payouts/([^/]+)/\?merchant=', back) == ["PO-P0", "PO-P1"]
    last = client.get("/payouts/", {"after": re.search(r"after=([\w-]+)", second).group(1)}).content.decode()
    assert re.findall(r'<a href="/payouts/([^/]+)/\?merchant=', last) == ["PO-P4"] and "after=" not in last


def test_the_list_answers_htmx_with_its_results_only(client_as, merchant):
    make(merchant, "PO-HX")
    body = client_as("Support").get("/payouts/", HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith('<section id="results"') and "PO-HX" in body


def test_the_list_runs_a_bounded_number_of_queries(client_as, merchant, django_assert_max_num_queries):
    client = client_as("Support")
    make(merchant, "PO-Q0")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/payouts/").status_code == 200
        return len(captured)

    few = count()
    for n in range(1, 12):
        make(merchant, f"PO-Q{n}")
    assert count() == few
    with django_assert_max_num_queries(12):
        client.get("/payouts/", {"beneficiary": "ACCOUNT_IFSC", "manual_review": "false", "age": "30"})


# --- the payout page -----------------------------------------------------------------------------------------


def test_the_header_shows_the_status_with_its_meaning_type_freshness_and_refresh(client_as, full):
    page = text(client_as("Support").get("/payouts/PO-FULL-1/"))
    assert "Payout order PO-FULL-1" in page and "FULFILLMENTS_SUCCESSFUL" in page
    assert "All fulfilments succeeded" in page  # the documented meaning
    assert "FULFILL_ONLY Payouts only" in page and "cust_lhp_2291" in page and "udf1 claim-51007" in page
    assert "Last synced" in page and "Refresh now" in page
    assert "Reveal beneficiary details" not in page  # Support cannot reveal


def test_every_section_is_a_fragment_with_its_own_url(client_as, full):
    body = client_as("Support").get("/payouts/PO-FULL-1/").content.decode()
    for name in ("fulfillments", "payments", "refunds", "related", "timeline"):
        assert f'hx-get="/payouts/PO-FULL-1/{name}/?merchant=default"' in body
    assert "/raw/" not in body
    assert (
        'hx-get="/payouts/PO-FULL-1/raw/?merchant=default"'
        in client_as("Admin").get("/payouts/PO-FULL-1/").content.decode()
    )


def test_fulfilments_show_status_method_amount_timestamps_udfs_and_transactions(client_as, full):
    page = text(section(client_as("Support"), full, "fulfillments"))
    assert "Fulfilment 5c0d9e8f7a6b4c3d2e1f0a9b8c7d6e-f1 SUCCESS Fulfilment executed" in page
    assert "Amount ₹1,250.00" in page and "Method used YESBANK_IMPS, CASHFREE_IMPS" in page
    assert "Preferred methods YESBANK_IMPS" in page and "Beneficiary ACCOUNT_IFSC Bank account and IFSC" in page
    assert "Created 2025-03-11 13:00:02 IST" in page and "Status updated 2025-03-11 13:01:45 IST" in page
    assert "udf1 batch-04" in page and "Remark Warranty claim payout" in page and "Retriable no" in page
    # its transaction: rail, gateway ref, response code and message, the gateway's summary
    assert (
        "e2f4a6c8b0d1e3f5a7c9b2d4f6a8c0 created 2025-03-11 13:00:40 IST · updated 2025-03-11 13:01:30 IST SUCCESS"
        in page
        and "YESBANK_IMPS YESBANK · IMPS" in page
    )
    assert "503307112244" in page and "gateway txn YB2503110931441207" in page
    assert "00 COMPLETED Approved" in page and "Request id e2f4a6c8b0d1e3f5a7c9b2d4f6a8c0" in page
    assert "Updated 2025-03-11 13:01:45 IST by DEFAULT Type ORDER Merchant customer id cust_lhp_2291" in page


def test_payments_show_every_documented_field_a_person_reads(client_as, full):
    page = text(section(client_as("Support"), full, "payments"))
    assert "Payment ordeh_4f1c2a9be07d4c55a3e2b61d90c8f7a1 SUCCESS" in page and "Amount ₹2,100.00" in page
    assert "(not cached)" in page  # its id names no cached payment order
    assert "Payment method type UPI" in page and "Auth type OTP One-time password" in page
    assert "Merchant customer id cust_lhp_3307" in page and "Status updated 2025-03-11 15:32:20 IST" in page
    assert "Updated by DEFAULT" in page and "Brand PAYTM" in page and "Card •••• 4417" in page
    assert "Bank HDFC Bank" in page and "IFSC HDFC0001234" in page and "Validation status ACTIVE" in page
    assert "Validation amount 1.00" in page and "Bank account id ba_7c1e55d0a2b94f3e" in page
    assert "Payments total ₹2,100.00" in page


def test_refunds_show_every_documented_field_a_person_reads(client_as, full):
    page = text(section(client_as("Support"), full, "refunds"))
    assert "rfnd_2b7d9e41c0a34f58b6e1 request PAY2503G0032-rf1 REFUND · cust_lhp_3307 · updated by DEFAULT" in page
    assert "SUCCESS Executed ₹2,100.00" in page
    assert "Sent to the gateway" in page and "508311204455" in page
    assert "MANUAL_REVIEW" in page and "Ambiguous answer from the bank" in page
    assert "2025-03-11 18:10:00 IST 2025-03-21 18:15:10 IST" in page  # created, status updated
    assert "Refunds total ₹2,600.00" in page


SECRETS = ("000987650001234", "Ravi Rao", "anita.rao@okaxis", "50100234567812", "9812345670", "Anita Rao")


@pytest.mark.parametrize("role", ["Support", "Manager", "Finance"])
def test_beneficiary_and_payer_details_are_masked_until_revealed(client_as, full, role):
    client = client_as(role)
    fulfilments = text(section(client, full, "fulfillments"))
    payments = text(section(client, full, "payments"))
    assert "Account •••• 1234" in fulfilments and "Name R••• R•••" in fulfilments and "IFSC SBIN0004711" in fulfilments
    assert "Payer VPA a•••@okaxis" in payments and "Account number •••• 7812" in payments
    assert "Wallet ••••••5670" in payments
    for secret in SECRETS:
        assert secret not in fulfilments + payments


def test_finance_reveals_one_payout_order_and_it_is_audited(client_as, full):
    client = client_as("Finance")
    assert "Reveal beneficiary details" in text(client.get("/payouts/PO-FULL-1/"))
    response = client.post("/payouts/PO-FULL-1/reveal/?merchant=default", HTTP_HX_REQUEST="true")
    assert "shown unmasked until" in text(response) and response["HX-Trigger"]
    shown = text(section(client, full, "fulfillments")) + text(section(client, full, "payments"))
    for secret in SECRETS:
        assert secret in shown
    event = AuditEvent.objects.get(verb="payout.pii_revealed")
    assert event.object_id == str(full.pk) and "PO-FULL-1" in event.summary


def test_support_cannot_reveal(client_as, full):
    assert client_as("Support").post("/payouts/PO-FULL-1/reveal/").status_code == 403


def test_a_payout_reveal_does_not_unmask_an_order_with_the_same_primary_key(make_user, full):
    from orders import masking

    finance, session = make_user("Finance"), {}
    masking.reveal_payout(session, full, actor=finance)
    assert masking.payout_pii_view(finance, session, full.pk).revealed
    assert not masking.pii_view(finance, session, full.pk).revealed  # the order with this pk stays masked


def test_the_page_links_the_payment_order_its_payments_name_and_the_customers_other_orders(
    client_as, cached_order, merchant
):
    named = cached_order("order_status_with_refunds.json")
    other = cached_order("order_status_charged.json", customer_id=named.customer_id)
    stranger = cached_order("order_status_with_offers.json")
    payout = cached_payout(merchant, named.order_id, payout_order_id="PO-LINKED")
    client = client_as("Support")
    related = text(section(client, payout, "related"))
    assert f"Payment orders its payments name {named.order_id}" in related
    assert f"Other orders of this customer {other.order_id}" in related
    assert stranger.order_id not in related
    payments = client.get("/payouts/PO-LINKED/payments/", HTTP_HX_REQUEST="true").content.decode()
    assert f'href="/orders/{named.order_id}/?merchant=default"' in payments


def test_the_order_page_shows_payouts_naming_it_then_those_of_its_customer(client_as, cached_order, merchant):
    order = cached_order("order_status_with_refunds.json")
    cached_payout(merchant, order.order_id, payout_order_id="PO-NAMES-IT")
    cached_payout(merchant, order.order_id, payout_order_id="PO-SAME-CUSTOMER", link="customer")
    cached_payout(merchant, order.order_id, payout_order_id="PO-UNRELATED", link="")
    page = text(client_as("Support").get(f"/orders/{order.order_id}/payouts/", HTTP_HX_REQUEST="true"))
    assert page.index("PO-NAMES-IT") < page.index("PO-SAME-CUSTOMER")
    assert "its payments name this order" in page and "same customer" in page
    assert "PO-UNRELATED" not in page


def test_the_timeline_is_the_payout_orders_own(client_as, full):
    page = text(section(client_as("Support"), full, "timeline"))
    assert "Payout order first seen" in page and "Fulfilment created" in page
    assert TimelineEvent.objects.filter(payout_order=full).count() == 2


def test_raw_is_admins_and_masked_until_revealed(client_as, full):
    assert section(client_as("Finance"), full, "raw").status_code == 403
    admin = client_as("Admin")
    assert "000987650001234" not in text(section(admin, full, "raw"))
    admin.post("/payouts/PO-FULL-1/reveal/")
    assert "000987650001234" in text(section(admin, full, "raw"))


def test_a_missing_payout_order_is_a_404_page_offering_a_lookup(client_as, db):
    response = client_as("Support").get("/payouts/PO-NOWHERE/")
    assert response.status_code == 404 and "No cached payout order “PO-NOWHERE”" in text(response)
    assert "Look up “PO-NOWHERE” at Juspay" in text(response)


def test_a_payout_order_id_two_merchants_share_asks_which_one(client_as, merchant, full):
    other = Merchant.objects.create(
        code="second", name="Second shop", base_url="http://127.0.0.1:9", api_key="k", merchant_id="second"
    )
    sync_payout(other, with_payments_and_refunds(payout_answer(orderId="PO-FULL-1")))
    client = client_as("Support")
    page = text(client.get("/payouts/PO-FULL-1/"))
    assert "exists for several merchants" in page and "Second shop" in page
    assert "Second shop (second)" in text(client.get("/payouts/PO-FULL-1/", {"merchant": "second"}))


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    return len(captured)


def test_the_page_and_its_sections_run_a_fixed_number_of_queries(
    client_as, merchant, cached_order, django_assert_max_num_queries
):
    order = cached_order("order_status_with_refunds.json")
    small = with_payments_and_refunds(payout_answer(orderId="PO-SMALL", customerId=order.customer_id))
    sync_payout(merchant, small)
    big = with_payments_and_refunds(payout_answer(orderId="PO-BIG", customerId=order.customer_id))
    template = big["fulfillments"][0]
    big["fulfillments"] = []
    for n in range(8):
        item = {**template, "id": f"PO-BIG-f{n}"}
        item["transactions"] = [
            {**t, "transactionRef": f"PO-BIG-f{n}-t{k}"} for k, t in enumerate(template["transactions"] * 3)
        ]
        big["fulfillments"].append(item)
    big["payments"] = big["payments"] * 5
    sync_payout(merchant, big)
    client = client_as("Admin")
    for name in ("", "fulfillments/", "payments/", "refunds/", "related/", "timeline/", "raw/"):
        few = _count(client, f"/payouts/PO-SMALL/{name}")
        many = _count(client, f"/payouts/PO-BIG/{name}")
        assert few == many, f"/payouts/<id>/{name}: {few} queries for one item, {many} for many"
        with django_assert_max_num_queries(12):
            client.get(f"/payouts/PO-BIG/{name}", HTTP_HX_REQUEST="true")


# --- refresh -------------------------------------------------------------------------------------------------


def test_refresh_refetches_from_juspay_notes_it_on_the_timeline_and_audits_it(client_as, sim_merchant, juspay_sim):
    from orders import services

    # PENDING settles (to SUCCESS) 5 minutes to 2 hours after now; a SUCCESS plan may already have settled within
    # the two minutes the simulator backdates a new payout order by, as the shared simulator's draws fall.
    payout_id = juspay_sim.create_payout_order(fulfillments=["PENDING"])
    payout = services.sync_payout_order(sim_merchant, payout_id).obj
    assert payout is not None and payout.status != "FULFILLMENTS_SUCCESSFUL"
    juspay_sim.advance(3 * 3600)
    client = client_as("Support")
    response = client.post(f"/payouts/{payout_id}/refresh/?merchant=default", HTTP_HX_REQUEST="true")
    assert "Refreshed from Juspay just now" in text(response) and response["HX-Trigger"]
    payout.refresh_from_db()
    assert payout.status == "FULFILLMENTS_SUCCESSFUL"
    assert AuditEvent.objects.filter(verb="payout.refresh", object_id=str(payout.pk)).exists()
    assert "Refresh asked for" in text(section(client, payout, "timeline"))


def test_refresh_when_juspay_is_down_keeps_the_cached_copy_and_says_so(client_as, merchant, full):
    merchant.base_url = "http://127.0.0.1:9"
    merchant.save()
    response = client_as("Finance").post("/payouts/PO-FULL-1/refresh/?merchant=default", HTTP_HX_REQUEST="true")
    assert "Juspay could not be reached" in text(response)
    full.refresh_from_db()
    assert full.status == "FULFILLMENTS_SUCCESSFUL" and full.fulfillments.count() == 1


def test_manager_may_look_but_not_refresh(client_as, full):
    client = client_as("Manager")
    assert "Refresh now" not in text(client.get("/payouts/PO-FULL-1/"))
    assert client.post("/payouts/PO-FULL-1/refresh/").status_code == 403
