"""How many of the response fields each Juspay documentation page documents does the product show a person?

    .venv/bin/python -m tests.juspay.field_coverage [--list-missing] [--page KEY] [--output FILE]

For each page of `tests/juspay/documented_fields.py` (five Juspay pages) it prints the number of documented
response fields, how many a Finance user sees and how many a Support user sees (masked ones counted, and
also given apart). It needs nothing outside the repository: it makes a throwaway test database (SQLite in
memory by default; `DATABASE_URL` is honoured), runs Celery tasks inline, and serves the answers itself.

How a field is judged shown
- Every documented field of an answer carries a value that appears nowhere else: text `S0042x`, amounts
  like 30042.71 (matched as 30042.71 or 30,042.71, with or without a currency sign), integers like 70042,
  timestamps on a date of their own in 2023 (matched as 2023-02-11, 11 Feb 2023, Feb. 11, 2023, February 11,
  2023, 11/02/2023), emails, phones, names and URLs of their own.
- The answer goes through the product's real path: a small HTTP server on 127.0.0.1 (a free port) answers
  the product's Juspay client as Juspay would, `manage.py sync_order` (with `--payout` for payout orders)
  fetches and applies it, and a Fulfilment Sync request is raised through the order page's form as Support
  (approved by Finance when the policy wants an approval) and sent by the executor.
- The pages a person looks at are fetched with Django's test client, as Finance (after "Reveal customer
  details", which Finance may do) and as Support: the order page with every fragment it loads by itself
  (`hx-get` with a `load`, `revealed`, `intersect` or `every` trigger, followed as htmx would, found in the
  HTML rather than listed here), the payout order's page when a URL name for it exists (`PAYOUT_PAGES`, then
  any URL name with "payout" and "detail" in it), and the Fulfilment Sync request's page. A page or URL that
  does not exist (yet) counts 0, never an error; what could not be done is printed as a note.
- Not counted: the raw answers. Fragments whose URL name contains "raw" are not fetched, elements whose class
  names a raw answer (`raw`, `raw-json`, ...: the order page's raw section, the request page's "Juspay's
  answer") are skipped, and so is any `<pre>`, `<code>` or `<textarea>` holding the values of three or more
  different top-level fields (a dump of the answer).
- Visible text is the page's text plus the `title` of elements, the `href` of links and the value of inputs a
  person sees; script, style, noscript and hidden inputs are not.
- A value field is shown to a role when its value is in that role's text. For Support, a field Finance sees
  that Support does not see as it is counts "shown masked" when, lining up the two roles' texts word by word,
  Support has a masked form (a bullet or an asterisk: `e•••@m0042.example`, `•••• 0042`, `N••• Q•••`, `••••`)
  where Finance has the value (for an enumeration: where Finance's page changes with it), or else when
  removing the field from the answer changes what Support sees.
- Enumerations and booleans cannot carry a unique value: each is given two documented values (the second in
  documented_fields.py) and is shown to a role when that role's pages differ between the two answers,
  everything else equal (times of "now", "x minutes ago" and request numbers are blanked before comparing).
- Blocks a page documents without naming their parts (`object`/`array`) are shown when any part is.
Each measured answer is applied in a transaction that is rolled back, so every answer starts from the same
empty cache.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import difflib
import io
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from tests.juspay.documented_fields import PAGES, Field, Page, Scenario

FINANCE = "Finance"
SUPPORT = "Support"
ROLES = (FINANCE, SUPPORT)
SHOWN = "shown"
MASKED = "masked"
REMOVE = object()  # an override that leaves the field out of the answer

# URL names tried, in order, for a payout order's own page (with its payout order id, then its primary key).
PAYOUT_PAGES = (
    "payouts:detail",
    "orders:payout_detail",
    "orders:payout",
    "payouts:payout_detail",
    "payouts:payout",
)
AUTO_TRIGGERS = ("load", "revealed", "intersect", "every")
RAW_CLASS = re.compile(r"(?:.*[-_])?raw(?:[-_].*)?")  # raw, raw-json, answer-raw; not "drawer"
DUMP_KEYS = 3  # a <pre> block with values of this many top-level fields is a dump of the answer

# --- the answers' other values (not counted) --------------------------------------------------------------

MERCHANT_ID = "fc_merchant"
ORDER_ID = "FC-ORDER-1"
LINKED_ORDER_ID = "FC-LINKED-1"
ECHO = "<echo of the request>"

ORDER_FILLER: dict[str, Any] = {
    "id": "ordeh_fc0000000000000000000000000001",
    "order_id": ORDER_ID,
    "merchant_id": MERCHANT_ID,
    "customer_id": "fc-customer-1",
    "status": "CHARGED",
    "status_id": 21,
    "amount": 1500.0,
    "currency": "INR",
    "date_created": "2024-05-01T10:00:00Z",
    "txn_id": f"{MERCHANT_ID}-{ORDER_ID}-1",
    "txn_uuid": "fcuuid0000000001",
    "payment_method_type": "CARD",
    "payment_method": "VISA",
    "refunded": False,
    "amount_refunded": 0,
    "txn_detail": {
        "status": "CHARGED",
        "gateway": "DUMMY",
        "gateway_id": 100,
        "net_amount": 1500.0,
        "txn_amount": 1500.0,
        "created": "2024-05-01T10:00:30Z",
    },
    "payment_gateway_response": {"resp_code": "00", "resp_message": "OK", "created": "2024-05-01T10:00:40Z"},
}
PAYOUT_FILLER: dict[str, Any] = {
    "orderId": "FC-PAYOUT-1",
    "amount": "1500.00",
    "customerId": "fc-customer-1",
    "createdAt": "2024-05-01T10:00:00Z",
    "updatedAt": "2024-05-01T10:05:00Z",
    "type": "FULFILL_ONLY",
    "status": "FULFILLMENTS_SUCCESSFUL",
    "fulfillments": [
        {
            "id": "FC-PAYOUT-1-f1",
            "type": "ORDER",
            "status": "SUCCESS",
            "amount": "1500.00",
            "beneficiaryDetails": {
                "type": "ACCOUNT_IFSC",
                "details": {"name": "Fc Filler", "account": "000000001111", "ifsc": "FCIF0000001"},
            },
            "transactions": [
                {
                    "transactionRef": "FC-PAYOUT-1-t1",
                    "status": "SUCCESS",
                    "amount": 1500.0,
                    "fulfillmentMethod": "DUMMY",
                }
            ],
        }
    ],
    "payments": [
        {
            "id": "FC-PAYOUT-1-p1",
            "type": "PAYMENT",
            "status": "SUCCESS",
            "amount": "1500.00",
            "payment_method_type": "NB",
        }
    ],
    "refunds": [{"id": "FC-PAYOUT-1-r1", "unique_request_id": "FC-PAYOUT-1-r1", "type": "REFUND", "status": "SUCCESS"}],
}
FULFILLMENT_SYNC_FILLER: dict[str, Any] = {
    "status": "SUCCESS",
    "merchant_id": MERCHANT_ID,
    "order_id": ORDER_ID,
    "commands": [{"command": ECHO, "status": "SUCCESS", "fulfillment_id": ECHO}],
}
FILLERS = {
    "order_status": ORDER_FILLER,
    "payout_order_status": PAYOUT_FILLER,
    "fulfillment_sync": FULFILLMENT_SYNC_FILLER,
}
# Juspay sends one value in both places; the second follows the first unless the scenario counts it.
TIES = {
    "order_status": (
        ("txn_detail.txn_id", "txn_id"),
        ("txn_detail.order_id", "order_id"),
        ("txn_detail.txn_uuid", "txn_uuid"),
        ("txn_detail.currency", "currency"),
        ("payment_gateway_response.txn_id", "txn_id"),
        ("txn_list[].txn_detail.txn_id", "txn_list[].txn_id"),
        ("txn_list[].payment_gateway_response.txn_id", "txn_list[].txn_id"),
        ("txn_list[].txn_detail.order_id", "order_id"),
    ),
    "payout_order_status": (
        ("fulfillments[].transactions[].txnResponse.requestId", "fulfillments[].transactions[].transactionRef"),
    ),
    "fulfillment_sync": (),
}

# --- values that appear nowhere else ------------------------------------------------------------------


@dataclass(frozen=True)
class Sentinel:
    value: Any  # what the answer carries
    patterns: tuple[re.Pattern[str], ...]  # how the value may look on a page

    def seen_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)


def _exact(text: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(text) + r"(?![A-Za-z0-9])")


def _date(text: str) -> re.Pattern[str]:
    """A date, also where a time follows it without a space (2023-02-11T09:30:07Z)."""
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(text) + r"(?![0-9])")


def _number(whole: int, fraction: str = "") -> re.Pattern[str]:
    grouped = f"{whole:,}"
    tail = re.escape("." + fraction) if fraction else ""
    return re.compile(r"(?<![\d.,])(?:" + re.escape(str(whole)) + "|" + re.escape(grouped) + ")" + tail + r"(?![\d])")


def _date_forms(day: dt.date) -> list[str]:
    return [
        day.isoformat(),
        f"{day.day} {day:%b} {day.year}",
        f"{day.day:02d} {day:%b} {day.year}",
        f"{day.day} {day:%B} {day.year}",
        f"{day:%b}. {day.day}, {day.year}",
        f"{day:%b} {day.day}, {day.year}",
        f"{day:%B} {day.day}, {day.year}",
        f"{day:%d/%m/%Y}",
        f"{day:%d-%m-%Y}",
    ]


class Sentinels:
    """Unique values, one per field, numbered so that none contains another."""

    def __init__(self) -> None:
        self.n = 0
        self.days = 0

    def make(self, kind: str) -> Sentinel:
        self.n += 1
        n = self.n
        if kind == "timestamp":
            self.days += 1
            day = dt.date(2023, 1, 1) + dt.timedelta(days=self.days * 3 % 365)
            stamp = f"{day.isoformat()}T{n % 24:02d}:{n % 60:02d}:07Z"
            return Sentinel(stamp, tuple(_date(form) for form in _date_forms(day)))
        if kind in ("amount", "amount_text"):
            whole, fraction = 30000 + n, f"{n % 9 + 1}{n % 7 + 1}"  # no trailing zero: 30042.73
            number = f"{whole}.{fraction}"
            return Sentinel(number if kind == "amount_text" else float(number), (_number(whole, fraction),))
        if kind == "integer":
            return Sentinel(70000 + n, (_number(70000 + n),))
        texts = {
            "text": f"S{n:04d}x",
            "email": f"e{n:04d}x@m{n:04d}.example",
            "phone": f"98{n:08d}",
            "name": f"N{n:04d}x Q{n:04d}y",
            "url": f"https://pay.example/S{n:04d}x",
            "digits4": f"{5000 + n}",
            "digits6": f"6{n:05d}",
        }
        if kind not in texts:
            raise ValueError(f"unknown field kind {kind!r}")
        return Sentinel(texts[kind], (_exact(texts[kind]),))


# --- answers built from paths ------------------------------------------------------------------------------


def _steps(path: str) -> list[str]:
    return path.split(".")


def get_path(doc: Any, path: str) -> Any:
    node = doc
    for step in _steps(path):
        key, many = (step[:-2], True) if step.endswith("[]") else (step, False)
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
        if many:
            if not isinstance(node, list) or not node:
                return None
            node = node[0]
    return node


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Put `value` at `path` (`a[].b`: in the first item of array `a`), creating what is missing; REMOVE
    leaves the last key out. A dict value is merged into a dict already there (a block and its filler)."""
    steps = _steps(path)
    node: Any = doc
    for step in steps[:-1]:
        key, many = (step[:-2], True) if step.endswith("[]") else (step, False)
        if many:
            items = node.get(key)
            if not isinstance(items, list) or not items or not isinstance(items[0], dict):
                items = node[key] = [{}]
            node = items[0]
        else:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
    last = steps[-1]
    key, many = (last[:-2], True) if last.endswith("[]") else (last, False)
    if value is REMOVE:
        node.pop(key, None)
    elif many and isinstance(value, dict):
        items = node.get(key)
        first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
        node[key] = [{**first, **value}]
    elif many:
        node[key] = [value]
    elif isinstance(value, dict) and isinstance(node.get(key), dict):
        node[key] = {**node[key], **value}
    else:
        node[key] = value


