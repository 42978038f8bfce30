"""The managers' KPI page (`/kpis/`): the state its URL holds, and its sections, composed from both domains.

It lives in fulfilment, the top domain, because it shows figures of both: payments and refunds from
orders.kpi_figures and approvals from fulfilment.kpi_figures (orders never names fulfilment). Each section
is one htmx fragment, so the tiles of the three sections load in parallel.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from dashboard.merchant_scope import MerchantIds, Viewer, kpi_merchants, visible_merchants
from fulfilment import kpi_figures as approval_figures
from orders import kpi_figures, kpi_fulfilment
from orders.kpi_figures import Breakdown, Figure, value_text
from orders.kpi_periods import PRESETS, Choice, Period, choose, zone


@dataclass(frozen=True)
class State:
    """The page's whole state, read from (and written back to) its URL."""

    choice: Choice
    merchant_id: MerchantIds  # the chosen merchant, else the viewer's merchants (None: every merchant)
    merchants: list[tuple[str, str]]
    problems: list[str]

    @property
    def period(self) -> Period:
        return self.choice.period

    @property
    def comparison(self) -> Period | None:
        return self.choice.comparison

    def query(self, **override: str) -> str:
        """The query string of this state (with `override`), for links, fragments and exports."""
        c = self.choice
        params: dict[str, str] = {"period": c.preset}
        if c.preset == "custom":
            params |= {"from": c.period.first.isoformat(), "to": c.period.last.isoformat()}
        if c.merchant and isinstance(self.merchant_id, int):
            params["merchant"] = c.merchant
        if c.compare:
            params["compare"] = "1"
        params |= override
        return urlencode({k: v for k, v in params.items() if v != ""})

    @property
    def merchant_code(self) -> str:
        return self.choice.merchant if isinstance(self.merchant_id, int) else ""

    @property
    def presets(self) -> list[tuple[str, str]]:
        return list(PRESETS.items())

    @property
    def time_zone(self) -> str:
        return settings.KPI_TIME_ZONE


def read_state(params: Mapping[str, str], viewer: Viewer) -> State:
    """The URL's state as `viewer` may see it: the picker lists only their merchants, and "all merchants" sums
    only theirs (dashboard/merchant_scope.py)."""
    choice = choose(params)
    visible = visible_merchants(viewer)
    merchants = list(visible.order_by("code").values_list("code", "name"))
    problems = [choice.problem] if choice.problem else []
    chosen = None
    if choice.merchant:
        chosen = visible.filter(code=choice.merchant).values_list("pk", flat=True).first()
        if chosen is None:
            problems.append(f"No merchant {choice.merchant!r}; showing all merchants.")
    return State(choice, kpi_merchants(viewer, chosen), merchants, problems)


@dataclass(frozen=True)
class Chart:
    """A time series chart and its table fallback (the same numbers)."""

    title: str
    labels: list[str]
    datasets: list[tuple[str, str, list[float | None]]]  # label, unit, values

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The table fallback: each bucket's label and its values as text."""
        return [(label, [value_text(d[2][i], d[1]) for d in self.datasets]) for i, label in enumerate(self.labels)]

    def config(self) -> dict[str, Any]:
        """What static/js/kpis.js hands to Chart.js."""
        return {
            "labels": self.labels,
            "datasets": [{"label": label, "unit": unit, "data": values} for label, unit, values in self.datasets],
        }


@dataclass(frozen=True)
class Table:
    name: str  # its CSV's name
    title: str
    header: list[str]
    rows: list[list[Any]]
    units: list[str]  # per column: how to show it (count, money, percent, duration, text)
    links: list[str] = field(default_factory=list)  # one per row ("" for none): the rows behind it

    @property
    def display(self) -> list[tuple[str, list[str]]]:
        """Each row's first-column link and its cells as text."""
        links = self.links or [""] * len(self.rows)
        return [
            (link, [value_text(v, unit) for v, unit in zip(row, self.units, strict=True)])
            for link, row in zip(links, self.rows, strict=True)
        ]


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    figures: list[Figure]
    charts: list[Chart]
    tables: list[Table]


SECTIONS = {
    "payments": "Payments",
    "refunds": "Refunds",
    "fulfilment": "Fulfilment",
    "payouts": "Payouts",
    "approvals": "Approvals (ours)",
}
OVERDUE_HEADER = ["Order", "Merchant", "Charged at", "Age"]


