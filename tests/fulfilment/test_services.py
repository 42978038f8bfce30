"""Raise, approve, reject, cancel, expire, retry: the rules people rely on, checked in the service layer."""

import uuid
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from dashboard.juspay.forms import SplitSettlementDetails
from dashboard.models import AuditEvent
from fulfilment import policy, services
from fulfilment.models import ActionRequest, ActionState, Decision
from orders.models import TimelineEvent
from tests.fixtures.policy import activate_policy

pytestmark = pytest.mark.django_db


def kinds(order):
    return list(
        TimelineEvent.objects.filter(order=order, kind__startswith="action.")
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )


def verbs(req):
    return list(
        AuditEvent.objects.filter(object_type="fulfilment.actionrequest", object_id=str(req.pk))
        .order_by("sequence")
        .values_list("verb", flat=True)
    )


# --- Raising a refund -------------------------------------------------------------------------------


def test_a_refund_request_waits_for_one_approval_and_is_audited_and_on_the_timeline(charged_order, make_user):
    maker = make_user("Support")
    req = services.raise_refund(
        charged_order,
        maker=maker,
        amount=Decimal("499.00"),
        reason_code="DAMAGED_OR_WRONG",
        comment="box arrived crushed",
        form_token=uuid.uuid4(),
    ).request
    assert req.state == ActionState.PENDING and req.required_approvals == 1
    assert req.payload == {"unique_request_id": req.idempotency_key, "amount": "499.00"}
    assert req.idempotency_key.isalnum() and len(req.idempotency_key) < 21  # Juspay's unique_request_id rules
    assert req.expires_at - req.created_at == pytest.approx(timedelta(hours=72), abs=timedelta(seconds=5))
    assert verbs(req) == ["action.raised"]
    assert kinds(charged_order) == ["action.raised"]


def test_the_same_form_submitted_twice_creates_one_request(charged_order, make_user):
    maker, token = make_user("Support"), uuid.uuid4()
    first = services.raise_refund(
        charged_order, maker=maker, amount=Decimal("10"), reason_code="GOODWILL", comment="sorry", form_token=token
    )
    again = services.raise_refund(
        charged_order, maker=maker, amount=Decimal("10"), reason_code="GOODWILL", comment="sorry", form_token=str(token)
    )
    assert first.created and not again.created
    assert again.request.pk == first.request.pk
    assert ActionRequest.objects.count() == 1


def test_the_amount_is_capped_by_what_is_still_refundable_including_open_requests(
    charged_order, refund_request, make_user
):
    assert charged_order.max_eligible_refund == Decimal("1499")
    refund_request(charged_order, "1000.00")
    assert services.still_refundable(charged_order) == Decimal("499.00")
    with pytest.raises(services.InvalidRequest, match="At most ₹499.00") as caught:
        refund_request(charged_order, "500.00")
    assert caught.value.field == "amount"
    assert refund_request(charged_order, "499.00").state == ActionState.PENDING


def test_still_refundable_is_juspays_limit_minus_open_requests_and_never_below_zero(
    charged_order, cached_order, refund_request, make_user
):
    held = refund_request(charged_order, "1000.00")
    rejected = refund_request(charged_order, "400.00")
    services.reject(rejected.pk, approver=make_user("Finance"), comment="duplicate")
    assert services.still_refundable(charged_order) == Decimal("499.00")  # a rejected request holds nothing
    services.approve(held.pk, approver=make_user("Finance"))
    assert services.still_refundable(charged_order) == Decimal("499.00")  # approved, not yet sent: still held
    # Juspay's limit drops below what is held (a refund made in Juspay's own dashboard)
    order = cached_order("order_status_charged.json", maximum_eligible_refund_amount=800)
    assert order.pk == charged_order.pk and order.juspay_refund_limit == Decimal("800")
    assert services.still_refundable(order) == Decimal("0.00")


