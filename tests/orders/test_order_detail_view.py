"""The order page: its header and each section fragment, masking by role, unknown values, fixed query counts."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.models import Merchant
from orders import events
from orders.models import SyncSource, TimelineEvent
from tests.juspay.examples import example
from tests.orders.lookup import cached_payout, refunds

REFUNDS = example("order_status_with_refunds.json")
CHARGED = example("order_status_charged.json")


def text(response) -> str:
    """The page as a person reads it: tags out, whitespace squeezed."""
    body = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def section(client, order, name, **params):
    return client.get(f"/orders/{order.order_id}/{name}/", params, HTTP_HX_REQUEST="true")


@pytest.fixture
def order(cached_order):
    return cached_order("order_status_with_refunds.json")


def test_header_shows_status_meaning_amounts_merchant_and_masked_customer(client_as, order):
    response = client_as("Support").get(f"/orders/{order.order_id}/")
    page = text(response)
    assert response.status_code == 200
    assert "Order LH2503M27" in page and "CHARGED" in page and "Payment succeeded" in page
    assert "Amount ₹3,200.00" in page and "Effective amount ₹3,200.00" in page
    assert "Juspay demo_merchant" in page and "cust_lh_0932" in page
    assert "v•••@example.org" in page and "••••••7123" in page
    assert REFUNDS["customer_email"] not in page and REFUNDS["customer_phone"] not in page
    assert "Last synced" in page and "Refresh now" in page
    assert "Reveal customer details" not in page  # Support cannot reveal


def test_every_section_is_a_fragment_with_its_own_url(client_as, order):
    body = client_as("Support").get(f"/orders/{order.order_id}/").content.decode()
    for name in ("timeline", "payment", "refunds", "splits", "offers", "payouts"):
        assert f'hx-get="/orders/{order.order_id}/{name}/?merchant=default"' in body
    assert "/raw/" not in body  # Admin only
    admin = client_as("Admin").get(f"/orders/{order.order_id}/").content.decode()
    assert f'hx-get="/orders/{order.order_id}/raw/?merchant=default"' in admin


def test_every_section_reloads_on_the_order_changed_event(client_as, order):
    from dashboard.htmx import ORDER_CHANGED

    body = client_as("Support").get(f"/orders/{order.order_id}/").content.decode()
    assert body.count(f'hx-trigger="load, {ORDER_CHANGED} from:body"') == 6  # one per section Support sees
    assert body.count(f'data-reload-event="{ORDER_CHANGED}"') == 6  # "Try again" after a failed load (orders.js)


def test_manager_sees_the_order_but_no_actions(client_as, order):
    page = text(client_as("Manager").get(f"/orders/{order.order_id}/"))
    assert "Payment succeeded" in page
    assert "Refresh now" not in page and "Reveal customer details" not in page


def test_an_unknown_status_is_shown_as_it_came_never_an_error(client_as, cached_order):
    odd = cached_order("order_status_charged.json", status="TELEPORTED", status_id=99)
    response = client_as("Support").get(f"/orders/{odd.order_id}/")
    page = text(response)
    assert response.status_code == 200
    assert "TELEPORTED unknown" in page and "not in Juspay's documentation" in page
    assert "Juspay sent fields or values we do not know yet" in page


def test_a_missing_order_offers_a_live_lookup(client_as, db):
    response = client_as("Support").get("/orders/ORD404NOPE/")
    page = text(response)
    assert response.status_code == 404
    assert "No cached order “ORD404NOPE”" in page and "Look up “ORD404NOPE” at Juspay" in page


def test_an_order_id_two_merchants_share_asks_which_one(client_as, cached_order, merchant):
    first = cached_order("order_status_charged.json")
    other = Merchant.objects.create(
        code="second", name="Second shop", base_url="http://127.0.0.1:9", api_key="k", merchant_id="second"
    )
    first.pk, first.merchant = None, other
    first.save()
    client = client_as("Support")
    page = text(client.get(f"/orders/{first.order_id}/"))
    assert "exists for several merchants" in page and "Second shop" in page
    chosen = text(client.get(f"/orders/{first.order_id}/", {"merchant": "second"}))
    assert "Second shop (second)" in chosen


def test_a_failed_last_sync_is_shown_over_the_cached_copy(client_as, order):
    order.last_sync_error = "JuspayUnavailable: connect timeout"
    order.save()
    page = text(client_as("Support").get(f"/orders/{order.order_id}/"))
    assert "The last sync with Juspay failed; this is the cached copy" in page and "connect timeout" in page


def test_payment_section_shows_txn_gateway_response_breakup_and_a_masked_card(client_as, cached_order):
    card_order = cached_order("order_status_charged.json")
    page = text(section(client_as("Support"), card_order, "payment"))
    assert CHARGED["txn_id"] in page and "RAZORPAY" in page
    assert "RRN 503207715530" in page and "Gateway txn id pay_Lh11Gk4Rt8Wq2z" in page
    assert "Response code captured" in page and "Auth code 604118" in page
    assert "Card •••• 4242" in page and "Name on card A••• I•••" in page
    assert "424242" not in page and "Ananya Iyer" not in page
    assert "BASE Base amount" in page and "₹1,499.00" in page
    assert "Auth type THREE_DS" in page


def test_payment_section_reads_both_breakup_encodings(client_as, cached_order):
    data = example("order_status_with_offers.json")
    legacy = dict(
        data["txn_detail"],
        txn_amount_breakup='[{"name":"BASE","value":9000,"sno":1,"method":"ADD"},'
        '{"name":"OFFER","value":500,"sno":2,"method":"SUB"}]',
    )
    offer_order = cached_order("order_status_with_offers.json", txn_detail=legacy)
    page = text(section(client_as("Support"), offer_order, "payment"))
    assert "₹9,000.00" in page and "OFFER Offer discount" in page and "−₹500.00" in page


def test_payment_section_without_a_transaction_says_so(client_as, cached_order):
    new = cached_order(
        "order_status_charged.json",
        status="NEW",
        status_id=10,
        txn_id="",
        txn_detail=None,
        payment_gateway_response=None,
        card=None,
    )
    page = text(section(client_as("Support"), new, "payment"))
    assert "No transaction yet" in page


def test_refunds_section_shows_meanings_gateway_state_and_totals(client_as, order):
    page = text(section(client_as("Support"), order, "refunds"))
    assert "RF-M27-01" in page and "RF-M27-02" in page
    assert "The gateway executed the refund" in page and "Queued with Juspay or with the gateway" in page
    assert "Sent to the gateway" in page and "Queued at Juspay (not sent yet)" in page
    assert "Refunded (succeeded) ₹1,200.00" in page and "Pending ₹800.00" in page
    assert "Maximum still refundable ₹1,200.00" in page


def test_refunds_section_marks_an_unknown_refund_status(client_as, cached_order):
    odd = cached_order("order_status_charged.json", refunds=refunds(1, status="REVERSED_BY_BANK"))
    page = text(section(client_as("Support"), odd, "refunds"))
    assert "REVERSED_BY_BANK unknown" in page


def test_split_section_flags_splits_that_do_not_add_up(client_as, cached_order):
    ok = cached_order("order_status_split_settlement.json")
    page = text(section(client_as("Support"), ok, "splits"))
    assert "Split applied: yes" in page and "seller_pune_03" in page and "Total ₹1,350.00" in page
    assert "do not" not in page and "not the order amount" not in page
    data = example("order_status_split_settlement.json")
    split = data["split_settlement_response"]
    # Juspay's split_details list vendors only: vendors short of the amount paid leave the remainder with
    # the marketplace (orders.split_rule), which is no alert; vendors above it are.
    split["split_details"][1]["amount"] = 400.0
    short = cached_order("order_status_split_settlement.json", order_id="SPLITOFF", split_settlement_response=split)
    page = text(section(client_as("Support"), short, "splits"))
    assert "Marketplace (the remainder: Juspay's answer lists vendors only) ₹50.00" in page
    assert "do not add up" not in page
    split["split_details"][1]["amount"] = 500.0
    over = cached_order("order_status_split_settlement.json", order_id="SPLITOVER", split_settlement_response=split)
    page = text(section(client_as("Support"), over, "splits"))
    assert "The splits do not add up: The marketplace share and the vendors' shares add up to ₹1,400.00, " in page
    assert "₹50.00 more than the ₹1,350.00 paid." in page


def test_offers_section_shows_each_benefit_and_totals(client_as, cached_order):
    offer_order = cached_order("order_status_with_offers.json")
    page = text(section(client_as("Support"), offer_order, "offers"))
    assert "KOTAKSPRING10" in page and "AVAILED" in page and "benefit was given" in page
    assert "DISCOUNT" in page and "PERCENTAGE" in page and "10.00 %" in page
    assert "₹400.00" in page and "₹300.00" in page  # cap and amount given
    assert "Total discount ₹300.00" in page


def test_empty_sections_say_so(client_as, cached_order):
    plain = cached_order("order_status_charged.json")
    client = client_as("Support")
    assert "No refunds on this order." in text(section(client, plain, "refunds"))
    assert "No split settlement on this order." in text(section(client, plain, "splits"))
    assert "No offers on this order." in text(section(client, plain, "offers"))
    assert "No payout order names this order in its payments, and none is cached for its customer." in text(
        section(client, plain, "payouts")
    )


def test_payouts_section_masks_the_beneficiary_and_highlights_manual_review(client_as, order, merchant):
    cached_payout(merchant, order.order_id, fulfilment_status="MANUAL_REVIEW")
    page = text(section(client_as("Support"), order, "payouts"))
    assert "Payout order PO-LH2503M27" in page and "Fulfilment PO-LH2503M27-f1" in page
    assert "Manual review: 1 item below needs reconciling with the bank" in page
    assert "Account •••• 1234" in page and "Name R••• R•••" in page and "IFSC SBIN0004711" in page
    assert "000987650001234" not in page and "Ravi" not in page
    assert "UTR0001LH2503M27" in page


def test_finance_sees_masked_details_until_they_reveal(client_as, order, merchant):
    cached_payout(merchant, order.order_id)
    client = client_as("Finance")
    assert "000987650001234" not in text(section(client, order, "payouts"))
    header = text(client.get(f"/orders/{order.order_id}/"))
    assert "Reveal customer details" in header and REFUNDS["customer_email"] not in header


def test_timeline_merges_kinds_with_source_and_actor_and_filters(client_as, order, merchant, make_user):
    cached_payout(merchant, order.order_id)
    agent = make_user("Support", username="asha")
    events.refresh_requested(order, actor=agent).save()
    TimelineEvent.objects.create(
        order=order,
        kind="action.refund_raised",
        source=SyncSource.DASHBOARD,
        actor=agent,
        at=timezone.now(),
        data={"request_id": 17, "amount": "100.00"},
    )
    events.event(
        "order.status_changed", source=SyncSource.WEBHOOK, order=order, **{"from": "PENDING_VBV", "to": "CHARGED"}
    ).save()
    client = client_as("Support")
    page = text(section(client, order, "timeline"))
    for label in (
        "Order first seen",
        "Refund raised",
        "Payout order first seen",
        "Fulfilment created",
        "Refresh asked for",
        "Order status changed",
    ):
        assert label in page
    assert "PENDING_VBV → CHARGED" in page and "Webhook" in page and "Dashboard · asha" in page
    assert "action.refund_raised: 17 unknown kind" in page and "Amount ₹100.00" in page  # a kind not in KINDS
    refunds_only = text(section(client, order, "timeline", category="refunds"))
    assert "RF-M27-01" in refunds_only and "Fulfilment created" not in refunds_only
    actions = text(section(client, order, "timeline", category="actions"))
    assert "action.refund_raised" in actions and "Order first seen" not in actions
    webhook_only = text(section(client, order, "timeline", source="webhook"))
    assert "Order status changed" in webhook_only and "Order first seen" not in webhook_only


def test_timeline_marks_an_unknown_status_in_an_event(client_as, order):
    events.order_status_changed(order, "CHARGED", "TELEPORTED", source=SyncSource.JUSPAY_POLL).save()
    page = text(section(client_as("Support"), order, "timeline"))
    assert "CHARGED → TELEPORTED" in page and "unknown status TELEPORTED" in page


def test_raw_section_is_admins_and_masked_until_revealed(client_as, order):
    assert section(client_as("Support"), order, "raw").status_code == 403
    assert section(client_as("Finance"), order, "raw").status_code == 403
    admin = client_as("Admin")
    page = text(section(admin, order, "raw"))
    assert "Order Status LH2503M27" in page and '"rrn": "503105529904"' in page
    assert REFUNDS["customer_email"] not in page and '"customer_email": "v•••@example.org"' in page
    admin.post(f"/orders/{order.order_id}/reveal/", HTTP_HX_REQUEST="true")
    assert REFUNDS["customer_email"] in text(section(admin, order, "raw"))


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    return len(captured)


def test_page_and_sections_run_a_fixed_number_of_queries(client_as, cached_order, merchant, make_user):
    """One refund, fulfilment and event against many: the same query count for the page and every section."""
    small = cached_order("order_status_charged.json", order_id="SMALL1", refunds=refunds(1))
    cached_payout(merchant, "SMALL1", fulfilments=1)
    big = cached_order("order_status_with_offers.json", order_id="BIG1", refunds=refunds(12, status="PENDING"))
    cached_payout(merchant, "BIG1", fulfilments=6)
    cached_payout(merchant, "BIG1", fulfilments=4, payout_order_id="PO-BIG1-second")
    for _ in range(15):
        events.refresh_requested(big, actor=make_user("Support")).save()
    client = client_as("Admin")
    for name in ("", "timeline/", "payment/", "refunds/", "splits/", "offers/", "payouts/", "raw/"):
        few = _count(client, f"/orders/{small.order_id}/{name}")
        many = _count(client, f"/orders/{big.order_id}/{name}")
        assert few == many, f"/orders/<id>/{name}: {few} queries for one item, {many} for many"