def deep_merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        here = into.get(key)
        if isinstance(value, Mapping) and isinstance(here, dict):
            deep_merge(here, value)
        elif isinstance(value, list) and isinstance(here, list) and value and here and isinstance(value[0], Mapping):
            if isinstance(here[0], dict):
                deep_merge(here[0], value[0])
        else:
            into[key] = copy.deepcopy(value)


@dataclass
class Bundle:
    """Everything Juspay answers for one measured scenario."""

    api: str
    merchant_id: str
    order: dict[str, Any] | None = None  # Order Status of the order whose pages are looked at
    payout: dict[str, Any] | None = None
    linked_order: dict[str, Any] | None = None  # the payment order a payout order names (udf1, today's rule)
    fulfillment_sync: dict[str, Any] | None = None


@dataclass
class Spec:
    """One scenario with its sentinels: the same values in every variant."""

    page: Page
    scenario: Scenario
    values: dict[str, Sentinel]  # value and block fields (blocks: a Sentinel per part, keyed "path/part")
    same: dict[str, str]  # same_as field -> the field whose value it carries

    def sentinels_of(self, f: Field) -> list[Sentinel]:
        path = self.same.get(f.path, f.path)
        if f.kind in ("object", "array"):
            return [self.values[f"{path}/{key}"] for key, _ in f.parts]
        return [self.values[path]] if path in self.values else []

    def top_level(self) -> dict[str, list[Sentinel]]:
        groups: dict[str, list[Sentinel]] = {}
        for f in self.scenario.fields:
            if f.kind != "choice":
                groups.setdefault(f.path.split(".")[0].removesuffix("[]"), []).extend(self.sentinels_of(f))
        return groups