@pytest.mark.parametrize(
    "amount, reason, comment, field",
    [
        ("0", "GOODWILL", "x", "amount"),
        ("1.005", "GOODWILL", "x", "amount"),
        ("10", "MADE_UP", "x", "reason_code"),
        ("10", "GOODWILL", "  ", "comment"),
    ],
)
def test_bad_refund_input_names_the_field(charged_order, make_user, amount, reason, comment, field):
    with pytest.raises(services.InvalidRequest) as caught:
        services.raise_refund(
            charged_order,
            maker=make_user("Support"),
            amount=Decimal(amount),
            reason_code=reason,
            comment=comment,
            form_token=uuid.uuid4(),
        )
    assert caught.value.field == field


def test_an_unpaid_order_cannot_be_refunded(cached_order, refund_request):
    order = cached_order("order_status_charged.json", order_id="ORDNEW1", status="NEW")
    with pytest.raises(services.InvalidRequest, match="Only a paid order"):
        refund_request(order)


def test_manager_cannot_raise(charged_order, make_user, refund_request):
    with pytest.raises(services.NotAllowed):
        refund_request(charged_order, maker=make_user("Manager"))


def test_a_refund_above_the_threshold_needs_two_approvals(cached_order, refund_request):
    order = cached_order(
        "order_status_charged.json",
        order_id="ORDBIG1",
        amount=25000,
        effective_amount=25000,
        maximum_eligible_refund_amount=25000,
    )
    assert refund_request(order, "10000.01").required_approvals == 2


# --- Raising a Fulfilment Sync command ----------------------------------------------------------------


def raise_command(order, maker, **fields):
    fields.setdefault("status", "SUCCESS")
    fields.setdefault("command", "INITIATE_CREDIT")
    return services.raise_fulfilment(order, maker=maker, form_token=fields.pop("form_token", uuid.uuid4()), **fields)


def split(marketplace, *vendors):
    return SplitSettlementDetails.model_validate(
        {
            "marketplace": {"amount": marketplace},
            "vendor": {"split": [{"sub_mid": s, "amount": a, "merchant_commission": c} for s, a, c in vendors]},
        }
    )


def test_no_action_needs_no_approval_and_is_queued_at_once(
    charged_order, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        req = raise_command(
            charged_order,
            make_user("Support"),
            command="NO_ACTION",
            fulfillment_id="DLV-1",
            fulfillment_data='{"awb": "778"}',
        ).request
    assert req.state == ActionState.APPROVED and req.required_approvals == 0
    assert len(queued) == 1  # the executor task, after commit
    assert req.payload["fulfillment_id"] == "DLV-1" and req.payload["fulfillment_data"] == '{"awb": "778"}'
    assert verbs(req) == ["action.raised", "action.approved"]


def test_a_blank_fulfilment_id_gets_one_made_from_the_request(charged_order, make_user):
    req = raise_command(charged_order, make_user("Support")).request
    assert req.fulfillment_id == req.idempotency_key and req.payload["fulfillment_id"] == req.fulfillment_id


def test_the_same_command_and_fulfilment_id_cannot_be_raised_twice_while_live(charged_order, make_user):
    maker = make_user("Support")
    first = raise_command(charged_order, maker, fulfillment_id="AWB-9").request
    with pytest.raises(services.InvalidRequest, match="already open or done") as caught:
        raise_command(charged_order, maker, fulfillment_id="AWB-9")
    assert caught.value.field == "fulfillment_id"
    assert raise_command(charged_order, maker, fulfillment_id="AWB-9", command="INVOICE").created  # other command
    services.cancel(first.pk, actor=maker)
    assert raise_command(charged_order, maker, fulfillment_id="AWB-9").created  # the first came to nothing


def test_split_settlement_must_add_up_to_the_amount_paid(charged_order, make_user):
    maker = make_user("Support")
    with pytest.raises(
        services.InvalidRequest, match="add up to ₹1,400.00, ₹99.00 short of the ₹1,499.00 paid"
    ) as caught:
        raise_command(
            charged_order,
            maker,
            command="POST_TXN_SPLIT_SETTLEMENT",
            split=split(100, ("v1", 800, 10), ("v2", 500, None)),
        )
    assert caught.value.field == "split"
    req = raise_command(
        charged_order, maker, command="POST_TXN_SPLIT_SETTLEMENT", split=split(199, ("v1", 800, 10), ("v2", 500, None))
    ).request
    assert req.amount == Decimal("1499")
    assert req.payload["split_settlement_details"]["vendor"]["split"][0] == {
        "amount": 800,
        "merchant_commission": 10,
        "sub_mid": "v1",
    }


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"command": "POST_TXN_SPLIT_SETTLEMENT"}, "split"),
        ({"command": "NO_ACTION", "split": split(0, ("v1", 1499, None))}, "split"),
        ({"command": "PROTEST", "status": "SUCCESS"}, "fulfillment_status"),
        ({"command": "RELEASE_HOLD"}, "fulfillment_command"),
        ({"status": "PENDING"}, "fulfillment_status"),
        ({"amount": Decimal("10.00")}, "amount"),  # INITIATE_CREDIT moves no money
    ],
)
def test_bad_command_input_names_the_field(charged_order, make_user, fields, field):
    with pytest.raises(services.InvalidRequest) as caught:
        raise_command(charged_order, make_user("Support"), **fields)
    assert caught.value.field == field


