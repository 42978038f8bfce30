"""The raise forms and the policy editor. They check shapes; the rules (limits, sums, roles) are in services."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any, Self

from django import forms
from pydantic import ValidationError as PydanticError

from dashboard.juspay.enums import FulfillmentCommand, FulfillmentStatus
from dashboard.juspay.forms import SplitRefundDetails, SplitSettlementDetails
from dashboard.money_format import currency_symbol, format_money
from fulfilment import policy
from fulfilment.services import REFUND_REASONS, share_rooms
from orders.models import Order
from orders.split_rule import MARKETPLACE, ShareRoom


class TokenForm(forms.Form):
    """Carries the one-time form token: a second submit of the same form finds the first request."""

    form_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", uuid.uuid4())

    @classmethod
    def for_order(cls, order: Order, data: Any = None) -> Self:
        """The form for raising on `order` (the refund form adds one field per vendor on split orders)."""
        return cls(data)


class RefundForm(TokenForm):
    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        label="Amount",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    reason_code = forms.ChoiceField(choices=[("", "— choose —"), *REFUND_REASONS], label="Reason")
    comment = forms.CharField(
        max_length=1000, label="Comment for the approver", widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = ["amount", "reason_code", "comment", "form_token"]

    # --- Split orders: one refund part per vendor (and the marketplace) -------------------------------

    def __init__(
        self, *args: Any, rooms: dict[str, ShareRoom] | None = None, currency: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rooms = rooms or {}
        if currency:
            self.fields["amount"].label = f"Amount ({currency_symbol(currency)})"
        self.part_fields: list[tuple[str, str]] = []  # (field name, sub_mid or MARKETPLACE)
        for index, (name, room) in enumerate(self.rooms.items()):
            field_name = "split_marketplace" if name == MARKETPLACE else f"split_vendor_{index}"
            self.fields[field_name] = forms.DecimalField(
                max_digits=14,
                decimal_places=2,
                min_value=Decimal(0),
                required=False,
                label="From the marketplace" if name == MARKETPLACE else f"From vendor {name}",
                help_text=f"Received {format_money(room.received, currency)}; "
                f"at most {format_money(room.room, currency)} still to give back.",
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            )
            self.part_fields.append((field_name, name))
        if self.part_fields:
            self.order_fields([*self.field_order[:1], *(f for f, _ in self.part_fields), *self.field_order[1:]])

    @classmethod
    def for_order(cls, order: Order, data: Any = None) -> Self:
        return cls(data, rooms=share_rooms(order), currency=order.currency)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["split"] = None
        if not self.part_fields:
            return data
        parts = {name: data.get(field_name) for field_name, name in self.part_fields}
        if all(value is None for value in parts.values()):
            self.add_error(None, "This order is split between vendors: say how much comes back from each.")
            return data
        vendors = [
            {"sub_mid": name, "refund_amount": value or Decimal(0)}
            for name, value in parts.items()
            if name != MARKETPLACE
        ]
        data["split"] = SplitRefundDetails.model_validate(
            {"marketplace": {"refund_amount": parts.get(MARKETPLACE) or Decimal(0)}, "vendor": {"split": vendors}}
        )
        return data


# The largest split share the form takes: 14 digits with 2 after the point, as the refund form's amount
# (Juspay documents no maximum; a larger figure is a typo or an attack, and 1e30 broke the quantize).
MAX_SHARE = Decimal("999999999999.99")


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        raise forms.ValidationError(f"{what}: {text.strip()!r} is not an amount") from None
    if not value.is_finite() or abs(value) > MAX_SHARE:
        raise forms.ValidationError(f"{what}: {text.strip()!r} is not an amount (at most {MAX_SHARE})")
    if value != value.quantize(Decimal("0.01")):
        raise forms.ValidationError(f"{what}: use an amount with at most two decimal places")
    return value


class FulfilmentForm(TokenForm):
    fulfillment_command = forms.ChoiceField(label="Command")
    fulfillment_status = forms.ChoiceField(
        label="Fulfilment status", choices=[(s.value, f"{s.value} — {s.meaning}") for s in FulfillmentStatus]
    )
    fulfillment_id = forms.CharField(
        max_length=128,
        required=False,
        label="Fulfilment id",
        help_text="Your reference (delivery id, AWB, PNR). Left blank, one is made. "
        "It is also the key that stops Juspay getting the command twice.",
    )
    fulfillment_time = forms.DateTimeField(
        required=False, label="Fulfilled at (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    fulfillment_data = forms.CharField(
        required=False,
        label="Fulfilment data",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="Free-form text Juspay keeps with the command (courier, AWB, IMEI…). It must be JSON only "
        "for the commands the approval policy says carry JSON.",
    )
    amount = forms.DecimalField(
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        label="Amount (commands that move money)",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text="Only for a command that moves money, e.g. INITIATE_REFUND. Left blank, a command that "
        "refunds everything still refundable holds that whole amount.",
    )
    marketplace_amount = forms.CharField(
        required=False, label="Marketplace share", help_text="POST_TXN_SPLIT_SETTLEMENT only."
    )
    mdr_borne_by = forms.CharField(required=False, initial="ALL", max_length=32, label="MDR borne by")
    vendors = forms.CharField(
        required=False,
        label="Vendor shares",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="One vendor per line: sub_mid, amount[, merchant commission]. The marketplace "
        "share and the vendors' amounts must add up to the amount paid (after offers); a commission is "
        "part of its vendor's amount. One split per order.",
    )
    comment = forms.CharField(
        max_length=1000, required=False, label="Comment for the approver", widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = [
        "fulfillment_command",
        "fulfillment_status",
        "fulfillment_id",
        "fulfillment_time",
        "fulfillment_data",
        "amount",
        "marketplace_amount",
        "mdr_borne_by",
        "vendors",
        "comment",
        "form_token",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        command = self.fields["fulfillment_command"]
        assert isinstance(command, forms.ChoiceField)
        command.choices = [("", "— choose —"), *policy.command_choices()]

    def clean_fulfillment_data(self) -> str | None:
        """Kept as typed: Juspay documents it as free-form; the services check JSON where the policy asks."""
        text: str = self.cleaned_data["fulfillment_data"].strip()
        return text or None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        is_split = data.get("fulfillment_command") == FulfillmentCommand.POST_TXN_SPLIT_SETTLEMENT
        lines = [line for line in (data.get("vendors") or "").splitlines() if line.strip()]
        marketplace = (data.get("marketplace_amount") or "").strip()
        data["split"] = None
        if not is_split:
            if lines or marketplace:
                self.add_error("vendors", "Split shares go only with POST_TXN_SPLIT_SETTLEMENT.")
            return data
        if not lines:
            self.add_error("vendors", "Give at least one vendor: sub_mid, amount[, commission].")
            return data
        try:
            shares = []
            for number, line in enumerate(lines, start=1):
                parts = [p.strip() for p in line.split(",")]
                if len(parts) not in (2, 3) or not parts[0]:
                    raise forms.ValidationError(f"Line {number}: write sub_mid, amount[, commission].")
                share = {"sub_mid": parts[0], "amount": _decimal(parts[1], f"line {number}")}
                if len(parts) == 3 and parts[2]:
                    share["merchant_commission"] = _decimal(parts[2], f"line {number} commission")
                shares.append(share)
            data["split"] = SplitSettlementDetails.model_validate(
                {
                    "marketplace": {"amount": _decimal(marketplace or "0", "marketplace share")},
                    "mdr_borne_by": (data.get("mdr_borne_by") or "ALL").strip() or "ALL",
                    "vendor": {"split": shares},
                }
            )
        except forms.ValidationError as error:
            self.add_error("vendors", error)
        except PydanticError as error:
            self.add_error("vendors", f"The split is not valid: {error.errors()[0]['msg']}")
        return data


class DecisionForm(forms.Form):
    comment = forms.CharField(max_length=1000, required=False, widget=forms.TextInput(attrs={"placeholder": "Comment"}))


class BulkApproveForm(forms.Form):
    requests = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    comment = forms.CharField(max_length=1000, required=False)

    def __init__(self, *args: Any, pks: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        requests = self.fields["requests"]
        assert isinstance(requests, forms.TypedMultipleChoiceField)
        requests.choices = [(pk, pk) for pk in pks]


class PolicyForm(forms.Form):
    """The editable parts of the approval policy, as fields instead of raw JSON."""

    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    approver_roles = forms.MultipleChoiceField(
        choices=[(r, r) for r in policy.approving_roles()], widget=forms.CheckboxSelectMultiple, label="Who may approve"
    )
    expiry_hours = forms.IntegerField(
        min_value=1, max_value=policy.MAX_EXPIRY_HOURS, label="A pending request expires after (hours)"
    )
    refund_approvals = forms.IntegerField(min_value=0, max_value=policy.MAX_APPROVALS, label="Approvals for a refund")
    refund_threshold = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, required=False, label="Refunds above this amount…"
    )
    refund_high_approvals = forms.IntegerField(
        min_value=0, max_value=policy.MAX_APPROVALS, required=False, label="…need this many approvals"
    )
    fulfilment_approvals = forms.IntegerField(
        min_value=0, max_value=policy.MAX_APPROVALS, label="Approvals for a Fulfilment Sync command"
    )
    note = forms.CharField(max_length=200, required=False, label="Why this change")

    def __init__(self, *args: Any, commands: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = commands
        for command in commands:
            self.fields[f"cmd_{command}"] = forms.IntegerField(
                min_value=0,
                max_value=policy.MAX_APPROVALS,
                required=False,
                label=command,
                help_text="blank = the default for commands",
            )
            self._add_command_config(command)

    def _add_command_config(self, command: str) -> None:
        """Whether the command moves money and how much, and whether its fulfillment_data is JSON."""
        rules = list(policy.AMOUNT_RULES.items())
        choices = rules if command in policy.ALWAYS_MONEY else [("", "moves no money"), *rules]
        self.fields[f"money_{command}"] = forms.ChoiceField(
            choices=choices, required=False, label=f"{command} moves money"
        )
        self.fields[f"json_{command}"] = forms.BooleanField(required=False, label=f"{command} data is JSON")

    @classmethod
    def initial_for(cls, current: policy.Policy) -> dict[str, Any]:
        rules = current.rules
        tier = rules["refund"]["tiers"][-1] if rules["refund"]["tiers"] else None
        initial = {
            "based_on": current.version,
            "approver_roles": rules["approver_roles"],
            "expiry_hours": rules["expiry_hours"],
            "refund_approvals": rules["refund"]["approvals"],
            "refund_threshold": Decimal(tier["above"]) if tier else None,
            "refund_high_approvals": tier["approvals"] if tier else None,
            "fulfilment_approvals": rules["fulfilment"]["approvals"],
        }
        initial.update({f"cmd_{c}": n for c, n in rules["fulfilment"]["commands"].items()})
        initial.update({f"money_{c}": rule for c, rule in rules["fulfilment"]["money"].items()})
        initial.update({f"json_{c}": True for c in rules["fulfilment"]["json_data"]})
        return initial

    def command_fields(self) -> list[forms.BoundField]:
        return [self[f"cmd_{c}"] for c in self.commands]

    def command_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        """Per command: approvals, whether (and how much) it moves money, whether its data is JSON."""
        return [(self[f"cmd_{c}"], self[f"money_{c}"], self[f"json_{c}"]) for c in self.commands]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (data.get("refund_threshold") is None) != (data.get("refund_high_approvals") is None):
            raise forms.ValidationError("Give both the refund threshold and its number of approvals, or neither.")
        if not self.errors:
            try:
                policy.check_two_person_rule(policy.normalise(self.rules()))
            except policy.PolicyError as error:
                self.add_error(error.field if error.field in self.fields else None, str(error))
        return data

    def rules(self) -> dict[str, Any]:
        data = self.cleaned_data
        tiers = []
        if data.get("refund_threshold") is not None:
            tiers.append({"above": str(data["refund_threshold"]), "approvals": data["refund_high_approvals"]})
        commands = {c: data[f"cmd_{c}"] for c in self.commands if data.get(f"cmd_{c}") is not None}
        money = {c: data[f"money_{c}"] for c in self.commands if data.get(f"money_{c}")}
        for command in policy.ALWAYS_MONEY - set(money):  # not a choice: left out means the default rule
            money[command] = policy.DEFAULT_RULES["fulfilment"]["money"].get(command, "balance")
        json_data = [c for c in self.commands if data.get(f"json_{c}")]
        return {
            "approver_roles": data["approver_roles"],
            "expiry_hours": data["expiry_hours"],
            "refund": {"approvals": data["refund_approvals"], "tiers": tiers},
            "fulfilment": {
                "approvals": data["fulfilment_approvals"],
                "commands": commands,
                "money": money,
                "json_data": json_data,
            },
        }


class CommandOptionForm(forms.Form):
    value = forms.CharField(max_length=64, label="Command", help_text="As Juspay spells it, e.g. RELEASE_HOLD.")
    description = forms.CharField(max_length=200, required=False, label="What it does")