def prepare(page: Page, scenario: Scenario, sentinels: Sentinels) -> Spec:
    values: dict[str, Sentinel] = {}
    same: dict[str, str] = {}
    counted = {f.path for f in scenario.fields}
    for f in scenario.fields:
        if f.same_as:
            same[f.path] = f.same_as
            if f.same_as not in counted:  # a value this scenario does not count: the filler's
                filler = get_path(FILLERS[page.api], f.same_as)
                text = str(filler if filler is not None else f"FC-{f.path}")
                values[f.same_as] = Sentinel(filler if filler is not None else text, (_exact(text),))
        elif f.kind in ("object", "array"):
            for key, kind in f.parts:
                values[f"{f.path}/{key}"] = sentinels.make(kind)
        elif f.kind != "choice":
            values[f.path] = sentinels.make(f.kind)
    return Spec(page, scenario, values, same)


def _field_value(spec: Spec, f: Field) -> Any:
    if f.kind == "choice":
        return f.choices[0]
    if f.kind in ("object", "array"):
        block = {key: spec.values[f"{f.path}/{key}"].value for key, _ in f.parts}
        return [block] if f.kind == "array" else block
    return spec.values[spec.same.get(f.path, f.path)].value


def answer(spec: Spec, overrides: Mapping[str, Any] | None = None) -> Bundle:
    """The scenario's answer(s), every counted field at its value unless `overrides` says otherwise."""
    api = spec.page.api
    doc = copy.deepcopy(FILLERS[api])
    for path in spec.scenario.drop:
        set_path(doc, path, REMOVE)
    deep_merge(doc, spec.scenario.base or {})
    counted = {f.path for f in spec.scenario.fields}
    for f in spec.scenario.fields:
        value = (overrides or {}).get(f.path, _field_value(spec, f))
        if f.kind == "array" and value is not REMOVE:
            set_path(doc, f.path + "[]", value[0])
        else:
            set_path(doc, f.path, value)
    for target, source in TIES[api]:
        if target not in counted and get_path(doc, source) is not None:
            if target.startswith("txn_list[]") and "txn_list" not in doc:
                continue
            set_path(doc, target, get_path(doc, source))
    if api == "order_status":
        return Bundle(api, str(doc.get("merchant_id") or MERCHANT_ID), order=doc)
    if api == "payout_order_status":
        linked = copy.deepcopy(ORDER_FILLER)
        linked["order_id"] = LINKED_ORDER_ID
        doc.setdefault("udf1", LINKED_ORDER_ID)  # the one link to a payment order the product has today
        return Bundle(api, MERCHANT_ID, payout=doc, linked_order=linked)
    order = copy.deepcopy(ORDER_FILLER)
    order["order_id"] = str(doc.get("order_id") or ORDER_ID)
    merchant_id = str(doc.get("merchant_id") or MERCHANT_ID)
    order["merchant_id"] = merchant_id
    return Bundle(api, merchant_id, order=order, fulfillment_sync=doc)