def test_a_configured_extra_command_can_be_raised(charged_order, make_user):
    policy.add_command_option("RELEASE_HOLD", description="", actor=make_user("Admin"))
    assert raise_command(charged_order, make_user("Support"), command="RELEASE_HOLD").request.command == "RELEASE_HOLD"


# --- Deciding -----------------------------------------------------------------------------------------


def test_finance_approves_and_the_request_is_queued_once(
    charged_order, refund_request, make_user, django_capture_on_commit_callbacks
):
    req = refund_request(charged_order)
    with django_capture_on_commit_callbacks() as queued:
        decided = services.approve(req.pk, approver=make_user("Finance"), comment="ok")
    assert decided.final and decided.request.state == ActionState.APPROVED
    assert len(queued) == 1
    assert verbs(req) == ["action.raised", "action.approved"]
    assert kinds(charged_order) == ["action.raised", "action.approved"]


def test_nobody_approves_their_own_request_not_even_a_superuser(charged_order, refund_request, make_user):
    root = make_user(None, username="root", is_superuser=True, is_staff=True)
    req = refund_request(charged_order, maker=root)
    with pytest.raises(services.SelfApprovalError):
        services.approve(req.pk, approver=root)
    with pytest.raises(services.SelfApprovalError):
        services.reject(req.pk, approver=root, comment="no")
    assert services.approve(req.pk, approver=make_user("Finance")).final  # another person can
    other = refund_request(charged_order, maker=make_user("Support"))
    assert services.approve(other.pk, approver=root).final  # and the superuser may approve others' requests


def test_finance_cannot_approve_a_request_they_raised(charged_order, refund_request, make_user):
    finance = make_user("Finance")
    req = refund_request(charged_order, maker=finance)
    with pytest.raises(services.SelfApprovalError):
        services.approve(req.pk, approver=finance)
    assert Decision.objects.count() == 0


def test_support_and_managers_cannot_approve(charged_order, refund_request, make_user):
    req = refund_request(charged_order)
    for role in ("Support", "Manager"):
        with pytest.raises(services.NotAllowed):
            services.approve(req.pk, approver=make_user(role))


def test_the_approver_needs_the_role_the_policy_named_when_raised(charged_order, refund_request, make_user):
    activate_policy({"approver_roles": ["Admin"]}, actor=make_user("Admin"), based_on=0)
    req = refund_request(charged_order)
    with pytest.raises(services.NotAllowed, match="Admin"):
        services.approve(req.pk, approver=make_user("Finance"))
    assert services.approve(req.pk, approver=make_user("Admin")).final


