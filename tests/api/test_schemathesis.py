"""Schemathesis against the live schema over real HTTP: every operation gets generated requests (valid and
hostile parameters) from a signed-in token, and no answer may be a 5xx or break the schema (status codes,
content types and bodies as documented). Bounded: a few dozen examples per operation, well under a minute."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES_PER_OPERATION = 40
BUDGET_SECONDS = 180
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_data(make_user, cached_order, merchant):
    """A few real orders and payout orders, so lists and details answer with bodies to validate."""
    from tests.orders.lookup import days_ago
    from tests.orders.payouts import payout_answer, sync_payout, with_payments_and_refunds

    cached_order("order_status_with_refunds.json", order_id="ST-REF", date_created=days_ago(1))
    cached_order("order_status_with_offers.json", order_id="ST-OFF", date_created=days_ago(2))
    cached_order("order_status_split_settlement.json", order_id="ST-SPL", date_created=days_ago(3))
    cached_order("order_status_charged.json", order_id="ST-CHG", date_created=days_ago(40))
    sync_payout(merchant, with_payments_and_refunds(payout_answer(orderId="ST-PO", createdAt=days_ago(2))))
    return {"unresolved": _unresolved_request(make_user("Support"))}


def _unresolved_request(maker) -> int:
    """A refund request whose outcome is unknown (raised by someone else than the token's Finance user), so
    that settling it, and the other decisions on it, answer with bodies to validate, not only 404s."""
    import uuid
    from decimal import Decimal

    from fulfilment import services
    from fulfilment.models import ActionRequest, ActionState
    from orders.models import Order

    order = Order.objects.get(order_id="ST-CHG")
    req = services.raise_refund(
        order, maker=maker, amount=Decimal("1.00"), reason_code="GOODWILL", comment="fuzz", form_token=uuid.uuid4()
    ).request
    ActionRequest.objects.filter(pk=req.pk).update(state=ActionState.UNRESOLVED, error="answer lost")
    return req.pk


def test_no_server_errors_and_no_answer_outside_the_schema(live_server, make_user, api_data):
    from django.utils import timezone

    from dashboard import api_tokens

    secret = api_tokens.issue(
        make_user("Finance"), name="schemathesis", expires_at=timezone.now() + timedelta(days=1)
    ).secret
    auth = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json", headers=auth)
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    seen: dict[str, set[int]] = {}

    for operation in operations:
        fuzz(operation, live_server.url, auth, seen)
    # The decisions (resolve among them) on a request that exists and is unresolved: 200, 400, 403, 409 answers.
    for operation in operations:
        if operation.method.upper() == "POST" and operation.path.startswith("/api/v1/action-requests/{id}/"):
            fuzz(operation, live_server.url, auth, seen, path_parameters={"id": api_data["unresolved"]}, examples=15)
    # The reads of the orders that exist, so their 200 answers are validated too (fuzzed ids only find 404s).
    known = {"order_id": ["ST-REF", "ST-OFF", "ST-SPL", "ST-CHG"], "payout_order_id": ["ST-PO"]}
    for operation in operations:
        if operation.method.upper() != "GET":  # a POST needs its body: fuzzed above
            continue
        for name, values in known.items():
            if "{" + name + "}" not in operation.path:
                continue
            for value in values:
                case = operation.Case(path_parameters={name: value})
                response = case.call(base_url=live_server.url, headers=auth)
                assert response.status_code == 200, (operation.label, value, response.text[:300])
                seen[operation.label].add(200)
                case.validate_response(response, checks=CHECKS, headers=auth)
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET_SECONDS, f"schemathesis took {elapsed:.0f} s"
    assert all(seen.values()) and any(200 in codes for codes in seen.values()), seen
    print(f"schemathesis: {len(operations)} operations, {elapsed:.1f} s, status codes seen {seen}")


def fuzz(
    operation,
    base_url: str,
    auth: dict[str, str],
    seen: dict[str, set[int]],
    *,
    path_parameters: dict[str, object] | None = None,
    examples: int = EXAMPLES_PER_OPERATION,
) -> None:
    """Generated requests for one operation (on the given path parameters, if any), each answer checked against
    the schema."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        if path_parameters:
            case.path_parameters = {**(case.path_parameters or {}), **path_parameters}
        response = case.call(base_url=base_url, headers=auth)
        seen.setdefault(operation.label, set()).add(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=auth)

    run()