# --- what a person sees -----------------------------------------------------------------------------------


class _Visible(HTMLParser):
    """A page's visible text, and its <pre>/<code>/<textarea> blocks apart (a block may be an answer dump)."""

    SKIP = {"script", "style", "template", "noscript"}
    BLOCKS = {"pre", "code", "textarea"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.blocks: list[list[str]] = []
        self.skip: tuple[str, int] | None = None  # (tag, depth) of a skipped region
        self.block: tuple[str, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip is not None:
            if tag == self.skip[0]:
                self.skip = (tag, self.skip[1] + 1)
            return
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag in self.SKIP or any(RAW_CLASS.fullmatch(c) for c in classes):
            self.skip = (tag, 1)
            return
        if self.block is not None:
            if tag == self.block[0]:
                self.block = (tag, self.block[1] + 1)
        elif tag in self.BLOCKS:
            self.block = (tag, 1)
            self.blocks.append([])
        shown = []
        if values.get("title"):
            shown.append(values["title"] or "")
        if tag == "a" and values.get("href"):
            shown.append(values["href"] or "")
        if tag == "input" and (values.get("type") or "text") != "hidden" and values.get("value"):
            shown.append(values["value"] or "")
        if tag == "img" and values.get("alt"):
            shown.append(values["alt"] or "")
        for item in shown:
            self._add(item)

    def handle_endtag(self, tag: str) -> None:
        if self.skip is not None:
            if tag == self.skip[0]:
                depth = self.skip[1] - 1
                self.skip = None if depth == 0 else (tag, depth)
            return
        if self.block is not None and tag == self.block[0]:
            depth = self.block[1] - 1
            self.block = None if depth == 0 else (tag, depth)

    def handle_data(self, data: str) -> None:
        if self.skip is None:
            self._add(data)

    def _add(self, text: str) -> None:
        (self.blocks[-1] if self.block is not None else self.text).append(text)


def visible_text(pages: list[str], dump_groups: Mapping[str, list[Sentinel]]) -> str:
    """What a person reads on these pages, less any block that dumps the answer."""
    parts: list[str] = []
    for html in pages:
        parser = _Visible()
        parser.feed(html)
        parser.close()
        parts.append(" ".join(parser.text))
        for block in parser.blocks:
            text = " ".join(block)
            keys = sum(1 for sentinels in dump_groups.values() if any(s.seen_in(text) for s in sentinels))
            if keys < DUMP_KEYS:
                parts.append(text)
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


_NOW_STAMP = re.compile(r"\b(?!2023-)\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
_SINCE = re.compile(
    r"\b\d+\s(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?)(?:,\s\d+\s(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?))*"
)
_REQUEST_NO = re.compile(r"#\d+")
_REQUEST_ID = re.compile(r"\b[0-9a-f]{32}\b")  # the request id in every page's footer
_PATH_NO = re.compile(r"/\d+/")


def comparable(text: str) -> str:
    """The text with what changes from one render to the next blanked: now, time since, row numbers, request ids."""
    for pattern, blank in (
        (_NOW_STAMP, "<now>"),
        (_SINCE, "<since>"),
        (_CLOCK, "<clock>"),
        (_REQUEST_NO, "#N"),
        (_REQUEST_ID, "<id>"),
    ):
        text = pattern.sub(blank, text)
    return _PATH_NO.sub("/N/", text)


# --- the product, driven as a person would ------------------------------------------------------------------


class Site:
    """Renders the pages a person looks at for one bundle of answers: role -> HTML of each page fetched."""

    def render(self, bundle: Bundle) -> dict[str, list[str]]:  # pragma: no cover - interface
        raise NotImplementedError

    problems: list[str]


class _JuspayStub:
    """Answers the product's Juspay client with the bundle being measured (on 127.0.0.1, a free port)."""

    def __init__(self) -> None:
        self.bundle: Bundle | None = None
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path.rstrip("/")
                found = stub.lookup(path)
                if found is None:
                    self._send(400, {"status": "NOT_FOUND", "status_id": 40, "error_code": "not_found"})
                else:
                    self._send(200, found)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                if not form and raw.startswith("{"):
                    form = json.loads(raw)
                bundle = stub.bundle
                if self.path.split("?")[0].rstrip("/").endswith("/fulfillment") and bundle and bundle.fulfillment_sync:
                    body = copy.deepcopy(bundle.fulfillment_sync)
                    for command in body.get("commands") or []:
                        if command.get("command") == ECHO:
                            command["command"] = form.get("fulfillment_command", "")
                        if command.get("fulfillment_id") == ECHO:
                            command["fulfillment_id"] = form.get("fulfillment_id", "")
                    self._send(200, body)
                else:
                    self._send(400, {"status": "ERROR", "error_code": "not_measured", "error_message": "not measured"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def lookup(self, path: str) -> dict[str, Any] | None:
        bundle = self.bundle
        if bundle is None:
            return None
        key = path.rsplit("/", 1)[-1]
        if path.startswith("/payout/"):
            return bundle.payout if bundle.payout and str(bundle.payout.get("orderId")) == key else None
        for order in (bundle.order, bundle.linked_order):
            if order and str(order.get("order_id")) == key:
                return order
        return None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Forms(HTMLParser):
    """The forms of a page: action, method and the values a browser would send as they stand."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self.select: str | None = None
        self.hx: list[str] = []  # hx-get URLs that load by themselves

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        trigger = a.get("hx-trigger", "")
        if a.get("hx-get") and any(word in trigger for word in AUTO_TRIGGERS):
            self.hx.append(a["hx-get"])
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(), "data": {}})
        if not self.forms:
            return
        data = self.forms[-1]["data"]
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            data[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("name") and "checked" in a:
            data[a["name"]] = a.get("value", "on")
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select:
            if self.select not in data or "selected" in a:
                data[self.select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            data.setdefault(a["name"], "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None


def parse_forms(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    parser.close()
    return parser


class ProductSite(Site):
    """The real product: Django's test client against the current database, Juspay answered by the stub."""

    def __init__(self) -> None:
        self.stub = _JuspayStub()
        self.problems = []

    def close(self) -> None:
        self.stub.close()

    def note(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def render(self, bundle: Bundle) -> dict[str, list[str]]:
        from django.db import transaction
        from django.test import TestCase

        self.stub.bundle = bundle
        try:
            with transaction.atomic():
                try:
                    with TestCase.captureOnCommitCallbacks(execute=True):
                        merchant, users = self._accounts(bundle)
                    with TestCase.captureOnCommitCallbacks(execute=True):
                        entries = self._load(bundle, merchant, users)
                    with TestCase.captureOnCommitCallbacks(execute=True):
                        return {role: self._pages(users[role], entries, reveal=role == FINANCE) for role in ROLES}
                finally:
                    transaction.set_rollback(True)
        finally:
            self.stub.bundle = None

    def _accounts(self, bundle: Bundle) -> tuple[Any, dict[str, Any]]:
        from django.contrib.auth.models import User

        from dashboard.models import Merchant
        from dashboard.roles import ensure_roles, set_role

        ensure_roles(strict=False)
        merchant = Merchant.objects.create(
            code="field-coverage",
            name="Field coverage merchant",
            base_url=self.stub.url,
            api_key="fc_api_key",
            merchant_id=bundle.merchant_id,
        )
        users = {}
        for role in ROLES:
            user = User.objects.create_user(f"fc-{role.lower()}", password=None)
            set_role(user, role)
            users[role] = user
        return merchant, users

    def _sync(self, merchant: Any, order_id: str, *, payout: bool = False) -> bool:
        from django.core.management import call_command
        from django.core.management.base import CommandError

        try:
            call_command("sync_order", order_id, merchant=merchant.code, payout=payout, stdout=io.StringIO())
        except (CommandError, TypeError) as exc:
            self.note(f"sync_order {order_id}{' --payout' if payout else ''} failed: {exc}")
            return False
        return True

    def _order_page(self, merchant: Any, order_id: str) -> str:
        from django.urls import reverse

        return f"{reverse('orders:detail', args=[order_id])}?merchant={merchant.code}"

    def _load(self, bundle: Bundle, merchant: Any, users: dict[str, Any]) -> list[str]:
        entries: list[str] = []
        if bundle.api == "order_status" and bundle.order:
            if self._sync(merchant, str(bundle.order["order_id"])):
                entries.append(self._order_page(merchant, str(bundle.order["order_id"])))
        elif bundle.api == "payout_order_status" and bundle.payout:
            if bundle.linked_order and self._sync(merchant, str(bundle.linked_order["order_id"])):
                entries.append(self._order_page(merchant, str(bundle.linked_order["order_id"])))
            if self._sync(merchant, str(bundle.payout["orderId"]), payout=True):
                entries += self._payout_pages(merchant, str(bundle.payout["orderId"]))
        elif bundle.api == "fulfillment_sync" and bundle.order:
            order_id = str(bundle.order["order_id"])
            if self._sync(merchant, order_id):
                entries.append(self._order_page(merchant, order_id))
                entries += self._fulfilment_request(merchant, order_id, users)
        return entries

    def _payout_pages(self, merchant: Any, payout_order_id: str) -> list[str]:
        from django.urls import NoReverseMatch, reverse

        from orders.models import PayoutOrder

        payout = PayoutOrder.objects.filter(merchant=merchant, payout_order_id=payout_order_id).first()
        found = [n for n in url_names() if "payout" in n and "detail" in n and n not in PAYOUT_PAGES]
        for name in (*PAYOUT_PAGES, *found):
            for args in ([payout_order_id], [payout.pk] if payout else []):
                if not args:
                    continue
                try:
                    return [f"{reverse(name, args=args)}?merchant={merchant.code}"]
                except NoReverseMatch:
                    continue
        self.note("no payout order page (tried URL names " + ", ".join(PAYOUT_PAGES) + ")")
        return []

    def _fulfilment_request(self, merchant: Any, order_id: str, users: dict[str, Any]) -> list[str]:
        """Raise a NO_ACTION Fulfilment Sync request on the order page's form as Support; Finance approves it
        if the policy asks for an approval; the executor sends it (its on-commit work runs at once)."""
        from django.apps import apps
        from django.test import Client, TestCase
        from django.urls import NoReverseMatch, reverse

        from orders.models import Order

        order = Order.objects.get(merchant=merchant, order_id=order_id)
        try:
            url = reverse("fulfilment:raise_fulfilment", args=[order.pk])
        except NoReverseMatch:
            self.note("no Fulfilment Sync form (fulfilment:raise_fulfilment)")
            return []
        support = Client()
        support.force_login(users[SUPPORT])
        forms = [
            f
            for f in parse_forms(support.get(url).content.decode()).forms
            if f["method"] == "post"
            and ("fulfillment_command" in f["data"] or urlsplit(urljoin(url, f["action"])).path == url)
        ]
        if not forms:
            self.note("the Fulfilment Sync form was not found on " + url)
            return []
        data = dict(forms[0]["data"])
        data.update(
            fulfillment_command="NO_ACTION",
            fulfillment_status="SUCCESS",
            fulfillment_id="FC-FULFILMENT-1",
            fulfillment_data=json.dumps({"delivery": "FC-DELIVERY-1"}),
        )
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = support.post(forms[0]["action"] or url, data)
        model = apps.get_model("fulfilment", "ActionRequest")
        req = model.objects.filter(order=order).order_by("-pk").first()
        if req is None:
            self.note(f"the Fulfilment Sync form did not raise a request (HTTP {response.status_code})")
            return []
        if req.state == "pending":
            finance = Client()
            finance.force_login(users[FINANCE])
            with TestCase.captureOnCommitCallbacks(execute=True):
                finance.post(reverse("fulfilment:approve", args=[req.pk]), {"comment": "field coverage"})
            req.refresh_from_db()
        if req.state != "succeeded":
            self.note(f"the Fulfilment Sync request ended {req.state}: {getattr(req, 'error', '')}")
        return [reverse("fulfilment:detail", args=[req.pk])]

    def _pages(self, user: Any, entries: list[str], *, reveal: bool) -> list[str]:
        from django.test import Client

        client = Client()
        client.force_login(user)
        if reveal:
            for url in entries:
                for form in parse_forms(client.get(url).content.decode()).forms:
                    action = urljoin(url, form["action"])
                    if form["method"] == "post" and "reveal" in _view_name(action):
                        client.post(action, form["data"])
        return list(crawl(client, entries))


def url_names() -> list[str]:
    """Every named URL pattern, with its namespace (`orders:detail`)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    names: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(prefix + pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def _view_name(url: str) -> str:
    from django.urls import Resolver404, resolve

    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return ""


def crawl(client: Any, entries: list[str], *, limit: int = 80) -> Iterator[str]:
    """Each entry page, then every fragment it (or a fragment) loads by itself, once; raw answers left out."""
    queue = [(url, False) for url in entries]
    seen: set[str] = set()
    while queue and len(seen) < limit:
        url, fragment = queue.pop(0)
        if url in seen or "raw" in _view_name(url):
            continue
        seen.add(url)
        response = client.get(url, headers={"HX-Request": "true"} if fragment else {})
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        yield html
        queue += [(urljoin(url, hx), True) for hx in parse_forms(html).hx]


# --- the measurement -------------------------------------------------------------------------------------


@dataclass
class FieldResult:
    field: Field
    scenario: str
    seen: dict[str, str]  # role -> SHOWN, MASKED or ""


@dataclass
class PageResult:
    page: Page
    fields: list[FieldResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def count(self, role: str, *how: str) -> int:
        wanted = how or (SHOWN, MASKED)
        return sum(1 for r in self.fields if r.seen.get(role) in wanted)

    def missing(self, role: str) -> list[str]:
        return [r.field.path for r in self.fields if not r.seen.get(role)]


class _Renders:
    """The texts each role reads for the scenario's answer and its variants, each rendered once."""

    def __init__(self, spec: Spec, site: Site) -> None:
        self.spec, self.site = spec, site
        self.groups = spec.top_level()
        self.cache: dict[tuple[str, str], dict[str, str]] = {}

    def texts(self, key: tuple[str, str], overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
        if key not in self.cache:
            pages = self.site.render(answer(self.spec, overrides))
            self.cache[key] = {role: visible_text(pages.get(role, []), self.groups) for role in ROLES}
        return self.cache[key]


def _touching(words: set[int]) -> Callable[[int, int, str], bool]:
    return lambda i, j, _text: bool(words & set(range(i, j)))


def _judge(f: Field, spec: Spec, renders: _Renders) -> dict[str, str]:
    base = renders.texts(("", ""))
    seen: dict[str, str] = {}
    if f.kind == "choice":
        other = renders.texts((f.path, "other"), {f.path: f.choices[1]})
        for role in ROLES:
            seen[role] = SHOWN if comparable(base[role]) != comparable(other[role]) else ""
        if seen[FINANCE] and not seen[SUPPORT]:
            moved = changed_words(comparable(base[FINANCE]), comparable(other[FINANCE]))
            if masked_where(comparable(base[FINANCE]), comparable(base[SUPPORT]), _touching(moved)):
                seen[SUPPORT] = MASKED
        return seen
    values = spec.sentinels_of(f)
    for role in ROLES:
        seen[role] = SHOWN if any(s.seen_in(base[role]) for s in values) else ""
    if seen[FINANCE] and not seen[SUPPORT]:
        if masked_in(base[FINANCE], base[SUPPORT], values):
            seen[SUPPORT] = MASKED
        else:
            without = renders.texts((f.path, "removed"), {f.path: REMOVE})
            if comparable(without[SUPPORT]) != comparable(base[SUPPORT]):
                seen[SUPPORT] = MASKED
    return seen


def measure(page: Page, site: Site, sentinels: Sentinels | None = None) -> PageResult:
    """Every documented field of the page, judged shown (or not) to each role; see the module's docstring."""
    sentinels = sentinels or Sentinels()
    result = PageResult(page)
    for scenario in page.scenarios:
        spec = prepare(page, scenario, sentinels)
        renders = _Renders(spec, site)
        if any(f.kind == "choice" for f in scenario.fields):
            base, again = renders.texts(("", "")), renders.texts(("", "again"))
            unsteady = [role for role in ROLES if comparable(base[role]) != comparable(again[role])]
            if unsteady:
                result.problems.append(
                    f"{scenario.name}: two renders of one answer differ for {', '.join(unsteady)}; "
                    "the enumerations and booleans of this scenario are unreliable"
                )
        for f in scenario.fields:
            result.fields.append(FieldResult(f, scenario.name, _judge(f, spec, renders)))
    result.problems += site.problems
    return result


MASK_CHARACTERS = ("•", "●", "*")


def masked_where(unmasked: str, masked: str, hit: Callable[[int, int, str], bool]) -> bool:
    """Whether, where `hit` says the unmasked text shows the field (words i..j), the masked text shows a masked
    form instead: the two texts are lined up word by word, and a masked form has a bullet or an asterisk."""
    ours, theirs = unmasked.split(" "), masked.split(" ")
    matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        there = " ".join(theirs[j1:j2])
        if tag == "replace" and hit(i1, i2, " ".join(ours[i1:i2])) and any(c in there for c in MASK_CHARACTERS):
            return True
    return False


def masked_in(unmasked: str, masked: str, values: list[Sentinel]) -> bool:
    """A value field: the unmasked text has one of its values where the masked text has a masked form."""
    return masked_where(unmasked, masked, lambda i, j, text: any(s.seen_in(text) for s in values))


def changed_words(text: str, other: str) -> set[int]:
    """The positions of the words of `text` that `other` does not have at the same place."""
    ours, theirs = text.split(" "), other.split(" ")
    changed: set[int] = set()
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, ours, theirs, autojunk=False).get_opcodes():
        if tag != "equal":
            changed.update(range(i1, max(i2, i1 + 1)))
    return changed


# --- the report ------------------------------------------------------------------------------------------


def report(results: list[PageResult], *, list_missing: bool) -> str:
    lines = [
        "Juspay response fields shown in the product (tests/juspay/field_coverage.py)",
        "",
        f"{'page':<62} {'documented':>10} {'Finance':>8} {'Support':>8} {'(masked)':>9}",
    ]
    for r in results:
        lines.append(
            f"{r.page.title:<62} {len(r.fields):>10} {r.count(FINANCE):>8} {r.count(SUPPORT):>8} "
            f"{'(' + str(r.count(SUPPORT, MASKED)) + ')':>9}"
        )
    total = [sum(len(r.fields) for r in results), *(sum(r.count(role) for r in results) for role in ROLES)]
    lines.append(f"{'all five pages':<62} {total[0]:>10} {total[1]:>8} {total[2]:>8}")
    for r in results:
        if r.problems:
            lines += ["", f"{r.page.title}: notes from the run"] + [f"  - {p}" for p in r.problems]
    if list_missing:
        for r in results:
            lines += ["", f"== {r.page.title} <{r.page.url}>"]
            if r.page.notes:
                lines.append(f"   ({r.page.notes})")
            for role in ROLES:
                missing = r.missing(role)
                lines.append(f"-- not shown to {role} ({len(missing)}):")
                lines += [f"   {path}" for path in missing]
            masked = [x.field.path for x in r.fields if x.seen.get(SUPPORT) == MASKED]
            lines.append(f"-- shown masked to {SUPPORT} ({len(masked)}):")
            lines += [f"   {path}" for path in masked]
    return "\n".join(lines) + "\n"


@contextmanager
def throwaway_database() -> Iterator[None]:
    """A test database of the configured kind (SQLite in memory by default), migrated, dropped after."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"test_{old_name}_field_coverage"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def run(pages: list[Page], site_factory: Callable[[], ProductSite] = ProductSite) -> list[PageResult]:
    sentinels = Sentinels()
    results = []
    for page in pages:
        site = site_factory()
        try:
            results.append(measure(page, site, sentinels))
        finally:
            site.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--list-missing", action="store_true", help="list the documented paths not shown")
    parser.add_argument("--page", action="append", choices=[p.key for p in PAGES], help="only this page (repeatable)")
    parser.add_argument("--output", help="also write the report to this file")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks (the executor) run inline
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    pages = [p for p in PAGES if not args.page or p.key in args.page]
    with throwaway_database():
        results = run(pages)
    text = report(results, list_missing=args.list_missing)
    sys.stdout.write(text)
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
