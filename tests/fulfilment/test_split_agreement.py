"""One split rule: the same split gives the same verdict in the rule, the Fulfilment Sync form, the simulator
and the order page (orders/split_rule.py and its copy in dashboard/juspay_simulator/rules.py)."""

import json
import re
import uuid
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from dashboard.juspay_simulator import rules as sim_rules
from dashboard.money_format import format_money
from fulfilment.models import ActionRequest, ActionState
from orders import split_rule
from orders.split_rule import Verdict

# (name, amount, discount, marketplace share, vendors, verdict). The paid amount is amount less discount.
FIXTURES = [
    ("exact", 900, 0, 0, [("vendor_a", 600), ("vendor_b", 300)], Verdict.EXACT),
    ("short", 900, 0, 0, [("vendor_a", 600), ("vendor_b", 200)], Verdict.SHORT),
    ("over", 900, 0, 0, [("vendor_a", 600), ("vendor_b", 400)], Verdict.OVER),
    ("with marketplace share", 900, 0, 100, [("vendor_a", 500), ("vendor_b", 300)], Verdict.EXACT),
    ("marketplace share too big", 900, 0, 150, [("vendor_a", 500), ("vendor_b", 300)], Verdict.OVER),
    ("discounted, on the effective amount", 1000, 100, 0, [("vendor_a", 600), ("vendor_b", 300)], Verdict.EXACT),
    ("discounted, on the order amount", 1000, 100, 0, [("vendor_a", 700), ("vendor_b", 300)], Verdict.OVER),
    ("discounted, with marketplace share", 1000, 100.5, 99.5, [("vendor_a", 500), ("vendor_b", 300)], Verdict.EXACT),
]
IDS = [f[0] for f in FIXTURES]


def instruction(marketplace, vendors) -> dict:
    return {
        "marketplace": {"amount": marketplace},
        "mdr_borne_by": "ALL",
        "vendor": {
            "split": [{"sub_mid": v, "amount": a, "merchant_commission": round(a * 0.05, 2)} for v, a in vendors]
        },
    }


