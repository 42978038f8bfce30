"""The navigation's two counts (approvals waiting, sync health's attention), kept a short while per person.

Both run on every full page a person with the right opens; at a million orders they cost about 8 ms of CPU and
some 20 ms of database time a page (`sync_health.attention` reads bounded subqueries over several tables). A
count is kept in the Django cache for `NAV_COUNTS_SECONDS` (0: computed on every page) under the person and
what they may do. The approvals count also carries a version that every new request, decision and move out of
"pending" bumps (`approvals_changed`), so an approver's badge follows their own and others' actions on the next
page; an expiry, a role or merchant scope taken away, or a page computed in the milliseconds between a bump and
its transaction's commit shows within the keeping time. The sync-health count is kept by
time alone: the health page itself is always live.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache

VERSION_KEY = "nav-counts:approvals:version"


def approvals_changed() -> None:
    """A request was raised, decided or moved out of "pending": every kept approvals count is stale."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there yet (or evicted)
        cache.set(VERSION_KEY, 1, None)


def kept(name: str, user: User | AnonymousUser, may: str, compute: Callable[[], int]) -> int:
    """`compute()`, or the value kept for this person, count and `may` (what they may do, which changes it).

    One cache round trip: the value is kept with the approvals version it was counted under, and read together
    with the current version; a value of another version is counted again."""
    seconds = settings.NAV_COUNTS_SECONDS
    if seconds <= 0 or not user.is_authenticated:
        return compute()
    key = f"nav-counts:{name}:{user.pk}:{may}"
    if name == "approvals":
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY, 0)
    else:
        found, version = {key: cache.get(key)}, 0
    value = found.get(key)
    if isinstance(value, tuple) and len(value) == 2 and value[0] == version:
        return int(value[1])
    count = compute()
    cache.set(key, (version, count), seconds)
    return count
