"""Fulfilment Sync commands that move money (INITIATE_REFUND) get the refund controls, and NO_ACTION and
free-form `fulfillment_data` follow Juspay's Fulfillment Sync page. Services and executor, against the simulator."""

import uuid
from decimal import Decimal

import pytest

from dashboard.models import AuditEvent
from fulfilment import executor, policy, services
from fulfilment.models import ActionRequest, ActionState
from tests.fixtures.policy import activate_policy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_timeouts(settings):
    settings.JUSPAY_TIMEOUT_SECONDS = 0.3
    settings.JUSPAY_RETRY_TIMEOUT_SECONDS = 0.3


def command(order, maker, command="INITIATE_REFUND", **fields):
    fields.setdefault("status", "SUCCESS")
    return services.raise_fulfilment(
        order, maker=maker, command=command, form_token=fields.pop("form_token", uuid.uuid4()), **fields
    ).request


def approve_all(req, make_user, django_capture_on_commit_callbacks, *, execute=False):
    """Approvals from as many different Finance people as the request needs; the executor runs or not."""
    with django_capture_on_commit_callbacks(execute=execute):
        for _ in range(req.required_approvals):
            services.approve(req.pk, approver=make_user("Finance"))
    return ActionRequest.objects.get(pk=req.pk)


def refund_at_juspay(juspay_sim, order_id: str, amount: str) -> None:
    """A refund made at Juspay directly (another system, Juspay's dashboard): the balance shrinks."""
    answer = juspay_sim.http.post(
        f"/orders/{order_id}/refunds", data={"unique_request_id": f"EXT{uuid.uuid4().hex[:10]}", "amount": amount}
    )
    assert answer.status_code == 200, answer.text


def entered_amounts(admin) -> None:
    activate_policy({"fulfilment": {"approvals": 1, "money": {"INITIATE_REFUND": "entered"}}}, actor=admin, based_on=0)


# --- Raising: amount, reservation, approvals -------------------------------------------------------------


def test_initiate_refund_above_the_refund_threshold_needs_two_approvers_like_an_equal_refund(sim_order, make_user):
    maker = make_user("Support")
    big, small = sim_order(amount=15000), sim_order(amount=900)

    above = command(big, maker)
    below = command(small, maker)

    assert above.moves_money and above.amount == Decimal("15000.00") and above.required_approvals == 2
    assert below.amount == Decimal("900.00") and below.required_approvals == 1
    equal_refund = services.raise_refund(
        sim_order(amount=15000),
        maker=maker,
        amount=Decimal("15000.00"),
        reason_code="OTHER",
        comment="same size",
        form_token=uuid.uuid4(),
    ).request
    assert equal_refund.required_approvals == above.required_approvals


def test_policy_cannot_lower_a_money_command_below_what_an_equal_refund_needs(sim_order, make_user):
    admin = make_user("Admin")
    activate_policy({"fulfilment": {"approvals": 1, "commands": {"INITIATE_REFUND": 1}}}, actor=admin, based_on=0)
    req = command(sim_order(amount=15000), make_user("Support"))
    assert req.required_approvals == 2 and req.state == ActionState.PENDING


def test_a_second_approval_is_needed_from_a_different_person(
    sim_order, make_user, juspay_sim, django_capture_on_commit_callbacks
):
    order = sim_order(amount=15000)
    req = command(order, make_user("Support"))
    finance = make_user("Finance")
    with django_capture_on_commit_callbacks(execute=True):
        first = services.approve(req.pk, approver=finance)
    assert not first.final and ActionRequest.objects.get(pk=req.pk).state == ActionState.PENDING
    with pytest.raises(services.AlreadyDecided):
        services.approve(req.pk, approver=finance)
    assert juspay_sim.refunds(order.order_id) == []


def test_the_amount_counts_against_what_is_still_refundable_including_pending_refunds(
    sim_order, make_user, refund_request
):
    order = sim_order(amount=1000)
    maker = make_user("Support")
    refund_request(order, "600.00")

    req = command(order, maker)  # the whole balance: what the pending refund leaves

    assert req.amount == Decimal("400.00")
    assert services.still_refundable(order) == Decimal("0.00")
    with pytest.raises(services.InvalidRequest) as nothing_left:
        command(order, maker, fulfillment_id="AGAIN")
    assert nothing_left.value.field == "amount" and "Nothing is still refundable" in nothing_left.value.message
    with pytest.raises(services.InvalidRequest):  # and the refund path sees the command's hold
        refund_request(order, "1.00")


