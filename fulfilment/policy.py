"""The approval policy: who approves, how many approvals each request needs, and when an unapproved one expires.

The rules are one JSON document per version (`ApprovalPolicy.rules`), shaped like DEFAULT_RULES:

    approver_roles   roles whose members may approve (superusers count as every role; the check is
                     fulfilment.permissions.holds_approver_role)
    expiry_hours     a pending request expires this long after it was raised
    refund           "approvals" for any refund, and "tiers": refunds above "above" need "approvals"
    fulfilment       "approvals" for any command, and "commands": per-command overrides (0 = no approval);
                     "money": the commands that move money, each with how much it moves (AMOUNT_RULES);
                     "json_data": the commands whose `fulfillment_data` must be JSON

A command that moves money gets the refund controls: its amount counts against what is still refundable
(`services.still_refundable`, the one reservation), it needs at least the approvals an equal refund needs,
the executor re-validates it and never sends it again after an unknown outcome. INITIATE_REFUND always
moves money (Juspay's Fulfillment Sync page: "INITIATE_REFUND: Initiating refunds"); Admin may flag others.
Juspay documents `fulfillment_data` as free-form ("Fulfilment related information such as product/service
information or any other details"), so it is text unless a command is listed in "json_data".

A request copies what applies to it (number, roles, version) when it is raised, so a policy edit never
changes a request already waiting. Editing proposes a version (Admin only, audited) that takes effect only
when another Admin approves it (maker-checker, as for requests); until then the active one stays in force,
and every version stays readable in the history. No version may let one person move money
(`check_two_person_rule`; `approvals_for` applies the same floor to versions stored before the rule).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from dashboard import audit
from dashboard.juspay.enums import FulfillmentCommand
from dashboard.roles import ADMIN, FINANCE, ROLE_PERMISSIONS, ROLES
from fulfilment.models import ActionKind, ApprovalPolicy, FulfilmentCommandOption, PolicyState
from fulfilment.permissions import APPROVE

MAX_APPROVALS = 5
# No single person can move money (issue 14): a refund, or a command the policy flags as moving money, needs
# at least this many approvals by someone other than its maker, whatever a stored version says. Only commands
# that move no money (NO_ACTION by default) may need none.
MIN_MONEY_APPROVALS = 1
MAX_EXPIRY_HOURS = 24 * 90

DEFAULT_RULES: dict[str, Any] = {
    "approver_roles": [FINANCE, ADMIN],
    "expiry_hours": 72,
    "refund": {"approvals": 1, "tiers": [{"above": "10000.00", "approvals": 2}]},
    "fulfilment": {
        "approvals": 1,
        "commands": {FulfillmentCommand.NO_ACTION.value: 0},
        "money": {FulfillmentCommand.INITIATE_REFUND.value: "balance"},
        "json_data": [],
    },
}

# How much a money-moving command moves. Juspay's Fulfillment Sync request has no amount field and the page
# says only "Contact your Juspay POC" for INITIATE_REFUND, so by default we count the worst case: the whole
# balance still refundable when it is raised. "entered" is for a command set up with Juspay to carry an
# amount: the maker enters it and it is sent as "amount" inside `fulfillment_data` (a JSON object).
AMOUNT_RULES: dict[str, str] = {
    "balance": "everything still refundable (Juspay's request carries no amount)",
    "entered": 'the amount the maker enters, sent as "amount" in fulfillment_data (JSON)',
}
ALWAYS_MONEY = frozenset({FulfillmentCommand.INITIATE_REFUND.value})

COMMAND_SHAPE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


def approving_roles() -> tuple[str, ...]:
    """The roles that may be named approvers: those holding the approve permission (dashboard.roles)."""
    return tuple(r for r in ROLES if APPROVE in ROLE_PERMISSIONS[r])


class PolicyError(ValueError):
    """The rules are malformed, or the policy changed since the editor loaded it.

    `field` names the editor's field at fault when there is one (PolicyForm shows the error beside it)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Requirement:
    """What the active policy asks of one request."""

    approvals: int
    approver_roles: tuple[str, ...]
    expires_in: timedelta
    policy_version: int


