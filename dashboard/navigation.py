"""The navigation: one list of entries, each shown only to users holding its permission.

Hiding a link is a courtesy; every view checks the same permission on the server.

The context processor hands templates callables, so an htmx fragment (which shows no navigation) computes
nothing: the entries are worked out, once per request, only when a page's template reads them. The entries'
URLs take no arguments, so each is reversed once per process (and script prefix).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None  # None: any signed-in user
    description: str = ""


NAV_ITEMS: list[NavItem] = [
    NavItem("Home", "home", None, "Your starting page."),
    NavItem(
        "Orders",
        "orders:list",
        "orders.view_order",
        "Find an order by id, email, phone or RRN; its status, refunds, payouts and timeline.",
    ),
    NavItem(
        "Payouts",
        "orders:payout_list",
        "orders.view_order",
        "Payout orders: their fulfilments, payments and refunds, by status, type, age and manual review.",
    ),
    NavItem(
        "Approvals",
        "fulfilment:queue",
        "fulfilment.view_actionrequest",
        "Refunds and Fulfilment Sync commands: approve or reject, and follow each one to Juspay's answer.",
    ),
    NavItem(
        "KPIs",
        "kpis:page",
        "orders.view_kpis",
        "Payments, refunds and approvals at a glance: trends, comparisons and the rows behind each figure.",
    ),
    NavItem(
        "Audit log",
        "audit:list",
        "dashboard.view_auditevent",
        "Every action, login and change, tamper-evident; filter and export.",
    ),
    NavItem(
        "Merchants", "merchants:list", "dashboard.change_merchant", "Juspay accounts: base URL, keys, merchant id."
    ),
    NavItem("People & roles", "people:list", "dashboard.manage_roles", "Assign people to roles."),
    NavItem(
        "Approval policy",
        "fulfilment:policy",
        "fulfilment.change_approvalpolicy",
        "How many approvals each kind and amount of request needs, and who may give them; changes need a second Admin.",
    ),
    NavItem(
        "Webhooks",
        "orders:webhook_list",
        "orders.view_raw",
        "What Juspay's webhooks sent, what did not fit, and whether each refresh happened or is being retried.",
    ),
    NavItem(
        "Sync health",
        "health:sync",
        "orders.view_syncfailure",
        "Last successful sync per merchant, ids that fail, webhooks not refreshed, requests stuck.",
    ),
]


@lru_cache(maxsize=256)
def _url(url_name: str, prefix: str, urlconf: Any) -> str:
    """`prefix` (the script prefix, which reverse() reads itself) is only part of the cache key."""
    return reverse(url_name, urlconf=urlconf)


def items_for(user: User | AnonymousUser) -> list[dict[str, str]]:
    if not user.is_authenticated:
        return []
    prefix, urlconf = get_script_prefix(), get_urlconf()
    return [
        {
            "label": item.label,
            "url": _url(item.url_name, prefix, urlconf),
            "url_name": item.url_name,
            "description": item.description,
        }
        for item in NAV_ITEMS
        if item.permission is None or user.has_perm(item.permission)
    ]


def current_url_name(items: list[dict[str, str]], path: str) -> str:
    """The entry a page belongs to: the one whose URL is the longest prefix of the path (an order page is under
    Orders, a request page under Approvals); Home only for the home page itself."""
    best = ""
    best_url = ""
    for item in items:
        url = item["url"]
        matches = path == url if url == "/" else path.startswith(url)
        if matches and len(url) > len(best_url):
            best, best_url = item["url_name"], url
    return best


def navigation(request: HttpRequest) -> dict[str, Callable[[], Any]]:
    """Context processor: `nav_items` and `nav_current`, computed when a template first reads one of them."""

    @cache
    def nav_items() -> list[dict[str, str]]:
        user = getattr(request, "user", None)
        return [] if user is None else items_for(user)

    @cache
    def nav_current() -> str:
        return current_url_name(nav_items(), request.path)

    return {"nav_items": nav_items, "nav_current": nav_current}
