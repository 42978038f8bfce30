"""Who may decide on, retry or cancel a request: the pages offer exactly what the services allow, and say why not."""

import pytest

from fulfilment import selectors, services
from fulfilment.models import ActionRequest, ActionState
from fulfilment.permissions import Person, holds_approver_role
from tests.fixtures.policy import activate_policy

pytestmark = pytest.mark.django_db


def test_superusers_hold_every_role_and_others_need_a_named_one(make_user):
    def holds(user, roles):
        return holds_approver_role(Person.of(user), roles)

    assert holds(make_user(None, is_superuser=True), ["Finance"])
    assert holds(make_user("Finance"), ["Finance", "Admin"])
    assert not holds(make_user("Support"), ["Finance", "Admin"])
    assert not holds(make_user("Finance", is_active=False), ["Finance"])


def test_the_row_explains_exactly_what_approving_refuses(cached_order, refund_request, make_user):
    order = cached_order(
        "order_status_charged.json",
        order_id="ORDPERM1",
        amount=30000,
        effective_amount=30000,
        maximum_eligible_refund_amount=30000,
    )
    maker = make_user("Finance")
    req = refund_request(order, "20000.00", maker=maker)  # needs two approvals
    first = make_user("Finance")
    services.approve(req.pk, approver=first)
    refused = {
        "You raised it": (maker, services.SelfApprovalError),
        "You already decided": (first, services.AlreadyDecided),
        "": (make_user("Support"), services.NotAllowed),  # no approver role at all: nothing to explain
    }
    for why_not, (person, error) in refused.items():
        row = selectors.row_for(ActionRequest.objects.get(pk=req.pk), selectors.Viewer.of(person))
        assert not row.can_decide and row.why_not == why_not
        with pytest.raises(error):
            services.approve(req.pk, approver=person)

    second = make_user("Admin")
    row = selectors.row_for(ActionRequest.objects.get(pk=req.pk), selectors.Viewer.of(second))
    assert row.can_decide and row.why_not == ""
    assert services.approve(req.pk, approver=second).final


def test_a_request_names_the_role_it_needs_in_the_row_and_in_the_refusal(charged_order, refund_request, make_user):
    activate_policy({"approver_roles": ["Admin"]}, actor=make_user("Admin"), based_on=0)
    req = refund_request(charged_order)
    finance = make_user("Finance")
    row = selectors.row_for(req, selectors.Viewer.of(finance))
    assert not row.can_decide and row.why_not == "Needs Admin"
    with pytest.raises(services.NotAllowed, match="Admin"):
        services.approve(req.pk, approver=finance)


def test_retry_is_offered_to_whoever_the_service_lets_retry(charged_order, refund_request, make_user):
    maker = make_user("Finance")
    req = refund_request(charged_order, maker=maker)
    services.approve(req.pk, approver=make_user("Finance"))
    ActionRequest.objects.filter(pk=req.pk).update(state=ActionState.FAILED, retry_safe=True, error="unreachable")

    def offered(person) -> bool:
        return selectors.row_for(ActionRequest.objects.get(pk=req.pk), selectors.Viewer.of(person)).can_retry

    for person in (maker, make_user("Support"), make_user("Manager")):
        assert not offered(person)
        with pytest.raises(services.NotAllowed):
            services.retry(req.pk, actor=person)
    other = make_user("Finance")
    assert offered(other)
    services.retry(req.pk, actor=other)
    assert not offered(other)  # approved again: nothing left to retry


def test_only_the_maker_is_offered_cancel_and_only_while_it_waits(charged_order, refund_request, make_user):
    maker = make_user("Support")
    req = refund_request(charged_order, maker=maker)

    def offered(person) -> bool:
        return selectors.row_for(ActionRequest.objects.get(pk=req.pk), selectors.Viewer.of(person)).can_cancel

    other = make_user("Support")
    assert offered(maker) and not offered(other)
    with pytest.raises(services.NotAllowed):
        services.cancel(req.pk, actor=other)
    services.approve(req.pk, approver=make_user("Finance"))
    assert not offered(maker)
    with pytest.raises(services.StateConflict):
        services.cancel(req.pk, actor=maker)
