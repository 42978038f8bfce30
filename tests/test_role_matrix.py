"""Every URL of the project, requested as anonymous and as each role, against the expected-access table.

A URL pattern missing from ACCESS fails the test: no page, fragment or endpoint can skip a decision.

Merchant-limited people (dashboard/merchant_scope.py): for each role, a user limited to merchant A gets what
the unlimited role gets about A's objects, and 404 about merchant B's (the same URL with B's order, payout
order, request, webhook, merchant or base URL change), pages, fragments and the API (session and token).
A URL whose pattern takes an id must name a merchant's object or be listed in NOT_MERCHANT_OBJECTS.
"""

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pytest_django import DjangoDbBlocker

from dashboard.roles import ADMIN, FINANCE, MANAGER, ROLES, SUPPORT
from tests.fixtures.orders import example

ANON = "anonymous"
NO_ROLE = "no-role"
IDENTITIES = (ANON, NO_ROLE, *ROLES)
SIGNED_IN = (NO_ROLE, *ROLES)


@dataclass(frozen=True)
class Access:
    allowed: tuple[str, ...]  # identities that get `ok`
    method: str = "get"
    ok: int = 200
    denied: int = 403  # what a signed-in identity outside `allowed` gets
    anonymous: int | None = None  # what anonymous gets when not in allowed (default: redirect to login)
    kwargs: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda ctx: {})
    data: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda ctx: {})
    content_type: str | None = None  # "application/json" for the API's POSTs (data is sent as JSON)
    headers: dict[str, str] = field(default_factory=dict)
    # Merchant-limited people: what an allowed role gets about its own merchant's objects when it differs from
    # `ok` (`limited`), which roles pass the permission check when not those `allowed` (`passes`), and what
    # they get about another merchant's object (`outside`: 404, as for an object that does not exist).
    limited: int | None = None
    passes: tuple[str, ...] | None = None
    outside: int = 404

    def expected_limited(self, role: str) -> int:
        """A person limited to merchant A, about A's objects."""
        if role in self.allowed and self.limited is not None:
            return self.limited
        return self.expected(role)

    def expected_outside(self, role: str) -> int:
        """A person limited to merchant A, about merchant B's object: 403 without the permission, else 404."""
        return self.outside if role in (self.allowed if self.passes is None else self.passes) else self.denied

    def expected(self, identity: str) -> int:
        if identity in self.allowed:
            return self.ok
        if identity == ANON:
            return self.anonymous if self.anonymous is not None else 302
        return self.denied


def only(*roles: str, **options: Any) -> Access:
    return Access(allowed=roles, **options)


LOOKERS = (SUPPORT, FINANCE, MANAGER, ADMIN)
ORDER_WRITERS = (SUPPORT, FINANCE, ADMIN)  # notes, refresh now, live lookup


def ORDER(ctx: dict[str, Any]) -> dict[str, Any]:  # noqa: N802 - reads like the other table constants
    return {"order_id": ctx["order"].order_id}