def test_two_approvals_need_two_different_people(cached_order, refund_request, make_user):
    order = cached_order(
        "order_status_charged.json",
        order_id="ORDBIG2",
        amount=30000,
        effective_amount=30000,
        maximum_eligible_refund_amount=30000,
    )
    req = refund_request(order, "20000.00")
    first = make_user("Finance")
    assert not services.approve(req.pk, approver=first).final
    with pytest.raises(services.AlreadyDecided):
        services.approve(req.pk, approver=first)
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.PENDING
    assert services.approve(req.pk, approver=make_user("Admin")).final
    assert Decision.objects.filter(request=req).count() == 2


def test_after_the_last_approval_nobody_else_can_approve_or_cancel(charged_order, refund_request, make_user):
    maker = make_user("Support")
    req = refund_request(charged_order, maker=maker)
    services.approve(req.pk, approver=make_user("Finance"))
    with pytest.raises(services.StateConflict, match="already approved"):
        services.approve(req.pk, approver=make_user("Finance"))
    with pytest.raises(services.StateConflict):
        services.cancel(req.pk, actor=maker)


def test_reject_needs_a_comment_and_ends_the_request(charged_order, refund_request, make_user):
    req = refund_request(charged_order)
    finance = make_user("Finance")
    with pytest.raises(services.InvalidRequest):
        services.reject(req.pk, approver=finance, comment=" ")
    services.reject(req.pk, approver=finance, comment="no proof of damage")
    req.refresh_from_db()
    assert req.state == ActionState.REJECTED and req.closed_at
    with pytest.raises(services.StateConflict):
        services.approve(req.pk, approver=make_user("Finance"))
    assert kinds(charged_order)[-1] == "action.rejected"
    assert verbs(req)[-1] == "action.rejected"


def test_only_the_maker_cancels_and_only_while_pending(charged_order, refund_request, make_user):
    maker = make_user("Support")
    req = refund_request(charged_order, maker=maker)
    with pytest.raises(services.NotAllowed):
        services.cancel(req.pk, actor=make_user("Support"))
    services.cancel(req.pk, actor=maker, comment="customer changed their mind")
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.CANCELLED
    assert services.still_refundable(charged_order) == Decimal("1499.00")  # the amount is free again
    assert verbs(req) == ["action.raised", "action.cancelled"]


def test_expiry_ends_overdue_pending_requests_only(charged_order, refund_request, make_user):
    old, fresh = refund_request(charged_order), refund_request(charged_order)
    approved = refund_request(charged_order)
    services.approve(approved.pk, approver=make_user("Finance"))
    ActionRequest.objects.filter(pk__in=[old.pk, approved.pk]).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(services.StateConflict, match="expired"):
        services.approve(old.pk, approver=make_user("Finance"))
    assert services.expire_due() == 1
    states = dict(ActionRequest.objects.values_list("pk", "state"))
    assert states == {old.pk: "expired", fresh.pk: "pending", approved.pk: "approved"}
    assert verbs(old)[-1] == "action.expired"
    assert services.expire_due() == 0


def test_bulk_approve_writes_one_decision_per_request_and_reports_each(charged_order, refund_request, make_user):
    finance = make_user("Finance")
    mine = refund_request(charged_order, maker=finance)
    a, b = refund_request(charged_order), refund_request(charged_order)
    outcome = dict(services.approve_many([a.pk, b.pk, mine.pk, a.pk], approver=finance, comment="batch"))
    assert outcome[a.pk] == "" and outcome[b.pk] == ""
    assert "another person" in outcome[mine.pk]
    assert Decision.objects.filter(approver=finance).count() == 2
    assert AuditEvent.objects.filter(verb="action.approved", actor_id=finance.pk).count() == 2