def _breakdown_table(name: str, title: str, first: str, rows: list[Breakdown]) -> Table:
    return Table(
        name,
        title,
        [first, "Orders", "Charged", "Success rate", "Charged amount"],
        [[r.name or "(none)", r.orders, r.charged, r.success_rate, r.charged_amount] for r in rows],
        ["text", "count", "count", "percent", "money"],
        [r.link for r in rows],
    )


def _series(figure: Figure) -> list[float | None]:
    return list(figure.series)


def section(name: str, state: State) -> Section:
    """One section's tiles, charts and tables for the state's period (and comparison)."""
    period, merchant = state.period, state.merchant_code
    labels = kpi_figures.bucket_labels(period)
    if name in ("payments", "refunds", "payouts"):
        cells = kpi_figures.read_cells(period, state.merchant_id)
        previous = (
            kpi_figures.read_cells(state.comparison, state.merchant_id, series=False) if state.comparison else None
        )
        if name == "payments":
            pay = kpi_figures.payments(cells, previous, merchant)
            by = {f.key: f for f in pay.figures}
            charts = [
                Chart(
                    "Orders and success rate",
                    labels,
                    [
                        ("Orders", "count", _series(by["orders"])),
                        ("Success rate", "percent", _series(by["success_rate"])),
                    ],
                ),
                Chart("Charged amount", labels, [("Charged amount", "money", _series(by["charged_amount"]))]),
            ]
            failures = Table(
                "failures",
                "Top failure reasons",
                ["Reason", "Orders"],
                [[r.name, r.orders] for r in pay.failures],
                ["text", "count"],
            )
            offers = Table(
                "offers",
                "Offers by code",
                ["Offer code", "Offers", "Redeemed", "Discount given"],
                [[r.code or "(none)", r.offers, r.redeemed, r.discount] for r in pay.offers],
                ["text", "count", "count", "money"],
                [r.link for r in pay.offers],
            )
            vendors = Table(
                "vendors",
                "Split settlement by vendor",
                ["Vendor", "Orders", "Amount"],
                [[r.vendor, r.orders, r.amount] for r in pay.vendors],
                ["text", "count", "money"],
            )
            tables = [
                _breakdown_table("methods", "By payment method", "Payment method", pay.methods),
                _breakdown_table("gateways", "By gateway", "Gateway", pay.gateways),
                failures,
                offers,
                vendors,
            ]
            return Section(name, SECTIONS[name], pay.figures, charts, tables)
        if name == "payouts":
            figures = kpi_figures.payouts(cells, previous, merchant)
            by = {f.key: f for f in figures}
            charts = [
                Chart(
                    "Payout orders and fulfilment success rate",
                    labels,
                    [
                        ("Payout orders", "count", _series(by["payouts"])),
                        ("Fulfilment success rate", "percent", _series(by["fulfilment_success_rate"])),
                    ],
                ),
                Chart(
                    "Fulfilment failure and manual review",
                    labels,
                    [
                        ("Failure rate", "percent", _series(by["fulfilment_failure_rate"])),
                        ("Manual-review rate", "percent", _series(by["fulfilment_review_rate"])),
                        ("Payout orders in manual review", "count", _series(by["payout_review"])),
                    ],
                ),
                Chart(
                    "Time to FULFILLMENTS_SUCCESSFUL, mean",
                    labels,
                    [("Mean time", "duration", _series(by["time_to_successful"]))],
                ),
            ]
            return Section(name, SECTIONS[name], figures, charts, [])
        figures = kpi_figures.refunds(cells, previous, state.merchant_id, merchant)
        by = {f.key: f for f in figures}
        charts = [
            Chart("Refunds raised", labels, [("Refunds", "count", _series(by["refunds"]))]),
            Chart("Refund turnaround, mean", labels, [("Mean turnaround", "duration", _series(by["turnaround_mean"]))]),
        ]
        return Section(name, SECTIONS[name], figures, charts, [])
    if name == "fulfilment":
        figures = kpi_fulfilment.figures(period, state.comparison, state.merchant_id, merchant)
        overdue = list(kpi_fulfilment.overdue_rows(period, state.merchant_id))
        count = int(next(f.value or 0 for f in figures if f.key == "fulfil_overdue"))
        shown = f" (the oldest {len(overdue)} of {count:,}; the CSV has all)" if count > len(overdue) else ""
        commands = approval_figures.commands(period, state.merchant_id)
        tables = [
            Table(
                "overdue",
                f"Charged orders not fulfilled after {kpi_fulfilment.target_text()}{shown}",
                OVERDUE_HEADER,
                [[r.order_id, r.merchant, _local(r.charged_at), r.age_seconds] for r in overdue],
                ["text", "text", "text", "duration"],
                [r.link for r in overdue],
            ),
            Table(
                "commands",
                "Fulfilment Sync commands by command and outcome",
                ["Command", "State", "Requests"],
                [[r.command, r.state, r.count] for r in commands],
                ["text", "text", "count"],
                [
                    approval_figures.requests_link(period, merchant, kind="fulfilment", request_state=r.state)
                    for r in commands
                ],
            ),
        ]
        by = {f.key: f for f in figures}
        charts = [
            Chart(
                "Charged to fulfilment, mean",
                labels,
                [("Mean time to fulfil", "duration", _series(by["fulfil_p50"]))],
            ),
            Chart(
                f"Fulfilled within {kpi_fulfilment.target_text()}, and not fulfilled after it",
                labels,
                [
                    ("Within target", "percent", _series(by["fulfil_within_target"])),
                    ("Not fulfilled after target", "count", _series(by["fulfil_overdue"])),
                ],
            ),
        ]
        return Section(name, SECTIONS[name], figures, charts, tables)
    if name == "approvals":
        figures = approval_figures.approvals(period, state.comparison, state.merchant_id, merchant)
        by = {f.key: f for f in figures}
        charts = [
            Chart("Requests raised", labels, [("Requests", "count", _series(by["requests_raised"]))]),
            Chart(
                "Raise to decision and approval to answer, mean",
                labels,
                [
                    ("Raise to decision", "duration", _series(by["decision_p50"])),
                    ("Approval to answer", "duration", _series(by["answer_p50"])),
                ],
            ),
            Chart(
                "Rejection, expiry and failure rates",
                labels,
                [
                    ("Rejection rate", "percent", _series(by["rejection_rate"])),
                    ("Expiry rate", "percent", _series(by["expiry_rate"])),
                    ("Failure rate", "percent", _series(by["failure_rate"])),
                ],
            ),
        ]
        return Section(name, SECTIONS[name], figures, charts, [])
    raise KeyError(name)


