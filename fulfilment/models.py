"""Requests to move money or tell Juspay something (refunds, Fulfilment Sync commands), their approvals,
and the approval policy that decides how many approvals each one needs.

Rows change only through `fulfilment.services` (people) and `fulfilment.executor` (the sending), with
conditional UPDATEs inside transactions and an audit event for every step. Who may move a request is
in `fulfilment.permissions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dashboard.merchant_scope import MerchantScopedQuerySet
from dashboard.models import Merchant
from orders.models import Order


class ActionKind(models.TextChoices):
    REFUND = "refund", "Refund"
    FULFILMENT = "fulfilment", "Fulfilment Sync command"


class ActionState(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved, queued for sending"
    SENDING = "sending", "Sending to Juspay"
    SUCCEEDED = "succeeded", "Accepted by Juspay"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled by the maker"
    EXPIRED = "expired", "Expired unapproved"
    # A money-moving Fulfilment Sync command whose outcome is unknown (timeout, 5xx, crash after send) and
    # that Order Status cannot settle: it is never sent again blindly; a person checks with Juspay.
    UNRESOLVED = "unresolved", "Outcome unknown: a person must check with Juspay"


OPEN_STATES = (ActionState.PENDING, ActionState.APPROVED, ActionState.SENDING)
# Requests that hold their amount against what is still refundable: open ones, and those whose money may
# have moved without our knowing (unresolved).
HOLDING_STATES = (*OPEN_STATES, ActionState.UNRESOLVED)
TERMINAL_STATES = (
    ActionState.SUCCEEDED,
    ActionState.FAILED,
    ActionState.REJECTED,
    ActionState.CANCELLED,
    ActionState.EXPIRED,
)
# A fulfilment id may be used again on an order only after earlier requests with it came to nothing.
LIVE_STATES = (*HOLDING_STATES, ActionState.SUCCEEDED)


class ActionRequest(models.Model):
    """One refund or Fulfilment Sync command, from raise to Juspay's answer.

    `payload` is the snapshot of what will be sent, fixed when raised. `idempotency_key` is the refund's
    `unique_request_id` (for a command, `fulfillment_id` is its key): every send of this request uses it.
    `form_token` is the raise form's one-time token, so a double submit creates one request.
    """

    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="action_requests")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="action_requests")
    payload = models.JSONField(default=dict)
    amount = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    command = models.CharField(max_length=64, blank=True, help_text="fulfillment_command (fulfilment only)")
    fulfillment_id = models.CharField(max_length=128, blank=True)
    reason_code = models.CharField(max_length=32, blank=True)
    comment = models.TextField(blank=True)
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_requests")
    state = models.CharField(max_length=16, choices=ActionState.choices, default=ActionState.PENDING)
    idempotency_key = models.CharField(max_length=64, unique=True)
    form_token = models.UUIDField(unique=True)
    policy_version = models.PositiveIntegerField(default=0, help_text="0 = the built-in default policy")
    required_approvals = models.PositiveSmallIntegerField()
    approver_roles = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="rejected, cancelled or expired")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="the latest send started")
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    retry_safe = models.BooleanField(default=False, help_text="a failed request may be sent again with its key")
    moves_money = models.BooleanField(
        default=False, help_text="a refund, or a command the policy flags as moving money (fixed when raised)"
    )
    juspay_answer = models.JSONField(
        null=True, blank=True, help_text="Juspay's whole Fulfillment Sync answer, as received (commands only)"
    )

    objects = MerchantScopedQuerySet.as_manager()  # .visible_to(user): dashboard/merchant_scope.py

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("raise_actionrequest", "Can raise refund and fulfilment requests"),
            ("approve_actionrequest", "Can approve, reject and retry requests raised by others"),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="action_state_created_idx"),
            models.Index(fields=["state", "expires_at"], name="action_state_expires_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "command", "fulfillment_id"],
                # NO_ACTION's id may repeat (Fulfillment Sync API: "A unique/repeat merchant-generated
                # identifier"; its SUCCESS is not terminal), so only the other commands are kept unique.
                condition=Q(kind="fulfilment", state__in=LIVE_STATES) & ~Q(command="NO_ACTION"),
                name="action_one_live_command_per_fulfillment_id",
            ),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="action_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.order_id} ({self.state})"


class Verdict(models.TextChoices):
    APPROVE = "approve", "Approved"
    REJECT = "reject", "Rejected"


class Decision(models.Model):
    """One person's approval or rejection of one request."""

    request = models.ForeignKey(ActionRequest, on_delete=models.CASCADE, related_name="decisions")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions")
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["request", "approver"], name="one_decision_per_person")]

    def __str__(self) -> str:
        return f"{self.approver} {self.verdict} #{self.request_id}"


class PolicyState(models.TextChoices):
    PENDING = "pending", "Waiting for a second Admin"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn by its maker"


class ApprovalPolicy(models.Model):
    """One version of the approval policy. A change is proposed as a pending version and takes effect only
    when another Admin approves it (maker-checker, as for requests); exactly one version is active."""

    version = models.PositiveIntegerField(unique=True)
    rules = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=PolicyState.choices, default=PolicyState.APPROVED)
    based_on = models.PositiveIntegerField(default=0, help_text="the version in force when it was proposed")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-version"]
        default_permissions = ("view", "change")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_approval_policy"
            ),
            models.UniqueConstraint(fields=["state"], condition=Q(state="pending"), name="one_pending_approval_policy"),
        ]

    def __str__(self) -> str:
        return f"policy v{self.version}{' (active)' if self.is_active else ''}"


class FulfilmentCommandOption(models.Model):
    """An extra `fulfillment_command` value Juspay enabled for us (Juspay says the list grows)."""

    value = models.CharField(max_length=64, unique=True)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["value"]
        default_permissions = ()

    def __str__(self) -> str:
        return self.value


class RequestFact(models.Model):
    """The managers' KPI rollup of one request (fulfilment.kpi_rollups): when it was raised, where it stands, and
    the two durations whose percentiles the KPI page shows. Rewritten in the transaction of every state change
    of its request; `rebuild_kpis` recomputes all of them."""

    request = models.OneToOneField(ActionRequest, on_delete=models.CASCADE, primary_key=True, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    command = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16)
    raised_at = models.DateTimeField()
    decision_seconds = models.BigIntegerField(
        null=True, blank=True, help_text="raise to the deciding approval or the rejection (people decided)"
    )
    answer_seconds = models.BigIntegerField(
        null=True, blank=True, help_text="approval to Juspay's answer (succeeded or failed)"
    )

    class Meta:
        default_permissions = ()
        indexes = [
            models.Index(fields=["raised_at"], name="request_fact_raised_idx"),
            # one histogram bucket's rows (orders.kpi_histograms): a range of seconds, then the period
            models.Index(
                fields=["decision_seconds", "raised_at"],
                name="request_fact_decision_idx",
                condition=models.Q(decision_seconds__isnull=False),
            ),
            models.Index(
                fields=["answer_seconds", "raised_at"],
                name="request_fact_answer_idx",
                condition=models.Q(answer_seconds__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"request {self.request_id}: {self.state}"