@dataclass(frozen=True)
class Policy:
    version: int  # 0: the built-in default, never saved
    rules: dict[str, Any]

    @property
    def approver_roles(self) -> tuple[str, ...]:
        return tuple(self.rules["approver_roles"])

    @property
    def expires_in(self) -> timedelta:
        return timedelta(hours=self.rules["expiry_hours"])

    def approvals_for(self, kind: str, *, amount: Decimal | None = None, command: str = "") -> int:
        if kind == ActionKind.REFUND:
            rule = self.rules["refund"]
            needed: int = rule["approvals"]
            for tier in sorted(rule["tiers"], key=lambda t: Decimal(t["above"])):
                if amount is not None and amount > Decimal(tier["above"]):
                    needed = tier["approvals"]
            return max(needed, MIN_MONEY_APPROVALS)
        rule = self.rules["fulfilment"]
        per_command: int = rule["commands"].get(command, rule["approvals"])
        if self.amount_rule(command) is not None:
            # A command that moves money needs at least what an equal refund needs.
            return max(per_command, self.approvals_for(ActionKind.REFUND, amount=amount))
        return per_command

    @property
    def high_value_above(self) -> Decimal | None:
        """Requests moving more than this are flagged "high value" to approvers: the policy's lowest refund
        tier (the amount above which a refund needs more approvals), or None when it has no tier."""
        return min((Decimal(tier["above"]) for tier in self.rules["refund"]["tiers"]), default=None)

    def amount_rule(self, command: str) -> str | None:
        """How much `command` moves (a key of AMOUNT_RULES), or None when it moves no money."""
        rule: str | None = self.rules["fulfilment"]["money"].get(command)
        return rule

    def data_is_json(self, command: str) -> bool:
        """Whether `fulfillment_data` must be JSON for `command` (an "entered" amount travels inside it)."""
        return command in self.rules["fulfilment"]["json_data"] or self.amount_rule(command) == "entered"

    def requirement(self, kind: str, *, amount: Decimal | None = None, command: str = "") -> Requirement:
        return Requirement(
            self.approvals_for(kind, amount=amount, command=command), self.approver_roles, self.expires_in, self.version
        )


def active_policy() -> Policy:
    row = ApprovalPolicy.objects.filter(is_active=True).first()
    if row is None:
        return Policy(0, copy.deepcopy(DEFAULT_RULES))
    return Policy(row.version, normalise(row.rules))


