from django.conf import settings
from django.db import models
from django.db.models import Q


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


class ChangeState(models.TextChoices):
    PENDING = "pending", "Waiting for a second Admin"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn by its maker"


class SecondAdminProposal(models.Model):
    """A change one Admin proposes and another Admin (never the proposer) approves or rejects: the state and
    who decided when. Concrete proposals add what they change."""

    state = models.CharField(max_length=16, choices=ChangeState.choices, default=ChangeState.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        default_permissions = ()


class MerchantChange(SecondAdminProposal):
    """A proposed new Juspay base URL for a merchant, with the API key re-entered for it.

    It takes effect only when another Admin approves it (`dashboard.merchants.approve_change`); until then
    the merchant keeps its old URL and key. The key copy is blanked once the change is decided."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="changes")
    base_url = models.URLField()
    api_key = models.CharField(max_length=200, blank=True)

    class Meta(SecondAdminProposal.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"], condition=Q(state="pending"), name="one_pending_change_per_merchant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant.code} → {self.base_url} ({self.state})"


class StoredFile(models.Model):
    """A file kept in the database (dashboard.stored_files.DatabaseStorage), so every web host can serve a file
    that a worker on another host wrote: CSV exports when `EXPORT_STORAGE=database`."""

    name = models.CharField(max_length=255, unique=True)
    content = models.BinaryField()
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return self.name


class UserProfile(models.Model):
    """A person's display preferences: the time zone their pages show times in (UTC is what is stored)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    time_zone = models.CharField(max_length=64, help_text="An IANA zone name, e.g. Asia/Kolkata.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user_id}: {self.time_zone}"


class ApiToken(models.Model):
    """A personal API token: the secret is shown once, only its SHA-256 digest and a short prefix are kept.

    A request carrying `Authorization: Bearer <token>` acts as `user`, with the user's role and no more
    (dashboard/api/authentication.py). Issued and revoked by dashboard/api_tokens.py, both audited.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True, help_text="The token's first characters, to tell it.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the whole token, hex.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_permissions = ()
        permissions = [("manage_api_tokens", "Can list and revoke anyone's API tokens")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyKey(models.Model):
    """The first answer to an API POST that carried an `Idempotency-Key` header (dashboard/api_idempotency.py).

    One row per (user, key), kept by a unique constraint: of N identical POSTs racing on PostgreSQL, one inserts
    and runs, the others wait on the unique index until it commits and then replay its answer. `fingerprint` is
    a SHA-256 of the method, path and JSON body: the same key with another body is refused (422).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(blank=True, help_text="The answer's JSON as text (jsonb would reorder its keys).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"


class SsoIdentity(models.Model):
    """A person's account at the OpenID Connect provider: (issuer, subject) names them for good (dashboard/sso.py).

    A later SSO sign-in with the same issuer and `sub` is this user, whatever their email or username became.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True)
    groups = models.JSONField(default=list, blank=True)  # the groups claim of the last sign-in
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_issuer_subject")]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject} → {self.user_id}"


class FactorReset(SecondAdminProposal):
    """A proposal to remove someone's second factor (authenticator and recovery codes), so they enrol again.

    One Admin proposes it and another approves or rejects it (`dashboard.two_factor_resets`: maker ≠ checker,
    admins included); the factor stays until then. Nobody proposes a reset of their own factor."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)

    class Meta(SecondAdminProposal.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(state="pending"), name="one_pending_reset_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"reset of {self.person_id}'s second factor ({self.state})"


class MerchantAccess(models.Model):
    """One merchant a person is limited to (dashboard/merchant_scope.py). A person with no rows sees every
    merchant; with rows, only those. Set by an Admin on the People page (dashboard/people.py), audited."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_access")
    # PROTECT: deleting the last merchant of a limit must not silently lift the limit.
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["user", "merchant"], name="merchant_access_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.merchant_id}"
