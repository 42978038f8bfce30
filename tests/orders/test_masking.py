"""The masking rules: what a masked email, phone, card or account keeps, and how long a reveal lasts."""

import time

import pytest

from orders import masking
from tests.fixtures.orders import example


def test_email_keeps_the_first_letter_and_the_domain():
    assert masking.mask_email("rahul.verma@example.com") == "r•••@example.com"
    assert masking.mask_email("  A@b.in ") == "A•••@b.in"
    assert "rahul" not in masking.mask_email("rahul.verma@example.com")


def test_phone_keeps_only_the_last_four_digits():
    assert masking.mask_phone("9812345670") == "••••••5670"
    assert masking.mask_phone("+91 98123-45670") == "••••••5670"
    assert masking.mask_phone("12") == "••••"


@pytest.mark.parametrize("value", ["", None])
def test_empty_values_stay_empty(value):
    for mask in (masking.mask_email, masking.mask_phone, masking.mask_number, masking.mask_name):
        assert mask(value) == (value or "")


def test_juspays_own_masking_is_shown_as_it_came():
    assert masking.mask_email("FILTERED") == "FILTERED"
    assert masking.mask_phone("FILTERED") == "FILTERED"


def test_account_and_card_numbers_keep_the_last_four():
    assert masking.mask_number("001234567890123") == "•••• 0123"
    assert masking.mask_number("4111 1111 1111 1111") == "•••• 1111"
    assert masking.mask_number("123") == "••••"


def test_names_keep_initials_only():
    assert masking.mask_name("Priya Nair") == "P••• N•••"


def test_masked_card_shows_last_four_but_no_bin_name_or_expiry():
    card = example("order_status_charged.json")["card"]
    rows = dict(masking.card(card, unmasked=False))
    assert rows["Card"] == "•••• 1111"
    assert rows["Name on card"] == "P••• N•••"
    assert rows["Expiry"] == "••••"
    assert rows["Brand"] == "VISA"
    everything = " ".join(rows.values())
    assert card["card_isin"] not in everything and "Priya" not in everything and card["expiry_year"] not in everything


def test_unmasked_card_shows_bin_last_four_name_and_expiry():
    card = example("order_status_charged.json")["card"]
    rows = dict(masking.card(card, unmasked=True))
    assert rows["Card"].startswith(card["card_isin"]) and rows["Card"].endswith("1111")
    assert rows["Name on card"] == "Priya Nair"
    assert rows["Expiry"] == "07/2028"


def test_no_card_block_means_no_rows():
    assert masking.card(None, unmasked=True) == []
    assert masking.card({}, unmasked=False) == []


def test_beneficiary_masks_account_name_and_upi_id():
    bank = {
        "type": "ACCOUNT_IFSC",
        "details": {"name": "Sunil Patil", "account": "001234567890123", "ifsc": "HDFC0000123"},
    }
    assert dict(masking.beneficiary(bank, unmasked=False)) == {
        "Name": "S••• P•••",
        "Account": "•••• 0123",
        "IFSC": "HDFC0000123",
    }
    assert dict(masking.beneficiary(bank, unmasked=True))["Account"] == "001234567890123"
    upi = {"type": "UPI_ID", "details": {"name": "Asha K", "vpa": "asha.k@okhdfc"}}
    assert dict(masking.beneficiary(upi, unmasked=False))["UPI id"] == "a•••@okhdfc"
    camel = {"type": "WALLET", "details": {"name": "Asha K", "walletIdentifier": "9876543210", "brand": "PAYTM"}}
    assert dict(masking.beneficiary(camel, unmasked=False))["Wallet"] == "••••••3210"


def test_mask_json_masks_personal_fields_at_any_depth_and_leaves_the_rest():
    data = example("order_status_charged.json")
    data["txn_list"] = [{"card": {"last_four_digits": "4242", "name_on_card": "Priya Nair", "card_isin": "424242"}}]
    data["beneficiaryDetails"] = {"details": {"name": "Sunil Patil", "account": "001234567890123"}}
    masked = masking.mask_json(data)
    assert masked["customer_email"] == "p•••@example.com"
    assert masked["customer_phone"] == "••••••1234"
    assert masked["card"]["name_on_card"] == "P••• N•••" and masked["card"]["card_isin"] == "••••"
    assert masked["txn_list"][0]["card"]["card_isin"] == "••••"
    assert masked["beneficiaryDetails"]["details"] == {"name": "S••• P•••", "account": "•••• 0123"}
    # not personal: ids, amounts, the amount breakup's component names
    assert masked["order_id"] == data["order_id"] and masked["amount"] == data["amount"]
    assert masked["txn_detail"]["txn_amount_breakup"][0]["name"] == "BASE"
    assert masked["payment_gateway_response"]["rrn"] == data["payment_gateway_response"]["rrn"]
    assert data["customer_email"] == "priya.nair@example.com"  # the input is not changed


def test_scrub_text_masks_emails_and_long_numbers_in_notes():
    text = "Customer rahul.verma@example.com called from +91 98123 45670 about order ORD2406B42, amount 2500."
    scrubbed = masking.scrub_text(text)
    assert "rahul.verma" not in scrubbed and "98123" not in scrubbed
    assert "r•••@example.com" in scrubbed and "5670" in scrubbed
    assert "ORD2406B42" in scrubbed and "2500" in scrubbed


class _User:
    def __init__(self, perms):
        self.perms = set(perms)

    def has_perm(self, perm):
        return perm in self.perms


def test_people_without_the_permission_never_see_unmasked_data_even_with_a_reveal_in_the_session():
    session = {}
    masking.reveal(session, 7)
    view = masking.pii_view(_User([]), session, 7)
    assert not view.can_reveal and not view.unmasked


def test_a_reveal_covers_one_order_and_expires():
    session = {}
    finance = _User([masking.PERMISSION])
    assert masking.pii_view(finance, session, 7) == masking.PiiView(can_reveal=True, revealed=False)
    masking.reveal(session, 7)
    assert masking.pii_view(finance, session, 7).unmasked
    assert not masking.pii_view(finance, session, 8).unmasked
    session[masking.SESSION_KEY]["7"] = time.time() - 1  # 15 minutes later
    assert not masking.pii_view(finance, session, 7).unmasked