def words(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.mark.parametrize("name, amount, discount, marketplace, vendors, verdict", FIXTURES, ids=IDS)
def test_the_rule_and_the_simulators_copy_agree(name, amount, discount, marketplace, vendors, verdict):
    paid = Decimal(str(amount)) - Decimal(str(discount))
    ours = split_rule.check_split(paid, Decimal(str(marketplace)), [Decimal(str(a)) for _, a in vendors])
    assert ours.verdict == verdict
    problem = sim_rules.split_problem(paid, instruction(marketplace, vendors))
    assert (problem == "") == (verdict == Verdict.EXACT)
    assert sim_rules.split_difference(paid, instruction(marketplace, vendors)) == ours.difference


def test_a_commission_is_inside_the_vendors_amount_not_added():
    """Juspay's example: marketplace 100, vendors 500 (commission 25) and 300 (commission 15) on 900."""
    assert split_rule.check_split(Decimal(900), Decimal(100), [Decimal(500), Decimal(300)]).adds_up
    details = instruction(100, [("vendor_north_01", 500), ("vendor_south_07", 300)])
    assert sim_rules.split_problem(Decimal(900), details) == ""


@pytest.mark.django_db
@pytest.mark.parametrize("name, amount, discount, marketplace, vendors, verdict", FIXTURES, ids=IDS)
def test_form_simulator_and_page_give_the_same_verdict(
    name, amount, discount, marketplace, vendors, verdict, client, make_user, sim_order, juspay_sim, cached_order
):
    adds_up = verdict == Verdict.EXACT
    # The form (and the service behind it), on an order charged at the simulator and synced into the cache.
    order = sim_order(amount=amount, discount=discount)
    client.force_login(make_user("Support"))
    response = client.post(
        reverse("fulfilment:raise_fulfilment", args=[order.pk]),
        {
            "fulfillment_status": "SUCCESS",
            "fulfillment_command": "POST_TXN_SPLIT_SETTLEMENT",
            "form_token": str(uuid.uuid4()),
            "marketplace_amount": str(marketplace),
            "vendors": "\n".join(f"{v}, {a}" for v, a in vendors),
        },
    )
    raised = ActionRequest.objects.filter(order=order).exists()
    assert raised == adds_up
    if not adds_up:
        assert response.status_code == 400
        assert f"{'short of' if verdict == Verdict.SHORT else 'more than'} the ₹" in words(response)

    # The simulator, sent the same instruction for an order with the same amounts.
    other = juspay_sim.create_order(amount=amount, discount=discount, status="CHARGED")
    answer = juspay_sim.http.post(
        f"/orders/{other}/fulfillment",
        data={
            "fulfillment_status": "SUCCESS",
            "fulfillment_command": "POST_TXN_SPLIT_SETTLEMENT",
            "split_settlement_details": json.dumps(instruction(marketplace, vendors)),
        },
    )
    assert (answer.status_code == 200) == adds_up, answer.text
    if not adds_up:
        assert answer.json()["error_info"]["code"] == "INVALID_INPUT"

    # The page, shown an Order Status answer that states the marketplace share (a split asked for at order
    # creation, echoed in the order's metadata) and lists the vendors.
    paid = round(amount - discount, 2)
    shown = cached_order(
        "order_status_split_settlement.json",
        order_id=f"SPLIT{IDS.index(name)}",
        amount=amount,
        effective_amount=paid,
        metadata={"split_settlement_details": json.dumps(instruction(marketplace, vendors))},
        split_settlement_response={
            "split_applied": True,
            "split_details": [{"sub_vendor_id": v, "amount": a} for v, a in vendors],
        },
    )
    page = words(client.get(f"/orders/{shown.order_id}/splits/", HTTP_HX_REQUEST="true"))
    assert ("The splits do not add up" in page) == (not adds_up)
    assert f"Marketplace {format_money(marketplace, 'INR')}" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, amount, discount, marketplace, vendors, verdict", [f for f in FIXTURES if f[5] == Verdict.EXACT]
)
def test_a_split_the_form_accepted_shows_on_the_page_without_an_alert(
    name,
    amount,
    discount,
    marketplace,
    vendors,
    verdict,
    client,
    make_user,
    sim_order,
    django_capture_on_commit_callbacks,
):
    """Raised, approved, sent to the simulator, synced back: the page agrees with the form (no false alarm),
    and shows the marketplace's share, each vendor's gateway sub-account and the verdict."""
    order = sim_order(amount=amount, discount=discount)
    client.force_login(make_user("Support"))
    client.post(
        reverse("fulfilment:raise_fulfilment", args=[order.pk]),
        {
            "fulfillment_status": "SUCCESS",
            "fulfillment_command": "POST_TXN_SPLIT_SETTLEMENT",
            "form_token": str(uuid.uuid4()),
            "marketplace_amount": str(marketplace),
            "vendors": "\n".join(f"{v}, {a}" for v, a in vendors),
        },
    )
    req = ActionRequest.objects.get(order=order)
    client.force_login(make_user("Finance"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("fulfilment:approve", args=[req.pk]))
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED, req.error
    client.post(reverse("orders:refresh", args=[order.order_id]))
    page = words(client.get(f"/orders/{order.order_id}/splits/", HTTP_HX_REQUEST="true"))
    assert "Split applied: yes" in page and "do not add up" not in page
    assert f"Marketplace (the remainder: Juspay's answer lists vendors only) {format_money(marketplace, 'INR')}" in page
    assert re.search(r"vendor_a ₹[\d.,]+ ₹[\d.,]+ acc_\w+ trf_\w+", page)
    paid = format_money(amount - discount, "INR")
    assert f"with the marketplace {paid} of {paid} paid" in page
