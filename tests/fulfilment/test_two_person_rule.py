"""No single person can move money: whatever the policy says, a refund or a money-moving command needs an
approval by someone other than its maker (issue 14). Only commands that move no money may need none."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from fulfilment import policy, services
from fulfilment.models import ActionKind, ActionRequest, ActionState, ApprovalPolicy


def _stored_policy(rules, admin):
    """A policy row written straight to the table (an older version, or one that skipped the editor's checks)."""
    ApprovalPolicy.objects.filter(is_active=True).update(is_active=False)
    return ApprovalPolicy.objects.create(version=99, rules=rules, is_active=True, created_by=admin)


def _raw_zero_rules():
    rules = policy.normalise({})
    rules["refund"] = {"approvals": 0, "tiers": []}
    rules["fulfilment"]["approvals"] = 0
    rules["fulfilment"]["commands"] = {"INITIATE_REFUND": 0, "NO_ACTION": 0}
    return rules


def test_the_requirement_never_asks_fewer_than_one_approval_for_money():
    current = policy.Policy(7, _raw_zero_rules())
    assert current.approvals_for(ActionKind.REFUND, amount=Decimal("10")) == 1
    assert current.approvals_for(ActionKind.FULFILMENT, command="INITIATE_REFUND") == 1
    assert current.requirement(ActionKind.REFUND, amount=Decimal("10")).approvals == 1
    # A command that moves no money may still need none.
    assert current.approvals_for(ActionKind.FULFILMENT, command="NO_ACTION") == 0


@pytest.mark.parametrize(
    "rules, message",
    [
        ({"refund": {"approvals": 0, "tiers": []}}, "refund needs at least one approval"),
        ({"refund": {"approvals": 1, "tiers": [{"above": "500", "approvals": 0}]}}, "refund needs at least one"),
        ({"fulfilment": {"approvals": 1, "commands": {"INITIATE_REFUND": 0}}}, "INITIATE_REFUND moves money"),
        (
            {
                "fulfilment": {
                    "approvals": 1,
                    "commands": {"INVOICE": 0},
                    "money": {"INITIATE_REFUND": "balance", "INVOICE": "entered"},
                }
            },
            "INVOICE moves money",
        ),
    ],
)
def test_a_policy_letting_one_person_move_money_is_refused(rules, message):
    with pytest.raises(policy.PolicyError, match=message):
        policy.check_two_person_rule(policy.normalise(rules))


def test_no_approval_for_a_command_that_moves_no_money_is_allowed():
    policy.check_two_person_rule(policy.normalise({"fulfilment": {"approvals": 0, "commands": {"NO_ACTION": 0}}}))


@pytest.mark.django_db
def test_a_refund_waits_for_a_second_person_even_under_a_stored_zero_approval_policy(
    sim_order, make_user, refund_request, juspay_sim, django_capture_on_commit_callbacks
):
    _stored_policy(_raw_zero_rules(), make_user("Admin"))
    order = sim_order(amount=1000)
    with django_capture_on_commit_callbacks(execute=True):
        req = refund_request(order, "100.00")
    req.refresh_from_db()
    assert req.state == ActionState.PENDING and req.required_approvals == 1
    assert juspay_sim.refunds(order.order_id) == []


@pytest.mark.django_db
def test_the_raise_service_never_auto_approves_money_even_if_the_requirement_says_zero(
    sim_order, make_user, refund_request, monkeypatch, juspay_sim, django_capture_on_commit_callbacks
):
    """Defence in depth: the service that moves a request to approved checks the rule on its own."""
    monkeypatch.setattr(policy.Policy, "approvals_for", lambda self, kind, **kw: 0)
    order = sim_order(amount=1000)
    with django_capture_on_commit_callbacks(execute=True):
        req = refund_request(order, "100.00")
    req.refresh_from_db()
    assert req.state == ActionState.PENDING and req.required_approvals == 1
    assert juspay_sim.refunds(order.order_id) == []


@pytest.mark.django_db
def test_approve_needs_one_approval_by_someone_other_than_the_maker(
    sim_order, make_user, refund_request, django_capture_on_commit_callbacks
):
    """A request whose stored count is 0 still moves to approved only on another person's approval."""
    maker = make_user("Finance")
    req = refund_request(sim_order(amount=1000), "100.00", maker=maker)
    ActionRequest.objects.filter(pk=req.pk).update(required_approvals=0)
    with pytest.raises(services.SelfApprovalError):
        services.approve(req.pk, approver=maker)
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.PENDING
    with django_capture_on_commit_callbacks(execute=False):
        decided = services.approve(req.pk, approver=make_user("Finance"))
    assert decided.final and decided.request.state == ActionState.APPROVED


@pytest.mark.django_db
def test_a_no_money_command_may_still_be_sent_without_approval(sim_order, make_user):
    req = services.raise_fulfilment(
        sim_order(amount=1000),
        maker=make_user("Support"),
        command="NO_ACTION",
        fulfillment_id=f"f-{uuid.uuid4().hex[:8]}",
        status="SUCCESS",
        fulfillment_data="delivered",
        form_token=uuid.uuid4(),
    ).request
    assert req.required_approvals == 0 and req.state != ActionState.PENDING


POLICY_FORM = {
    "based_on": "0",
    "approver_roles": ["Finance", "Admin"],
    "expiry_hours": "72",
    "refund_approvals": "1",
    "fulfilment_approvals": "1",
    "cmd_NO_ACTION": "0",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"refund_approvals": "0"}, "refund_approvals", "A refund needs at least one approval"),
        ({"refund_threshold": "500", "refund_high_approvals": "0"}, "refund_high_approvals", "above any threshold"),
        ({"cmd_INITIATE_REFUND": "0"}, "cmd_INITIATE_REFUND", "INITIATE_REFUND moves money"),
    ],
)
def test_the_policy_editor_refuses_a_version_letting_one_person_move_money(client, make_user, change, field, message):
    client.force_login(make_user("Admin"))
    response = client.post(reverse("fulfilment:policy"), {**POLICY_FORM, **change})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not ApprovalPolicy.objects.exists()