HEADLINE = ("orders", "success_rate", "charged_amount", "refund_rate", "turnaround_p90")


def headline(state: State) -> list[Figure]:
    """The tiles the manager's home page shows."""
    cells = kpi_figures.read_cells(state.period, state.merchant_id)
    previous = kpi_figures.read_cells(state.comparison, state.merchant_id, series=False) if state.comparison else None
    figures = kpi_figures.payments(cells, previous, state.merchant_code).figures
    figures += kpi_figures.refunds(cells, previous, state.merchant_id, state.merchant_code)
    by = {f.key: f for f in figures}
    return [by[k] for k in HEADLINE] + approval_figures.queue_figures(state.merchant_id, state.merchant_code)[:1]


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment, zone()):%Y-%m-%d %H:%M}"


def overdue_csv(state: State) -> tuple[list[str], Iterator[list[Any]]]:
    """Every charged order of the period not fulfilled after the target (not only those the page shows)."""
    rows = kpi_fulfilment.overdue_rows(state.period, state.merchant_id, limit=None)
    header = ["Order", "Merchant", "Charged at (" + settings.KPI_TIME_ZONE + ")", "Age (s)"]
    return header, ([r.order_id, r.merchant, _local(r.charged_at), int(r.age_seconds)] for r in rows)


def csv_table(sec: Section, table: str) -> tuple[list[str], list[list[Any]]]:
    """A section's table by name: "figures" (its tiles), "series" (its charts' numbers) or one of its tables."""
    if table == "figures":
        header = ["Figure", "Unit", "Value", "Comparison", "Delta", "Definition"]
        rows = [[f.label, f.unit, f.value, f.previous, f.delta, " ".join(f.definition.split())] for f in sec.figures]
        return header, rows
    if table == "series":
        header = ["Bucket"] + [f"{c.title}: {d[0]}" for c in sec.charts for d in c.datasets]
        labels = sec.charts[0].labels if sec.charts else []
        rows = [[label] + [d[2][i] for c in sec.charts for d in c.datasets] for i, label in enumerate(labels)]
        return header, rows
    for t in sec.tables:
        if t.name == table:
            return t.header, [[str(v) if isinstance(v, Decimal) else v for v in row] for row in t.rows]
    raise KeyError(table)
