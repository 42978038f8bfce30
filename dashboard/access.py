"""Who may open a view. Secure by default: every view needs a signed-in user, most need one permission.

- Django's `LoginRequiredMiddleware` (settings) sends anyone not signed in to the login page, for pages,
  htmx fragments and POSTs alike, before any view runs. The few public views say so with Django's
  `@login_not_required`: login, logout, `/healthz` and Juspay's webhook (which carries Basic auth instead).
- `@requires("app.permission")` is the one decorator a view adds: a signed-in user without the permission
  gets 403 (never a login redirect: they are signed in already). `tests/test_role_matrix.py` checks every
  URL as every role.
"""

from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http.response import HttpResponseBase

from dashboard.htmx import HtmxHttpRequest

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class SignedInRequest(HtmxHttpRequest):
    """What a view behind `LoginRequiredMiddleware` receives: `user` is a signed-in user, never anonymous."""

    user: User


def requires(permission: str) -> Callable[[View], View]:
    """Allow the view only to users holding `permission`; others get 403."""
    return permission_required(permission, raise_exception=True)
