"""The masking rules: what a masked email, phone, card or account keeps, and how long a reveal lasts."""

import time

import pytest

from orders import masking
from tests.juspay.examples import example


def test_email_keeps_the_first_letter_and_the_domain():
    assert masking.mask_email("vikram.desai@example.org") == "v•••@example.org"
    assert masking.mask_email("  A@b.in ") == "A•••@b.in"
    assert "vikram" not in masking.mask_email("vikram.desai@example.org")


def test_phone_keeps_only_the_last_four_digits():
    assert masking.mask_phone("9845067123") == "••••••7123"
    assert masking.mask_phone("+91 98450-67123") == "••••••7123"
    assert masking.mask_phone("12") == "••••"


@pytest.mark.parametrize("value", ["", None])
def test_empty_values_stay_empty(value):
    for mask in (masking.mask_email, masking.mask_phone, masking.mask_number, masking.mask_name):
        assert mask(value) == (value or "")


def test_juspays_own_masking_is_shown_as_it_came():
    assert masking.mask_email("FILTERED") == "FILTERED"
    assert masking.mask_phone("FILTERED") == "FILTERED"


def test_account_and_card_numbers_keep_the_last_four():
    assert masking.mask_number("000987650001234") == "•••• 1234"
    assert masking.mask_number("4111 1111 1111 1111") == "•••• 1111"
    assert masking.mask_number("123") == "••••"


def test_names_keep_initials_only():
    assert masking.mask_name("Ananya Iyer") == "A••• I•••"


def test_masked_card_shows_last_four_but_no_bin_name_or_expiry():
    card = example("order_status_charged.json")["card"]
    rows = dict(masking.card(card, unmasked=False))
    assert rows["Card"] == "•••• 4242"
    assert rows["Name on card"] == "A••• I•••"
    assert rows["Expiry"] == "••••"
    assert rows["Brand"] == "VISA"
    everything = " ".join(rows.values())
    assert card["card_isin"] not in everything and "Ananya" not in everything and card["expiry_year"] not in everything


def test_unmasked_card_shows_bin_last_four_name_and_expiry():
    card = example("order_status_charged.json")["card"]
    rows = dict(masking.card(card, unmasked=True))
    assert rows["Card"].startswith(card["card_isin"]) and rows["Card"].endswith("4242")
    assert rows["Name on card"] == "Ananya Iyer"
    assert rows["Expiry"] == "04/2030"


def test_no_card_block_means_no_rows():
    assert masking.card(None, unmasked=True) == []
    assert masking.card({}, unmasked=False) == []


def test_beneficiary_masks_account_name_and_upi_id():
    bank = {
        "type": "ACCOUNT_IFSC",
        "details": {"name": "Ravi Rao", "account": "000987650001234", "ifsc": "SBIN0004711"},
    }
    assert dict(masking.beneficiary(bank, unmasked=False)) == {
        "Name": "R••• R•••",
        "Account": "•••• 1234",
        "IFSC": "SBIN0004711",
    }
    assert dict(masking.beneficiary(bank, unmasked=True))["Account"] == "000987650001234"
    upi = {"type": "UPI_ID", "details": {"name": "Asha K", "vpa": "asha.k@okhdfc"}}
    assert dict(masking.beneficiary(upi, unmasked=False))["UPI id"] == "a•••@okhdfc"
    camel = {"type": "WALLET", "details": {"name": "Asha K", "walletIdentifier": "9876543210", "brand": "PAYTM"}}
    assert dict(masking.beneficiary(camel, unmasked=False))["Wallet"] == "••••••3210"


def test_mask_json_masks_personal_fields_at_any_depth_and_leaves_the_rest():
    data = example("order_status_charged.json")
    data["txn_list"] = [{"card": {"last_four_digits": "0051", "name_on_card": "Neel B", "card_isin": "400551"}}]
    data["beneficiaryDetails"] = {"details": {"name": "Ravi Rao", "account": "000987650001234"}}
    masked = masking.mask_json(data)
    assert masked["customer_email"] == "a•••@example.org"
    assert masked["customer_phone"] == "••••••4567"
    assert masked["card"]["name_on_card"] == "A••• I•••" and masked["card"]["card_isin"] == "••••"
    assert masked["txn_list"][0]["card"]["card_isin"] == "••••"
    assert masked["beneficiaryDetails"]["details"] == {"name": "R••• R•••", "account": "•••• 1234"}
    # not personal: ids, amounts, the amount breakup's component names
    assert masked["order_id"] == data["order_id"] and masked["amount"] == data["amount"]
    assert masked["txn_detail"]["txn_amount_breakup"][0]["name"] == "BASE"
    assert masked["payment_gateway_response"]["rrn"] == data["payment_gateway_response"]["rrn"]
    assert data["customer_email"] == "ananya.iyer@example.org"  # the input is not changed


def test_scrub_text_masks_emails_and_long_numbers_in_notes():
    text = "Customer vikram.desai@example.org called from +91 98450 67123 about order LH2503M27, amount 3200."
    scrubbed = masking.scrub_text(text)
    assert "vikram.desai" not in scrubbed and "98450" not in scrubbed
    assert "v•••@example.org" in scrubbed and "7123" in scrubbed
    assert "LH2503M27" in scrubbed and "3200" in scrubbed


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
