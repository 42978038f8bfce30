"""The API masks exactly as the pages do: the order page rendered for Support and the API's answer for the same
Support user carry the same personal-data fields (email, phone, card number, name on card, card reference), and
none of the raw values; a Finance reveal shows the same unmasked values on both."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from tests.api.conftest import TokenClient


def page_facts(body: str) -> dict[str, str]:
    """Every <dt>label</dt><dd>value</dd> pair of a rendered page or fragment, as text."""
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", body, flags=re.S)
    strip = lambda s: html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", s))).strip()  # noqa: E731
    facts: dict[str, str] = {}
    for label, value in pairs:
        facts.setdefault(strip(label), strip(value))
    return facts


def api_facts(rows: list[dict[str, str]]) -> dict[str, str]:
    return {row["label"]: row["value"] for row in rows}


PII_HEADER = ("Email", "Phone", "Customer id")
PII_CARD = ("Card", "Name on card", "Expiry", "Card reference", "Card fingerprint")


@pytest.fixture
def card_order(cached_order):
    return cached_order(
        "order_status_charged.json",
        order_id="PII1",
        customer_email="rahul.verma@example.com",
        customer_phone="+91 98123 45670",
    )


def _compare(client, api: TokenClient | Client, order) -> tuple[dict[str, str], dict[str, str]]:
    page = page_facts(client.get(f"/orders/{order.order_id}/").content.decode())
    payment = page_facts(client.get(f"/orders/{order.order_id}/payment/", HTTP_HX_REQUEST="true").content.decode())
    body = api.get(f"/api/v1/orders/{order.order_id}/").json()
    assert {"Email": body["customer"]["email"], "Phone": body["customer"]["phone"]} == {
        "Email": page["Email"],
        "Phone": page["Phone"],
    }
    assert body["customer"]["customer_id"] == page["Customer id"]
    card = api_facts(body["payment"]["transactions"][0]["card"])
    assert card, "the example order is a card payment"
    for label in PII_CARD:
        if label in card:
            assert card[label] == payment[label], label
    return page, card


def test_support_sees_the_same_masked_fields_on_the_page_and_in_the_api(client, make_user, issue_token, card_order):
    support = make_user("Support")
    client.force_login(support)
    api = issue_token(None, user=support)
    page, card = _compare(client, api, card_order)
    assert page["Email"] == "r•••@example.com" and page["Phone"] == "••••••5670"
    raw = api.get(f"/api/v1/orders/{card_order.order_id}/").content.decode()
    for secret in ("rahul.verma@example.com", "98123 45670", "9812345670"):
        assert secret not in raw
    card_block = card_order.raw.get("card") or {}
    if card_block.get("name_on_card"):
        assert card_block["name_on_card"] not in raw
    assert "Card" in card and card["Card"].startswith("••••")


def test_the_list_masks_as_the_list_page(client, make_user, issue_token, card_order):
    support = make_user("Support")
    client.force_login(support)
    api = issue_token(None, user=support)
    row = api.get("/api/v1/orders/", {"q": "rahul.verma@example.com"}).json()["results"][0]
    body = client.get("/orders/", {"q": "rahul.verma@example.com"}).content.decode()
    assert row["email"] in html.unescape(body) and row["phone"] in html.unescape(body)
    assert (
        "rahul.verma@example.com" not in api.get("/api/v1/orders/", {"q": "rahul.verma@example.com"}).content.decode()
    )


def test_a_finance_reveal_unmasks_both_the_same_way(client_as, card_order):
    client = client_as("Finance")
    assert client.post(f"/orders/{card_order.order_id}/reveal/?merchant=default").status_code == 302
    page, _ = _compare(client, client, card_order)  # the session that revealed, on the page and in the API
    assert page["Email"] == "rahul.verma@example.com"
