"""Times as people read them: in their own zone, with the exact UTC time a hover away, or as "5 minutes ago".

Pure functions over aware datetimes. The zone is the one `dashboard.user_time_zone` activated for the request
(Django's current time zone), unless a caller names one. Relative times come from Babel's
`format_timedelta`, so "5 minutes ago", "2 days ago" and "in 3 hours" read the same everywhere.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, tzinfo
from functools import cache
from html import escape

from babel.dates import format_timedelta
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString

MISSING = "—"
LOCAL_FORMAT = "%Y-%m-%d %H:%M"
LOCAL_FORMAT_SECONDS = "%Y-%m-%d %H:%M:%S"


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone the system knows, sorted (the /account/ page's choices)."""
    return tuple(sorted(zoneinfo.available_timezones()))


def is_zone(name: str) -> bool:
    return name in zone_names()


def zone(name: str | None = None) -> tzinfo:
    """The zone called `name`, else the request's current zone."""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_current_timezone()


def as_datetime(value: object) -> datetime | None:
    """An aware datetime from a model field or from Juspay's text ("2026-12-01T10:05:14Z"); naive means UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = parse_datetime(value.strip().replace(" ", "T", 1))
        except ValueError:
            return None
        if parsed is None:
            return None
        moment = parsed
    else:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def exact_utc(moment: datetime) -> str:
    """The hover text: "2026-12-01 10:05:14 UTC"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def local_text(moment: datetime, *, zone_name: str | None = None, seconds: bool = False) -> str:
    """ "2026-12-01 15:35 IST": the time in the viewer's zone, with the zone's abbreviation."""
    local = moment.astimezone(zone(zone_name))
    text = local.strftime(LOCAL_FORMAT_SECONDS if seconds else LOCAL_FORMAT)
    label = local.tzname() or ""
    return f"{text} {label}".strip()


def relative_text(moment: datetime, *, now: datetime | None = None) -> str:
    """ "5 minutes ago" (or "in 5 minutes" for a time still ahead); "just now" under ten seconds."""
    delta = moment - (now or timezone.now())
    if abs(delta.total_seconds()) < 10:
        return "just now"
    return format_timedelta(delta, add_direction=True, locale="en")


def time_html(
    value: object, *, relative: bool = False, seconds: bool = False, now: datetime | None = None
) -> SafeString | str:
    """`<time datetime="…" title="2026-12-01 10:05:14 UTC">…</time>`; "—" when there is no time.

    The text is the local time, or the relative one (then the title names the local time too)."""
    moment = as_datetime(value)
    if moment is None:
        return MISSING
    at_utc = moment.astimezone(UTC)
    utc = at_utc.strftime("%Y-%m-%d %H:%M:%S UTC")  # exact_utc(moment)
    if relative:
        title = f"{local_text(moment, seconds=True)} · {utc}"
        text = relative_text(moment, now=now)
    else:
        title, text = utc, local_text(moment, seconds=seconds)
    # format_html's escaping, without its lazy-string machinery (a list page shows fifty times).
    return SafeString(
        f'<time datetime="{escape(at_utc.isoformat().replace("+00:00", "Z"))}" title="{escape(title)}">'
        f"{escape(text)}</time>"
    )
