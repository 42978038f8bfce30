"""What the audit page knows about verbs and objects, filled by each app at start-up (dashboard imports neither
orders nor fulfilment): the verbs it writes, how to find the objects an id people know names ("LH2503M27",
"PO-1", "#12"), and how to link an object to its page.

- `register_verbs({verb: label})`: the verb filter's choices; verbs seen in the latest events are added, so
  one nobody registered still shows (tests/dashboard/test_audit_views.py checks every verb the code writes
  is registered).
- `register_finder(finder)`: `finder(text) -> [(object_type, object_id)]`, indexed lookups only.
- `register_object_kind(object_type, label=, permission=, links=)`: `links(ids, viewer) -> {id: url}` in one
  query for a whole page of rows; the link shows only to people holding `permission` (the page checks it again),
  and `links` leaves out the objects `viewer` may not open: another merchant's, for a person limited to some
  merchants (dashboard/merchant_scope.py), whose page would answer 404. The row itself stays: the log is whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User

Finder = Callable[[str], list[tuple[str, str]]]
Viewer = User | AnonymousUser
Links = Callable[[list[str], Viewer], dict[str, str]]


@dataclass(frozen=True)
class ObjectKind:
    object_type: str
    label: str
    permission: str | None
    links: Links


_verbs: dict[str, str] = {}
_finders: list[Finder] = []
_kinds: dict[str, ObjectKind] = {}


def register_verbs(verbs: dict[str, str]) -> None:
    _verbs.update(verbs)


def verbs() -> dict[str, str]:
    return dict(_verbs)


def register_finder(finder: Finder) -> None:
    if finder not in _finders:
        _finders.append(finder)


def find_objects(text: str) -> list[tuple[str, str]]:
    """The objects an id names, from every app's finder; an `object_type:object_id` key is taken as it is."""
    text = text.strip()
    found: list[tuple[str, str]] = []
    object_type, colon, object_id = text.rpartition(":")
    if colon and object_type in _kinds and object_id:
        found.append((object_type, object_id))
    for finder in _finders:
        found.extend(finder(text))
    return list(dict.fromkeys(found))


def register_object_kind(object_type: str, *, label: str, permission: str | None, links: Links) -> None:
    _kinds[object_type] = ObjectKind(object_type, label, permission, links)


def object_label(object_type: str) -> str:
    kind = _kinds.get(object_type)
    return kind.label if kind else object_type


def links_for(keys: Iterable[tuple[str, str]], user: Viewer) -> dict[tuple[str, str], str]:
    """URL per (object_type, object_id) for the objects this person may open (their role's permission, and the
    object among those they may see): one call per object type."""
    by_type: dict[str, list[str]] = {}
    for object_type, object_id in keys:
        if object_id and object_id not in by_type.setdefault(object_type, []):
            by_type[object_type].append(object_id)
    urls: dict[tuple[str, str], str] = {}
    for object_type, ids in by_type.items():
        kind = _kinds.get(object_type)
        if kind is None or (kind.permission is not None and not user.has_perm(kind.permission)):
            continue
        for object_id, url in kind.links(ids, user).items():
            urls[(object_type, object_id)] = url
    return urls
