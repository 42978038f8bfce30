"""The approval policy: defaults, thresholds, per-command overrides, versioned and audited edits."""

from decimal import Decimal

import pytest

from dashboard.models import AuditEvent
from fulfilment import policy
from fulfilment.models import ApprovalPolicy


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
def test_saving_adds_an_audited_version_and_only_the_newest_is_active(make_user):
    admin = make_user("Admin")
    first = policy.save_policy({"expiry_hours": 24}, actor=admin, based_on=0, note="shorter expiry")
    second = policy.save_policy({"expiry_hours": 48}, actor=admin, based_on=first.version)
    assert (first.version, second.version) == (1, 2)
    assert list(ApprovalPolicy.objects.filter(is_active=True).values_list("version", flat=True)) == [2]
    assert policy.active_policy().expires_in.total_seconds() == 48 * 3600
    events = AuditEvent.objects.filter(verb="policy.changed").order_by("sequence")
    assert [(e.before["version"], e.after["version"]) for e in events] == [(0, 1), (1, 2)]
    assert events[0].after["rules"]["expiry_hours"] == 24 and events[0].actor_username == admin.username


@pytest.mark.django_db
def test_an_edit_based_on_an_old_version_is_refused(make_user):
    admin = make_user("Admin")
    policy.save_policy({"expiry_hours": 24}, actor=admin, based_on=0)
    with pytest.raises(policy.PolicyError, match="changed meanwhile"):
        policy.save_policy({"expiry_hours": 12}, actor=admin, based_on=0)
    assert ApprovalPolicy.objects.count() == 1


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