def test_an_entered_amount_may_not_exceed_what_is_still_refundable(sim_order, make_user, refund_request):
    entered_amounts(make_user("Admin"))
    order = sim_order(amount=1000)
    maker = make_user("Support")
    refund_request(order, "600.00")

    with pytest.raises(services.InvalidRequest) as too_much:
        command(order, maker, amount=Decimal("400.01"))
    with pytest.raises(services.InvalidRequest) as missing:
        command(order, maker)
    req = command(order, maker, amount=Decimal("400.00"), fulfillment_data='{"reason": "damaged"}')

    assert too_much.value.field == "amount" and "At most ₹400.00" in too_much.value.message
    assert missing.value.field == "amount"
    assert req.amount == Decimal("400.00")
    assert req.payload["fulfillment_data"] == '{"reason":"damaged","amount":"400.00"}'


def test_a_balance_command_refuses_a_different_amount_and_other_commands_take_none(sim_order, make_user):
    order = sim_order(amount=1000)
    maker = make_user("Support")
    with pytest.raises(services.InvalidRequest) as wrong:
        command(order, maker, amount=Decimal("10.00"))
    with pytest.raises(services.InvalidRequest) as no_money:
        command(order, maker, command="INITIATE_CREDIT", amount=Decimal("10.00"))
    assert wrong.value.field == no_money.value.field == "amount"
    assert ActionRequest.objects.count() == 0


# --- Sending: re-validation and exactly once --------------------------------------------------------------


def test_an_approved_initiate_refund_refunds_once_and_keeps_juspays_whole_answer(
    sim_order, make_user, juspay_sim, django_capture_on_commit_callbacks
):
    order = sim_order(amount=1000)
    req = approve_all(
        command(order, make_user("Support"), fulfillment_id="RF-1"),
        make_user,
        django_capture_on_commit_callbacks,
        execute=True,
    )

    assert req.state == ActionState.SUCCEEDED, req.error
    assert [float(r["amount"]) for r in juspay_sim.refunds(order.order_id)] == [1000.0]
    answer = req.juspay_answer
    assert (answer["status"], answer["order_id"], answer["merchant_id"]) == (
        "SUCCESS",
        order.order_id,
        juspay_sim.merchant_id,
    )
    assert [c["command"] for c in answer["commands"]] == ["INITIATE_REFUND"]
    order.refresh_from_db()
    assert services.still_refundable(order) == Decimal("0.00")  # the order was re-read: Juspay shows the refund


def test_the_executor_refuses_when_the_balance_shrank_after_approval(
    sim_order, make_user, juspay_sim, django_capture_on_commit_callbacks
):
    order = sim_order(amount=1000)
    req = approve_all(command(order, make_user("Support")), make_user, django_capture_on_commit_callbacks)
    refund_at_juspay(juspay_sim, order.order_id, "300.00")

    assert executor.execute(req.pk) == ActionState.FAILED

    req.refresh_from_db()
    assert not req.retry_safe and "only ₹700.00 is still refundable" in req.error
    assert [float(r["amount"]) for r in juspay_sim.refunds(order.order_id)] == [300.0]  # the command sent nothing


def test_a_lost_answer_parks_the_command_for_a_person_and_never_resends(
    sim_order, make_user, juspay_sim, django_capture_on_commit_callbacks
):
    order = sim_order(amount=1000)
    maker = make_user("Finance")  # an approver, yet never on their own request
    req = approve_all(command(order, maker), make_user, django_capture_on_commit_callbacks)
    juspay_sim.set_faults(lose_next_post_responses=1, lost_response_hang_seconds=1.0)

    assert executor.execute(req.pk) == ActionState.UNRESOLVED

    req.refresh_from_db()
    assert "not sent again" in req.error and req.attempts == 1
    assert len(juspay_sim.refunds(order.order_id)) == 1
    assert executor.execute(req.pk) == "nothing to do: unresolved"  # a redelivered task or the sweep
    assert req.pk not in executor.stalled(now=req.updated_at + executor.timedelta(days=1))
    assert services.still_refundable(order) == Decimal("0.00")  # it still holds its amount
    assert AuditEvent.objects.filter(verb="action.unresolved", object_id=str(req.pk)).count() == 1
    with pytest.raises(services.SelfApprovalError):
        services.resolve(req.pk, actor=maker, happened=True, comment="checked")
    services.resolve(req.pk, actor=make_user("Finance"), happened=True, comment="Juspay support: refund FS1 exists")
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED
    assert AuditEvent.objects.filter(verb="action.resolved", object_id=str(req.pk)).count() == 1
    assert len(juspay_sim.refunds(order.order_id)) == 1