def _count(value: Any, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PolicyError(f"{what} must be a whole number") from None
    if not 0 <= number <= MAX_APPROVALS:
        raise PolicyError(f"{what} must be between 0 and {MAX_APPROVALS}")
    return number


def _amount(value: Any, what: str) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PolicyError(f"{what} must be an amount") from None
    if not number.is_finite() or number < 0:
        raise PolicyError(f"{what} must be zero or more")
    return f"{number.quantize(Decimal('0.01'))}"


def normalise(rules: dict[str, Any]) -> dict[str, Any]:
    """Checked, canonical rules (missing parts filled from the defaults). Raises PolicyError."""
    if not isinstance(rules, dict):
        raise PolicyError("the rules must be an object")
    merged = copy.deepcopy(DEFAULT_RULES)
    for key, value in rules.items():
        if key not in merged:
            raise PolicyError(f"unknown rule {key!r}")
        merged[key] = value
    roles = merged["approver_roles"]
    allowed = approving_roles()
    if not isinstance(roles, list) or not roles or any(r not in allowed for r in roles):
        raise PolicyError(f"approver roles must be one or more of {', '.join(allowed)}")
    try:
        hours = int(merged["expiry_hours"])
    except (TypeError, ValueError):
        raise PolicyError("expiry hours must be a whole number") from None
    if not 1 <= hours <= MAX_EXPIRY_HOURS:
        raise PolicyError(f"expiry must be between 1 and {MAX_EXPIRY_HOURS} hours")
    refund, fulfilment = merged["refund"], merged["fulfilment"]
    if not isinstance(refund, dict) or not isinstance(fulfilment, dict):
        raise PolicyError("refund and fulfilment rules must be objects")
    tiers = []
    for tier in refund.get("tiers") or []:
        tiers.append(
            {
                "above": _amount(tier.get("above"), "a refund threshold"),
                "approvals": _count(tier.get("approvals"), "approvals above a threshold"),
            }
        )
    commands = {}
    for command, count in (fulfilment.get("commands") or {}).items():
        if not COMMAND_SHAPE.match(str(command)):
            raise PolicyError(f"{command!r} is not a command name (capital letters, digits and _)")
        commands[str(command)] = _count(count, f"approvals for {command}")
    money = _money(fulfilment.get("money"))
    json_data = fulfilment.get("json_data") or []
    if not isinstance(json_data, list) or any(not COMMAND_SHAPE.match(str(c)) for c in json_data):
        raise PolicyError("the JSON-data commands must be a list of command names")
    return {
        "approver_roles": [r for r in ROLES if r in roles],
        "expiry_hours": hours,
        "refund": {
            "approvals": _count(refund.get("approvals"), "approvals for a refund"),
            "tiers": sorted(tiers, key=lambda t: Decimal(t["above"])),
        },
        "fulfilment": {
            "approvals": _count(fulfilment.get("approvals"), "approvals for a command"),
            "commands": dict(sorted(commands.items())),
            "money": money,
            "json_data": sorted({str(c) for c in json_data}),
        },
    }


def check_two_person_rule(rules: dict[str, Any]) -> None:
    """Refuse normalised rules that would let one person move money alone (PolicyError names the part).

    Saving checks this; `Policy.approvals_for` and `services` enforce the same floor for versions stored
    before the rule existed."""
    refund = rules["refund"]
    if refund["approvals"] < MIN_MONEY_APPROVALS:
        raise PolicyError(
            "A refund needs at least one approval by someone other than its maker.", field="refund_approvals"
        )
    if any(t["approvals"] < MIN_MONEY_APPROVALS for t in refund["tiers"]):
        raise PolicyError(
            "A refund needs at least one approval by someone other than its maker, above any threshold too.",
            field="refund_high_approvals",
        )
    for command in rules["fulfilment"]["money"]:
        if rules["fulfilment"]["commands"].get(command, MIN_MONEY_APPROVALS) < MIN_MONEY_APPROVALS:
            raise PolicyError(
                f"{command} moves money: it needs at least one approval by someone other than its maker "
                "(leave it blank for the default, or set it to moves no money).",
                field=f"cmd_{command}",
            )


def _money(value: Any) -> dict[str, str]:
    """The money-moving commands: {command: amount rule}. INITIATE_REFUND cannot be left out."""
    if value is None:
        value = DEFAULT_RULES["fulfilment"]["money"]
    if not isinstance(value, dict):
        raise PolicyError("the money-moving commands must be an object of command: amount rule")
    money: dict[str, str] = {}
    for command, rule in value.items():
        if not COMMAND_SHAPE.match(str(command)):
            raise PolicyError(f"{command!r} is not a command name (capital letters, digits and _)")
        if rule not in AMOUNT_RULES:
            raise PolicyError(f"{command}: how much it moves must be one of {', '.join(AMOUNT_RULES)}")
        money[str(command)] = str(rule)
    missing = sorted(ALWAYS_MONEY - set(money))
    if missing:
        raise PolicyError(f"{missing[0]} moves money (Juspay: it initiates a refund); it cannot be unflagged")
    return dict(sorted(money.items()))


CHANGE_POLICY = "fulfilment.change_approvalpolicy"


def propose_policy(rules: dict[str, Any], *, actor: User, based_on: int, note: str = "") -> ApprovalPolicy:
    """Propose a version: it waits (pending) until another Admin approves it; the active one stays in force.

    `based_on` is the version the editor started from. One proposal waits at a time."""
    clean = normalise(rules)
    check_two_person_rule(clean)
    try:
        with transaction.atomic():
            current = ApprovalPolicy.objects.select_for_update().filter(is_active=True).first()
            current_version = current.version if current else 0
            if current_version != based_on:
                raise PolicyError(f"the policy changed meanwhile (now version {current_version}); reload and retry")
            if ApprovalPolicy.objects.filter(state=PolicyState.PENDING).exists():
                raise PolicyError("a change is already waiting for approval; approve, reject or withdraw it first")
            latest = ApprovalPolicy.objects.aggregate(v=Max("version"))["v"] or 0
            row = ApprovalPolicy.objects.create(
                version=latest + 1,
                rules=clean,
                note=note[:200],
                is_active=False,
                state=PolicyState.PENDING,
                based_on=current_version,
                created_by=actor,
            )
            audit.record(
                "policy.proposed",
                actor=actor,
                obj=row,
                before={"version": current_version, "rules": current.rules if current else DEFAULT_RULES},
                after={"version": row.version, "rules": clean},
                summary=f"approval policy v{row.version} proposed (replacing v{current_version})"
                + (f": {note}" if note else ""),
            )
    except IntegrityError:
        raise PolicyError("someone else proposed a change at the same moment; reload and retry") from None
    return row


def pending_policy() -> ApprovalPolicy | None:
    return ApprovalPolicy.objects.select_related("created_by").filter(state=PolicyState.PENDING).first()


def why_not_decide_policy(actor: User, row: ApprovalPolicy) -> str | None:
    """Why `actor` may not approve the proposed version `row`; None when they may (another Admin)."""
    if row.state != PolicyState.PENDING:
        return f"version {row.version} is already {row.get_state_display().lower()}"
    if not actor.is_active or not actor.has_perm(CHANGE_POLICY):
        return "only an Admin may approve a policy change"
    if row.created_by_id == actor.pk:
        return "you proposed this change; another Admin must approve it"
    return None


def _locked_pending(pk: int) -> ApprovalPolicy:
    row = ApprovalPolicy.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise PolicyError("no such policy version")
    return row


def approve_policy(pk: int, *, actor: User, comment: str = "") -> ApprovalPolicy:
    """Another Admin approves the proposed version: it becomes the active one (audited)."""
    now = timezone.now()
    with transaction.atomic():
        current = ApprovalPolicy.objects.select_for_update().filter(is_active=True).first()
        row = _locked_pending(pk)
        refusal = why_not_decide_policy(actor, row)
        if refusal:
            raise PolicyError(refusal)
        current_version = current.version if current else 0
        if current_version != row.based_on:
            raise PolicyError(f"the policy changed since v{row.version} was proposed; reject it and propose again")
        # Stored rules were checked when proposed; check again so a row written around the service cannot pass.
        check_two_person_rule(normalise(row.rules))
        if current is not None:
            ApprovalPolicy.objects.filter(pk=current.pk, is_active=True).update(is_active=False)
        moved = ApprovalPolicy.objects.filter(pk=row.pk, state=PolicyState.PENDING).update(
            state=PolicyState.APPROVED, is_active=True, decided_by=actor, decided_at=now, decision_comment=comment[:200]
        )
        if not moved:
            raise PolicyError("someone else decided on this change a moment ago; reload to see it")
        row.refresh_from_db()
        audit.record(
            "policy.changed",
            actor=actor,
            obj=row,
            before={"version": current_version, "rules": current.rules if current else DEFAULT_RULES},
            after={"version": row.version, "rules": row.rules, "proposed_by": row.created_by.get_username()},
            summary=f"approval policy v{current_version} → v{row.version}, proposed by "
            f"{row.created_by.get_username()}" + (f": {row.note}" if row.note else ""),
        )
    return row


def reject_policy(pk: int, *, actor: User, comment: str = "") -> ApprovalPolicy:
    """Another Admin rejects the proposed version, or its maker withdraws it; the active one stays (audited)."""
    now = timezone.now()
    with transaction.atomic():
        row = _locked_pending(pk)
        own = row.created_by_id == actor.pk
        if row.state != PolicyState.PENDING:
            raise PolicyError(f"version {row.version} is already {row.get_state_display().lower()}")
        if not actor.is_active or not actor.has_perm(CHANGE_POLICY):
            raise PolicyError("only an Admin may reject a policy change")
        state = PolicyState.WITHDRAWN if own else PolicyState.REJECTED
        moved = ApprovalPolicy.objects.filter(pk=row.pk, state=PolicyState.PENDING).update(
            state=state, decided_by=actor, decided_at=now, decision_comment=comment[:200]
        )
        if not moved:
            raise PolicyError("someone else decided on this change a moment ago; reload to see it")
        row.refresh_from_db()
        audit.record(
            "policy.withdrawn" if own else "policy.rejected",
            actor=actor,
            obj=row,
            before={"version": row.version, "state": PolicyState.PENDING},
            after={"version": row.version, "state": state},
            summary=f"approval policy v{row.version} {'withdrawn' if own else 'rejected'}"
            + (f": {comment}" if comment else ""),
        )
    return row


# --- Fulfilment commands: Juspay's documented list plus the ones configured here ---------------------


def command_choices() -> list[tuple[str, str]]:
    documented = [(c.value, f"{c.value} — {c.meaning}") for c in FulfillmentCommand]
    extra = [
        (o.value, f"{o.value} — {o.description or 'configured here'}")
        for o in FulfilmentCommandOption.objects.filter(is_active=True)
        if not FulfillmentCommand.known(o.value)
    ]
    return documented + extra


def known_command(value: str) -> bool:
    return (
        FulfillmentCommand.known(value) or FulfilmentCommandOption.objects.filter(value=value, is_active=True).exists()
    )


def add_command_option(value: str, *, description: str, actor: User) -> FulfilmentCommandOption:
    value = value.strip().upper()
    if not COMMAND_SHAPE.match(value):
        raise PolicyError("a command is 2-64 capital letters, digits or _, starting with a letter")
    if FulfillmentCommand.known(value):
        raise PolicyError(f"{value} is already in Juspay's documented list")
    with transaction.atomic():
        option, created = FulfilmentCommandOption.objects.get_or_create(
            value=value, defaults={"description": description[:200], "created_by": actor}
        )
        if not created:
            if option.is_active:
                raise PolicyError(f"{value} is already configured")
            FulfilmentCommandOption.objects.filter(pk=option.pk).update(is_active=True, description=description[:200])
        audit.record(
            "policy.command_added",
            actor=actor,
            obj=option,
            after={"value": value, "description": description[:200]},
            summary=f"fulfilment command {value} enabled",
        )
    return option


def remove_command_option(pk: int, *, actor: User) -> FulfilmentCommandOption:
    with transaction.atomic():
        option = FulfilmentCommandOption.objects.select_for_update().get(pk=pk)
        if FulfilmentCommandOption.objects.filter(pk=pk, is_active=True).update(is_active=False):
            audit.record(
                "policy.command_removed",
                actor=actor,
                obj=option,
                before={"value": option.value},
                summary=f"fulfilment command {option.value} disabled",
            )
    return option
