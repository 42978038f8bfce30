"""The approval policy: defaults, thresholds, per-command overrides, versioned and audited edits."""

from decimal import Decimal

import pytest

from dashboard.models import AuditEvent
from fulfilment import policy
from fulfilment.models import ApprovalPolicy, PolicyState


def test_defaults_need_one_approval_two_above_the_threshold_and_none_for_no_action():
    current = policy.Policy(0, policy.normalise({}))
    assert current.approvals_for("refund", amount=Decimal("9999.99")) == 1
    assert current.approvals_for("refund", amount=Decimal("10000.00")) == 1  # "above" the threshold
    assert current.approvals_for("refund", amount=Decimal("10000.01")) == 2
    assert current.approvals_for("fulfilment", command="NO_ACTION") == 0
    assert current.approvals_for("fulfilment", command="INITIATE_REFUND") == 1
    assert current.approver_roles == ("Finance", "Admin")
    assert current.expires_in.total_seconds() == 72 * 3600


def test_several_tiers_pick_the_highest_one_passed():
    rules = policy.normalise(
        {"refund": {"approvals": 1, "tiers": [{"above": "50000", "approvals": 3}, {"above": "1000", "approvals": 2}]}}
    )
    current = policy.Policy(1, rules)
    assert [current.approvals_for("refund", amount=Decimal(a)) for a in ("10", "1000.01", "50000.01")] == [1, 2, 3]


@pytest.mark.parametrize(
    "rules, message",
    [
        ({"approver_roles": ["Nobody"]}, "approver roles"),
        ({"approver_roles": ["Support"]}, "approver roles"),
        ({"approver_roles": []}, "approver roles"),
        ({"expiry_hours": 0}, "expiry"),
        ({"refund": {"approvals": 9, "tiers": []}}, "between 0 and"),
        ({"refund": {"approvals": 1, "tiers": [{"above": "-5", "approvals": 2}]}}, "zero or more"),
        ({"fulfilment": {"approvals": 1, "commands": {"no action": 0}}}, "not a command name"),
        ({"surprise": 1}, "unknown rule"),
    ],
)
def test_malformed_rules_are_refused_with_a_reason(rules, message):
    with pytest.raises(policy.PolicyError, match=message):
        policy.normalise(rules)


@pytest.mark.django_db
def test_a_change_takes_effect_only_when_a_second_admin_approves_it(make_user):
    maker, checker = make_user("Admin"), make_user("Admin")
    proposed = policy.propose_policy({"expiry_hours": 24}, actor=maker, based_on=0, note="shorter expiry")
    assert proposed.state == PolicyState.PENDING and not proposed.is_active
    assert policy.active_policy().version == 0 and policy.active_policy().expires_in.total_seconds() == 72 * 3600
    with pytest.raises(policy.PolicyError, match="another Admin must approve"):
        policy.approve_policy(proposed.pk, actor=maker)
    with pytest.raises(policy.PolicyError, match="only an Admin"):
        policy.approve_policy(proposed.pk, actor=make_user("Finance"))
    assert policy.active_policy().version == 0
    first = policy.approve_policy(proposed.pk, actor=checker)
    assert (
        first.is_active
        and first.decided_by == checker
        and policy.active_policy().expires_in.total_seconds() == 24 * 3600
    )
    second = policy.approve_policy(
        policy.propose_policy({"expiry_hours": 48}, actor=checker, based_on=first.version).pk, actor=maker
    )
    assert (first.version, second.version) == (1, 2)
    assert list(ApprovalPolicy.objects.filter(is_active=True).values_list("version", flat=True)) == [2]
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="policy.").order_by("sequence").values_list("verb", flat=True)
    )
    assert verbs == ["policy.proposed", "policy.changed", "policy.proposed", "policy.changed"]
    changed = AuditEvent.objects.filter(verb="policy.changed").order_by("sequence")
    assert [(e.before["version"], e.after["version"]) for e in changed] == [(0, 1), (1, 2)]
    assert changed[0].after["rules"]["expiry_hours"] == 24 and changed[0].actor_username == checker.username
    assert changed[0].after["proposed_by"] == maker.username


@pytest.mark.django_db
def test_a_rejected_or_withdrawn_change_never_takes_effect(make_user):
    maker, checker = make_user("Admin"), make_user("Admin")
    rejected = policy.reject_policy(
        policy.propose_policy({"expiry_hours": 5}, actor=maker, based_on=0).pk, actor=checker, comment="too short"
    )
    withdrawn = policy.reject_policy(
        policy.propose_policy({"expiry_hours": 6}, actor=maker, based_on=0).pk, actor=maker
    )
    assert (rejected.state, withdrawn.state) == (PolicyState.REJECTED, PolicyState.WITHDRAWN)
    assert policy.active_policy().version == 0
    with pytest.raises(policy.PolicyError, match="already rejected"):
        policy.approve_policy(rejected.pk, actor=checker)
    assert {"policy.rejected", "policy.withdrawn"} <= set(AuditEvent.objects.values_list("verb", flat=True))


@pytest.mark.django_db
def test_one_change_waits_at_a_time_and_an_edit_based_on_an_old_version_is_refused(make_user):
    maker, checker = make_user("Admin"), make_user("Admin")
    waiting = policy.propose_policy({"expiry_hours": 24}, actor=maker, based_on=0)
    with pytest.raises(policy.PolicyError, match="already waiting"):
        policy.propose_policy({"expiry_hours": 12}, actor=checker, based_on=0)
    policy.approve_policy(waiting.pk, actor=checker)
    with pytest.raises(policy.PolicyError, match="changed meanwhile"):
        policy.propose_policy({"expiry_hours": 12}, actor=maker, based_on=0)
    assert ApprovalPolicy.objects.count() == 1


@pytest.mark.django_db
def test_a_proposal_letting_one_person_move_money_is_refused_and_nothing_is_stored(make_user):
    with pytest.raises(policy.PolicyError, match="at least one approval"):
        policy.propose_policy({"refund": {"approvals": 0, "tiers": []}}, actor=make_user("Admin"), based_on=0)
    assert ApprovalPolicy.objects.count() == 0


@pytest.mark.django_db
def test_extra_commands_are_offered_once_added_and_not_after_removal(make_user):
    admin = make_user("Admin")
    assert not policy.known_command("RELEASE_HOLD")
    option = policy.add_command_option("release_hold", description="Release a hold", actor=admin)
    assert policy.known_command("RELEASE_HOLD")
    assert "RELEASE_HOLD" in dict(policy.command_choices())
    with pytest.raises(policy.PolicyError, match="already"):
        policy.add_command_option("RELEASE_HOLD", description="", actor=admin)
    with pytest.raises(policy.PolicyError, match="documented"):
        policy.add_command_option("NO_ACTION", description="", actor=admin)
    policy.remove_command_option(option.pk, actor=admin)
    assert not policy.known_command("RELEASE_HOLD")
    assert {"policy.command_added", "policy.command_removed"} <= set(AuditEvent.objects.values_list("verb", flat=True))
