"""The filter bar's pieces: which fields show in the row, and the active filters as chips that each remove one."""

from urllib.parse import parse_qs, urlsplit

from django import forms
from django.http import QueryDict

from dashboard.list_filters import active_chips, split_fields


class ListForm(forms.Form):
    q = forms.CharField(label="Search", required=False)
    status = forms.CharField(label="Status", required=False)
    method = forms.ChoiceField(label="Payment method", choices=[("", "Any"), ("UPI", "UPI"), ("CARD", "Card")])
    refund_state = forms.MultipleChoiceField(label="Refunds", choices=[("none", "No refunds"), ("part", "Partly")])
    sort = forms.ChoiceField(label="Sort", choices=[("new", "Newest first")])
    created_after = forms.DateTimeField(label="Created after", widget=forms.HiddenInput, required=False)


def chips_for(query: str):
    return active_chips(ListForm(), QueryDict(query), "/orders/")


def test_each_set_filter_is_a_chip_with_its_label_and_the_choice_people_read():
    chips = chips_for("q=isaac&method=CARD&status=&sort=new&after=abc&refund_state=none&refund_state=part")
    assert [(c.label, c.value) for c in chips] == [
        ("Search", "isaac"),
        ("Payment method", "Card"),
        ("Refunds", "No refunds, Partly"),
    ]  # empty values, the sort order and the page cursor are no filters


def test_a_chip_links_to_the_same_list_without_that_filter_and_from_the_first_page():
    chips = {c.name: c for c in chips_for("q=isaac&method=UPI&after=cursor1&created_after=2026-11-01T00:00:00Z")}
    url = urlsplit(chips["method"].remove_url)
    assert url.path == "/orders/"
    assert parse_qs(url.query) == {"q": ["isaac"], "created_after": ["2026-11-01T00:00:00Z"]}
    assert chips["created_after"].label == "Created after"  # hidden drill-down filters are removable too
    assert chips_for("q=isaac")[0].remove_url == "/orders/"


def test_an_unknown_choice_shows_as_typed():
    assert chips_for("method=BOGUS")[0].value == "BOGUS"


def test_the_row_holds_the_named_fields_in_order_and_more_filters_the_rest():
    bar = split_fields(ListForm(), ["status", "q", "nonexistent"], QueryDict("refund_state=none&sort=new"))
    assert [b.name for b in bar.primary] == ["status", "q"]
    assert [b.name for b in bar.secondary] == ["method", "refund_state", "sort"]  # hidden fields stay hidden
    assert bar.secondary_active == 1  # "More filters (1 set)": the sort order does not count
