"""Each person's time zone: stored in their profile, remembered in their session, activated per request.

Times are stored in UTC; pages show them in the zone a person chose at /account/, else in
`DEFAULT_USER_TIME_ZONE`. Signing in copies the stored zone into the session, so a request reads no extra
row; the middleware activates it for the request (Django's `timezone.activate`), and every template's
`{{ moment|when }}` (dashboard/templatetags/time_tags.py) shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from dashboard import audit
from dashboard.models import UserProfile
from dashboard.time_display import is_zone, zone_names

SESSION_KEY = "_time_zone"


def default_zone() -> str:
    name = str(getattr(settings, "DEFAULT_USER_TIME_ZONE", "") or "")
    return name if is_zone(name) else "UTC"


def stored_zone(user: AbstractBaseUser | AnonymousUser) -> str:
    """The zone the person chose, else the default (one query)."""
    if not user.is_authenticated:
        return default_zone()
    name = UserProfile.objects.filter(user_id=user.pk).values_list("time_zone", flat=True).first()
    return name if name and is_zone(name) else default_zone()


def remember(session: Any, user: AbstractBaseUser) -> None:
    """Copy the person's zone into their session (at sign-in: the session is written then anyway)."""
    session[SESSION_KEY] = stored_zone(user)


def set_zone(user: AbstractBaseUser, name: str, *, session: Any = None) -> str:
    """Store the person's zone (audited) and use it from their next page on; returns the zone stored."""
    if not is_zone(name):
        raise ValueError(f"Unknown time zone {name!r}.")
    with transaction.atomic():
        profile = UserProfile.objects.select_for_update().filter(user_id=user.pk).first()
        before = profile.time_zone if profile else ""
        if profile is None:
            profile = UserProfile.objects.create(user_id=user.pk, time_zone=name)
        elif before != name:
            profile.time_zone = name
            profile.save(update_fields=["time_zone", "updated_at"])
        if before != name:
            audit.record(
                "account.time_zone",
                actor=user,
                obj=profile,
                before={"time_zone": before or default_zone()},
                after={"time_zone": name},
                summary=f"{user.get_username()} shows times in {name}",
            )
    if session is not None:
        session[SESSION_KEY] = name
    return name


def zone_for_request(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return default_zone()
    session = getattr(request, "session", None)
    name = session.get(SESSION_KEY) if session is not None else None
    if isinstance(name, str) and is_zone(name):
        return name
    return stored_zone(user)  # a session from before sign-in copied it: read it, write nothing


class UserTimeZoneMiddleware:
    """Listed after AuthenticationMiddleware: activates the person's zone for the request, then resets it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.activate(zone_for_request(request))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Times on every page show in this zone; hover over a time to see it in UTC.",
        choices=(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name.replace("_", " ")) for name in zone_names()]
        field.error_messages["invalid_choice"] = "Choose a time zone from the list (for example Asia/Kolkata)."