def test_retry_only_when_safe_and_not_by_the_maker(
    charged_order, refund_request, make_user, django_capture_on_commit_callbacks
):
    maker = make_user("Finance")
    req = refund_request(charged_order, maker=maker)
    services.approve(req.pk, approver=make_user("Finance"))
    ActionRequest.objects.filter(pk=req.pk).update(state=ActionState.FAILED, retry_safe=False, error="FAILURE")
    with pytest.raises(services.StateConflict, match="not safe"):
        services.retry(req.pk, actor=make_user("Finance"))
    ActionRequest.objects.filter(pk=req.pk).update(retry_safe=True)
    with pytest.raises(services.SelfApprovalError):
        services.retry(req.pk, actor=maker)
    with pytest.raises(services.NotAllowed):
        services.retry(req.pk, actor=make_user("Support"))
    with django_capture_on_commit_callbacks() as queued:
        services.retry(req.pk, actor=make_user("Finance"))
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.APPROVED and len(queued) == 1
    assert verbs(req)[-1] == "action.retried"


def test_pending_for_lists_what_this_person_can_still_decide(cached_order, refund_request, make_user):
    order = cached_order(
        "order_status_charged.json",
        order_id="ORDBIG3",
        amount=90000,
        effective_amount=90000,
        maximum_eligible_refund_amount=90000,
    )
    finance = make_user("Finance")
    own = refund_request(order, maker=finance)
    half_approved = refund_request(order, "20000.00")  # needs two; this person gave one
    waiting = refund_request(order)
    services.approve(half_approved.pk, approver=finance)
    assert list(services.pending_for(finance).values_list("pk", flat=True)) == [waiting.pk]
    others = set(services.pending_for(make_user("Finance")).values_list("pk", flat=True))
    assert others == {own.pk, half_approved.pk, waiting.pk}


# --- Handing approved requests to the executor -----------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """The request ids handed to the executor task (through fulfilment.tasks), instead of running it."""
    from fulfilment import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks, "execute_request", SimpleNamespace(delay=sent.append))
    return sent


def test_an_approved_request_is_queued_once_and_only_after_commit(
    charged_order, refund_request, make_user, django_capture_on_commit_callbacks, queued
):
    req = refund_request(charged_order)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(req.pk, approver=make_user("Finance"))
        assert queued == []  # not before the approval is committed
    assert queued == [req.pk]


def test_a_rolled_back_approval_queues_nothing(
    charged_order, refund_request, make_user, django_capture_on_commit_callbacks, queued
):
    req = refund_request(charged_order)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.approve(req.pk, approver=make_user("Finance"))
        raise RuntimeError("the caller's transaction fails")
    assert queued == []
    assert ActionRequest.objects.get(pk=req.pk).state == ActionState.PENDING


def test_every_path_to_approved_queues_the_request(
    cached_order, refund_request, make_user, django_capture_on_commit_callbacks, queued
):
    order = cached_order(
        "order_status_charged.json",
        order_id="ORDQUEUE1",
        amount=30000,
        effective_amount=30000,
        maximum_eligible_refund_amount=30000,
    )
    big, small = refund_request(order, "20000.00"), refund_request(order)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(big.pk, approver=make_user("Finance"))
    assert queued == []  # one of two approvals: nothing to send yet
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_many([big.pk, small.pk], approver=make_user("Admin"))
    assert queued == [big.pk, small.pk]
    with django_capture_on_commit_callbacks(execute=True):
        auto = raise_command(order, make_user("Support"), command="NO_ACTION").request
    assert queued[-1] == auto.pk
    ActionRequest.objects.filter(pk=small.pk).update(state=ActionState.FAILED, retry_safe=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.retry(small.pk, actor=make_user("Finance"))
    assert queued == [big.pk, small.pk, auto.pk, small.pk]