def ORDER_PK(ctx: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
    return {"order_pk": ctx["order"].pk}


def PAYOUT(ctx: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
    return {"payout_order_id": ctx["payout"].payout_order_id}


def ACTION(ctx: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
    return {"pk": ctx["action"].pk}


def api(*roles: str, **options: Any) -> Access:
    """An API endpoint: anonymous callers get a 401 problem; POST bodies go as JSON."""
    options.setdefault("anonymous", 401)
    if options.get("method") == "post":
        options.setdefault("content_type", "application/json")
    return Access(allowed=roles, **options)


API_KEY = {"Idempotency-Key": "role-matrix-1"}  # each test runs in a savepoint: the key is new every time


ACCESS: dict[str, Access] = {
    "home": only(*SIGNED_IN),
    "account": only(*SIGNED_IN),
    "healthz": only(*IDENTITIES),
    "login": Access(allowed=(ANON,), denied=302),  # signed-in users are sent on to the home page
    "logout": Access(allowed=IDENTITIES, method="post", ok=302),
    # Single sign-on is off unless configured: 404 for everyone. While on, tests/dashboard/test_sso.py
    # (test_the_sso_pages_are_public_while_it_is_on) checks them for anonymous and signed-in people.
    "sso:login": Access(allowed=IDENTITIES, ok=404),
    "sso:callback": Access(allowed=IDENTITIES, ok=404),
    "sso:no_role": Access(allowed=IDENTITIES, ok=404),
    "audit:list": only(MANAGER, ADMIN),
    "audit:export": only(MANAGER, ADMIN),
    "kpis:page": only(MANAGER, ADMIN),
    "kpis:headline": only(MANAGER, ADMIN),
    "kpis:section": only(MANAGER, ADMIN, kwargs=lambda ctx: {"name": "refunds"}),
    "kpis:export": only(MANAGER, ADMIN, kwargs=lambda ctx: {"name": "payments", "table": "methods"}),
    "people:list": only(ADMIN),
    "people:set_role": only(
        ADMIN,
        method="post",
        ok=302,
        kwargs=lambda ctx: {"user_id": ctx["target"].pk},
        data=lambda ctx: {f"{ctx['target'].pk}-role": SUPPORT},
    ),
    # Limiting someone to merchants: Admin; an Admin limited to merchants may not (403, the service refuses).
    "people:set_merchants": only(
        ADMIN,
        method="post",
        ok=302,
        limited=403,
        kwargs=lambda ctx: {"user_id": ctx["target"].pk},
        data=lambda ctx: {f"m{ctx['target'].pk}-merchants": [ctx["merchant"].code]},
    ),
    "merchants:list": only(ADMIN),
    # Adding a merchant: Admin; an Admin limited to merchants may not (403 saying why: it would be hidden from them).
    "merchants:add": only(ADMIN, limited=403),
    # Juspay's webhooks authenticate with Basic auth, never a session: without it everyone gets 401.
    "orders:webhook": Access(allowed=IDENTITIES, method="post", ok=401),
    "orders:webhook_list": only(ADMIN),
    "health:sync": only(ADMIN),
    "health:summary": only(ADMIN),
    "orders:webhook_detail": only(ADMIN, kwargs=lambda ctx: {"pk": ctx["webhook"].pk}),
    "merchants:edit": only(ADMIN, kwargs=lambda ctx: {"pk": ctx["merchant"].pk}),
    # A proposed base URL: another Admin approves or rejects it (302 with a message whatever the outcome).
    "merchants:change_approve": only(ADMIN, method="post", ok=302, kwargs=lambda ctx: {"pk": ctx["change"].pk}),
    "merchants:change_reject": only(ADMIN, method="post", ok=302, kwargs=lambda ctx: {"pk": ctx["change"].pk}),
    # The order lookup: Support, Finance, Manager and Admin look; Manager only looks; Raw is Admin's.
    "orders:list": only(*LOOKERS),
    "orders:search": only(*LOOKERS, ok=302),  # without htmx it sends the query on to the list
    "orders:lookup": only(*ORDER_WRITERS, method="post", ok=302, data=lambda ctx: {"order_id": "?"}),
    "orders:export": only(*LOOKERS),
    "orders:exports": only(*LOOKERS),
    # Someone else's export does not exist for you (404), whatever your role; no role at all: 403.
    "orders:export_status": only(*LOOKERS, ok=404, kwargs=lambda ctx: {"pk": ctx["export"].pk}),
    "orders:export_download": only(*LOOKERS, ok=404, kwargs=lambda ctx: {"pk": ctx["export"].pk}),
    "orders:detail": only(*LOOKERS, kwargs=ORDER),
    "orders:timeline": only(*LOOKERS, kwargs=ORDER),
    "orders:payment": only(*LOOKERS, kwargs=ORDER),
    "orders:refunds": only(*LOOKERS, kwargs=ORDER),
    "orders:splits": only(*LOOKERS, kwargs=ORDER),
    "orders:offers": only(*LOOKERS, kwargs=ORDER),
    "orders:payouts": only(*LOOKERS, kwargs=ORDER),
    "orders:raw": only(ADMIN, kwargs=ORDER),
    "orders:refresh": only(*ORDER_WRITERS, method="post", ok=302, kwargs=ORDER),
    "orders:reveal": only(FINANCE, ADMIN, method="post", ok=302, kwargs=ORDER),
    "orders:add_note": only(
        *ORDER_WRITERS,
        method="post",
        ok=302,
        kwargs=ORDER,
        data=lambda ctx: {"body": "Customer called about this order."},
    ),
    # Payout orders: as for orders (Raw is Admin's, reveal Finance's and Admin's).
    "orders:payout_list": only(*LOOKERS),
    "orders:payout_detail": only(*LOOKERS, kwargs=PAYOUT),
    "orders:payout_fulfillments": only(*LOOKERS, kwargs=PAYOUT),
    "orders:payout_payments": only(*LOOKERS, kwargs=PAYOUT),
    "orders:payout_refunds": only(*LOOKERS, kwargs=PAYOUT),
    "orders:payout_related": only(*LOOKERS, kwargs=PAYOUT),
    "orders:payout_timeline": only(*LOOKERS, kwargs=PAYOUT),
    "orders:payout_raw": only(ADMIN, kwargs=PAYOUT),
    "orders:payout_refresh": only(*ORDER_WRITERS, method="post", ok=302, kwargs=PAYOUT),
    "orders:payout_reveal": only(FINANCE, ADMIN, method="post", ok=302, kwargs=PAYOUT),
    # Approvals: everyone with a role but no-role reads the queue (Manager read-only); Support, Finance and
    # Admin raise; Finance and Admin decide (never on their own requests: the service refuses, see
    # tests/fulfilment); Admin edits the policy. Decisions answer 302 (with a message) to whoever may try.
    "fulfilment:queue": only(*LOOKERS),
    "fulfilment:detail": only(*LOOKERS, kwargs=ACTION),
    "fulfilment:order_actions": only(*LOOKERS, kwargs=ORDER_PK),
    "fulfilment:raise_refund": only(*ORDER_WRITERS, kwargs=ORDER_PK),
    "fulfilment:raise_fulfilment": only(*ORDER_WRITERS, kwargs=ORDER_PK),
    "fulfilment:cancel": only(*ORDER_WRITERS, method="post", ok=302, kwargs=ACTION),
    "fulfilment:approve": only(FINANCE, ADMIN, method="post", ok=302, kwargs=ACTION),
    "fulfilment:reject": only(
        FINANCE, ADMIN, method="post", ok=302, kwargs=ACTION, data=lambda ctx: {"comment": "not needed"}
    ),
    "fulfilment:retry": only(FINANCE, ADMIN, method="post", ok=302, kwargs=lambda ctx: {"pk": ctx["failed"].pk}),
    "fulfilment:resolve": only(
        FINANCE,
        ADMIN,
        method="post",
        ok=302,
        kwargs=lambda ctx: {"pk": ctx["failed"].pk},
        data=lambda ctx: {"outcome": "not_happened", "comment": "Juspay support, ticket 1"},
    ),
    # The first POST answers the confirm step (the total being approved), 200; only its Confirm approves.
    # Another merchant's request is not in the selection: "none of the selected is waiting for you", back to the
    # queue (tests/test_merchant_scope.py checks that it stays pending).
    "fulfilment:bulk_approve": only(
        FINANCE, ADMIN, method="post", ok=200, outside=302, data=lambda ctx: {"requests": [ctx["action"].pk]}
    ),
    "fulfilment:policy": only(ADMIN),
    # A proposed policy version: another Admin approves or rejects it (its maker may only withdraw it).
    "fulfilment:policy_approve": only(ADMIN, method="post", ok=302, kwargs=lambda ctx: {"pk": ctx["proposed"].pk}),
    "fulfilment:policy_reject": only(ADMIN, method="post", ok=302, kwargs=lambda ctx: {"pk": ctx["proposed"].pk}),
    "fulfilment:command_add": only(ADMIN, method="post", ok=302, data=lambda ctx: {"value": "RELEASE_HOLD"}),
    "fulfilment:command_remove": only(ADMIN, method="post", ok=302, kwargs=lambda ctx: {"pk": ctx["option"].pk}),
    # The REST API (dashboard/api): anonymous callers get a 401 problem, not a login redirect. The schema
    # is for anyone signed in; the docs page is a page (anonymous: sent to login). Unknown /api/ paths: 404.
    "api:schema": only(*SIGNED_IN, anonymous=401),
    "api:docs": only(*SIGNED_IN),
    "api:not_found": Access(allowed=IDENTITIES, ok=404),
    "api:orders-list": only(*LOOKERS, anonymous=401),
    "api:orders-detail": only(*LOOKERS, anonymous=401, kwargs=ORDER),
    "api:payouts-list": only(*LOOKERS, anonymous=401),
    "api:payouts-detail": only(*LOOKERS, anonymous=401, kwargs=PAYOUT),
    # Personal API tokens: everyone signed in manages their own; Admin revokes anyone's (others: not found).
    "tokens:list": only(*SIGNED_IN),
    "tokens:create": only(
        *SIGNED_IN, method="post", data=lambda ctx: {"name": "matrix script", "expires_on": ctx["token_expiry"]}
    ),
    "tokens:revoke": only(ADMIN, method="post", ok=302, denied=404, kwargs=lambda ctx: {"pk": ctx["token"].pk}),
    # Action requests, notes, refresh, reveal, audit events, KPIs (branch api-actions; tests/api/ for the rest).
    "api:action_requests": api(*LOOKERS),
    "api:action_request": api(*LOOKERS, kwargs=ACTION),
    # Another merchant's order in the body is, as an unknown one, a 400 naming `order_id`.
    "api:action_request_raise_refund": api(
        *ORDER_WRITERS,
        method="post",
        ok=201,
        outside=400,
        headers=API_KEY,
        data=lambda ctx: {
            "order_id": ctx["order"].order_id,
            "amount": "1.00",
            "reason_code": "GOODWILL",
            "comment": "matrix",
        },
    ),
    "api:action_request_raise_fulfilment": api(
        *ORDER_WRITERS,
        method="post",
        ok=201,
        outside=400,
        headers=API_KEY,
        data=lambda ctx: {
            "order_id": ctx["order"].order_id,
            "fulfillment_command": "INITIATE_CREDIT",
            "fulfillment_status": "SUCCESS",
        },
    ),
    "api:action_request_approve": api(FINANCE, ADMIN, method="post", kwargs=ACTION),
    "api:action_request_reject": api(
        FINANCE, ADMIN, method="post", kwargs=ACTION, data=lambda ctx: {"reason": "not needed"}
    ),
    # Only the maker cancels: every identity here passes or fails the role check and is then refused as not the
    # maker (403); tests/api/test_action_requests_api.py cancels as the maker.
    "api:action_request_cancel": api(method="post", kwargs=ACTION, passes=ORDER_WRITERS),
    "api:action_request_retry": api(FINANCE, ADMIN, method="post", kwargs=lambda ctx: {"pk": ctx["failed"].pk}),
    # Settling an unknown outcome: Finance and Admin (never the maker); others 403, anonymous 401.
    "api:action_request_resolve": api(
        FINANCE,
        ADMIN,
        method="post",
        kwargs=lambda ctx: {"pk": ctx["unresolved"].pk},
        data=lambda ctx: {"outcome": "not_happened", "comment": "Juspay support, ticket 1"},
    ),
    "api:audit_events": api(MANAGER, ADMIN),
    "api:kpis": api(MANAGER, ADMIN),
    "api:order_notes": api(*LOOKERS, kwargs=ORDER),
    # The merchant points nowhere: the refresh answers 200 with `refreshed: false`.
    "api:order_refresh": api(*ORDER_WRITERS, method="post", kwargs=ORDER),
    "api:order_reveal": api(FINANCE, ADMIN, method="post", kwargs=ORDER),
    # Two-factor sign-in (branch totp): everyone signed in may enrol; nobody here has a device, so the code step
    # sends them on, and removal or new recovery codes answer with a message. Resets: Admin, another approves.
    "two_factor:verify": only(*SIGNED_IN, ok=302),
    "two_factor:enrol": only(*SIGNED_IN),
    "two_factor:remove": only(*SIGNED_IN, method="post", ok=302, data=lambda ctx: {"code": "000000"}),
    "two_factor:recovery_codes": only(*SIGNED_IN, method="post", ok=302),
    "people:factor_reset": only(
        ADMIN, method="post", ok=302, kwargs=lambda ctx: {"user_id": ctx["target"].pk}, data=lambda ctx: {"reason": "x"}
    ),
    "people:factor_reset_approve": only(ADMIN, method="post", ok=302, kwargs=lambda ctx: {"pk": ctx["reset"].pk}),
    "people:factor_reset_reject": only(ADMIN, method="post", ok=302, kwargs=lambda ctx: {"pk": ctx["reset"].pk}),
}

# The API answers a personal token as it answers the same person's session (the docs page is a page: no token).
API_URLS = sorted(name for name in ACCESS if name.startswith("api:") and name != "api:docs")


def _walk(patterns: list, namespace: str = "") -> list[str]:
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            names += _walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(namespace + entry.name)
        elif isinstance(entry, URLPattern):
            names.append(f"{namespace}<unnamed {entry.pattern}>")
    return names


def all_url_names() -> list[str]:
    return _walk(get_resolver().url_patterns)


def test_every_url_pattern_has_an_access_decision():
    names = all_url_names()
    missing = sorted(set(names) - set(ACCESS))
    stale = sorted(set(ACCESS) - set(names))
    assert not missing, f"URL patterns without an entry in the role-matrix table: {missing}"
    assert not stale, f"Role-matrix entries for URLs that no longer exist: {stale}"


@pytest.fixture(scope="module")
def matrix_context(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, Any]]:
    """The users, order, export and requests the table's URLs name: built once for the module's 300-odd
    tests, inside a transaction rolled back after the last one. Each test runs in a savepoint within it, so
    whatever a POST changes (an approval, a role, a note) is undone before the next test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            context = _build_context()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield context
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _build_context() -> dict[str, Any]:
    context = _unlimited_context()
    context.update(_merchant_b_context(context))
    return context


def _unlimited_context() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from dashboard.juspay.types_order import Order
    from dashboard.juspay.types_payout import PayoutOrder
    from dashboard.merchants import default_merchant, propose_base_url
    from dashboard.models import Merchant
    from dashboard.roles import ensure_roles, set_role
    from orders.models import OrderExport, SyncSource, WebhookEvent
    from orders.sync import apply_order, apply_payout_order

    ensure_roles(strict=True)

    def make_user(role: str | None, username: str) -> AbstractBaseUser:
        user = get_user_model().objects.create_user(username=username, email=f"{username}@example.com")
        set_role(user, role)
        return user

    merchant = default_merchant()
    merchant.base_url = "http://127.0.0.1:9"  # nothing listens: "refresh now" fails fast, the page still answers
    merchant.save()
    target = make_user(FINANCE, "target-person")
    other = Merchant.objects.create(
        code="matrix-other", name="Other", base_url="https://api.juspay.in", api_key="k", merchant_id="other"
    )
    change = propose_base_url(
        other, base_url="https://sandbox.juspay.in", api_key="k2", actor=make_user(ADMIN, "merchant-admin")
    )
    from datetime import timedelta

    from dashboard import api_tokens

    token = api_tokens.issue(target, name="matrix", expires_at=timezone.now() + timedelta(days=5)).token
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dashboard import two_factor_resets

    TOTPDevice.objects.create(user=target, name="matrix", confirmed=True)
    reset = two_factor_resets.propose(target, actor=make_user(ADMIN, "reset-admin"), reason="matrix")
    parsed = Order.parse({**example("order_status_with_refunds.json"), "order_id": "ORDMATRIX1"})
    order = apply_order(merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now()).obj
    payout = apply_payout_order(
        merchant,
        PayoutOrder.parse({**example("payout_order_status_payment.json"), "orderId": "POMATRIX1"}),
        source=SyncSource.JUSPAY_POLL,
        fetched_at=timezone.now(),
    ).obj
    return {
        "token": token,
        "reset": reset,
        "token_expiry": (timezone.now() + timedelta(days=10)).date().isoformat(),
        "payout": payout,
        "identities": {
            identity: make_user(None if identity == NO_ROLE else identity, f"as-{identity.lower()}")
            for identity in SIGNED_IN
        },
        "target": target,
        "merchant": merchant,
        "change": change,
        "order": order,
        "export": OrderExport.objects.create(user=target, query=""),
        "webhook": WebhookEvent.objects.create(
            merchant=merchant, event_id="evt_V2_matrix", event_name="ORDER_SUCCEEDED", order_id="ORDMATRIX1", payload={}
        ),
        **_approval_context(order, make_user),
        "make_user": make_user,
        "other": other,
    }


def _approval_context(order: Any, make_user: Callable[[str | None, str], AbstractBaseUser]) -> dict[str, Any]:
    """A pending refund request raised by someone else, a failed one that may be retried, one whose outcome is
    unknown (to settle), an extra command."""
    import uuid
    from decimal import Decimal

    from fulfilment import policy, services
    from fulfilment.models import ActionRequest, ActionState

    maker = make_user(SUPPORT, "maker-person")

    def raise_one() -> ActionRequest:
        return services.raise_refund(
            order,
            maker=maker,
            amount=Decimal("1.00"),
            reason_code="GOODWILL",
            comment="matrix",
            form_token=uuid.uuid4(),
        ).request

    action, failed, unresolved = raise_one(), raise_one(), raise_one()
    ActionRequest.objects.filter(pk=failed.pk).update(state=ActionState.FAILED, retry_safe=True, error="unreachable")
    ActionRequest.objects.filter(pk=unresolved.pk).update(state=ActionState.UNRESOLVED, error="answer lost")
    policy_admin = make_user(ADMIN, "policy-admin")
    option = policy.add_command_option("HOLD", description="", actor=policy_admin)
    proposed = policy.propose_policy({"expiry_hours": 24}, actor=policy_admin, based_on=0)
    return {"action": action, "failed": failed, "unresolved": unresolved, "option": option, "proposed": proposed}


def _merchant_b_context(ctx: dict[str, Any]) -> dict[str, Any]:
    """Merchant B's objects (B is the `other` merchant, whose base URL change is pending), a pending change of
    merchant A's base URL, and for each role a person limited to merchant A."""
    import uuid
    from decimal import Decimal

    from django.utils import timezone

    from dashboard.juspay.types_order import Order
    from dashboard.juspay.types_payout import PayoutOrder
    from dashboard.merchants import propose_base_url
    from dashboard.models import MerchantAccess
    from fulfilment import services
    from fulfilment.models import ActionRequest, ActionState
    from orders.models import SyncSource, WebhookEvent
    from orders.sync import apply_order, apply_payout_order

    make_user, a, b = ctx["make_user"], ctx["merchant"], ctx["other"]
    parsed = Order.parse({**example("order_status_with_refunds.json"), "order_id": "ORDMATRIXB"})
    order = apply_order(b, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now()).obj
    payout = apply_payout_order(
        b,
        PayoutOrder.parse({**example("payout_order_status_payment.json"), "orderId": "POMATRIXB"}),
        source=SyncSource.JUSPAY_POLL,
        fetched_at=timezone.now(),
    ).obj
    maker = make_user(SUPPORT, "maker-of-b")

    def raise_one() -> ActionRequest:
        return services.raise_refund(
            order, maker=maker, amount=Decimal("1.00"), reason_code="GOODWILL", comment="b", form_token=uuid.uuid4()
        ).request

    action, failed, unresolved = raise_one(), raise_one(), raise_one()
    ActionRequest.objects.filter(pk=failed.pk).update(state=ActionState.FAILED, retry_safe=True, error="unreachable")
    ActionRequest.objects.filter(pk=unresolved.pk).update(state=ActionState.UNRESOLVED, error="answer lost")
    webhook = WebhookEvent.objects.create(
        merchant=b, event_id="evt_V2_matrix_b", event_name="ORDER_SUCCEEDED", order_id="ORDMATRIXB", payload={}
    )
    limited = {}
    for role in ROLES:
        limited[role] = make_user(role, f"limited-{role.lower()}")
        MerchantAccess.objects.create(user=limited[role], merchant=a)
    change_a = propose_base_url(
        a, base_url="https://api.juspay.in", api_key="k3", actor=make_user(ADMIN, "merchant-admin-a")
    )
    b_objects = {"merchant": b, "order": order, "payout": payout, "action": action, "failed": failed}
    b_objects |= {"unresolved": unresolved, "webhook": webhook, "change": ctx["change"]}
    return {"limited": limited, "about_a": {"change": change_a}, "about_b": b_objects}


def about(ctx: dict[str, Any], which: str) -> dict[str, Any]:
    """The context with merchant A's objects (`which` = "about_a") or merchant B's ("about_b")."""
    return {**ctx, **ctx[which]}


# URLs whose pattern takes an id or a name that is not a merchant's object: the same for everyone.
NOT_MERCHANT_OBJECTS = {
    "people:set_role": "a person",
    "people:set_merchants": "a person",
    "people:factor_reset": "a person's second factor",
    "people:factor_reset_approve": "a proposed reset of a person's second factor",
    "people:factor_reset_reject": "a proposed reset of a person's second factor",
    "tokens:revoke": "an API token (its owner's)",
    "orders:export_status": "an export (its owner's; its rows are scoped when written)",
    "orders:export_download": "an export (its owner's; its rows are scoped when written)",
    "kpis:section": "a KPI section's name (the figures sum the person's merchants)",
    "kpis:export": "a KPI table's name (the figures sum the person's merchants)",
    "fulfilment:policy_approve": "an approval policy version",
    "fulfilment:policy_reject": "an approval policy version",
    "fulfilment:command_remove": "a Fulfilment Sync command option",
    "api:not_found": "any unknown /api/ path",
}


def _takes_an_id(pattern: URLPattern) -> bool:
    return bool(getattr(pattern.pattern, "converters", None) or pattern.pattern.regex.groupindex)


def _patterns(patterns: list, namespace: str = "") -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found |= _patterns(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            found[namespace + entry.name] = entry
    return found


def _names_a_merchant_object(ctx: dict[str, Any], access: Access) -> bool:
    a, b = about(ctx, "about_a"), about(ctx, "about_b")
    return access.kwargs(a) != access.kwargs(b) or access.data(a) != access.data(b)


SCOPED_CONTEXT_KEYS = ("merchant", "order", "payout", "action", "failed", "unresolved", "webhook", "change")


@pytest.mark.django_db
def test_every_url_with_an_id_is_covered_for_merchant_limited_people(matrix_context: dict[str, Any]) -> None:
    """A new URL that takes an id must name one of a merchant's objects in its ACCESS entry (so the limited
    matrix below asks for merchant B's and expects 404), or say here why it names none."""
    assert set(matrix_context["about_b"]) == set(SCOPED_CONTEXT_KEYS)
    uncovered = sorted(name for name in OUTSIDE_URLS if not _names_a_merchant_object(matrix_context, ACCESS[name]))
    assert not uncovered, f"URLs with an id that the merchant-limited matrix does not cover: {uncovered}"
    stale = sorted(name for name in NOT_MERCHANT_OBJECTS if name not in ACCESS)
    assert not stale, stale


def _request(client: Client, url_name: str, ctx: dict[str, Any], headers: dict[str, str]) -> Any:
    access = ACCESS[url_name]
    url = reverse(url_name, kwargs=access.kwargs(ctx))
    options: dict[str, Any] = {"headers": headers}
    if access.content_type:
        options["content_type"] = access.content_type
    return getattr(client, access.method)(url, data=access.data(ctx), **options)


LIMITED_URLS = sorted(name for name in ACCESS if name not in ("login", "logout", "healthz", "orders:webhook"))
# Body-only: these name merchant B's order or request in what they post, not in their URL.
BODY_NAMES_AN_OBJECT = {
    "api:action_request_raise_refund",
    "api:action_request_raise_fulfilment",
    "fulfilment:bulk_approve",
}
# Every URL that takes an id names a merchant's object unless NOT_MERCHANT_OBJECTS says otherwise; the test
# above checks that each of these really asks about B's object.
OUTSIDE_URLS = sorted(
    BODY_NAMES_AN_OBJECT
    | {
        name
        for name, pattern in _patterns(get_resolver().url_patterns).items()
        if _takes_an_id(pattern) and name not in NOT_MERCHANT_OBJECTS
    }
)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", LIMITED_URLS)
def test_limited_people_get_what_their_role_gets_about_their_merchant(
    client: Client, matrix_context: dict[str, Any], url_name: str, role: str
) -> None:
    access = ACCESS[url_name]
    client.force_login(matrix_context["limited"][role])
    response = _request(client, url_name, about(matrix_context, "about_a"), dict(access.headers))
    expected = access.expected_limited(role)
    assert response.status_code == expected, f"limited {role} {url_name}: got {response.status_code}, want {expected}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", OUTSIDE_URLS)
def test_limited_people_get_404_about_another_merchant(
    client: Client, matrix_context: dict[str, Any], url_name: str, role: str
) -> None:
    access = ACCESS[url_name]
    client.force_login(matrix_context["limited"][role])
    response = _request(client, url_name, about(matrix_context, "about_b"), dict(access.headers))
    expected = access.expected_outside(role)
    assert response.status_code == expected, f"limited {role} {url_name}: got {response.status_code}, want {expected}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", [name for name in OUTSIDE_URLS if name in API_URLS])
def test_limited_people_get_404_about_another_merchant_with_a_token(
    matrix_context: dict[str, Any], url_name: str, role: str
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dashboard import api_tokens

    access = ACCESS[url_name]
    user = matrix_context["limited"][role]
    secret = api_tokens.issue(user, name="matrix", expires_at=timezone.now() + timedelta(days=1)).secret
    headers = {**access.headers, "Authorization": f"Bearer {secret}"}
    response = _request(Client(), url_name, about(matrix_context, "about_b"), headers)
    expected = access.expected_outside(role)
    assert response.status_code == expected, f"limited {role} (token) {url_name}: got {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("url_name", sorted(ACCESS))
def test_role_matrix(client: Client, matrix_context: dict[str, Any], url_name: str, identity: str) -> None:
    access = ACCESS[url_name]
    if identity != ANON:
        client.force_login(matrix_context["identities"][identity])
    url = reverse(url_name, kwargs=access.kwargs(matrix_context))
    options: dict[str, Any] = {"headers": access.headers}
    if access.content_type:
        options["content_type"] = access.content_type
    response = getattr(client, access.method)(url, data=access.data(matrix_context), **options)
    expected = access.expected(identity)
    assert response.status_code == expected, (
        f"{identity} {access.method.upper()} {url}: got {response.status_code}, expected {expected}"
    )
    if expected == 302 and identity == ANON and ANON not in access.allowed:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("url_name", API_URLS)
def test_api_role_matrix_with_a_token(matrix_context: dict[str, Any], url_name: str, identity: str) -> None:
    """Each API URL through `Authorization: Bearer` (anonymous: no header): the same answers as the session."""
    from datetime import timedelta

    from django.utils import timezone

    from dashboard import api_tokens

    access = ACCESS[url_name]
    headers = dict(access.headers)
    if identity != ANON:
        user = matrix_context["identities"][identity]
        secret = api_tokens.issue(user, name="matrix", expires_at=timezone.now() + timedelta(days=1)).secret
        headers["Authorization"] = f"Bearer {secret}"
    url = reverse(url_name, kwargs=access.kwargs(matrix_context))
    options: dict[str, Any] = {"headers": headers}
    if access.content_type:
        options["content_type"] = access.content_type
    response = getattr(Client(), access.method)(url, data=access.data(matrix_context), **options)
    expected = access.expected(identity)
    assert response.status_code == expected, (
        f"{identity} (token) {access.method.upper()} {url}: got {response.status_code}, expected {expected}"
    )
