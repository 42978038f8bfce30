"""The demo users that `make run` creates, one per role plus a second Finance user."""

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from dashboard import audit
from dashboard.roles import ADMIN, FINANCE, MANAGER, SUPPORT, ensure_roles, set_role

DEMO_USERS: list[tuple[str, str, str]] = [
    ("support", SUPPORT, "Sam Support"),
    ("finance", FINANCE, "Fatima Finance"),
    ("finance2", FINANCE, "Farid Finance"),
    ("manager", MANAGER, "Maya Manager"),
    ("admin", ADMIN, "Arjun Admin"),
]


def ensure_demo_users(password: str | None = None) -> tuple[str, list[tuple[str, str]]]:
    """Create or reset the demo users; returns the password and (username, role) pairs."""
    password = password or secrets.token_urlsafe(9)
    User = get_user_model()
    created = []
    with transaction.atomic():
        ensure_roles(strict=True)
        for username, role, full_name in DEMO_USERS:
            first, last = full_name.split(" ", 1)
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@example.com"
            user.is_active = True
            user.set_password(password)
            user.save()
            set_role(user, role)
            created.append((username, role))
        audit.record(
            "demo.users_reset",
            actor_username="make run",
            object_type="auth.user",
            summary=f"demo users set up: {', '.join(u for u, _ in created)}",
        )
    return password, created
