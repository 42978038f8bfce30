from django.db import models


class AuditEvent(models.Model):
    """One append-only, hash-chained record of something someone (or something) did.

    Rows are written only by `dashboard.audit.record`; `verify_audit` checks the chain.
    """

    sequence = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True, db_index=True)
    role = models.CharField(max_length=32, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    verb = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=128, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    hmac = models.CharField(max_length=64)

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        permissions = [("manage_roles", "Can assign people to roles")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.sequence} {self.verb} {self.object_type}:{self.object_id}"


class Merchant(models.Model):
    """A Juspay merchant account the dashboard talks to. Every cached object knows its merchant."""

    code = models.SlugField(max_length=64, unique=True, help_text="Our short name for this account.")
    name = models.CharField(max_length=200)
    base_url = models.URLField(help_text="e.g. https://sandbox.juspay.in")
    api_key = models.CharField(max_length=200)
    merchant_id = models.CharField(max_length=100, help_text="Sent as x-merchantid; case-sensitive.")
    api_version = models.CharField(max_length=10, default="2023-06-30", help_text="The `version` header.")
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        default_permissions = ("view", "change")

    def __str__(self) -> str:
        return f"{self.name} ({self.merchant_id})"
