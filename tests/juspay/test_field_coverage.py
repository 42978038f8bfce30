"""The field-coverage measurement counts what a page shows and nothing else (tests/juspay/field_coverage.py).

These check the measuring, not the product's numbers: a small page of documented fields is fed to a stand-in
product whose pages we write here, and to the real order page.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

import pytest

from tests.juspay import field_coverage as fc
from tests.juspay.documented_fields import PAGES, Field, Page, Scenario, boolean, choice

TINY = Page(
    key="tiny",
    title="Tiny",
    url="https://example.invalid/tiny",
    api="order_status",
    scenarios=(
        Scenario(
            "one",
            (
                Field("order_id"),
                Field("amount", "amount"),
                Field("customer_email", "email"),
                Field("date_created", "timestamp"),
                boolean("refunded", first=False),
                choice("status", "CHARGED", "AUTHORIZING"),
                Field("product_id"),
            ),
        ),
    ),
)


class FakeProduct(fc.Site):
    """A product whose order page is written here: `hide` names fields it leaves off the page."""

    def __init__(self, *, hide: tuple[str, ...] = (), raw_dump: bool = True, bare_dump: bool = False) -> None:
        self.hide = hide
        self.raw_dump = raw_dump
        self.bare_dump = bare_dump
        self.problems = []
        self.renders = 0

    def render(self, bundle: fc.Bundle) -> dict[str, list[str]]:
        self.renders += 1
        order = bundle.order or {}
        pages = {}
        for role in fc.ROLES:
            email = str(order.get("customer_email", ""))
            if role == fc.SUPPORT:
                email = email[:1] + "•••@" + email.rpartition("@")[2]
            rows = {
                "order_id": f"<h1>Order {escape(str(order.get('order_id')))}</h1>",
                "amount": f"<dd>₹{float(order.get('amount', 0)):,.2f}</dd>",
                "customer_email": f"<dd>{escape(email)}</dd>" if "customer_email" in order else "<dd>—</dd>",
                "date_created": f"<dd>{str(order.get('date_created', ''))[:10]}</dd>",
                "refunded": f"<dd>{'Fully refunded' if order.get('refunded') else 'Not refunded'}</dd>",
                "status": f"<span>{escape(str(order.get('status')))}</span>",
            }
            html = "".join(v for k, v in rows.items() if k not in self.hide)
            if self.raw_dump:  # the raw answer section: shows everything, never counted
                html += f'<details><pre class="raw-json">{escape(repr(order))}</pre></details>'
            if self.bare_dump:  # an answer dumped without saying so: counted out by its content
                html += f"<pre>{escape(repr(order))}</pre>"
            html += f"<footer>request {self.renders:032x}</footer>"
            pages[role] = [f"<html><body><script>{escape(repr(order))}</script>{html}</body></html>"]
        return pages


def seen(result: fc.PageResult, role: str) -> dict[str, str]:
    return {r.field.path: r.seen[role] for r in result.fields}


def test_a_field_on_the_page_is_counted_in_any_formatting_and_one_left_off_is_not() -> None:
    result = fc.measure(TINY, FakeProduct())

    finance = seen(result, fc.FINANCE)
    assert finance == {
        "order_id": fc.SHOWN,
        "amount": fc.SHOWN,  # shown as ₹30,002.13 for 30002.13
        "customer_email": fc.SHOWN,
        "date_created": fc.SHOWN,  # the date of the timestamp
        "refunded": fc.SHOWN,  # the page differs between true and false
        "status": fc.SHOWN,
        "product_id": "",  # only in the raw answer and a script: not shown
    }
    assert result.count(fc.FINANCE) == 6
    assert result.missing(fc.FINANCE) == ["product_id"]
    assert seen(result, fc.SUPPORT)["customer_email"] == fc.MASKED
    assert result.count(fc.SUPPORT) == 6 and result.count(fc.SUPPORT, fc.MASKED) == 1
    assert result.problems == []


def test_removing_a_field_from_the_page_takes_it_out_of_the_count() -> None:
    result = fc.measure(TINY, FakeProduct(hide=("amount", "refunded", "customer_email")))

    finance = seen(result, fc.FINANCE)
    assert finance["amount"] == "" and finance["refunded"] == "" and finance["customer_email"] == ""
    assert seen(result, fc.SUPPORT)["customer_email"] == ""
    assert result.count(fc.FINANCE) == 3
    assert sorted(result.missing(fc.SUPPORT)) == ["amount", "customer_email", "product_id", "refunded"]


def test_an_answer_dumped_in_a_block_counts_nothing() -> None:
    everything_hidden = tuple(f.path for f in TINY.fields)

    result = fc.measure(TINY, FakeProduct(hide=everything_hidden, raw_dump=False, bare_dump=True))

    assert result.count(fc.FINANCE) == 0 and result.count(fc.SUPPORT) == 0


def test_visible_text_leaves_out_raw_sections_scripts_and_hidden_inputs_only() -> None:
    one, two, three, four, five = (fc.Sentinel(v, (fc._exact(v),)) for v in ("S1x", "S2x", "S3x", "S4x", "S5x"))
    html = (
        '<div class="drawer">S1x</div><section class="raw-json">S2x</section><script>S3x</script>'
        '<input type="hidden" value="S4x"><a href="https://pay.example/S5x">pay</a>'
    )

    text = fc.visible_text([html], {"a": [one], "b": [two], "c": [three]})

    assert one.seen_in(text) and five.seen_in(text)
    assert not two.seen_in(text) and not three.seen_in(text) and not four.seen_in(text)


def test_every_documented_page_builds_answers_with_values_found_nowhere_else() -> None:
    sentinels = fc.Sentinels()
    for page in PAGES:
        paths = [f.path for f in page.fields]
        assert len(paths) == len(set(paths)), f"{page.key} counts a field twice"
        for scenario in page.scenarios:
            spec = fc.prepare(page, scenario, sentinels)
            bundle = fc.answer(spec)
            doc = {"order_status": bundle.order, "payout_order_status": bundle.payout}.get(
                page.api, bundle.fulfillment_sync
            )
            for f in scenario.fields:
                expected = f.choices[0] if f.kind == "choice" else None
                if expected is not None:
                    assert fc.get_path(doc, f.path) == expected, f.path
            # every value sentinel is matched by its own patterns only
            values = [s for key, s in spec.values.items() if key not in spec.same.values()]
            for one in values:
                text = str(one.value)
                assert one.seen_in(f"x {text} y"), text
                others = [s for s in values if s is not one]
                assert not any(o.seen_in(f"x {text} y") for o in others), text


@pytest.mark.django_db
def test_the_real_order_page_counts_what_it_shows_and_not_what_is_taken_off() -> None:
    page = Page(
        key="probe",
        title="Probe",
        url="https://example.invalid/probe",
        api="order_status",
        scenarios=(
            Scenario(
                "one",
                (Field("order_id"), Field("customer_id"), Field("zz_not_a_juspay_field")),
            ),
        ),
    )

    class Stripped(fc.ProductSite):
        """The real pages, with one value taken off them (as if a template stopped showing it)."""

        taken: str = ""

        def render(self, bundle: fc.Bundle) -> dict[str, list[str]]:
            pages = super().render(bundle)
            value = (bundle.order or {}).get("customer_id", "")
            self.taken = str(value)
            return {role: [re.sub(re.escape(str(value)), "", html) for html in htmls] for role, htmls in pages.items()}

    def measured(site_class: type[fc.ProductSite]) -> dict[str, Any]:
        site = site_class()
        try:
            result = fc.measure(page, site)
        finally:
            site.close()
        return seen(result, fc.FINANCE) | {"support": seen(result, fc.SUPPORT), "problems": result.problems}

    shown = measured(fc.ProductSite)
    assert shown["problems"] == []
    assert shown["order_id"] == fc.SHOWN and shown["customer_id"] == fc.SHOWN
    assert shown["support"]["order_id"] == fc.SHOWN
    assert shown["zz_not_a_juspay_field"] == ""  # kept by the product, but on no page a person sees

    stripped = measured(Stripped)
    assert stripped["order_id"] == fc.SHOWN
    assert stripped["customer_id"] == ""
