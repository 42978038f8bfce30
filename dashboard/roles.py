"""The four roles and what each may do, defined in code.

`ensure_roles()` makes the groups match this table (idempotent); it runs after every `migrate`.
Later capabilities add their permissions to ROLE_PERMISSIONS; the role-matrix test checks that the
pages agree with it.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission, PermissionsMixin

SUPPORT = "Support"
FINANCE = "Finance"
MANAGER = "Manager"
ADMIN = "Admin"
ROLES = (SUPPORT, FINANCE, MANAGER, ADMIN)
# When someone holds several roles, the first here names them in the audit log.
ROLE_PRECEDENCE = (ADMIN, MANAGER, FINANCE, SUPPORT)

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SUPPORT: [
        "orders.view_order",
        "orders.add_note",
        "orders.refresh_order",
        "fulfilment.view_actionrequest",
        "fulfilment.raise_actionrequest",
    ],
    FINANCE: [
        "orders.view_order",
        "orders.add_note",
        "orders.refresh_order",
        "orders.view_unmasked_pii",
        "fulfilment.view_actionrequest",
        "fulfilment.raise_actionrequest",
        "fulfilment.approve_actionrequest",
    ],
    MANAGER: ["dashboard.view_auditevent", "orders.view_order", "orders.view_kpis", "fulfilment.view_actionrequest"],
    ADMIN: [
        "dashboard.view_auditevent",
        "dashboard.manage_roles",
        "dashboard.manage_api_tokens",
        "dashboard.change_merchant",
        "dashboard.view_merchant",
        "orders.view_order",
        "orders.add_note",
        "orders.refresh_order",
        "orders.view_unmasked_pii",
        "orders.view_raw",
        "orders.view_syncfailure",
        "orders.view_kpis",
        "fulfilment.view_actionrequest",
        "fulfilment.raise_actionrequest",
        "fulfilment.approve_actionrequest",
        "fulfilment.view_approvalpolicy",
        "fulfilment.change_approvalpolicy",
    ],
}

ROLE_DESCRIPTIONS: dict[str, str] = {
    SUPPORT: "Look up orders and raise refund or fulfilment requests; sees personal data masked.",
    FINANCE: "Approve or reject requests raised by others; reveal one order's personal data when needed (audited).",
    MANAGER: "Follow the KPIs, orders and approvals, and read the audit log.",
    ADMIN: "Everything above except approving one's own requests, plus people, roles and merchants.",
}


class UnknownPermission(LookupError):
    pass


def _permission(dotted: str) -> Permission | None:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def ensure_roles(*, strict: bool = True) -> dict[str, int]:
    """Create the role groups and set their permissions exactly as ROLE_PERMISSIONS says."""
    counts: dict[str, int] = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for dotted in ROLE_PERMISSIONS[role]:
            perm = _permission(dotted)
            if perm is None:
                if strict:
                    raise UnknownPermission(f"{role}: permission {dotted!r} does not exist")
                continue
            perms.append(perm)
        group.permissions.set(perms)
        counts[role] = len(perms)
    return counts


def role_of(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """The user's role name for display and the audit log ('' for nobody)."""
    if user is None or not user.is_authenticated or not isinstance(user, PermissionsMixin):
        return ""
    names = {g.name for g in user.groups.all()}
    for role in ROLE_PRECEDENCE:
        if role in names:
            return role
    return "Superuser" if user.is_superuser else ""


def set_role(user: PermissionsMixin, role: str | None) -> None:
    """Give the user exactly one role (or none)."""
    if role is not None and role not in ROLES:
        raise ValueError(f"Unknown role {role!r}")
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    if role:
        user.groups.add(Group.objects.get(name=role))