def test_a_crash_after_sending_parks_the_command_on_the_next_run(
    sim_order, make_user, juspay_sim, monkeypatch, django_capture_on_commit_callbacks
):
    order = sim_order(amount=1000)
    req = approve_all(command(order, make_user("Support")), make_user, django_capture_on_commit_callbacks)

    class WorkerDied(BaseException):
        pass

    def die():
        raise WorkerDied

    monkeypatch.setattr(executor, "after_send_hook", die)
    with pytest.raises(WorkerDied):
        executor.execute(req.pk)
    monkeypatch.setattr(executor, "after_send_hook", lambda: None)

    assert executor.execute(req.pk) == ActionState.UNRESOLVED
    req.refresh_from_db()
    assert req.attempts == 1 and "interrupted" in req.error
    assert len(juspay_sim.refunds(order.order_id)) == 1


def test_settled_as_not_done_a_retry_sends_it_once(
    sim_order, make_user, juspay_sim, django_capture_on_commit_callbacks
):
    order = sim_order(amount=1000)
    req = approve_all(command(order, make_user("Support")), make_user, django_capture_on_commit_callbacks)
    ActionRequest.objects.filter(pk=req.pk).update(state=ActionState.SENDING, attempts=1)  # as if a worker died
    assert executor.execute(req.pk) == ActionState.UNRESOLVED  # before anything was sent, as it happens
    with pytest.raises(services.InvalidRequest):
        services.resolve(req.pk, actor=make_user("Finance"), happened=False, comment="")
    services.resolve(req.pk, actor=make_user("Finance"), happened=False, comment="Juspay: no refund on it")
    with django_capture_on_commit_callbacks(execute=True):
        services.retry(req.pk, actor=make_user("Finance"))
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED, req.error
    assert req.attempts == 2 and len(juspay_sim.refunds(order.order_id)) == 1


# --- NO_ACTION and free-form fulfillment_data --------------------------------------------------------------


def test_no_action_may_repeat_its_fulfillment_id(sim_order, make_user, juspay_sim, django_capture_on_commit_callbacks):
    order = sim_order(amount=800)
    maker = make_user("Support")
    with django_capture_on_commit_callbacks(execute=True):
        first = command(order, maker, command="NO_ACTION", fulfillment_id="SHP-1", fulfillment_data="picked")
    with django_capture_on_commit_callbacks(execute=True):
        again = command(order, maker, command="NO_ACTION", fulfillment_id="SHP-1", fulfillment_data="delivered")

    states = list(ActionRequest.objects.filter(pk__in=[first.pk, again.pk]).values_list("state", flat=True))
    assert states == [ActionState.SUCCEEDED, ActionState.SUCCEEDED]
    answer = ActionRequest.objects.get(pk=again.pk).juspay_answer
    assert [c.get("metadata") for c in answer["commands"]] == ["picked", "delivered"]


def test_free_form_fulfillment_data_is_accepted_and_sent_as_typed(
    sim_order, make_user, juspay_sim, django_capture_on_commit_callbacks
):
    order = sim_order(amount=800)
    data = "courier=BlueDart; awb=77812345601 {not json"
    req = command(order, make_user("Support"), command="BLOCK_IMEI", fulfillment_data=data)
    req = approve_all(req, make_user, django_capture_on_commit_callbacks, execute=True)
    assert req.state == ActionState.SUCCEEDED, req.error
    assert req.payload["fulfillment_data"] == data
    assert req.juspay_answer["commands"][0]["metadata"] == data


def test_json_is_checked_only_for_commands_configured_to_carry_it(sim_order, make_user):
    activate_policy({"fulfilment": {"approvals": 1, "json_data": ["INVOICE"]}}, actor=make_user("Admin"), based_on=0)
    order = sim_order(amount=800)
    with pytest.raises(services.InvalidRequest) as caught:
        command(order, make_user("Support"), command="INVOICE", fulfillment_data="invoice 42")
    assert caught.value.field == "fulfillment_data"
    assert command(order, make_user("Support"), command="INVOICE", fulfillment_data='{"invoice": 42}').pk


# --- Policy ------------------------------------------------------------------------------------------------


def test_initiate_refund_always_moves_money_and_admin_may_flag_others():
    current = policy.active_policy()
    assert current.amount_rule("INITIATE_REFUND") == "balance" and current.amount_rule("NO_ACTION") is None
    with pytest.raises(policy.PolicyError, match="cannot be unflagged"):
        policy.normalise({"fulfilment": {"approvals": 1, "money": {}}})
    with pytest.raises(policy.PolicyError, match="how much it moves"):
        policy.normalise({"fulfilment": {"approvals": 1, "money": {"INITIATE_REFUND": "some"}}})
    rules = policy.normalise(
        {"fulfilment": {"approvals": 1, "money": {"INITIATE_REFUND": "balance", "HOLD": "entered"}}}
    )
    flagged = policy.Policy(1, rules)
    assert flagged.amount_rule("HOLD") == "entered" and flagged.data_is_json("HOLD")
    assert flagged.approvals_for("fulfilment", command="HOLD", amount=Decimal("20000")) == 2
